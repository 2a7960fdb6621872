"""Next-sentence pairs: the 50/50 draw, true next sentences, packing and segment ids, masks."""

import numpy as np
import pytest

from kerazoo.data.next_sentence import (
    IS_NEXT,
    NOT_NEXT,
    document_sentences,
    next_sentence_dataset,
    next_sentence_datasets,
    next_sentence_pairs,
)
from tests.data.test_bert_data import SPECIAL

WIDTH = 3  # tokens per sentence in `numbered_documents`


def numbered_documents(documents=20, sentences=30):
    """Documents whose sentence number g (counted over the corpus) is tokens 10 + 3g + (0, 1, 2)."""
    return [[np.arange(10 + WIDTH * g, 10 + WIDTH * (g + 1), dtype=np.int32)
             for g in range(d * sentences, (d + 1) * sentences)] for d in range(documents)]


def sentence_numbers(segment):
    """The numbers of the whole sentences a segment is made of."""
    numbers = [int(g) for g in (np.asarray(segment)[::WIDTH] - 10) // WIDTH]
    whole = np.concatenate([np.arange(10 + WIDTH * g, 10 + WIDTH * (g + 1)) for g in numbers])
    np.testing.assert_array_equal(segment, whole)
    return numbers


def test_document_sentences_are_lines_and_blank_lines_end_documents():
    text = "First one.\nSecond one.\n\n  \nThird, alone.\n"
    assert document_sentences([text, "Another file.\nTwo lines."]) == [
        ["First one.", "Second one."], ["Third, alone."], ["Another file.", "Two lines."]]


def test_half_the_pairs_are_true_next_sentences_and_those_follow_a_in_its_document():
    pairs = next_sentence_pairs(numbered_documents(500), 32, np.random.default_rng(0))
    labels = pairs.labels
    # A takes 4 sentences (12 of its 14 tokens), B 5 more (15 of 17): 4 pairs a document.
    assert len(labels) == 500 * 4
    assert set(labels) == {IS_NEXT, NOT_NEXT}
    assert np.mean(labels == IS_NEXT) == pytest.approx(0.5, abs=0.03)  # 2.7 sigma
    for first, second, label in zip(pairs.first, pairs.second, labels):
        a, b = sentence_numbers(first), sentence_numbers(second)
        assert len(first) + len(second) <= 32 - 3
        # A and B are each runs of consecutive sentences of one document.
        assert a == list(range(a[0], a[-1] + 1)) and b == list(range(b[0], b[-1] + 1))
        assert a[0] // 30 == a[-1] // 30 and b[0] // 30 == b[-1] // 30
        if label == IS_NEXT:
            assert b[0] == a[-1] + 1 and b[0] // 30 == a[0] // 30
        else:
            assert b[0] != a[-1] + 1


def test_pairs_are_drawn_from_the_seed():
    one, two = (next_sentence_pairs(numbered_documents(4, 10), 16, np.random.default_rng(3))
                for _ in range(2))
    np.testing.assert_array_equal(one.labels, two.labels)
    assert all((a == b).all() for a, b in zip(one.second, two.second))


@pytest.mark.parametrize("fixed_masks", [False, True], ids=["keras_hub", "fixed"])
def test_batches_pack_cls_a_sep_b_sep_with_segment_ids_0_then_1(fixed_masks):
    pairs = next_sentence_pairs(numbered_documents(3, 12), 24, np.random.default_rng(1))
    dataset = next_sentence_dataset(pairs, 200, SPECIAL, 24, batch_size=8, seed=0,
                                    fixed_masks=fixed_masks)
    row = 0
    for inputs, targets, weights in dataset:
        np.testing.assert_array_equal(targets["next_sentence"], pairs.labels[row:row + 8])
        np.testing.assert_array_equal(weights["next_sentence"], 1.0)
        token_ids, segment_ids = inputs["token_ids"].numpy(), inputs["segment_ids"].numpy()
        for tokens, segments, positions, slots, ids in zip(
                token_ids, segment_ids, inputs["mask_positions"].numpy(),
                weights["masked_lm"].numpy(), targets["masked_lm"].numpy()):
            a, b = len(pairs.first[row]), len(pairs.second[row])
            assert tokens[0] == SPECIAL["cls"] and tokens[a + 1] == tokens[a + b + 2] == 2
            np.testing.assert_array_equal(segments[:a + 2], 0)
            np.testing.assert_array_equal(segments[a + 2:a + b + 3], 1)
            np.testing.assert_array_equal(tokens[a + b + 3:], SPECIAL["pad"])
            np.testing.assert_array_equal(inputs["padding_mask"].numpy()[row % 8],
                                          np.arange(24) < a + b + 3)
            original = np.concatenate([[1], pairs.first[row], [2], pairs.second[row], [2]])
            chosen = positions[slots > 0]
            assert len(chosen) == np.ceil(0.15 * (a + b))
            assert not set(chosen) & {0, a + 1, a + b + 2}
            np.testing.assert_array_equal(ids[slots > 0], original[chosen])
            row += 1
    assert row == len(pairs.labels)


def test_validation_pairs_keep_their_masks_and_training_batches_are_full():
    datasets = next_sentence_datasets(numbered_documents(6, 20), 100, SPECIAL, 20, 4, seed=2)
    first = [x["mask_positions"].numpy() for x, _, _ in datasets.validation]
    second = [x["mask_positions"].numpy() for x, _, _ in datasets.validation]
    assert first and all((a == b).all() for a, b in zip(first, second))
    for inputs, targets, _ in datasets.train.take(3):
        assert inputs["token_ids"].shape == (4, 20) and targets["next_sentence"].shape == (4,)


def test_bad_inputs_are_refused_clearly():
    with pytest.raises(ValueError, match="at least two sentences"):
        next_sentence_pairs([[np.array([5, 6])], [np.array([7])]], 16, np.random.default_rng(0))
    with pytest.raises(ValueError, match="`sequence_length` must be at least 5, got 4"):
        next_sentence_pairs(numbered_documents(1, 4), 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="fewer than one batch of 64"):
        next_sentence_datasets(numbered_documents(1, 8), 100, SPECIAL, 16, 64)
