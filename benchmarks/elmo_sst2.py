"""SST-2 with ELMo added to a classifier's own word embedding, against that classifier alone.

ELMo is used as Peters et al. (2018, section 3.3) use it: the task model keeps
its own context-independent word embedding x_k and the frozen biLM's
`ScalarMix` (softmax-normalised layer weights times gamma) is concatenated to
it, [x_k; ELMo_k].

1. Pretraining corpus (`--pretrain-data`; default: written into the run
   folder from what the repository ships in `data/`): the Penn Treebank
   training split with its `<unk>` tokens dropped, then the text of the
   SST-2 training sentences without their labels. The SST-2 text is
   in-domain unlabeled pretraining, as ELMo's authors allow (the biLM sees
   no label and no dev sentence). `--pretrain-data ptb` gives the PTB-only
   biLM of the first version of this benchmark.
2. `kerazoo train elmo --data CORPUS --vocabulary-size N` into
   `RUN_DIR/bilm` (skipped when that run is finished). A corpus file is
   split 90/10 by sentences for validation; the softmax keeps the N most
   frequent words (default 10,002, PTB's size: the same cost per step as a
   PTB-only biLM, and rarer words train the unknown word that PTB's `<unk>`
   maps to). Forward and backward perplexity on `ptb:test` and on the SST-2
   dev sentences (`kerazoo evaluate`); with another vocabulary than PTB's,
   the `ptb:test` figures are not comparable with published PTB ones.
3. Three SST-2 classifiers, trained with Adam (`--learning-rate`) for
   `--epochs` on the shipped `train.tsv` and scored on `dev.tsv`, in one
   run, each from the same seed (`--seeds K`: K seeds from `--seed` on, the
   same seeds for every variant, so the difference is paired per seed):

   - embedding: word ids (a `WordTokenizer` of the SST-2 training words) ->
     `Embedding` trained from scratch, as wide as ELMo's layers -> mean over
     the words -> `Dense(2)`;
   - embedding + ELMo: the same, with the mean over the words of
     [x_k; ELMo_k], where ELMo_k = `ScalarMix` of the frozen biLM's layers,
     each standardised by fixed statistics of the training words. It trains
     the embedding's parameters plus the mix's (layers + 1 weights and
     gamma), and a `Dense` twice as wide; no projection.
   - ELMo alone: the mean of ELMo_k -> `Dense(2)` (no word embedding).

   The biLM is frozen and standardising, mixing, concatenating and mean
   pooling are affine, so each sentence's per-layer means are computed once
   (cached in the run folder) and the classifiers train on them; the script
   checks on dev sentences that the embedding + ELMo classifier gives the
   logits of the end-to-end Keras model (raw strings in) with the same
   layers.

Run from the repository root (the defaults: elmo-small pretrained for 11,000
steps of 32 sentences, about 3.6 passes over the corpus; all 67,349 SST-2
training sentences; about an hour on two otherwise idle CPU cores):

    nice -n 5 python3 -m benchmarks.elmo_sst2
    nice -n 5 python3 -m benchmarks.elmo_sst2 --seeds 5   # the classifiers from 5 seeds
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
from kerazoo.data import (  # noqa: E402
    WordTokenizer, label_ids, load_ptb_text, read_labelled_tsv, shipped_sst2,
)
from kerazoo.layers import ScalarMix  # noqa: E402
from kerazoo.models import ElmoEmbedder  # noqa: E402
from kerazoo.runs import load_run  # noqa: E402
from kerazoo.tasks import evaluate_run  # noqa: E402

LABELS = ["0", "1"]
PTB_VOCABULARY_SIZE = 10002


def write_lines(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(line + "\n" for line in lines)
    return path


def write_pretraining_corpus(path, sst2_train_sentences):
    """PTB train without `<unk>`, then the SST-2 training sentences (text only), one per line."""
    ptb = (" ".join(word for word in line.split() if word != "<unk>")
           for line in load_ptb_text("train").splitlines())
    sst2 = (sentence.strip() for sentence in sst2_train_sentences)
    return write_lines(path, [line for lines in (ptb, sst2) for line in lines if line])


def pretrain(bilm_dir, preset, steps, epochs, data, vocabulary_size):
    """`kerazoo train elmo` into `bilm_dir` (nothing to do when it is finished)."""
    command = ["train", "elmo", "--preset", preset, "--steps", str(steps),
               "--epochs", str(epochs), "--data", data, "--out", bilm_dir]
    if vocabulary_size:
        command += ["--vocabulary-size", str(vocabulary_size)]
    code = kerazoo_main(command)
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


def word_statistics(embedder, sentences):
    """Mean and variance (layers, dim) of the words' ELMo vectors, per layer and feature."""
    out = embedder(tf.constant(sentences))
    words = tf.boolean_mask(tf.transpose(out["embeddings"], [0, 2, 1, 3]),
                            tf.cast(out["mask"], tf.bool)).numpy()  # (words, layers, dim)
    return words.mean(axis=0), words.var(axis=0) + 1e-6


def elmo_mix(layer_means, statistics, mix):
    """(batch, layers, dim) per-layer means -> (batch, dim) mean of ELMo_k."""
    mean, variance = statistics
    num_layers, dim = mean.shape
    standardised = keras.layers.Normalization(
        axis=(1, 2), mean=mean, variance=variance, name="standardise")(layer_means)
    mixed = mix(keras.layers.Reshape((num_layers, 1, dim))(standardised))  # (batch, 1, dim)
    return keras.layers.Flatten()(mixed)


def classifier(vocabulary_size, dim, statistics=None, embedding=True, seed=0):
    """The classifier on cached inputs: `token_ids` and/or `elmo_layer_means` -> logits.

    Args:
        vocabulary_size: int, the word embedding's rows.
        dim: int, its width (ELMo's, so both sides are equally wide).
        statistics: None (no ELMo) or (mean, variance), each (layers,
            elmo_dim), ELMo's standardisation.
        embedding: bool, keep the trained word embedding.
        seed: int; the same seed gives the same embedding and dense
            initialisation for every variant.
    """
    keras.utils.set_random_seed(seed)
    inputs, pooled = {}, []
    if embedding:
        inputs["token_ids"] = keras.Input((None,), dtype="int32", name="token_ids")
        embedded = keras.layers.Embedding(vocabulary_size, dim, mask_zero=True,
                                          name="embedding")(inputs["token_ids"])
        pooled.append(keras.layers.GlobalAveragePooling1D(name="mean_over_words")(embedded))
    if statistics is not None:
        num_layers = statistics[0].shape[0]
        inputs["elmo_layer_means"] = keras.Input(statistics[0].shape, name="elmo_layer_means")
        pooled.append(elmo_mix(inputs["elmo_layer_means"], statistics,
                               ScalarMix(num_layers, name="scalar_mix")))
    features = pooled[0] if len(pooled) == 1 else keras.layers.Concatenate(name="concat")(pooled)
    return keras.Model(inputs, keras.layers.Dense(2, name="classes")(features))


class PaddedWordIds(keras.layers.Layer):
    """(batch,) strings -> (batch, words) int32 ids of `tokenizer`, 0-padded."""

    def __init__(self, tokenizer, **kwargs):
        super().__init__(**kwargs)
        self.tokenizer = tokenizer

    def call(self, texts):
        return self.tokenizer(texts).to_tensor()

    def compute_output_spec(self, texts):
        return keras.KerasTensor((None, None), dtype="int32")


def end_to_end(model, tokenizer, embedder):
    """The embedding + ELMo classifier from raw strings, sharing `model`'s trained layers."""
    texts = keras.Input((), dtype="string", name="texts")
    embedded = model.get_layer("embedding")(PaddedWordIds(tokenizer)(texts))
    out = embedder(texts)
    norm = model.get_layer("standardise")
    shape = (embedder.backbone.num_layers + 1, embedder.backbone.output_dim)
    standardise = keras.layers.Normalization(
        axis=(1, 3), mean=np.reshape(norm.mean.numpy(), shape),
        variance=np.reshape(norm.variance.numpy(), shape))
    elmo = model.get_layer("scalar_mix")(standardise(out["embeddings"]), mask=out["mask"])
    word_vectors = keras.layers.Concatenate()([embedded, elmo])  # [x_k; ELMo_k]
    pooled = keras.layers.GlobalAveragePooling1D()(word_vectors, mask=out["mask"])
    return keras.Model(texts, model.get_layer("classes")(pooled))


def word_ids(tokenizer, sentences):
    return tokenizer(tf.constant(sentences)).to_tensor().numpy()


def trained_parameters(model):
    return int(sum(np.prod(weight.shape) for weight in model.trainable_weights))


def fit_and_score(model, train_x, train_y, dev_x, dev_y, args, seed):
    keras.utils.set_random_seed(seed)
    model.compile(keras.optimizers.Adam(args.learning_rate),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    started = time.time()
    model.fit(train_x, train_y, batch_size=args.batch_size, epochs=args.epochs, verbose=2,
              shuffle=True)
    seconds = time.time() - started
    return float(model.evaluate(dev_x, dev_y, verbose=0, return_dict=True)["accuracy"]), seconds


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run-dir", default="runs/elmo-sst2-small",
                        help="benchmark folder: corpus, biLM run (bilm/), feature caches")
    parser.add_argument("--preset", default="elmo-small")
    parser.add_argument("--pretrain-data", default=None,
                        help="biLM corpus for `kerazoo train elmo --data` (default: PTB "
                             "train without <unk> + SST-2 train text, written to RUN_DIR)")
    parser.add_argument("--pretrain-vocabulary-size", type=int, default=PTB_VOCABULARY_SIZE,
                        help="the biLM softmax's words (0: every training word)")
    parser.add_argument("--pretrain-steps", type=int, default=11000)
    parser.add_argument("--pretrain-epochs", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--train-sentences", type=int, default=None,
                        help="use the first N training sentences (default: all)")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--seeds", type=int, default=1,
                        help="train each classifier from this many seeds (--seed, --seed + 1, ...)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.run_dir, args.preset = "runs/elmo-sst2-tiny-quick", "elmo-tiny"
        args.pretrain_steps, args.pretrain_epochs, args.epochs = 10, 1, 1
        args.train_sentences = args.train_sentences or 500
    return args


def markdown_table(rows):
    """One row per classifier: its dev accuracy per seed, their mean and spread."""
    lines = ["| classifier | parameters trained | dev accuracy per seed | mean (sd) | train time |",
             "| --- | ---: | --- | ---: | ---: |"]
    for name, params, accuracies, seconds in rows:
        per_seed = ", ".join(f"{100 * a:.1f}" for a in accuracies)
        lines.append(f"| {name} | {params:,} | {per_seed} | {100 * np.mean(accuracies):.2f} % "
                     f"({100 * np.std(accuracies):.2f}) | {np.mean(seconds):.0f} s |")
    return "\n".join(lines)


def paired_gain(with_elmo, without):
    """ELMo's gain per seed in accuracy points, and how many seeds it is positive on."""
    gains = 100 * (np.array(with_elmo) - np.array(without))
    return (f"ELMo's gain over the embedding alone, per seed: "
            f"{', '.join(f'{g:+.2f}' for g in gains)} points; mean {gains.mean():+.2f}, "
            f"positive on {int(np.sum(gains > 0))} of {len(gains)} seeds")


def main():
    args = parse_args()
    os.makedirs(args.run_dir, exist_ok=True)
    bilm_dir = os.path.join(args.run_dir, "bilm")
    train = read_labelled_tsv(shipped_sst2("train"))
    dev = read_labelled_tsv(shipped_sst2("dev"))
    data = args.pretrain_data or write_pretraining_corpus(
        os.path.join(args.run_dir, "pretraining_corpus.txt"), train.sentences)
    pretrain(bilm_dir, args.preset, args.pretrain_steps, args.pretrain_epochs, data,
             args.pretrain_vocabulary_size)
    perplexity = {
        "ptb_test": evaluate_run(bilm_dir, "ptb:test", batch_size=64),
        "sst2_dev": evaluate_run(bilm_dir, write_lines(
            os.path.join(args.run_dir, "sst2_dev_sentences.txt"),
            [s.strip() for s in dev.sentences]), batch_size=64),
    }
    model, _, record = load_run(bilm_dir)
    embedder = ElmoEmbedder(model.backbone, trainable=False)

    train_sentences = train.sentences[:args.train_sentences]
    train_y = np.array(label_ids(train.labels, LABELS)[:args.train_sentences])
    dev_y = np.array(label_ids(dev.labels, LABELS))
    started = time.time()
    cache = os.path.join(args.run_dir, "sst2_{}_pooled_layers.npy")
    train_elmo = cached_pooled_layers(embedder, train_sentences, cache.format("train"))
    dev_elmo = cached_pooled_layers(embedder, dev.sentences, cache.format("dev"))
    feature_seconds = time.time() - started
    statistics = word_statistics(embedder, train_sentences[:2000])
    dim = train_elmo.shape[2]
    tokenizer = WordTokenizer.from_corpus("\n".join(train_sentences), progress=False)
    train_x = {"token_ids": word_ids(tokenizer, train_sentences), "elmo_layer_means": train_elmo}
    dev_x = {"token_ids": word_ids(tokenizer, dev.sentences), "elmo_layer_means": dev_elmo}

    variants = {
        "embedding -> mean -> Dense(2)": {},
        "[embedding; ELMo ScalarMix] -> mean -> Dense(2)": {"statistics": statistics},
        "ELMo ScalarMix alone -> mean -> Dense(2)": {"statistics": statistics,
                                                     "embedding": False},
    }
    seeds = range(args.seed, args.seed + args.seeds)
    rows, models = [], {}
    for name, options in variants.items():
        accuracies, seconds = [], []
        for seed in seeds:
            models[name] = classifier(tokenizer.vocabulary_size(), dim, seed=seed, **options)
            inputs = {key: train_x[key] for key in models[name].input}
            dev_inputs = {key: dev_x[key] for key in models[name].input}
            accuracy, took = fit_and_score(models[name], inputs, train_y, dev_inputs, dev_y,
                                           args, seed)
            accuracies.append(accuracy)
            seconds.append(took)
        rows.append((name, trained_parameters(models[name]), accuracies, seconds))
    concat = models["[embedding; ELMo ScalarMix] -> mean -> Dense(2)"]
    # Mixing and pooling the cached per-layer means is the end-to-end model (texts in).
    check = slice(0, 64)
    np.testing.assert_allclose(
        end_to_end(concat, tokenizer, embedder)(tf.constant(dev.sentences[check])).numpy(),
        concat({key: value[check] for key, value in dev_x.items()}).numpy(), atol=1e-4)

    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__,
                     "keras_hub": keras_hub.__version__},
        "elmo_run": bilm_dir,
        "elmo_preset": args.preset,
        "pretraining_data": data,
        "elmo_pretraining_wall_seconds": record.get("wall_seconds"),
        "elmo_pretraining_steps": record.get("train_config", {}).get("steps"),
        **{f"{split}_{direction}_perplexity": values[f"{direction}_perplexity"]
           for split, values in perplexity.items() for direction in ("forward", "backward")},
        "train_sentences": len(train_sentences),
        "dev_sentences": len(dev.sentences),
        "epochs": args.epochs,
        "seeds": list(seeds),
        "dev_accuracy": {name: accuracies for name, _, accuracies, _ in rows},
        "elmo_feature_seconds": round(feature_seconds, 1),
        "scalar_mix_weights": {
            name: model.get_layer("scalar_mix").mixing_weights().numpy().tolist()
            for name, model in models.items() if "ELMo" in name},
    }
    print(json.dumps(result, indent=2))
    print(markdown_table(rows))
    print(paired_gain(rows[1][2], rows[0][2]))


if __name__ == "__main__":
    main()
