"""Writing a SavedModel that TensorFlow Serving runs, atomically, for any task.

A task chooses its signatures (endpoints): `tf.function`s with input
signatures, e.g. `forward_endpoint(model)` (the model's named inputs to its
outputs) or the text-generation endpoint of `kerazoo.export.text_generation`.
`write_saved_model` tracks the model and its tokenizer (their variables and
lookup tables) and writes them with the endpoints.
"""

import contextlib
import logging
import os
import pathlib
import shutil
import uuid

import keras
import tensorflow as tf

from kerazoo.utils.atomic import atomic_path


def forward_endpoint(model, name="logits"):
    """The model's forward pass as a signature: its named inputs to `{name: outputs}`.

    Args:
        model: a functional `keras.Model` with named int32 or float inputs.
        name: the output key. Defaults to `"logits"`.

    Returns:
        A `tf.function` with an input signature of one (batch, ...) tensor per
        model input, named as the input (e.g. `token_ids`, `padding_mask`).
    """
    specs = [
        tf.TensorSpec([None, *tensor.shape[1:]], tensor.dtype, name=tensor.name.split(":")[0])
        for tensor in model.inputs
    ]
    names = [spec.name for spec in specs]

    def forward(*tensors):
        inputs = dict(zip(names, tensors)) if len(tensors) > 1 else tensors[0]
        return {name: model(inputs, training=False)}

    return tf.function(forward, input_signature=specs)


@contextlib.contextmanager
def _quiet_tensorflow_logger():
    """Without TensorFlow's INFO line naming the temporary folder it wrote assets to."""
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


def check_export_folder(out_dir, overwrite):
    """`out_dir` as a path, refused when it exists and `overwrite` is False.

    `overwrite` replaces an earlier export (a folder holding `saved_model.pb`)
    or an empty folder, never a folder of other files: `--out .` or
    `--out ~` must not delete a user's work.

    Raises:
        ValueError: the folder exists (without `overwrite`, or holding
            something other than a SavedModel), or a parent of it is a file.
    """
    out_dir = pathlib.Path(out_dir)
    if out_dir.exists() and not overwrite:
        raise ValueError(
            f"Export folder {os.fspath(out_dir)!r} already exists. Choose a new "
            "`out_dir` or pass overwrite=True (`--overwrite`)."
        )
    if out_dir.exists() and not _replaceable(out_dir):
        raise ValueError(
            f"Export folder {os.fspath(out_dir)!r} is not an earlier export (it has no "
            "saved_model.pb), so `--overwrite` leaves it alone: its files may be someone's "
            "work. Choose a new `out_dir`, or empty that folder yourself."
        )
    for parent in out_dir.parents:
        if parent.exists() and not parent.is_dir():
            raise ValueError(
                f"Cannot export to {os.fspath(out_dir)!r}: {os.fspath(parent)!r} is a "
                "file, not a folder. Choose another `out_dir`."
            )
    return out_dir


def _replaceable(folder):
    """True when `folder` is an earlier SavedModel export or an empty folder."""
    return folder.is_dir() and ((folder / "saved_model.pb").is_file() or not any(folder.iterdir()))


def write_saved_model(out_dir, model, tokenizer, endpoints, overwrite=False):
    """Write `model`, `tokenizer` and `endpoints` as a SavedModel, atomically.

    The SavedModel is built in a temporary sibling folder and renamed into
    place only when complete: a failed export leaves nothing at `out_dir`
    (and an earlier export there untouched).

    Args:
        out_dir: destination folder; must not exist unless `overwrite`.
        model: the `keras.Model` the endpoints call.
        tokenizer: its kerazoo tokenizer, or None.
        endpoints: signature name -> `tf.function` with an input signature;
            one should be `"serving_default"`.
        overwrite: replace an existing export at `out_dir`.

    Returns:
        The `pathlib.Path` of the export.
    """
    out_dir = check_export_folder(out_dir, overwrite)
    archive = keras.export.ExportArchive()
    archive.track(model)
    if tokenizer is not None:
        if not tokenizer.built:
            # Tokenizers hold lookup tables, not weights; building only marks them ready.
            tokenizer.build(None)
        archive.track(tokenizer)
    for name, function in endpoints.items():
        archive.add_endpoint(name, function)
    previous = None
    if out_dir.exists():
        previous = out_dir.with_name(f".{out_dir.name}.{uuid.uuid4().hex}.old")
    with atomic_path(out_dir) as temporary, _quiet_tensorflow_logger():
        archive.write_out(os.fspath(temporary), verbose=False)
        if previous is not None:
            os.replace(out_dir, previous)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
    return out_dir
