import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerazoo.generation.beam_search import beam_search


def _constant_weight(layer, name, values):
    return layer.add_weight(
        shape=values.shape, initializer=keras.initializers.Constant(values),
        trainable=False, name=name,
    )


class HistoryLM(keras.Model):
    """Logits from a hash of the whole history, which is the state.

    Reordering the state wrongly, or letting masked prompt padding into it,
    changes every later logit.
    """

    def __init__(self, vocabulary_size=5, seed=0, buckets=101):
        super().__init__()
        self.vocabulary_size = vocabulary_size
        self.context_window = None
        self.buckets = buckets
        self.steps = 0
        table = 2.0 * np.random.default_rng(seed).normal(size=(buckets, vocabulary_size))
        self.table = _constant_weight(self, "table", table.astype("float32"))

    def init_decoding_state(self, batch_size, encoder_inputs=None):
        return tf.zeros([batch_size], tf.int32)

    def decode_step(self, token_ids, state, index, token_mask=None):
        self.steps += 1
        if token_mask is None:
            token_mask = tf.ones_like(token_ids)
        logits = []
        for t in range(token_ids.shape[1]):
            mixed = (state * 7 + token_ids[:, t] + 1) % self.buckets
            state = tf.where(token_mask[:, t] > 0, mixed, state)
            logits.append(tf.gather(self.table, mixed))
        return tf.stack(logits, axis=1), state


class BigramLM(keras.Model):
    """Next-token probabilities `table[last token]`; the state holds the last token."""

    def __init__(self, probabilities):
        super().__init__()
        self.vocabulary_size = len(probabilities)
        self.context_window = None
        log_table = np.log(np.asarray(probabilities, "float32"))
        self.table = _constant_weight(self, "table", log_table)

    def init_decoding_state(self, batch_size, encoder_inputs=None):
        return tf.zeros([batch_size], tf.int32)

    def decode_step(self, token_ids, state, index, token_mask=None):
        if token_mask is None:
            token_mask = tf.ones_like(token_ids)
        logits = []
        for t in range(token_ids.shape[1]):
            state = tf.where(token_mask[:, t] > 0, token_ids[:, t], state)
            logits.append(tf.gather(self.table, state))
        return tf.stack(logits, axis=1), state


class WindowLM(keras.Model):
    """A key/value-cache-like state (batch, window, dim) and a finite window.

    Each position's logits read every slot up to it; like a cache it ignores
    `token_mask`, since later steps overwrite padded slots before any read.
    """

    def __init__(self, vocabulary_size=6, window=12, dim=8, seed=0):
        super().__init__()
        self.vocabulary_size = vocabulary_size
        self.context_window = window
        rng = np.random.default_rng(seed)
        self.embeddings = _constant_weight(
            self, "embeddings", rng.normal(size=(vocabulary_size, dim)).astype("float32"))
        self.positions = _constant_weight(
            self, "positions", rng.normal(size=(window, dim)).astype("float32"))
        self.output_kernel = _constant_weight(
            self, "output_kernel", 3.0 * rng.normal(size=(dim, vocabulary_size)).astype("float32"))

    def init_decoding_state(self, batch_size, encoder_inputs=None):
        return tf.zeros([batch_size, self.context_window, self.embeddings.shape[1]])

    def decode_step(self, token_ids, state, index, token_mask=None):
        width = token_ids.shape[1]
        queries = index + tf.range(width)  # (T,)
        values = tf.gather(self.embeddings, token_ids) + tf.gather(self.positions, queries)
        slots = tf.range(self.context_window)
        written = (slots >= index) & (slots < index + width)
        spread = tf.gather(values, tf.clip_by_value(slots - index, 0, width - 1), axis=1)
        state = tf.where(written[None, :, None], spread, state)  # (batch, window, dim)
        visible = tf.cast(slots[None, :] <= queries[:, None], tf.float32)  # (T, window)
        hidden = tf.einsum("tw,bwd->btd", visible, state)
        return tf.tanh(hidden) @ self.output_kernel, state


class EncoderDecoderLM(HistoryLM):
    """A dict state: the history hash and the encoded source (batch, dim)."""

    def __init__(self, vocabulary_size=5, seed=0, dim=4):
        super().__init__(vocabulary_size, seed)
        rng = np.random.default_rng(seed + 1)
        self.source_embeddings = _constant_weight(
            self, "source_embeddings", rng.normal(size=(10, dim)).astype("float32"))
        self.memory_kernel = _constant_weight(
            self, "memory_kernel", 3.0 * rng.normal(size=(dim, vocabulary_size)).astype("float32"))

    def init_decoding_state(self, batch_size, encoder_inputs=None):
        memory = tf.reduce_mean(tf.gather(self.source_embeddings, encoder_inputs), axis=1)
        return {"history": super().init_decoding_state(batch_size), "memory": memory}

    def decode_step(self, token_ids, state, index, token_mask=None):
        logits, history = super().decode_step(token_ids, state["history"], index, token_mask)
        logits += (state["memory"] @ self.memory_kernel)[:, None, :]
        return logits, {"history": history, "memory": state["memory"]}


def search(model, prompts, max_new_tokens, num_beams, pad=4, **kwargs):
    """Eager beam search over a list of prompts: per row, a list of (tokens, score)."""
    width = max(len(p) for p in prompts)
    padded = np.full((len(prompts), width), pad, np.int32)
    for row, prompt in enumerate(prompts):
        padded[row, : len(prompt)] = prompt
    lengths = np.array([len(p) for p in prompts], np.int32)
    tokens, out_lengths, scores = beam_search(
        model, padded, lengths, max_new_tokens, num_beams, **kwargs)
    return [
        [(tokens[row, k, : out_lengths[row, k]].numpy().tolist(), float(scores[row, k]))
         for k in range(tokens.shape[1])]
        for row in range(len(prompts))
    ]


def greedy(model, prompt, max_new_tokens, stop_token_ids=(), encoder_inputs=None):
    """Greedy decoding one `decode_step` at a time: (tokens, summed log-prob)."""
    state = model.init_decoding_state(1, encoder_inputs=encoder_inputs)
    logits, state = model.decode_step(tf.constant([prompt]), state, 0)
    tokens, total = list(prompt), 0.0
    for _ in range(max_new_tokens):
        log_probs = tf.nn.log_softmax(logits[0, -1]).numpy()
        token = int(np.argmax(log_probs))
        tokens.append(token)
        total += log_probs[token]
        if token in stop_token_ids:
            break
        logits, state = model.decode_step(tf.constant([[token]]), state, len(tokens) - 1)
    return tokens, total


def log_prob(model, prompt, continuation):
    """Summed log-probability of `continuation` after `prompt`, in one pass."""
    sequence = list(prompt) + list(continuation)
    logits, _ = model.decode_step(tf.constant([sequence]), model.init_decoding_state(1), 0)
    log_probs = tf.nn.log_softmax(logits[0]).numpy()
    start = len(prompt) - 1
    return sum(log_probs[start + i, token] for i, token in enumerate(continuation))


def enumerate_hypotheses(model, prompt, depth, stop_token_ids, length_penalty):
    """Every hypothesis beam search may return, as (tokens, score), best first."""
    hypotheses = []
    for length in range(1, depth + 1):
        for continuation in itertools.product(range(model.vocabulary_size), repeat=length):
            stops = [token in stop_token_ids for token in continuation]
            if any(stops[:-1]) or (length < depth and not stops[-1]):
                continue
            score = log_prob(model, prompt, continuation) / length**length_penalty
            hypotheses.append((list(prompt) + list(continuation), score))
    return sorted(hypotheses, key=lambda hypothesis: -hypothesis[1])


def assert_same_hypotheses(actual, expected):
    assert [tokens for tokens, _ in actual] == [tokens for tokens, _ in expected]
    np.testing.assert_allclose([s for _, s in actual], [s for _, s in expected], rtol=1e-5)


@pytest.mark.parametrize("stop_token_ids", [(), (2,)])
def test_one_beam_is_greedy_decoding(stop_token_ids):
    model = HistoryLM(vocabulary_size=6, seed=1)
    for prompt in ([1], [3, 0, 5]):
        [[(tokens, _)]] = search(model, [prompt], 10, 1, stop_token_ids=stop_token_ids)
        assert tokens == greedy(model, prompt, 10, stop_token_ids)[0]


@pytest.mark.parametrize(
    "stop_token_ids, length_penalty, num_return_sequences",
    [((), 1.0, 27), ((0,), 0.7, 15), ((0,), -0.5, 15)],
)
def test_all_beams_find_the_enumerations_n_best(stop_token_ids, length_penalty,
                                                num_return_sequences):
    model = HistoryLM(vocabulary_size=3, seed=2)
    prompt = [1, 2]
    expected = enumerate_hypotheses(model, prompt, 3, stop_token_ids, length_penalty)
    assert len(expected) == num_return_sequences
    [actual] = search(model, [prompt], 3, 27, length_penalty=length_penalty,
                      num_return_sequences=num_return_sequences,
                      stop_token_ids=stop_token_ids)
    assert_same_hypotheses(actual, expected)


def test_unfillable_slots_hold_the_prompt_with_minus_infinity():
    model = HistoryLM(vocabulary_size=3, seed=2)
    [hypotheses] = search(model, [[1]], 1, 4, num_return_sequences=4)
    assert [tokens for tokens, _ in hypotheses[3:]] == [[1]]
    assert np.isneginf(hypotheses[3][1]) and np.isfinite(hypotheses[2][1])


def test_best_beam_is_at_least_as_likely_as_greedy():
    # Not a theorem (greedy's prefix can be pruned), so fixed tables; with
    # length_penalty=0 the score is the summed log-probability.
    gains = []
    for seed in range(8):
        model = HistoryLM(vocabulary_size=6, seed=seed)
        [[(tokens, score)]] = search(model, [[seed % 6]], 6, 3, length_penalty=0.0)
        assert score == pytest.approx(log_prob(model, [seed % 6], tokens[1:]), abs=1e-4)
        gains.append(score - greedy(model, [seed % 6], 6)[1])
    assert min(gains) >= -1e-4
    assert max(gains) > 0.1


def test_length_penalty_chooses_between_a_short_and_a_long_hypothesis():
    # From token 0: stop (3) with 0.3, or 1 -> 2 -> 3 with 0.5 * 0.6 * 0.9.
    model = BigramLM([
        [0.001, 0.5, 0.199, 0.3],
        [0.001, 0.001, 0.6, 0.398],
        [0.001, 0.001, 0.098, 0.9],
        [0.25, 0.25, 0.25, 0.25],
    ])
    short = np.log(0.3)
    long = np.log(0.5) + np.log(0.6) + np.log(0.9)
    assert long < short
    [[(tokens, score)]] = search(model, [[0]], 3, 4, length_penalty=0.0, stop_token_ids=(3,))
    assert tokens == [0, 3] and score == pytest.approx(short, rel=1e-5)
    [[(tokens, score)]] = search(model, [[0]], 3, 4, length_penalty=1.0, stop_token_ids=(3,))
    assert tokens == [0, 1, 2, 3] and score == pytest.approx(long / 3, rel=1e-5)


def test_early_stopping_settles_on_num_beams_finished_hypotheses():
    num_beams, max_new_tokens, prompt = 3, 20, [2]
    results, steps = {}, {}
    for early_stopping in (True, False):
        model = HistoryLM(vocabulary_size=5, seed=5)
        [results[early_stopping]] = search(
            model, [prompt], max_new_tokens, num_beams, length_penalty=0.0,
            early_stopping=early_stopping, num_return_sequences=num_beams,
            stop_token_ids=(0,))
        steps[early_stopping] = model.steps - 1  # the prefill is not a step
        for tokens, score in results[early_stopping]:
            assert tokens[-1] == 0 and 0 not in tokens[1:-1]
            assert score == pytest.approx(log_prob(model, prompt, tokens[1:]), abs=1e-4)
        scores = [score for _, score in results[early_stopping]]
        assert scores == sorted(scores, reverse=True)
    # On this table the heuristic searches on past the full pool, and
    # searching on only improves the pool, rank by rank.
    assert steps[True] < steps[False] < max_new_tokens
    gains = [searched - stopped
             for (_, stopped), (_, searched) in zip(results[True], results[False])]
    assert min(gains) >= -1e-6 and max(gains) > 0.1


@pytest.mark.parametrize("model_class", [HistoryLM, WindowLM])
def test_ragged_prompts_match_each_prompt_alone(model_class):
    model = model_class(seed=5)
    prompts = [[1, 2], [3, 4, 0, 1, 2], [2, 2, 3]]
    settings = dict(length_penalty=0.8, num_return_sequences=2, stop_token_ids=(1,))
    batched = search(model, prompts, 5, 3, **settings)
    for prompt, row in zip(prompts, batched):
        assert_same_hypotheses(row, search(model, [prompt], 5, 3, **settings)[0])


def test_dict_state_with_encoder_inputs():
    model = EncoderDecoderLM(seed=6)
    sources = np.array([[1, 2, 3], [7, 8, 9]], np.int32)
    prompts = [[1, 2], [1, 2]]
    batched = search(model, prompts, 6, 3, num_return_sequences=3, encoder_inputs=sources)
    assert batched[0] != batched[1]
    for row, source in enumerate(sources):
        alone = search(model, prompts[:1], 6, 3, num_return_sequences=3,
                       encoder_inputs=source[None])
        assert_same_hypotheses(batched[row], alone[0])
        [[(tokens, _)]] = search(model, prompts[:1], 6, 1, encoder_inputs=source[None])
        assert tokens == greedy(model, prompts[0], 6, encoder_inputs=source[None])[0]


def test_compiles_with_xla_like_eager_without_retracing():
    model = WindowLM(seed=7)
    traces = []

    @tf.function(jit_compile=True)
    def compiled(token_ids, prompt_lengths, stop_token_ids):
        traces.append(1)
        return beam_search(model, token_ids, prompt_lengths, 6, 3, length_penalty=0.7,
                           num_return_sequences=2, stop_token_ids=stop_token_ids)

    stop = tf.constant([1])
    for token_ids, lengths in (([[1, 2, 0], [3, 4, 5]], [2, 3]), ([[5, 0, 0], [2, 2, 3]], [1, 3])):
        token_ids, lengths = tf.constant(token_ids), tf.constant(lengths)
        eager = beam_search(model, token_ids, lengths, 6, 3, length_penalty=0.7,
                            num_return_sequences=2, stop_token_ids=stop)
        xla = compiled(token_ids, lengths, stop)
        np.testing.assert_array_equal(xla[0], eager[0])
        np.testing.assert_array_equal(xla[1], eager[1])
        np.testing.assert_allclose(xla[2], eager[2], rtol=1e-5)
    assert len(traces) == 1


def test_a_servers_request_width_and_length_match_the_static_search():
    # A SavedModel's `generate` signature passes the width and the number of
    # new tokens as tensors known only per request (the prompt width too:
    # the export tests cover it, as this test model unrolls over it).
    model = HistoryLM(vocabulary_size=6, seed=8)
    prompts = [[1, 2], [3, 4, 0, 1]]

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.int32),
                                  tf.TensorSpec([None], tf.int32),
                                  tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32)])
    def served(token_ids, prompt_lengths, num_beams, new_tokens):
        return beam_search(model, token_ids, prompt_lengths, 8, num_beams, length_penalty=0.6,
                           stop_token_ids=(1,), new_tokens=new_tokens)

    padded = tf.constant([prompt + [4] * (4 - len(prompt)) for prompt in prompts])
    lengths = tf.constant([len(prompt) for prompt in prompts])
    for num_beams, new_tokens in ((1, 8), (3, 8), (3, 5), (4, 2)):
        tokens, out_lengths, scores = served(padded, lengths, num_beams, new_tokens)
        assert tokens.shape[-1] == 4 + 8  # the buffer keeps the export's cap
        expected = search(model, prompts, new_tokens, num_beams, length_penalty=0.6,
                          stop_token_ids=(1,))
        for row, [(expected_tokens, expected_score)] in enumerate(expected):
            assert tokens[row, 0, : out_lengths[row, 0]].numpy().tolist() == expected_tokens
            np.testing.assert_allclose(scores[row, 0], expected_score, rtol=1e-5)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(num_beams=2, num_return_sequences=3), "`num_return_sequences`.*3"),
        (dict(num_beams=0), "`num_beams`.*0"),
        (dict(max_new_tokens=0), "`max_new_tokens`.*0"),
        (dict(max_new_tokens=10), "`max_new_tokens` \\(10\\).*context_window of 12"),
        (dict(length_penalty="long"), "`length_penalty`.*'long'"),
        (dict(early_stopping="never"), "`early_stopping`.*'never'"),
        (dict(stop_token_ids=(6,)), "`stop_token_ids`.*6"),
        (dict(prompt_lengths=[0]), "`prompt_lengths`.*0"),
    ],
)
def test_bad_arguments_are_clear_errors(arguments, message):
    call = dict(token_ids=[[1, 2, 3]], prompt_lengths=[3], max_new_tokens=4, num_beams=2)
    call.update(arguments)
    with pytest.raises(ValueError, match=message):
        beam_search(WindowLM(), **call)


def test_a_model_without_the_protocol_is_a_type_error():
    with pytest.raises(TypeError, match="decoding protocol"):
        beam_search(object(), [[1]], [1], 2, 2)
