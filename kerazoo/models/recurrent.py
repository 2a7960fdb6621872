"""The recurrent language-model families: `rnn_lm`, `lstm_lm`, `gru_lm`.

Each is a `RecurrentCausalLM` on a `RecurrentBackbone` whose cell the
family fixes (SimpleRNN, LSTM, GRU); they share hyperparameters and
presets, and train with the `causal_lm` task:

- `shakespeare-char` (default): 2 x 256, character level, for the shipped
  Tiny Shakespeare (`kerazoo train lstm_lm`), windows of 100 characters.
- `ptb-small`: 2 x 200, no dropout, weights uniform in [-0.1, 0.1],
  windows of 20 words: Zaremba et al. 2014's "small" Penn Treebank model
  (`kerazoo train lstm_lm --preset ptb-small --data ptb`).
- `ptb-medium`: 2 x 650, dropout 0.5, weights uniform in [-0.05, 0.05],
  windows of 35 words: their "medium" model.

The PTB presets take the standard 10,002-id PTB word tokenizer
(`kerazoo.data.ptb_tokenizer`; the vocabulary size comes from the
tokenizer whatever the preset says).

Their recipe is kerazoo's (AdamW on the token-mean cross-entropy, warmup
and cosine decay; `kerazoo.training.TrainConfig`) with the changes below
(a higher learning rate, batch 32 and no XLA; the PTB presets batch 20 with
XLA).
Zaremba et al. trained with plain SGD at learning rate 1 on the loss
summed over the unrolled steps, a recipe this AdamW one does not
reproduce; the PTB presets' batch sizes are theirs (20).
"""

import dataclasses
import functools

from kerazoo.models.recurrent_backbone import RecurrentBackbone
from kerazoo.models.recurrent_causal_lm import RecurrentCausalLM
from kerazoo.models.registry import Family, register_family

PTB_VOCABULARY_SIZE = 10002  # 10,000 words, <PAD> and <BOS>.


@dataclasses.dataclass(frozen=True)
class RecurrentLMConfig:
    """Hyperparameters of a recurrent LM (see `RecurrentBackbone`)."""

    vocabulary_size: int = 65  # Tiny Shakespeare's characters; set from the tokenizer.
    num_layers: int = 2
    hidden_dim: int = 256
    embedding_dim: int | None = 128  # None: hidden_dim.
    dropout: float = 0.1
    tie_weights: bool = False
    init_scale: float | None = None  # None: Keras' initializers.
    max_sequence_length: int = 100  # The training window, not a context limit.


PRESETS = {
    "shakespeare-char": RecurrentLMConfig(),
    # Zaremba, Sutskever & Vinyals 2014, "small" and "medium".
    "ptb-small": RecurrentLMConfig(
        vocabulary_size=PTB_VOCABULARY_SIZE,
        num_layers=2,
        hidden_dim=200,
        embedding_dim=200,
        dropout=0.0,
        init_scale=0.1,
        max_sequence_length=20,
    ),
    "ptb-medium": RecurrentLMConfig(
        vocabulary_size=PTB_VOCABULARY_SIZE,
        num_layers=2,
        hidden_dim=650,
        embedding_dim=650,
        dropout=0.5,
        init_scale=0.05,
        max_sequence_length=35,
    ),
}

# XLA: on a 2-core CPU it slowed shakespeare-char's step (6.9k against 8.6k
# characters/s, batch 32 x 100, interleaved) and sped ptb-small's up 1.22x
# (its 10k-word softmax gains; benchmarks/RESULTS.md). On a GPU Keras turns it
# off for layers that run cuDNN kernels whatever the recipe says.
RECIPE = {
    "peak_learning_rate": 2e-3,
    "min_learning_rate": 2e-4,
    "batch_size": 32,
    "jit_compile": False,
}
PRESET_RECIPES = {
    "ptb-small": {"batch_size": 20, "jit_compile": True},
    "ptb-medium": {"batch_size": 20, "jit_compile": True},
}


def build_recurrent_causal_lm(cell, dtype=None, **hyperparameters):
    """A `RecurrentCausalLM` on a new `RecurrentBackbone(cell=cell, ...)`."""
    backbone = RecurrentBackbone(
        cell=cell, dtype=dtype, name=f"{cell}_backbone", **hyperparameters
    )
    return RecurrentCausalLM(backbone)


FAMILIES = {
    "rnn_lm": ("simple_rnn", "SimpleRNN language model (h = tanh(W x + U h + b))"),
    "lstm_lm": ("lstm", "LSTM language model (Zaremba et al. 2014 presets for PTB)"),
    "gru_lm": ("gru", "GRU language model"),
}

for _name, (_cell, _description) in FAMILIES.items():
    register_family(
        Family(
            name=_name,
            config_class=RecurrentLMConfig,
            builder=functools.partial(build_recurrent_causal_lm, _cell),
            presets=PRESETS,
            default_preset="shakespeare-char",
            description=_description,
            task="causal_lm",
            recipe=RECIPE,
            preset_recipes=PRESET_RECIPES,
        )
    )
