"""The text API of `generate`: n samples, n-best beams, stop tokens, and no model kept alive."""

import gc
import pathlib
import weakref

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerazoo.data import CharTokenizer, load_byte_pair_tokenizer
from kerazoo.generation import generate, generator_for
from tests.tiny_models import tiny_gpt

FIXTURE = pathlib.Path(__file__).resolve().parents[1] / "convert" / "fixtures" / "tiny_gpt2"


class SuccessorLM(keras.Model):
    """Always predicts (last token + 1) mod vocabulary, surely; no context window."""

    def __init__(self, vocabulary_size):
        token_ids = keras.Input((None,), dtype="int32")
        super().__init__(token_ids, self._logits(token_ids, vocabulary_size))
        self.vocabulary_size = vocabulary_size

    @staticmethod
    def _logits(token_ids, vocabulary_size):
        following = (token_ids + 1) % vocabulary_size
        return keras.ops.one_hot(following, vocabulary_size) * 50.0

    context_window = None

    def init_decoding_state(self, batch_size, encoder_inputs=None):
        return tf.zeros((batch_size,), tf.int32)

    def decode_step(self, token_ids, state, index, token_mask=None):
        return self._logits(token_ids, self.vocabulary_size), state


@pytest.fixture(scope="module")
def chars():
    return CharTokenizer.from_corpus("abcdefgh")


@pytest.fixture(scope="module")
def gpt(chars):
    keras.utils.set_random_seed(11)
    return tiny_gpt(chars.vocabulary_size())


def test_num_return_sequences_gives_that_many_samples_per_prompt_in_order(gpt, chars):
    texts = generate(gpt, chars, ["ab", "hg"], max_new_tokens=8, num_return_sequences=3,
                     temperature=2.0, seed=1)
    assert len(texts) == 6
    assert all(t.startswith("ab") for t in texts[:3]) and all(t.startswith("hg") for t in texts[3:])
    assert len(set(texts[:3])) > 1, "the samples of one prompt should differ"
    single = generate(gpt, chars, "ab", max_new_tokens=8, num_return_sequences=1)
    assert isinstance(single, str)


def test_a_string_stop_token_ends_each_row_and_is_dropped(chars):
    model = SuccessorLM(chars.vocabulary_size())
    texts = generate(model, chars, ["a", "e"], max_new_tokens=6, stop_tokens=["d"])
    # Each row counts up until it produces the stop token "d", which is dropped.
    assert texts == ["abc", "efghabc"]
    with pytest.raises(ValueError, match="exactly one token"):
        generate(model, chars, "a", stop_tokens=["abc"])


def test_the_end_token_stops_a_row_and_is_dropped_from_the_text():
    tokenizer = load_byte_pair_tokenizer(FIXTURE / "vocab.json", FIXTURE / "merges.txt")
    end = tokenizer.end_token_id
    model = SuccessorLM(end + 1)
    before = tokenizer.decode([end - 2])
    text = generate(model, tokenizer, before, max_new_tokens=10)
    assert text == before + tokenizer.decode([end - 1])


def test_beam_search_through_generate_returns_the_n_best(gpt, chars):
    best = generate(gpt, chars, ["ab", "h"], max_new_tokens=6, num_beams=3,
                    num_return_sequences=2)
    assert len(best) == 4 and best[0] != best[1]
    _, scores = generator_for(gpt).beam_search_ids([chars.encode("ab")], 6, num_beams=3,
                                                    num_return_sequences=2)
    assert scores[0][0] >= scores[0][1]
    with pytest.raises(ValueError, match="num_return_sequences"):
        generate(gpt, chars, "ab", max_new_tokens=6, num_beams=2, num_return_sequences=3)
    with pytest.raises(ValueError, match="num_beams"):
        generate(gpt, chars, "ab", num_beams=0)
    with pytest.raises(ValueError, match="does not slide the window"):
        generate(gpt, chars, "ab", max_new_tokens=15, num_beams=2)


def test_generating_does_not_keep_a_deleted_model_alive(chars):
    model = tiny_gpt(chars.vocabulary_size(), hidden_dim=8, intermediate_dim=16, max_sequence_length=8)
    generate(model, chars, "ab", max_new_tokens=3, greedy=True)
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None


def test_sampling_draws_the_same_tokens_with_and_without_xla(gpt, chars):
    # TensorFlow's stateless random ops differ under XLA; an exported model
    # (not compiled) must sample what `generate` (compiled) samples.
    settings = {"max_new_tokens": 12, "temperature": 1.5, "top_k": 6, "seed": 9}
    compiled = generate(gpt, chars, ["ab", "hg"], **settings)
    plain = generate(gpt, chars, ["ab", "hg"], jit_compile=False, **settings)
    assert compiled == plain
    assert generate(gpt, chars, ["ab", "hg"], **{**settings, "seed": 10}) != compiled


def test_gumbel_noise_samples_the_softmax():
    from kerazoo.generation.sampling import gumbel_noise

    logits = tf.math.log(tf.constant([[0.5, 0.3, 0.2]]))
    draws = [int(tf.argmax(logits + gumbel_noise(tf.constant(3), tf.constant(step), (1, 3)), -1)[0])
             for step in range(3000)]
    frequencies = np.bincount(draws, minlength=3) / len(draws)
    np.testing.assert_allclose(frequencies, [0.5, 0.3, 0.2], atol=0.03)


def test_a_generator_made_by_hand_keeps_its_model(chars):
    from kerazoo.generation import Generator

    generator = Generator(tiny_gpt(chars.vocabulary_size()))
    gc.collect()
    assert len(generator.generate_ids([[1, 2]], 3, stop_token_ids=())[0]) == 5
