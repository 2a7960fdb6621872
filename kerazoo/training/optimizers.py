"""A run's optimizer: AdamW with weight decay only on matrices that are not
embedding tables, or plain SGD (`optimizer_for`)."""

import dataclasses
import numbers

import keras

from kerazoo.training.config import TrainConfig
from kerazoo.utils.checks import check_real, check_type

# The defaults are the recipe's, `TrainConfig`'s: one source of truth.
_RECIPE = {field.name: field.default for field in dataclasses.fields(TrainConfig)}

# Keras' `Embedding` and its keras-hub subclasses, and keras-hub's
# `PositionEmbedding`, all call their table "embeddings"; kerazoo layers follow
# the same convention so this one rule finds every lookup table.
EMBEDDING_VARIABLE_NAME = "embeddings"


def build_optimizer(
    model: keras.Model,
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule,
    weight_decay: float = _RECIPE["weight_decay"],
    beta_1: float = _RECIPE["beta_1"],
    beta_2: float = _RECIPE["beta_2"],
    epsilon: float = 1e-8,
    global_clipnorm: float | None = _RECIPE["global_clipnorm"],
) -> keras.optimizers.AdamW:
    """Builds AdamW for `model`, decaying only the weights that should decay.

    Decoupled weight decay pulls weights toward zero. That regularizes the
    matrices of `Dense`/attention projections, but shrinking biases,
    normalization scales and offsets, or embedding rows only fights the
    model, so those are excluded: every variable of rank < 2, and every
    variable named `"embeddings"` (the lookup tables of keras' and keras-hub's
    embedding layers).

    Call it inside the distribution strategy scope the model was built under:
    the optimizer binds to the strategy in scope when it is created.

    The exclusions live on this optimizer object, not in its config: a model
    reloaded from a `.keras` file gets an AdamW that decays everything. Resume
    training through `train()`'s epoch backups (which reload state into the
    live optimizer) or rebuild the optimizer with this function.

    Args:
        model: A built model (its variables must exist).
        learning_rate: A float > 0 or a keras `LearningRateSchedule`.
        weight_decay: Decoupled decay coefficient, >= 0. Keras multiplies it
            by the learning rate at each step. Defaults to the recipe's
            (`TrainConfig`), 0.1.
        beta_1: Adam first-moment decay, in [0, 1). Defaults to the
            recipe's, 0.85.
        beta_2: Adam second-moment decay, in [0, 1). Defaults to the
            recipe's, 0.999.
        epsilon: Adam denominator offset, > 0. Defaults to 1e-8.
        global_clipnorm: Clip gradients so their global L2 norm is at most
            this, > 0; `None` turns clipping off. Defaults to the recipe's, 5.

    Returns:
        A `keras.optimizers.AdamW`, not yet built.

    Raises:
        TypeError: If `model` is not a `keras.Model` or `learning_rate` is
            neither a real number nor a schedule.
        ValueError: If `model` is not built or a hyperparameter is out of range.

    Example:

    >>> model = keras.Sequential([keras.layers.Embedding(10, 4),
    ...                           keras.layers.Dense(10)])
    >>> model.build((None, 3))
    >>> optimizer = build_optimizer(model, learning_rate=1e-3)
    >>> [v.name for v in model.trainable_variables if decays(v)]
    ['kernel']
    """
    check_type("model", model, keras.Model, "a keras.Model")
    if not model.built or not model.trainable_variables:
        raise ValueError(
            f"`model` {model.name!r} must be built before its optimizer: call "
            "it on a batch of token ids or call `model.build(input_shape)`."
        )
    check_type(
        "learning_rate",
        learning_rate,
        (numbers.Real, keras.optimizers.schedules.LearningRateSchedule),
        "a float or a keras LearningRateSchedule",
    )
    if isinstance(learning_rate, numbers.Real):
        check_real("learning_rate", learning_rate, low=0.0, low_inclusive=False)
    check_real("weight_decay", weight_decay, low=0.0)
    check_real("beta_1", beta_1, low=0.0, high=1.0)
    check_real("beta_2", beta_2, low=0.0, high=1.0)
    check_real("epsilon", epsilon, low=0.0, low_inclusive=False)
    if global_clipnorm is not None:
        check_real("global_clipnorm", global_clipnorm, low=0.0, low_inclusive=False)

    optimizer = keras.optimizers.AdamW(
        learning_rate=learning_rate,
        weight_decay=weight_decay,
        beta_1=beta_1,
        beta_2=beta_2,
        epsilon=epsilon,
        global_clipnorm=global_clipnorm,
    )
    optimizer.exclude_from_weight_decay(
        var_list=[v for v in model.trainable_variables if not decays(v)]
    )
    return optimizer


def decays(variable: keras.Variable) -> bool:
    """Whether weight decay applies to `variable` under `build_optimizer`.

    Args:
        variable: A model variable.

    Returns:
        True for matrices and higher-rank kernels that are not embedding tables.
    """
    return len(variable.shape) >= 2 and variable.name != EMBEDDING_VARIABLE_NAME



def optimizer_for(model: keras.Model, config: TrainConfig) -> keras.optimizers.Optimizer:
    """The optimizer `config.optimizer` names, on `config`'s schedule and clipping.

    `"adamw"`: `build_optimizer` with the config's weight decay and betas.
    `"sgd"`: `keras.optimizers.SGD` without momentum or weight decay, as
    Zaremba et al. 2014 trained their PTB LSTMs.

    Call it inside the distribution strategy scope the model was built under.

    Args:
        model: A built model.
        config: The run's `TrainConfig`.

    Returns:
        A keras optimizer, not yet built.
    """
    check_type("config", config, TrainConfig, "a TrainConfig")
    schedule = config.learning_rate_schedule()
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(
            learning_rate=schedule, momentum=0.0, global_clipnorm=config.global_clipnorm
        )
    return build_optimizer(
        model,
        schedule,
        weight_decay=config.weight_decay,
        beta_1=config.beta_1,
        beta_2=config.beta_2,
        global_clipnorm=config.global_clipnorm,
    )
