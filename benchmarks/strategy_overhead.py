"""Overhead of `MirroredStrategy` with one replica against no strategy, gpt-nano training.

Both models are gpt-nano built from the same seed, compiled the way
`kerazoo.training.train` compiles (AdamW on the warmup-cosine schedule,
token-mean cross-entropy, perplexity, XLA unless `--no-xla`), and fed the
same batches of Tiny Shakespeare from `causal_lm_datasets`; the mirrored one
runs on the same single device through a distributed dataset and
`strategy.run`. After compilation and warm-up, timed windows of `--steps`
steps alternate between the two for `--repeats` rounds. The table gives
median training tokens/s and the median per-round slowdown of the mirrored
run (goal: at most 5 %).

Run from the repository root:

    python3 -m benchmarks.strategy_overhead            # about two minutes on 2 cores
    python3 -m benchmarks.strategy_overhead --quick    # smoke test
"""

import argparse
import datetime
import os
import pathlib
import platform
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import kerazoo.models  # noqa: E402
from benchmarks.common import (  # noqa: E402
    interleaved_seconds,
    markdown_table,
    median_ratio,
    require_positive,
    warmed_train_window,
)
from kerazoo.data import CharTokenizer, causal_lm_datasets, read_text_file  # noqa: E402
from kerazoo.training import TrainConfig, build_optimizer, compile_model  # noqa: E402

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "tinyshakespeare.txt"
PRESET = "gpt-nano"
BATCH_SIZE = 12  # nanoGPT's CPU config.
SEED = 1234


def compile_like_train(model, jit_compile):
    """Compiles a causal LM as `kerazoo.training.train` does, for 10,000 steps."""
    config = TrainConfig(steps=10_000, warmup_steps=100, jit_compile=jit_compile)
    optimizer = build_optimizer(
        model, config.learning_rate_schedule(), global_clipnorm=config.global_clipnorm
    )
    compile_model(model, optimizer, jit_compile=jit_compile)
    model.make_train_function()


def compiled_model(strategy, vocabulary_size, jit_compile):
    """gpt-nano built and compiled under `strategy`."""
    keras.utils.set_random_seed(SEED)
    with strategy.scope():
        model = kerazoo.models.build("gpt", PRESET, vocabulary_size=vocabulary_size)
        compile_like_train(model, jit_compile)
    return model


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="steps per timed window")
    parser.add_argument("--repeats", type=int, default=9, help="timed windows per variant")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps after compiling")
    parser.add_argument("--no-xla", dest="jit_compile", action="store_false",
                        help="compile the train step without XLA")
    parser.add_argument("--quick", action="store_true", help="tiny run, a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.repeats, args.warmup = 5, 2, 2
    require_positive(parser, args, ("steps", "repeats", "warmup"))
    return args


def main():
    args = parse_args()
    gpus = tf.config.list_logical_devices("GPU")
    device = gpus[0].name if gpus else "/cpu:0"
    tokenizer = CharTokenizer.from_corpus(read_text_file(DATA))
    length = kerazoo.models.resolve_config("gpt", PRESET).max_sequence_length
    train_ds = causal_lm_datasets(
        DATA, tokenizer, length, BATCH_SIZE, seed=SEED, progress=False
    ).train

    variants = {
        "no strategy": (tf.distribute.get_strategy(), iter(train_ds)),
    }
    mirrored = tf.distribute.MirroredStrategy([device])
    variants["MirroredStrategy, 1 replica"] = (
        mirrored,
        iter(mirrored.experimental_distribute_dataset(train_ds)),
    )
    windows = {}
    for name, (strategy, iterator) in variants.items():
        model = compiled_model(strategy, tokenizer.vocabulary_size(), args.jit_compile)
        # One more call than --warmup: the first compiles.
        windows[name] = warmed_train_window(model, iterator, args.steps, args.warmup + 1)

    seconds = interleaved_seconds(windows, args.repeats)
    tokens = args.steps * BATCH_SIZE * length
    reference = "no strategy"
    rows = []
    for name in windows:
        rates = [tokens / s for s in seconds[name]]
        slowdown = median_ratio(seconds[name], seconds[reference]) - 1
        rows.append([
            name,
            f"{statistics.median(rates):,.0f}",
            f"{min(rates):,.0f} - {max(rates):,.0f}",
            f"{slowdown:+.1%}",
        ])
    print(
        f"\nStrategy overhead, {PRESET} training (batch {BATCH_SIZE}, context {length}, "
        f"XLA {'on' if args.jit_compile else 'off'}) on {device}, {datetime.date.today()}, "
        f"{platform.machine()} with {os.cpu_count()} cores, TensorFlow {tf.__version__}, "
        f"Keras {keras.__version__}"
    )
    print(
        f"{args.repeats} interleaved windows of {args.steps} steps per variant after "
        f"{args.warmup} warm-up steps\n"
    )
    print(markdown_table(
        ["variant", "tokens/s (median)", "range", "time vs no strategy (median)"], rows
    ))


if __name__ == "__main__":
    main()
