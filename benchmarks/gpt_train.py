"""Training throughput of kerazoo's GPT against the same model built from keras-hub layers.

Both models have nanoGPT's CPU shape (`gpt-nano`: 4 pre-LN layers, 4 heads,
width 128, context 64, tanh GELU, tied embeddings) and the same parameter
count, and both train through Keras' own train function with the same
optimizer (`kerazoo.training.build_optimizer`), loss and metric
(`compile_causal_lm`), data (Tiny Shakespeare characters, batch 12) and XLA.

After compilation and warm-up, short timed windows of `--steps` steps
alternate between the two models and a window of float32 matrix products
(the GEMM peak) for `--repeats` rounds. Short windows put the contenders of a
round under the same load, which matters on a shared machine. The table gives
median and best-window tokens/s, the median per-round speed ratio with its
quartiles, and MFU (the 6N rule) two ways: the median rate over the best GEMM
window, and the median over rounds of the rate over that round's GEMM window,
which cancels most of the load from other processes.

Run from the repository root:

    python3 -m benchmarks.gpt_train            # about two minutes on 2 cores
    python3 -m benchmarks.gpt_train --quick    # smoke test
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
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import kerazoo.models  # noqa: E402
from benchmarks.common import (  # noqa: E402
    gemm_window,
    interleaved_seconds,
    markdown_table,
    model_flops_utilization,
    ratio_quartiles,
    train_window,
)
from kerazoo.data import CharTokenizer, read_text_file  # noqa: E402
from kerazoo.layers.activations import get_activation  # noqa: E402
from kerazoo.training import build_optimizer, compile_causal_lm  # noqa: E402

CORPUS = pathlib.Path(__file__).resolve().parents[1] / "data" / "tinyshakespeare.txt"
PRESET = "gpt-nano"
BATCH_SIZE = 12  # nanoGPT's CPU config.
SEED = 1234
GEMM = "float32 GEMM"


def char_batches(path, length, count, seed):
    """`count` random (inputs, targets) windows of next-character prediction.

    Without the text file, uses uniform random ids over 65 symbols.

    Returns:
        (inputs, targets, vocabulary_size, source): int32 arrays of shape
        (count, length) and a short description of the data.
    """
    rng = np.random.default_rng(seed)
    if path.is_file():
        text = read_text_file(path)
        tokenizer = CharTokenizer.from_corpus(text)
        ids = np.asarray(tokenizer.tokenize(text), dtype=np.int32)
        vocabulary_size = tokenizer.vocabulary_size()
        source = f"{path.name}, {len(ids):,} characters, {vocabulary_size} symbols"
    else:
        vocabulary_size = 65
        ids = rng.integers(0, vocabulary_size, size=1_000_000, dtype=np.int32)
        source = f"random ids over {vocabulary_size} symbols ({path.name} not found)"
    starts = rng.integers(0, len(ids) - length - 1, size=count)
    windows = np.stack([ids[s : s + length + 1] for s in starts])
    return windows[:, :-1], windows[:, 1:], vocabulary_size, source


def keras_hub_gpt(config):
    """`config`'s GPT from keras-hub layers: the reference implementation."""
    initializer = keras.initializers.RandomNormal(stddev=0.02)
    token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    embedding = keras_hub.layers.TokenAndPositionEmbedding(
        config.vocabulary_size,
        config.max_sequence_length,
        config.hidden_dim,
        tie_weights=True,
        embeddings_initializer=initializer,
        name="embeddings",
    )
    x = embedding(token_ids)
    for index in range(config.num_layers):
        x = keras_hub.layers.TransformerDecoder(
            intermediate_dim=config.intermediate_dim,
            num_heads=config.num_heads,
            dropout=config.dropout,
            activation=get_activation(config.activation),
            layer_norm_epsilon=config.layer_norm_epsilon,
            normalize_first=True,
            kernel_initializer=initializer,
            name=f"transformer_layer_{index}",
        )(x)
    x = keras.layers.LayerNormalization(
        epsilon=config.layer_norm_epsilon, name="final_layernorm"
    )(x)
    logits = embedding.token_embedding(x, reverse=True)
    return keras.Model(token_ids, logits, name="keras_hub_gpt")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=5, help="train steps per timed window")
    parser.add_argument("--repeats", type=int, default=100, help="interleaved rounds")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps after compiling")
    parser.add_argument(
        "--steps-per-execution",
        type=int,
        default=1,
        help="train steps per call of the train function, the same for both models",
    )
    parser.add_argument("--quick", action="store_true", help="a tiny run, as a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.repeats, args.warmup = 2, 3, 2
    for name in ("steps", "repeats", "warmup", "steps_per_execution"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if args.steps % args.steps_per_execution:
        parser.error("--steps must be a multiple of --steps-per-execution")
    return args


def main():
    args = parse_args()
    keras.utils.set_random_seed(SEED)
    length = kerazoo.models.resolve_config("gpt", PRESET).max_sequence_length
    inputs, targets, vocabulary_size, source = char_batches(
        CORPUS, length, count=64 * BATCH_SIZE, seed=SEED
    )
    config = kerazoo.models.resolve_config("gpt", PRESET, vocabulary_size=vocabulary_size)
    dataset = (
        tf.data.Dataset.from_tensor_slices((inputs, targets))
        .batch(BATCH_SIZE, drop_remainder=True)
        .cache()
        .repeat()
        .prefetch(tf.data.AUTOTUNE)
    )

    models = {
        "kerazoo": kerazoo.models.build("gpt", PRESET, vocabulary_size=vocabulary_size),
        "keras-hub": keras_hub_gpt(config),
    }
    windows = {}
    calls = args.steps // args.steps_per_execution
    for name, model in models.items():
        compile_causal_lm(
            model,
            build_optimizer(model, learning_rate=1e-3),
            jit_compile=True,
            steps_per_execution=args.steps_per_execution,
        )
        model.make_train_function()
        iterator = iter(dataset)
        train_window(model, iterator, args.warmup // args.steps_per_execution + 1)()
        windows[name] = train_window(model, iterator, calls)
    windows[GEMM], gemm_flops = gemm_window()
    parameters = {name: model.count_params() for name, model in models.items()}

    seconds = interleaved_seconds(windows, args.repeats)

    tokens = args.steps * BATCH_SIZE * length
    gemm_rates = np.array([gemm_flops / s / 1e9 for s in seconds[GEMM]])
    peak = gemm_rates.max()
    rows = []
    for name in models:
        rates = np.array([tokens / s for s in seconds[name]])
        rate = statistics.median(rates)
        low, ratio, high = ratio_quartiles(seconds["keras-hub"], seconds[name])
        same_round = np.median(model_flops_utilization(parameters[name], rates, gemm_rates))
        rows.append(
            [
                name,
                f"{parameters[name]:,}",
                f"{rate:,.0f}",
                f"{rates.max():,.0f}",
                f"{ratio:.2f}x ({low:.2f}-{high:.2f})",
                f"{model_flops_utilization(parameters[name], rate, peak):.1%}",
                f"{same_round:.1%}",
            ]
        )
    print(
        f"\nGPT training throughput, {PRESET} (batch {BATCH_SIZE}, context {length}), "
        f"{datetime.date.today()}, {platform.machine()} with {os.cpu_count()} cores, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, keras-hub "
        f"{keras_hub.__version__}"
    )
    print(
        f"data: {source}. {args.repeats} interleaved rounds of {args.steps} steps per "
        f"model after {args.warmup} warm-up steps, steps_per_execution="
        f"{args.steps_per_execution}. {GEMM} (XLA, 1024 x 1024): best window "
        f"{peak:.0f} GFLOP/s, median {np.median(gemm_rates):.0f} GFLOP/s.\n"
    )
    print(
        markdown_table(
            [
                "model",
                "parameters",
                "tokens/s (median)",
                "tokens/s (best window)",
                "speed vs keras-hub (median, quartiles)",
                "MFU (median / peak)",
                "MFU (same round)",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
