"""Label-smoothed cross-entropy ("Rethinking the Inception Architecture", the Transformer's)."""

import keras
from keras import ops

from kerazoo.utils.checks import check_real


@keras.saving.register_keras_serializable(package="kerazoo")
class LabelSmoothedCrossEntropy(keras.losses.Loss):
    """Cross-entropy against `(1 - smoothing) * one_hot + smoothing / vocabulary`.

    Per token, `(1 - smoothing) * -log p(label) + smoothing * mean_v(-log p(v))`,
    computed from integer labels (no one-hot tensor) in float32. The mean is
    over the tokens whose sample weight is non-zero (`"mean_with_sample_weight"`),
    so padding weighted 0 neither counts nor dilutes the loss.

    Args:
        smoothing: float in [0, 1). 0 is plain cross-entropy. Defaults to
            0.1, the Transformer paper's.
        name: the loss's name.

    Call arguments:
        y_true: (batch, time) int token ids.
        y_pred: (batch, time, vocabulary) logits.
        sample_weight: (batch, time), 0 on padding.

    Example:
    >>> import numpy as np
    >>> loss = LabelSmoothedCrossEntropy(0.1)
    >>> round(float(loss(np.zeros((1, 2), "int32"), np.zeros((1, 2, 4), "float32"))), 4)
    1.3863
    """

    def __init__(self, smoothing=0.1, name="label_smoothed_cross_entropy", **kwargs):
        kwargs.pop("reduction", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, reduction="mean_with_sample_weight", dtype="float32",
                         **kwargs)
        self.smoothing = check_real("smoothing", smoothing, low=0.0, high=1.0)

    def call(self, y_true, y_pred):
        log_probs = ops.log_softmax(ops.cast(y_pred, "float32"), axis=-1)
        vocabulary = ops.shape(log_probs)[-1]
        # The smoothed target distribution as one dense product: picking the
        # label's log-probability with a gather instead costs a scatter of
        # the whole (batch, time, vocabulary) gradient, about twice the time.
        target = ops.one_hot(ops.cast(y_true, "int32"), vocabulary) * (1.0 - self.smoothing)
        target = target + self.smoothing / ops.cast(vocabulary, "float32")
        return -ops.sum(target * log_probs, axis=-1)

    def get_config(self):
        return {"smoothing": self.smoothing, "name": self.name}
