"""Turning next-token logits into a token: penalties, temperature, top-k, top-p.

Every setting is a tensor, not a Python constant, so changing it between
calls does not retrace a compiled decoding loop.

Sampling draws its randomness from a counter-based hash of (seed, step, row,
token) in plain integer ops, and takes the Gumbel-max of the filtered
logits. TensorFlow's own stateless random ops give other numbers under XLA
than without it, so `generate` (compiled) and an exported SavedModel (not
compiled) would sample different text from the same seed; with the hash,
both give the same.
"""

import dataclasses

import tensorflow as tf


@dataclasses.dataclass
class SamplingSettings:
    """How the next token is chosen. Validated here, where the values enter.

    Attributes:
        temperature: float > 0. Divides the logits; < 1 sharpens, > 1 flattens.
        top_k: int >= 0. Sample among the k most likely tokens; 0 turns it off.
        top_p: float in (0, 1]. Nucleus sampling: the smallest set of tokens
            whose probability reaches p; 1.0 turns it off.
        greedy: bool. Take the most likely token (after the repetition
            penalty) instead of sampling; the other settings are then unused.
        repetition_penalty: float >= 1 (CTRL's): logits of tokens already in
            the sequence are divided by it when positive, multiplied when
            negative; 1.0 turns it off.
        seed: int. The same seed gives the same tokens.
    """

    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0
    greedy: bool = False
    repetition_penalty: float = 1.0
    seed: int = 0

    def __post_init__(self):
        if not self.temperature > 0:
            raise ValueError(
                f"`temperature` must be > 0, got {self.temperature!r}; use "
                "`greedy=True` for deterministic decoding."
            )
        if not isinstance(self.top_k, int) or self.top_k < 0:
            raise ValueError(f"`top_k` must be an int >= 0 (0 = off), got {self.top_k!r}.")
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError(f"`top_p` must be in (0, 1] (1 = off), got {self.top_p!r}.")
        if not self.repetition_penalty >= 1.0:
            raise ValueError(
                "`repetition_penalty` must be >= 1.0 (1 = off), got "
                f"{self.repetition_penalty!r}."
            )
        if not isinstance(self.seed, int):
            raise TypeError(f"`seed` must be an int, got {self.seed!r}.")

    def as_tensors(self):
        """The settings as a dict of scalar tensors, for a compiled loop."""
        return {
            "temperature": tf.constant(self.temperature, tf.float32),
            "top_k": tf.constant(self.top_k, tf.int32),
            "top_p": tf.constant(self.top_p, tf.float32),
            "greedy": tf.constant(self.greedy, tf.bool),
            "repetition_penalty": tf.constant(self.repetition_penalty, tf.float32),
            "seed": tf.constant(self.seed, tf.int32),
        }


def apply_repetition_penalty(logits, presence, penalty):
    """Penalise tokens already seen.

    Args:
        logits: (batch, vocab) float32.
        presence: (batch, vocab) float32, 1 where the token occurred.
        penalty: scalar float32 >= 1.

    Returns:
        (batch, vocab) float32 logits.
    """
    penalized = tf.where(logits > 0, logits / penalty, logits * penalty)
    return tf.where(presence > 0, penalized, logits)


def filter_top_k_top_p(logits, top_k, top_p):
    """Set to -inf every logit outside the top-k and outside the top-p nucleus.

    Works with `top_k` and `top_p` as tensors (no static `k` needed, so XLA
    compiles it once): the thresholds are read off one descending sort.

    Args:
        logits: (batch, vocab) float32.
        top_k: scalar int32, 0 = off.
        top_p: scalar float32, 1.0 = off.

    Returns:
        (batch, vocab) float32 logits.
    """
    vocabulary_size = tf.shape(logits)[-1]
    sorted_logits = tf.sort(logits, axis=-1, direction="DESCENDING")
    k = tf.where(top_k > 0, tf.minimum(top_k, vocabulary_size), vocabulary_size)
    ranks = tf.range(vocabulary_size)[None, :]
    sorted_logits = tf.where(ranks < k, sorted_logits, float("-inf"))
    probabilities = tf.nn.softmax(sorted_logits, axis=-1)
    # A token stays when the mass before it is below p; the first always stays.
    mass_before = tf.cumsum(probabilities, axis=-1, exclusive=True)
    kept = tf.logical_and(mass_before < top_p, ranks < k)
    kept_count = tf.maximum(tf.reduce_sum(tf.cast(kept, tf.int32), axis=-1), 1)
    threshold = tf.gather(sorted_logits, kept_count - 1, batch_dims=1)  # (batch,)
    return tf.where(logits < threshold[:, None], float("-inf"), logits)


def choose_next_token(logits, presence, settings, step):
    """The next token for each row.

    Args:
        logits: (batch, vocab) float32 next-token logits.
        presence: (batch, vocab) float32, 1 for tokens already in the row.
        settings: dict of scalar tensors from `SamplingSettings.as_tensors`.
        step: scalar int32, folded into the seed so each step draws afresh.

    Returns:
        (batch,) int32 token ids.
    """
    logits = apply_repetition_penalty(logits, presence, settings["repetition_penalty"])
    greedy_tokens = tf.argmax(logits, axis=-1, output_type=tf.int32)

    def sample():
        scaled = logits / settings["temperature"]
        filtered = filter_top_k_top_p(scaled, settings["top_k"], settings["top_p"])
        noise = gumbel_noise(settings["seed"], step, tf.shape(filtered))
        return tf.argmax(filtered + noise, axis=-1, output_type=tf.int32)

    return tf.cond(settings["greedy"], lambda: greedy_tokens, sample)


_MASK_32 = 0xFFFFFFFF


def _mix(x):
    """A 32-bit integer hash (lowbias32) on int64 tensors holding 32-bit values."""
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 16))
    x = tf.bitwise.bitwise_and(x * 0x7FEB352D, _MASK_32)
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 15))
    x = tf.bitwise.bitwise_and(x * 0x846CA68B, _MASK_32)
    return tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 16))


def _word(x, multiplier):
    """`x * multiplier` modulo 2**32, for int64 `x`."""
    return tf.bitwise.bitwise_and(x * multiplier, _MASK_32)


def gumbel_noise(seed, step, shape):
    """Standard Gumbel noise, the same on every device, with or without XLA.

    `argmax(logits + gumbel_noise(...))` is a draw from `softmax(logits)`.

    Args:
        seed: scalar int32 tensor.
        step: scalar int32 tensor (the decoding position).
        shape: (batch, vocab), a 1-D int32 tensor or a tuple.

    Returns:
        (batch, vocab) float32 noise, a function of (seed, step, row, token).
    """
    rows = tf.range(shape[0], dtype=tf.int64)[:, None]
    tokens = tf.range(shape[1], dtype=tf.int64)[None, :]
    xor = tf.bitwise.bitwise_xor
    key = _mix(tf.bitwise.bitwise_and(tf.cast(seed, tf.int64), _MASK_32))
    key = _mix(xor(key, _word(tf.cast(step, tf.int64), 0x85EBCA77)))
    x = _mix(xor(key, _word(rows, 0xC2B2AE3D)))
    x = _mix(xor(x, _word(tokens, 0x27D4EB2F)))
    # 24 random bits -> a uniform in (0, 1), never 0 or 1.
    uniform = (tf.cast(tf.bitwise.right_shift(x, 8), tf.float32) + 0.5) / float(1 << 24)
    return -tf.math.log(-tf.math.log(uniform))
