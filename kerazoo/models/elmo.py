"""The `elmo` family: ELMo's bidirectional language model (Peters et al. 2018).

`build("elmo", preset)` returns an `ElmoBidirectionalLM` (an `ElmoBackbone`
with its shared softmax), trained by the `bidirectional_lm` task
(`kerazoo train elmo`, on the shipped Penn Treebank by default). Its
backbone feeds `ElmoEmbedder`, the contextual embeddings of raw text.

Presets:

- `elmo-small` (default): filters (1, 32), (2, 32), (3, 64), 2 highway
  layers, projection 128, 2 x LSTM 256 per direction, dropout 0.1: trains
  on two CPU cores in minutes.
- `elmo-tiny`: one highway layer, projection 16, 1 x LSTM 32, for tests
  and smoke runs.
- `elmo-original`: the paper's sizes (filters 1-7 with 32 ... 1024, 2048
  in all; 2 highway layers; projection 512; 2 x LSTM 4096), for GPUs. The
  paper's cell and projection clipping are not reproduced.

`vocabulary_size` (the softmax's words) comes from the tokenizer of the
training data.
"""

import dataclasses

from kerazoo.layers.character_ids import DEFAULT_MAX_CHARACTERS
from kerazoo.models.elmo_backbone import ElmoBackbone
from kerazoo.models.elmo_language_model import ElmoBidirectionalLM
from kerazoo.models.registry import Family, register_family

ORIGINAL_FILTERS = ((1, 32), (2, 32), (3, 64), (4, 128), (5, 256), (6, 512), (7, 1024))


@dataclasses.dataclass(frozen=True)
class ElmoConfig:
    """Hyperparameters of an ELMo biLM (see `ElmoBackbone`)."""

    vocabulary_size: int = 10002  # The softmax's words; set from the tokenizer.
    filters: tuple = ((1, 32), (2, 32), (3, 64))  # (width, count) of the character CNN.
    character_dim: int = 16
    max_characters: int = DEFAULT_MAX_CHARACTERS  # Longer words are truncated.
    num_highway_layers: int = 2
    projection_dim: int = 128
    num_layers: int = 2
    lstm_units: int = 256
    dropout: float = 0.1
    max_sequence_length: int = 40  # Words per training sequence; longer sentences are cut.


PRESETS = {
    "elmo-small": ElmoConfig(),
    "elmo-tiny": ElmoConfig(
        filters=((1, 8), (2, 8), (3, 16)), character_dim=8, num_highway_layers=1,
        projection_dim=16, num_layers=1, lstm_units=32, dropout=0.0, max_sequence_length=20,
    ),
    "elmo-original": ElmoConfig(
        filters=ORIGINAL_FILTERS, projection_dim=512, lstm_units=4096, max_sequence_length=20,
    ),
}

RECIPE = {
    "peak_learning_rate": 2e-3,
    "min_learning_rate": 2e-4,
    "batch_size": 32,
    "jit_compile": False,
}


def build_elmo(vocabulary_size, dtype=None, **hyperparameters):
    """An `ElmoBidirectionalLM` on a new `ElmoBackbone(**hyperparameters)`."""
    backbone = ElmoBackbone(dtype=dtype, name="elmo_backbone", **hyperparameters)
    return ElmoBidirectionalLM(backbone, vocabulary_size)


register_family(
    Family(
        name="elmo",
        config_class=ElmoConfig,
        builder=build_elmo,
        presets=PRESETS,
        default_preset="elmo-small",
        description="ELMo bidirectional LM: character CNN, highway, forward/backward LSTMs",
        task="bidirectional_lm",
        recipe=RECIPE,
    )
)
