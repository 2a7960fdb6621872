"""Compiling a causal language model for `fit` and `evaluate`."""

import keras

from kerazoo.training.losses import causal_lm_loss
from kerazoo.training.metrics import perplexity
from kerazoo.utils.checks import check_int, check_type


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
    check_type("model", model, keras.Model, "a keras.Model")
    check_type(
        "optimizer", optimizer, keras.optimizers.Optimizer, "a keras optimizer"
    )
    check_type("jit_compile", jit_compile, bool, "a bool")
    check_int("steps_per_execution", steps_per_execution, low=1)
    model.compile(
        optimizer=optimizer,
        loss=causal_lm_loss(),
        metrics=[perplexity()],
        jit_compile=jit_compile,
        steps_per_execution=steps_per_execution,
    )
