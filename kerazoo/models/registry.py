"""The model families and their presets, and `build`, the one way to make a model."""

import dataclasses
from typing import Callable

import keras

_FAMILIES = {}


@dataclasses.dataclass(frozen=True)
class Family:
    """A model family: what `build` makes and what the rest of kerazoo needs to know.

    Attributes:
        name: the family's name, e.g. `"gpt"`.
        config_class: a frozen dataclass of hyperparameters.
        builder: `builder(dtype=None, **hyperparameters) -> keras.Model`, the
            family's task model (e.g. a backbone with its language-model
            head). A model class whose constructor takes those arguments
            will do.
        presets: preset name -> config instance.
        default_preset: the preset `build(name)` uses.
        description: one line for `list_models()`.
        task: name of the task that trains, evaluates, samples and exports
            the model (a key of `kerazoo.tasks`; e.g. `"causal_lm"`).
        recipe: training settings where this family's tuned recipe differs
            from `kerazoo.training.TrainConfig`'s defaults (its field names,
            and `batch_size`).
        preset_recipes: preset name -> settings where a preset differs from
            `recipe`.
        preset_task_options: preset name -> the task's options (its
            command-line flags, by `dest`) that training the preset turns on
            unless the user sets them, e.g. `{"stateful": True}`.
    """

    name: str
    config_class: type
    builder: Callable[..., keras.Model]
    presets: dict
    default_preset: str
    description: str
    task: str
    recipe: dict = dataclasses.field(default_factory=dict)
    preset_recipes: dict = dataclasses.field(default_factory=dict)
    preset_task_options: dict = dataclasses.field(default_factory=dict)

    def recipe_for(self, preset=None):
        """The training settings of `preset` (default preset if None)."""
        return {**self.recipe, **self.preset_recipes.get(preset or self.default_preset, {})}

    def task_options_for(self, preset=None):
        """The task options `preset` (default preset if None) trains with by default."""
        return dict(self.preset_task_options.get(preset or self.default_preset, {}))


def register_family(family):
    """Make a family available to `build`, `list_models` and the command line.

    Registering a name again replaces the earlier family (so a notebook can
    re-run its registration cell).
    """
    if family.default_preset not in family.presets:
        raise ValueError(
            f"Default preset {family.default_preset!r} of family {family.name!r} "
            f"is not among its presets {sorted(family.presets)}."
        )
    for field in ("preset_recipes", "preset_task_options"):
        unknown = sorted(set(getattr(family, field)) - set(family.presets))
        if unknown:
            raise ValueError(
                f"`{field}` of family {family.name!r} names unknown presets {unknown}."
            )
    _FAMILIES[family.name] = family
    return family


def family_names():
    """The registered family names, sorted."""
    return sorted(_FAMILIES)


def get_family(name):
    """The registered `Family` called `name`, or a clear error."""
    if name not in _FAMILIES:
        raise ValueError(
            f"Unknown model family {name!r}. Available: {family_names()}."
        )
    return _FAMILIES[name]


def resolve_config(family_name, preset=None, **overrides):
    """The config a `build` call would use: the preset, with overrides applied.

    Raises:
        ValueError: for an unknown family, preset or hyperparameter.
    """
    family = get_family(family_name)
    preset = preset or family.default_preset
    if preset not in family.presets:
        raise ValueError(
            f"Unknown preset {preset!r} for {family_name!r}. "
            f"Available: {sorted(family.presets)}."
        )
    fields = {f.name for f in dataclasses.fields(family.config_class)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ValueError(
            f"Unknown hyperparameter(s) {unknown} for {family_name!r}. "
            f"Allowed: {sorted(fields)}."
        )
    return dataclasses.replace(family.presets[preset], **overrides)


def build(family_name, preset=None, dtype=None, **overrides):
    """Build a model of a family from a preset, with hyperparameter overrides.

    The model is created in whatever `tf.distribute` strategy scope is
    active, so call it inside `strategy.scope()` to train under a strategy.

    Args:
        family_name: e.g. `"gpt"`; see `list_models()`.
        preset: a preset name of that family; defaults to its default preset.
        dtype: a dtype policy name (`"float32"`, `"mixed_bfloat16"`,
            `"mixed_float16"`) or None for the global policy. It is saved with
            the model, so a reloaded model computes as it was built.
        **overrides: hyperparameters replacing the preset's values, e.g.
            `vocabulary_size=65`.

    Returns:
        The family's task model, a `keras.Model` (for `"gpt"`, a
        `GPTCausalLM`; its trunk is `model.backbone`).

    Example:
    >>> model = build("gpt", "gpt-nano", vocabulary_size=65)
    """
    config = resolve_config(family_name, preset, **overrides)
    return get_family(family_name).builder(dtype=dtype, **dataclasses.asdict(config))


def list_models():
    """Every family with its presets, as printable text (one line per preset)."""
    lines = []
    for name in family_names():
        family = _FAMILIES[name]
        lines.append(f"{name}: {family.description} (task: {family.task})")
        for preset_name, config in family.presets.items():
            default = " (default)" if preset_name == family.default_preset else ""
            summary = ", ".join(
                f"{key}={value}" for key, value in dataclasses.asdict(config).items()
            )
            lines.append(f"  {preset_name}{default}: {summary}")
    return "\n".join(lines)
