"""BidirectionalLMTask: ELMo's pretraining, a forward and a backward LM with one loss.

Data: text with one sentence per line (`kerazoo.data.bidirectional_lm`);
by default the shipped Penn Treebank (`ptb`: `ptb.train` trains, `ptb.valid`
validates), whose lowercase, pre-tokenized words match SST-2's, the
downstream task the embeddings are tried on. Another `--data` source is
split 90/10 by sentences. The softmax's vocabulary is a `WordTokenizer` of
the training words (PTB: its 10,000 words, `<unk>` as the unknown token),
with `<BOS>`/`<EOS>` as the sentence boundaries' targets; the model reads
characters, so it embeds any word. Loss: the token-mean cross-entropy of
both directions together; metrics: `forward_perplexity` and
`backward_perplexity`. Evaluation: both perplexities over every sentence of
a text. Export: raw strings -> ELMo embeddings of every layer and the word
mask (`ElmoEmbedder`).

A family using this task builds a model taking `character_ids` and
returning (batch, time, 2, vocabulary) logits (`ElmoBidirectionalLM`), with
an `ElmoBackbone` at `model.backbone` and `max_sequence_length` and
`max_characters` in its config.
"""

import keras
import keras_hub
import numpy as np
import tensorflow as tf
from keras import ops

from kerazoo.data import WordTokenizer, load_documents
from kerazoo.data.bidirectional_lm import bidirectional_lm_dataset, lm_sentences
from kerazoo.data.ptb import is_ptb_source, ptb_split
from kerazoo.export import write_saved_model
from kerazoo.export.saved_model import check_export_folder
from kerazoo.models import ElmoEmbedder
from kerazoo.tasks.registry import register_task
from kerazoo.tasks.task import Task
from kerazoo.tasks.task_data import TaskData
from kerazoo.training.compiling import compile_model

DEFAULT_SOURCE = "ptb"
VALIDATION_FRACTION = 0.1
DIRECTIONS = ("forward", "backward")


@keras.saving.register_keras_serializable(package="kerazoo")
class DirectionalPerplexity(keras_hub.metrics.Perplexity):
    """Perplexity of one direction of (batch, time, 2, vocabulary) logits.

    Args:
        direction: `"forward"` (index 0: next-word targets) or `"backward"`
            (index 1: previous-word targets).
        **kwargs: `keras_hub.metrics.Perplexity` arguments; the name defaults
            to `"{direction}_perplexity"`.
    """

    def __init__(self, direction, **kwargs):
        if direction not in DIRECTIONS:
            raise ValueError(f"`direction` must be one of {DIRECTIONS}; got {direction!r}.")
        kwargs.setdefault("name", f"{direction}_perplexity")
        kwargs.setdefault("from_logits", True)
        super().__init__(**kwargs)
        self.direction = direction

    def update_state(self, y_true, y_pred, sample_weight=None):
        index = DIRECTIONS.index(self.direction)
        if sample_weight is not None:
            sample_weight = sample_weight[..., index]
        super().update_state(y_true[..., index], y_pred[..., index, :], sample_weight)

    def get_config(self):
        return {**super().get_config(), "direction": self.direction}


class BidirectionalLMTask(Task):
    """ELMo's biLM pretraining (see the module docstring)."""

    name = "bidirectional_lm"
    data_options = ("vocabulary_size", "min_frequency")

    def add_arguments(self, parser):
        parser.add_argument("--vocabulary-size", type=int, default=None,
                            help="most words of the softmax, reserved tokens included "
                                 "(default: every training word)")
        parser.add_argument("--min-frequency", type=int, default=1,
                            help="rarer words are the unknown word as targets (the input, "
                                 "characters, keeps them)")

    def prepare_data(self, options, model_config, batch_size, seed):
        source = options.data or DEFAULT_SOURCE
        max_words = model_config.max_sequence_length
        if is_ptb_source(source) and ptb_split(source) == "train":
            train = lm_sentences(load_documents(source), max_words)
            validation = lm_sentences(load_documents("ptb:valid"), max_words)
            described = f"{source} (validation ptb:valid)"
        else:
            sentences = lm_sentences(load_documents(_files(source), data_dir=options.data_dir),
                                     max_words)
            rng = np.random.default_rng(seed)
            order = rng.permutation(len(sentences))
            cut = max(1, int(len(sentences) * (1 - VALIDATION_FRACTION)))
            train = [sentences[i] for i in order[:cut]]
            validation = [sentences[i] for i in order[cut:]]
            described = str(source)
        tokenizer = _tokenizer(train, options, is_ptb_source(source))
        train_ds = bidirectional_lm_dataset(
            train, tokenizer, model_config.max_characters, batch_size, shuffle=True,
            seed=seed, drop_remainder=True,
        ).repeat()
        validation_ds = None
        if validation:
            validation_ds = bidirectional_lm_dataset(
                validation, tokenizer, model_config.max_characters, batch_size)
        return TaskData(
            tokenizer=tokenizer,
            train=train_ds,
            validation=validation_ds,
            model_overrides={"vocabulary_size": tokenizer.vocabulary_size()},
            source=described,
        )

    def loss(self):
        # The mean over the real targets of both directions (weight 1), not over every
        # position of the padded batch.
        return keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="mean_with_sample_weight", dtype="float32",
            name="bidirectional_lm_loss")

    def metrics(self):
        return [DirectionalPerplexity(direction) for direction in DIRECTIONS]

    def sample(self, model, data, options, seed):
        return None

    def evaluate(self, model, tokenizer, source, batch_size, data_dir=None):
        """Forward and backward perplexity over every sentence (line) of a text.

        Returns:
            dict with `loss` (nats per target, both directions),
            `forward_perplexity`, `backward_perplexity` and `sequences` (the
            lines scored, those longer than the model's `max_sequence_length`
            counted once per piece).
        """
        sentences = lm_sentences(load_documents(_files(source), data_dir=data_dir),
                                 model.max_sequence_length)
        dataset = bidirectional_lm_dataset(
            sentences, tokenizer, model.backbone.max_characters, batch_size)
        compile_model(model, keras.optimizers.SGD(0.0), self.loss(), self.metrics())
        results = model.evaluate(dataset, verbose=1, return_dict=True)
        return {
            "loss": float(results["loss"]),
            "forward_perplexity": float(results["forward_perplexity"]),
            "backward_perplexity": float(results["backward_perplexity"]),
            "sequences": len(sentences),
        }

    def export(self, model, tokenizer, out_dir, options, overwrite=False):
        """`serving_default`: `texts` (batch,) tf.string -> `embeddings` (batch, layers,
        words, dim) float32 and `mask` (batch, words) int32 (`ElmoEmbedder`)."""
        check_export_folder(out_dir, overwrite)
        embedder = ElmoEmbedder(model.backbone, trainable=False, name="elmo_embedder")
        embedder(tf.constant(["a"]))  # Built, as the export archive requires.
        endpoints = {"serving_default": elmo_embedding_endpoint(embedder)}
        path = write_saved_model(out_dir, embedder, None, endpoints, overwrite=overwrite)
        return path, tuple(endpoints)


def elmo_embedding_endpoint(embedder):
    """`texts` (batch,) tf.string -> `embeddings` float32 and `mask` int32 of `embedder`."""

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="texts")])
    def embed(texts):
        outputs = embedder(texts, training=False)
        return {"embeddings": ops.cast(outputs["embeddings"], "float32"),
                "mask": outputs["mask"]}

    return embed


def _files(source):
    """`--data`: `ptb[:SPLIT]`, `tfds:...`, or comma-separated files."""
    if isinstance(source, str) and "," in source and not source.startswith("tfds:"):
        return [path for path in source.split(",") if path]
    return source


def _tokenizer(sentences, options, ptb):
    settings = {"unknown_token": "<unk>"} if ptb else {}
    return WordTokenizer.from_corpus(
        "\n".join(sentences), max_size=options.vocabulary_size,
        min_frequency=getattr(options, "min_frequency", 1), progress=False, **settings,
    )


register_task(BidirectionalLMTask())
