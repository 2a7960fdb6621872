"""Sentences longer than the classifier's position table (or `--sequence-length`) are cut with
a note naming the file and how many, in training, validation and evaluation alike (the
tagger's evaluation too)."""

import argparse

import numpy as np

from kerazoo.data import train_word_piece
from kerazoo.data.word_piece import RESERVED_TOKENS
from kerazoo.models import build, resolve_config
from kerazoo.tasks.text_classification import TextClassificationTask

SHORT = ["a fine film", "dull and slow", "a fine cast", "slow and dull"]
LONG = " ".join(["a fine film , dull and slow"] * 4)  # 84 word pieces; the others 9 to 11


def write_tsv(path, sentences):
    rows = [f"{sentence}\t{i % 2}" for i, sentence in enumerate(sentences)]
    path.write_text("sentence\tlabel\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_evaluation_says_how_many_examples_exceed_the_position_table(tmp_path, capsys):
    tokenizer = train_word_piece(SHORT + [LONG], 60, reserved_tokens=RESERVED_TOKENS)
    model = build("bert_classifier", "bert-tiny", vocabulary_size=tokenizer.vocabulary_size(),
                  max_sequence_length=16)
    source = write_tsv(tmp_path / "dev.tsv", SHORT + [LONG])
    scores = TextClassificationTask().evaluate(model, tokenizer, str(source), batch_size=4)
    assert f"kerazoo: 1 example(s) of {source} exceed 16 tokens and are cut." in (
        capsys.readouterr().out)
    assert np.isfinite(scores["loss"]) and 0.0 <= scores["accuracy"] <= 1.0
    write_tsv(source, SHORT)
    TextClassificationTask().evaluate(model, tokenizer, str(source), batch_size=4)
    assert "are cut" not in capsys.readouterr().out


def test_training_and_validation_files_say_how_many_examples_are_cut(tmp_path, capsys):
    task = TextClassificationTask()
    parser = argparse.ArgumentParser()
    task.add_arguments(parser)
    train = write_tsv(tmp_path / "train.tsv", SHORT * 2 + [LONG])
    dev = write_tsv(tmp_path / "dev.tsv", SHORT + [LONG, LONG])
    options = parser.parse_args(["--validation-data", str(dev), "--sequence-length", "16",
                                 "--vocabulary-size", "60"])
    options.data = str(train)
    task.prepare_data(options, resolve_config("bert_classifier", "bert-tiny"), 2, seed=0)
    out = capsys.readouterr().out
    assert f"kerazoo: 1 example(s) of {train} exceed 16 tokens and are cut." in out
    assert f"kerazoo: 2 example(s) of {dev} exceed 16 tokens and are cut." in out


def test_tagger_evaluation_says_how_many_sentences_lose_words(tmp_path, capsys):
    from kerazoo.tasks.token_classification import TokenClassificationTask

    tokenizer = train_word_piece(SHORT + [LONG], 60, reserved_tokens=RESERVED_TOKENS)
    model = build("bert_tagger", "bert-tiny", vocabulary_size=tokenizer.vocabulary_size(),
                  max_sequence_length=16, label_names=("B-film", "I-film", "O"))
    source = tmp_path / "test.conll"

    def write_conll(sentences):
        blocks = ["\n".join(f"{word}\t{'B-film' if word == 'film' else 'O'}"
                            for word in sentence.split()) for sentence in sentences]
        source.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")

    write_conll(SHORT + [LONG])
    scores = TokenClassificationTask().evaluate(model, tokenizer, str(source), batch_size=4)
    assert f"kerazoo: 1 example(s) of {source} exceed 16 tokens and are cut." in (
        capsys.readouterr().out)
    assert 0.0 <= scores["f1"] <= 100.0
    write_conll(SHORT)
    TokenClassificationTask().evaluate(model, tokenizer, str(source), batch_size=4)
    assert "are cut" not in capsys.readouterr().out
