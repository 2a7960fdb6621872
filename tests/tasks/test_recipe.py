"""The training recipe has one source of truth, and the README states it."""

import pathlib

import pytest

from kerazoo.cli.main import build_parser
from kerazoo.cli.train_command import _recipe_overrides
from kerazoo.tasks import training_settings
from kerazoo.training import TrainConfig

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_states_the_recipe_kerazoo_train_uses():
    config, batch_size = training_settings("gpt")
    text = " ".join(README.read_text(encoding="utf-8").split())
    stated = [
        f"--steps {config.steps}", f"--epochs {config.epochs}", f"--batch-size {batch_size}",
        f"betas {config.beta_1}/{config.beta_2}", f"weight decay {config.weight_decay}",
        f"peak learning rate `{config.peak_learning_rate:.0e}`".replace("e-0", "e-"),
        f"over {100 * config.warmup_steps // config.steps}% of the steps",
        f"to `{config.min_learning_rate:.0e}`".replace("e-0", "e-"),
        f"global norm {config.global_clipnorm:g}", "XLA on",
    ]
    for phrase in stated:
        assert phrase in text, phrase
    assert config.jit_compile


def test_the_command_line_python_and_the_benchmark_share_one_recipe():
    argv = ["train", "gpt"]
    args = build_parser(argv=argv).parse_args(argv)
    from_flags, batch_size = training_settings("gpt", **_recipe_overrides(args))
    assert (from_flags, batch_size) == training_settings("gpt")
    # TrainConfig's own defaults are that recipe, so the Python API gets it too.
    assert from_flags == TrainConfig(steps=2000, epochs=10)


def test_flags_beat_the_preset_which_beats_the_family():
    mini, batch_size = training_settings("gpt", "gpt-mini")
    assert (mini.beta_2, mini.global_clipnorm, batch_size) == (0.99, 1.0, 64)
    argv = ["train", "gpt", "--beta-2", "0.9", "--batch-size", "8"]
    args = build_parser(argv=argv).parse_args(argv)
    mine, batch_size = training_settings("gpt", "gpt-mini", **_recipe_overrides(args))
    assert (mine.beta_2, mine.global_clipnorm, batch_size) == (0.9, 1.0, 8)


@pytest.mark.parametrize("steps, epochs, expected", [(5, 10, 5), (2001, 10, 3), (7, 1, 1)])
def test_steps_that_do_not_split_train_in_fewer_epochs(steps, epochs, expected):
    config, _ = training_settings("gpt", steps=steps, epochs=epochs)
    assert (config.steps, config.epochs) == (steps, expected)


def test_unknown_settings_are_named():
    with pytest.raises(ValueError, match="learning_rate"):
        training_settings("gpt", learning_rate=1.0)
