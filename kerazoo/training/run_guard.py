"""What `train` does with a run folder that already holds a run.

`train` records the settings of a run in `settings.json` when it starts and
marks it finished when it ends. Training again into the same folder then:
- resumes an interrupted run with the same settings (from its backup);
- does nothing for a finished run with the same settings, and says so;
- refuses a run with other settings, naming them, unless `overwrite`, which
  clears the folder first (old logs and checkpoints included). More steps
  than a finished run had are other settings too: its learning-rate
  schedule ended at the old step count, so continuing would restart it; the
  message says to train into a new folder.
A non-empty folder without `settings.json` is refused the same way, since
it holds something `train` did not write.
"""

import dataclasses
import json
import os
import pathlib
import shutil

from kerazoo.training.callbacks import HISTORY_FILE
from kerazoo.training.config import TrainConfig
from kerazoo.training.run_history import read_history
from kerazoo.training.run_lock import LOCK_FILE
from kerazoo.utils.atomic import atomic_write_text

SETTINGS_FILE = "settings.json"
NEW, RESUME, FINISHED = "new", "resume", "finished"


def run_state(run_dir, settings, overwrite=False, clear=True):
    """Whether `run_dir` starts, resumes or already finished a run of `settings`.

    Args:
        run_dir: a `pathlib.Path`.
        settings: JSON-serializable dict of everything that makes the run
            what it is (model, data, recipe).
        overwrite: clear a folder whose run has other settings.
        clear: False to answer `NEW` for such a folder without clearing it
            (a worker that is not the chief, which writes nothing there).

    Returns:
        `NEW`, `RESUME` or `FINISHED`.

    Raises:
        ValueError: the folder holds a run with other settings (naming them)
            or foreign files, and `overwrite` is False.
    """
    settings = _normalized(settings)
    if not _contents(run_dir):
        return NEW
    recorded = _read(run_dir)
    if recorded is not None:
        recorded["settings"] = _with_new_fields(recorded["settings"])
    if recorded is not None and recorded["settings"] == settings:
        return FINISHED if recorded.get("finished") else RESUME
    if overwrite:
        if clear:
            _clear(run_dir)
        return NEW
    if recorded is None:
        raise ValueError(
            f"{os.fspath(run_dir)!r} is not empty and holds no run of kerazoo train "
            f"(no {SETTINGS_FILE}). Choose another folder, or pass overwrite=True "
            "(`--overwrite`) to delete what is there."
        )
    differing = _differences(recorded["settings"], settings)
    more_steps = recorded.get("finished") and differing == ["train_config.steps"]
    reason = (
        "its learning-rate schedule ended at the old step count, so more steps would "
        "restart it: train into a new folder"
        if more_steps
        else "pass overwrite=True (`--overwrite`) to replace it, or choose another folder"
    )
    raise ValueError(
        f"{os.fspath(run_dir)!r} holds {'a finished' if recorded.get('finished') else 'an unfinished'} "
        f"run with other settings: {', '.join(differing)} differ; {reason}."
    )


def record_start(run_dir, settings):
    """Write `settings.json` for a run that starts (or resumes) in `run_dir`."""
    run_dir.mkdir(parents=True, exist_ok=True)
    _write(run_dir, {"settings": _normalized(settings), "finished": False})


def record_finish(run_dir, settings):
    """Mark the run of `run_dir` finished."""
    _write(run_dir, {"settings": _normalized(settings), "finished": True})


def run_settings(model, config, dataset, extra=None):
    """The settings `train` compares: the model's config (names aside), the
    `TrainConfig`, the dataset's element spec, and the caller's `extra`."""
    return {
        "model": _without_names(model.get_config()),
        "train_config": vars(config),
        "data_spec": str(dataset.element_spec),
        **(extra or {}),
    }


def _with_new_fields(settings):
    """Recorded `settings` with the `TrainConfig` fields added since they were written set to
    their defaults, so a run recorded by an older kerazoo still resumes."""
    recorded = settings.get("train_config")
    if not isinstance(recorded, dict):
        return settings
    defaults = _normalized({field.name: field.default for field in dataclasses.fields(TrainConfig)
                            if field.default is not dataclasses.MISSING})
    return {**settings, "train_config": {**defaults, **recorded}}


def _without_names(config):
    # Keras numbers the names of unnamed objects per process (`dense_3`).
    if isinstance(config, dict):
        return {k: _without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list):
        return [_without_names(v) for v in config]
    return config


def _normalized(settings):
    # Through JSON, so tuples and lists, ints and floats compare as stored.
    return json.loads(json.dumps(settings, sort_keys=True, default=str))


def _read(run_dir):
    path = run_dir / SETTINGS_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(
            f"{os.fspath(path)!r} is damaged ({error}); it records the run's settings. "
            "Pass overwrite=True (`--overwrite`) to start the run again."
        ) from None


def _write(run_dir, record):
    atomic_write_text(run_dir / SETTINGS_FILE, json.dumps(record, indent=2) + "\n")


def _differences(old, new, prefix=""):
    keys = sorted(set(old) | set(new))
    differing = []
    for key in keys:
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            differing += _differences(a, b, f"{prefix}{key}.")
        elif a != b:
            differing.append(f"{prefix}{key}")
    return differing


def _contents(run_dir):
    """What the folder holds, its lock aside."""
    if not run_dir.exists():
        return []
    return [entry for entry in run_dir.iterdir() if entry.name != LOCK_FILE]


def _clear(run_dir):
    for entry in _contents(run_dir):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def describe_finished(run_dir):
    """One line on a finished run: how far it trained and its last validation loss."""
    history = read_history(pathlib.Path(run_dir) / HISTORY_FILE)
    losses = history["epochs"].get("val_loss") or []
    loss = f"final validation loss {losses[-1]:.4f}" if losses else "no validation loss"
    steps = (history["epochs"].get("step") or ["?"])[-1]
    return f"{os.fspath(run_dir)!r} already holds this run, finished after {steps} steps ({loss})"
