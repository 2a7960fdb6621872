"""The in-graph decoding loop: prefill, then one cached step per new token.

The loop runs over token ids only, so it works inside a compiled
`tf.function` (XLA) and inside an exported SavedModel alike. It drives any
model of the decoding protocol (`kerazoo.generation.protocol`): a GPT's
key/value cache, a recurrent state or an encoder-decoder's caches.

Batches of prompts of different lengths are right-padded into one buffer.
All rows advance together from the shortest prompt's end; a row still inside
its own prompt keeps its prompt token instead of the sampled one (the
approach of keras-hub's samplers). Padding is always in the future of a
row's real tokens, so the causal mask alone hides it.

Sliding window, for models with a `context_window` (C): when
prompt + new tokens outgrow it, the oldest tokens are dropped: the newest
`C // 2` tokens are re-encoded at positions 0 .. C//2 - 1 in one pass and
decoding goes on from there, so every token sees at least `C // 2` and at
most `C - 1` earlier tokens. Re-encoding happens once every `C - C // 2`
steps, so the cost per token stays flat however long the output.
"""

import tensorflow as tf

from kerazoo.generation.sampling import choose_next_token


def _window(position, context):
    """Cache layout for absolute `position`: (position of slot 0, re-encode now?)."""
    keep = context // 2
    stride = context - keep
    past_end = position - context
    overflowed = past_end >= 0
    offset = tf.where(overflowed, stride * (1 + past_end // stride), 0)
    refill = tf.logical_and(overflowed, past_end % stride == 0)
    return offset, refill


def _presence(token_ids, valid, vocabulary_size):
    """(batch, vocab) float32: 1 where a valid token of the row occurs."""
    batch = tf.shape(token_ids)[0]
    length = tf.shape(token_ids)[1]
    rows = tf.repeat(tf.range(batch), length)
    indices = tf.stack([rows, tf.reshape(token_ids, [-1])], axis=-1)
    updates = tf.reshape(tf.cast(valid, tf.float32), [-1])
    return tf.tensor_scatter_nd_max(
        tf.zeros((batch, vocabulary_size), tf.float32), indices, updates
    )


def decode(
    model,
    token_ids,
    prompt_lengths,
    max_new_tokens,
    settings,
    stop_token_ids,
    pad_token_id=0,
    encoder_inputs=None,
    new_tokens=None,
):
    """Extend each prompt by up to `max_new_tokens` tokens.

    Args:
        model: see the module docstring.
        token_ids: (batch, prompt_width) int32 prompts, right-padded;
            `prompt_width <= model.context_window` when it has one.
        prompt_lengths: (batch,) int32, each >= 1.
        max_new_tokens: Python int > 0 (it fixes the output buffer's shape).
        settings: dict of scalar tensors from `SamplingSettings.as_tensors`.
        stop_token_ids: (num_stop,) int32, possibly empty. A row stops after
            it produces one of them.
        pad_token_id: int, written after a row stops.
        encoder_inputs: a nest of tensors for the model's encoder, or None;
            the encoder runs once, in `init_decoding_state`.
        new_tokens: scalar int32 tensor <= `max_new_tokens`, the new tokens
            this call makes (a server's per-request length), or None for
            `max_new_tokens`. The output keeps `max_new_tokens` columns.

    Returns:
        `(token_ids, lengths)`: (batch, prompt_width + max_new_tokens) int32
        prompts followed by the new tokens, and (batch,) int32 lengths of
        each row's prompt + output (the stop token included).
    """
    context = model.context_window
    token_ids = tf.cast(token_ids, tf.int32)
    prompt_lengths = tf.cast(prompt_lengths, tf.int32)
    # A static batch size, when known, keeps loop shapes fully defined.
    batch = token_ids.shape[0] or tf.shape(token_ids)[0]
    prompt_width = tf.shape(token_ids)[1]
    keep = 0 if context is None else context // 2
    # `keep` spare columns: XLA compiles the re-encode branch's `keep`-wide
    # slice even when the output is too short ever to slide.
    buffer = tf.pad(
        token_ids, [[0, 0], [0, max_new_tokens + keep]], constant_values=pad_token_id
    )
    total_width = prompt_width + max_new_tokens
    ends = prompt_lengths + (max_new_tokens if new_tokens is None else new_tokens)
    start = tf.reduce_min(prompt_lengths)
    stop = tf.reduce_max(ends)

    # The prefill stops before the shortest prompt's last token, which the
    # first step feeds.
    columns = tf.range(prompt_width)[None, :]
    prefill_mask = tf.cast(tf.broadcast_to(columns < start - 1, tf.shape(token_ids)), tf.int32)
    _, state = model.decode_step(
        token_ids, model.init_decoding_state(batch, encoder_inputs), 0, prefill_mask
    )
    in_prompt = columns < prompt_lengths[:, None]
    presence = _presence(token_ids, in_prompt, model.vocabulary_size)
    done = tf.zeros((batch,), tf.bool)

    def condition(index, buffer, state, presence, done):
        return tf.logical_and(index < stop, tf.logical_not(tf.reduce_all(done)))

    def step(offset, index, buffer, state, presence, done):
        position = index - 1
        current = tf.slice(buffer, [0, position], [batch, 1])
        logits, state = model.decode_step(current, state, position - offset)
        logits = tf.cast(logits[:, 0, :], tf.float32)
        sampled = choose_next_token(logits, presence, settings, index)

        generating = index >= prompt_lengths
        prompt_token = tf.slice(buffer, [0, index], [batch, 1])[:, 0]
        finished = tf.logical_or(done, index >= ends)
        token = tf.where(generating, sampled, prompt_token)
        token = tf.where(finished, pad_token_id, token)
        buffer = tf.tensor_scatter_nd_update(
            buffer, tf.stack([tf.range(batch), tf.fill([batch], index)], axis=-1), token
        )
        fresh = tf.logical_and(generating, tf.logical_not(finished))
        presence = tf.maximum(
            presence,
            tf.one_hot(token, model.vocabulary_size) * tf.cast(fresh, tf.float32)[:, None],
        )
        is_stop = tf.reduce_any(tf.equal(token[:, None], stop_token_ids[None, :]), axis=-1)
        done = tf.logical_or(done, tf.logical_and(fresh, is_stop))
        return offset, index + 1, buffer, state, presence, done

    def segment(index, buffer, state, presence, done):
        # One window of the state: re-encode if it slid, then decode until it
        # is full. Keeping the re-encode `tf.cond` out of the per-token loop
        # spares XLA a copy of the state through it at every step.
        position = index - 1
        offset, refill = _window(position, context)

        def reencode():
            window = tf.slice(buffer, [0, position - keep], [batch, keep])
            empty = model.init_decoding_state(batch, encoder_inputs)
            return model.decode_step(window, empty, 0)[1]

        state = tf.cond(refill, reencode, lambda: state)
        return tf.while_loop(
            lambda offset, index, *rest: tf.logical_and(
                index <= offset + context, condition(index, *rest)
            ),
            step,
            (offset, index, buffer, state, presence, done),
        )[1:]

    def unwindowed(*loop):
        return step(0, *loop)[1:]

    # Without a window to slide, the loop is one run of steps.
    outer_step = unwindowed if context is None else segment
    index, buffer, _, _, _ = tf.while_loop(
        condition,
        outer_step,
        (start, buffer, state, presence, done),
        maximum_iterations=total_width,
    )
    buffer = buffer[:, :total_width]
    lengths = _output_lengths(buffer, prompt_lengths, tf.minimum(ends, index), stop_token_ids)
    return buffer, lengths


def _output_lengths(buffer, prompt_lengths, ends, stop_token_ids):
    """Each row's length: up to and including its first new stop token."""
    positions = tf.range(tf.shape(buffer)[1])[None, :]
    is_new = tf.logical_and(
        positions >= prompt_lengths[:, None], positions < ends[:, None]
    )
    is_stop = tf.reduce_any(tf.equal(buffer[:, :, None], stop_token_ids[None, None, :]), -1)
    stop_here = tf.logical_and(is_new, is_stop)
    first_stop = tf.reduce_min(
        tf.where(stop_here, positions, tf.shape(buffer)[1]), axis=-1
    )
    return tf.minimum(ends, first_stop + 1)
