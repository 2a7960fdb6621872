"""ELMo through the spine: data, `kerazoo train elmo`, evaluate, export, reload with TensorFlow alone."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import kerazoo
from kerazoo.cli.main import main
from kerazoo.data import WordTokenizer
from kerazoo.data.bidirectional_lm import bidirectional_lm_dataset, lm_sentences
from kerazoo.tasks.bidirectional_lm import DirectionalPerplexity

RELOAD = """
import json, sys
import tensorflow as tf
served = tf.saved_model.load(sys.argv[1])
out = served.signatures["serving_default"](texts=tf.constant(json.loads(sys.argv[2])))
assert "kerazoo" not in sys.modules and "keras_hub" not in sys.modules
print(json.dumps({"embeddings": out["embeddings"].numpy().tolist(),
                  "mask": out["mask"].numpy().tolist()}))
"""


def test_targets_are_the_next_and_previous_words_weighted_where_they_exist():
    tokenizer = WordTokenizer.from_corpus(["the cat sat"], progress=False)
    sentences = lm_sentences(["the cat sat\n\n  \nthe"], max_words=2)
    assert sentences == ["the cat", "sat", "the"]
    batches = list(bidirectional_lm_dataset(sentences[:1], tokenizer, 8, 1))
    characters, targets, weights = (t.numpy() for t in batches[0])
    the, cat = tokenizer.token_to_id("the"), tokenizer.token_to_id("cat")
    start, end = tokenizer.start_token_id, tokenizer.end_token_id
    assert characters.shape == (1, 4, 8)  # <S> the cat </S>
    assert targets[0, :, 0].tolist() == [the, cat, end, 0]
    assert targets[0, :, 1].tolist() == [0, start, the, cat]
    assert weights[0, :, 0].tolist() == [1, 1, 1, 0]
    assert weights[0, :, 1].tolist() == [0, 1, 1, 1]


def test_an_empty_text_and_too_few_sentences_for_a_batch_are_refused():
    with pytest.raises(ValueError, match="no words"):
        lm_sentences(["", "  \n\n"], 5)
    tokenizer = WordTokenizer.from_corpus(["a b"], progress=False)
    with pytest.raises(ValueError, match="no full batch"):
        bidirectional_lm_dataset(["a b"], tokenizer, 8, 4, drop_remainder=True)


def test_directional_perplexity_of_uniform_logits_is_the_vocabulary_size():
    targets = np.zeros((2, 3, 2), "int32")
    logits = np.zeros((2, 3, 2, 7), "float32")
    logits[..., 1, :] = np.log(np.eye(7)[0] * 0.5 + 0.5 / 7)  # Backward: p(0) = 4 / 7.
    weights = np.ones((2, 3, 2), "float32")
    forward, backward = DirectionalPerplexity("forward"), DirectionalPerplexity("backward")
    forward.update_state(targets, logits, weights)
    backward.update_state(targets, logits, weights)
    assert (forward.name, backward.name) == ("forward_perplexity", "backward_perplexity")
    assert float(forward.result()) == pytest.approx(7.0, rel=1e-5)
    assert float(backward.result()) == pytest.approx(7 / 4, rel=1e-5)


@pytest.mark.heavy
def test_elmo_trains_evaluates_and_exports_raw_strings_to_embeddings(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    lines = kerazoo.data.load_ptb_text("valid").splitlines()
    corpus.write_text("\n".join(lines[:400]) + "\n")
    run_dir = tmp_path / "run"
    assert main(["train", "elmo", "--preset", "elmo-tiny", "--data", str(corpus),
                 "--out", str(run_dir), "--steps", "20", "--epochs", "1",
                 "--batch-size", "16", "--learning-rate", "1e-2"]) == 0
    record = json.loads((run_dir / "run.json").read_text())
    assert (record["family"], record["task"]) == ("elmo", "bidirectional_lm")
    history = json.loads((run_dir / "history.json").read_text())
    vocabulary = record["hyperparameters"]["vocabulary_size"]
    for direction in ("forward", "backward"):
        assert history["epochs"][f"val_{direction}_perplexity"][-1] < vocabulary / 3

    held_out = tmp_path / "held_out.txt"
    held_out.write_text("\n".join(lines[400:440]) + "\n")
    capsys.readouterr()
    assert main(["evaluate", str(run_dir), "--data", str(held_out)]) == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    # Lines longer than elmo-tiny's 20 words are scored in pieces.
    assert metrics["sequences"] == len(lm_sentences([held_out.read_text()], 20))
    assert 1 < metrics["forward_perplexity"] < vocabulary / 3
    assert 1 < metrics["backward_perplexity"] < vocabulary / 3
    # The loss is the mean of both directions' log perplexities (the same targets count).
    assert metrics["loss"] == pytest.approx(
        (math.log(metrics["forward_perplexity"]) + math.log(metrics["backward_perplexity"]))
        / 2, rel=1e-3)

    served = tmp_path / "served"
    assert main(["export", str(run_dir), "--out", str(served)]) == 0
    texts = ["the company said", "", "a " + "x" * 200]
    result = subprocess.run([sys.executable, "-c", RELOAD, str(served), json.dumps(texts)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["mask"] == [[1, 1, 1], [0, 0, 0], [1, 1, 0]]
    model, _, _ = kerazoo.runs.load_run(run_dir)
    expected = kerazoo.models.ElmoEmbedder(model.backbone)(tf.constant(texts))["embeddings"]
    np.testing.assert_allclose(np.array(out["embeddings"]), expected.numpy(), atol=1e-5)
    assert np.array(out["embeddings"]).shape == (3, 2, 3, 32)
