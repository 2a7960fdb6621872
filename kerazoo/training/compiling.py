"""Compiling a causal language model for `fit` and `evaluate`."""

import keras

from kerazoo.training.checks import check_int
from kerazoo.training.losses import causal_lm_loss
from kerazoo.training.metrics import perplexity


def compile_causal_lm(
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    jit_compile: bool = False,
    steps_per_execution: int = 1,
) -> None:
    """Compiles `model` with the causal LM loss and a perplexity metric.

    Call it inside the distribution strategy scope the model was built under.

    Args:
        model: Maps int32 `token_ids` `(batch, time)` to logits
            `(batch, time, vocab)`.
        optimizer: From `build_optimizer`, for instance.
        jit_compile: Compile the train and eval steps with XLA. Faster on
            GPUs once compiled, but every new input shape recompiles.
            Defaults to False.
        steps_per_execution: Train steps run inside one `tf.function` call,
            >= 1. More steps cut Python overhead for small models; callbacks
            then see one batch end per execution. Defaults to 1.

    Raises:
        TypeError: If `model`, `optimizer` or `jit_compile` has the wrong type.
        ValueError: If `steps_per_execution` < 1.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"`model` must be a keras.Model, got {type(model).__name__}."
        )
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(
            "`optimizer` must be a keras.optimizers.Optimizer, got "
            f"{type(optimizer).__name__}."
        )
    if not isinstance(jit_compile, bool):
        raise TypeError(f"`jit_compile` must be a bool, got {jit_compile!r}.")
    check_int("steps_per_execution", steps_per_execution, low=1)
    model.compile(
        optimizer=optimizer,
        loss=causal_lm_loss(),
        metrics=[perplexity()],
        jit_compile=jit_compile,
        steps_per_execution=steps_per_execution,
    )
