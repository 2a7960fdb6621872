"""The pieces the BERT fine-tuning tasks share (`kerazoo.tasks.encoder_start`), without a model:
the validation default, the checked sequence length and the `TaskData` they hand to training."""

import argparse
import types

import pytest

from kerazoo.tasks.encoder_start import (
    add_encoder_start_arguments,
    add_fine_tuning_data_arguments,
    fine_tuning_start,
    validation_source,
)

TEXTS = ["the cat sat on the mat", "a dog ran in the park", "the cat and the dog"] * 4


def options_of(*argv, sequence_length=128):
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=None)
    add_fine_tuning_data_arguments(parser, "validation help", sequence_length)
    add_encoder_start_arguments(parser)
    return parser.parse_args(list(argv))


def test_validation_defaults_to_the_shipped_split_only_without_data():
    def shipped():
        calls.append(1)
        return "shipped-dev"

    calls = []
    assert validation_source(options_of(), shipped) == "shipped-dev"
    assert validation_source(options_of("--validation-data", "v.tsv"), shipped) == "v.tsv"
    # With --data the shipped split is not even looked up (it may not be installed).
    assert validation_source(options_of("--data", "t.tsv"), shipped) is None
    assert validation_source(options_of("--data", "t.tsv", "--validation-data", "v.tsv"),
                             shipped) == "v.tsv"
    assert calls == [1]


def test_a_new_vocabulary_start_caps_the_length_and_names_its_source(capsys):
    options = options_of("--sequence-length", "600", "--vocabulary-size", "60")
    start = fine_tuning_start(options, TEXTS, types.SimpleNamespace(max_sequence_length=64))
    assert start.sequence_length == 64
    assert "--sequence-length 600 exceeds the model's position table; using 64" in (
        capsys.readouterr().out)
    assert start.prepare_model is None and start.init is None
    vocabulary = start.tokenizer.get_vocabulary()
    assert start.special["cls"] == vocabulary.index("[CLS]")
    assert start.model_overrides == {"vocabulary_size": len(vocabulary)}
    data = start.task_data("train", None, "train.tsv", label_names=("a", "b"))
    assert data.source == "train.tsv" and data.tokenizer is start.tokenizer
    assert data.model_overrides == {"vocabulary_size": len(vocabulary), "label_names": ("a", "b")}
    assert start.task_data("train", None, "x").model_overrides == start.model_overrides


def test_a_too_short_sequence_length_names_the_flag():
    options = options_of("--sequence-length", "2")
    with pytest.raises(ValueError, match="`--sequence-length` must be at least 3, got 2"):
        fine_tuning_start(options, TEXTS, types.SimpleNamespace(max_sequence_length=64))
