"""`kerazoo train` into a folder that already holds a run."""

import os
import pathlib
import subprocess
import sys
import time

import pytest

from kerazoo.cli.main import main
from kerazoo.runs import load_run

pytestmark = pytest.mark.heavy

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "data" / "tinyshakespeare.txt"


def snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "corpus.txt"
    path.write_text(CORPUS.read_text(encoding="utf-8")[:20_000], encoding="utf-8")
    return path


def command(corpus, run_dir, *extra):
    return ["train", "gpt", "--data", str(corpus), "--out", str(run_dir), "--steps", "4",
            "--epochs", "2", "--batch-size", "4", "--no-xla", "--sample-tokens", "0", *extra]


def test_a_finished_run_is_left_alone_and_other_settings_need_overwrite(corpus, tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(command(corpus, run_dir)) == 0
    before = snapshot(run_dir)
    capsys.readouterr()

    assert main(command(corpus, run_dir)) == 0
    out = capsys.readouterr().out
    assert "finished after 4 steps (final validation loss" in out and "Nothing to train" in out
    assert snapshot(run_dir) == before

    assert main(command(corpus, run_dir, "--learning-rate", "3e-3")) == 2
    err = capsys.readouterr().err
    assert "train_config.peak_learning_rate differ" in err and "--overwrite" in err
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if "error" in line] == [err.splitlines()[-1]]
    assert snapshot(run_dir) == before

    assert main(command(corpus, run_dir, "--learning-rate", "3e-3", "--epochs", "1",
                        "--overwrite")) == 0
    after = snapshot(run_dir)
    assert "checkpoints/epoch-002.keras" not in after
    assert not set(name for name in before if name.startswith("logs/")) & set(after)
    assert load_run(run_dir)[2]["train_config"]["peak_learning_rate"] == 3e-3


def test_a_second_train_is_refused_while_the_first_runs(corpus, tmp_path, capsys):
    run_dir = tmp_path / "run"
    first_command = command(corpus, run_dir)
    first_command[first_command.index("--steps") + 1] = "60"
    log = tmp_path / "first.log"
    first = subprocess.Popen(
        [sys.executable, "-m", "kerazoo.cli.main", *first_command], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while not (run_dir / ".lock").exists():
        assert first.poll() is None, log.read_text()[-2000:]
        assert time.monotonic() < deadline, "the first training never locked its folder"
        time.sleep(0.05)
    assert main(first_command) == 2
    assert f"is being trained by process {first.pid}" in capsys.readouterr().err
    assert first.wait(timeout=300) == 0, log.read_text()[-2000:]
    model, _, record = load_run(run_dir)
    assert record["train_config"]["steps"] == 60
