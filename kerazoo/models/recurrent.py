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
- `ptb-medium-tied`: the medium model with its input embedding reused as
  the softmax weights (Press & Wolf 2017; 13.3M parameters, not 19.8M) and
  dropout 0.4, on a short schedule that fits a CPU in hours (below).

The PTB presets take the standard 10,002-id PTB word tokenizer
(`kerazoo.data.ptb_tokenizer`; the vocabulary size comes from the
tokenizer whatever the preset says).

The default preset's recipe is kerazoo's (AdamW on the token-mean
cross-entropy, warmup and cosine decay; `kerazoo.training.TrainConfig`)
with a higher learning rate, batch 32 and no XLA.

The PTB presets reproduce Zaremba et al.'s recipe (and TensorFlow's old
PTB tutorial's): plain SGD, gradients clipped to a global norm of 5,
truncated back-propagation through time over 20 contiguous streams (the
state carried from batch to batch, `--stateful` on by default), the rate
held for some epochs then decayed each epoch, XLA on. Zaremba et al.'s
learning rate 1 is for the loss summed over the T unrolled steps (and
averaged over the batch); kerazoo's loss is the mean over every token, T
times smaller, and so is its gradient. The presets keep the token-mean
loss, so the loss and perplexity kerazoo reports are per word, and scale
the rate up by T and the clip norm down by T, which gives exactly their
updates with plain SGD:

- `ptb-small` (T = 20): rate 20 (= 1 x 20), clip 0.25 (= 5 / 20), 13
  epochs, the rate halved at each epoch after the 4th;
- `ptb-medium` (T = 35): rate 35, clip 5 / 35, 39 epochs, times 0.8 at
  each epoch after the 6th.
- `ptb-medium-tied` (T = 35): rate 35, clip 5 / 35, 7 epochs, halved at
  each epoch after the 3rd, no XLA (on 2 CPU cores the medium step runs at
  912 words/s with XLA and 1,051 without; `benchmarks/RESULTS.md`).

An epoch is one pass over PTB's 929,589 training tokens: 2,323 steps of
20 x 20 words (1,327 of 20 x 35 for `ptb-medium`).
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


# Zaremba, Sutskever & Vinyals 2014, "medium".
PTB_MEDIUM = RecurrentLMConfig(
    vocabulary_size=PTB_VOCABULARY_SIZE,
    num_layers=2,
    hidden_dim=650,
    embedding_dim=650,
    dropout=0.5,
    init_scale=0.05,
    max_sequence_length=35,
)

PRESETS = {
    "shakespeare-char": RecurrentLMConfig(),
    # Zaremba, Sutskever & Vinyals 2014, "small".
    "ptb-small": RecurrentLMConfig(
        vocabulary_size=PTB_VOCABULARY_SIZE,
        num_layers=2,
        hidden_dim=200,
        embedding_dim=200,
        dropout=0.0,
        init_scale=0.1,
        max_sequence_length=20,
    ),
    "ptb-medium": PTB_MEDIUM,
    # Press & Wolf 2017's weight tying on it, less dropout for its short schedule.
    "ptb-medium-tied": dataclasses.replace(PTB_MEDIUM, dropout=0.4, tie_weights=True),
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


def zaremba_recipe(window, epochs, constant_epochs, decay_per_epoch, steps_per_epoch,
                   jit_compile=True):
    """Zaremba et al.'s PTB recipe on kerazoo's token-mean loss (module docstring).

    Args:
        window: T, the unrolled steps (the preset's `max_sequence_length`).
        epochs: passes over the training data.
        constant_epochs: epochs at the full rate.
        decay_per_epoch: the rate's factor at each later epoch.
        steps_per_epoch: optimizer steps of one pass over PTB's training
            tokens in batches of 20 x `window`.
        jit_compile: bool, train with XLA.

    Returns:
        The `preset_recipes` entry: `TrainConfig` fields and `batch_size`.
    """
    summed_loss_rate, summed_loss_clipnorm = 1.0, 5.0
    return {
        "batch_size": 20,
        "jit_compile": jit_compile,
        "optimizer": "sgd",
        "schedule": "step_decay",
        "peak_learning_rate": summed_loss_rate * window,
        "global_clipnorm": summed_loss_clipnorm / window,
        "epochs": epochs,
        "steps": epochs * steps_per_epoch,
        "constant_epochs": constant_epochs,
        "decay_per_epoch": decay_per_epoch,
    }


PRESET_RECIPES = {
    "ptb-small": zaremba_recipe(20, epochs=13, constant_epochs=4, decay_per_epoch=0.5,
                                steps_per_epoch=2323),
    "ptb-medium": zaremba_recipe(35, epochs=39, constant_epochs=6, decay_per_epoch=0.8,
                                 steps_per_epoch=1327),
    "ptb-medium-tied": zaremba_recipe(35, epochs=7, constant_epochs=3, decay_per_epoch=0.5,
                                      steps_per_epoch=1327, jit_compile=False),
}
PRESET_TASK_OPTIONS = {preset: {"stateful": True} for preset in PRESET_RECIPES}


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
            preset_task_options=PRESET_TASK_OPTIONS,
        )
    )
