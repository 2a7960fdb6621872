"""Character-level tokenizer: one id per Unicode character, as in nanoGPT.

The vocabulary is the sorted set of the training corpus's characters, so on
Tiny Shakespeare the ids equal nanoGPT's `shakespeare_char` ids. Tokenizing
runs in the TensorFlow graph with core ops only (`tf.strings.unicode_split`
and `tf.lookup.StaticHashTable`), so a SavedModel that contains this
tokenizer reloads with plain `tensorflow`, without `tensorflow_text`.

Vocabulary file format: UTF-8, one token per line, each line the body of a
JSON string literal (the token JSON-encoded, without the surrounding quotes).
Printable characters stand for themselves; newline, tab, other control
characters, `"` and `\\` are escaped (`\\n`, `\\t`, `\\u000b`, `\\"`, `\\\\`), so
every character round-trips and the file stays one token per line.
"""

import json
import os

import keras
import keras_hub
import tensorflow as tf

from kerazoo.data.text_codec import TextCodecMixin, id_tensor
from kerazoo.data.text_files import read_text_lines
from kerazoo.utils.atomic import atomic_write_text


@keras.saving.register_keras_serializable(package="kerazoo")
class CharTokenizer(TextCodecMixin, keras_hub.tokenizers.Tokenizer):
    """Maps each character to its index in a fixed character vocabulary.

    Characters outside the vocabulary: `encode` raises a ValueError naming
    them, while the in-graph `tokenize` drops them, so a served model never
    fails on a user's input. Ids outside the vocabulary detokenize to nothing.
    The tokenizer has no end token (`end_token_id` is None).

    Args:
        vocabulary: list of str, each exactly one character, no repeats. The
            id of a character is its position in the list.
        **kwargs: Layer arguments (`name`, ...).

    Call arguments (`tokenize`, also `__call__`):
        inputs: tf.string scalar, or (batch,) tf.string tensor; Python str
            and lists of str are converted.

    Returns:
        For a scalar, (length,) int32 ids; for a batch, a (batch, None)
        int32 `tf.RaggedTensor`.

    Example:
    >>> tokenizer = CharTokenizer.from_corpus("hello world")
    >>> tokenizer.get_vocabulary()
    [' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']
    >>> tokenizer.encode("hold")
    [3, 5, 4, 1]
    >>> tokenizer.decode([3, 2, 4, 4, 5])
    'hello'
    >>> tokenizer.tokenize(["he", "lo"]).to_list()
    [[3, 2], [4, 5]]
    """

    def __init__(self, vocabulary, **kwargs):
        kwargs.setdefault("dtype", "int32")
        super().__init__(**kwargs)
        self._init_end_token(None)
        # A tuple, so that Keras does not wrap it in a tracked list.
        self._vocabulary = _check_vocabulary(vocabulary)
        self._ids = {char: i for i, char in enumerate(self._vocabulary)}
        chars = tf.constant(self._vocabulary, dtype=tf.string)
        ids = tf.range(len(self._vocabulary), dtype=tf.int32)
        self._char_to_id = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(chars, ids), default_value=-1
        )
        self._id_to_char = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(ids, chars), default_value=""
        )

    @classmethod
    def from_corpus(cls, text, **kwargs):
        """Builds the vocabulary of a training corpus: its sorted characters.

        Args:
            text: str, the whole training corpus.
            **kwargs: Passed to the constructor.

        Returns:
            CharTokenizer whose ids are nanoGPT's for the same corpus.
        """
        if not isinstance(text, str):
            raise TypeError(
                f"`text` must be a str. Received: text of type "
                f"{type(text).__name__}."
            )
        if not text:
            raise ValueError("`text` must be a non-empty corpus. Received: ''.")
        return cls(vocabulary=sorted(set(text)), **kwargs)

    @classmethod
    def from_vocabulary_file(cls, path, **kwargs):
        """Loads a tokenizer saved with `save_vocabulary`.

        Args:
            path: str or os.PathLike, a vocabulary file (format: module doc).
            **kwargs: Passed to the constructor.
        """
        return cls(vocabulary=read_char_vocabulary(path), **kwargs)

    def save_vocabulary(self, path):
        """Writes the vocabulary file (format: module doc), atomically."""
        lines = [json.dumps(char, ensure_ascii=False)[1:-1] for char in self._vocabulary]
        atomic_write_text(path, "".join(line + "\n" for line in lines))

    def get_vocabulary(self):
        """The vocabulary, a list of one-character strings in id order."""
        return list(self._vocabulary)

    def vocabulary_size(self):
        """The number of ids, `len(vocabulary)`."""
        return len(self._vocabulary)

    def id_to_token(self, id):
        """The character with id `id`; ValueError outside the vocabulary."""
        if isinstance(id, bool) or not isinstance(id, int):
            raise TypeError(f"`id` must be an int. Received: id={id!r}.")
        if not 0 <= id < len(self._vocabulary):
            raise ValueError(
                f"`id` must be in [0, {len(self._vocabulary)}). Received: id={id}."
            )
        return self._vocabulary[id]

    def token_to_id(self, token):
        """The id of character `token`; ValueError if it is not in the vocabulary."""
        if token not in self._ids:
            raise ValueError(
                f"`token` {token!r} is not in the vocabulary, which holds the "
                "characters of the training corpus."
            )
        return self._ids[token]

    def _check_encodable(self, text):
        unknown = sorted(set(text) - self._ids.keys())
        if unknown:
            raise ValueError(
                f"`text` has {len(unknown)} characters outside the tokenizer's "
                f"vocabulary: {''.join(unknown)!r}. The vocabulary comes from "
                "the training corpus; remove these characters or rebuild the "
                "tokenizer from a corpus that contains them."
            )

    def tokenize(self, inputs):
        """Ids of each character of `inputs`; unknown characters are dropped.

        Args:
            inputs: tf.string scalar or (batch,) tensor, or str / list of str.

        Returns:
            (length,) int32 for a scalar; (batch, None) int32 ragged for a
            batch.
        """
        inputs = tf.convert_to_tensor(inputs, dtype=tf.string)
        if inputs.shape.rank not in (0, 1):
            raise ValueError(
                "`inputs` must be a string scalar or a 1-D batch of strings. "
                f"Received: inputs of shape {inputs.shape}."
            )
        chars = tf.strings.unicode_split(inputs, "UTF-8")
        ids = self._char_to_id.lookup(chars)
        if isinstance(ids, tf.RaggedTensor):
            return tf.ragged.boolean_mask(ids, ids >= 0)
        return tf.boolean_mask(ids, ids >= 0)

    def detokenize(self, inputs):
        """Joins the characters of ids; ids outside the vocabulary add nothing.

        Args:
            inputs: (length,) ids, or (batch, length) dense or ragged ids;
                Python lists are converted.

        Returns:
            tf.string: a scalar for one sequence, (batch,) for a batch.
        """
        inputs = id_tensor(inputs)
        chars = self._id_to_char.lookup(tf.cast(inputs, tf.int32))
        return tf.strings.reduce_join(chars, axis=-1)

    def call(self, inputs):
        return self.tokenize(inputs)

    def get_config(self):
        config = super().get_config()
        config.update({"vocabulary": list(self._vocabulary)})
        return config


def read_char_vocabulary(path):
    """Reads a character vocabulary file (format: module doc).

    Args:
        path: str or os.PathLike.

    Returns:
        list of one-character strings in id order.

    Raises:
        ValueError: If the file is unreadable (see `read_text_lines`) or a line
            is not one escaped character.
    """
    vocabulary = []
    for number, line in enumerate(read_text_lines(path), start=1):
        try:
            token = json.loads(f'"{line}"')
        except json.JSONDecodeError:
            token = None
        if not isinstance(token, str) or len(token) != 1:
            raise ValueError(
                f"`path` {os.fspath(path)!r} line {number} is {line!r}; each "
                "line must be one character, escaped as in a JSON string."
            )
        vocabulary.append(token)
    return vocabulary


def _check_vocabulary(vocabulary):
    if isinstance(vocabulary, str) or not isinstance(vocabulary, (list, tuple)):
        raise TypeError(
            "`vocabulary` must be a list of one-character strings. Received: "
            f"vocabulary of type {type(vocabulary).__name__}."
        )
    if not vocabulary:
        raise ValueError("`vocabulary` must not be empty. Received: [].")
    bad = [token for token in vocabulary if not isinstance(token, str) or len(token) != 1]
    if bad:
        raise ValueError(
            "`vocabulary` must hold one-character strings. Received: "
            f"{bad[:5]!r} among its entries."
        )
    if len(set(vocabulary)) != len(vocabulary):
        repeated = sorted({token for token in vocabulary if vocabulary.count(token) > 1})
        raise ValueError(
            f"`vocabulary` must not repeat characters. Received repeats of {repeated!r}."
        )
    return tuple(vocabulary)
