import pytest

from kerazoo.tasks.text_metrics import rouge_scores, translation_scores


def test_rouge_matches_hand_worked_counts():
    # Unigrams: 5 of 6 match both ways; bigrams: 3 of 5 ("the cat", "on the",
    # "the mat"); longest common subsequence "the cat on the mat": 5 of 6.
    scores = rouge_scores(["the cat sat on the mat", "a dog"],
                          ["the cat was on the mat", "a dog"])
    assert scores["sentences"] == 2
    assert scores["rouge1"] == pytest.approx(100 * (5 / 6 + 1) / 2)
    assert scores["rouge2"] == pytest.approx(100 * (3 / 5 + 1) / 2)
    assert scores["rougeL"] == pytest.approx(100 * (5 / 6 + 1) / 2)
    # Stemming matches "running" with "runs"; without it they differ.
    assert rouge_scores(["dogs running"], ["dog runs"])["rouge1"] == pytest.approx(100.0)
    assert rouge_scores(["dogs running"], ["dog runs"], use_stemmer=False)["rouge1"] == 0.0


def test_tokenized_bleu_ignores_case_and_spacing_that_detokenized_bleu_counts():
    hypotheses = ["A man rides a red bike down the street."]
    references = ["a man rides a red bike down the street ."]
    scores = translation_scores(hypotheses, references)
    assert scores["tokenized_bleu"] == pytest.approx(100.0)
    assert scores["bleu"] < 90.0 and scores["chrf"] < 100.0
    assert "tok:13a" in scores["bleu_signature"] and scores["sentences"] == 1
    exact = translation_scores(references, references)
    assert exact["bleu"] == pytest.approx(100.0) and exact["chrf"] == pytest.approx(100.0)


def test_scoring_needs_one_reference_per_hypothesis():
    with pytest.raises(ValueError, match="2 hypotheses and 1 references"):
        translation_scores(["a", "b"], ["a"])
    with pytest.raises(TypeError, match="lists of str"):
        rouge_scores("a b", "a b")
