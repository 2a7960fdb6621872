"""Translation as a SavedModel signature: source strings in, translations out, all in the graph.

Signatures of `export_translation`:
    serving_default(sources: (batch,) tf.string) -> {"translation": (batch,)
        tf.string, "source_truncated": (batch,) bool}. Tokenizer, source
        packing, the encoder pass, greedy or beam-search decoding with the
        decoder caches, and detokenization all run in the graph; the decoding
        settings are fixed at export time. A source longer than the model's
        `max_source_length` is translated from its first tokens, and its
        `source_truncated` is True, so a client can tell.
    logits(the model's four int32 inputs) -> {"logits": (batch, time, vocab)}.

Reloading needs `tensorflow` and `tensorflow_text` (the WordPiece ops).
"""

import tensorflow as tf

from kerazoo.data.ragged_tokens import tokenize_to_ragged
from kerazoo.data.translation import pack_source_ids, start_token_id, tidy_spacing
from kerazoo.export.saved_model import check_export_folder, forward_endpoint, write_saved_model
from kerazoo.generation.beam_search import beam_search
from kerazoo.generation.decoding import decode
from kerazoo.generation.sampling import SamplingSettings


def translation_endpoint(model, tokenizer, max_new_tokens, num_beams=1, length_penalty=1.0):
    """The `serving_default` endpoint: sources (strings) to translations.

    Args:
        model: an encoder-decoder of the decoding protocol (see
            `kerazoo.generation.translation`).
        tokenizer: its tokenizer (`train_joint_word_piece`).
        max_new_tokens: int in [1, context_window - 1].
        num_beams: int >= 1; 1 is greedy.
        length_penalty: float, for beam search.

    Returns:
        A `tf.function` taking `sources` (batch,) tf.string and returning
        `{"translation": (batch,) tf.string, "source_truncated": (batch,) bool}`.
    """
    start, end = start_token_id(tokenizer), tokenizer.end_token_id
    stop_ids = tf.constant([end], tf.int32)
    settings = SamplingSettings(greedy=True)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="sources")])
    def translate(sources):
        ids = tokenize_to_ragged(tokenizer, sources)
        encoder_inputs = pack_source_ids(tokenizer, ids, model.max_source_length)
        batch = tf.shape(sources)[0]
        prompts = tf.fill([batch, 1], tf.constant(start, tf.int32))
        lengths = tf.ones([batch], tf.int32)
        if num_beams > 1:
            tokens, ends, _ = beam_search(
                model, prompts, lengths, max_new_tokens, num_beams,
                length_penalty=length_penalty, stop_token_ids=stop_ids,
                encoder_inputs=encoder_inputs)
            tokens, ends = tokens[:, 0], ends[:, 0]
        else:
            tokens, ends = decode(model, prompts, lengths, max_new_tokens,
                                  settings.as_tensors(), stop_ids,
                                  encoder_inputs=encoder_inputs)
        positions = tf.range(tf.shape(tokens)[1])[None, :]
        keep = (positions >= 1) & (positions < ends[:, None]) & (tokens != end)
        words = tokenizer.detokenize(tf.ragged.boolean_mask(tokens, keep))
        return {"translation": tidy_spacing(words),
                # `tokens + [END]` longer than the encoder takes.
                "source_truncated": ids.row_lengths() + 1 > model.max_source_length}

    return translate


def export_translation(model, tokenizer, out_dir, max_new_tokens=None, num_beams=1,
                       length_penalty=1.0, overwrite=False):
    """Write `model` + `tokenizer` as a translation SavedModel, atomically.

    Args:
        model, tokenizer: see `translation_endpoint`.
        out_dir: destination folder; must not exist unless `overwrite`.
        max_new_tokens: int >= 1, capped at `context_window - 1`; None for that.
        num_beams, length_penalty: see `translation_endpoint`.
        overwrite: replace an existing export at `out_dir`.

    Returns:
        The `pathlib.Path` of the export.
    """
    check_export_folder(out_dir, overwrite)
    most = model.context_window - 1
    if max_new_tokens is not None and (
            not isinstance(max_new_tokens, int) or max_new_tokens <= 0):
        raise ValueError(f"`max_new_tokens` must be a positive int, got {max_new_tokens!r}.")
    max_new_tokens = most if max_new_tokens is None else min(max_new_tokens, most)
    endpoints = {
        "serving_default": translation_endpoint(
            model, tokenizer, max_new_tokens, num_beams, length_penalty),
        "logits": forward_endpoint(model),
    }
    return write_saved_model(out_dir, model, tokenizer, endpoints, overwrite=overwrite)
