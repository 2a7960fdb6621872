"""BertSpanExtractor: a BERT backbone with start and end logits per token, for extractive QA."""

import keras
from keras import ops

from kerazoo.models.task_model import TaskModel

# Added to the logits of padding positions, so no answer starts or ends there.
_PADDING_LOGIT = -1e9


@keras.saving.register_keras_serializable(package="kerazoo")
class BertSpanExtractor(TaskModel):
    """Scores every token as the start and as the end of an answer span, as BERT on SQuAD.

    One dense layer (`BertForQuestionAnswering`'s `qa_outputs`) maps each final hidden state to
    two logits. They are returned as (batch, 2, time), start logits first, so each row is one
    softmax over positions: `SparseCategoricalCrossentropy` against (batch, 2) gold
    `[start, end]` positions is the mean of BERT's start and end cross-entropies. Padding
    positions get a logit of -1e9.

    Args:
        backbone: a `BertBackbone`.

    Call arguments:
        inputs: the backbone's dict of (batch, time) int32 tensors: `token_ids`, `segment_ids`
            (0 for `[CLS] question [SEP]`, 1 for `context [SEP]`), `padding_mask`.

    Returns:
        (batch, 2, time) float32 logits: `[:, 0]` of the start, `[:, 1]` of the end.

    Example:
    >>> from kerazoo.models import BertBackbone
    >>> model = BertSpanExtractor(BertBackbone(100, 2, 2, 32, 64, 16))
    >>> ones = keras.ops.ones((2, 10), "int32")
    >>> model({"token_ids": ones, "segment_ids": 0 * ones, "padding_mask": ones}).shape
    TensorShape([2, 2, 10])
    """

    def __init__(self, backbone, **kwargs):
        # === Layers ===
        self.span_dense = keras.layers.Dense(
            2,
            kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.02),
            dtype=backbone.dtype_policy,
            name="span_logits",
        )
        # === Functional model ===
        inputs = backbone.input
        hidden = backbone(inputs)["sequence_output"]
        logits = ops.transpose(ops.cast(self.span_dense(hidden), "float32"), (0, 2, 1))
        padding = ops.cast(ops.equal(inputs["padding_mask"], 0), "float32")[:, None, :]
        logits = logits + padding * _PADDING_LOGIT  # (batch, 2, time)
        super().__init__(inputs=inputs, outputs=logits, **kwargs)
        # The backbone's policy, so `compile` wraps the optimizer for loss scaling.
        self.dtype_policy = backbone.dtype_policy
        # === Config ===
        self.backbone = backbone

    @property
    def max_sequence_length(self):
        return self.backbone.max_sequence_length
