"""The one tiny GPT the tests build, in the shapes they need."""

from kerazoo.models import build

TINY_GPT = {"num_layers": 1, "num_heads": 2, "hidden_dim": 16, "intermediate_dim": 32,
            "max_sequence_length": 16}


def tiny_gpt(vocabulary_size, **overrides):
    """`build("gpt")` at a test's size: one layer, 2 heads, width 16, context 16.

    Args:
        vocabulary_size: the tokenizer's.
        **overrides: any other GPT hyperparameter (e.g. `max_sequence_length`).
    """
    return build("gpt", **{**TINY_GPT, "vocabulary_size": vocabulary_size, **overrides})
