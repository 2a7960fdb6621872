"""Metrics of the tasks: language models, masked language models, classifiers."""

import keras
import keras_hub
import numpy as np


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


def masked_lm_accuracy() -> keras.metrics.Metric:
    """Accuracy of the predicted token at the masked positions.

    With the masked-LM data's sample weights (`mask_weights`), padded
    selections do not count.
    """
    return keras.metrics.SparseCategoricalAccuracy(name="masked_lm_accuracy", dtype="float32")


def classification_scores(true_ids, predicted_ids, num_classes) -> dict:
    """Accuracy, and precision, recall and F1: binary and macro-averaged.

    Binary scores take class 1 as the positive class (SST-2's "positive"),
    as scikit-learn's `average="binary"` does, and are reported for two
    classes only. Macro scores average each class's score; a class never
    predicted (or never present) has precision (recall) 0, as scikit-learn's
    `zero_division=0`.

    Args:
        true_ids: (examples,) int class ids.
        predicted_ids: (examples,) int class ids.
        num_classes: int >= 2.

    Returns:
        dict of floats `accuracy`, `macro_precision`, `macro_recall`,
        `macro_f1`, and for two classes `precision`, `recall`, `f1`; and
        `examples`, an int.

    Example:

    >>> scores = classification_scores([1, 1, 0, 0], [1, 0, 0, 0], 2)
    >>> scores["accuracy"], round(scores["precision"], 3), scores["recall"]
    (0.75, 1.0, 0.5)
    """
    true_ids = np.asarray(true_ids, np.int64)
    predicted_ids = np.asarray(predicted_ids, np.int64)
    precisions, recalls, f1s = [], [], []
    for label in range(num_classes):
        true_positive = np.sum((predicted_ids == label) & (true_ids == label))
        predicted = np.sum(predicted_ids == label)
        actual = np.sum(true_ids == label)
        precision = true_positive / predicted if predicted else 0.0
        recall = true_positive / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        precisions.append(float(precision))
        recalls.append(float(recall))
        f1s.append(float(f1))
    scores = {"accuracy": float(np.mean(true_ids == predicted_ids)) if true_ids.size else 0.0}
    if num_classes == 2:
        scores.update(precision=precisions[1], recall=recalls[1], f1=f1s[1])
    scores.update(
        macro_precision=float(np.mean(precisions)),
        macro_recall=float(np.mean(recalls)),
        macro_f1=float(np.mean(f1s)),
        examples=int(true_ids.size),
    )
    return scores
