"""Masked-LM pretraining throughput of kerazoo's `bert-mini` against keras-hub's BERT.

Both models have the `bert-mini` shape (4 post-LN layers, 4 heads, width 256, feed-forward
1024, 512 positions, 2 segments) over BERT's 30,522-token vocabulary, with the masked-LM head
tied to the token table: kerazoo's `BertMaskedLM` (`kerazoo.models.build("bert", "bert-mini")`)
and keras-hub's `BertBackbone` + `MaskedLMHead` joined as keras-hub's `BertMaskedLM` joins
them. Both train through Keras' own train function with the same optimizer
(`kerazoo.training.build_optimizer`), the masked-LM task's loss and metrics (`compile_model`,
as `kerazoo train bert` compiles) and the same batches: kerazoo's pretraining pipeline
(`kerazoo.data.masked_lm_dataset`: `[CLS] A [SEP] B [SEP]` packing, 15% selected and masked
80/10/10 by keras-hub's `MaskedLMMaskGenerator`, re-drawn every batch) over windows of
random token ids (the speed does not depend on which ids they are).

keras-hub's `BertBackbone` computes GELU with its tanh approximation, kerazoo's with the exact
erf form of BERT's reference code (so that converted checkpoints reproduce their hidden
states); a third contender is kerazoo's model with `activation="gelu_approximate"`, the same
math as keras-hub's, so the table tells the activation's cost from the rest of the step.

Each model runs with XLA (the `kerazoo train bert` default) and without it (keras-hub's
`compile` default on a CPU), so six contenders; after compilation and warm-up, short timed
windows of `--steps` steps alternate between them for `--repeats` rounds. Tokens are the
positions of a batch (batch x sequence length), as the step processes them.

Run from the repository root:

    python3 -m benchmarks.bert_mlm_speed            # a few minutes on 2 cores
    python3 -m benchmarks.bert_mlm_speed --quick    # smoke test
"""

import argparse
import datetime
import os
import platform
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import kerazoo.models  # noqa: E402
from benchmarks.common import (  # noqa: E402
    interleaved_seconds,
    markdown_table,
    ratio_quartiles,
    require_positive,
    warmed_train_window,
)
from kerazoo.data.masked_lm import masked_lm_dataset, segment_pairs  # noqa: E402
from kerazoo.tasks import get_task  # noqa: E402
from kerazoo.training import build_optimizer, compile_model  # noqa: E402

PRESET = "bert-mini"
VOCABULARY_SIZE = 30522  # BERT's uncased WordPiece, as the compact BERTs of Turc et al.
# Special ids at BERT's uncased positions.
SPECIAL_IDS = {"pad": 0, "unk": 100, "cls": 101, "sep": 102, "mask": 103}
SEED = 1234
KERAZOO = "kerazoo (exact GELU)"
# keras-hub's BERT uses GELU's tanh approximation where BERT (and kerazoo) use the exact erf
# form; this contender takes keras-hub's, to tell the activation's cost from the rest.
KERAZOO_TANH = "kerazoo with tanh GELU"
KERAS_HUB = "keras-hub (tanh GELU)"


def keras_hub_masked_lm(config):
    """keras-hub's `BertBackbone` + `MaskedLMHead` of `config`'s shape, as its `BertMaskedLM`."""
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=config.vocabulary_size,
        num_layers=config.num_layers,
        num_heads=config.num_heads,
        hidden_dim=config.hidden_dim,
        intermediate_dim=config.intermediate_dim,
        dropout=config.dropout,
        max_sequence_length=config.max_sequence_length,
        num_segments=config.num_segments,
    )
    head = keras_hub.layers.MaskedLMHead(
        vocabulary_size=config.vocabulary_size,
        token_embedding=backbone.token_embedding,
        intermediate_activation="gelu",
        kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.02),
        name="mlm_head",
    )
    inputs = {
        **backbone.input,
        "mask_positions": keras.Input(shape=(None,), dtype="int32", name="mask_positions"),
    }
    hidden = backbone({name: inputs[name] for name in backbone.input})["sequence_output"]
    return keras.Model(inputs, head(hidden, mask_positions=inputs["mask_positions"]),
                       name="keras_hub_bert_masked_lm")


def pretraining_batches(sequence_length, batch_size):
    """Endless masked-LM batches of kerazoo's pipeline over random-id windows."""
    rng = np.random.default_rng(SEED)
    stream = rng.integers(1000, VOCABULARY_SIZE, size=64 * batch_size * sequence_length)
    windows = segment_pairs(stream, sequence_length)
    return masked_lm_dataset(windows, VOCABULARY_SIZE, SPECIAL_IDS, sequence_length,
                             batch_size, shuffle=True, seed=SEED,
                             drop_remainder=True).repeat()


def compiled_window(model, dataset, jit_compile, steps, warmup):
    """Compiles `model` as `kerazoo train bert` does, warms it up, returns its timed window."""
    task = get_task("masked_lm")
    compile_model(model, build_optimizer(model, learning_rate=1e-4), loss=task.loss(),
                  metrics=task.metrics(), jit_compile=jit_compile)
    return warmed_train_window(model, dataset, steps, warmup)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=2, help="train steps per timed window")
    parser.add_argument("--repeats", type=int, default=8, help="interleaved rounds")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps after compiling")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--sequence-length", type=int, default=128)
    parser.add_argument("--quick", action="store_true", help="a tiny run, as a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.repeats, args.warmup, args.batch_size = 1, 2, 1, 4
    require_positive(parser, args, ("steps", "repeats", "warmup", "batch_size"))
    return args


def main():
    args = parse_args()
    keras.utils.set_random_seed(SEED)
    config = kerazoo.models.resolve_config("bert", PRESET, vocabulary_size=VOCABULARY_SIZE)
    dataset = pretraining_batches(args.sequence_length, args.batch_size)
    builders = {
        KERAZOO: lambda: kerazoo.models.build("bert", PRESET, vocabulary_size=VOCABULARY_SIZE),
        KERAZOO_TANH: lambda: kerazoo.models.build("bert", PRESET,
                                                     vocabulary_size=VOCABULARY_SIZE,
                                                     activation="gelu_approximate"),
        KERAS_HUB: lambda: keras_hub_masked_lm(config),
    }
    windows, parameters = {}, {}
    for xla in (True, False):
        for name, build in builders.items():
            label = f"{name}, {'XLA' if xla else 'no XLA'}"
            model = build()
            windows[label] = compiled_window(model, dataset, xla, args.steps, args.warmup)
            parameters[label] = f"{model.count_params():,}"

    seconds = interleaved_seconds(windows, args.repeats)

    tokens = args.steps * args.batch_size * args.sequence_length
    rows = []
    for label in windows:
        peer = KERAS_HUB + label[label.index(","):]
        low, ratio, high = ratio_quartiles(seconds[peer], seconds[label])
        rates = [tokens / s for s in seconds[label]]
        rows.append([label, parameters[label], f"{statistics.median(rates):,.0f}",
                     f"{max(rates):,.0f}",
                     f"{statistics.median(seconds[label]) / args.steps * 1e3:.0f}",
                     f"{ratio:.2f}x ({low:.2f}-{high:.2f})"])
    print(
        f"\nBERT masked-LM pretraining throughput, {PRESET} (batch {args.batch_size}, "
        f"sequence {args.sequence_length}, vocabulary {VOCABULARY_SIZE}), "
        f"{datetime.date.today()}, {platform.machine()} with {os.cpu_count()} cores, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, keras-hub "
        f"{keras_hub.__version__}. {args.repeats} interleaved rounds of {args.steps} steps "
        f"per contender after {args.warmup} warm-up steps.\n"
    )
    print(markdown_table(
        ["model", "parameters", "tokens/s (median)", "tokens/s (best window)",
         "ms per step (median)", "speed vs keras-hub, same XLA setting (median, quartiles)"],
        rows,
    ))


if __name__ == "__main__":
    main()
