"""Entity tagging (the `bert_tagger` family) through the spine, from the command line.

Tiny settings on slices of the shipped WNUT-17. The exported tagger is reloaded in a fresh
process that imports only `tensorflow` and `tensorflow_text`.
"""

import json
import re

import numpy as np
import pytest

from kerazoo.cli.main import main
from kerazoo.data import conll_source, read_conll
from kerazoo.runs import load_run, save_run
from tests.export.fresh_process import serve_in_fresh_process
from tests.tasks.fine_tuning_cli import (
    assert_unknown_labels_refused,
    evaluated_metrics,
    fine_tuned_from_converted_encoder,
)

TEXTS = ["Café  de Flore in Zürich 😀 today", "", "one"]


def conll_slice(split, sentences, destination):
    data = read_conll(conll_source(split))
    blocks = ["".join(f"{word}\t{tag}\n" for word, tag in zip(words, tags))
              for words, tags in zip(data.words[:sentences], data.tags[:sentences])]
    destination.write_text("\n".join(blocks), encoding="utf-8")
    return destination


@pytest.fixture(scope="module")
def wnut_slices(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wnut17")
    return (conll_slice("train", 400, folder / "train.conll"),
            conll_slice("dev", 100, folder / "dev.conll"))


@pytest.fixture(scope="module")
def tagger_run(wnut_slices, tmp_path_factory):
    train, dev = wnut_slices
    run_dir = tmp_path_factory.mktemp("tagger") / "run"
    assert main(["train", "bert_tagger", "--data", str(train), "--validation-data", str(dev),
                 "--steps", "30", "--epochs", "2", "--batch-size", "16", "--learning-rate",
                 "2e-3", "--vocabulary-size", "600", "--out", str(run_dir)]) == 0
    return run_dir


@pytest.mark.heavy
def test_tagger_trains_from_the_command_line(tagger_run):
    record = json.loads((tagger_run / "run.json").read_text())
    assert (record["family"], record["task"]) == ("bert_tagger", "token_classification")
    names = record["hyperparameters"]["label_names"]
    assert names[0] == "O" and len(names) == 13 and "B-creative-work" in names
    history = json.loads((tagger_run / "history.json").read_text())
    assert {"val_accuracy", "val_loss"} <= set(history["epochs"])
    steps = history["steps"]["loss"]
    assert np.mean(steps[-10:]) < np.mean(steps[:10])


@pytest.mark.heavy
def test_evaluate_prints_entity_scores(tagger_run, wnut_slices, capsys):
    metrics = evaluated_metrics(capsys, tagger_run, wnut_slices[1])
    tags = read_conll(wnut_slices[1]).tags
    # WNUT-17's dev tags are clean BIO: one entity per B- tag.
    assert metrics["entities"] == sum(tag.startswith("B-") for row in tags for tag in row)
    assert metrics["sentences"] == 100
    # Mostly `O`: a model that learnt anything gets most words right.
    assert metrics["accuracy"] > 0.8
    for name in ("precision", "recall", "f1", "f1_person", "f1_creative-work"):
        assert 0.0 <= metrics[name] <= 1.0, name


@pytest.mark.heavy
def test_unknown_tags_at_evaluation_are_one_clear_line(tagger_run, tmp_path, capsys):
    assert_unknown_labels_refused(capsys, tagger_run, tmp_path / "other.conll",
                                  "Rex\tB-animal\nbarks\tO\n", ["B-animal"])


@pytest.mark.heavy
def test_export_serves_entity_spans_in_a_fresh_tensorflow_process(tagger_run, tmp_path):
    # A head that answers B-person everywhere: every whitespace-separated word is an entity,
    # so the offsets of every word are checked, accents and emoji included.
    model, tokenizer, record = load_run(tagger_run)
    model.output_dense.kernel.assign(np.zeros(model.output_dense.kernel.shape, "float32"))
    model.output_dense.bias.assign(
        np.eye(model.num_classes, dtype="float32")[model.label_names.index("B-person")] * 10)
    forced = tmp_path / "forced"
    save_run(forced, model, tokenizer, {key: record[key] for key in ("family", "task")})
    served = tmp_path / "served"
    assert main(["export", str(forced), "--out", str(served)]) == 0
    [answer] = serve_in_fresh_process([(served, "serving_default", {"texts": TEXTS})], tmp_path)
    words = [list(re.finditer(r"\S+", text)) for text in TEXTS]
    assert answer["entity_count"] == [len(row) for row in words]
    most = max(map(len, words))
    for i, (text, row) in enumerate(zip(TEXTS, words)):
        count = len(row)
        assert answer["entity_text"][i][:count] == [m.group() for m in row]
        assert answer["entity_start"][i][:count] == [m.start() for m in row]
        assert answer["entity_end"][i][:count] == [m.end() for m in row]
        assert answer["entity_label"][i][:count] == ["person"] * count
        assert all(text[s:e] == t for s, e, t in zip(answer["entity_start"][i],
                                                       answer["entity_end"][i],
                                                       answer["entity_text"][i]) if s >= 0)
        assert answer["entity_start"][i][count:] == [-1] * (most - count)
        assert answer["entity_text"][i][count:] == [""] * (most - count)


@pytest.mark.heavy
def test_tagging_starts_from_a_converted_encoder(wnut_slices, tmp_path):
    source, encoder, _ = fine_tuned_from_converted_encoder("bert_tagger", wnut_slices[0],
                                                           tmp_path)
    for before, after in zip(source.get_weights(), encoder.get_weights()):
        np.testing.assert_allclose(after, before, atol=1e-5)
