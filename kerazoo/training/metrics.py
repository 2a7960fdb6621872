"""Language-model metrics."""

import keras
import keras_hub


def perplexity() -> keras.metrics.Metric:
    """Perplexity: `exp` of the mean token cross-entropy since the last reset.

    It sums the loss and counts tokens over every batch of an epoch, then takes
    the exponent once, so the epoch value is `exp(mean token loss)` and not a
    mean of per-batch perplexities (which Jensen's inequality would inflate).

    Returns:
        keras-hub's `Perplexity` on logits, named `"perplexity"`, computing in
        float32.

    Example:

    >>> import numpy as np
    >>> metric = perplexity()
    >>> metric.update_state(np.zeros((2, 3), "int32"),
    ...                     np.zeros((2, 3, 4), "float32"))
    >>> round(float(metric.result()), 4)
    4.0
    """
    return keras_hub.metrics.Perplexity(
        from_logits=True, dtype="float32", name="perplexity"
    )
