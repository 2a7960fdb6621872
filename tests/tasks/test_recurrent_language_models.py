"""The recurrent families through the spine: train, generate, evaluate, export, reload.

`kerazoo train lstm_lm` (tiny settings) -> `generate` -> `export` -> the
SavedModel reloaded in a fresh process that imports only TensorFlow, at the
character level and at the word level; and the Penn Treebank data source.
"""

import json
import math
import pathlib
import subprocess
import sys
import types

import numpy as np
import pytest
import tensorflow as tf

import kerazoo
from kerazoo.cli.main import main

CORPUS = pathlib.Path(__file__).resolve().parents[2] / "data" / "tinyshakespeare.txt"
TRAIN = ["--steps", "20", "--epochs", "2", "--batch-size", "8", "--sample-tokens", "10"]

RELOAD = """
import json, sys
import tensorflow as tf
served = tf.saved_model.load(sys.argv[1])
out = served.signatures["serving_default"](prompts=tf.constant(json.loads(sys.argv[2])))
assert "tensorflow_text" not in sys.modules and "kerazoo" not in sys.modules
print(json.dumps([t.decode("utf-8") for t in out["text"].numpy()]))
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text(CORPUS.read_text(encoding="utf-8")[:40_000], encoding="utf-8")
    return path


def reload_and_serve(path, prompts):
    result = subprocess.run([sys.executable, "-c", RELOAD, str(path), json.dumps(prompts)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def recompute_greedy(model, tokenizer, prompt, new_tokens):
    forward = tf.function(model, input_signature=[tf.TensorSpec([1, None], tf.int32)])
    ids = tokenizer.encode(prompt)
    for _ in range(new_tokens):
        ids.append(int(np.argmax(forward(tf.constant([ids]))[0, -1])))
    return tokenizer.decode(ids)


def train_generate_export(family, corpus, run_dir, prompts, capsys, extra=()):
    assert main(["train", family, "--data", str(corpus), "--out", str(run_dir), *TRAIN,
                 *extra]) == 0
    record = json.loads((run_dir / "run.json").read_text())
    assert (record["family"], record["task"]) == (family, "causal_lm")
    capsys.readouterr()
    generated = []
    for prompt in prompts:
        assert main(["generate", str(run_dir), "--prompt", prompt, "--max-new-tokens", "12",
                     "--greedy"]) == 0
        generated.append(capsys.readouterr().out.rstrip("\n"))
    assert main(["export", str(run_dir), "--out", str(run_dir.parent / "served"),
                 "--max-new-tokens", "12", "--greedy"]) == 0
    return record, generated


def test_lstm_lm_trains_generates_and_exports_at_the_character_level(corpus, tmp_path, capsys):
    run_dir = tmp_path / "run"
    prompts = ["ROMEO:", "First"]
    record, generated = train_generate_export("lstm_lm", corpus, run_dir, prompts, capsys)
    assert record["preset"] == "shakespeare-char" and record["task_options"]["tokenizer"] == "char"
    history = json.loads((run_dir / "history.json").read_text())
    assert history["epochs"]["val_loss"][-1] < math.log(65) - 0.5
    # The generated text is greedy decoding re-run over the whole sequence.
    model, tokenizer, _ = kerazoo.runs.load_run(run_dir)
    assert generated == [recompute_greedy(model, tokenizer, p, 12) for p in prompts]
    # A fresh process with TensorFlow alone serves the same text.
    assert reload_and_serve(run_dir.parent / "served", prompts) == generated
    held_out = tmp_path / "held_out.txt"
    held_out.write_text(corpus.read_text()[-3000:])
    capsys.readouterr()
    assert main(["evaluate", str(run_dir), "--data", str(held_out)]) == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metrics["tokens"] == 2999  # No window: every character but the first is scored.
    assert metrics["bits_per_character"] < math.log2(65)


def test_gru_lm_trains_on_words_and_serves_raw_strings(corpus, tmp_path, capsys):
    run_dir = tmp_path / "run"
    prompts = ["First Citizen:", "What, you unknownword"]
    record, generated = train_generate_export(
        "gru_lm", corpus, run_dir, prompts, capsys,
        extra=["--tokenizer", "word", "--min-frequency", "2", "--no-xla"])
    assert record["task_options"]["tokenizer"] == "word"
    model, tokenizer, _ = kerazoo.runs.load_run(run_dir)
    assert isinstance(tokenizer, kerazoo.data.WordTokenizer)
    assert model.vocabulary_size == tokenizer.vocabulary_size()
    assert (run_dir / "tokenizer" / "vocabulary.txt").read_text().startswith(
        "<PAD>\n<UNK>\n<BOS>\n<EOS>\n")
    # Unknown words in a prompt become <UNK>, in Python and in the served model.
    assert generated[1].startswith("What , you <UNK>")
    assert generated == [recompute_greedy(model, tokenizer, p, 12) for p in prompts]
    assert reload_and_serve(run_dir.parent / "served", prompts) == generated


def test_a_tokenizer_that_outgrows_the_model_is_refused(corpus, tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["train", "rnn_lm", "--data", str(corpus), "--out", str(run_dir),
                 "--steps", "2", "--epochs", "1", "--batch-size", "4", "--sample-tokens", "0",
                 "--no-xla"]) == 0
    bigger = kerazoo.data.CharTokenizer.from_corpus(corpus.read_text() + "\u00e9\u00e8")
    kerazoo.data.save_tokenizer(bigger, run_dir / "tokenizer")
    capsys.readouterr()
    assert main(["generate", str(run_dir), "--prompt", "a"]) == 2
    error = capsys.readouterr().err
    size = bigger.vocabulary_size()
    assert f"tokenizer has {size} ids and its model reads {size - 2}" in error
    assert "Traceback" not in error


def test_ptb_trains_on_its_train_split_and_validates_on_valid():
    task = kerazoo.tasks.task_of("lstm_lm")
    options = types.SimpleNamespace(data="ptb", data_dir=None, tokenizer=None,
                                    vocabulary_size=None, min_frequency=1)
    config = kerazoo.models.resolve_config("lstm_lm", "ptb-small")
    data = task.prepare_data(options, config, batch_size=20, seed=1)
    assert options.tokenizer == "word"  # The default for ptb, kept for run.json.
    assert data.model_overrides == {"vocabulary_size": 10_002}
    assert data.source == "ptb (validation ptb:valid)"
    valid_ids = data.tokenizer.vocabulary.encode(kerazoo.data.load_ptb_words("valid"))
    inputs, targets = next(iter(data.validation))
    assert inputs.shape == (20, 20)
    # Validation windows are ptb.valid's tokens in order.
    np.testing.assert_array_equal(inputs[0], valid_ids[:20])
    np.testing.assert_array_equal(targets[1], valid_ids[21:41])
    windows = sum(int(batch[0].shape[0]) for batch in data.validation)
    assert windows == (len(valid_ids) - 1) // 20 // 20 * 20
    assert data.sample_prompt == "aer banknote berlitz calloway"


def test_evaluation_reads_the_text_as_one_sequence_in_chunks():
    from kerazoo.tasks.causal_lm import _score_as_one_sequence

    model = kerazoo.models.build("gru_lm", vocabulary_size=11, hidden_dim=8, embedding_dim=4)
    ids = np.random.default_rng(3).integers(0, 11, 50).astype("int32")
    logits = np.asarray(model(ids[None, :-1]))[0]
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -log_probs[np.arange(49), ids[1:]].mean()
    for chunk in (7, 49, 1024):  # Chunk boundaries change nothing: the state is carried.
        loss, tokens = _score_as_one_sequence(model, ids, chunk=chunk)
        assert tokens == 49 and loss == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match="too short to evaluate"):
        _score_as_one_sequence(model, ids[:1])


def test_stateful_training_carries_the_state_across_contiguous_batches(corpus, tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["train", "lstm_lm", "--data", str(corpus), "--out", str(run_dir),
                 "--stateful", "--steps", "12", "--epochs", "2", "--batch-size", "4",
                 "--sample-tokens", "0"]) == 0
    record = json.loads((run_dir / "run.json").read_text())
    assert record["data"].endswith("4 contiguous streams (stateful)")
    history = json.loads((run_dir / "history.json").read_text())
    assert history["epochs"]["val_loss"][-1] < math.log(65) - 0.3
    model, _, _ = kerazoo.runs.load_run(run_dir)
    assert model._carried is None  # The carried state is not part of the saved model.
    capsys.readouterr()
    assert main(["train", "gpt", "--data", str(corpus), "--out", str(tmp_path / "gpt"),
                 "--stateful", "--steps", "2"]) == 2
    error = capsys.readouterr().err
    assert "--stateful trains a recurrent model" in error and "Traceback" not in error
    assert not (tmp_path / "gpt").exists()


def test_carry_state_in_training_resets_at_each_pass_and_follows_the_rows():
    import keras

    from kerazoo.data import causal_lm_contiguous_batches
    from kerazoo.training import compile_model

    model = kerazoo.models.build("gru_lm", vocabulary_size=23, hidden_dim=16, embedding_dim=8,
                                 dropout=0.0)
    corpus = np.random.default_rng(1).integers(0, 23, 3 * 31).astype("int32")
    batches = causal_lm_contiguous_batches(corpus, 5, 3)
    model.carry_state_in_training(3, batches.steps_per_pass)
    compile_model(model, keras.optimizers.SGD(0.0))  # Weights fixed: losses comparable.
    seen = []

    class Losses(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(logs["loss"])

    model.fit(batches.dataset.repeat(), steps_per_epoch=2 * batches.steps_per_pass,
              callbacks=[Losses()], shuffle=False, verbose=0)
    expected = []
    for _ in range(2):  # Two passes, each from a zero state.
        state = model.init_decoding_state(3)
        for inputs, targets in batches.dataset:
            logits, state = model.decode_step(inputs, state, 0)
            expected.append(float(tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
                targets, logits, from_logits=True))))
    running_mean = np.cumsum(expected) / np.arange(1, len(expected) + 1)
    np.testing.assert_allclose(seen, running_mean, rtol=1e-5)
    with pytest.raises(ValueError, match="batch has 2 rows"):
        model.train_on_batch(np.zeros((2, 5), "int32"), np.zeros((2, 5), "int32"))
    model.stop_carrying_state()
    model.train_on_batch(np.zeros((2, 5), "int32"), np.zeros((2, 5), "int32"))
