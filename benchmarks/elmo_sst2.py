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
3. The SST-2 classifiers of `--variants` (the first three by default),
   trained with Adam (`--learning-rate`) for `--epochs` on the shipped
   `train.tsv` and scored on `dev.tsv`, in one run, each from the same
   seed (`--seeds K`: K seeds from `--seed` on, the same seeds for every
   variant, so the difference is paired per seed):

   - embedding: word ids (a `WordTokenizer` of the SST-2 training words) ->
     `Embedding` trained from scratch, as wide as ELMo's layers -> mean over
     the words -> `Dense(2)`;
   - embedding + ELMo: the same, with the mean over the words of
     [x_k; ELMo_k], where ELMo_k = `ScalarMix` of the frozen biLM's layers,
     each standardised by fixed statistics of the training words. It trains
     the embedding's parameters plus the mix's (layers + 1 weights and
     gamma), and a `Dense` twice as wide; no projection.
   - ELMo alone: the mean of ELMo_k -> `Dense(2)` (no word embedding);
   - with `--variants ... wide-embedding`: the embedding twice as wide, as
     wide as [x_k; ELMo_k], so that ELMo's gain is not only a wider input.

   The biLM is frozen and standardising, mixing, concatenating and mean
   pooling are affine, so each sentence's per-layer means are computed once
   (cached in the run folder) and the classifiers train on them; the script
   checks on dev sentences that the embedding + ELMo classifier gives the
   logits of the end-to-end Keras model (raw strings in) with the same
   layers.

   `--classifier bilstm` gives each variant its own context instead, as the
   task models Peters et al. add ELMo to: the word vectors -> dropout ->
   `Bidirectional(LSTM(--units))` -> mean over the words -> `Dense(2)`. The
   LSTM is not affine, so each word's ELMo layers are cached (float32, one
   row per word) and the classifiers train on batches of sentences of
   similar length, padded to their longest.

Run from the repository root (the defaults: elmo-small pretrained for 11,000
steps of 32 sentences, about 3.6 passes over the corpus; all 67,349 SST-2
training sentences; about an hour on two otherwise idle CPU cores):

    nice -n 5 python3 -m benchmarks.elmo_sst2
    nice -n 5 python3 -m benchmarks.elmo_sst2 --seeds 5   # the classifiers from 5 seeds
    nice -n 5 python3 -m benchmarks.elmo_sst2 --classifier bilstm --epochs 3
    python3 -m benchmarks.elmo_sst2 --quick   # smoke test: tiny ELMo, few sentences
"""

import argparse
import datetime
import functools
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
VARIANTS = ("embedding", "elmo", "elmo-alone", "wide-embedding")


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


def embedded_batches(embedder, sentences, batch_size=256):
    """Yields the frozen embedder's output (`ElmoEmbedder`'s dict) for each batch of sentences."""
    embed = tf.function(lambda texts: embedder(texts, training=False), reduce_retracing=True)
    for start in range(0, len(sentences), batch_size):
        yield embed(tf.constant(sentences[start:start + batch_size]))


def pooled_layers(embedder, sentences):
    """dict: `means`, float32 (sentences, layers, dim), each layer's mean over each
    sentence's words."""
    rows = []
    for out in embedded_batches(embedder, sentences):
        mask = tf.cast(out["mask"], tf.float32)[:, None, :, None]
        summed = tf.reduce_sum(tf.cast(out["embeddings"], tf.float32) * mask, axis=2)
        rows.append((summed / tf.maximum(tf.reduce_sum(mask, axis=2), 1.0)).numpy())
    return {"means": np.concatenate(rows)}


def word_layers(embedder, sentences):
    """Each word's ELMo layers, the words of all sentences in a row.

    Returns:
        dict: `layers`, float32 (words, layers, dim); `lengths`, int32
        (sentences,), each sentence's word count.
    """
    layers, lengths = [], []
    for out in embedded_batches(embedder, sentences):
        mask = tf.cast(out["mask"], tf.bool)
        words = tf.boolean_mask(tf.transpose(out["embeddings"], [0, 2, 1, 3]), mask)
        layers.append(tf.cast(words, tf.float32).numpy())
        lengths.append(tf.reduce_sum(tf.cast(mask, tf.int32), axis=1).numpy())
    return {"layers": np.concatenate(layers), "lengths": np.concatenate(lengths)}


def cached(compute, embedder, sentences, path):
    """`compute(embedder, sentences)`, a dict of arrays, kept in `path` (.npz) for the next
    run on the same sentences."""
    if os.path.exists(path):
        with np.load(path) as saved:
            arrays = dict(saved)
        if arrays.pop("sentences", None) == len(sentences):
            return arrays
    arrays = compute(embedder, sentences)
    np.savez(path, sentences=len(sentences), **arrays)
    return arrays


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


HEAD_LAYERS = ("word_dropout", "context", "mean_over_words", "classes")


def contextual_head(word_vectors, mask, layers):
    """[word vectors] -> dropout -> biLSTM -> mean over the words -> logits (batch, 2).

    Args:
        word_vectors: list of (batch, words, width) tensors, concatenated.
        mask: (batch, words) bool, True at the words.
        layers: the `HEAD_LAYERS`, in that order (new or a trained model's).
    """
    dropout, context, pool, classes = layers
    vectors = (word_vectors[0] if len(word_vectors) == 1
               else keras.layers.Concatenate(name="word_vectors")(word_vectors))
    return classes(pool(context(dropout(vectors), mask=mask), mask=mask))


def contextual_classifier(vocabulary_size, dim, statistics=None, embedding=True, seed=0,
                          units=128, dropout=0.3):
    """The classifier with its own context (`--classifier bilstm`), on cached inputs.

    Inputs: `token_ids` (batch, words) int32, 0 at padding (it gives the mask,
    and the embedding when there is one) and, with ELMo, `elmo_layers`
    (batch, words, layers, elmo_dim). Output: logits (batch, 2). `units` is
    the LSTM's width per direction, `dropout` the rate on the word vectors;
    the other arguments are `classifier`'s.
    """
    keras.utils.set_random_seed(seed)
    token_ids = keras.Input((None,), dtype="int32", name="token_ids")
    inputs, word_vectors = {"token_ids": token_ids}, []
    mask = keras.ops.not_equal(token_ids, 0)
    if embedding:
        word_vectors.append(
            keras.layers.Embedding(vocabulary_size, dim, name="embedding")(token_ids))
    if statistics is not None:
        mean, variance = statistics
        inputs["elmo_layers"] = keras.Input((None, *mean.shape), name="elmo_layers")
        standardised = keras.layers.Normalization(
            axis=(2, 3), mean=mean, variance=variance, name="standardise")(inputs["elmo_layers"])
        by_layer = keras.layers.Permute((2, 1, 3))(standardised)  # (batch, layers, words, dim)
        word_vectors.append(ScalarMix(mean.shape[0], name="scalar_mix")(by_layer, mask=mask))
    head = [
        keras.layers.Dropout(dropout, name="word_dropout"),
        keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True),
                                   name="context"),
        keras.layers.GlobalAveragePooling1D(name="mean_over_words"),
        keras.layers.Dense(2, name="classes"),
    ]
    return keras.Model(inputs, contextual_head(word_vectors, mask, head))


class LengthBatches(keras.utils.PyDataset):
    """Sentences in batches of similar length, each padded to its longest word count.

    Each batch is ({"token_ids": (batch, words) int32, "elmo_layers": (batch,
    words, layers, dim) float32}, labels (batch,)), keeping the inputs named
    in `keys`. With a `seed`, which sentences share a batch is drawn once and
    the batches' order is reshuffled every epoch.

    Args:
        token_ids: (sentences, longest) int32, 0-padded word ids.
        elmo: `word_layers` of the same sentences.
        labels: (sentences,) int.
        batch_size: int.
        keys: the model's input names.
        seed: int, or None to keep the sentences' order within a length.
    """

    def __init__(self, token_ids, elmo, labels, batch_size, keys, seed=None):
        super().__init__()
        self.token_ids, self.labels, self.keys = token_ids, labels, set(keys)
        self.layers, self.lengths = elmo["layers"], elmo["lengths"]
        if not np.array_equal(np.sum(token_ids != 0, axis=1), self.lengths):
            raise ValueError("the word tokenizer and ELMo split some sentence into different "
                             "numbers of words; their word vectors cannot be concatenated")
        self.starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]])
        self.rng = None if seed is None else np.random.default_rng(seed)
        order = np.arange(len(labels)) if seed is None else self.rng.permutation(len(labels))
        order = order[np.argsort(self.lengths[order], kind="stable")]
        self.batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
        self.on_epoch_end()

    def __len__(self):
        return len(self.batches)

    def on_epoch_end(self):
        if self.rng is not None:
            self.rng.shuffle(self.batches)

    def inputs(self, rows):
        """The model's inputs for the sentences `rows`, padded to their longest."""
        width = max(int(self.lengths[rows].max()), 1)
        inputs = {"token_ids": self.token_ids[rows, :width]}
        if "elmo_layers" in self.keys:
            layers = np.zeros((len(rows), width, *self.layers.shape[1:]), np.float32)
            for i, row in enumerate(rows):
                start = self.starts[row]
                layers[i, :self.lengths[row]] = self.layers[start:start + self.lengths[row]]
            inputs["elmo_layers"] = layers
        return inputs

    def __getitem__(self, index):
        rows = self.batches[index]
        return self.inputs(rows), self.labels[rows]


class PaddedWordIds(keras.layers.Layer):
    """(batch,) strings -> (batch, words) int32 ids of `tokenizer`, 0-padded."""

    def __init__(self, tokenizer, **kwargs):
        super().__init__(**kwargs)
        self.tokenizer = tokenizer

    def call(self, texts):
        return self.tokenizer(texts).to_tensor()

    def compute_output_spec(self, texts):
        return keras.KerasTensor((None, None), dtype="int32")


def end_to_end(model, tokenizer, embedder, contextual=False):
    """The embedding + ELMo classifier from raw strings, sharing `model`'s trained layers.

    `contextual`: `model` is a `contextual_classifier`, not a `classifier`.
    """
    texts = keras.Input((), dtype="string", name="texts")
    embedded = model.get_layer("embedding")(PaddedWordIds(tokenizer)(texts))
    out = embedder(texts)
    norm = model.get_layer("standardise")
    shape = (embedder.backbone.num_layers + 1, embedder.backbone.output_dim)
    standardise = keras.layers.Normalization(
        axis=(1, 3), mean=np.reshape(norm.mean.numpy(), shape),
        variance=np.reshape(norm.variance.numpy(), shape))
    elmo = model.get_layer("scalar_mix")(standardise(out["embeddings"]), mask=out["mask"])
    if contextual:
        mask = keras.ops.not_equal(out["mask"], 0)
        layers = [model.get_layer(name) for name in HEAD_LAYERS]
        return keras.Model(texts, contextual_head([embedded, elmo], mask, layers))
    word_vectors = keras.layers.Concatenate()([embedded, elmo])  # [x_k; ELMo_k]
    pooled = keras.layers.GlobalAveragePooling1D()(word_vectors, mask=out["mask"])
    return keras.Model(texts, model.get_layer("classes")(pooled))


def word_ids(tokenizer, sentences):
    return tokenizer(tf.constant(sentences)).to_tensor().numpy()


def trained_parameters(model):
    return int(sum(np.prod(weight.shape) for weight in model.trainable_weights))


def fit_and_score(model, train, dev, args, seed):
    """Train on `train`, score on `dev`: each (inputs, labels) arrays or (`LengthBatches`,).

    Returns:
        (dev accuracy, training seconds).
    """
    keras.utils.set_random_seed(seed)
    model.compile(keras.optimizers.Adam(args.learning_rate),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    batching = {"batch_size": args.batch_size} if len(train) == 2 else {}
    started = time.time()
    model.fit(*train, epochs=args.epochs, verbose=2, shuffle=True, **batching)
    seconds = time.time() - started
    scores = model.evaluate(*dev, verbose=0, return_dict=True, **batching)
    return float(scores["accuracy"]), seconds


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
    parser.add_argument("--classifier", choices=("bag", "bilstm"), default="bag",
                        help="bag: mean of the word vectors -> Dense; bilstm: a biLSTM over "
                             "them first (the task model has its own context)")
    parser.add_argument("--units", type=int, default=128,
                        help="--classifier bilstm: the LSTM's width per direction")
    parser.add_argument("--dropout", type=float, default=0.3,
                        help="--classifier bilstm: dropout on the word vectors")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=VARIANTS[:3],
                        help="the classifiers to train: embedding, embedding + ELMo, ELMo "
                             "alone, and (not by default) the embedding twice as wide, "
                             "which controls for the wider input ELMo gives")
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
    """ELMo's gain per seed in accuracy points, and how many seeds it is positive on.

    Args:
        with_elmo, without: rows of `markdown_table` trained on the same seeds.
    """
    gains = 100 * (np.array(with_elmo[2]) - np.array(without[2]))
    return (f"ELMo's gain over {without[0]}, per seed: "
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
    contextual = args.classifier == "bilstm"
    compute = word_layers if contextual else pooled_layers
    cache = os.path.join(args.run_dir, f"sst2_{{}}_{compute.__name__}.npz")
    started = time.time()
    train_elmo = cached(compute, embedder, train_sentences, cache.format("train"))
    dev_elmo = cached(compute, embedder, dev.sentences, cache.format("dev"))
    feature_seconds = time.time() - started
    statistics = word_statistics(embedder, train_sentences[:2000])
    dim = statistics[0].shape[1]
    tokenizer = WordTokenizer.from_corpus("\n".join(train_sentences), progress=False)
    train_ids, dev_ids = word_ids(tokenizer, train_sentences), word_ids(tokenizer, dev.sentences)

    def classifier_data(ids, elmo, labels, keys, seed=None):
        """What `fit_and_score` takes for a classifier whose inputs are `keys`."""
        if contextual:
            return (LengthBatches(ids, elmo, labels, args.batch_size, keys, seed),)
        inputs = {"token_ids": ids, "elmo_layer_means": elmo["means"]}
        return ({key: inputs[key] for key in keys}, labels)

    body = f"BiLSTM({args.units}) -> mean" if contextual else "mean"
    build = (functools.partial(contextual_classifier, units=args.units, dropout=args.dropout)
             if contextual else classifier)
    variants = {  # key: (name, embedding width, options)
        "embedding": (f"embedding -> {body} -> Dense(2)", dim, {}),
        "elmo": (f"[embedding; ELMo ScalarMix] -> {body} -> Dense(2)", dim,
                 {"statistics": statistics}),
        "elmo-alone": (f"ELMo ScalarMix alone -> {body} -> Dense(2)", dim,
                       {"statistics": statistics, "embedding": False}),
        "wide-embedding": (f"embedding ({2 * dim} wide) -> {body} -> Dense(2)", 2 * dim, {}),
    }
    seeds = range(args.seed, args.seed + args.seeds)
    rows, models = {}, {}
    for key in args.variants:
        name, width, options = variants[key]
        accuracies, seconds = [], []
        for seed in seeds:
            models[name] = build(tokenizer.vocabulary_size(), width, seed=seed, **options)
            inputs = list(models[name].input)
            accuracy, took = fit_and_score(
                models[name], classifier_data(train_ids, train_elmo, train_y, inputs, seed),
                classifier_data(dev_ids, dev_elmo, dev_y, inputs), args, seed)
            accuracies.append(accuracy)
            seconds.append(took)
        rows[key] = (name, trained_parameters(models[name]), accuracies, seconds)
    if "elmo" in rows:
        # The classifier on cached ELMo features is the end-to-end model (texts in).
        concat = models[rows["elmo"][0]]
        check = np.arange(64)
        cached_inputs = classifier_data(dev_ids, dev_elmo, dev_y, list(concat.input))[0]
        cached_inputs = (cached_inputs.inputs(check) if contextual
                         else {input_name: value[check]
                               for input_name, value in cached_inputs.items()})
        np.testing.assert_allclose(
            end_to_end(concat, tokenizer, embedder, contextual)(
                tf.constant([dev.sentences[i] for i in check])).numpy(),
            concat(cached_inputs).numpy(), atol=1e-4)

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
        "classifier": args.classifier,
        "train_sentences": len(train_sentences),
        "dev_sentences": len(dev.sentences),
        "epochs": args.epochs,
        "seeds": list(seeds),
        "dev_accuracy": {name: accuracies for name, _, accuracies, _ in rows.values()},
        "elmo_feature_seconds": round(feature_seconds, 1),
        "scalar_mix_weights": {
            name: model.get_layer("scalar_mix").mixing_weights().numpy().tolist()
            for name, model in models.items() if "ELMo" in name},
    }
    print(json.dumps(result, indent=2))
    print(markdown_table(rows.values()))
    for baseline in ("embedding", "wide-embedding"):
        if "elmo" in rows and baseline in rows:
            print(paired_gain(rows["elmo"], rows[baseline]))


if __name__ == "__main__":
    main()
