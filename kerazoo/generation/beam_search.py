"""Beam search over the decoding protocol, in one compiled `tf.while_loop`.

Hugging Face's semantics. Each row keeps `num_beams` alive hypotheses. At
every step the alive beams' candidates are ranked by summed log-probability
(log-softmax in float32); a candidate ending in a stop token and ranked
among the row's best `num_beams` is finished and moves to the row's pool of
finished hypotheses, scored as its summed log-probability divided by
(generated tokens, the stop token included) ** `length_penalty`; the pool
keeps the row's best `num_beams`. The best non-stop candidates stay alive.
A row is done when its pool is full and either `early_stopping` is True, or
(HF's `early_stopping=False` heuristic) the best alive beam, scored at its
current length, does not beat the worst finished one; the heuristic is
exact for `length_penalty <= 0`, while with a positive penalty a longer
hypothesis could still have overtaken. At `max_new_tokens` the alive beams
of rows not done join the pool, so a row with no finished hypothesis
returns its alive beams.

Ragged prompts are handled as in `kerazoo.generation.decoding`: all rows
advance together from the shortest prompt's end, and a row still inside
its prompt has all its beams forced to its prompt token, without score.

keras-hub's `BeamSampler` is not used: it ranks beams by raw summed
log-probability (no length penalty), lets a beam run on past a stop token
instead of moving it to a pool of finished hypotheses (so no n-best list of
finished sequences and no early stopping), and on ragged prompts it adds
the score of, and reorders beams by, tokens it then overwrites with the
prompt's.
"""

import math
import numbers

import tensorflow as tf

from kerazoo.generation.protocol import check_decodable


def beam_search(
    model,
    token_ids,
    prompt_lengths,
    max_new_tokens,
    num_beams,
    length_penalty=1.0,
    early_stopping=False,
    num_return_sequences=1,
    stop_token_ids=(),
    encoder_inputs=None,
    pad_token_id=0,
    new_tokens=None,
):
    """The `num_return_sequences` best continuations of each prompt.

    Every step is a tensor op inside one `tf.while_loop`; with a static
    prompt width its shapes are static, so the search compiles with
    `tf.function(jit_compile=True)`. There is no sliding window: prompt and
    output must fit in `model.context_window`.

    Args:
        model: implements `kerazoo.generation.protocol` (its state may be
            any nest of tensors with the batch leading).
        token_ids: (batch, prompt_width) int32 prompts, right-padded. A
            dynamic `prompt_width` works in a graph without XLA (a server's
            request); the caller then keeps prompt + output within the
            context, which only a static width lets this function check.
        prompt_lengths: (batch,) int32, each in [1, prompt_width].
        max_new_tokens: Python int >= 1, new tokens per hypothesis (it
            fixes the output's shape).
        num_beams: int >= 1, alive and finished hypotheses kept per prompt.
            `num_beams=1` is greedy decoding. A scalar int32 tensor (a
            server's per-request width, checked by the caller) works in a
            graph without XLA; XLA needs a Python int.
        length_penalty: float. Scores are divided by (generated tokens) **
            `length_penalty`; > 0 favours longer outputs, < 0 shorter ones.
        early_stopping: bool. True: a row stops as soon as it has
            `num_beams` finished hypotheses; False: HF's heuristic (see the
            module docstring).
        num_return_sequences: Python int in [1, num_beams].
        stop_token_ids: ints or a 1-D int tensor of static length, ids in
            [0, vocabulary_size) that finish a hypothesis (kept in it).
        encoder_inputs: passed to `model.init_decoding_state`, for a model
            with an encoder; a nest of tensors of `batch` rows.
        pad_token_id: int written after each hypothesis' end.
        new_tokens: scalar int32 tensor in [1, `max_new_tokens`], the new
            tokens this call makes (a server's per-request length), or None
            for `max_new_tokens`. The output keeps `max_new_tokens` columns.

    Returns:
        `(token_ids, lengths, scores)`, best first within each row:
        (batch, num_return_sequences, prompt_width + max_new_tokens) int32
        prompts followed by their continuations, (batch,
        num_return_sequences) int32 lengths (prompt + output, the stop token
        included), and (batch, num_return_sequences) float32 scores. A slot
        a row could not fill (more beams than distinct continuations) holds
        the prompt alone with a score of -inf.

    Raises:
        TypeError: if `model` lacks a member of the decoding protocol.
        ValueError: if an argument is out of range, or prompt + output
            exceed `model.context_window`.

    Example:

    ```python
    tokens, lengths, scores = beam_search(
        model, tf.constant([[5, 6, 7]]), tf.constant([3]), max_new_tokens=8,
        num_beams=4, num_return_sequences=2, stop_token_ids=(2,))
    ```
    """
    check_decodable(model)
    token_ids = tf.cast(token_ids, tf.int32)
    prompt_lengths = tf.cast(prompt_lengths, tf.int32)
    stop_ids = tf.reshape(tf.cast(stop_token_ids, tf.int32), [-1])
    _check_arguments(
        model, token_ids, prompt_lengths, max_new_tokens, num_beams, length_penalty,
        early_stopping, num_return_sequences, stop_ids, pad_token_id,
    )
    vocabulary_size = model.vocabulary_size
    # A static batch size, when known, keeps loop shapes fully defined.
    batch = token_ids.shape[0] or tf.shape(token_ids)[0]
    prompt_width = token_ids.shape[1] or tf.shape(token_ids)[1]
    total_width = prompt_width + max_new_tokens
    # Each beam has at most len(stop_ids) finishing candidates, so this many
    # always hold `num_beams` that can stay alive.
    num_candidates = (min if isinstance(num_beams, int) else tf.minimum)(
        (1 + stop_ids.shape[0]) * num_beams, num_beams * vocabulary_size
    )
    penalty = tf.constant(length_penalty, tf.float32)
    columns = tf.range(total_width)
    rows = tf.range(batch)[:, None]
    if new_tokens is None:
        new_tokens = max_new_tokens
    ends = prompt_lengths + new_tokens
    start = tf.reduce_min(prompt_lengths)

    # Prefill every prompt up to the shortest one's last token, which the
    # first step feeds; masking the rest keeps a recurrent state exact.
    prefix = tf.cast(tf.range(prompt_width)[None, :] < start - 1, tf.int32)
    state = model.init_decoding_state(batch, encoder_inputs=encoder_inputs)
    _, state = model.decode_step(token_ids, state, 0, prefix * tf.ones_like(token_ids))
    state = tf.nest.map_structure(lambda leaf: tf.repeat(leaf, num_beams, axis=0), state)

    buffer = tf.pad(token_ids, [[0, 0], [0, max_new_tokens]], constant_values=pad_token_id)
    sequences = tf.tile(buffer[:, None, :], [1, num_beams, 1])  # (batch, beams, width)
    first_beam_only = tf.where(tf.range(num_beams) == 0, 0.0, -math.inf)
    alive = tf.tile(first_beam_only[None, :], [batch, 1])  # (batch, beams)
    # Finished hypotheses: (sequences, scores, lengths), -inf scores when empty.
    pool = (sequences, tf.fill(tf.shape(alive), -math.inf),
            tf.tile(prompt_lengths[:, None], [1, num_beams]))
    done = tf.zeros_like(prompt_lengths, tf.bool)

    def write(sequences, index, tokens):
        """`sequences` with column `index` set to `tokens` (batch, beams)."""
        return tf.where(columns == index, tokens[..., None], sequences)

    def normalise(log_probs, generated):
        """Summed log-probabilities over `generated` tokens ** penalty."""
        return log_probs / tf.pow(tf.cast(tf.maximum(generated, 1), tf.float32), penalty)[:, None]

    def condition(index, sequences, alive, state, pool, done):
        return tf.logical_and(index < tf.reduce_max(ends), tf.logical_not(tf.reduce_all(done)))

    def step(index, sequences, alive, state, pool, done):
        current = tf.reshape(tf.gather(sequences, index - 1, axis=2), [-1, 1])
        logits, state = model.decode_step(current, state, index - 1)
        log_probs = tf.nn.log_softmax(tf.cast(logits[:, 0, :], tf.float32))
        log_probs = tf.reshape(log_probs, [-1, num_beams * vocabulary_size])
        candidates = tf.repeat(alive, vocabulary_size, axis=1) + log_probs
        top_scores, top_ids = tf.math.top_k(candidates, num_candidates)  # (batch, candidates)
        top_beams, top_tokens = top_ids // vocabulary_size, top_ids % vocabulary_size
        is_stop = tf.reduce_any(top_tokens[..., None] == stop_ids, axis=-1)

        active = (index >= prompt_lengths) & (index < ends) & tf.logical_not(done)
        generated = index - prompt_lengths + 1

        # Stop-token candidates among the best `num_beams` are finished.
        finishing = is_stop[:, :num_beams] & active[:, None]
        finishing &= tf.math.is_finite(top_scores[:, :num_beams])
        finished = (
            write(tf.gather(sequences, top_beams[:, :num_beams], batch_dims=1), index,
                  top_tokens[:, :num_beams]),
            tf.where(finishing, normalise(top_scores[:, :num_beams], generated), -math.inf),
            tf.fill(tf.shape(finishing), index + 1),
        )
        pool = _keep_best(pool, finished, num_beams)

        # The best `num_beams` non-stop candidates stay alive, in rank order.
        rank = tf.range(num_candidates)
        order = tf.where(is_stop, -rank - num_candidates, -rank)
        kept = tf.math.top_k(order, num_beams).indices
        kept_scores = tf.where(tf.gather(is_stop, kept, batch_dims=1), -math.inf,
                               tf.gather(top_scores, kept, batch_dims=1))
        # Rows not generating keep their beams: forced to the prompt token
        # inside the prompt, padded once done or past their end.
        beams = tf.where(active[:, None], tf.gather(top_beams, kept, batch_dims=1),
                         tf.range(num_beams)[None, :])
        forced = tf.where(index < prompt_lengths, tf.gather(sequences[:, 0], index, axis=1),
                          pad_token_id)
        tokens = tf.where(active[:, None], tf.gather(top_tokens, kept, batch_dims=1),
                          forced[:, None])
        alive = tf.where(active[:, None], kept_scores, alive)
        sequences = write(tf.gather(sequences, beams, batch_dims=1), index, tokens)
        flat_beams = tf.reshape(beams + rows * num_beams, [-1])
        state = tf.nest.map_structure(lambda leaf: tf.gather(leaf, flat_beams), state)

        full = tf.reduce_all(tf.math.is_finite(pool[1]), axis=-1)
        if early_stopping:
            settled = full
        else:
            best_alive = tf.reduce_max(normalise(alive, generated), axis=-1)
            settled = full & (tf.reduce_min(pool[1], axis=-1) >= best_alive)
        done |= active & settled
        return index + 1, sequences, alive, state, pool, done

    _, sequences, alive, _, pool, done = tf.while_loop(
        condition,
        step,
        (start, sequences, alive, state, pool, done),
        maximum_iterations=total_width,
    )
    # Rows that ran to `max_new_tokens` offer their alive beams too.
    unfinished = tf.logical_not(done)[:, None] & tf.math.is_finite(alive)
    last = (
        sequences,
        tf.where(unfinished, normalise(alive, tf.fill(tf.shape(done), new_tokens)), -math.inf),
        tf.tile(ends[:, None], [1, num_beams]),
    )
    sequences, scores, lengths = _keep_best(pool, last, num_return_sequences)
    sequences = tf.where(columns < lengths[..., None], sequences, pad_token_id)
    return sequences, lengths, scores


def _keep_best(pool, candidates, size):
    """The `size` best of two `(sequences, scores, lengths)` sets, best first.

    Args:
        pool, candidates: tuples of (batch, n, width) int32 sequences,
            (batch, n) float32 scores (-inf for none) and (batch, n) int32
            lengths.
        size: Python int, how many to keep.

    Returns:
        The same tuple with `size` entries per row, sorted by score.
    """
    merged = [tf.concat([a, b], axis=1) for a, b in zip(pool, candidates)]
    best = tf.math.top_k(merged[1], size).indices
    return tuple(tf.gather(part, best, batch_dims=1) for part in merged)


def _check_int(name, value, low, high=None, allowed=">= 1"):
    """Raise a `ValueError` unless `value` is a Python int in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (
        high is not None and value > high
    ):
        raise ValueError(f"`{name}` must be a Python int {allowed}, got {value!r}.")


def _check_arguments(
    model, token_ids, prompt_lengths, max_new_tokens, num_beams, length_penalty,
    early_stopping, num_return_sequences, stop_ids, pad_token_id,
):
    """Raise a `ValueError` naming the first argument out of range."""
    if token_ids.shape.rank != 2:
        raise ValueError(
            f"`token_ids` must be (batch, prompt_width), got shape {token_ids.shape}."
        )
    prompt_width = token_ids.shape[1]
    lengths = tf.get_static_value(prompt_lengths)
    if prompt_lengths.shape.rank != 1 or (
        lengths is not None and prompt_width is not None
        and not ((lengths >= 1) & (lengths <= prompt_width)).all()
    ):
        raise ValueError(
            f"`prompt_lengths` must be (batch,) ints in [1, {prompt_width}] (the "
            f"prompt width), got {lengths if lengths is not None else prompt_lengths}."
        )
    _check_int("max_new_tokens", max_new_tokens, 1)
    if tf.is_tensor(num_beams):
        if num_beams.dtype != tf.int32 or num_beams.shape.rank != 0:
            raise ValueError(f"`num_beams` must be a Python int or a scalar int32 tensor, got {num_beams!r}.")
        _check_int("num_return_sequences", num_return_sequences, 1, 1,
                   "equal to 1 when `num_beams` is a tensor")
    else:
        _check_int("num_beams", num_beams, 1)
        _check_int("num_return_sequences", num_return_sequences, 1, num_beams,
                   f"in [1, num_beams={num_beams}] (only num_beams hypotheses are kept)")
    if isinstance(length_penalty, bool) or not isinstance(length_penalty, numbers.Real) or (
        not math.isfinite(length_penalty)
    ):
        raise ValueError(f"`length_penalty` must be a finite float, got {length_penalty!r}.")
    if not isinstance(early_stopping, bool):
        raise ValueError(f"`early_stopping` must be True or False, got {early_stopping!r}.")
    _check_int("pad_token_id", pad_token_id, 0, allowed=">= 0")
    stop_values = tf.get_static_value(stop_ids)
    if stop_ids.shape[0] is None or (
        stop_values is not None
        and not ((stop_values >= 0) & (stop_values < model.vocabulary_size)).all()
    ):
        raise ValueError(
            "`stop_token_ids` must be ints in [0, vocabulary_size="
            f"{model.vocabulary_size}) of static count, got {stop_values}."
        )
    window = model.context_window
    if window is not None and prompt_width is not None and (
        prompt_width + max_new_tokens > window
    ):
        raise ValueError(
            f"`max_new_tokens` ({max_new_tokens}) plus the prompt width ({prompt_width}) "
            f"exceed the model's context_window of {window}; beam search does not "
            f"slide the window. Ask for at most {window - prompt_width} new tokens or "
            "shorten the prompts."
        )
