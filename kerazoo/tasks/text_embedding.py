"""TextEmbeddingTask: a bare encoder used for sentence embeddings (all-MiniLM-L6-v2's use).

A run of this task is an encoder without a head, as `kerazoo convert hf` makes of a Hugging Face
`BertModel` checkpoint. It is not trained here (fine-tune it through a task with a head, e.g.
`kerazoo train bert_classifier --init RUN_DIR`); it exports sentence embeddings: raw strings
to one L2-normalised vector each, the mean of the final hidden states over the real tokens
(`sentence_embeddings` is the same in Python).

A family using this task builds an encoder taking `token_ids`, `segment_ids`, `padding_mask`
and returning a dict with `sequence_output`.
"""

import numpy as np
import tensorflow as tf

from kerazoo.data import pack_single_segment, special_token_ids
from kerazoo.data.ragged_tokens import ragged_tokenizer
from kerazoo.export.encoder_endpoints import mean_pooled, text_embedding_endpoint
from kerazoo.tasks.registry import register_task
from kerazoo.tasks.task import Task


def sentence_embeddings(encoder, tokenizer, texts, sequence_length=None, batch_size=64):
    """One L2-normalised vector per text: mean pooling of `encoder`'s hidden states over the mask.

    Args:
        encoder: a `BertBackbone` (or a model with one at `.backbone`).
        tokenizer: its WordPiece tokenizer.
        texts: str or list of str.
        sequence_length: int, the longest packed text; longer ones are cut. Defaults to the
            encoder's position table.
        batch_size: texts per forward pass.

    Returns:
        (texts, hidden_dim) float32 NumPy array of unit vectors.
    """
    encoder = getattr(encoder, "backbone", encoder)
    texts = [texts] if isinstance(texts, str) else list(texts)
    sequence_length = sequence_length or encoder.max_sequence_length
    special = special_token_ids(tokenizer)
    tokenize = ragged_tokenizer(tokenizer)  # Traced once for all the batches.
    rows = []
    for start in range(0, len(texts), batch_size):
        ids = tokenize(tf.constant(texts[start:start + batch_size], tf.string))
        inputs = pack_single_segment(ids, special, sequence_length)
        outputs = encoder(inputs, training=False)
        rows.append(mean_pooled(outputs["sequence_output"], inputs["padding_mask"]).numpy())
    return np.concatenate(rows) if rows else np.zeros((0, encoder.hidden_dim), np.float32)


class TextEmbeddingTask(Task):
    """Sentence embeddings of a bare encoder (see the module docstring)."""

    name = "text_embedding"

    def add_arguments(self, parser):
        pass

    def _not_trained_here(self):
        return ValueError(
            "A bare encoder (the text_embedding task) is not trained by kerazoo: fine-tune it "
            "with a head, e.g. `kerazoo train bert_classifier --init RUN_DIR`, or pretrain "
            "`kerazoo train bert`."
        )

    def prepare_data(self, options, model_config, batch_size, seed):
        raise self._not_trained_here()

    def loss(self):
        raise self._not_trained_here()

    def metrics(self):
        raise self._not_trained_here()

    def sample(self, model, data, options, seed):
        return None

    def evaluate(self, model, tokenizer, source, batch_size, data_dir=None):
        raise ValueError(
            "The text_embedding task has no evaluation yet; export the run "
            "(`kerazoo export RUN_DIR --out DIR`) and compare embeddings, or fine-tune it."
        )

    def export_variants(self, model):
        """`embed` (also the plain export)."""
        return {"embed": embedding_endpoints}

    def export(self, model, tokenizer, out_dir, options, overwrite=False):
        """The `embed` export (`embedding_endpoints`)."""
        return self.export_variant("embed", model, tokenizer, out_dir, options, overwrite)


def embedding_endpoints(model, tokenizer, options=None):
    """The `embed` export of any run with a BERT-style encoder (the model, or its `.backbone`):
    `serving_default`: `texts` (batch,) tf.string -> `embeddings` (batch, hidden_dim), mean
    pooling over the mask, L2-normalised."""
    encoder = getattr(model, "backbone", model)
    return {"serving_default": text_embedding_endpoint(
        encoder, tokenizer, encoder.max_sequence_length)}

register_task(TextEmbeddingTask())
