"""Quality benchmarks that train through `kerazoo train`: wall clock per epoch, newest model.

`train_through_cli` runs a `kerazoo train` command in this process (the same
code path as the shell) while a watcher thread notes the wall time at which
each epoch's history appears, in `<run>-epoch-seconds.json` beside the run
folder; a resumed run continues that clock. `trained_model` gives the
finished run's model, else its newest epoch checkpoint, so an unfinished
run can still be scored honestly (as what it is). `kerazoo` runs one command
in a fresh process instead, timing it as a user's shell would.
"""

import json
import pathlib
import subprocess
import sys
import threading
import time

import keras

from kerazoo.cli.main import main as kerazoo_main
from kerazoo.runs import load_run
from kerazoo.training import latest_checkpoint, read_history

POLL_SECONDS = 2.0
ROOT = pathlib.Path(__file__).resolve().parents[1]


def kerazoo(*args):
    """Run `kerazoo ARGS` in a fresh process (cwd: the repository root).

    Returns:
        (seconds, the last stdout line); exits naming the command and its stderr's tail
        if it fails.
    """
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "kerazoo.cli.main", *map(str, args)],
                            cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"kerazoo {' '.join(map(str, args[:2]))} failed:\n{result.stderr[-3000:]}")
    return seconds, result.stdout.strip().splitlines()[-1]


def epoch_seconds_file(run_dir):
    """Where the wall time of each finished epoch is kept (beside the run folder)."""
    return run_dir.parent / f"{run_dir.name}-epoch-seconds.json"


def epoch_seconds(run_dir):
    """{epoch (str): wall seconds since the run started} of the epochs watched so far."""
    path = epoch_seconds_file(run_dir)
    return json.loads(path.read_text()) if path.exists() else {}


def watch_epochs(run_dir, started, stop):
    """Record the wall time (since `started`) at which each epoch's history appears."""
    seconds = epoch_seconds(run_dir)
    offset = max(seconds.values(), default=0.0)  # A resumed run continues the clock.
    while not stop.wait(POLL_SECONDS):
        history = run_dir / "history.json"
        epochs = read_history(history)["epochs"]["epoch"] if history.exists() else []
        new = [e for e in epochs if str(e) not in seconds]
        for epoch in new:
            seconds[str(epoch)] = round(offset + time.time() - started, 1)
            print(f"\n[benchmark] epoch {epoch} done at {seconds[str(epoch)]:.0f} s", flush=True)
        if new:
            epoch_seconds_file(run_dir).write_text(json.dumps(seconds, indent=1))


def train_through_cli(command, run_dir):
    """Runs `kerazoo <command> --out run_dir`, watching epochs; returns the shell command."""
    command = [*command, "--out", str(run_dir)]
    started, stop = time.time(), threading.Event()
    watcher = threading.Thread(target=watch_epochs, args=(run_dir, started, stop), daemon=True)
    watcher.start()
    try:
        code = kerazoo_main(command)
    finally:
        time.sleep(POLL_SECONDS * 1.5)
        stop.set()
        watcher.join()
    if code != 0:
        raise SystemExit(f"kerazoo {' '.join(command)} failed ({code})")
    return " ".join(["kerazoo", *command])


def trained_model(run_dir):
    """The finished run's model, else its newest checkpoint; and what it is."""
    if (run_dir / "run.json").exists():
        model, _, _ = load_run(run_dir)
        return model, "the finished run's model.keras"
    checkpoint = latest_checkpoint(run_dir / "checkpoints")
    if checkpoint is None:
        raise SystemExit(f"{run_dir} holds no finished epoch yet.")
    return keras.saving.load_model(checkpoint), f"checkpoint {checkpoint.name} (unfinished run)"
