"""WordPiece tokenizer trained from a corpus with keras-hub's trainer.

Training and tokenizing are keras-hub's (`compute_word_piece_vocabulary`,
`WordPieceTokenizer`, built on `tensorflow_text`); kerazoo adds only the
shared interface: `end_token_id`, `encode` and `decode`.
"""

import keras
import keras_hub
import tensorflow as tf

from kerazoo.data.text_codec import TextCodecMixin

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
    vocabulary = keras_hub.tokenizers.compute_word_piece_vocabulary(
        dataset,
        vocabulary_size,
        lowercase=lowercase,
        reserved_tokens=reserved_tokens,
    )
    return WordPieceTokenizer(
        vocabulary=vocabulary,
        end_token=end_token,
        lowercase=lowercase,
        oov_token=oov_token,
    )


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
