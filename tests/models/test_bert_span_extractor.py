"""BertSpanExtractor (family `bert_qa`): start/end logits, padding masked, `.keras` round trip."""

import keras
import numpy as np
import pytest

from kerazoo.models import BertSpanExtractor, get_family
from tests.models.test_bert import encoder_inputs, small


def test_logits_are_start_then_end_per_position_and_padding_never_wins():
    model = small("bert_qa")
    assert isinstance(model, BertSpanExtractor)
    inputs = encoder_inputs(length=9)
    inputs["padding_mask"][0, 6:] = 0
    logits = np.asarray(model(inputs))
    assert logits.shape == (2, 2, 9) and logits.dtype == np.float32
    assert np.all(logits[0, :, 6:] < -1e8)
    assert np.all(np.abs(logits[1]) < 1e3)
    # The head is one dense layer on each final hidden state.
    hidden = np.asarray(model.backbone(inputs)["sequence_output"])
    kernel, bias = model.span_dense.get_weights()
    np.testing.assert_allclose(logits[1].T, hidden[1] @ kernel + bias, rtol=1e-5, atol=1e-5)


def test_gold_positions_train_with_a_plain_sparse_cross_entropy():
    model = small("bert_qa")
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    inputs = encoder_inputs(batch=4, length=8)
    spans = np.array([[2, 3], [1, 1], [4, 6], [5, 7]], "int32")
    history = model.fit(inputs, spans, epochs=15, batch_size=4, verbose=0).history["loss"]
    assert history[-1] < 0.5 * history[0]


@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16"])
def test_keras_round_trip_keeps_outputs_and_policy(policy, tmp_path):
    model = small("bert_qa", dtype=policy)
    path = tmp_path / "qa.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert type(reloaded) is BertSpanExtractor
    assert reloaded.backbone.dtype_policy.name == policy
    inputs = encoder_inputs()
    np.testing.assert_array_equal(np.asarray(model(inputs)), np.asarray(reloaded(inputs)))
    assert BertSpanExtractor.from_config(model.get_config()).count_params() == model.count_params()


def test_family_trains_with_the_span_qa_task():
    assert get_family("bert_qa").task == "span_qa"
