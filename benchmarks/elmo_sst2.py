"""SST-2 with ELMo features against the same classifier on a plain trained embedding.

1. Pretrain ELMo (`elmo-small`) on the shipped Penn Treebank with
   `kerazoo train elmo` (skipped when the run in `--run-dir` is finished) and
   report its forward and backward perplexity on `ptb:test`
   (`kerazoo evaluate`).
2. ELMo classifier: raw sentence -> frozen `ElmoEmbedder` (every layer) ->
   standardisation of each layer's features (mean and variance of the
   training sentences' word vectors, fixed) -> `ScalarMix` -> mean over the
   words -> `Dense(2)`. Frozen features and affine maps make
   standardising, mixing and pooling commute, so the per-layer means of each
   sentence are computed once (cached in the run folder) and the mix and the
   dense layer train on them; the script checks on dev sentences that this
   equals the end-to-end Keras model (texts in) with the same weights.
3. Baseline: raw sentence -> word ids (a `WordTokenizer` of the SST-2
   training words, applied before the model) -> `Embedding` of the same
   width as ELMo's layers (256), trained from scratch -> mean over the
   words -> `Dense(2)`.

Both classifiers train with Adam (`--learning-rate`) for `--epochs` on the
shipped SST-2 `train.tsv` and are scored on `dev.tsv`, in one run.

Run from the repository root:

    nice -n 5 python3 -m benchmarks.elmo_sst2
    python3 -m benchmarks.elmo_sst2 --quick   # smoke test: tiny ELMo, few sentences
"""

import argparse
import datetime
import json
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from kerazoo.cli.main import main as kerazoo_main  # noqa: E402
from kerazoo.data import WordTokenizer, label_ids, read_labelled_tsv, shipped_sst2  # noqa: E402
from kerazoo.layers import ScalarMix  # noqa: E402
from kerazoo.models import ElmoEmbedder  # noqa: E402
from kerazoo.runs import load_run  # noqa: E402
from kerazoo.tasks import evaluate_run  # noqa: E402

LABELS = ["0", "1"]


def pretrain(run_dir, preset, steps, epochs):
    """`kerazoo train elmo` into `run_dir` (nothing to do when it is finished)."""
    code = kerazoo_main(["train", "elmo", "--preset", preset, "--steps", str(steps),
                         "--epochs", str(epochs), "--out", run_dir])
    if code != 0:
        raise SystemExit(f"pretraining failed with exit code {code}")


def pooled_layers(embedder, sentences, batch_size=256):
    """(sentences, layers, dim) float32: each layer's mean over each sentence's words."""
    embed = tf.function(lambda texts: embedder(texts, training=False), reduce_retracing=True)
    rows = []
    for start in range(0, len(sentences), batch_size):
        out = embed(tf.constant(sentences[start:start + batch_size]))
        mask = tf.cast(out["mask"], tf.float32)[:, None, :, None]
        summed = tf.reduce_sum(tf.cast(out["embeddings"], tf.float32) * mask, axis=2)
        rows.append((summed / tf.maximum(tf.reduce_sum(mask, axis=2), 1.0)).numpy())
    return np.concatenate(rows)


def cached_pooled_layers(embedder, sentences, path):
    """`pooled_layers`, kept in `path` (.npy) for the next run on the same sentences."""
    if os.path.exists(path):
        features = np.load(path)
        if len(features) == len(sentences):
            return features
    features = pooled_layers(embedder, sentences)
    np.save(path, features)
    return features


def elmo_head(mean, variance):
    """Standardisation + ScalarMix + Dense on per-layer means (batch, layers, dim)."""
    num_layers, dim = mean.shape
    pooled = keras.Input((num_layers, dim), name="pooled_layers")
    standardised = keras.layers.Normalization(
        axis=(1, 2), mean=mean, variance=variance, name="standardise")(pooled)
    mixed = ScalarMix(num_layers, name="scalar_mix")(keras.layers.Reshape((num_layers, 1, dim))(
        standardised))
    logits = keras.layers.Dense(2, name="classes")(keras.layers.Flatten()(mixed))
    return keras.Model(pooled, logits)


def elmo_end_to_end(embedder, head):
    """The same classifier from raw strings, with `head`'s weights."""
    texts = keras.Input((), dtype="string", name="texts")
    out = embedder(texts)
    norm = head.get_layer("standardise")
    shape = (embedder.backbone.num_layers + 1, embedder.backbone.output_dim)
    standardise = keras.layers.Normalization(
        axis=(1, 3), mean=np.reshape(norm.mean.numpy(), shape),
        variance=np.reshape(norm.variance.numpy(), shape))
    mix = ScalarMix(embedder.backbone.num_layers + 1, name="scalar_mix")
    mixed = mix(standardise(out["embeddings"]), mask=out["mask"])
    pooled = keras.layers.GlobalAveragePooling1D()(mixed, mask=out["mask"])
    dense = keras.layers.Dense(2, name="classes")
    model = keras.Model(texts, dense(pooled))
    mix.set_weights(head.get_layer("scalar_mix").get_weights())
    dense.set_weights(head.get_layer("classes").get_weights())
    return model


def baseline(train_sentences, dim):
    """The plain classifier and its tokenizer (word ids, 0 = padding, in -> logits)."""
    tokenizer = WordTokenizer.from_corpus("\n".join(train_sentences), progress=False)
    ids = keras.Input((None,), dtype="int32", name="token_ids")
    embedded = keras.layers.Embedding(tokenizer.vocabulary_size(), dim, mask_zero=True,
                                      name="embedding")(ids)
    pooled = keras.layers.GlobalAveragePooling1D()(embedded)
    return keras.Model(ids, keras.layers.Dense(2, name="classes")(pooled)), tokenizer


def word_ids(tokenizer, sentences):
    return tokenizer(tf.constant(sentences)).to_tensor().numpy()


def fit_and_score(model, train_x, train_y, dev_x, dev_y, epochs, learning_rate, batch_size,
                  seed):
    keras.utils.set_random_seed(seed)
    model.compile(keras.optimizers.Adam(learning_rate),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    started = time.time()
    model.fit(train_x, train_y, batch_size=batch_size, epochs=epochs, verbose=2,
              shuffle=True)
    seconds = time.time() - started
    return float(model.evaluate(dev_x, dev_y, verbose=0, return_dict=True)["accuracy"]), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run-dir", default="runs/elmo-small-ptb")
    parser.add_argument("--preset", default="elmo-small")
    parser.add_argument("--pretrain-steps", type=int, default=400)
    parser.add_argument("--pretrain-epochs", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--train-sentences", type=int, default=None,
                        help="use the first N training sentences (default: all)")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.run_dir, args.preset = "runs/elmo-tiny-quick", "elmo-tiny"
        args.pretrain_steps, args.pretrain_epochs, args.epochs = 10, 1, 1
        args.train_sentences = args.train_sentences or 500

    pretrain(args.run_dir, args.preset, args.pretrain_steps, args.pretrain_epochs)
    perplexity = evaluate_run(args.run_dir, "ptb:test", batch_size=64)
    model, _, record = load_run(args.run_dir)
    embedder = ElmoEmbedder(model.backbone, trainable=False)

    train = read_labelled_tsv(shipped_sst2("train"))
    dev = read_labelled_tsv(shipped_sst2("dev"))
    train_sentences = train.sentences[:args.train_sentences]
    train_y = np.array(label_ids(train.labels, LABELS)[:args.train_sentences])
    dev_y = np.array(label_ids(dev.labels, LABELS))

    started = time.time()
    cache = os.path.join(args.run_dir, "sst2_{}_pooled_layers.npy")
    train_features = cached_pooled_layers(embedder, train_sentences, cache.format("train"))
    dev_features = cached_pooled_layers(embedder, dev.sentences, cache.format("dev"))
    feature_seconds = time.time() - started
    dim = train_features.shape[2]
    # Statistics of the training word vectors, per layer and feature.
    sample = embedder(tf.constant(train_sentences[:2000]))
    words = tf.boolean_mask(tf.transpose(sample["embeddings"], [0, 2, 1, 3]),
                            tf.cast(sample["mask"], tf.bool)).numpy()  # (words, layers, dim)
    head = elmo_head(words.mean(axis=0), words.var(axis=0) + 1e-6)
    elmo_accuracy, elmo_seconds = fit_and_score(
        head, train_features, train_y, dev_features, dev_y, args.epochs,
        args.learning_rate, args.batch_size, args.seed)
    # Mixing the per-layer means is the end-to-end model (texts in): same logits.
    check = dev.sentences[:64]
    np.testing.assert_allclose(elmo_end_to_end(embedder, head)(tf.constant(check)).numpy(),
                               head(dev_features[:64]).numpy(), atol=1e-4)

    plain, tokenizer = baseline(train_sentences, dim)
    plain_accuracy, plain_seconds = fit_and_score(
        plain, word_ids(tokenizer, train_sentences), train_y,
        word_ids(tokenizer, dev.sentences), dev_y,
        args.epochs, args.learning_rate, args.batch_size, args.seed)

    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__,
                     "keras_hub": keras_hub.__version__},
        "elmo_run": args.run_dir,
        "elmo_preset": args.preset,
        "elmo_pretraining_wall_seconds": record.get("wall_seconds"),
        "elmo_pretraining_steps": record.get("train_config", {}).get("steps"),
        "ptb_test_forward_perplexity": perplexity["forward_perplexity"],
        "ptb_test_backward_perplexity": perplexity["backward_perplexity"],
        "train_sentences": len(train_sentences),
        "dev_sentences": len(dev.sentences),
        "epochs": args.epochs,
        "elmo_dev_accuracy": elmo_accuracy,
        "baseline_dev_accuracy": plain_accuracy,
        "accuracy_ratio_elmo_over_baseline": elmo_accuracy / plain_accuracy,
        "elmo_feature_seconds": round(feature_seconds, 1),
        "elmo_classifier_seconds": round(elmo_seconds, 1),
        "baseline_seconds": round(plain_seconds, 1),
        "scalar_mix_weights": head.get_layer("scalar_mix").mixing_weights().numpy().tolist(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
