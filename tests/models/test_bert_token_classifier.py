"""BertTokenClassifier (the `bert_tagger` family): per-position logits, config and `.keras`
round trips."""

import json

import keras
import numpy as np
import pytest

from kerazoo.models import BertTokenClassifier, get_family
from tests.models.test_bert import encoder_inputs, small

TAGS = ("O", "B-person", "I-person", "B-location", "I-location")


def test_tagger_gives_logits_per_position_from_the_hidden_states():
    model = small("bert_tagger", label_names=TAGS)
    assert isinstance(model, BertTokenClassifier)
    assert get_family("bert_tagger").task == "token_classification"
    inputs = encoder_inputs()
    logits = model(inputs)
    assert logits.shape == (2, 7, 5) and logits.dtype == "float32"
    hidden = model.backbone(inputs)["sequence_output"].numpy()
    expected = hidden @ model.output_dense.kernel.numpy() + model.output_dense.bias.numpy()
    np.testing.assert_allclose(logits, expected, atol=1e-5)


def test_the_pooler_is_frozen_and_the_rest_trains():
    model = small("bert_tagger", label_names=TAGS)
    trainable = {variable.path for variable in model.trainable_weights}
    assert not any(path.startswith("pooler") for path in trainable)
    assert {"logits/kernel", "token_embedding/embeddings"} <= {
        "/".join(path.split("/")[-2:]) for path in trainable}


def test_config_and_keras_file_round_trip(tmp_path):
    model = small("bert_tagger", label_names=TAGS)
    config = json.loads(json.dumps(model.get_config()))
    rebuilt = BertTokenClassifier.from_config(config)
    assert rebuilt.label_names == list(TAGS)
    assert rebuilt.count_params() == model.count_params()
    path = tmp_path / "tagger.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert type(reloaded) is BertTokenClassifier and reloaded.label_names == list(TAGS)
    inputs = encoder_inputs()
    np.testing.assert_array_equal(reloaded(inputs), model(inputs))
    assert not reloaded.backbone.pooler.trainable


def test_bad_label_names_are_refused():
    model = small("bert_tagger", label_names=TAGS)
    with pytest.raises(ValueError, match="at least 2 distinct"):
        BertTokenClassifier(model.backbone, ["O", "O"])
