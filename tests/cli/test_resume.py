"""A `kerazoo train` process killed mid-epoch resumes and ends where an unbroken run ends."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

import kerazoo.models  # noqa: F401  (registers GPT for loading)
from kerazoo.training.backup import latest_backup

pytestmark = pytest.mark.heavy

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "data" / "tinyshakespeare.txt"
STEPS, EPOCHS = 100, 4
TIMEOUT_SECONDS = 300


def start_training(corpus, run_dir, log):
    command = [
        sys.executable, "-m", "kerazoo.cli.main", "train", "gpt", "--data", str(corpus),
        "--steps", str(STEPS), "--epochs", str(EPOCHS), "--batch-size", "8",
        "--warmup-steps", "5", "--seed", "3", "--no-xla", "--sample-tokens", "0",
        "--out", str(run_dir),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


def finish(process, log):
    assert process.wait(timeout=TIMEOUT_SECONDS) == 0, log.read_text()[-3000:]
    return log.read_text()


def wait_for_backup(run_dir, epoch, process):
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        newest = latest_backup(run_dir / "backup")
        if newest is not None and newest.name >= f"epoch-{epoch:03d}":
            return time.monotonic()
        assert process.poll() is None, "training ended before the kill"
        time.sleep(0.005)
    raise TimeoutError(f"no backup of epoch {epoch} in {TIMEOUT_SECONDS} s")


def test_a_killed_run_resumes_from_its_last_backup_to_the_same_weights(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(CORPUS.read_text(encoding="utf-8")[:30_000], encoding="utf-8")

    killed_dir = tmp_path / "killed"
    process = start_training(corpus, killed_dir, tmp_path / "killed.log")
    first = wait_for_backup(killed_dir, 1, process)
    second = wait_for_backup(killed_dir, 2, process)
    # A third of an epoch later: in the middle of epoch 3's steps.
    time.sleep((second - first) / 3)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=TIMEOUT_SECONDS)
    backed_up = int(latest_backup(killed_dir / "backup").name.split("-")[1])
    assert 2 <= backed_up < EPOCHS
    # It died inside the epoch after its last backup.
    assert f"Epoch {backed_up + 1}/{EPOCHS}" in (tmp_path / "killed.log").read_text()
    assert not (killed_dir / "model.keras").exists()

    unbroken_dir = tmp_path / "unbroken"
    finish(start_training(corpus, unbroken_dir, tmp_path / "unbroken.log"),
           tmp_path / "unbroken.log")
    resumed_log = finish(start_training(corpus, killed_dir, tmp_path / "resumed.log"),
                         tmp_path / "resumed.log")

    steps_per_epoch = STEPS // EPOCHS
    assert (f"after epoch {backed_up} of {EPOCHS} (step {backed_up * steps_per_epoch})"
            in resumed_log)
    assert not (killed_dir / "backup").exists()
    killed = json.loads((killed_dir / "history.json").read_text())
    unbroken = json.loads((unbroken_dir / "history.json").read_text())
    assert killed["steps"]["step"] == unbroken["steps"]["step"] == list(range(1, STEPS + 1))
    # Every step, before and after the kill, saw the batch and weights the
    # unbroken run's step saw.
    np.testing.assert_allclose(killed["steps"]["loss"], unbroken["steps"]["loss"],
                               rtol=1e-5, atol=1e-5)
    resumed_model = keras.saving.load_model(killed_dir / "model.keras", compile=False)
    unbroken_model = keras.saving.load_model(unbroken_dir / "model.keras", compile=False)
    for mine, reference in zip(resumed_model.weights, unbroken_model.weights):
        np.testing.assert_allclose(mine.numpy(), reference.numpy(), rtol=1e-5, atol=1e-6)
