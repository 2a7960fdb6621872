import math

import keras
import numpy as np
import pytest

from kerazoo.training.checkpoint import (
    AtomicModelCheckpoint,
    latest_checkpoint,
    list_checkpoints,
)


def names(directory):
    return sorted(p.name for p in directory.iterdir())


def test_each_epoch_is_saved_and_only_the_newest_are_kept(tmp_path, make_tiny_lm):
    model = make_tiny_lm()
    checkpoint = AtomicModelCheckpoint(tmp_path, keep_last=2)
    checkpoint.set_model(model)
    for epoch in range(4):
        checkpoint.on_epoch_end(epoch, {"loss": 1.0})
    # No temporary file is left beside the checkpoints.
    assert names(tmp_path) == ["epoch-003.keras", "epoch-004.keras"]
    assert latest_checkpoint(tmp_path) == tmp_path / "epoch-004.keras"

    reloaded = keras.models.load_model(latest_checkpoint(tmp_path))
    tokens = np.arange(8, dtype="int32")[None]
    np.testing.assert_allclose(reloaded(tokens), model(tokens), rtol=1e-6)


def test_an_epoch_with_a_non_finite_loss_is_not_saved(tmp_path, make_tiny_lm):
    checkpoint = AtomicModelCheckpoint(tmp_path)
    checkpoint.set_model(make_tiny_lm())
    checkpoint.on_epoch_end(0, {"loss": 1.0})
    checkpoint.on_epoch_end(1, {"loss": math.nan})
    assert names(tmp_path) == ["epoch-001.keras"]


def test_checkpoints_left_by_a_longer_earlier_run_are_removed(tmp_path, make_tiny_lm):
    (tmp_path / "epoch-009.keras").write_bytes(b"old run")
    (tmp_path / "notes.txt").write_text("not a checkpoint")
    checkpoint = AtomicModelCheckpoint(tmp_path)
    checkpoint.set_model(make_tiny_lm())
    checkpoint.on_epoch_end(0, {"loss": 1.0})
    assert names(tmp_path) == ["epoch-001.keras", "notes.txt"]


def test_listing_a_missing_folder_finds_nothing(tmp_path):
    assert list_checkpoints(tmp_path / "missing") == []
    assert latest_checkpoint(tmp_path / "missing") is None


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match="keep_last"):
        AtomicModelCheckpoint(tmp_path, keep_last=0)
    with pytest.raises(TypeError, match="directory"):
        AtomicModelCheckpoint(None)
