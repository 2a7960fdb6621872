"""Sentence-pair classification data: `sentence1`/`sentence2` TSV files packed as
`[CLS] A [SEP] B [SEP]` with segment ids, cut round robin, and trained through the CLI."""

import json

import numpy as np
import pytest

from kerazoo.cli.main import main
from kerazoo.data import (
    classification_dataset,
    read_labelled_tsv,
    special_token_ids,
    tokenize_labelled,
    train_word_piece,
)

ROWS = [("the cat sat", "the cat sat", "same"), ("a dog ran", "the cat sat", "different"),
        ("birds sing loudly", "birds sing loudly", "same"), ("the cat sat", "a dog ran", "different")]


def pair_file(path, rows):
    path.write_text("index\tsentence1\tsentence2\tlabel\n" + "".join(
        f"{i}\t{a}\t{b}\t{label}\n" for i, (a, b, label) in enumerate(rows)), encoding="utf-8")
    return path


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
