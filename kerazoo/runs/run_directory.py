"""A run directory: what training leaves behind and what generation and export read.

Layout (everything a later command needs, nothing else):

    RUN_DIR/
      run.json          family, task, model config, training settings
      model.keras       the trained model (Keras v3 format)
      tokenizer/        the tokenizer's files (see `kerazoo.data.save_tokenizer`)
      checkpoints/      one `.keras` file per epoch (training only)
      backup/           the last epoch's backup, so a killed run resumes
      logs/             TensorBoard logs
      history.json, learning_curve.png, samples.txt

`model.keras`, `run.json` and the tokenizer are written atomically, so a
reader never finds half a file.
"""

import json
import os
import pathlib
import zipfile

import keras

from kerazoo import __version__
from kerazoo.data import load_tokenizer, save_tokenizer
from kerazoo.training.callbacks import CHECKPOINT_DIR
from kerazoo.training.checkpoint import list_checkpoints
from kerazoo.utils.atomic import atomic_path, atomic_write_text

# Model classes of run directories this version cannot read.
_BEFORE_THE_BACKBONE_SPLIT = ("GPT",)
MODEL_FILE = "model.keras"
RUN_FILE = "run.json"
TOKENIZER_DIR = "tokenizer"


def save_run(run_dir, model, tokenizer, metadata=None):
    """Write the model, its tokenizer and `run.json` into `run_dir`.

    Args:
        run_dir: str or path; created if missing.
        model: a kerazoo `keras.Model` (e.g. `kerazoo.models.GPTCausalLM`).
        tokenizer: the kerazoo tokenizer the model was trained with.
        metadata: dict of JSON-serializable facts to keep (preset, data,
            training settings).
    """
    run_dir = pathlib.Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    save_tokenizer(tokenizer, run_dir / TOKENIZER_DIR)
    with atomic_path(run_dir / MODEL_FILE) as temporary:
        model.save(temporary)
    record = {
        "kerazoo_version": __version__,
        "model_class": type(model).__name__,
        "model_config": model.get_config(),
        **(metadata or {}),
    }
    atomic_write_text(run_dir / RUN_FILE, json.dumps(record, indent=2, default=str) + "\n")


def load_run(run_dir):
    """Load what `save_run` wrote.

    Args:
        run_dir: str or path of a run directory.

    Returns:
        `(model, tokenizer, metadata)`.

    Raises:
        ValueError: if `run_dir` is not a run directory (names what is
            missing), a file of it is damaged (names the file and how to
            recover: the newest intact checkpoint, or retraining), or its
            tokenizer has more ids than its model reads.
    """
    run_dir = pathlib.Path(run_dir)
    if not run_dir.is_dir():
        raise ValueError(
            f"Run directory {os.fspath(run_dir)!r} does not exist. Pass the "
            "folder `kerazoo train` wrote (e.g. runs/gpt-nano)."
        )
    missing = [
        name for name in (MODEL_FILE, RUN_FILE, TOKENIZER_DIR) if not (run_dir / name).exists()
    ]
    if missing:
        raise ValueError(
            f"{os.fspath(run_dir)!r} is not a complete run directory: missing "
            f"{missing}. Train into it with `kerazoo train` (or `kerazoo convert`) "
            "first; a run that was interrupted resumes from its backup."
        )
    metadata = _read_record(run_dir / RUN_FILE)
    if metadata.get("model_class") in _BEFORE_THE_BACKBONE_SPLIT:
        raise ValueError(
            f"{os.fspath(run_dir)!r} was written by kerazoo "
            f"{metadata.get('kerazoo_version', '0.1')}, whose `GPT` class joined trunk and "
            "head; kerazoo now builds GPTBackbone + GPTCausalLM. Retrain it into a new "
            "folder with the command in its run.json, or load it with that kerazoo "
            "version."
        )
    # Importing the models registers their classes for deserialization.
    import kerazoo.models  # noqa: F401

    model_file = run_dir / MODEL_FILE
    damage = keras_file_damage(model_file)
    if damage:
        raise ValueError(f"{os.fspath(model_file)!r} is damaged ({damage}). {_recovery(run_dir)}")
    model = keras.saving.load_model(model_file)
    try:
        tokenizer = load_tokenizer(run_dir / TOKENIZER_DIR)
    except (ValueError, KeyError, OSError, UnicodeDecodeError) as error:
        raise ValueError(
            f"The tokenizer of {os.fspath(run_dir)!r} ({TOKENIZER_DIR}/) is damaged: {error} "
            "Checkpoints do not hold it: retrain into the folder with `--overwrite`."
        ) from None
    model_size = getattr(model, "vocabulary_size", None)
    if isinstance(model_size, int) and tokenizer.vocabulary_size() > model_size:
        raise ValueError(
            f"{os.fspath(run_dir)!r} does not fit together: its tokenizer has "
            f"{tokenizer.vocabulary_size()} ids and its model reads {model_size}. "
            f"The files in {TOKENIZER_DIR}/ were replaced after training; restore "
            "them or retrain."
        )
    return model, tokenizer, metadata


def keras_file_damage(path):
    """Why a `.keras` file is unreadable (truncated, not a zip, a bad member), or None."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        return f"not a complete .keras zip archive: {error}"
    return f"its member {bad!r} fails its checksum" if bad else None


def _recovery(run_dir):
    """How to recover a damaged model: the newest intact checkpoint, or retraining."""
    intact = [path for _, path in reversed(list_checkpoints(run_dir / CHECKPOINT_DIR))
              if keras_file_damage(path) is None]
    if intact:
        return (f"Recover it from the newest intact checkpoint: cp {os.fspath(intact[0])!r} "
                f"{os.fspath(run_dir / MODEL_FILE)!r} (or retrain with `--overwrite`).")
    return "No intact checkpoint is left: retrain into the folder with `--overwrite`."


def _read_record(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(
            f"{os.fspath(path)!r} is damaged ({error}). It records the run's family and "
            "settings: retrain into the folder with `--overwrite`."
        ) from None
