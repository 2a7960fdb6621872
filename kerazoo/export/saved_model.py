"""Export a causal LM and its tokenizer as a SavedModel TensorFlow Serving runs.

Signatures:
    serving_default(prompts: (batch,) tf.string)
        -> {"text": (batch,) prompt + continuation, "completion": (batch,)
        the continuation alone}. Tokenizer, decoding loop (with the KV cache
        and the sliding window) and detokenizer all run in the graph;
        sampling settings are fixed at export time.
    logits(token_ids: (batch, time) int32) -> {"logits": (batch, time, vocab)}.

In the graph a prompt longer than the context keeps its last
`max_sequence_length` tokens, and an empty prompt starts from the
tokenizer's end token (or id 0 when it has none), so a server never fails on
a user's input. Reloading needs only `tensorflow` for the character
tokenizer; WordPiece and byte-pair tokenizers also need `tensorflow_text`
imported (their ops live there).
"""

import os
import pathlib
import shutil
import uuid

import keras
import tensorflow as tf

from kerazoo.generation.decoding import decode
from kerazoo.generation.generator import resolve_stop_token_ids
from kerazoo.generation.sampling import SamplingSettings
from kerazoo.utils.atomic import atomic_path


def _text_generation_function(model, tokenizer, max_new_tokens, settings, stop_ids):
    context = model.max_sequence_length
    start_id = getattr(tokenizer, "end_token_id", None) or 0
    stop_ids = tf.constant(list(stop_ids), tf.int32, shape=(len(stop_ids),))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="prompts")])
    def generate_text(prompts):
        ids = tf.cast(tokenizer.tokenize(prompts), tf.int32)
        if not isinstance(ids, tf.RaggedTensor):
            ids = tf.RaggedTensor.from_tensor(ids)
        ids = ids[:, -context:].with_row_splits_dtype(tf.int64)
        empty = tf.cast(ids.row_lengths() == 0, tf.int64)
        start = tf.RaggedTensor.from_row_lengths(
            tf.fill([tf.reduce_sum(empty)], tf.constant(start_id, tf.int32)), empty
        )
        ids = tf.concat([start, ids], axis=1)
        lengths = tf.cast(ids.row_lengths(), tf.int32)
        dense = ids.to_tensor(default_value=0)
        tokens, ends = decode(
            model, dense, lengths, max_new_tokens, settings.as_tensors(), stop_ids
        )
        last = tf.gather(tokens, ends - 1, batch_dims=1)
        is_stop = tf.reduce_any(tf.equal(last[:, None], stop_ids[None, :]), axis=-1)
        ends = tf.where(tf.logical_and(is_stop, ends > lengths), ends - 1, ends)
        positions = tf.range(tf.shape(tokens)[1])[None, :]
        whole = tf.ragged.boolean_mask(tokens, positions < ends[:, None])
        new = tf.ragged.boolean_mask(
            tokens, (positions >= lengths[:, None]) & (positions < ends[:, None])
        )
        return {"text": tokenizer.detokenize(whole), "completion": tokenizer.detokenize(new)}

    return generate_text


def export_saved_model(
    model,
    tokenizer,
    out_dir,
    max_new_tokens=100,
    temperature=1.0,
    top_k=0,
    top_p=1.0,
    greedy=False,
    repetition_penalty=1.0,
    seed=0,
    stop_tokens=None,
    overwrite=False,
):
    """Write `model` + `tokenizer` as a SavedModel at `out_dir`, atomically.

    The SavedModel is built in a temporary sibling folder and renamed into
    place only when complete: a failed export leaves nothing at `out_dir`
    (and an earlier export there untouched).

    Args:
        model: a causal LM (e.g. `kerazoo.models.GPT`).
        tokenizer: its kerazoo tokenizer.
        out_dir: destination folder; must not exist unless `overwrite`.
        max_new_tokens, temperature, top_k, top_p, greedy,
            repetition_penalty, seed, stop_tokens: the serving signature's
            generation settings (see `kerazoo.generation.generate`).
        overwrite: replace an existing export at `out_dir`.

    Returns:
        The `pathlib.Path` of the export.
    """
    out_dir = pathlib.Path(out_dir)
    if out_dir.exists() and not overwrite:
        raise ValueError(
            f"Export folder {os.fspath(out_dir)!r} already exists. Choose a new "
            "`out_dir` or pass overwrite=True (`--overwrite`)."
        )
    if not isinstance(max_new_tokens, int) or max_new_tokens <= 0:
        raise ValueError(f"`max_new_tokens` must be a positive int, got {max_new_tokens!r}.")
    settings = SamplingSettings(
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        greedy=greedy,
        repetition_penalty=repetition_penalty,
        seed=seed,
    )
    stop_ids = resolve_stop_token_ids(tokenizer, stop_tokens)

    archive = keras.export.ExportArchive()
    archive.track(model)
    if not tokenizer.built:
        # Tokenizers hold lookup tables, not weights; building only marks them ready.
        tokenizer.build(None)
    archive.track(tokenizer)
    archive.add_endpoint(
        "serving_default",
        _text_generation_function(model, tokenizer, max_new_tokens, settings, stop_ids),
    )
    archive.add_endpoint(
        "logits",
        tf.function(
            lambda token_ids: {"logits": model(token_ids, training=False)},
            input_signature=[tf.TensorSpec([None, None], tf.int32, name="token_ids")],
        ),
    )
    previous = None
    if out_dir.exists():
        previous = out_dir.with_name(f".{out_dir.name}.{uuid.uuid4().hex}.old")
    with atomic_path(out_dir) as temporary:
        archive.write_out(os.fspath(temporary), verbose=False)
        if previous is not None:
            os.replace(out_dir, previous)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
    return out_dir
