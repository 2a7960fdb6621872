"""Training speed of kerazoo's Transformer on Multi30k against the same shape of keras-hub layers.

Target tokens/s counts real target tokens (labels whose sample weight is 1;
padding excluded) per second of training steps. Three contenders train on
the same Multi30k de->en pairs (the first `--pairs` of the shipped training
split whose sides fit 40 WordPieces, tokenized once with one joint
WordPiece vocabulary), batch 64, with one loss (label-smoothed
cross-entropy, 0.1, weighted 0 on padding), Adam, XLA-compiled steps
(`--no-xla`: plain `tf.function` steps for all three):

- kerazoo, bucketed: `transformer-tiny` fed `translation_datasets`' batches
  (pairs of similar length together, each side padded to a multiple of 8),
  as `kerazoo train transformer` feeds it.
- kerazoo, fixed: the same model fed the fixed-length batches below.
- keras-hub, fixed: the same shape from keras-hub's `TokenAndPositionEmbedding`,
  `TransformerEncoder` and `TransformerDecoder` (`benchmarks.keras_hub_transformer`),
  fed the batches of keras-hub's translation example: every source padded to
  40 tokens and every target to 40 + 1 (so random pairs share a batch and
  most slots are padding). Its masks come from `mask_zero`, as there.

The fixed-length batches hold the same pairs as the bucketed ones, batch
for batch, padded to 40. Weights are random (speed does not depend on
them). Each timed window is one pass over a contender's batches, after a
warm-up pass that compiles every batch shape; windows alternate between
contenders and ratios are medians of per-round ratios.

Run from the repository root:

    python3 -m benchmarks.transformer_train            # about ten minutes on 2 shared cores
    python3 -m benchmarks.transformer_train --quick    # smoke test
"""

import argparse
import datetime
import os
import platform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import kerazoo.models  # noqa: E402
from benchmarks.common import (  # noqa: E402
    interleaved_seconds,
    markdown_table,
    ratio_quartiles,
    verdict,
)
from benchmarks.keras_hub_transformer import KerasHubTransformer  # noqa: E402
from kerazoo.data.parallel_corpus import multi30k  # noqa: E402
from kerazoo.data.translation import train_joint_word_piece, translation_datasets  # noqa: E402
from kerazoo.training.label_smoothing import LabelSmoothedCrossEntropy  # noqa: E402

BATCH, MAX_LENGTH, VOCABULARY, SEED = 64, 40, 6000, 1337


def batches(pairs):
    """The bucketed batches of `translation_datasets` and the same pairs padded to 40."""
    corpus = multi30k("train")
    corpus = corpus._replace(sources=corpus.sources[:pairs], targets=corpus.targets[:pairs])
    tokenizer = train_joint_word_piece(corpus.sources, corpus.targets, VOCABULARY)
    dataset = translation_datasets(corpus, tokenizer, MAX_LENGTH, MAX_LENGTH, BATCH,
                                   seed=SEED).train
    bucketed = [(inputs, labels, weights) for inputs, labels, weights in dataset]

    def padded(tensor, width):
        return tf.pad(tensor, [[0, 0], [0, width - tensor.shape[1]]])

    fixed = [({name: padded(value, MAX_LENGTH) for name, value in inputs.items()},
              padded(labels, MAX_LENGTH), padded(weights, MAX_LENGTH))
             for inputs, labels, weights in bucketed]
    return tokenizer.vocabulary_size(), bucketed, fixed


def trainer(model, batches, input_names, jit_compile):
    """A window: one `train_on_batch` per batch."""
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss=LabelSmoothedCrossEntropy(0.1),
                  jit_compile=jit_compile)
    feeds = [({name: inputs[name] for name in input_names}, labels, weights)
             for inputs, labels, weights in batches]

    def window():
        for inputs, labels, weights in feeds:
            loss = model.train_on_batch(inputs, labels, sample_weight=weights)
        return float(loss)

    return window


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=1280, help="training pairs per pass")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds per contender")
    parser.add_argument("--no-xla", dest="jit_compile", action="store_false",
                        help="train every contender without XLA (fewer compilations)")
    parser.add_argument("--quick", action="store_true", help="tiny run, a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.pairs, args.repeats = 320, 2
    return args


def main():
    args = parse_args()
    keras.utils.set_random_seed(SEED)
    vocabulary, bucketed, fixed = batches(args.pairs)
    real_tokens = sum(float(tf.reduce_sum(weights)) for _, _, weights in bucketed)
    slots = {name: sum(int(tf.size(labels)) for _, labels, _ in feed)
             for name, feed in (("bucketed", bucketed), ("fixed", fixed))}
    print(
        f"\nTransformer training speed, {datetime.date.today()}, {platform.machine()} with "
        f"{os.cpu_count()} cores, TensorFlow {tf.__version__}, Keras {keras.__version__}, "
        f"keras-hub {keras_hub.__version__}; {len(bucketed)} batches of {BATCH} Multi30k "
        f"pairs per pass ({real_tokens:,.0f} real target tokens; padding: "
        f"{1 - real_tokens / slots['bucketed']:.0%} of bucketed, "
        f"{1 - real_tokens / slots['fixed']:.0%} of fixed-length label slots), "
        f"{args.repeats} interleaved rounds; XLA {'on' if args.jit_compile else 'off'} for all; "
        "random weights"
        + ("; --quick: a smoke test, its ratios say nothing" if args.quick else "")
    )
    shape = dict(vocabulary_size=vocabulary, max_source_length=MAX_LENGTH,
                 max_target_length=MAX_LENGTH)
    kerazoo_inputs = ("encoder_token_ids", "encoder_padding_mask", "decoder_token_ids",
                      "decoder_padding_mask")
    peer = KerasHubTransformer(vocabulary, max_length=MAX_LENGTH).model
    names = ("kerazoo, bucketed", "kerazoo, fixed 40", "keras-hub, fixed 40")
    windows = {
        names[0]: trainer(kerazoo.models.build("transformer", **shape), bucketed, kerazoo_inputs,
                          args.jit_compile),
        names[1]: trainer(kerazoo.models.build("transformer", **shape), fixed, kerazoo_inputs,
                          args.jit_compile),
        names[2]: trainer(peer, fixed, ("encoder_token_ids", "decoder_token_ids"),
                          args.jit_compile),
    }
    for window in windows.values():
        window()  # Compiles every batch shape.
    seconds = interleaved_seconds(windows, args.repeats)

    rows = [[name, f"{real_tokens / np.median(seconds[name]):,.0f}",
             f"{np.median(seconds[name]):.1f}",
             f"{ratio_quartiles(seconds[names[2]], seconds[name])[1]:.2f}x"] for name in names]
    print(f"\n### Transformer training: transformer-tiny shape, batch {BATCH}, Multi30k de->en\n")
    print(markdown_table(["contender", "real target tokens/s", "s per pass", "vs keras-hub"],
                         rows) + "\n")
    for name, goal, what in ((names[0], 1.5, "from bucketing"), (names[1], 1.0, "equal padding")):
        low, middle, high = ratio_quartiles(seconds[names[2]], seconds[name])
        print(f"- {name} / keras-hub, fixed 40 = {middle:.2f}x (quartiles {low:.2f}-{high:.2f}; "
              f"{what}); goal >= {goal}x: {verdict(middle >= goal)}")


if __name__ == "__main__":
    main()
