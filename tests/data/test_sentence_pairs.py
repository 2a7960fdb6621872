"""Sentence-pair classification data: `sentence1`/`sentence2` TSV files packed as
`[CLS] A [SEP] B [SEP]` with segment ids, cut round robin, trained through the CLI and served
from the exported SavedModel in a fresh TensorFlow-only process."""

import json

import numpy as np
import pytest
import tensorflow as tf

from kerazoo.cli.main import main
from kerazoo.data import (
    classification_dataset,
    read_labelled_tsv,
    special_token_ids,
    tokenize_labelled,
    train_word_piece,
)
from kerazoo.runs import load_run
from tests.export.fresh_process import serve_in_fresh_process

ROWS = [("the cat sat", "the cat sat", "same"), ("a dog ran", "the cat sat", "different"),
        ("birds sing loudly", "birds sing loudly", "same"), ("the cat sat", "a dog ran", "different")]


def pair_file(path, rows):
    path.write_text("index\tsentence1\tsentence2\tlabel\n" + "".join(
        f"{i}\t{a}\t{b}\t{label}\n" for i, (a, b, label) in enumerate(rows)), encoding="utf-8")
    return path


def packed_by_hand(pairs, tokenizer):
    special = special_token_ids(tokenizer)
    rows = [[special["cls"], *tokenizer.tokenize(a), special["sep"], *tokenizer.tokenize(b),
             special["sep"]] for a, b in pairs]
    segments = [[0] * (len(tokenizer.tokenize(a)) + 2) + [1] * (len(tokenizer.tokenize(b)) + 1)
                for a, b in pairs]
    width = max(map(len, rows))
    pad = lambda row, value: list(row) + [value] * (width - len(row))  # noqa: E731
    return {"token_ids": np.array([pad(r, special["pad"]) for r in rows], np.int32),
            "segment_ids": np.array([pad(s, 0) for s in segments], np.int32),
            "padding_mask": np.array([pad([1] * len(r), 0) for r in rows], np.int32)}


@pytest.fixture(scope="module")
def tokenizer():
    return train_word_piece([" ".join(row[:2]) for row in ROWS], 40)


def test_a_pair_file_reads_both_sentences(tmp_path):
    examples = read_labelled_tsv(pair_file(tmp_path / "pairs.tsv", ROWS))
    assert examples.sentences == [row[0] for row in ROWS]
    assert examples.second_sentences == [row[1] for row in ROWS]
    assert examples.labels == [row[2] for row in ROWS]
    single = tmp_path / "single.tsv"
    single.write_text("sentence\tlabel\ngood\t1\n")
    assert read_labelled_tsv(single).second_sentences is None
    empty = tmp_path / "empty.tsv"
    empty.write_text("sentence1\tsentence2\tlabel\ngood\t \t1\n")
    with pytest.raises(ValueError, match="line 2 has an empty sentence"):
        read_labelled_tsv(empty)


def test_pairs_pack_with_segment_ids_and_cut_the_longer_sentence_first(tmp_path, tokenizer):
    examples = read_labelled_tsv(pair_file(tmp_path / "pairs.tsv", ROWS[:1]))
    special = special_token_ids(tokenizer)
    first, second = (list(ids) for ids in tokenizer.tokenize(["the cat sat", "the cat sat"]))
    full = classification_dataset(tokenize_labelled(examples, tokenizer), np.array([0]),
                                  special, 64, 1)
    inputs, _ = next(iter(full))
    assert inputs["token_ids"].numpy()[0].tolist() == (
        [special["cls"]] + first + [special["sep"]] + second + [special["sep"]])
    assert inputs["segment_ids"].numpy()[0].tolist() == ([0] * (len(first) + 2)
                                                        + [1] * (len(second) + 1))
    long_pair = pair_file(tmp_path / "long.tsv", [("the cat sat the cat sat", "a dog", "x")])
    examples = read_labelled_tsv(long_pair)
    a, b = (list(ids) for ids in tokenizer.tokenize(["the cat sat the cat sat", "a dog"]))
    cut = classification_dataset(tokenize_labelled(examples, tokenizer), np.array([0]),
                                 special, len(b) + 3 + 3, 1)
    inputs, _ = next(iter(cut))
    # Round robin: the rows take a piece in turn until the budget of len(b) + 3 is spent, so
    # the short row keeps what it can of its pieces and the long one the rest.
    budget = len(b) + 3
    b_kept = min(len(b), budget // 2)
    kept = inputs["token_ids"].numpy()[0].tolist()
    assert len(a) > budget - b_kept
    assert kept == ([special["cls"]] + a[:budget - b_kept] + [special["sep"]] + b[:b_kept]
                    + [special["sep"]])


@pytest.mark.heavy
def test_a_pair_classifier_trains_and_evaluates_from_the_command_line(tmp_path, capsys):
    rows = ROWS * 8
    data = pair_file(tmp_path / "train.tsv", rows)
    run_dir = tmp_path / "run"
    assert main(["train", "bert_classifier", "--data", str(data), "--steps", "12", "--epochs",
                 "1", "--batch-size", "8", "--vocabulary-size", "60", "--learning-rate", "1e-3",
                 "--out", str(run_dir)]) == 0
    assert json.loads((run_dir / "run.json").read_text())["hyperparameters"]["label_names"] == [
        "different", "same"]
    capsys.readouterr()
    assert main(["evaluate", str(run_dir), "--data", str(data)]) == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metrics["examples"] == len(rows) and 0.0 <= metrics["accuracy"] <= 1.0
    served = tmp_path / "served"
    assert main(["export", str(run_dir), "--task", "classify", "--out", str(served)]) == 0
    pairs = [row[:2] for row in ROWS]
    (answer,) = serve_in_fresh_process([(served, "classify_pairs", {
        "first_texts": [a for a, _ in pairs], "second_texts": [b for _, b in pairs]})],
        cwd=tmp_path)
    model, tokenizer, _ = load_run(run_dir)
    expected = tf.nn.softmax(model(packed_by_hand(pairs, tokenizer), training=False)).numpy()
    np.testing.assert_allclose(answer["probabilities"], expected, atol=1e-5)
    assert answer["label"] == [model.label_names[i] for i in expected.argmax(axis=1)]
