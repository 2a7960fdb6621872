"""WordPiece tokenizer trained from a corpus with keras-hub's trainer.

Training and tokenizing are keras-hub's (the learner of
`compute_word_piece_vocabulary`, `WordPieceTokenizer`, built on
`tensorflow_text`); kerazoo adds the shared interface (`end_token_id`,
`encode` and `decode`) and counts the words in batches: keras-hub's trainer
counts them one string at a time, which took about a minute of a 2-core
machine for Multi30k's 58,000 sentences. The counts, and so the vocabulary,
are the same as keras-hub's.
"""

import collections

import keras
import keras_hub
import tensorflow as tf
# keras-hub's trainer splits words with this function; counting with the
# same split keeps the vocabulary equal to keras-hub's.
from keras_hub.src.tokenizers.word_piece_tokenizer import pretokenize
from tensorflow_text.tools.wordpiece_vocab import wordpiece_tokenizer_learner_lib

from kerazoo.data.text_codec import TextCodecMixin

SUFFIX_INDICATOR = "##"
COUNT_BATCH_SIZE = 1024

# keras-hub's default reserved tokens, BERT's special tokens.
RESERVED_TOKENS = ("[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]")


@keras.saving.register_keras_serializable(package="kerazoo")
class WordPieceTokenizer(TextCodecMixin, keras_hub.tokenizers.WordPieceTokenizer):
    """keras-hub's `WordPieceTokenizer` with the kerazoo tokenizer interface.

    Args:
        vocabulary: list of str, or the path of a one-token-per-line file.
        end_token: str or None. The token that ends a sequence; it must be in
            the vocabulary. Its id is `end_token_id` (None without one).
        **kwargs: keras-hub `WordPieceTokenizer` arguments (`lowercase`,
            `oov_token`, `sequence_length`, ...).

    Example:
    >>> tokenizer = train_word_piece(["the cat sat", "the cat ran"], 30)
    >>> tokenizer.decode(tokenizer.encode("the cat"))
    'the cat'
    """

    def __init__(self, vocabulary=None, end_token=None, **kwargs):
        self._init_end_token(end_token)
        super().__init__(vocabulary=vocabulary, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"end_token": self.end_token})
        return config


def train_word_piece(
    texts_or_dataset,
    vocabulary_size,
    *,
    lowercase=False,
    reserved_tokens=RESERVED_TOKENS,
    oov_token="[UNK]",
    end_token="[SEP]",
):
    """Learns a WordPiece vocabulary from text and returns its tokenizer.

    Args:
        texts_or_dataset: str, list of str, or a `tf.data.Dataset` of
            tf.string scalars; each string is one document.
        vocabulary_size: int, the most tokens the vocabulary may hold,
            reserved tokens included (a small corpus can give fewer).
        lowercase: bool, lowercase text before training and tokenizing.
        reserved_tokens: sequence of str placed first in the vocabulary.
        oov_token: str in `reserved_tokens`, the id given to unknown words.
        end_token: str in `reserved_tokens`, or None for no end token.

    Returns:
        `WordPieceTokenizer`.

    Raises:
        TypeError: If the texts are not strings.
        ValueError: If there is no text, `vocabulary_size` leaves no room
            beyond the reserved tokens, or `oov_token`/`end_token` is not
            reserved.
    """
    dataset = _as_string_dataset(texts_or_dataset)
    reserved_tokens = list(reserved_tokens)
    if isinstance(vocabulary_size, bool) or not isinstance(vocabulary_size, int):
        raise TypeError(
            f"`vocabulary_size` must be an int. Received: {vocabulary_size!r}."
        )
    if vocabulary_size <= len(reserved_tokens):
        raise ValueError(
            f"`vocabulary_size` must exceed the {len(reserved_tokens)} reserved "
            f"tokens. Received: vocabulary_size={vocabulary_size}."
        )
    for argument, token in (("oov_token", oov_token), ("end_token", end_token)):
        if token is not None and token not in reserved_tokens:
            raise ValueError(
                f"`{argument}` must be one of reserved_tokens={reserved_tokens}. "
                f"Received: {argument}={token!r}."
            )
    vocabulary = wordpiece_tokenizer_learner_lib.learn(
        count_words(dataset, lowercase=lowercase),
        vocabulary_size,
        reserved_tokens,
        include_joiner_token=True,
        joiner=SUFFIX_INDICATOR,
    )[:vocabulary_size]
    return WordPieceTokenizer(
        vocabulary=vocabulary,
        end_token=end_token,
        lowercase=lowercase,
        oov_token=oov_token,
    )


def count_words(dataset, lowercase=False):
    """How often each word occurs, words split as keras-hub's WordPiece trainer splits them.

    Args:
        dataset: `tf.data.Dataset` of tf.string scalars, one document each.
        lowercase: bool, lowercase before splitting.

    Returns:
        `collections.Counter` of str words, in the order they first occur
        (the learner breaks ties between equal counts by that order).
    """
    split = dataset.batch(COUNT_BATCH_SIZE).map(
        lambda texts: pretokenize(texts, lowercase, False, True, True)
    )  # (batch, words) ragged tf.string
    counts = collections.Counter()
    for words in split:
        counts.update(words.flat_values.numpy().tolist())
    return collections.Counter({word.decode("utf-8"): n for word, n in counts.items()})


def load_word_piece(path, *, lowercase=False, oov_token="[UNK]", end_token="[SEP]",
                    reserved_tokens=RESERVED_TOKENS):
    """A `WordPieceTokenizer` from a one-token-per-line vocabulary file.

    Args:
        path: str, the vocabulary file (as `WordPieceTokenizer` writes it, or
            a BERT `vocab.txt`).
        lowercase, oov_token, end_token: as in `train_word_piece`.
        reserved_tokens: sequence of str the vocabulary must hold.

    Raises:
        ValueError: If the file is missing, not UTF-8, empty, repeats a token or
            lacks a reserved token.
    """
    # Not `read_word_vocabulary`: WordPiece pieces may be whitespace characters
    # such as U+00A0, which that reader refuses.
    try:
        with open(path, encoding="utf-8") as file:
            vocabulary = [line.rstrip("\n") for line in file]
    except OSError as error:
        raise ValueError(f"Cannot read the vocabulary file {path!r}: {error}.") from None
    except UnicodeDecodeError as error:
        raise ValueError(
            f"The vocabulary file {path!r} is not UTF-8 text (byte {error.start}): give the "
            "one-token-per-line file `kerazoo train` or a BERT checkpoint wrote."
        ) from None
    if not vocabulary:
        raise ValueError(f"The vocabulary file {path!r} is empty.")
    repeated = sorted(t for t, n in collections.Counter(vocabulary).items() if n > 1)
    if repeated:
        raise ValueError(f"The vocabulary file {path!r} repeats tokens {repeated[:5]}: "
                         "each token must be on one line only.")
    missing = [token for token in reserved_tokens if token not in vocabulary]
    if missing:
        raise ValueError(f"The vocabulary file {path!r} lacks the reserved tokens {missing}; "
                         f"it must hold all of {list(reserved_tokens)}.")
    return WordPieceTokenizer(vocabulary=vocabulary, end_token=end_token,
                              lowercase=lowercase, oov_token=oov_token)


def _as_string_dataset(texts_or_dataset):
    # keras-hub reads a Python list as file names, so texts become a dataset.
    if isinstance(texts_or_dataset, tf.data.Dataset):
        spec = texts_or_dataset.element_spec
        is_string = isinstance(spec, tf.TensorSpec) and spec.dtype == tf.string
        if not is_string or spec.shape.rank != 0:
            raise TypeError(
                "`texts_or_dataset` must yield tf.string scalars. Received: a "
                f"dataset with element_spec={spec}."
            )
        return texts_or_dataset
    texts = [texts_or_dataset] if isinstance(texts_or_dataset, str) else texts_or_dataset
    if not isinstance(texts, (list, tuple)) or not all(isinstance(t, str) for t in texts):
        raise TypeError(
            "`texts_or_dataset` must be a str, a list of str or a tf.data.Dataset "
            f"of strings. Received: {type(texts_or_dataset).__name__}."
        )
    if not any(text.strip() for text in texts):
        raise ValueError("`texts_or_dataset` holds no text to train on.")
    return tf.data.Dataset.from_tensor_slices(list(texts))
