"""The BERT families through the spine, from the command line: train, evaluate, export, convert.

Tiny settings on slices of the shipped SST-2 and Tiny Shakespeare. The exported classifier is
reloaded in a fresh process that imports only `tensorflow` and `tensorflow_text`.
"""

import json
import pathlib

import numpy as np
import pytest
import tensorflow as tf

from kerazoo.cli.main import main
from kerazoo.data import pack_single_segment, special_token_ids
from kerazoo.data.ragged_tokens import tokenize_to_ragged
from kerazoo.runs import load_run
from tests.export.fresh_process import serve_in_fresh_process
from tests.tasks.fine_tuning_cli import (
    assert_unknown_labels_refused,
    evaluated_metrics,
    fine_tuned_from_converted_encoder,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]
SST2 = ROOT / "data" / "sst2"
TEXTS = ["a charming and often affecting journey .", "", "dull , boring and far too long"]


def head_of(source, destination, rows):
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    destination.write_text("".join(lines[: rows + 1]), encoding="utf-8")
    return destination


@pytest.fixture(scope="module")
def sst2_slices(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sst2")
    return (head_of(SST2 / "train.tsv", folder / "train.tsv", 800),
            head_of(SST2 / "dev.tsv", folder / "dev.tsv", 120))


@pytest.fixture(scope="module")
def classifier_run(sst2_slices, tmp_path_factory):
    train, dev = sst2_slices
    run_dir = tmp_path_factory.mktemp("classifier") / "run"
    code = main(["train", "bert_classifier", "--data", str(train), "--validation-data", str(dev),
                 "--steps", "40", "--epochs", "2", "--batch-size", "16", "--learning-rate",
                 "2e-3", "--vocabulary-size", "500", "--out", str(run_dir)])
    assert code == 0
    return run_dir


def probabilities_in_process(run_dir, texts):
    model, tokenizer, _ = load_run(run_dir)
    inputs = pack_single_segment(tokenize_to_ragged(tokenizer, texts),
                                 special_token_ids(tokenizer), model.max_sequence_length)
    return tf.nn.softmax(model(inputs, training=False)).numpy(), model.label_names


def test_classifier_trains_from_the_command_line(classifier_run):
    record = json.loads((classifier_run / "run.json").read_text())
    assert (record["family"], record["task"], record["preset"]) == (
        "bert_classifier", "text_classification", "bert-tiny")
    assert record["hyperparameters"]["label_names"] == ["0", "1"]
    history = json.loads((classifier_run / "history.json").read_text())
    assert "val_accuracy" in history["epochs"]
    steps = history["steps"]["loss"]
    assert np.mean(steps[-10:]) < np.mean(steps[:10])


def test_evaluate_prints_accuracy_precision_recall_f1(classifier_run, sst2_slices, capsys):
    metrics = evaluated_metrics(capsys, classifier_run, sst2_slices[1])
    assert metrics["examples"] == 120
    for name in ("accuracy", "precision", "recall", "f1", "macro_precision", "macro_recall",
                 "macro_f1", "loss"):
        assert 0.0 <= metrics[name] <= (1.0 if name != "loss" else 10.0), name


def test_export_serves_raw_strings_in_a_fresh_tensorflow_process(classifier_run, tmp_path):
    served = tmp_path / "served"
    assert main(["export", str(classifier_run), "--out", str(served)]) == 0
    [answer] = serve_in_fresh_process([(served, "serving_default", {"texts": TEXTS})], tmp_path)
    expected, names = probabilities_in_process(classifier_run, TEXTS)
    np.testing.assert_allclose(answer["probabilities"], expected, atol=1e-5)
    np.testing.assert_allclose(np.sum(answer["probabilities"], axis=1), 1.0, atol=1e-5)
    assert answer["label"] == [names[i] for i in np.argmax(expected, axis=1)]


def test_unknown_labels_at_evaluation_are_one_clear_line(classifier_run, tmp_path, capsys):
    assert_unknown_labels_refused(capsys, classifier_run, tmp_path / "other.tsv",
                                  "sentence\tlabel\ngood\tpositive\n", ["positive"])


def test_masked_lm_pretrains_evaluates_and_exports(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    text = (ROOT / "data" / "tinyshakespeare.txt").read_text(encoding="utf-8")[:40_000]
    corpus.write_text(text, encoding="utf-8")
    run_dir = tmp_path / "mlm"
    assert main(["train", "bert", "--data", str(corpus), "--steps", "30", "--epochs", "2",
                 "--batch-size", "8", "--sequence-length", "32", "--vocabulary-size", "400",
                 "--learning-rate", "2e-3", "--out", str(run_dir)]) == 0
    record = json.loads((run_dir / "run.json").read_text())
    assert (record["family"], record["task"]) == ("bert", "masked_lm")
    history = json.loads((run_dir / "history.json").read_text())
    assert {"val_masked_lm_accuracy", "val_perplexity"} <= set(history["epochs"])
    assert history["steps"]["loss"][-1] < history["steps"]["loss"][0]
    metrics = evaluated_metrics(capsys, run_dir, corpus)
    assert 0.0 < metrics["masked_lm_accuracy"] < 1.0
    # The loss is the mean over every masked token, as the perplexity is (Keras' running loss
    # weighs batches, not tokens, and was up to ~1e-3 off).
    assert metrics["perplexity"] == pytest.approx(np.exp(metrics["loss"]), rel=1e-5)
    assert main(["export", str(run_dir), "--out", str(tmp_path / "served")]) == 0
    served = tf.saved_model.load(str(tmp_path / "served"))
    logits = served.signatures["logits"](
        token_ids=tf.ones((1, 8), tf.int32), segment_ids=tf.zeros((1, 8), tf.int32),
        padding_mask=tf.ones((1, 8), tf.int32), mask_positions=tf.constant([[1, 2]]))["logits"]
    assert logits.shape[:2] == (1, 2)
    assert logits.shape[2] == record["hyperparameters"]["vocabulary_size"]


def test_fine_tuning_starts_from_a_converted_encoder(sst2_slices, tmp_path):
    source, encoder, record = fine_tuned_from_converted_encoder(
        "bert_classifier", sst2_slices[0], tmp_path)
    assert record["hyperparameters"]["vocabulary_size"] == 39
    for before, after in zip(source.get_weights()[:4], encoder.get_weights()[:4]):
        np.testing.assert_allclose(after, before, atol=1e-5)


def test_a_bare_encoder_is_not_trained_directly(capsys):
    assert main(["train", "bert_encoder", "--steps", "1"]) == 2
    assert "train bert_classifier --init RUN_DIR" in capsys.readouterr().err


@pytest.mark.heavy
def test_masked_lm_with_next_sentence_trains_both_heads_evaluates_and_exports(tmp_path, capsys):
    corpus = tmp_path / "speeches.txt"  # Blank lines end Tiny Shakespeare's speeches.
    text = (ROOT / "data" / "tinyshakespeare.txt").read_text(encoding="utf-8")[:30_000]
    corpus.write_text(text, encoding="utf-8")
    run_dir = tmp_path / "nsp"
    assert main(["train", "bert", "--next-sentence", "--data", str(corpus), "--steps", "6",
                 "--epochs", "2", "--batch-size", "8", "--sequence-length", "32",
                 "--vocabulary-size", "300", "--learning-rate", "2e-3", "--out", str(run_dir)]) == 0
    record = json.loads((run_dir / "run.json").read_text())
    assert record["hyperparameters"]["next_sentence"] is True
    history = json.loads((run_dir / "history.json").read_text())
    assert len(history["steps"]["loss"]) == 6 and all(np.isfinite(history["steps"]["loss"]))
    epochs = history["epochs"]
    for name in ("masked_lm_loss", "next_sentence_loss", "val_masked_lm_loss",
                 "val_next_sentence_loss"):
        assert len(epochs[name]) == 2 and all(np.isfinite(epochs[name])), name
    # The total is the sum of the two heads' losses.
    assert epochs["val_loss"][-1] == pytest.approx(
        epochs["val_masked_lm_loss"][-1] + epochs["val_next_sentence_loss"][-1], rel=1e-4)
    assert {"val_next_sentence_accuracy", "val_masked_lm_accuracy",
            "val_masked_lm_perplexity"} <= set(history["epochs"])
    capsys.readouterr()
    assert main(["evaluate", str(run_dir), "--data", str(corpus)]) == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert 0.0 <= metrics["next_sentence_accuracy"] <= 1.0 and metrics["pairs"] > 100
    assert main(["export", str(run_dir), "--out", str(tmp_path / "served")]) == 0
    served = tf.saved_model.load(str(tmp_path / "served")).signatures["logits"]
    out = served(token_ids=tf.ones((3, 8), tf.int32), segment_ids=tf.zeros((3, 8), tf.int32),
                 padding_mask=tf.ones((3, 8), tf.int32), mask_positions=tf.constant([[1, 2]] * 3))
    assert out["logits"].shape == (3, 2, record["hyperparameters"]["vocabulary_size"])
    assert out["next_sentence_logits"].shape == (3, 2)
