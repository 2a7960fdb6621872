"""Training throughput of kerazoo's GPT against the same model built from keras-hub layers.

Both models have nanoGPT's CPU shape (`gpt-nano`: 4 pre-LN layers, 4 heads,
width 128, context 64, tanh GELU, tied embeddings) and the same parameter
count, and both train through Keras' own train function with the same
optimizer (`kerazoo.training.build_optimizer`), loss and metric
(`compile_model`), data (Tiny Shakespeare characters, batch 12) and XLA.

After compilation and warm-up, short timed windows of `--steps` steps
alternate between the two models and a window of float32 matrix products
(the GEMM peak) for `--repeats` rounds. Short windows put the contenders of a
round under the same load, which matters on a shared machine. The table gives
median and best-window tokens/s, the median per-round speed ratio with its
quartiles, and MFU (the 6N rule) two ways: the median rate over the best GEMM
window, and the median over rounds of the rate over that round's GEMM window,
which cancels most of the load from other processes.

A third contender runs only the dense matrix products of one step
(`dense_gemm_floor`): its time bounds from below what any implementation
that keeps XLA's GEMMs can reach, so the last line says how much of the
step outside those products a given speed-up over keras-hub leaves.

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
    ratio_quartiles,
    require_positive,
    warmed_train_window,
)
from kerazoo.data import CharTokenizer, read_text_file  # noqa: E402
from kerazoo.layers.activations import get_activation  # noqa: E402
from kerazoo.training import build_optimizer, compile_model  # noqa: E402

CORPUS = pathlib.Path(__file__).resolve().parents[1] / "data" / "tinyshakespeare.txt"
PRESET = "gpt-nano"
BATCH_SIZE = 12  # nanoGPT's CPU config.
SEED = 1234
GEMM = "float32 GEMM"
FLOOR = "dense GEMMs only"
TARGET_SPEEDUP = 1.3  # The goal over keras-hub.


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


def training_batches(length):
    """Endless batches of `BATCH_SIZE` windows from `char_batches`.

    Returns:
        (dataset, vocabulary_size, source).
    """
    inputs, targets, vocabulary_size, source = char_batches(
        CORPUS, length, count=64 * BATCH_SIZE, seed=SEED
    )
    dataset = (
        tf.data.Dataset.from_tensor_slices((inputs, targets))
        .batch(BATCH_SIZE, drop_remainder=True)
        .cache()
        .repeat()
        .prefetch(tf.data.AUTOTUNE)
    )
    return dataset, vocabulary_size, source


def compiled_window(model, optimizer, dataset, steps, warmup, steps_per_execution=1):
    """Compiles `model` as the benchmarks train it, warms it up, returns its timed window.

    The window runs `steps` training steps (`steps_per_execution` per call of
    the train function) after compilation and `warmup` untimed steps.
    """
    compile_model(
        model, optimizer, jit_compile=True, steps_per_execution=steps_per_execution
    )
    return warmed_train_window(model, dataset, steps // steps_per_execution,
                               warmup // steps_per_execution + 1)


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


def dense_gemm_floor(config, tokens):
    """A timed window of only the dense matrix products of one training step.

    The products are those of `config`'s GPT on `tokens` positions: per layer
    the fused QKV, the attention output, the two feed-forward projections,
    then the tied logits; for each, the forward product, the input gradient
    and the weight gradient (the 6N rule's FLOPs). Nothing else runs:
    no attention scores, norms, activations, loss or optimizer. Each backward
    product reads forward results, not the backward chain, and every product
    is an output, so XLA computes each in full and may overlap the
    backward ones more freely than a real step allows. The window is
    therefore a lower bound on the time any implementation of the step
    spends in these products with XLA's GEMMs.

    Returns:
        (run, flops): a callable that runs one step's products, and their
        FLOP count.
    """
    n, d, f, v = tokens, config.hidden_dim, config.intermediate_dim, config.vocabulary_size
    shapes = [(d, 3 * d), (d, d), (d, f), (f, d)] * config.num_layers
    weights = [tf.random.normal(shape, stddev=0.02) for shape in shapes]
    table = tf.random.normal((v, d), stddev=0.02)
    x = tf.random.normal((n, d))

    @tf.function(jit_compile=True)
    def products(x):
        grads, inputs, outputs = [], [], []
        for kernel in weights:
            # Each product's input is a slice of the last output, so the chain
            # of products has the step's shapes and its order.
            inputs.append(x)
            x = tf.matmul(x[:, : kernel.shape[0]], kernel)
            outputs.append(x)
        logits = tf.matmul(x, table, transpose_b=True)
        grads += [tf.matmul(logits, x, transpose_a=True), tf.matmul(logits, table)]
        for kernel, x_in, y in zip(weights, inputs, outputs):
            x_in = x_in[:, : kernel.shape[0]]
            grads += [tf.matmul(x_in, y, transpose_a=True), tf.matmul(y, kernel, transpose_b=True)]
        return grads

    products(x)[0].numpy()
    flops = 3 * 2 * n * (sum(a * b for a, b in shapes) + v * d)
    return (lambda: products(x)[0].numpy()), flops


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
    require_positive(parser, args, ("steps", "repeats", "warmup", "steps_per_execution"))
    if args.steps % args.steps_per_execution:
        parser.error("--steps must be a multiple of --steps-per-execution")
    return args


def main():
    args = parse_args()
    keras.utils.set_random_seed(SEED)
    length = kerazoo.models.resolve_config("gpt", PRESET).max_sequence_length
    dataset, vocabulary_size, source = training_batches(length)
    config = kerazoo.models.resolve_config("gpt", PRESET, vocabulary_size=vocabulary_size)
    models = {
        "kerazoo": kerazoo.models.build("gpt", PRESET, vocabulary_size=vocabulary_size),
        "keras-hub": keras_hub_gpt(config),
    }
    windows = {
        name: compiled_window(
            model,
            build_optimizer(model, learning_rate=1e-3),
            dataset,
            args.steps,
            args.warmup,
            args.steps_per_execution,
        )
        for name, model in models.items()
    }
    windows[GEMM], gemm_flops = gemm_window()
    floor_products, floor_flops = dense_gemm_floor(config, BATCH_SIZE * length)
    windows[FLOOR] = lambda: [floor_products() for _ in range(args.steps)]
    # FLOPs per step for MFU: the 6N rule (a forward and a backward FLOP pair
    # per parameter per token, attention scores left out) for the models, the
    # products themselves for the floor.
    step_flops = {name: 6 * model.count_params() * BATCH_SIZE * length for name, model in models.items()}
    step_flops[FLOOR] = floor_flops
    parameters = {name: f"{model.count_params():,}" for name, model in models.items()}
    parameters[FLOOR] = "(its products only)"

    seconds = interleaved_seconds(windows, args.repeats)

    tokens = args.steps * BATCH_SIZE * length
    gemm_rates = np.array([gemm_flops / s / 1e9 for s in seconds[GEMM]])
    peak = gemm_rates.max()
    rows = []
    for name in step_flops:
        rates = np.array([tokens / s for s in seconds[name]])
        rate = statistics.median(rates)
        low, ratio, high = ratio_quartiles(seconds["keras-hub"], seconds[name])
        flop_rates = rates / (BATCH_SIZE * length) * step_flops[name] / 1e9
        rows.append(
            [
                name,
                parameters[name],
                f"{rate:,.0f}",
                f"{rates.max():,.0f}",
                f"{ratio:.2f}x ({low:.2f}-{high:.2f})",
                f"{statistics.median(flop_rates) / peak:.1%}",
                f"{np.median(flop_rates / gemm_rates):.1%}",
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
    step_ms = {
        name: statistics.median(seconds[name]) / args.steps * 1e3 for name in step_flops
    }
    rest = {name: step_ms[name] - step_ms[FLOOR] for name in models}
    target = step_ms["keras-hub"] / TARGET_SPEEDUP - step_ms[FLOOR]
    print(
        f"\nms per step (median): kerazoo {step_ms['kerazoo']:.1f}, keras-hub "
        f"{step_ms['keras-hub']:.1f}, {FLOOR} {step_ms[FLOOR]:.1f}. Outside the dense "
        f"products: kerazoo {rest['kerazoo']:.1f} ms, keras-hub {rest['keras-hub']:.1f} ms. "
        f"{TARGET_SPEEDUP}x keras-hub needs a step of {step_ms['keras-hub'] / TARGET_SPEEDUP:.1f} ms, "
        f"so at most {target:.1f} ms outside them; no implementation that keeps "
        f"XLA's GEMMs can beat keras-hub by more than "
        f"{step_ms['keras-hub'] / step_ms[FLOOR]:.2f}x."
    )


if __name__ == "__main__":
    main()
