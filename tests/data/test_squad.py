"""SQuAD-format QA data: the shipped XQuAD split by article, packing, striding, offsets, spans."""

import json

import numpy as np
import pytest
import tensorflow as tf

from kerazoo.data import read_squad, span_dataset, span_features, special_token_ids
from kerazoo.data import train_word_piece
from kerazoo.data.answer_spans import best_spans, context_windows
from kerazoo.data.squad import QAExample
from kerazoo.training.squad_scores import normalize_answer


@pytest.fixture(scope="module")
def tokenizer():
    texts = [e.context for e in read_squad("xquad-en")[:80]]
    return train_word_piece(texts, 400, lowercase=True)


def answers_of_gold_spans(features, examples):
    """The text each question's gold positions cut from its context (as evaluation cuts it)."""
    from kerazoo.tasks.span_qa import _answer_text

    found = {}
    for row, (start, end) in enumerate(features.spans):
        if start:
            index = features.example_index[row]
            found[index] = _answer_text(features, row, start, end, examples[index])
    return found


def test_xquad_splits_by_article_without_overlap():
    train, test, every = (read_squad(f"xquad-en{split}") for split in (":train", ":test", ""))
    assert (len(train), len(test), len(every)) == (925, 265, 1190)
    assert not {e.article for e in train} & {e.article for e in test}
    assert {e.context for e in train}.isdisjoint({e.context for e in test})
    assert test[0].article == "Yuan_dynasty" and test[-1].article == "Force"
    first = every[0]
    assert first.context[first.answer_start:].startswith(first.answers[0])


def test_bad_sources_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="Unknown split 'dev' of xquad-en"):
        read_squad("xquad-en:dev")
    with pytest.raises(ValueError, match="does not exist"):
        read_squad(tmp_path / "missing.json")
    record = {"data": [{"title": "t", "paragraphs": [{"context": "The cat sat.", "qas": [
        {"id": "q1", "question": "Who sat?", "answers": [{"text": "dog", "answer_start": 4}]}]}]}]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(record))
    with pytest.raises(ValueError, match="'dog' is not at its answer_start 4"):
        read_squad(path)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="is not a SQuAD JSON file"):
        read_squad(path)


def test_packing_is_cls_question_sep_context_sep_with_segments(tokenizer):
    example = QAExample("q", "a", "Who sat?", "The cat sat on the mat.", ("The cat",), 0)
    special = special_token_ids(tokenizer)
    features = span_features([example], tokenizer, special, 64, 16)
    ids, segments = features.token_ids[0], features.segment_ids[0]
    question, context = tokenizer.tokenize(["Who sat?", example.context])
    question, context = list(question), list(context)
    assert ids.tolist() == ([special["cls"]] + question + [special["sep"]] + context
                            + [special["sep"]])
    assert segments.tolist() == [0] * (len(question) + 2) + [1] * (len(context) + 1)
    assert features.context_position[0] == len(question) + 2
    assert answers_of_gold_spans(features, [example]) == {0: "The cat"}


def test_long_contexts_are_read_in_strided_windows(tokenizer):
    examples = read_squad("xquad-en")[:74]  # Super_Bowl_50: contexts up to ~250 pieces
    special = special_token_ids(tokenizer)
    features = span_features(examples, tokenizer, special, 96, 32)
    assert max(len(row) for row in features.token_ids) <= 96
    assert len(features.spans) > len(examples)
    for index in range(len(examples)):
        rows = np.flatnonzero(features.example_index == index)
        starts = features.window_start[rows]
        np.testing.assert_array_equal(starts, 32 * np.arange(len(rows)))
        # The windows reach the last piece of the context, and only the last one does.
        ends = starts + features.window_length[rows]
        assert ends[-1] == len(features.piece_starts[index]) and np.all(ends[:-1] < ends[-1])
        # Every question is labelled in at least one window (its answer fits in 96 - 3).
        assert np.any(features.spans[rows, 0] > 0)
    labelled = features.spans[:, 0] > 0
    assert np.all(features.spans[~labelled] == 0)
    assert np.all(features.spans[labelled, 1] >= features.spans[labelled, 0])


def test_gold_spans_cut_the_gold_answers_back_out_of_the_contexts(tokenizer):
    examples = read_squad("xquad-en")[:120]
    # Windows of ~100 pieces every 32: each answer (< 68 pieces here) fits whole in one.
    features = span_features(examples, tokenizer, special_token_ids(tokenizer), 128, 32)
    found = answers_of_gold_spans(features, examples)
    assert len(found) == len(examples)
    # Whole words: a gold answer that ends inside a word is the only way to differ.
    same = [normalize_answer(found[i]) == normalize_answer(e.answers[0])
            for i, e in enumerate(examples)]
    assert np.mean(same) >= 0.98
    assert found[0] == examples[0].answers[0]


def test_dataset_batches_by_length_and_keeps_every_window(tokenizer):
    examples = read_squad("xquad-en")[:40]
    special = special_token_ids(tokenizer)
    features = span_features(examples, tokenizer, special, 128, 64)
    dataset = span_dataset(features, special, 128, 8)
    batches = list(dataset)
    assert len(batches) == dataset.cardinality().numpy()
    assert sum(int(spans.shape[0]) for _, spans in batches) == len(features.spans)
    for inputs, spans in batches:
        mask = inputs["padding_mask"].numpy()
        assert mask.shape[1] == mask.sum(axis=1).max()  # padded to its longest window only
        assert spans.shape[1] == 2


def test_best_span_is_ordered_short_and_inside_the_context():
    start = np.array([0.0, 5.0, 1.0, 0.0, 0.0, 9.0])
    end = np.array([0.0, 0.0, 0.0, 4.0, 6.0, 0.0])
    logits = tf.constant(np.stack([start, end])[None], tf.float32)
    context = tf.constant([[0, 1, 1, 1, 1, 1]])
    # Best start 5 has no end after it: (1, 4) scores 5 + 6.
    starts, ends, scores = best_spans(logits, context)
    assert (int(starts[0]), int(ends[0]), float(scores[0])) == (1, 4, 11.0)
    starts, ends, _ = best_spans(logits, context, max_answer_length=3)
    assert (int(starts[0]), int(ends[0])) == (1, 3)
    starts, ends, _ = best_spans(logits, tf.constant([[0, 0, 1, 1, 0, 0]]))
    assert (int(starts[0]), int(ends[0])) == (2, 3)


@pytest.mark.parametrize("sequence_length, stride", [(64, 16), (48, 7), (128, 128)])
def test_context_windows_cut_as_span_features_cuts(tokenizer, sequence_length, stride):
    examples = read_squad("xquad-en")[:12]
    examples.append(examples[0]._replace(context=examples[0].context[:20]))  # one window
    features = span_features(examples, tokenizer, special_token_ids(tokenizer),
                             sequence_length, stride)
    first_rows = np.searchsorted(features.example_index, np.arange(len(examples)))
    question_lengths = features.context_position[first_rows] - 2
    context_lengths = [len(starts) for starts in features.piece_starts]
    pair, first, length = context_windows(tf.constant(question_lengths, tf.int32),
                                          tf.constant(context_lengths, tf.int32),
                                          sequence_length, stride)
    np.testing.assert_array_equal(pair, features.example_index)
    np.testing.assert_array_equal(first, features.window_start)
    np.testing.assert_array_equal(length, features.window_length)
    assert pair.shape[0] > len(examples)  # some contexts did need several windows


def test_an_empty_context_is_one_window_of_no_pieces():
    pair, first, length = context_windows(tf.constant([3, 5]), tf.constant([0, 4]), 16, 4)
    assert (pair.numpy().tolist(), first.numpy().tolist(), length.numpy().tolist()) == (
        [0, 1], [0, 0], [0, 4])
