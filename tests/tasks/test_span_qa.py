"""Extractive QA through the spine: `kerazoo train bert_qa`, evaluate (EM/F1), export --task qa
and embed (reloaded in a fresh TensorFlow-only process), warm start from a converted encoder."""

import gzip
import json
import pathlib

import numpy as np
import pytest

from kerazoo.cli.main import main
from kerazoo.data import read_squad
from kerazoo.runs import load_run
from kerazoo.tasks import sentence_embeddings
from kerazoo.tasks.span_qa import answer_questions
from tests.export.fresh_process import serve_in_fresh_process

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "convert" / "fixtures"


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
                 "--sequence-length", "128", "--stride", "64", "--vocabulary-size", "600",
                 "--lowercase", "--steps", "40", "--epochs", "2", "--batch-size", "16",
                 "--learning-rate", "2e-3", "--out", str(run_dir)]) == 0
    return run_dir


@pytest.mark.heavy
def test_qa_trains_from_the_command_line(qa_run):
    record = json.loads((qa_run / "run.json").read_text())
    assert (record["family"], record["task"]) == ("bert_qa", "span_qa")
    assert record["task_options"] == {"sequence_length": 128, "stride": 64}
    history = json.loads((qa_run / "history.json").read_text())
    assert "val_position_accuracy" in history["epochs"]
    steps = history["steps"]["loss"]
    assert np.mean(steps[-10:]) < np.mean(steps[:10])


@pytest.mark.heavy
def test_evaluate_prints_exact_match_and_f1(qa_run, squad_files, capsys):
    capsys.readouterr()
    assert main(["evaluate", str(qa_run), "--data", str(squad_files[1])]) == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metrics["questions"] == 8 and metrics["windows"] >= 8
    assert 0.0 <= metrics["exact_match"] <= metrics["f1"] <= 100.0
    assert np.isfinite(metrics["loss"])


@pytest.mark.heavy
def test_qa_export_answers_raw_strings_in_a_fresh_process(qa_run, squad_files, tmp_path):
    served = tmp_path / "qa"
    assert main(["export", str(qa_run), "--task", "qa", "--out", str(served)]) == 0
    examples = read_squad(squad_files[1])[:5]
    out = serve_in_fresh_process(served, {
        "questions": [e.question for e in examples] + ["Who?"],
        "contexts": [e.context for e in examples] + [""],
    })
    model, tokenizer, _ = load_run(qa_run)
    # One window of the whole position table holds each context, as in the export.
    expected, _, windows = answer_questions(model, tokenizer, examples,
                                            sequence_length=model.max_sequence_length)
    assert windows == len(examples)
    assert out["answer"][:-1] == [text for text, _ in expected]
    assert all(text in e.context for text, e in zip(out["answer"], examples))
    assert all(0.0 < score <= 1.0 for score in out["score"][:-1])
    assert (out["answer"][-1], out["score"][-1]) == ("", 0.0)


@pytest.mark.heavy
def test_embed_export_of_a_qa_run_is_the_mean_pooled_encoder(qa_run, tmp_path):
    served = tmp_path / "embed"
    assert main(["export", str(qa_run), "--task", "embed", "--out", str(served)]) == 0
    texts = ["Which team won Super Bowl 50?", "the Normans"]
    out = serve_in_fresh_process(served, {"texts": texts})
    model, tokenizer, _ = load_run(qa_run)
    expected = sentence_embeddings(model, tokenizer, texts)
    np.testing.assert_allclose(out["embeddings"], expected, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(out["embeddings"], axis=1), 1.0, atol=1e-5)


@pytest.mark.heavy
def test_an_export_the_task_does_not_offer_is_one_clear_line(qa_run, tmp_path, capsys):
    assert main(["export", str(qa_run), "--task", "classify", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "'span_qa' task cannot export --task 'classify'; its exports: embed, qa" in err
    assert "Traceback" not in err and not (tmp_path / "x").exists()


@pytest.mark.heavy
def test_qa_fine_tuning_starts_from_a_converted_encoder(squad_files, tmp_path):
    pretrained = tmp_path / "pretrained"
    assert main(["convert", "hf", str(FIXTURES / "tiny_bert_mlm"), "--out", str(pretrained)]) == 0
    source, source_tokenizer, _ = load_run(pretrained)
    run_dir = tmp_path / "qa"
    assert main(["train", "bert_qa", "--init", str(pretrained), "--data", str(squad_files[1]),
                 "--sequence-length", "64", "--stride", "32", "--steps", "2", "--epochs", "1",
                 "--batch-size", "4", "--learning-rate", "1e-9", "--out", str(run_dir)]) == 0
    model, tokenizer, _ = load_run(run_dir)
    assert tokenizer.get_vocabulary() == source_tokenizer.get_vocabulary()
    assert model.backbone.num_layers == source.backbone.num_layers
    for before, after in zip(source.backbone.get_weights(), model.backbone.get_weights()):
        np.testing.assert_allclose(after, before, atol=1e-5)
