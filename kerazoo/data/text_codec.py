"""The Python-side half of the kerazoo tokenizer interface: encode and decode.

Every kerazoo tokenizer is a keras-hub `Tokenizer` (`tokenize`, `detokenize`,
`vocabulary_size`, `id_to_token`, `token_to_id`) plus what this mixin adds:
an `end_token_id` attribute (None when the tokenizer has no end token) and
eager `encode(text) -> list[int]` / `decode(ids) -> str` that check their
input before touching TensorFlow.

keras-hub tokenizers answer eager calls with NumPy arrays, lists and Python
strings, and calls traced by `tf.function` or `tf.data` with tensors; the
character tokenizer always answers with tensors. `encode` and `decode` accept
either, so callers get plain Python values from every tokenizer.
"""

import numpy as np
import tensorflow as tf


class TextCodecMixin:
    """Adds `end_token_id`, `encode` and `decode` to a keras-hub tokenizer.

    List it before the keras-hub base class:
    `class MyTokenizer(TextCodecMixin, keras_hub.tokenizers.Tokenizer)`.
    """

    def _init_end_token(self, end_token):
        """Registers `end_token` as keras-hub's `end_token`, or records none.

        Call before the keras-hub constructor: keras-hub resolves the id once
        the vocabulary is set and raises a ValueError naming the token when
        the vocabulary lacks it.
        """
        if end_token is None:
            self.end_token = None
            self.end_token_id = None
        elif isinstance(end_token, str):
            self._add_special_token(end_token, "end_token")
        else:
            raise TypeError(
                f"`end_token` must be a str or None. Received: "
                f"end_token={end_token!r} of type {type(end_token).__name__}."
            )

    def _check_encodable(self, text):
        """Hook for tokenizers that cannot encode every string."""

    def encode(self, text):
        """Token ids of one string.

        Args:
            text: str.

        Returns:
            list of int, the ids of `text`'s tokens in order.

        Raises:
            TypeError: If `text` is not a str.
            ValueError: If the tokenizer cannot represent `text` (the
                character tokenizer names the characters it lacks).
        """
        if not isinstance(text, str):
            raise TypeError(
                f"`text` must be a str. Received: text={text!r} of type "
                f"{type(text).__name__}."
            )
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValueError(
                f"`text` holds {text[error.start:error.end]!r} at position {error.start}, "
                "a lone surrogate that is not a character and has no UTF-8 form. "
                "Decode the text with errors='replace' first."
            ) from None
        self._check_encodable(text)
        if not text:
            return []
        return np.asarray(self.tokenize(text)).reshape(-1).tolist()

    def decode(self, ids):
        """The string that a sequence of token ids stands for.

        Args:
            ids: 1-D sequence of ints (list, tuple, NumPy array or tensor),
                each in `[0, vocabulary_size())`.

        Returns:
            str. Bytes that are not valid UTF-8 (a byte-level tokenizer cut
            mid-character) become U+FFFD.

        Raises:
            TypeError: If `ids` does not hold integers.
            ValueError: If `ids` is not 1-D or holds an id outside the
                vocabulary.
        """
        ids = np.asarray(ids)
        if ids.size == 0:
            return ""
        if ids.dtype == bool or not np.issubdtype(ids.dtype, np.integer):
            raise TypeError(
                f"`ids` must hold integer token ids. Received: ids of dtype "
                f"{ids.dtype}."
            )
        if ids.ndim != 1:
            raise ValueError(
                f"`ids` must be 1-D (one sequence). Received: ids of shape "
                f"{ids.shape}."
            )
        size = self.vocabulary_size()
        bad = ids[(ids < 0) | (ids >= size)]
        if bad.size:
            raise ValueError(
                f"`ids` holds ids outside the vocabulary [0, {size}): "
                f"{sorted(set(bad.tolist()))[:10]}."
            )
        text = self.detokenize(ids.astype(np.int32).tolist())
        if hasattr(text, "numpy"):
            text = text.numpy()
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        return text


def id_tensor(inputs):
    """Ids for `detokenize`: Python lists as a ragged int32 tensor, the rest as tensors.

    Args:
        inputs: (length,) or (batch, length) ids: a list, an array, a dense or
            a ragged tensor.

    Returns:
        A tf.Tensor or tf.RaggedTensor.
    """
    if isinstance(inputs, (list, tuple)):
        return tf.ragged.constant(inputs, dtype=tf.int32)
    if isinstance(inputs, tf.RaggedTensor):
        return inputs
    return tf.convert_to_tensor(inputs)
