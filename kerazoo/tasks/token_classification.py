"""TokenClassificationTask: entity tagging (NER) with an encoder, BIO tags on words.

Data: CoNLL files (`word<TAB>tag` lines, blank lines between sentences; by default the shipped
WNUT-17 `train`, validated on its `dev`; `--data` takes a split name or a path). A word's tag
goes on its first word piece; the other pieces, `[CLS]`, `[SEP]` and padding have sample weight
0 (`kerazoo.data.tagging_dataset`), and batches are bucketed by length. The tokenizer is a
WordPiece vocabulary trained on the training words, or, with `--init RUN_DIR`, that of a
pretrained run whose encoder the new model starts from. Loss: cross-entropy of the tag logits
at the weighted positions; metric: their accuracy. Evaluation: entity precision, recall and F1
as conlleval counts them (`kerazoo.tasks.entity_scores`), overall and per type, and the tag
accuracy of all words. Export: raw strings to entity spans (text, type, character offsets).

A family using this task builds a token classifier with `label_names` in its config (the tags,
set from the data, `O` among them) and `vocabulary_size`, whose model takes the encoder inputs
and returns (batch, time, tags) logits, with its encoder at `model.backbone`.
"""

import keras
import tensorflow as tf

from kerazoo.data import (
    conll_source,
    read_conll,
    special_token_ids,
    tag_ids,
    tag_names_of,
    tagging_dataset,
    tagging_examples,
    words_tensor,
)
from kerazoo.data.token_classification import sentences_cut
from kerazoo.export import forward_endpoint
from kerazoo.export.tagging import entity_tagging_endpoint, word_tagger
from kerazoo.tasks.encoder_start import (
    add_encoder_start_arguments,
    add_fine_tuning_data_arguments,
    fine_tuning_start,
    validation_source,
    warn_cut,
)
from kerazoo.tasks.entity_scores import entity_scores
from kerazoo.tasks.registry import register_task
from kerazoo.tasks.task import Task
from kerazoo.tasks.text_embedding import embedding_endpoints

DEFAULT_SEQUENCE_LENGTH = 128


class TokenClassificationTask(Task):
    """Entity tagging of words (see the module docstring)."""

    name = "token_classification"

    def add_arguments(self, parser):
        add_fine_tuning_data_arguments(
            parser, "CoNLL file (or WNUT-17 split name) to validate on after each epoch "
                    "(default: the shipped WNUT-17 dev when --data is unset, else none)",
            DEFAULT_SEQUENCE_LENGTH)
        add_encoder_start_arguments(parser)

    def prepare_data(self, options, model_config, batch_size, seed):
        train_path = conll_source(options.data or "train")
        validation = validation_source(options, lambda: "dev")
        train = read_conll(train_path)
        label_names = tag_names_of(train.tags)
        texts = [" ".join(words) for words in train.words]
        start = fine_tuning_start(options, texts, model_config)
        tokenizer, special, sequence_length = (start.tokenizer, start.special,
                                               start.sequence_length)

        def batches(path, sentences, **shuffling):
            words = words_tensor(sentences.words)
            examples = tagging_examples(words, tag_ids(sentences.tags, label_names, path),
                                        tokenizer, special, sequence_length)
            warn_cut(sentences_cut(examples[2], words), sequence_length, path)
            return tagging_dataset(*examples, special, sequence_length, batch_size, **shuffling)

        train_ds = batches(train_path, train, shuffle=True, seed=seed, drop_remainder=True)
        validation_ds = None
        if validation:
            validation_path = conll_source(validation)
            validation_ds = batches(validation_path, read_conll(validation_path))
        return start.task_data(train_ds, validation_ds, train_path,
                               label_names=tuple(label_names))

    def loss(self):
        # The mean over the words' first pieces: the weight-0 positions must not dilute it.
        return keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="mean_with_sample_weight", dtype="float32")

    def metrics(self):
        return [keras.metrics.SparseCategoricalAccuracy(name="accuracy", dtype="float32")]

    def sample(self, model, data, options, seed):
        return None

    def evaluate(self, model, tokenizer, source, batch_size, data_dir=None):
        """Entity precision, recall and F1 (overall and per type) on a CoNLL file.

        Args:
            source: a CoNLL file, or `train`, `dev`, `test` for the shipped WNUT-17.

        Returns:
            dict of `kerazoo.tasks.entity_scores.entity_scores`.
        """
        path = conll_source(source)
        sentences = read_conll(path)
        true_ids = tag_ids(sentences.tags, model.label_names, path)
        tag = word_tagger(model, tokenizer, model.max_sequence_length)
        # Sentences of similar length together, so batches carry little padding.
        order = sorted(range(len(sentences.words)), key=lambda i: len(sentences.words[i]))
        predicted = [None] * len(order)
        cut_count = 0
        for start in range(0, len(order), batch_size):
            chosen = order[start:start + batch_size]
            tags, cut = tag(words_tensor([sentences.words[i] for i in chosen]))
            cut_count += int(tf.reduce_sum(tf.cast(cut, tf.int32)))
            for i, row in zip(chosen, tags.to_list()):
                predicted[i] = row
        warn_cut(cut_count, model.max_sequence_length, path)
        predicted_ids = tf.ragged.constant(predicted, dtype=tf.int32, row_splits_dtype=tf.int64)
        return entity_scores(true_ids, predicted_ids, model.label_names)

    def export_variants(self, model):
        """`tag` (also the plain export) and `embed` (`text_embedding`'s)."""
        return {"tag": tag_endpoints, "embed": embedding_endpoints}

    def export(self, model, tokenizer, out_dir, options, overwrite=False):
        """The `tag` export (`tag_endpoints`)."""
        return self.export_variant("tag", model, tokenizer, out_dir, options, overwrite)


def tag_endpoints(model, tokenizer, options=None):
    """`serving_default`: `texts` -> entity spans (`entity_text`, `entity_label`,
    `entity_start`, `entity_end`, `entity_count`); `logits`: the encoder inputs -> logits."""
    return {
        "serving_default": entity_tagging_endpoint(model, tokenizer, model.max_sequence_length),
        "logits": forward_endpoint(model),
    }


register_task(TokenClassificationTask())
