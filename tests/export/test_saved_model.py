import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerazoo.data import CharTokenizer
from kerazoo.export import export_text_generation
from kerazoo.generation import generate
from tests.tiny_models import tiny_gpt

CORPUS = "to be or not to be, that is the question.\n"

# Runs in a fresh process that imports nothing but TensorFlow.
RELOAD = """
import json, sys
import tensorflow as tf
loaded = tf.saved_model.load(sys.argv[1])
out = loaded.signatures["serving_default"](prompts=tf.constant(["to be", "", "that"]))
logits = loaded.signatures["logits"](token_ids=tf.constant([[1, 2, 3]], tf.int32))["logits"]
print(json.dumps({
    "signatures": sorted(loaded.signatures),
    "text": [t.decode("utf-8") for t in out["text"].numpy()],
    "completion": [t.decode("utf-8") for t in out["completion"].numpy()],
    "logits": logits.numpy().tolist(),
    "modules": sorted(m for m in ("kerazoo", "keras_hub", "tensorflow_text") if m in sys.modules),
}))
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    keras.utils.set_random_seed(3)
    tokenizer = CharTokenizer.from_corpus(CORPUS)
    model = tiny_gpt(tokenizer.vocabulary_size(), num_layers=2)
    path = tmp_path_factory.mktemp("export") / "served"
    export_text_generation(model, tokenizer, path, max_new_tokens=24, greedy=True)
    return model, tokenizer, path


def test_reloads_in_a_fresh_tensorflow_process_and_generates_text(exported):
    model, tokenizer, path = exported
    result = subprocess.run([sys.executable, "-c", RELOAD, str(path)], capture_output=True,
                            text=True, check=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    served = json.loads(result.stdout.strip().splitlines()[-1])
    assert served["signatures"] == ["generate", "logits", "serving_default"]
    assert served["modules"] == []
    # The graph's loop equals the Python API's (sliding window included: 5 + 24 > 16).
    expected = generate(model, tokenizer, ["to be", "that"], max_new_tokens=24, greedy=True)
    assert [served["text"][0], served["text"][2]] == expected
    assert served["text"][0] == "to be" + served["completion"][0]
    assert len(served["completion"][0]) == 24
    # An empty prompt starts from id 0 instead of failing.
    assert len(served["completion"][1]) == 24
    np.testing.assert_allclose(served["logits"], np.asarray(model(np.array([[1, 2, 3]]))), atol=1e-5)


def test_saved_model_cli_lists_the_signatures(exported):
    _, _, path = exported
    cli = shutil.which("saved_model_cli") or os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    shown = subprocess.run([cli, "show", "--all", "--dir", str(path)], capture_output=True, text=True, check=True)
    assert "signature_def['serving_default']" in shown.stdout
    assert "signature_def['logits']" in shown.stdout
    assert "prompts" in shown.stdout and "token_ids" in shown.stdout


def test_existing_folder_needs_overwrite(exported, tmp_path):
    model, tokenizer, path = exported
    with pytest.raises(ValueError, match="already exists.*overwrite"):
        export_text_generation(model, tokenizer, path)


def test_overwrite_replaces_an_export_but_never_a_folder_of_other_files(exported, tmp_path):
    model, tokenizer, _ = exported
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("a user's notes")
    with pytest.raises(ValueError, match="not an earlier export.*leaves it alone"):
        export_text_generation(model, tokenizer, work, overwrite=True)
    assert (work / "notes.txt").read_text() == "a user's notes"
    (tmp_path / "empty").mkdir()
    for target in (tmp_path / "empty", tmp_path / "empty"):  # an empty folder, then an export
        export_text_generation(model, tokenizer, target, overwrite=True)
        assert (target / "saved_model.pb").is_file()


def test_failed_export_leaves_nothing_behind(exported, tmp_path, monkeypatch):
    model, tokenizer, _ = exported

    def broken_save(obj, export_dir, *args, **kwargs):
        os.makedirs(export_dir)
        open(os.path.join(export_dir, "saved_model.pb"), "w").write("half")
        raise OSError("disk full")

    monkeypatch.setattr(tf.saved_model, "save", broken_save)
    target = tmp_path / "served"
    with pytest.raises(OSError, match="disk full"):
        export_text_generation(model, tokenizer, target)
    assert list(tmp_path.iterdir()) == []


def test_bad_settings_are_clear_errors(exported, tmp_path):
    model, tokenizer, _ = exported
    with pytest.raises(ValueError, match="max_new_tokens"):
        export_text_generation(model, tokenizer, tmp_path / "a", max_new_tokens=0)
    with pytest.raises(ValueError, match="top_p"):
        export_text_generation(model, tokenizer, tmp_path / "b", top_p=0)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
