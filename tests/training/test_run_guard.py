"""`train` into a folder that already holds a run: resume, finished, refused or overwritten."""

import json
import socket
import subprocess
import sys

import pytest

from kerazoo.training import TrainConfig, train
from kerazoo.training.run_lock import LOCK_FILE, run_lock

CONFIG = TrainConfig(steps=4, epochs=2, peak_learning_rate=1e-2, jit_compile=False)


def snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def finished(tmp_path, make_tiny_lm, make_dataset):
    run_dir = tmp_path / "run"
    history = train(make_tiny_lm(), make_dataset(), None, run_dir, CONFIG, verbose=0)
    return run_dir, history


def test_a_finished_run_with_the_same_settings_trains_nothing(finished, make_tiny_lm,
                                                              make_dataset, capsys):
    run_dir, history = finished
    before = snapshot(run_dir)
    again = train(make_tiny_lm(), make_dataset(), None, run_dir, CONFIG)
    assert again == history
    assert "finished after 4 steps" in capsys.readouterr().out
    assert snapshot(run_dir) == before


def test_a_run_recorded_before_new_recipe_fields_existed_is_still_the_same_run(
        finished, make_tiny_lm, make_dataset, capsys):
    # An older kerazoo recorded fewer TrainConfig fields; those added since
    # (e.g. `optimizer`) count as their defaults, not as other settings.
    run_dir, history = finished
    record = json.loads((run_dir / "settings.json").read_text())
    for field in ("optimizer", "schedule"):
        del record["settings"]["train_config"][field]
    (run_dir / "settings.json").write_text(json.dumps(record))
    assert train(make_tiny_lm(), make_dataset(), None, run_dir, CONFIG) == history
    assert "finished after 4 steps" in capsys.readouterr().out
    sgd = TrainConfig(steps=4, epochs=2, peak_learning_rate=1e-2, jit_compile=False,
                      optimizer="sgd")
    with pytest.raises(ValueError, match="train_config.optimizer differ"):
        train(make_tiny_lm(), make_dataset(), None, run_dir, sgd, verbose=0)


def test_other_settings_are_refused_by_name_and_leave_the_run_untouched(finished, make_tiny_lm,
                                                                      make_dataset):
    run_dir, _ = finished
    before = snapshot(run_dir)
    other = TrainConfig(steps=4, epochs=2, peak_learning_rate=5e-3, jit_compile=False)
    with pytest.raises(ValueError, match="train_config.peak_learning_rate differ.*overwrite"):
        train(make_tiny_lm(), make_dataset(), None, run_dir, other, verbose=0)
    more = TrainConfig(steps=8, epochs=2, peak_learning_rate=1e-2, jit_compile=False)
    with pytest.raises(ValueError, match="train_config.steps differ.*schedule ended"):
        train(make_tiny_lm(), make_dataset(), None, run_dir, more, verbose=0)
    with pytest.raises(ValueError, match="model.layers"):
        train(make_tiny_lm(width=8), make_dataset(), None, run_dir, CONFIG, verbose=0)
    assert snapshot(run_dir) == before


def test_overwrite_leaves_nothing_of_the_old_run(finished, make_tiny_lm, make_dataset):
    run_dir, _ = finished
    (run_dir / "logs" / "stale-event-file").write_text("old")
    other = TrainConfig(steps=2, epochs=1, peak_learning_rate=1e-2, jit_compile=False)
    history = train(make_tiny_lm(), make_dataset(), None, run_dir, other, verbose=0,
                    overwrite=True)
    assert history["epochs"]["step"] == [2]
    assert not (run_dir / "logs" / "stale-event-file").exists()
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["epoch-001.keras"]
    assert json.loads((run_dir / "settings.json").read_text())["settings"]["train_config"]["steps"] == 2


def test_a_foreign_folder_is_refused(tmp_path, make_tiny_lm, make_dataset):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="holds no run of kerazoo train"):
        train(make_tiny_lm(), make_dataset(), None, tmp_path, CONFIG, verbose=0)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_live_lock_refuses_and_a_stale_one_is_taken_over(tmp_path, make_tiny_lm, make_dataset):
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / LOCK_FILE).write_text(json.dumps({"pid": holder.pid, "host": socket.gethostname()}))
        with pytest.raises(ValueError, match=f"being trained by process {holder.pid}"):
            train(make_tiny_lm(), make_dataset(), None, tmp_path, CONFIG, verbose=0)
    finally:
        holder.kill()
        holder.wait()
    # Its process is gone: the lock is stale, and training takes it over.
    history = train(make_tiny_lm(), make_dataset(), None, tmp_path, CONFIG, verbose=0)
    assert history["epochs"]["step"] == [2, 4]
    assert not (tmp_path / LOCK_FILE).exists()


def test_the_lock_is_released_even_when_training_fails(tmp_path):
    with pytest.raises(RuntimeError):
        with run_lock(tmp_path):
            assert (tmp_path / LOCK_FILE).exists()
            raise RuntimeError("boom")
    assert not (tmp_path / LOCK_FILE).exists()
