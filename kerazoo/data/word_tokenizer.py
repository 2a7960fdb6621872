"""Word-level tokenizer: a `Vocabulary` looked up in the TensorFlow graph.

Tokenizing runs with core TensorFlow ops only (`tf.strings`, `tf.lookup`),
so a SavedModel holding this tokenizer takes raw strings and reloads with
plain `tensorflow`, as the character tokenizer does. In order, `tokenize`:

1. with `split="punctuation"`, puts spaces around every Unicode punctuation
   character (`\\pP`), so `"Hello, world!"` gives `Hello` `,` `world` `!`;
   with `split="whitespace"` (for text that is already tokenized, such as
   Penn Treebank's, or joined from `kerazoo.data.word_tokenize`'s output)
   nothing happens here;
2. with a `line_break_token`, turns every line break into that token (Penn
   Treebank's `<eos>` at the end of each sentence);
3. splits on whitespace (every character Python's `str.split` splits on:
   ASCII space, tab, line breaks, form feed, vertical tab, and the Unicode
   space and separator characters);
4. with `lowercase=True`, lowercases each word except the reserved tokens
   and the line break token;
5. looks each word up in the vocabulary: words it lacks become the unknown
   token (`<UNK>`, id 1). Unknown words never fail, in Python or in a served
   model; `decode` shows them as the unknown token.

`detokenize` joins the tokens of ids with single spaces, drops padding
(id 0) and ids outside the vocabulary, and turns the line break token back
into a line break. So `decode(encode(text))` is the text with its
whitespace normalized and its unknown words replaced, and
`encode(decode(ids)) == ids` for ids without padding.

Build one from a corpus with `WordTokenizer.from_corpus` (a size cap and a
minimum frequency, with a progress bar) or from a `Vocabulary`. It saves as
a plain-text vocabulary file (`kerazoo.data.save_tokenizer`).
"""

import collections

import keras
import keras_hub
import tensorflow as tf
import tqdm

from kerazoo.data.text_codec import TextCodecMixin, id_tensor
from kerazoo.data.vocabulary import DEFAULT_RESERVED_TOKENS, Vocabulary

SPLITS = ("whitespace", "punctuation")
# Characters per counting call while building a vocabulary.
CHUNK_CHARACTERS = 1 << 16


@keras.saving.register_keras_serializable(package="kerazoo")
class WordTokenizer(TextCodecMixin, keras_hub.tokenizers.Tokenizer):
    """Maps whitespace-separated words to vocabulary ids, in the graph.

    Args:
        vocabulary: a `Vocabulary`, or a list of tokens in id order whose
            first four are the reserved tokens (padding, unknown, start,
            end).
        padding_token, unknown_token, start_token, end_token: str, the
            reserved tokens' spellings, ids 0-3. Defaults `<PAD>`, `<UNK>`,
            `<BOS>`, `<EOS>`; ignored (taken from it) when `vocabulary` is
            a `Vocabulary`. `end_token` is the tokenizer's end token
            (`end_token_id`, 3): generation stops there, and
            `tokenize_documents` puts it between documents.
        lowercase: bool, lowercase words before the lookup (not the
            reserved or line break tokens). Defaults to False.
        split: `"whitespace"` (default) or `"punctuation"` (see the module
            docstring).
        line_break_token: str in the vocabulary or None. Line breaks become
            this token, and it detokenizes to a line break. None (default):
            line breaks are whitespace.
        **kwargs: Layer arguments (`name`, ...).

    Call arguments (`tokenize`, also `__call__`):
        inputs: tf.string scalar, or (batch,) tf.string tensor; Python str
            and lists of str are converted.

    Returns:
        For a scalar, (length,) int32 ids; for a batch, a (batch, None)
        int32 `tf.RaggedTensor`.

    Example:
    >>> tokenizer = WordTokenizer.from_corpus(["the cat sat", "the cat ran"], progress=False)
    >>> tokenizer.get_vocabulary()
    ['<PAD>', '<UNK>', '<BOS>', '<EOS>', 'cat', 'the', 'ran', 'sat']
    >>> tokenizer.encode("the dog sat")
    [5, 1, 7]
    >>> tokenizer.decode([5, 4, 6])
    'the cat ran'
    """

    def __init__(
        self,
        vocabulary,
        padding_token=DEFAULT_RESERVED_TOKENS[0],
        unknown_token=DEFAULT_RESERVED_TOKENS[1],
        start_token=DEFAULT_RESERVED_TOKENS[2],
        end_token=DEFAULT_RESERVED_TOKENS[3],
        lowercase=False,
        split="whitespace",
        line_break_token=None,
        **kwargs,
    ):
        kwargs.setdefault("dtype", "int32")
        super().__init__(**kwargs)
        if not isinstance(vocabulary, Vocabulary):
            vocabulary = Vocabulary(
                vocabulary, padding_token, unknown_token, start_token, end_token
            )
        if not isinstance(lowercase, bool):
            raise TypeError(f"`lowercase` must be a bool. Received: lowercase={lowercase!r}.")
        if split not in SPLITS:
            raise ValueError(f"`split` must be one of {SPLITS}. Received: split={split!r}.")
        if line_break_token is not None and line_break_token not in vocabulary:
            raise ValueError(
                f"`line_break_token` {line_break_token!r} is not in the vocabulary. "
                "Build the vocabulary with the same line_break_token, or pass None."
            )
        self._vocabulary = vocabulary
        self.lowercase = lowercase
        self.split = split
        self.line_break_token = line_break_token
        pad, unknown, start, end = vocabulary.reserved_tokens
        self._add_special_token(pad, "pad_token")
        self._add_special_token(unknown, "unknown_token")
        self._add_special_token(start, "start_token")
        self._init_end_token(end)

        tokens = tf.constant(vocabulary.tokens, dtype=tf.string)
        ids = tf.range(len(vocabulary), dtype=tf.int32)
        self._token_to_id = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(tokens, ids), default_value=-1
        )
        self._id_to_token = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(ids, tokens), default_value=""
        )
        protected = _protected_tokens(vocabulary.reserved_tokens, line_break_token)
        self._protected = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(protected, tf.string), tf.ones([len(protected)], tf.int32)
            ),
            default_value=0,
        )

    @classmethod
    def from_corpus(
        cls,
        texts,
        max_size=None,
        min_frequency=1,
        *,
        padding_token=DEFAULT_RESERVED_TOKENS[0],
        unknown_token=DEFAULT_RESERVED_TOKENS[1],
        start_token=DEFAULT_RESERVED_TOKENS[2],
        end_token=DEFAULT_RESERVED_TOKENS[3],
        lowercase=False,
        split="whitespace",
        line_break_token=None,
        progress=True,
        **kwargs,
    ):
        """Builds the vocabulary of a corpus, split exactly as `tokenize` splits.

        Args:
            texts: str or list of str (documents).
            max_size: int or None, the most tokens, the four reserved ones
                included (the most frequent words are kept). None: no cap.
            min_frequency: int >= 1; rarer words become the unknown token.
            progress: bool, show a progress bar (in characters) while
                counting.
            Other arguments: see the class.

        Returns:
            `WordTokenizer`.

        Raises:
            ValueError: If the texts hold no words.
        """
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, (list, tuple)) or not all(isinstance(t, str) for t in texts):
            raise TypeError(
                "`texts` must be a str or a list of str. Received: "
                f"{type(texts).__name__}."
            )
        reserved = (padding_token, unknown_token, start_token, end_token)
        protected = _protected_tokens(reserved, line_break_token)
        counts = collections.Counter()
        total = sum(len(text) for text in texts)
        with tqdm.tqdm(
            total=total, unit="char", unit_scale=True, desc="Counting words",
            disable=not progress,
        ) as bar:
            for text in texts:
                for chunk in _chunks_at_whitespace(text, CHUNK_CHARACTERS):
                    words = split_words(chunk, split, line_break_token, lowercase, protected)
                    counts.update(word.decode("utf-8") for word in words.numpy().tolist())
                    bar.update(len(chunk))
        if not counts:
            raise ValueError(
                "`texts` hold no words (only whitespace, or nothing): a vocabulary "
                "needs a corpus with at least one word."
            )
        vocabulary = Vocabulary.build(
            counts, max_size, min_frequency, padding_token, unknown_token, start_token, end_token
        )
        return cls(
            vocabulary, lowercase=lowercase, split=split, line_break_token=line_break_token,
            **kwargs,
        )

    @classmethod
    def from_vocabulary_file(cls, path, **kwargs):
        """Loads a tokenizer from a vocabulary file (`Vocabulary.load`).

        The reserved tokens' spellings (`padding_token`, ...) and the other
        constructor arguments are keyword arguments.
        """
        reserved = {
            key: kwargs.pop(key)
            for key in ("padding_token", "unknown_token", "start_token", "end_token")
            if key in kwargs
        }
        return cls(Vocabulary.load(path, **reserved), **kwargs)

    @property
    def vocabulary(self):
        """The `Vocabulary`."""
        return self._vocabulary

    def save_vocabulary(self, path):
        """Writes the vocabulary file (`Vocabulary.save`), atomically."""
        self._vocabulary.save(path)

    def get_vocabulary(self):
        """The tokens in id order, a list of str."""
        return list(self._vocabulary.tokens)

    def vocabulary_size(self):
        """The number of ids, reserved tokens included."""
        return len(self._vocabulary)

    def id_to_token(self, id):
        """The token with id `id`; ValueError outside the vocabulary."""
        return self._vocabulary.token_of(id)

    def token_to_id(self, token):
        """The id of `token`; ValueError if the vocabulary lacks it
        (`tokenize` maps such words to the unknown token instead)."""
        if token not in self._vocabulary:
            raise ValueError(
                f"`token` {token!r} is not in the vocabulary; `encode` and "
                f"`tokenize` map it to the unknown token {self.unknown_token!r}."
            )
        return self._vocabulary.id_of(token)

    def words(self, inputs):
        """The words `tokenize` looks up (steps 1-4 of the module docstring).

        Returns:
            tf.string: (words,) for a scalar, (batch, None) ragged for a batch.
        """
        inputs = _string_inputs(inputs)
        return split_words(
            inputs, self.split, self.line_break_token, self.lowercase, self._protected
        )

    def tokenize(self, inputs):
        """Ids of the words of `inputs`; unknown words get the unknown id.

        Args:
            inputs: tf.string scalar or (batch,) tensor, or str / list of str.

        Returns:
            (length,) int32 for a scalar; (batch, None) int32 ragged for a
            batch.
        """
        words = self.words(inputs)
        ids = self._token_to_id.lookup(words)
        unknown = tf.constant(self._vocabulary.unknown_id, tf.int32)
        if isinstance(ids, tf.RaggedTensor):
            return tf.ragged.map_flat_values(
                lambda values: tf.where(values < 0, unknown, values), ids
            )
        return tf.where(ids < 0, unknown, ids)

    def detokenize(self, inputs):
        """Joins the tokens of ids with spaces (see the module docstring).

        Args:
            inputs: (length,) ids, or (batch, length) dense or ragged ids;
                Python lists are converted.

        Returns:
            tf.string: a scalar for one sequence, (batch,) for a batch.
        """
        inputs = id_tensor(inputs)
        ids = tf.cast(inputs, tf.int32)
        tokens = self._id_to_token.lookup(ids)
        if self.line_break_token is not None:
            line_break = self._vocabulary.id_of(self.line_break_token)
            tokens = tf.where(ids == line_break, "\n", tokens) if not isinstance(
                ids, tf.RaggedTensor
            ) else tf.ragged.map_flat_values(
                lambda i, t: tf.where(i == line_break, "\n", t), ids, tokens
            )
        keep = tf.logical_and(ids != self._vocabulary.padding_id, tokens != "")
        if isinstance(tokens, tf.RaggedTensor) or tokens.shape.rank == 2:
            tokens = tf.ragged.boolean_mask(tokens, keep)
        else:
            tokens = tf.boolean_mask(tokens, keep)
        text = tf.strings.reduce_join(tokens, axis=-1, separator=" ")
        if self.line_break_token is not None:
            text = tf.strings.regex_replace(text, " ?\n ?", "\n")
        return text

    def call(self, inputs):
        return self.tokenize(inputs)

    def get_config(self):
        config = super().get_config()
        pad, unknown, start, end = self._vocabulary.reserved_tokens
        config.update(
            {
                "vocabulary": list(self._vocabulary.tokens),
                "padding_token": pad,
                "unknown_token": unknown,
                "start_token": start,
                "end_token": end,
                "lowercase": self.lowercase,
                "split": self.split,
                "line_break_token": self.line_break_token,
            }
        )
        return config


def split_words(inputs, split, line_break_token, lowercase, protected):
    """Steps 1-4 of the module docstring, as TensorFlow ops.

    Args:
        inputs: tf.string scalar or (batch,) tensor.
        split: `"whitespace"` or `"punctuation"`.
        line_break_token: str or None.
        lowercase: bool.
        protected: words never lowercased: a list of str, or a
            `tf.lookup.StaticHashTable` mapping them to 1.

    Returns:
        tf.string words: (words,) for a scalar, (batch, None) ragged for a
        batch.
    """
    text = tf.convert_to_tensor(inputs, tf.string)
    # Unicode spaces (no-break, em, ...) and the other characters Python's
    # `str.split` splits on become plain spaces, so that no word holds
    # whitespace in either sense.
    text = tf.strings.regex_replace(text, r"[\p{Z}\x{1c}-\x{1f}\x{85}]", " ")
    if split == "punctuation":
        text = tf.strings.regex_replace(text, r"(\pP)", r" \1 ")
    if line_break_token is not None:
        replacement = " " + line_break_token.replace("\\", "\\\\") + " "
        text = tf.strings.regex_replace(text, r"\r\n|\n|\r", replacement)
    words = tf.strings.split(text)
    if lowercase:
        if not isinstance(protected, tf.lookup.StaticHashTable):
            protected = tf.lookup.StaticHashTable(
                tf.lookup.KeyValueTensorInitializer(
                    tf.constant(list(protected), tf.string),
                    tf.ones([len(protected)], tf.int32),
                ),
                default_value=0,
            )

        def lower(values):
            kept = protected.lookup(values) > 0
            return tf.where(kept, values, tf.strings.lower(values, encoding="utf-8"))

        if isinstance(words, tf.RaggedTensor):
            words = tf.ragged.map_flat_values(lower, words)
        else:
            words = lower(words)
    return words


def _protected_tokens(reserved, line_break_token):
    tokens = list(dict.fromkeys(reserved))
    if line_break_token is not None and line_break_token not in tokens:
        tokens.append(line_break_token)
    return tokens


def _string_inputs(inputs):
    inputs = tf.convert_to_tensor(inputs, dtype=tf.string)
    if inputs.shape.rank not in (0, 1):
        raise ValueError(
            "`inputs` must be a string scalar or a 1-D batch of strings. "
            f"Received: inputs of shape {inputs.shape}."
        )
    return inputs


def _chunks_at_whitespace(text, size):
    """Pieces of `text` of about `size` characters, cut only at whitespace."""
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
            end = cut + 1 if cut > start else end
        yield text[start:end]
        start = end
