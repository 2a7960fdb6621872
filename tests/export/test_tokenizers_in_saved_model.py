"""WordPiece and byte-pair exports reload with `tensorflow_text` and sample as `generate` does."""

import json
import os
import pathlib
import subprocess
import sys

import keras
import pytest

from kerazoo.data import load_byte_pair_tokenizer, train_word_piece
from kerazoo.export import export_text_generation
from kerazoo.generation import generate
from tests.tiny_models import tiny_gpt

FIXTURE = pathlib.Path(__file__).resolve().parents[1] / "convert" / "fixtures" / "tiny_gpt2"
PROMPTS = ["the cat sat", "a dog"]
SAMPLING = {"max_new_tokens": 12, "temperature": 0.8, "top_k": 5, "seed": 7}

RELOAD = """
import json, sys
import tensorflow as tf
import tensorflow_text  # noqa: F401  (WordPiece and byte-pair ops)
served = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
out = served(prompts=tf.constant(json.loads(sys.argv[2])))
print(json.dumps({key: [t.decode("utf-8") for t in out[key].numpy()] for key in out}))
"""


def word_piece():
    text = "the cat sat on the mat. a dog ran to the cat. the dog sat.\n" * 20
    return train_word_piece([text], 60)


def byte_pair():
    return load_byte_pair_tokenizer(FIXTURE / "vocab.json", FIXTURE / "merges.txt")


def reload(path, prompts):
    result = subprocess.run(
        [sys.executable, "-c", RELOAD, str(path), json.dumps(prompts)], capture_output=True,
        text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("make_tokenizer", [word_piece, byte_pair], ids=["word_piece", "byte_pair"])
def test_sampling_and_stop_tokens_run_in_the_graph_as_in_python(make_tokenizer, tmp_path):
    tokenizer = make_tokenizer()
    keras.utils.set_random_seed(2)
    model = tiny_gpt(tokenizer.vocabulary_size(), max_sequence_length=32)
    # A stop token the model is likely to produce: the first token it samples.
    first = generate(model, tokenizer, PROMPTS[0], **{**SAMPLING, "max_new_tokens": 1})
    stop = tokenizer.encode(first)[len(tokenizer.encode(PROMPTS[0]))]
    settings = {**SAMPLING, "stop_tokens": [stop]}
    export_text_generation(model, tokenizer, tmp_path / "served", **settings)
    served = reload(tmp_path / "served", PROMPTS)
    expected = generate(model, tokenizer, PROMPTS, **settings)
    assert served["text"] == expected
    # The first prompt stopped at once; its stop token is not in the text.
    assert served["completion"][0] == ""
    assert served["text"][0] == tokenizer.decode(tokenizer.encode(PROMPTS[0]))
