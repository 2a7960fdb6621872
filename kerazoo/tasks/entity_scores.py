"""Entity-level precision, recall and F1 of BIO tagging, counted as conlleval and seqeval count.

An entity is (sentence, first word, last word, type), delimited by
`kerazoo.data.bio_tags.entity_spans` (conlleval's rules). A predicted entity is correct only
when a true entity has the same boundaries and type. Precision is correct / predicted, recall
correct / true, F1 their harmonic mean, each 0 when its denominator is 0 (as seqeval's
`zero_division=0` and conlleval report).
"""

import numpy as np

from kerazoo.data.bio_tags import entity_spans, tag_scheme


def _ratios(correct, predicted, true):
    precision = correct / predicted if predicted else 0.0
    recall = correct / true if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return float(precision), float(recall), float(f1)


def entity_scores(true_ids, predicted_ids, label_names):
    """Entity precision, recall and F1 overall and per type, and word accuracy.

    Args:
        true_ids: (sentences, None) int `tf.RaggedTensor` of tag ids into `label_names`.
        predicted_ids: the same shape, the predicted tag ids.
        label_names: the tags, e.g. `["O", "B-person", "I-person"]`.

    Returns:
        dict: `precision`, `recall`, `f1`, `accuracy` (of the tags of all words), `entities`
        (true), `predicted_entities`, `correct_entities`, `sentences`, and `f1_TYPE` for each
        entity type.

    Example:
    >>> import tensorflow as tf
    >>> names = ["O", "B-person", "I-person"]
    >>> true = tf.ragged.constant([[1, 2, 0, 1]])
    >>> scores = entity_scores(true, tf.ragged.constant([[1, 2, 0, 0]]), names)
    >>> scores["precision"], scores["recall"]
    (1.0, 0.5)
    """
    scheme = tag_scheme(label_names)

    def spans(ids):
        return set(zip(*(tensor.numpy().tolist() for tensor in entity_spans(ids, scheme))))

    true, predicted = spans(true_ids), spans(predicted_ids)
    correct = true & predicted
    precision, recall, f1 = _ratios(len(correct), len(predicted), len(true))
    words_true = true_ids.flat_values.numpy()
    words_predicted = predicted_ids.flat_values.numpy()
    scores = {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "accuracy": float(np.mean(words_true == words_predicted)) if words_true.size else 0.0,
        "entities": len(true),
        "predicted_entities": len(predicted),
        "correct_entities": len(correct),
        "sentences": int(true_ids.nrows()),
    }
    for type_id, name in enumerate(scheme.type_names):
        def of_type(entities):
            return {entity for entity in entities if entity[3] == type_id}

        scores[f"f1_{name}"] = _ratios(len(of_type(correct)), len(of_type(predicted)),
                                       len(of_type(true)))[2]
    return scores
