"""A run's training settings: kerazoo's recipe, the family's and preset's, then the user's."""

import dataclasses

from kerazoo.models import get_family
from kerazoo.training.config import TrainConfig, epochs_for

# What `kerazoo train` does when nothing else is said: nanoGPT's CPU run.
DEFAULT_RUN = {"steps": 2000, "epochs": 10, "batch_size": 12}
_FIELDS = {field.name for field in dataclasses.fields(TrainConfig)}


def training_settings(family_name, preset=None, **overrides):
    """The `TrainConfig` and global batch size of a run.

    Later sources win: `DEFAULT_RUN` and `TrainConfig`'s defaults (the recipe
    tuned on gpt-nano), the family's `recipe`, its preset's entry in
    `preset_recipes`, then `overrides` (None values are ignored, so
    unset command-line flags keep the recipe). When the steps do not split
    over the epochs, the epochs become `epochs_for(steps, epochs)`.

    Args:
        family_name: a registered family.
        preset: its preset, or None for the default one.
        **overrides: `TrainConfig` fields and `batch_size`.

    Returns:
        `(config, batch_size)`.

    Raises:
        ValueError: an unknown setting, or one out of range.
    """
    family = get_family(family_name)
    settings = {**DEFAULT_RUN, **family.recipe_for(preset)}
    settings.update({key: value for key, value in overrides.items() if value is not None})
    batch_size = settings.pop("batch_size")
    unknown = sorted(set(settings) - _FIELDS)
    if unknown:
        raise ValueError(
            f"Unknown training setting(s) {unknown}. Allowed: {sorted(_FIELDS | {'batch_size'})}."
        )
    settings["epochs"] = epochs_for(settings["steps"], settings["epochs"])
    return TrainConfig(**settings), batch_size
