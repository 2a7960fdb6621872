"""The model families and their presets, and `build`, the one way to make a model."""

import dataclasses

_FAMILIES = {}


@dataclasses.dataclass(frozen=True)
class Family:
    """A model family: its config class, model class and named presets.

    Attributes:
        name: the family's name, e.g. `"gpt"`.
        config_class: a frozen dataclass of hyperparameters.
        model_class: a `keras.Model` subclass built with `model_class(**config)`.
        presets: preset name -> config instance.
        default_preset: the preset `build(name)` uses.
        description: one line for `list_models()`.
    """

    name: str
    config_class: type
    model_class: type
    presets: dict
    default_preset: str
    description: str


def register_family(family):
    """Make a family available to `build` and `list_models`."""
    if family.default_preset not in family.presets:
        raise ValueError(
            f"Default preset {family.default_preset!r} of family {family.name!r} "
            f"is not among its presets {sorted(family.presets)}."
        )
    _FAMILIES[family.name] = family
    return family


def get_family(name):
    """The registered `Family` called `name`, or a clear error."""
    if name not in _FAMILIES:
        raise ValueError(
            f"Unknown model family {name!r}. Available: {sorted(_FAMILIES)}."
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


def build(family_name, preset=None, **overrides):
    """Build a model of a family from a preset, with hyperparameter overrides.

    The model is created in whatever `tf.distribute` strategy scope is
    active, so call it inside `strategy.scope()` to train under a strategy.

    Args:
        family_name: e.g. `"gpt"`; see `list_models()`.
        preset: a preset name of that family; defaults to its default preset.
        **overrides: hyperparameters replacing the preset's values, e.g.
            `vocabulary_size=65`.

    Returns:
        A `keras.Model`.

    Example:
    >>> model = build("gpt", "gpt-nano", vocabulary_size=65)
    """
    config = resolve_config(family_name, preset, **overrides)
    return get_family(family_name).model_class(**dataclasses.asdict(config))


def list_models():
    """Every family with its presets, as printable text (one line per preset)."""
    lines = []
    for name in sorted(_FAMILIES):
        family = _FAMILIES[name]
        lines.append(f"{name}: {family.description}")
        for preset_name, config in family.presets.items():
            default = " (default)" if preset_name == family.default_preset else ""
            summary = ", ".join(
                f"{key}={value}" for key, value in dataclasses.asdict(config).items()
            )
            lines.append(f"  {preset_name}{default}: {summary}")
    return "\n".join(lines)
