"""SavedModel endpoints of encoder tasks: raw strings in, the tokenizer and packing in the graph.

Each endpoint tokenizes its strings with the run's tokenizer, packs each as `[CLS] tokens [SEP]`
(cut to the model's position table) and pads the batch to its longest row
(`kerazoo.data.pack_single_segment`), so a client sends text and nothing else. Reloading needs
`tensorflow` and `tensorflow_text` (the WordPiece ops live there).
"""

import tensorflow as tf

from kerazoo.data.encoder_inputs import pack_single_segment, special_token_ids


def text_classification_endpoint(model, tokenizer, sequence_length):
    """`texts` (batch,) tf.string -> class `probabilities` (batch, classes) and `label` names.

    Args:
        model: a classifier with `label_names`, taking the encoder inputs and returning logits.
        tokenizer: its WordPiece tokenizer.
        sequence_length: int, the longest packed input; longer texts are cut.
    """
    special = special_token_ids(tokenizer)
    names = tf.constant(list(model.label_names))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="texts")])
    def classify(texts):
        inputs = pack_single_segment(tokenizer.tokenize(texts), special, sequence_length)
        probabilities = tf.nn.softmax(tf.cast(model(inputs, training=False), tf.float32), axis=-1)
        return {
            "probabilities": probabilities,
            "label": tf.gather(names, tf.argmax(probabilities, axis=-1)),
        }

    return classify


def mean_pooled(sequence_output, padding_mask):
    """The mean of the hidden states over the real tokens of each row, L2-normalised, float32.

    Sentence-transformers' pooling (all-MiniLM-L6-v2): (batch, time, dim) and (batch, time) ->
    (batch, dim) unit vectors.
    """
    hidden = tf.cast(sequence_output, tf.float32)
    mask = tf.cast(padding_mask, tf.float32)[:, :, None]
    summed = tf.reduce_sum(hidden * mask, axis=1)
    counts = tf.maximum(tf.reduce_sum(mask, axis=1), 1e-9)
    return tf.math.l2_normalize(summed / counts, axis=-1, epsilon=1e-12)


def text_embedding_endpoint(backbone, tokenizer, sequence_length):
    """`texts` (batch,) tf.string -> `embeddings` (batch, hidden_dim), one unit vector a text.

    Args:
        backbone: a BERT-style backbone returning `sequence_output` from the encoder inputs.
        tokenizer: its WordPiece tokenizer.
        sequence_length: int, the longest packed input; longer texts are cut.
    """
    special = special_token_ids(tokenizer)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="texts")])
    def embed(texts):
        inputs = pack_single_segment(tokenizer.tokenize(texts), special, sequence_length)
        outputs = backbone(inputs, training=False)
        return {"embeddings": mean_pooled(outputs["sequence_output"], inputs["padding_mask"])}

    return embed
