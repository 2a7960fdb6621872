"""Mixed precision: which dtype policy models are built under.

A model takes the global Keras dtype policy when it is built, so choose the
precision around the builder:

    with precision("mixed_bfloat16"):
        model = kerazoo.models.build("gpt", "gpt-mini", vocabulary_size=65)

Under a mixed policy the variables stay float32 and matrix multiplies run in
16 bits; kerazoo's layer norms, softmax, logits and loss stay float32.
`bfloat16` has float32's exponent range and needs no loss scaling: use it on
GPUs that have it (NVIDIA Ampere and later, TPUs). `float16` is for older
GPUs (Volta, Turing); its small range underflows gradients, so
`model.compile` wraps the optimizer in `keras.optimizers.LossScaleOptimizer`
for models built under `mixed_float16`, which scales the loss up before the
backward pass and skips the rare steps whose gradients overflow.
"""

import contextlib
from typing import Iterator

import keras

from kerazoo.utils.checks import check_type

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


@contextlib.contextmanager
def precision(name: str) -> Iterator[keras.DTypePolicy]:
    """Builds the models made inside the `with` block with dtype policy `name`.

    The previous global policy is restored when the block ends; models built
    inside keep their policy (it is saved with them in `.keras` files).

    Args:
        name: One of `PRECISIONS`.

    Yields:
        The policy in force inside the block.

    Raises:
        TypeError: If `name` is not a string.
        ValueError: If `name` is not one of `PRECISIONS`.

    Example:

    >>> with precision("mixed_bfloat16"):
    ...     layer = keras.layers.Dense(4)
    >>> layer.compute_dtype, layer.variable_dtype
    ('bfloat16', 'float32')
    """
    check_type("precision", name, str, "a str")
    if name not in PRECISIONS:
        raise ValueError(f"`precision` must be one of {PRECISIONS}, got {name!r}.")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield keras.config.dtype_policy()
    finally:
        keras.config.set_dtype_policy(previous)
