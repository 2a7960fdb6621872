"""Exact match and F1 of extractive QA answers, as SQuAD v1.1's official `evaluate-v1.1.py`.

Both compare normalised answers: lowercased, ASCII punctuation (Python's `string.punctuation`)
removed, the articles "a", "an", "the" removed as whole words, whitespace collapsed. Exact match
is 1 when the normalised strings are equal; F1 is the harmonic mean of precision and recall of
the normalised answers' words (counted with repeats). A question scores its best over its gold
answers; the totals are means in percent.
"""

import collections
import re
import string

_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(text):
    """SQuAD's answer normalisation: lower, strip punctuation, then articles, squash spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction, gold):
    """1.0 when the normalised `prediction` equals the normalised `gold`, else 0.0."""
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1(prediction, gold):
    """Word-overlap F1 of the normalised answers (0.0 when they share no word)."""
    predicted, expected = normalize_answer(prediction).split(), normalize_answer(gold).split()
    common = collections.Counter(predicted) & collections.Counter(expected)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(expected)
    return 2 * precision * recall / (precision + recall)


def squad_scores(predictions, gold_answers):
    """Mean exact match and F1 in percent over questions, each the best over its gold answers.

    Args:
        predictions: list of str, one predicted answer per question.
        gold_answers: list (same length) of non-empty sequences of str.

    Returns:
        dict: `exact_match` and `f1` (percent), `questions` (int).

    Raises:
        ValueError: the lists differ in length, or a question has no gold answer.
    """
    if len(predictions) != len(gold_answers):
        raise ValueError(
            f"{len(predictions)} predictions for {len(gold_answers)} questions; give one each."
        )
    if any(len(answers) == 0 for answers in gold_answers):
        raise ValueError("Every question needs at least one gold answer.")
    count = max(len(predictions), 1)
    em = sum(max(exact_match(p, g) for g in golds) for p, golds in zip(predictions, gold_answers))
    overlap = sum(max(f1(p, g) for g in golds) for p, golds in zip(predictions, gold_answers))
    return {"exact_match": 100.0 * em / count, "f1": 100.0 * overlap / count,
            "questions": len(predictions)}
