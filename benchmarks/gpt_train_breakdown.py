"""Where a gpt-nano training step spends its time: ablations against the dense-GEMM floor.

Every contender trains as `benchmarks.gpt_train` does (batch 12, context 64,
Tiny Shakespeare characters, AdamW from `build_optimizer`, token-mean loss
and perplexity, XLA), in interleaved timed windows. Besides kerazoo's
`gpt-nano` and the same model from keras-hub layers, it times copies of
kerazoo's model with one part removed or replaced, and the window of only
the step's dense matrix products (`dense_gemm_floor`). The difference
between a contender's step and the full step is what that part costs:

- `tanh GELU -> ReLU`: the `activation="relu"` override.
- `AdamW + clip -> SGD`: plain SGD, no clipping.
- `no layer norms`: every LayerNormalization is the identity.
- `no attention scores`: attention returns the projected values, so the
  scores, mask, softmax and the two attention products are gone.
- `batch in two halves`: the same model and weights run on each half of the
  batch as two independent subgraphs, then the logits are joined; the
  loss is the same, and XLA may run the halves side by side on the cores.

The ablated models compute other functions and exist only to be timed.

Run from the repository root:

    python3 -m benchmarks.gpt_train_breakdown            # about four minutes on 2 cores
    python3 -m benchmarks.gpt_train_breakdown --quick    # smoke test
"""

import argparse
import contextlib
import functools
import os
import statistics
from unittest import mock

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import kerazoo.models  # noqa: E402
from benchmarks.common import interleaved_seconds, markdown_table, ratio_quartiles  # noqa: E402
from benchmarks.gpt_train import (  # noqa: E402
    BATCH_SIZE,
    FLOOR,
    PRESET,
    SEED,
    compiled_window,
    dense_gemm_floor,
    keras_hub_gpt,
    training_batches,
)
from kerazoo.layers import MultiHeadAttention  # noqa: E402
from kerazoo.training import build_optimizer  # noqa: E402

FULL = "kerazoo (full step)"


class Identity(keras.layers.Layer):
    """Stands in for a LayerNormalization: takes its arguments, returns its input."""

    def __init__(self, epsilon=None, center=None, **kwargs):
        super().__init__(**kwargs)

    def call(self, inputs):
        return inputs


def values_only(self, query, memory=None, attention_mask=None, **kwargs):
    """`MultiHeadAttention.call` without scores: the projected values, projected out."""
    return self.output_dense(self.qkv(query)[..., 2 * self.hidden_dim :])


def gpt(vocabulary_size, **overrides):
    """kerazoo's gpt-nano, with config overrides."""
    return kerazoo.models.build("gpt", PRESET, vocabulary_size=vocabulary_size, **overrides)


def in_two_halves(model):
    """`model`'s layers applied to each half of the batch as separate subgraphs."""
    token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")

    backbone = model.backbone

    def logits(half):
        x = backbone.embeddings(half)
        for block in backbone.transformer_layers:
            x = block(x)
        return backbone.token_embedding(backbone.final_layernorm(x), reverse=True)

    half = BATCH_SIZE // 2
    first = keras.layers.Lambda(lambda ids: ids[:half])(token_ids)
    second = keras.layers.Lambda(lambda ids: ids[half:])(token_ids)
    joined = keras.layers.Concatenate(axis=0)([logits(first), logits(second)])
    return keras.Model(token_ids, joined, name="gpt_in_two_halves")


def without_scores():
    """While active, kerazoo attention skips its scores (see `values_only`)."""
    return mock.patch.object(MultiHeadAttention, "call", values_only)


def contenders(vocabulary_size):
    """name -> (build, optimizer or None for `build_optimizer`, patch).

    `build()` makes the model; it is built, compiled and traced inside
    `patch()`, because a patched layer method must be in place whenever the
    model is traced.
    """
    config = kerazoo.models.resolve_config("gpt", PRESET, vocabulary_size=vocabulary_size)
    no_patch = contextlib.nullcontext
    without_norms = functools.partial(
        mock.patch.object, keras.layers, "LayerNormalization", Identity
    )
    return {
        FULL: (lambda: gpt(vocabulary_size), None, no_patch),
        "keras-hub": (lambda: keras_hub_gpt(config), None, no_patch),
        "tanh GELU -> ReLU": (lambda: gpt(vocabulary_size, activation="relu"), None, no_patch),
        "AdamW + clip -> SGD": (lambda: gpt(vocabulary_size), keras.optimizers.SGD(1e-3), no_patch),
        "no layer norms": (lambda: gpt(vocabulary_size), None, without_norms),
        "no attention scores": (lambda: gpt(vocabulary_size), None, without_scores),
        "batch in two halves": (lambda: in_two_halves(gpt(vocabulary_size)), None, no_patch),
    }


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=4, help="train steps per timed window")
    parser.add_argument("--repeats", type=int, default=15, help="interleaved rounds")
    parser.add_argument("--quick", action="store_true", help="a tiny run, as a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.repeats = 1, 2
    if args.steps <= 0 or args.repeats <= 0:
        parser.error("--steps and --repeats must be positive")
    return args


def main():
    args = parse_args()
    keras.utils.set_random_seed(SEED)
    length = kerazoo.models.resolve_config("gpt", PRESET).max_sequence_length
    dataset, vocabulary_size, _ = training_batches(length)
    windows = {}
    for name, (build, optimizer, patch) in contenders(vocabulary_size).items():
        with patch():
            model = build()
            optimizer = optimizer or build_optimizer(model, learning_rate=1e-3)
            windows[name] = compiled_window(model, optimizer, dataset, args.steps, warmup=10)
    floor_products, _ = dense_gemm_floor(
        kerazoo.models.resolve_config("gpt", PRESET, vocabulary_size=vocabulary_size),
        BATCH_SIZE * length,
    )
    windows[FLOOR] = lambda: [floor_products() for _ in range(args.steps)]

    seconds = interleaved_seconds(windows, args.repeats)
    full_ms = statistics.median(seconds[FULL]) / args.steps * 1e3
    rows = []
    for name, times in seconds.items():
        step_ms = statistics.median(times) / args.steps * 1e3
        low, ratio, high = ratio_quartiles(seconds["keras-hub"], times)
        full_low, full_ratio, full_high = ratio_quartiles(seconds[FULL], times)
        rows.append(
            [
                name,
                f"{step_ms:.1f}",
                f"{full_ms - step_ms:+.1f}" if name != FULL else "",
                f"{full_ratio:.3f} ({full_low:.3f}-{full_high:.3f})",
                f"{ratio:.3f} ({low:.3f}-{high:.3f})",
            ]
        )
    print(
        f"\ngpt-nano training step (batch {BATCH_SIZE}, context {length}), "
        f"{args.repeats} interleaved rounds of {args.steps} steps, {os.cpu_count()} cores, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}\n"
    )
    print(
        markdown_table(
            [
                "contender",
                "ms/step (median)",
                "ms saved vs full",
                "speed vs full (median, quartiles)",
                "speed vs keras-hub",
            ],
            rows,
        )
    )
    print(f"\nGEMM floor share of the full step: {np.median(seconds[FLOOR]) / np.median(seconds[FULL]):.0%}")


if __name__ == "__main__":
    main()
