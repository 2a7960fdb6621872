"""BertTextClassifier: a BERT backbone with a sequence-classification head on the pooled output."""

import keras
from keras import ops

from kerazoo.models.task_model import TaskModel
from kerazoo.utils.checks import check_real


@keras.saving.register_keras_serializable(package="kerazoo")
class BertTextClassifier(TaskModel):
    """Classifies a sequence (or sequence pair) from BERT's pooled `[CLS]` output.

    Dropout on the pooled output, then one dense layer to `len(label_names)`
    logits, as BERT's fine-tuning (and `BertForSequenceClassification`).
    The label names travel with the model (its config), so an export can
    answer with names and a reloaded run knows its classes.

    Args:
        backbone: a `BertBackbone`.
        label_names: sequence of >= 2 distinct str, one per class, in the
            order of the logits.
        dropout: float. Dropout on the pooled output. Defaults to the
            backbone's.

    Call arguments:
        inputs: the backbone's dict of (batch, time) int32 tensors:
            `token_ids`, `segment_ids`, `padding_mask`.

    Returns:
        (batch, len(label_names)) float32 logits.

    Example:
    >>> from kerazoo.models import BertBackbone
    >>> model = BertTextClassifier(BertBackbone(100, 2, 2, 32, 64, 16), ["neg", "pos"])
    >>> ones = keras.ops.ones((2, 10), "int32")
    >>> model({"token_ids": ones, "segment_ids": 0 * ones, "padding_mask": ones}).shape
    TensorShape([2, 2])
    """

    # The backbone output the head classifies.
    features = "pooled_output"

    def __init__(self, backbone, label_names, dropout=None, **kwargs):
        label_names = [str(name) for name in label_names]
        if len(label_names) < 2 or len(set(label_names)) != len(label_names):
            raise ValueError(
                f"`label_names` must hold at least 2 distinct names, got {label_names}."
            )
        dropout = backbone.dropout if dropout is None else dropout
        check_real("dropout", dropout, low=0.0, high=1.0)
        # === Layers ===
        self.output_dropout = keras.layers.Dropout(
            dropout, dtype=backbone.dtype_policy, name="output_dropout"
        )
        self.output_dense = keras.layers.Dense(
            len(label_names),
            kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.02),
            dtype=backbone.dtype_policy,
            name="logits",
        )
        # === Functional model ===
        inputs = backbone.input
        features = backbone(inputs)[self.features]
        logits = ops.cast(self.output_dense(self.output_dropout(features)), "float32")
        super().__init__(inputs=inputs, outputs=logits, **kwargs)
        # The backbone's policy, so `compile` wraps the optimizer for loss
        # scaling under mixed_float16.
        self.dtype_policy = backbone.dtype_policy
        # === Config ===
        self.backbone = backbone
        self.label_names = label_names
        self.dropout = dropout

    @property
    def num_classes(self):
        return len(self.label_names)

    @property
    def max_sequence_length(self):
        return self.backbone.max_sequence_length

    def task_config(self):
        return {"label_names": list(self.label_names), "dropout": self.dropout}
