"""Translating sentences with an encoder-decoder: pack sources, decode from `[START]`, detokenize.

Works with any model of the decoding protocol whose `init_decoding_state`
takes the packed source (`kerazoo.data.translation.pack_sources`) and
whose tokenizer comes from `train_joint_word_piece`.
"""

import warnings

import numpy as np
import tensorflow as tf

from kerazoo.data.translation import (
    pack_sources,
    packed_source_lengths,
    start_token_id,
    tidy_spacing,
)
from kerazoo.generation.generator import generator_for
from kerazoo.generation.sampling import SamplingSettings
from kerazoo.utils.checks import check_int

# Source widths are rounded up to a multiple of this, so batches of similar
# sentences share one compiled decoding loop.
SOURCE_WIDTH_BUCKET = 16
# What `translate` does with a source longer than the model's `max_source_length`.
LONG_SOURCES = ("truncate", "error")


def translate(model, tokenizer, sources, max_new_tokens=None, num_beams=1,
              length_penalty=1.0, batch_size=64, jit_compile=True, long_sources="truncate"):
    """Translations of `sources`, greedy (`num_beams=1`) or by beam search.

    Args:
        model: e.g. `kerazoo.models.build("transformer")`.
        tokenizer: its tokenizer (`train_joint_word_piece`).
        sources: a str or a list of str.
        max_new_tokens: int >= 1, at most `context_window - 1`; None for
            that most.
        num_beams: int >= 1.
        length_penalty: float, see `kerazoo.generation.beam_search`.
        batch_size: sentences decoded together.
        jit_compile: compile the loop with XLA.
        long_sources: a source longer than the model's `max_source_length`
            (packed as `tokens + [END]`): `"truncate"` keeps its first tokens
            and warns (a `UserWarning` counting them), `"error"` raises.

    Returns:
        A str for a str, else a list of str.

    Raises:
        ValueError: with `long_sources="error"`, naming the first long source.
    """
    single = isinstance(sources, str)
    outputs = translation_ids(model, tokenizer, [sources] if single else sources,
                              max_new_tokens, num_beams, length_penalty, batch_size, jit_compile,
                              long_sources)
    ids = tf.ragged.constant(outputs, dtype=tf.int32, ragged_rank=1)
    texts = [t.decode("utf-8", errors="replace")
             for t in tidy_spacing(tokenizer.detokenize(ids)).numpy()]
    return texts[0] if single else texts


def translation_ids(model, tokenizer, sources, max_new_tokens=None, num_beams=1,
                    length_penalty=1.0, batch_size=64, jit_compile=True, long_sources="truncate"):
    """The target token ids `translate` detokenizes: one list per source, no `[START]`/`[END]`.

    Args:
        sources: a non-empty list of str; the other arguments as `translate`.
    """
    texts = list(sources) if isinstance(sources, (list, tuple)) else sources
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise TypeError("`sources` must be a str or a non-empty list of str.")
    most = model.context_window - 1
    max_new_tokens = most if max_new_tokens is None else min(max_new_tokens, most)
    check_int("max_new_tokens", max_new_tokens, low=1)
    check_int("num_beams", num_beams, low=1)
    check_int("batch_size", batch_size, low=1)
    _check_long_sources(tokenizer, texts, model.max_source_length, long_sources)
    generator = generator_for(model, jit_compile)
    start, end = start_token_id(tokenizer), tokenizer.end_token_id
    outputs = []
    for first in range(0, len(texts), batch_size):
        batch = texts[first: first + batch_size]
        encoder_inputs = _bucketed(pack_sources(tokenizer, batch, model.max_source_length))
        prompts = [[start]] * len(batch)
        if num_beams > 1:
            sequences, _ = generator.beam_search_ids(
                prompts, max_new_tokens, num_beams, length_penalty,
                stop_token_ids=(end,), encoder_inputs=encoder_inputs)
            outputs += [best[0] for best in sequences]
        else:
            outputs += generator.generate_ids(
                prompts, max_new_tokens, SamplingSettings(greedy=True), (end,),
                encoder_inputs=encoder_inputs)
    return [[t for t in row[1:] if t != end] for row in outputs]


def _check_long_sources(tokenizer, texts, max_source_length, long_sources):
    """Warns about, or refuses, sources that `pack_sources` would truncate."""
    if long_sources not in LONG_SOURCES:
        raise ValueError(
            f"`long_sources` must be one of {LONG_SOURCES}. Received: {long_sources!r}.")
    lengths = packed_source_lengths(tokenizer, texts)
    long = np.flatnonzero(lengths > max_source_length)
    if not len(long):
        return
    first = int(long[0])
    message = (f"{len(long)} of {len(texts)} sources are longer than the model's "
               f"max_source_length={max_source_length} tokens ([END] included); the first, "
               f"source {first}, has {lengths[first]}: {texts[first][:60]!r}")
    if long_sources == "error":
        raise ValueError(f"{message}. Shorten or split them, or pass "
                         "long_sources='truncate' (`--long-sources truncate`) to translate "
                         "their first tokens only.")
    warnings.warn(f"{message}; only their first tokens are translated "
                  "(long_sources='error', `--long-sources error`, refuses them).", stacklevel=4)


def _bucketed(encoder_inputs):
    """Packed sources right-padded to a multiple of `SOURCE_WIDTH_BUCKET`."""
    width = encoder_inputs["encoder_token_ids"].shape[1]
    extra = -width % SOURCE_WIDTH_BUCKET
    return {name: tf.constant(np.pad(np.asarray(value), [[0, 0], [0, extra]]))
            for name, value in encoder_inputs.items()}
