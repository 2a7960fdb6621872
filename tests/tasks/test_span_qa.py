"""Extractive QA through the spine: `kerazoo train bert_qa`, evaluate (EM/F1), export --task qa
and embed (reloaded in a fresh TensorFlow-only process), warm start from another run's encoder."""

import argparse
import gzip
import json
import pathlib

import numpy as np
import pytest

from kerazoo.cli.main import main
from kerazoo.data import read_squad
from kerazoo.models import build, resolve_config
from kerazoo.runs import load_run
from kerazoo.tasks import get_task, sentence_embeddings
from kerazoo.tasks.span_qa import answer_questions
from tests.export.fresh_process import serve_in_fresh_process
from tests.tasks.fine_tuning_cli import evaluated_metrics

ROOT = pathlib.Path(__file__).resolve().parents[2]


def squad_slice(path, articles):
    with gzip.open(ROOT / "data" / "squad" / "xquad.en.json.gz", "rt", encoding="utf-8") as f:
        record = json.load(f)
    record["data"] = record["data"][articles]
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def squad_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("squad")
    return (squad_slice(folder / "train.json", slice(0, 2)),   # 97 questions
            squad_slice(folder / "dev.json", slice(2, 3)))     # 8 questions (Normans)


@pytest.fixture(scope="module")
def qa_run(squad_files, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("qa") / "run"
    train, dev = squad_files
    assert main(["train", "bert_qa", "--data", str(train), "--validation-data", str(dev),
                 "--sequence-length", "96", "--stride", "48", "--vocabulary-size", "600",
                 "--lowercase", "--steps", "30", "--epochs", "2", "--batch-size", "16",
                 "--learning-rate", "2e-3", "--out", str(run_dir)]) == 0
    return run_dir


@pytest.mark.heavy
def test_qa_trains_from_the_command_line(qa_run):
    record = json.loads((qa_run / "run.json").read_text())
    assert (record["family"], record["task"]) == ("bert_qa", "span_qa")
    assert record["task_options"] == {"sequence_length": 96, "stride": 48}
    history = json.loads((qa_run / "history.json").read_text())
    assert "val_position_accuracy" in history["epochs"]
    steps = history["steps"]["loss"]
    assert np.mean(steps[-10:]) < np.mean(steps[:10])


@pytest.mark.heavy
def test_evaluate_prints_exact_match_and_f1(qa_run, squad_files, capsys):
    metrics = evaluated_metrics(capsys, qa_run, squad_files[1])
    assert metrics["questions"] == 8 and metrics["windows"] >= 8
    assert 0.0 <= metrics["exact_match"] <= metrics["f1"] <= 100.0
    assert np.isfinite(metrics["loss"])


@pytest.mark.heavy
def test_qa_and_embed_exports_serve_raw_strings_in_a_fresh_process(qa_run, squad_files,
                                                                    tmp_path):
    qa, embed = tmp_path / "qa", tmp_path / "embed"
    assert main(["export", str(qa_run), "--task", "qa", "--out", str(qa)]) == 0
    assert main(["export", str(qa_run), "--task", "embed", "--out", str(embed)]) == 0
    # The shortest contexts and the longest, read in strided windows as evaluation reads it.
    by_length = sorted(read_squad(squad_files[0]), key=lambda e: len(e.context))
    examples = by_length[:4] + by_length[-1:]
    texts = ["Which team won Super Bowl 50?", "the Normans"]
    answered, embedded = serve_in_fresh_process([
        (qa, "serving_default", {"questions": [e.question for e in examples] + ["Who?"],
                                 "contexts": [e.context for e in examples] + [""]}),
        (embed, "serving_default", {"texts": texts}),
    ], cwd=tmp_path)
    model, tokenizer, _ = load_run(qa_run)
    expected, _, windows = answer_questions(model, tokenizer, examples)
    assert windows > len(examples)
    assert answered["answer"][:-1] == [text for text, _ in expected]
    assert all(text and text in e.context for text, e in zip(answered["answer"], examples))
    assert all(0.0 < score <= 1.0 for score in answered["score"][:-1])
    assert (answered["answer"][-1], answered["score"][-1]) == ("", 0.0)
    np.testing.assert_allclose(embedded["embeddings"],
                               sentence_embeddings(model, tokenizer, texts), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(embedded["embeddings"], axis=1), 1.0, atol=1e-5)


@pytest.mark.heavy
def test_an_export_the_task_does_not_offer_is_one_clear_line(qa_run, tmp_path, capsys):
    assert main(["export", str(qa_run), "--task", "classify", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "'span_qa' task cannot export --task 'classify'; its exports: embed, qa" in err
    assert "Traceback" not in err and not (tmp_path / "x").exists()


@pytest.mark.heavy
def test_init_starts_from_another_runs_encoder_and_tokenizer(qa_run, squad_files):
    options = argparse.Namespace(data=str(squad_files[1]), validation_data=None, init=qa_run,
                                 sequence_length=600, stride=48, vocabulary_size=10,
                                 lowercase=False)
    task = get_task("span_qa")
    data = task.prepare_data(options, resolve_config("bert_qa"), 4, seed=0)
    source, source_tokenizer, _ = load_run(qa_run)
    assert data.tokenizer.get_vocabulary() == source_tokenizer.get_vocabulary()
    assert data.model_overrides["vocabulary_size"] == source.backbone.vocabulary_size
    model = build("bert_qa", **data.model_overrides)
    data.prepare_model(model)
    for before, after in zip(source.backbone.get_weights(), model.backbone.get_weights()):
        np.testing.assert_array_equal(after, before)
    inputs, spans = next(iter(data.train))
    assert inputs["token_ids"].shape[1] <= 512 and spans.shape == (4, 2)  # 600: capped
