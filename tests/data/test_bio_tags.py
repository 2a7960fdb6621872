"""Entities of BIO tags and their scores, as conlleval and seqeval count them.

Hand-worked cases cover conlleval's edge cases (an `I-` without its `B-` starts an entity, a
type change ends one); random tag sequences are compared with a line-by-line transcription of
seqeval 1.2.2's `get_entities` (its default, conlleval-compatible mode).
"""

import numpy as np
import pytest
import tensorflow as tf

from kerazoo.data import entity_spans, tag_scheme
from kerazoo.tasks.entity_scores import entity_scores

NAMES = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "E-PER", "S-LOC"]


def entities(*rows):
    """The (row, start, end, type name) entities of rows of tag strings."""
    scheme = tag_scheme(NAMES)
    ids = tf.ragged.constant([[NAMES.index(tag) for tag in row] for row in rows], tf.int32)
    found = zip(*(tensor.numpy().tolist() for tensor in entity_spans(ids, scheme)))
    return [(row, start, end, scheme.type_names[kind]) for row, start, end, kind in found]


@pytest.mark.parametrize("tags, expected", [
    (["B-PER", "I-PER", "O", "B-LOC"], [(0, 1, "PER"), (3, 3, "LOC")]),
    # An I- without its B- starts an entity.
    (["O", "I-PER", "I-PER", "O"], [(1, 2, "PER")]),
    (["I-LOC"], [(0, 0, "LOC")]),
    # A type change ends one entity and starts another.
    (["B-PER", "I-LOC", "I-LOC"], [(0, 0, "PER"), (1, 2, "LOC")]),
    (["I-PER", "I-LOC"], [(0, 0, "PER"), (1, 1, "LOC")]),
    # B after B or I starts a new entity of the same type.
    (["B-PER", "B-PER", "I-PER"], [(0, 0, "PER"), (1, 2, "PER")]),
    # IOBES: E ends, S stands alone.
    (["B-PER", "E-PER", "I-PER", "S-LOC", "S-LOC"],
     [(0, 1, "PER"), (2, 2, "PER"), (3, 3, "LOC"), (4, 4, "LOC")]),
    (["O", "O"], []),
    ([], []),
])
def test_entities_follow_conllevals_rules(tags, expected):
    assert entities(tags) == [(0, *entity) for entity in expected]


def test_an_entity_ending_a_row_does_not_run_into_the_next():
    assert entities(["O", "B-PER"], ["I-PER", "O"], []) == [
        (0, 1, 1, "PER"), (1, 0, 0, "PER")]


def seqeval_get_entities(seq):
    """seqeval 1.2.2 `get_entities` (default mode), transcribed as the reference."""
    def end_of_chunk(prev_tag, tag, prev_type, type_):
        return (prev_tag in ("E", "S") or (prev_tag == "B" and tag in ("B", "S", "O"))
                or (prev_tag == "I" and tag in ("B", "S", "O"))
                or (prev_tag != "O" and prev_tag != "." and prev_type != type_))

    def start_of_chunk(prev_tag, tag, prev_type, type_):
        return (tag in ("B", "S") or (prev_tag in ("E", "S", "O") and tag in ("E", "I"))
                or (tag != "O" and tag != "." and prev_type != type_))

    prev_tag, prev_type, begin, chunks = "O", "", 0, []
    for i, chunk in enumerate(seq + ["O"]):
        tag, type_ = chunk[0], chunk[1:].split("-", maxsplit=1)[-1] or "_"
        if end_of_chunk(prev_tag, tag, prev_type, type_):
            chunks.append((prev_type, begin, i - 1))
        if start_of_chunk(prev_tag, tag, prev_type, type_):
            begin = i
        prev_tag, prev_type = tag, type_
    return chunks


def test_random_tag_sequences_match_seqeval():
    rng = np.random.default_rng(0)
    rows = [list(rng.choice(NAMES, size=rng.integers(0, 12))) for _ in range(300)]
    found = entities(*rows)
    for index, row in enumerate(rows):
        expected = [(start, end, kind) for kind, start, end in seqeval_get_entities(row)]
        assert [(s, e, k) for r, s, e, k in found if r == index] == expected, row


def scores(true_rows, predicted_rows, names=("O", "B-PER", "I-PER", "B-LOC", "I-LOC")):
    names = list(names)

    def ids(rows):
        return tf.ragged.constant([[names.index(tag) for tag in row] for row in rows], tf.int32)

    return entity_scores(ids(true_rows), ids(predicted_rows), names)


def test_scores_count_exact_entities_only():
    true = [["B-PER", "I-PER", "O", "B-LOC"], ["B-LOC", "O"]]
    predicted = [["B-PER", "O", "O", "B-LOC"], ["I-LOC", "B-PER"]]
    # True: PER(0-1), LOC(3), LOC(row 1, 0). Predicted: PER(0), LOC(3), LOC(row 1, 0),
    # PER(row 1, 1). Correct: LOC(3) and the I-LOC that starts an entity in row 1.
    result = scores(true, predicted)
    assert (result["entities"], result["predicted_entities"], result["correct_entities"]) == (
        3, 4, 2)
    assert result["precision"] == pytest.approx(2 / 4)
    assert result["recall"] == pytest.approx(2 / 3)
    assert result["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert result["f1_LOC"] == pytest.approx(1.0)
    assert result["f1_PER"] == 0.0
    assert result["accuracy"] == pytest.approx(3 / 6)  # Tags equal at 3 of 6 words.


def test_no_predicted_entity_scores_zero_not_an_error():
    result = scores([["B-PER"]], [["O"]])
    assert (result["precision"], result["recall"], result["f1"]) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("names, problem", [
    (["B-PER", "I-PER"], "lack 'O'"),
    (["O", "PER"], "not BIO tags"),
    (["O", "B-"], "not BIO tags"),
])
def test_tags_that_are_not_bio_are_refused(names, problem):
    with pytest.raises(ValueError, match=problem):
        tag_scheme(names)
