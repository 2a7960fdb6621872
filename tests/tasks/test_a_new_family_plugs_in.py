"""A family defined here, outside the package, goes through the whole spine.

A one-layer GRU language model is registered with the causal-LM task and
then trained, sampled, exported and reloaded from Python and from the
command line, with no edit anywhere in `kerazoo/`.
"""

import dataclasses
import json
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerazoo
from kerazoo.cli.main import main
from kerazoo.models import Family, build, register_family

CORPUS = pathlib.Path(__file__).resolve().parents[2] / "data" / "tinyshakespeare.txt"


@keras.saving.register_keras_serializable(package="kerazoo_tests")
class TinyGRULM(keras.Model):
    """Embedding -> GRU -> Dense: a recurrent causal LM of the decoding protocol.

    Its decoding state is a dict holding the GRU's hidden state, and it has
    no context window.
    """

    def __init__(self, vocabulary_size, hidden_dim, max_sequence_length, dtype=None, **kwargs):
        self.embedding = keras.layers.Embedding(vocabulary_size, hidden_dim, dtype=dtype,
                                                name="embedding")
        self.gru = keras.layers.GRU(hidden_dim, return_sequences=True, return_state=True,
                                    dtype=dtype, name="gru")
        self.head = keras.layers.Dense(vocabulary_size, dtype=dtype, name="head")
        token_ids = keras.Input((None,), dtype="int32", name="token_ids")
        sequence, _ = self.gru(self.embedding(token_ids))
        logits = keras.ops.cast(self.head(sequence), "float32")
        super().__init__(token_ids, logits, **kwargs)
        self.vocabulary_size = vocabulary_size
        self.hidden_dim = hidden_dim
        self.max_sequence_length = max_sequence_length

    context_window = None

    def init_decoding_state(self, batch_size, encoder_inputs=None):
        return {"h": tf.zeros((batch_size, self.hidden_dim), self.compute_dtype)}

    def decode_step(self, token_ids, state, index, token_mask=None):
        mask = None if token_mask is None else tf.cast(token_mask, tf.bool)
        sequence, h = self.gru(self.embedding(token_ids), initial_state=state["h"], mask=mask)
        return tf.cast(self.head(sequence), tf.float32), {"h": h}

    def get_config(self):
        return {"vocabulary_size": self.vocabulary_size, "hidden_dim": self.hidden_dim,
                "max_sequence_length": self.max_sequence_length, "name": self.name}


@dataclasses.dataclass(frozen=True)
class TinyGRUConfig:
    vocabulary_size: int = 65
    hidden_dim: int = 32
    max_sequence_length: int = 32  # The training window.


register_family(Family(
    name="tiny_gru",
    config_class=TinyGRUConfig,
    builder=TinyGRULM,
    presets={"gru-tiny": TinyGRUConfig()},
    default_preset="gru-tiny",
    description="a one-layer GRU language model defined in a test",
    task="causal_lm",
    recipe={"steps": 30, "epochs": 2, "batch_size": 8, "peak_learning_rate": 1e-2,
            "jit_compile": False},
))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text(CORPUS.read_text(encoding="utf-8")[:30_000], encoding="utf-8")
    return path


def recompute_greedy(model, tokenizer, prompt, new_tokens):
    ids = tokenizer.encode(prompt)
    for _ in range(new_tokens):
        ids.append(int(np.argmax(np.asarray(model(np.array([ids], "int32")))[0, -1])))
    return tokenizer.decode(ids)


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    task = kerazoo.tasks.task_of("tiny_gru")
    config, batch_size = kerazoo.tasks.training_settings("tiny_gru")
    text = kerazoo.data.read_text_file(corpus)
    tokenizer = kerazoo.data.CharTokenizer.from_corpus(text)
    datasets = kerazoo.data.causal_lm_datasets(corpus, tokenizer, 32, batch_size, progress=False)
    keras.utils.set_random_seed(5)
    model = build("tiny_gru", vocabulary_size=tokenizer.vocabulary_size())
    history = kerazoo.training.train(
        model, datasets.train, datasets.validation, tmp_path_factory.mktemp("run"), config,
        verbose=0, loss=task.loss(), metrics=task.metrics(),
    )
    return model, tokenizer, history


def test_python_train_falls_and_generation_carries_the_recurrent_state(trained):
    model, tokenizer, history = trained
    assert history["epochs"]["val_loss"][-1] < history["steps"]["loss"][0] - 0.5
    text = kerazoo.generation.generate(model, tokenizer, ["First", "Hi"], max_new_tokens=12,
                                       greedy=True)
    assert text == [recompute_greedy(model, tokenizer, p, 12) for p in ("First", "Hi")]


def test_export_reloads_in_a_fresh_tensorflow_process(trained, tmp_path):
    model, tokenizer, _ = trained
    task = kerazoo.tasks.task_of("tiny_gru")
    options = type("Options", (), dict(max_new_tokens=12, temperature=1.0, top_k=0, top_p=1.0,
                                       greedy=True, repetition_penalty=1.0, stop=None, seed=0,
                                       max_num_beams=2, length_penalty=1.0))
    path, signatures = task.export(model, tokenizer, tmp_path / "served", options)
    assert "serving_default" in signatures
    code = ("import sys, tensorflow as tf; m = tf.saved_model.load(sys.argv[1]); "
            "print(m.signatures['serving_default'](prompts=tf.constant(['First']))['text']"
            ".numpy()[0].decode())")
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[-1] == recompute_greedy(model, tokenizer, "First", 12)


def test_the_command_line_trains_generates_evaluates_and_exports_it(corpus, tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["train", "tiny_gru", "--data", str(corpus), "--out", str(run_dir),
                 "--sample-tokens", "10"]) == 0
    record = json.loads((run_dir / "run.json").read_text())
    assert (record["family"], record["task"], record["train_config"]["steps"]) == (
        "tiny_gru", "causal_lm", 30)
    capsys.readouterr()
    assert main(["generate", str(run_dir), "--prompt", "First", "--max-new-tokens", "8",
                 "--greedy"]) == 0
    generated = capsys.readouterr().out.rstrip("\n")
    model, tokenizer, _ = kerazoo.runs.load_run(run_dir)
    assert generated == recompute_greedy(model, tokenizer, "First", 8)
    assert main(["evaluate", str(run_dir), "--data", str(corpus)]) == 0
    assert "bits_per_character" in capsys.readouterr().out
    assert main(["export", str(run_dir), "--out", str(tmp_path / "served"),
                 "--max-new-tokens", "8", "--greedy"]) == 0
    served = tf.saved_model.load(str(tmp_path / "served"))
    text = served.signatures["serving_default"](prompts=tf.constant(["First"]))["text"]
    assert text.numpy()[0].decode() == generated
