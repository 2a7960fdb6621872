import numpy as np
import pytest

from kerazoo.generation import Generator, SamplingSettings
from tests.tiny_models import tiny_gpt

CONTEXT = 16


@pytest.fixture(scope="module")
def model():
    import keras

    keras.utils.set_random_seed(7)
    return tiny_gpt(23, num_layers=2, max_sequence_length=CONTEXT)


@pytest.fixture(scope="module")
def generator(model):
    return Generator(model)


def recompute_greedy(model, prompt, new_tokens):
    """Greedy decoding by full recompute, sliding the window as documented."""
    keep, stride = CONTEXT // 2, CONTEXT - CONTEXT // 2
    sequence = list(prompt)
    for _ in range(new_tokens):
        position = len(sequence) - 1
        offset = 0 if position < CONTEXT else stride * (1 + (position - CONTEXT) // stride)
        logits = np.asarray(model(np.array([sequence[offset:]], "int32")))[0, -1]
        sequence.append(int(np.argmax(logits)))
    return sequence


def test_cached_greedy_equals_full_recompute_past_the_context(model, generator):
    prompts = [[1, 2, 3], [4, 5, 6, 7, 8, 9, 10, 11]]
    outputs = generator.generate_ids(prompts, 30, SamplingSettings(greedy=True))
    for prompt, output in zip(prompts, outputs):
        assert len(output) == len(prompt) + 30
        assert output == recompute_greedy(model, prompt, 30)


def test_batched_prompts_equal_one_at_a_time(generator):
    prompts = [[1, 2], [3, 4, 5, 6, 7], [8]]
    settings = SamplingSettings(greedy=True)
    batched = generator.generate_ids(prompts, 10, settings)
    singles = [generator.generate_ids([p], 10, settings)[0] for p in prompts]
    assert batched == singles


def test_same_seed_same_tokens_other_seed_other_tokens(generator):
    prompts = [[1, 2, 3], [4]]
    first = generator.generate_ids(prompts, 20, SamplingSettings(seed=5))
    again = generator.generate_ids(prompts, 20, SamplingSettings(seed=5))
    other = generator.generate_ids(prompts, 20, SamplingSettings(seed=6))
    assert first == again
    assert first != other


def test_second_call_of_the_same_shape_does_not_retrace(model):
    generator = Generator(model)
    generator.generate_ids([[1, 2, 3]], 8, SamplingSettings(seed=1))
    assert generator.trace_count == 1
    generator.generate_ids([[4, 5]], 8, SamplingSettings(seed=2, temperature=0.5, top_k=3, top_p=0.8))
    assert generator.trace_count == 1


def test_top_k_one_and_tiny_top_p_are_greedy(generator):
    prompts = [[1, 2, 3]]
    greedy = generator.generate_ids(prompts, 12, SamplingSettings(greedy=True))
    assert generator.generate_ids(prompts, 12, SamplingSettings(top_k=1, seed=3)) == greedy
    assert generator.generate_ids(prompts, 12, SamplingSettings(top_p=1e-6, seed=3)) == greedy


def test_stop_token_ends_a_row(generator):
    prompt = [1, 2, 3]
    free = generator.generate_ids([prompt], 12, SamplingSettings(greedy=True))[0]
    stop = free[5]
    stopped = generator.generate_ids([prompt], 12, SamplingSettings(greedy=True), stop_token_ids=[stop])[0]
    first = free.index(stop, len(prompt))
    assert stopped == free[: first + 1]


def test_repetition_penalty_avoids_seen_tokens(generator):
    prompt = [1, 2, 3]
    plain = generator.generate_ids([prompt], 12, SamplingSettings(greedy=True))[0]
    penalized = generator.generate_ids(
        [prompt], 12, SamplingSettings(greedy=True, repetition_penalty=1e6))[0]
    new = penalized[len(prompt):]
    # An enormous penalty forces a fresh token at every step.
    assert len(set(new)) == len(new) and not set(new) & set(prompt)
    assert len(set(plain[len(prompt):])) < len(new)


def test_bad_arguments_are_clear_errors(generator):
    with pytest.raises(ValueError, match="max_new_tokens"):
        generator.generate_ids([[1]], 0)
    with pytest.raises(ValueError, match="more than the model's context of 16"):
        generator.generate_ids([list(range(17))], 4)
    with pytest.raises(ValueError, match="Prompt 0 is empty"):
        generator.generate_ids([[]], 4)
    with pytest.raises(ValueError, match="temperature"):
        SamplingSettings(temperature=0)
    with pytest.raises(ValueError, match="top_p"):
        SamplingSettings(top_p=1.5)
    with pytest.raises(TypeError, match="lacks .* decoding protocol"):
        Generator(object())


def test_short_generation_from_a_short_prompt_compiles():
    # Output shorter than half the context: the sliding-window branch is
    # compiled but never taken.
    import keras

    keras.utils.set_random_seed(3)
    model = tiny_gpt(23, hidden_dim=8, intermediate_dim=16, max_sequence_length=64)
    generator = Generator(model)
    output = generator.generate_ids([[1, 2, 3]], 10, SamplingSettings(greedy=True))[0]
    assert len(output) == 13 and output[:3] == [1, 2, 3]
    logits = np.asarray(model(np.array([output[:-1]], "int32")))[0]
    assert output[3:] == [int(t) for t in np.argmax(logits[2:], axis=-1)]
