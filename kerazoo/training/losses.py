"""The causal language-modelling loss."""

import keras


def causal_lm_loss() -> keras.losses.Loss:
    """Cross-entropy of next-token logits, averaged over every token.

    The loss is the mean over all `batch * time` positions, so its scale (and
    with it the right learning rate) does not change with batch size or
    sequence length: learning rates in kerazoo are per-token-mean rates. Under
    a distribution strategy keras divides by the global token count, so the
    mean is over the global batch.

    It computes in float32 whatever the dtype of the logits, because a float16
    log-softmax over a large vocabulary loses the small probabilities that the
    loss depends on.

    Returns:
        A loss taking `y_true` int token ids `(batch, time)` and `y_pred`
        logits `(batch, time, vocab)`, returning a float32 scalar.

    Example:

    >>> import numpy as np
    >>> logits = np.zeros((2, 3, 4), "float32")
    >>> round(float(causal_lm_loss()(np.zeros((2, 3), "int32"), logits)), 4)
    1.3863
    """
    return keras.losses.SparseCategoricalCrossentropy(
        from_logits=True,
        reduction="sum_over_batch_size",
        dtype="float32",
        name="causal_lm_loss",
    )
