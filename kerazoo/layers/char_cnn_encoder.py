"""CharCNNEncoder: a word vector from its characters (Kim et al. 2016; ELMo's token encoder)."""

import keras
from keras import ops

from kerazoo.layers.character_ids import CHARACTER_VOCABULARY_SIZE, PADDING
from kerazoo.utils.checks import check_int


@keras.saving.register_keras_serializable(package="kerazoo")
class CharCNNEncoder(keras.layers.Layer):
    """Character embeddings -> one 1-D convolution per filter width -> max over characters.

    Each convolution (valid padding) slides over a word's characters; its
    maximum over the positions, passed through `activation`, is one feature
    per filter; the features of every width are concatenated. Padding words
    (every id 0, see `kerazoo.layers.character_ids`) give the mask.

    Args:
        filters: sequence of `(width, count)` pairs, e.g. ELMo's
            `((1, 32), (2, 32), (3, 64), (4, 128), (5, 256), (6, 512), (7, 1024))`.
            Every width must be at most the words' `max_characters`.
        character_dim: int >= 1, width of the character embedding. Defaults to 16.
        character_vocabulary_size: int >= 1. Defaults to the 261 ids of
            `kerazoo.layers.character_ids`.
        activation: applied after the max-pool. Defaults to `"relu"`.
        **kwargs: Layer arguments (`name`, `dtype`, ...).

    Call arguments:
        character_ids: (batch, time, max_characters) int32.

    Returns:
        (batch, time, sum of counts) features, with a (batch, time) Keras
        mask that is False for padding words.

    Example:
    >>> encoder = CharCNNEncoder(((1, 4), (2, 8)))
    >>> encoder(keras.ops.ones((2, 5, 10), "int32")).shape
    TensorShape([2, 5, 12])
    """

    def __init__(self, filters, character_dim=16,
                 character_vocabulary_size=CHARACTER_VOCABULARY_SIZE, activation="relu",
                 **kwargs):
        super().__init__(**kwargs)
        filters = tuple(tuple(pair) for pair in filters)
        if not filters:
            raise ValueError("`filters` must name at least one (width, count) pair.")
        for width, count in filters:
            check_int("filter width", width, low=1)
            check_int("filter count", count, low=1)
        check_int("character_dim", character_dim, low=1)
        check_int("character_vocabulary_size", character_vocabulary_size, low=1)
        self.filters = filters
        self.character_dim = character_dim
        self.character_vocabulary_size = character_vocabulary_size
        self.activation = keras.activations.get(activation)
        self.output_dim = sum(count for _, count in filters)
        self.character_embedding = keras.layers.Embedding(
            character_vocabulary_size, character_dim, dtype=self.dtype_policy,
            name="character_embedding",
        )
        self.convolutions = [
            keras.layers.Conv1D(count, width, dtype=self.dtype_policy, name=f"conv_{width}")
            for width, count in filters
        ]

    def build(self, input_shape):
        max_characters = input_shape[-1]
        widest = max(width for width, _ in self.filters)
        if max_characters is not None and widest > max_characters:
            raise ValueError(
                f"The widest filter ({widest}) is wider than the words' {max_characters} "
                "character ids. Use narrower filters or more `max_characters`."
            )
        self.character_embedding.build(input_shape)
        for convolution in self.convolutions:
            convolution.build((None, max_characters, self.character_dim))

    def call(self, character_ids):
        shape = ops.shape(character_ids)
        characters = self.character_embedding(character_ids)
        # (batch * time, max_characters, character_dim): convolve every word at once.
        characters = ops.reshape(characters, (-1, shape[-1], self.character_dim))
        features = [
            self.activation(ops.max(convolution(characters), axis=1))
            for convolution in self.convolutions
        ]
        features = ops.concatenate(features, axis=-1)
        return ops.reshape(features, (shape[0], shape[1], self.output_dim))

    def compute_mask(self, character_ids, mask=None):
        return ops.any(ops.not_equal(character_ids, PADDING), axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:2], self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": [list(pair) for pair in self.filters],
            "character_dim": self.character_dim,
            "character_vocabulary_size": self.character_vocabulary_size,
            "activation": keras.activations.serialize(self.activation),
        })
        return config
