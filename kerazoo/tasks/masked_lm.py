"""MaskedLMTask: BERT's masked-language-model pretraining.

Data: text files (`.txt`/`.gz`), several comma-separated, or `tfds:NAME` (default: the shipped
Tiny Shakespeare); a WordPiece vocabulary trained on them with BERT's special tokens reserved;
windows of the token stream packed as `[CLS] A [SEP] B [SEP]` with 15% of positions selected and
masked 80/10/10 (`kerazoo.data.masked_lm_datasets`; the last 10% of windows validate, with masks
drawn once). Loss: cross-entropy at the selected positions only (the data's sample weights);
metrics: masked-LM accuracy and perplexity. Evaluation: the same on every window of a text,
masks drawn from a fixed seed. Export: the model's forward pass (`logits`, also
`serving_default`).

`--next-sentence` adds BERT's next-sentence prediction: the text is read as one sentence a line,
documents separated by blank lines, and packed into `[CLS] A [SEP] B [SEP]` pairs whose B follows
A half of the time and is a random sentence otherwise (`kerazoo.data.next_sentence`); the model
gets its next-sentence head, the loss is masked-LM plus next-sentence cross-entropy, and training
and evaluation report `next_sentence_accuracy` besides the masked-LM metrics.

A family using this task builds a model taking `token_ids`, `segment_ids`, `padding_mask` and
`mask_positions` and returning (batch, masks, vocabulary) logits, with `vocabulary_size` in
its config and `max_sequence_length` on the model.
"""

import math

import keras
import keras_hub
import numpy as np
import tensorflow as tf

from kerazoo.data import (
    default_corpus,
    load_documents,
    masked_lm_dataset,
    masked_lm_datasets,
    special_token_ids,
    tokenize_documents,
    train_word_piece,
)
from kerazoo.data.masked_lm import segment_pairs
from kerazoo.data.next_sentence import (
    document_sentences,
    next_sentence_dataset,
    next_sentence_datasets,
    next_sentence_pairs,
)
from kerazoo.data.text_classification import tokenize_sentences
from kerazoo.data.word_piece import RESERVED_TOKENS
from kerazoo.export import forward_endpoint, write_saved_model
from kerazoo.export.saved_model import check_export_folder
from kerazoo.tasks.registry import register_task
from kerazoo.tasks.task import Task
from kerazoo.tasks.task_data import TaskData
from kerazoo.tasks.text_embedding import embedding_endpoints
from kerazoo.training.compiling import compile_model
from kerazoo.training.metrics import masked_lm_accuracy

DEFAULT_SEQUENCE_LENGTH = 128
EVALUATION_SEED = 0


class MaskedLMTask(Task):
    """Masked-token prediction on raw text (see the module docstring)."""

    name = "masked_lm"

    def add_arguments(self, parser):
        parser.add_argument("--sequence-length", type=int, default=DEFAULT_SEQUENCE_LENGTH,
                            help="tokens per packed training sequence, [CLS] and [SEP]s "
                                 "included (%(default)s)")
        parser.add_argument("--vocabulary-size", type=int, default=8000,
                            help="size of the WordPiece vocabulary trained on the data")
        parser.add_argument("--lowercase", action="store_true",
                            help="lowercase text for the WordPiece vocabulary")
        parser.add_argument("--next-sentence", action="store_true",
                            help="also train next-sentence prediction on sentence pairs (one "
                                 "sentence a line, blank lines between documents), B the true "
                                 "next sentence half of the time")

    def prepare_data(self, options, model_config, batch_size, seed):
        source = _source(options.data)
        documents = load_documents(source, data_dir=options.data_dir)
        tokenizer = train_word_piece(documents, options.vocabulary_size,
                                     lowercase=options.lowercase,
                                     reserved_tokens=RESERVED_TOKENS)
        special = special_token_ids(tokenizer)
        if not 5 <= options.sequence_length <= model_config.max_sequence_length:
            raise ValueError(
                f"`--sequence-length` must be in [5, {model_config.max_sequence_length}] (the "
                f"model's position table), got {options.sequence_length}."
            )
        overrides = {"vocabulary_size": tokenizer.vocabulary_size()}
        if getattr(options, "next_sentence", False):
            datasets = next_sentence_datasets(
                _tokenized_sentences(documents, tokenizer), tokenizer.vocabulary_size(), special,
                options.sequence_length, batch_size, seed=seed)
            overrides["next_sentence"] = True
        else:
            token_ids = tokenize_documents(documents, tokenizer)
            datasets = masked_lm_datasets(token_ids, tokenizer.vocabulary_size(), special,
                                          options.sequence_length, batch_size, seed=seed)
        return TaskData(
            tokenizer=tokenizer,
            train=datasets.train,
            validation=datasets.validation,
            model_overrides=overrides,
            source=str(source),
        )

    def loss(self):
        # The mean over the selected positions: a row that selected fewer than the most has
        # zero weights in its padded slots, which must not dilute the mean.
        return keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="mean_with_sample_weight", dtype="float32",
            name="masked_lm_loss",
        )

    def metrics(self):
        return [
            masked_lm_accuracy(),
            keras_hub.metrics.Perplexity(from_logits=True, dtype="float32", name="perplexity"),
        ]

    def sample(self, model, data, options, seed):
        return None

    def evaluate(self, model, tokenizer, source, batch_size, data_dir=None):
        """Masked-LM loss, accuracy and perplexity over every window of a text.

        Windows are `DEFAULT_SEQUENCE_LENGTH` tokens (at most the model's position table), and
        their masks are drawn from a fixed seed, so two evaluations of a run agree.

        Returns:
            dict with `loss` (nats per masked token), `masked_lm_accuracy`, `perplexity` and
            `windows`; for a model with the next-sentence head, scored on next-sentence pairs
            drawn from a fixed seed: those and `next_sentence_loss`, `next_sentence_accuracy`
            and `pairs` instead of `windows`.
        """
        documents = load_documents(_source(source), data_dir=data_dir)
        if getattr(model, "next_sentence", False):
            return self._evaluate_next_sentence(model, tokenizer, documents, batch_size)
        token_ids = tokenize_documents(documents, tokenizer)
        sequence_length = min(DEFAULT_SEQUENCE_LENGTH, model.max_sequence_length)
        windows = segment_pairs(token_ids, sequence_length)
        dataset = masked_lm_dataset(
            windows, tokenizer.vocabulary_size(), special_token_ids(tokenizer),
            sequence_length, batch_size, seed=EVALUATION_SEED, fixed_masks=True,
        )
        results = self._evaluated(model, dataset)
        return {
            "loss": _nats_per_masked_token(results["perplexity"]),
            "masked_lm_accuracy": float(results["masked_lm_accuracy"]),
            "perplexity": float(results["perplexity"]),
            "windows": len(windows),
        }

    def _evaluated(self, model, dataset):
        """The training loss and metrics of `model` over `dataset`, as a dict."""
        compile_model(model, keras.optimizers.SGD(0.0), self.loss(), self.metrics())
        return model.evaluate(dataset, verbose=1, return_dict=True)

    def _evaluate_next_sentence(self, model, tokenizer, documents, batch_size):
        sequence_length = min(DEFAULT_SEQUENCE_LENGTH, model.max_sequence_length)
        pairs = next_sentence_pairs(_tokenized_sentences(documents, tokenizer), sequence_length,
                                    np.random.default_rng(EVALUATION_SEED))
        dataset = next_sentence_dataset(
            pairs, tokenizer.vocabulary_size(), special_token_ids(tokenizer), sequence_length,
            batch_size, seed=EVALUATION_SEED, fixed_masks=True,
        )
        results = self._evaluated(model, dataset)
        return {
            "loss": _nats_per_masked_token(results["masked_lm_perplexity"]),
            "masked_lm_accuracy": float(results["masked_lm_accuracy"]),
            "perplexity": float(results["masked_lm_perplexity"]),
            "next_sentence_loss": float(results["next_sentence_loss"]),
            "next_sentence_accuracy": float(results["next_sentence_accuracy"]),
            "pairs": len(pairs.labels),
        }

    def export_variants(self, model):
        """`embed`: sentence embeddings of the pretrained encoder (`text_embedding`'s)."""
        return {"embed": embedding_endpoints}

    def export(self, model, tokenizer, out_dir, options, overwrite=False):
        """`serving_default` and `logits`: the encoder inputs and `mask_positions` -> logits
        (and `next_sentence_logits`, (batch, 2), with the next-sentence head)."""
        check_export_folder(out_dir, overwrite)
        forward = (_pretraining_endpoint(model) if getattr(model, "next_sentence", False)
                   else forward_endpoint(model))
        endpoints = {"serving_default": forward, "logits": forward}
        path = write_saved_model(out_dir, model, tokenizer, endpoints, overwrite=overwrite)
        return path, tuple(endpoints)


def _tokenized_sentences(documents, tokenizer):
    """Each document's sentences (`document_sentences`) as lists of token ids."""
    split = document_sentences(documents)
    ids = tokenize_sentences([sentence for document in split for sentence in document], tokenizer)
    rows = np.split(ids.flat_values.numpy(), np.cumsum(ids.row_lengths().numpy())[:-1])
    bounds = np.cumsum([0] + [len(document) for document in split])
    return [rows[start:end] for start, end in zip(bounds[:-1], bounds[1:])]


def _pretraining_endpoint(model):
    """`forward_endpoint` of a model with both heads: `logits` and `next_sentence_logits`."""
    forward = forward_endpoint(model, name="outputs")

    @tf.function(input_signature=forward.input_signature)
    def pretraining(*tensors):
        outputs = forward(*tensors)["outputs"]
        return {"logits": outputs["masked_lm"], "next_sentence_logits": outputs["next_sentence"]}

    return pretraining


def _nats_per_masked_token(perplexity):
    """The mean cross-entropy over every masked token of an evaluation.

    Keras' running `loss` averages batches as wholes, so batches with few masked tokens
    would count as much as full ones; the perplexity metric weighs every token once.
    """
    return math.log(float(perplexity))


def _source(data):
    """`--data`: None for the shipped corpus, `tfds:...`, or comma-separated files."""
    if data is None:
        return default_corpus()
    if isinstance(data, str) and not data.startswith("tfds:"):
        paths = [p for p in data.split(",") if p]
        return paths[0] if len(paths) == 1 else paths
    return data


register_task(MaskedLMTask())
