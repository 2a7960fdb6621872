"""ElmoBidirectionalLM: an `ElmoBackbone` with its shared-softmax bidirectional LM head."""

import keras

from kerazoo.layers.bidirectional_lm_head import BidirectionalLMHead
from kerazoo.models.task_model import TaskModel


@keras.saving.register_keras_serializable(package="kerazoo")
class ElmoBidirectionalLM(TaskModel):
    """ELMo's pretraining model: the forward LM predicts the next word, the backward the previous.

    Both read the top layer of the backbone and share one softmax
    (`BidirectionalLMHead`). Train it on `<S> words </S>` sequences with
    targets `(batch, time, 2)`: `[..., 0]` the next word's id, `[..., 1]` the
    previous word's (the `bidirectional_lm` task makes them, with weight 0
    where there is none).

    Args:
        backbone: an `ElmoBackbone`.
        vocabulary_size: int, the words of the softmax.

    Call arguments:
        character_ids: (batch, time, max_characters) int32.

    Returns:
        (batch, time, 2, vocabulary_size) float32 logits.

    Example:
    >>> from kerazoo.models import ElmoBackbone
    >>> backbone = ElmoBackbone(((1, 8),), 1, 8, 1, 16, max_characters=10)
    >>> ElmoBidirectionalLM(backbone, 30)(keras.ops.ones((2, 4, 10), "int32")).shape
    TensorShape([2, 4, 2, 30])
    """

    def __init__(self, backbone, vocabulary_size, **kwargs):
        head = BidirectionalLMHead(vocabulary_size, dtype=backbone.dtype_policy, name="head")
        # Logits and loss in float32 under mixed precision.
        to_float32 = keras.layers.Activation("linear", dtype="float32", name="logits")
        character_ids = backbone.input
        logits = to_float32(head(backbone(character_ids)))
        super().__init__(inputs=character_ids, outputs=logits, **kwargs)
        self.dtype_policy = backbone.dtype_policy
        self.backbone = backbone
        self.head = head
        self.vocabulary_size = vocabulary_size

    def task_config(self):
        return {"vocabulary_size": self.vocabulary_size}

    @property
    def max_sequence_length(self):
        """Words per training sequence (the backbone's)."""
        return self.backbone.max_sequence_length
