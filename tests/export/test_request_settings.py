"""The `generate` signature: sampling settings per request, checked in the graph, thread-safe."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerazoo.data import CharTokenizer
from kerazoo.export import export_text_generation
from kerazoo.export.text_generation import request_generation_endpoint
from kerazoo.generation import generate
from tests.tiny_models import tiny_gpt

pytestmark = pytest.mark.heavy

CORPUS = "to be or not to be, that is the question.\n"
CAP = 20

# A fresh process that imports nothing but TensorFlow.
REQUESTS = """
import concurrent.futures, json, sys
import tensorflow as tf
generate = tf.saved_model.load(sys.argv[1]).signatures["generate"]

def ask(prompts, max_new_tokens=20, temperature=1.0, top_k=0, top_p=1.0, seed=0, num_beams=1):
    out = generate(prompts=tf.constant(prompts), max_new_tokens=tf.constant(max_new_tokens),
                   temperature=tf.constant(temperature), top_k=tf.constant(top_k),
                   top_p=tf.constant(top_p), seed=tf.constant(seed),
                   num_beams=tf.constant(num_beams))
    return [t.decode() for t in out["completion"].numpy()]

requests = [dict(prompts=["to be", "that"], seed=s, max_new_tokens=n) for s in range(4) for n in (5, 20)]
requests += [dict(prompts=["to be", "that"], num_beams=b, max_new_tokens=n)
             for b in (2, 4) for n in (5, 20)]
single = [ask(**r) for r in requests]
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    threaded = list(pool.map(lambda r: ask(**r), requests * 2))
try:
    ask(["to be"], temperature=0.0)
    refused = None
except tf.errors.InvalidArgumentError as error:
    refused = str(error)
still = ask(["to be"], seed=1)
try:
    ask(["to be"], num_beams=5)
    too_wide = None
except tf.errors.InvalidArgumentError as error:
    too_wide = str(error)
print(json.dumps({"single": single, "threaded": threaded, "refused": refused, "still": still,
                  "too_wide": too_wide,
                  "greedy": ask(["to be", "that"], top_k=1, seed=5)}))
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    keras.utils.set_random_seed(4)
    tokenizer = CharTokenizer.from_corpus(CORPUS)
    model = tiny_gpt(tokenizer.vocabulary_size(), max_sequence_length=32)
    path = tmp_path_factory.mktemp("export") / "served"
    export_text_generation(model, tokenizer, path, max_new_tokens=CAP)
    return model, tokenizer, path


def test_settings_per_request_in_a_fresh_process(exported):
    model, tokenizer, path = exported
    result = subprocess.run([sys.executable, "-c", REQUESTS, str(path)], capture_output=True,
                            text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    served = json.loads(result.stdout.strip().splitlines()[-1])
    single, beams = served["single"][:8], served["single"][8:]
    # max_new_tokens per request: 5 then 20 new characters, same seed, same start.
    for short, long in zip(single[0::2], single[1::2]):
        assert [len(c) for c in short] == [5, 5] and [len(c) for c in long] == [CAP, CAP]
        assert [l[:5] for l in long] == short
    # Another seed, other text; the same seed, the same text, from 8 threads too.
    assert len({tuple(c) for c in single[1::2]}) == 4
    assert served["threaded"] == served["single"] * 2
    # A bad value fails its request with a message naming it; the model still serves.
    assert "`temperature` must be > 0" in served["refused"]
    assert served["still"] == single[3][:1]
    # The graph samples what the Python API samples, and top_k=1 is greedy.
    for seed in range(2):
        expected = generate(model, tokenizer, ["to be", "that"], max_new_tokens=CAP, seed=seed)
        assert ["to be" + single[2 * seed + 1][0], "that" + single[2 * seed + 1][1]] == expected
    greedy = generate(model, tokenizer, ["to be", "that"], max_new_tokens=CAP, greedy=True)
    assert ["to be" + served["greedy"][0], "that" + served["greedy"][1]] == greedy
    # num_beams per request: the Python API's beam search, at each length.
    for completions, (num_beams, new_tokens) in zip(beams, [(2, 5), (2, CAP), (4, 5), (4, CAP)]):
        expected = generate(model, tokenizer, ["to be", "that"], max_new_tokens=new_tokens,
                            num_beams=num_beams)
        assert ["to be" + completions[0], "that" + completions[1]] == expected
    assert "`num_beams` must be <= 4, the limit set at export" in served["too_wide"]


def test_a_beam_request_needs_room_in_the_context():
    # Beam search does not slide the window: a request whose new tokens fill
    # the context is refused, a shorter one keeps the prompt's last tokens.
    tokenizer = CharTokenizer.from_corpus(CORPUS)
    model = tiny_gpt(tokenizer.vocabulary_size(), max_sequence_length=8)
    endpoint = request_generation_endpoint(model, tokenizer, 10, (), max_num_beams=2)
    settings = dict(temperature=1.0, top_k=0, top_p=1.0, seed=0)
    prompt = "to be or not"
    with pytest.raises(tf.errors.InvalidArgumentError, match="`num_beams` > 1 needs"):
        endpoint(tf.constant([prompt]), max_new_tokens=8, num_beams=2, **settings)
    served = endpoint(tf.constant([prompt]), max_new_tokens=3, num_beams=2, **settings)
    expected = generate(model, tokenizer, prompt[-5:], max_new_tokens=3, num_beams=2)
    assert prompt[-5:] + served["completion"][0].numpy().decode() == expected
    sampled = endpoint(tf.constant([prompt]), max_new_tokens=8, num_beams=1, **settings)
    assert len(sampled["completion"][0].numpy().decode()) == 8  # sampling slides the window


def saved_model_cli_inputs(folder, max_new_tokens):
    """`--inputs` of saved_model_cli: one .npy file per input."""
    values = {"prompts": np.array([b"to be"]), "max_new_tokens": np.int32(max_new_tokens),
              "temperature": np.float32(0.8), "top_k": np.int32(5), "top_p": np.float32(0.9),
              "seed": np.int32(2), "num_beams": np.int32(1)}
    for name, value in values.items():
        np.save(folder / f"{name}.npy", value)
    return ";".join(f"{name}={folder / name}.npy" for name in values)


def test_saved_model_cli_runs_the_generate_signature(exported, tmp_path):
    # saved_model_cli loads the model with TensorFlow's session-based loader,
    # as TensorFlow Serving does.
    _, _, path = exported
    cli = [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli", "run",
           "--dir", str(path), "--tag_set", "serve", "--signature_def", "generate"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    ran = subprocess.run([*cli, "--inputs", saved_model_cli_inputs(tmp_path, 7)],
                         capture_output=True, text=True, timeout=300, env=env)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "completion" in ran.stdout and "b'to be" in ran.stdout
    refused = subprocess.run([*cli, "--inputs", saved_model_cli_inputs(tmp_path, CAP + 1)],
                             capture_output=True, text=True, timeout=300, env=env)
    assert refused.returncode != 0
    assert f"`max_new_tokens` must be <= {CAP}" in refused.stderr
