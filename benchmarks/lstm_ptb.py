"""Training words/s of kerazoo's `lstm_lm ptb-small` against the same model written plainly in Keras.

Both models are Zaremba et al.'s small PTB LSTM: an embedding of 200, two
LSTM layers of 200, a softmax over the 10,002-id PTB vocabulary (4.65M
parameters). The plain one is what a user writes:

    keras.Sequential([Embedding(V, 200), LSTM(200, return_sequences=True),
                      LSTM(200, return_sequences=True), Dense(V)])

compiled with the recipe's optimizer as Keras ships it (`keras.optimizers.SGD`
for the PTB presets' Zaremba recipe, `AdamW` for kerazoo's),
`SparseCategoricalCrossentropy(from_logits=True)` and Keras' default
`jit_compile="auto"` (no XLA on a CPU). kerazoo's is
`build("lstm_lm", "ptb-small")` compiled as `kerazoo train` compiles it
(`optimizer_for`, the causal-LM loss and perplexity metric, the preset's
recipe: `jit_compile=True`). Both read the same batches: PTB's training
words as 20 contiguous streams cut into windows of 20 (batch 20 x 20 words,
`causal_lm_contiguous_batches`).

The other contenders separate the settings from the code: each model with
and without XLA, and the plain model with `unroll=True` (the issue's 7.8k
words/s reference), which shows what unrolling buys on a CPU; kerazoo keeps
`unroll=False` because unrolled layers lose cuDNN on a GPU and compile per
sequence length.

After compilation and warm-up, short timed windows of `--steps` steps
alternate between the contenders for `--repeats` rounds (`benchmarks.common`);
the table gives median and best-window words/s and the median per-round
speed ratio against the plain model.

Run from the repository root:

    python3 -m benchmarks.lstm_ptb            # about two minutes on 2 cores
    python3 -m benchmarks.lstm_ptb --quick    # smoke test
"""

import argparse
import datetime
import os
import platform
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import kerazoo.models  # noqa: E402
import kerazoo.tasks  # noqa: E402
from benchmarks.common import (  # noqa: E402
    interleaved_seconds,
    markdown_table,
    ratio_quartiles,
    require_positive,
    warmed_train_window,
)
from kerazoo.data import (  # noqa: E402
    causal_lm_contiguous_batches,
    load_documents,
    ptb_tokenizer,
    tokenize_documents,
)
from kerazoo.training import compile_model, optimizer_for  # noqa: E402

FAMILY, PRESET = "lstm_lm", "ptb-small"
SEED = 1234
PLAIN = "plain Keras"


def ptb_batches(sequence_length, batch_size):
    """Endless contiguous batches of PTB's training words, and the vocabulary size."""
    tokenizer = ptb_tokenizer()
    ids = tokenize_documents(load_documents("ptb"), tokenizer, progress=False)
    batches = causal_lm_contiguous_batches(ids, sequence_length, batch_size)
    return batches.dataset.cache().repeat(), tokenizer.vocabulary_size(), len(ids)


def plain_keras_lstm(vocabulary_size, width, layers, unroll=False):
    """The small PTB LSTM as a user writes it in Keras."""
    return keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(vocabulary_size, width),
            *[keras.layers.LSTM(width, return_sequences=True, unroll=unroll)
              for _ in range(layers)],
            keras.layers.Dense(vocabulary_size),
        ],
        name="plain_keras_lstm",
    )


def plain_optimizer(config):
    """The optimizer of the recipe, as a user writes it in Keras."""
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(config.peak_learning_rate,
                                    global_clipnorm=config.global_clipnorm)
    return keras.optimizers.AdamW(
        learning_rate=config.peak_learning_rate,
        weight_decay=config.weight_decay,
        beta_1=config.beta_1,
        beta_2=config.beta_2,
        global_clipnorm=config.global_clipnorm,
    )


def compile_plain(model, config, jit_compile):
    model.compile(
        optimizer=plain_optimizer(config),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )


def compile_kerazoo(model, config, jit_compile):
    task = kerazoo.tasks.task_of(FAMILY)
    optimizer = optimizer_for(model, config)
    compile_model(model, optimizer, task.loss(), task.metrics(), jit_compile=jit_compile)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=5, help="train steps per timed window")
    parser.add_argument("--repeats", type=int, default=30, help="interleaved rounds")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps after compiling")
    parser.add_argument("--quick", action="store_true", help="a tiny run, as a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.repeats, args.warmup = 2, 2, 1
    require_positive(parser, args, ("steps", "repeats", "warmup"))
    return args


def main():
    args = parse_args()
    keras.utils.set_random_seed(SEED)
    preset = kerazoo.models.resolve_config(FAMILY, PRESET)
    config, batch_size = kerazoo.tasks.training_settings(FAMILY, PRESET, steps=1000)
    length = preset.max_sequence_length
    dataset, vocabulary_size, words = ptb_batches(length, batch_size)
    width, layers = preset.hidden_dim, preset.num_layers

    def kerazoo_model():
        return kerazoo.models.build(FAMILY, PRESET, vocabulary_size=vocabulary_size)

    def plain_model(unroll=False):
        return plain_keras_lstm(vocabulary_size, width, layers, unroll=unroll)

    xla = "XLA" if config.jit_compile else "no XLA"
    contenders = {  # name -> (model, compile function, jit_compile)
        f"kerazoo {FAMILY} {PRESET} (its recipe: {xla})": (
            kerazoo_model(), compile_kerazoo, config.jit_compile),
        PLAIN: (plain_model(), compile_plain, "auto"),
        f"kerazoo, {'no XLA' if config.jit_compile else 'XLA'}": (
            kerazoo_model(), compile_kerazoo, not config.jit_compile),
        f"{PLAIN}, XLA": (plain_model(), compile_plain, True),
        f"{PLAIN}, unroll=True": (plain_model(unroll=True), compile_plain, "auto"),
    }

    windows, parameters = {}, {}
    uses_xla = {}
    for name, (model, compile_function, jit_compile) in contenders.items():
        compile_function(model, config, jit_compile)
        windows[name] = warmed_train_window(model, dataset, args.steps, args.warmup)
        parameters[name] = model.count_params()
        uses_xla[name] = bool(model.jit_compile)  # "auto" resolved by Keras.
    assert len(set(parameters.values())) == 1, parameters

    seconds = interleaved_seconds(windows, args.repeats)

    step_words = batch_size * length
    rows = []
    for name in contenders:
        rates = np.array([args.steps * step_words / s for s in seconds[name]])
        low, ratio, high = ratio_quartiles(seconds[PLAIN], seconds[name])
        rows.append([
            name,
            f"{parameters[name]:,}",
            "yes" if uses_xla[name] else "no",
            f"{statistics.median(rates):,.0f}",
            f"{rates.max():,.0f}",
            f"{ratio:.2f}x ({low:.2f}-{high:.2f})",
        ])
    print(
        f"\nLSTM training throughput, {FAMILY} {PRESET} (batch {batch_size} x {length} "
        f"words), {datetime.date.today()}, {platform.machine()} with {os.cpu_count()} "
        f"cores, TensorFlow {tf.__version__}, Keras {keras.__version__}"
    )
    print(
        f"data: PTB train, {words:,} tokens, vocabulary {vocabulary_size:,}, contiguous "
        f"batches. {args.repeats} interleaved rounds of {args.steps} steps per contender "
        f"after {args.warmup} warm-up steps.\n"
    )
    print(markdown_table(
        ["contender", "parameters", "XLA", "words/s (median)", "words/s (best window)",
         f"speed vs {PLAIN} (median, quartiles)"],
        rows,
    ))


if __name__ == "__main__":
    main()
