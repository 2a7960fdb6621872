"""The exported `qa` signature reads long contexts in strided windows, as `kerazoo evaluate`
does, and answers what the task's prediction (`answer_questions`) answers."""

from typing import NamedTuple

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerazoo.data import read_squad, span_features, special_token_ids, train_word_piece
from kerazoo.data.answer_spans import best_spans
from kerazoo.data.squad import QAExample
from kerazoo.export.encoder_endpoints import span_qa_endpoint
from kerazoo.models import BertBackbone, BertSpanExtractor
from kerazoo.tasks.span_qa import _answer_text, answer_questions

SEQUENCE_LENGTH = 64
STRIDE = 24


@pytest.fixture(scope="module")
def examples():
    squad = read_squad("xquad-en:test")
    by_length = sorted({e.context: e for e in squad}.values(), key=lambda e: len(e.context))
    short = [e._replace(context=e.context[:60]) for e in by_length[:2]]
    return short + [by_length[-1]]  # the last: a long context, many windows


@pytest.fixture(scope="module")
def tokenizer():
    contexts = sorted({e.context for e in read_squad("xquad-en:test")})
    return train_word_piece(contexts, 1000, lowercase=True)


@pytest.fixture(scope="module")
def model(tokenizer):
    keras.utils.set_random_seed(3)
    backbone = BertBackbone(tokenizer.vocabulary_size(), 1, 2, 32, 64, SEQUENCE_LENGTH,
                            dropout=0.0)
    return BertSpanExtractor(backbone)


@pytest.fixture(scope="module")
def endpoint(model, tokenizer):
    return span_qa_endpoint(model, tokenizer, SEQUENCE_LENGTH, STRIDE)


class Prediction(NamedTuple):
    text: str
    logit_score: float  # start + end logit, as evaluation ranks windows
    probability: float  # of the start times the end, in its window
    window_start: int  # the first context piece of its window
    windows: int  # of its context


def predicted(model, tokenizer, examples):
    """Per example, Python-side, each window run alone: the `Prediction` of its best window."""
    features = span_features(examples, tokenizer, special_token_ids(tokenizer),
                             SEQUENCE_LENGTH, STRIDE)
    best = {}
    for row, token_ids in enumerate(features.token_ids):
        inputs = {"token_ids": token_ids[None], "segment_ids": features.segment_ids[row][None],
                  "padding_mask": np.ones_like(token_ids)[None]}
        logits = tf.cast(model(inputs, training=False), tf.float32)
        first = features.context_position[row]
        mask = np.zeros((1, len(token_ids)), bool)
        mask[0, first:first + features.window_length[row]] = True
        start, end, score = (t.numpy()[0] for t in best_spans(logits, mask))
        probabilities = tf.nn.softmax(logits[0], axis=-1).numpy()
        example = features.example_index[row]
        if example not in best or score > best[example].logit_score:
            best[example] = Prediction(
                _answer_text(features, row, start, end, examples[example]), float(score),
                float(probabilities[0, start] * probabilities[1, end]),
                int(features.window_start[row]),
                int(np.sum(features.example_index == example)))
    return [best[i] for i in range(len(examples))]


@pytest.fixture(scope="module")
def expected(model, tokenizer, examples):
    return predicted(model, tokenizer, examples)


def served(endpoint, examples):
    out = endpoint(questions=tf.constant([e.question for e in examples]),
                   contexts=tf.constant([e.context for e in examples]))
    return [a.decode() for a in out["answer"].numpy()], out["score"].numpy()


def test_contexts_of_one_window_answer_as_one_window_did(endpoint, expected, examples):
    short, expected = examples[:2], expected[:2]
    assert [p.windows for p in expected] == [1, 1]
    answers, scores = served(endpoint, short)
    assert answers == [p.text for p in expected]
    np.testing.assert_allclose(scores, [p.probability for p in expected], rtol=1e-4)
    assert all(text and text in e.context for text, e in zip(answers, short))


def test_an_answer_past_the_first_window_is_what_prediction_picks(endpoint, expected, model,
                                                                  tokenizer, examples):
    long, expected = examples[2:], expected[2]
    assert expected.windows > 2 and expected.window_start > 0  # past the first window
    answers, scores = served(endpoint, long)
    assert answers == [expected.text] and expected.text in long[0].context
    np.testing.assert_allclose(scores, [expected.probability], rtol=1e-4)
    # The task's own prediction (padded batches of windows) agrees.
    (task_text, task_score), = answer_questions(model, tokenizer, long, 4, SEQUENCE_LENGTH,
                                                STRIDE)[0]
    assert task_text == expected.text
    np.testing.assert_allclose(task_score, expected.logit_score, rtol=1e-4)


def test_a_batch_mixing_short_long_and_empty_contexts_answers_each_alone(endpoint, expected,
                                                                         examples):
    empty = QAExample("empty", "", "Who?", "", ("",), 0)
    mixed = [examples[2], examples[0], empty, examples[2], examples[1]]
    answers, scores = served(endpoint, mixed)
    texts = [p.text for p in expected]
    assert answers == [texts[2], texts[0], "", texts[2], texts[1]]
    probabilities = [p.probability for p in expected]
    np.testing.assert_allclose(scores, [probabilities[2], probabilities[0], 0.0,
                                        probabilities[2], probabilities[1]], rtol=1e-4)
    assert scores[2] == 0.0
    assert served(endpoint, [empty]) == ([""], [0.0])


@pytest.mark.parametrize("sequence_length, stride, wrong", [(4, 8, "sequence_length"),
                                                            (64, 0, "stride")])
def test_bad_window_settings_are_named(model, tokenizer, sequence_length, stride, wrong):
    with pytest.raises(ValueError, match=f"`{wrong}` must be at least"):
        span_qa_endpoint(model, tokenizer, sequence_length, stride)
