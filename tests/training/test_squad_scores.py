"""Exact match and F1 as SQuAD v1.1's official script counts them, on hand-worked cases."""

import pytest

from kerazoo.training.squad_scores import exact_match, f1, normalize_answer, squad_scores


@pytest.mark.parametrize("text, normalised", [
    ("The Denver Broncos", "denver broncos"),
    ("  an   Apple, a day!", "apple day"),
    ("theory of the case", "theory of case"),     # "the" only as a whole word: "theory" stays
    ("U.S.-based", "usbased"),                   # punctuation removed, not replaced by spaces
    ("A", ""),
    ("“quoted”", "“quoted”"),                    # curly quotes are not string.punctuation
])
def test_normalisation(text, normalised):
    assert normalize_answer(text) == normalised


def test_exact_match_ignores_case_articles_and_punctuation():
    assert exact_match("the Broncos.", "Broncos") == 1.0
    assert exact_match("Denver Broncos", "Broncos") == 0.0


def test_f1_by_hand():
    # prediction words {denver, broncos, team}, gold {broncos}: P = 1/3, R = 1 -> F1 = 0.5.
    assert f1("the Denver Broncos team", "Broncos") == pytest.approx(0.5)
    # "x y y" vs "y y z": common = {y: 2}; P = 2/3, R = 2/3 -> 2/3.
    assert f1("x y y", "y y z") == pytest.approx(2 / 3)
    assert f1("nothing", "else entirely") == 0.0
    assert f1("the", "an") == 0.0  # both normalise to nothing: no common word


def test_scores_take_the_best_gold_answer_and_average_in_percent():
    scores = squad_scores(
        ["Denver Broncos", "1905", "in the year 1905"],
        [["Broncos", "Denver Broncos"], ["1906"], ["1905"]],
    )
    # EM: 1, 0, 0 -> 33.33; F1: 1, 0, 2*(1/3*1)/(1/3+1) = 0.5 -> 50.
    assert scores["exact_match"] == pytest.approx(100 / 3)
    assert scores["f1"] == pytest.approx(50.0)
    assert scores["questions"] == 3


def test_mismatched_lists_are_a_clear_error():
    with pytest.raises(ValueError, match="2 predictions for 1 questions"):
        squad_scores(["a", "b"], [["a"]])
    with pytest.raises(ValueError, match="at least one gold answer"):
        squad_scores(["a"], [[]])
