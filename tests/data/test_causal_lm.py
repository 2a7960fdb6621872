import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerazoo.data.causal_lm import (
    causal_lm_datasets,
    causal_lm_datasets_from_token_ids,
    split_token_ids,
)
from kerazoo.data.char_tokenizer import CharTokenizer

# Token ids equal to their positions, so a window shows where it came from.
POSITIONS = np.arange(1000)


def batches(dataset, count):
    return [(x.numpy(), y.numpy()) for x, y in itertools.islice(dataset, count)]


def test_shapes_dtypes_and_shifted_targets():
    train, validation = causal_lm_datasets_from_token_ids(POSITIONS, 8, 4)
    for dataset in (train, validation):
        inputs_spec, targets_spec = dataset.element_spec
        assert inputs_spec.shape == targets_spec.shape == (4, 8)
        assert inputs_spec.dtype == targets_spec.dtype == tf.int32
        inputs, targets = next(iter(dataset))
        np.testing.assert_array_equal(targets, inputs + 1)
        # Every row is a contiguous window of the corpus.
        np.testing.assert_array_equal(np.diff(inputs.numpy(), axis=1), 1)


def test_split_is_nanogpt_first_ninety_percent():
    train_ids, validation_ids = split_token_ids(POSITIONS)
    np.testing.assert_array_equal(train_ids, np.arange(900))
    np.testing.assert_array_equal(validation_ids, np.arange(900, 1000))
    assert train_ids.dtype == np.int32
    train_ids, _ = split_token_ids(POSITIONS, validation_fraction=0.25)
    assert len(train_ids) == 750


def test_train_and_validation_windows_are_disjoint():
    train, validation = causal_lm_datasets_from_token_ids(POSITIONS, 8, 4)
    train_max = max(int(y.max()) for _, y in batches(train, 300))
    validation_min = min(int(x.min()) for x, _ in batches(validation, 100))
    assert train_max <= 899 < 900 <= validation_min


def test_validation_is_non_overlapping_windows_in_order():
    _, validation = causal_lm_datasets_from_token_ids(POSITIONS, 8, 4)
    # 100 validation tokens: (100 - 1) // 8 = 12 windows, 3 batches of 4.
    assert int(validation.cardinality()) == 3
    starts = [int(row[0]) for x, _ in batches(validation, 10) for row in x]
    assert starts == list(range(900, 900 + 12 * 8, 8))
    assert batches(validation, 3)[2][1][-1, -1] == 900 + 12 * 8


def test_each_pass_visits_every_start_once_in_a_new_order():
    # 900 training tokens give 892 starts: 223 batches of 4 per pass.
    train, _ = causal_lm_datasets_from_token_ids(POSITIONS, 8, 4, seed=3)
    starts = [int(row[0]) for x, _ in batches(train, 2 * 223) for row in x]
    first, second = starts[:892], starts[892:]
    assert sorted(first) == sorted(second) == list(range(892))
    assert first != second
    assert first != sorted(first)


def test_same_seed_same_batches_different_seed_different_order():
    def first_batches(seed):
        train, _ = causal_lm_datasets_from_token_ids(POSITIONS, 8, 4, seed=seed)
        return np.stack([x for x, _ in batches(train, 5)])

    np.testing.assert_array_equal(first_batches(7), first_batches(7))
    assert not np.array_equal(first_batches(7), first_batches(8))


def test_iterating_again_restarts_the_same_order():
    train, _ = causal_lm_datasets_from_token_ids(POSITIONS, 8, 4)
    np.testing.assert_array_equal(batches(train, 3)[2][0], batches(train, 3)[2][0])


def test_from_text_file_with_char_tokenizer(corpus_file):
    text = corpus_file.read_text(encoding="utf-8")
    tokenizer = CharTokenizer.from_corpus(text)
    train, validation = causal_lm_datasets(corpus_file, tokenizer, 16, 2, progress=False)
    ids = tokenizer.encode(text)
    train_size = int(len(ids) * 0.9)
    inputs, targets = next(iter(validation))
    assert inputs[0].numpy().tolist() == ids[train_size : train_size + 16]
    assert targets[0].numpy().tolist() == ids[train_size + 1 : train_size + 17]
    inputs, _ = next(iter(train))
    assert tokenizer.decode(inputs[0].numpy()) in text[:train_size]


def test_fit_with_steps_per_epoch():
    train, validation = causal_lm_datasets_from_token_ids(POSITIONS % 50, 8, 4)
    token_ids = keras.Input(shape=(8,), dtype="int32", name="token_ids")
    logits = keras.layers.Dense(50)(keras.layers.Embedding(50, 8)(token_ids))
    model = keras.Model(token_ids, logits)
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    history = model.fit(
        train,
        steps_per_epoch=3,
        epochs=2,
        validation_data=validation,
        shuffle=False,
        verbose=0,
    )
    assert len(history.history["loss"]) == 2
    assert np.isfinite(history.history["val_loss"]).all()


@pytest.mark.parametrize(
    "token_count, match",
    [
        (8, r"its 7 training tokens .* no window of sequence_length \+ 1 = 9"),
        (100, r"its 10 validation tokens make 1 window\(s\) .* fewer than one batch"),
    ],
)
def test_corpus_too_short(token_count, match):
    with pytest.raises(ValueError, match="The corpus is too short: " + match):
        causal_lm_datasets_from_token_ids(np.arange(token_count), 8, 4)


@pytest.mark.parametrize(
    "arguments, error, match",
    [
        ({"sequence_length": 0}, ValueError, "`sequence_length` must be a positive int"),
        ({"batch_size": -2}, ValueError, "`batch_size` must be a positive int"),
        ({"batch_size": 4.0}, TypeError, "`batch_size` must be an int"),
        ({"validation_fraction": 0}, ValueError, r"must be in \(0, 1\)"),
        ({"validation_fraction": 1.0}, ValueError, r"must be in \(0, 1\)"),
        ({"validation_fraction": "0.1"}, TypeError, "`validation_fraction` must be a"),
        ({"seed": None}, TypeError, "`seed` must be an int"),
    ],
)
def test_bad_arguments(arguments, error, match):
    arguments = {"sequence_length": 8, "batch_size": 4, **arguments}
    with pytest.raises(error, match=match):
        causal_lm_datasets_from_token_ids(POSITIONS, **arguments)


def test_bad_arguments_are_caught_before_reading_the_source(tmp_path):
    tokenizer = CharTokenizer.from_corpus("ab")
    with pytest.raises(ValueError, match="`sequence_length`"):
        causal_lm_datasets(tmp_path / "missing.txt", tokenizer, 0, 4)


def test_token_ids_must_be_one_dimensional_integers():
    with pytest.raises(ValueError, match="must be 1-D"):
        split_token_ids(np.zeros((2, 50), np.int32))
    with pytest.raises(TypeError, match="must hold integers"):
        split_token_ids(np.linspace(0, 1, 50))
