"""BertTokenClassifier: a BERT backbone with a token-classification head (NER tagging)."""

import keras

from kerazoo.models.bert_text_classifier import BertTextClassifier


@keras.saving.register_keras_serializable(package="kerazoo")
class BertTokenClassifier(BertTextClassifier):
    """Tags every position of a sequence from BERT's final hidden states.

    `BertTextClassifier`'s head on every position instead of the pooled `[CLS]`: dropout on
    the sequence output, then one dense layer to `len(label_names)` logits per position, as
    BERT's NER fine-tuning (and `BertForTokenClassification`). Which positions carry a label
    (a word's first piece) is the data's business: the loss there has weight 1, elsewhere 0.
    The label names (BIO tags such as `O`, `B-person`, `I-person`) travel with the model, so
    an export can answer with names. The pooler feeds nothing, so it is frozen (not updated,
    and Keras does not warn that it has no gradient).

    Args:
        backbone: a `BertBackbone`.
        label_names: sequence of >= 2 distinct str, one per tag, in the order of the logits.
        dropout: float. Dropout on the sequence output. Defaults to the backbone's.

    Call arguments:
        inputs: the backbone's dict of (batch, time) int32 tensors:
            `token_ids`, `segment_ids`, `padding_mask`.

    Returns:
        (batch, time, len(label_names)) float32 logits.

    Example:
    >>> from kerazoo.models import BertBackbone
    >>> model = BertTokenClassifier(BertBackbone(100, 2, 2, 32, 64, 16), ["O", "B-x", "I-x"])
    >>> ones = keras.ops.ones((2, 10), "int32")
    >>> model({"token_ids": ones, "segment_ids": 0 * ones, "padding_mask": ones}).shape
    TensorShape([2, 10, 3])
    """

    features = "sequence_output"  # (batch, time, hidden_dim)

    def __init__(self, backbone, label_names, dropout=None, **kwargs):
        backbone.pooler.trainable = False
        super().__init__(backbone, label_names, dropout=dropout, **kwargs)
