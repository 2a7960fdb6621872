"""TextClassificationTask: sentence classification with an encoder (BERT's fine-tuning).

Data: GLUE-style TSV files (`sentence` and `label` columns; by default the shipped SST-2
`train.tsv`, validated on its `dev.tsv`), packed as `[CLS] sentence [SEP]` and batched by length
(`kerazoo.data.classification_dataset`: each batch padded only to its longest sentence). Files
with `sentence1` and `sentence2` columns instead are sentence pairs, packed as
`[CLS] sentence1 [SEP] sentence2 [SEP]` with segment ids 0 then 1. The
tokenizer is a WordPiece vocabulary trained on the training sentences, or, with `--init RUN_DIR`,
the tokenizer of a pretrained run whose encoder the new model starts from (a converted
Hugging Face checkpoint, a `bert` run). Loss: cross-entropy of the class logits; metric:
accuracy. Evaluation: accuracy, and precision, recall and F1 (binary for two classes, macro).
Export: raw strings to class probabilities and label names.

A family using this task builds a classifier with `label_names` in its config (the classes,
set from the data) and `vocabulary_size`, whose model takes the encoder inputs `token_ids`,
`segment_ids`, `padding_mask` and returns logits, with its encoder at `model.backbone`.
"""

import keras
import numpy as np
import tensorflow as tf

from kerazoo.data import (
    classification_dataset,
    label_ids,
    label_names_of,
    read_labelled_tsv,
    shipped_sst2,
    special_token_ids,
    tokenize_labelled,
)
from kerazoo.export import forward_endpoint
from kerazoo.export.encoder_endpoints import (
    text_classification_endpoint,
    text_pair_classification_endpoint,
)
from kerazoo.tasks.encoder_start import (
    add_encoder_start_arguments,
    add_fine_tuning_data_arguments,
    fine_tuning_start,
    validation_source,
    warn_cut,
)
from kerazoo.tasks.registry import register_task
from kerazoo.tasks.task import Task
from kerazoo.tasks.text_embedding import embedding_endpoints
from kerazoo.training.metrics import classification_scores

DEFAULT_SEQUENCE_LENGTH = 128


class TextClassificationTask(Task):
    """Sentence classification (see the module docstring)."""

    name = "text_classification"

    def add_arguments(self, parser):
        add_fine_tuning_data_arguments(
            parser, "TSV file to validate on after each epoch (default: the shipped SST-2 "
                    "dev.tsv when --data is unset, else none)", DEFAULT_SEQUENCE_LENGTH)
        add_encoder_start_arguments(parser)
        parser.add_argument("--label-names", default=None,
                            help="comma-separated class names in logit order (default: the "
                                 "training labels, sorted)")

    def prepare_data(self, options, model_config, batch_size, seed):
        train_path = options.data or shipped_sst2("train")
        validation_path = validation_source(options, lambda: shipped_sst2("dev"))
        train = read_labelled_tsv(train_path)
        label_names = (
            [name.strip() for name in options.label_names.split(",")]
            if options.label_names else label_names_of(train.labels)
        )
        start = fine_tuning_start(options, train.sentences + (train.second_sentences or []),
                                  model_config)
        tokenizer, special, sequence_length = (start.tokenizer, start.special,
                                               start.sequence_length)

        token_ids = tokenize_labelled(train, tokenizer)
        warn_cut(examples_cut(token_ids, sequence_length), sequence_length, train_path)
        train_ds = classification_dataset(
            token_ids, label_ids(train.labels, label_names, train_path), special,
            sequence_length, batch_size, shuffle=True, seed=seed, drop_remainder=True,
        )
        validation_ds = None
        if validation_path:
            validation = read_labelled_tsv(validation_path)
            validation_ids = tokenize_labelled(validation, tokenizer)
            warn_cut(examples_cut(validation_ids, sequence_length), sequence_length,
                     validation_path)
            validation_ds = classification_dataset(
                validation_ids,
                label_ids(validation.labels, label_names, validation_path),
                special, sequence_length, batch_size,
            )
        return start.task_data(train_ds, validation_ds, train_path,
                               label_names=tuple(label_names))

    def loss(self):
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float32")

    def metrics(self):
        return [keras.metrics.SparseCategoricalAccuracy(name="accuracy", dtype="float32")]

    def sample(self, model, data, options, seed):
        return None

    def evaluate(self, model, tokenizer, source, batch_size, data_dir=None):
        """Accuracy, precision, recall and F1 (binary for 2 classes, macro) on a TSV file.

        Returns:
            dict of `kerazoo.training.metrics.classification_scores` and `loss` (mean
            cross-entropy per example).
        """
        examples = read_labelled_tsv(source)
        true_ids = label_ids(examples.labels, model.label_names, source)
        token_ids = tokenize_labelled(examples, tokenizer)
        warn_cut(examples_cut(token_ids, model.max_sequence_length), model.max_sequence_length,
                 source)
        dataset = classification_dataset(
            token_ids, true_ids, special_token_ids(tokenizer), model.max_sequence_length,
            batch_size,
        )
        predict = tf.function(lambda inputs: model(inputs, training=False),
                              reduce_retracing=True)
        loss = self.loss()
        labels, predictions, total_loss = [], [], 0.0
        for inputs, batch_labels in dataset:
            logits = predict(inputs)
            total_loss += float(loss(batch_labels, logits)) * int(batch_labels.shape[0])
            labels.append(batch_labels.numpy())
            predictions.append(np.argmax(logits.numpy(), axis=-1))
        labels, predictions = np.concatenate(labels), np.concatenate(predictions)
        scores = classification_scores(labels, predictions, len(model.label_names))
        return {"loss": total_loss / len(labels), **scores}

    def export_variants(self, model):
        """`classify` (also the plain export) and `embed` (`text_embedding`'s)."""
        return {"classify": classify_endpoints, "embed": embedding_endpoints}

    def export(self, model, tokenizer, out_dir, options, overwrite=False):
        """The `classify` export (`classify_endpoints`)."""
        return self.export_variant("classify", model, tokenizer, out_dir, options, overwrite)


def classify_endpoints(model, tokenizer, options=None):
    """`serving_default`: `texts` -> `probabilities` and `label`; `classify_pairs`:
    `first_texts`, `second_texts` -> the same, for sentence-pair classifiers; `logits`: the
    encoder inputs -> logits."""
    return {
        "serving_default": text_classification_endpoint(
            model, tokenizer, model.max_sequence_length),
        "classify_pairs": text_pair_classification_endpoint(
            model, tokenizer, model.max_sequence_length),
        "logits": forward_endpoint(model),
    }


def examples_cut(token_ids, sequence_length):
    """How many examples of `tokenize_labelled`'s ids are longer than `sequence_length` packed."""
    rows = token_ids if isinstance(token_ids, tuple) else (token_ids,)
    packed = sum(ids.row_lengths().numpy() for ids in rows) + len(rows) + 1
    return int(np.sum(packed > sequence_length))


register_task(TextClassificationTask())
