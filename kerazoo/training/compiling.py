"""Compiling a model for `fit` and `evaluate`."""

import keras

from kerazoo.training.losses import causal_lm_loss
from kerazoo.training.metrics import perplexity
from kerazoo.utils.checks import check_int, check_type


def compile_model(
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    loss: keras.losses.Loss | None = None,
    metrics: list | None = None,
    jit_compile: bool = False,
    steps_per_execution: int = 1,
) -> None:
    """Compiles `model` with a task's loss and metrics.

    Call it inside the distribution strategy scope the model was built under.

    Args:
        model: The model to train.
        optimizer: From `build_optimizer`, for instance.
        loss: A keras loss (or a dict of them, one per output); None for the
            causal-LM loss, `causal_lm_loss()`. Padding is masked with the
            dataset's sample weights or the loss's `ignore_class`.
        metrics: A list of keras metrics; None for `[perplexity()]` with the
            causal-LM loss, else none. They are weighted by the dataset's
            sample weights as the loss is (Keras's `weighted_metrics`), so a
            position the loss ignores (weight 0) does not count in them either.
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
    if loss is None:
        loss = causal_lm_loss()
        metrics = [perplexity()] if metrics is None else metrics
    model.compile(
        optimizer=optimizer,
        loss=loss,
        weighted_metrics=list(metrics or []),
        jit_compile=jit_compile,
        steps_per_execution=steps_per_execution,
    )
