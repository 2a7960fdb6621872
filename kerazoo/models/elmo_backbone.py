"""ElmoBackbone: characters -> CNN -> highway -> projection -> bidirectional LSTM stacks."""

import keras

from kerazoo.layers.bidirectional_lm_stack import BidirectionalLMStack
from kerazoo.layers.char_cnn_encoder import CharCNNEncoder
from kerazoo.layers.character_ids import DEFAULT_MAX_CHARACTERS
from kerazoo.layers.highway import Highway
from kerazoo.utils.checks import check_int


@keras.saving.register_keras_serializable(package="kerazoo")
class ElmoBackbone(keras.Model):
    """ELMo's biLM trunk (Peters et al. 2018): character ids in, every layer out.

    Token encoder: `CharCNNEncoder` (character embeddings, one convolution
    per filter width, max over characters, ReLU) -> `Highway` layers ->
    a linear projection to `projection_dim`. Then a `BidirectionalLMStack`:
    forward and backward stacks of LSTMs projected to `projection_dim`,
    residual connections from the second layer on. No head: task models
    (`ElmoBidirectionalLM`) and `ElmoEmbedder` use the layers.

    Inputs are words as character ids (`kerazoo.layers.character_ids`);
    padding words (all ids 0) are masked, and must be at the right.

    Args:
        filters: `(width, count)` pairs of the character CNN.
        num_highway_layers: int >= 0.
        projection_dim: int >= 1, the width of the token representation and
            of each LSTM layer's output.
        num_layers: int >= 1, LSTM layers per direction.
        lstm_units: int >= 1.
        character_dim: int >= 1. Defaults to 16.
        max_characters: int, character ids per word (see
            `kerazoo.layers.character_ids`). Defaults to 50.
        dropout: float in [0, 1): on the token representation and between
            LSTM layers. Defaults to 0.
        max_sequence_length: int >= 1, words per training sequence (longer
            sentences are cut into pieces); not a limit on inputs.
        dtype: a dtype policy or None for the global one.

    Call arguments:
        character_ids: (batch, time, max_characters) int32.

    Returns:
        (batch, num_layers + 1, time, 2 * projection_dim): layer 0 the token
        representation twice, layer k `[forward_k, backward_k]`; 0 at padding.

    Example:
    >>> backbone = ElmoBackbone(((1, 8), (2, 8)), 1, 8, 1, 16, max_characters=10)
    >>> backbone(keras.ops.ones((2, 4, 10), "int32")).shape
    TensorShape([2, 2, 4, 16])
    """

    def __init__(self, filters, num_highway_layers, projection_dim, num_layers, lstm_units,
                 character_dim=16, max_characters=DEFAULT_MAX_CHARACTERS, dropout=0.0,
                 max_sequence_length=40, dtype=None, **kwargs):
        check_int("max_characters", max_characters, low=3)
        check_int("max_sequence_length", max_sequence_length, low=1)
        dtype = keras.dtype_policies.get(dtype or keras.config.dtype_policy())

        # === Layers ===
        self.character_encoder = CharCNNEncoder(
            filters, character_dim=character_dim, dtype=dtype, name="character_encoder")
        self.highway = Highway(num_highway_layers, dtype=dtype, name="highway")
        self.token_projection = keras.layers.Dense(
            projection_dim, dtype=dtype, name="token_projection")
        self.token_dropout = keras.layers.Dropout(dropout, dtype=dtype, name="token_dropout")
        self.lstm_stack = BidirectionalLMStack(
            num_layers, lstm_units, projection_dim, dropout=dropout, dtype=dtype,
            name="lstm_stack")

        # === Functional model ===
        character_ids = keras.Input(
            shape=(None, max_characters), dtype="int32", name="character_ids")
        # The encoder's Keras mask (real words) reaches the LSTMs.
        tokens = self.token_projection(self.highway(self.character_encoder(character_ids)))
        layers = self.lstm_stack(self.token_dropout(tokens))
        super().__init__(inputs=character_ids, outputs=layers, **kwargs)
        self.dtype_policy = dtype

        # === Config ===
        self.filters = tuple(tuple(pair) for pair in filters)
        self.num_highway_layers = num_highway_layers
        self.projection_dim = projection_dim
        self.num_layers = num_layers
        self.lstm_units = lstm_units
        self.character_dim = character_dim
        self.max_characters = max_characters
        self.dropout = dropout
        self.max_sequence_length = max_sequence_length

    @property
    def output_dim(self):
        """Width of every layer of the output: `2 * projection_dim`."""
        return 2 * self.projection_dim

    def get_config(self):
        return {
            "filters": [list(pair) for pair in self.filters],
            "num_highway_layers": self.num_highway_layers,
            "projection_dim": self.projection_dim,
            "num_layers": self.num_layers,
            "lstm_units": self.lstm_units,
            "character_dim": self.character_dim,
            "max_characters": self.max_characters,
            "dropout": self.dropout,
            "max_sequence_length": self.max_sequence_length,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "name": self.name,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
