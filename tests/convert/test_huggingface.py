"""`from_huggingface` against the original GPT-2 implementation's numbers.

The fixture `fixtures/tiny_gpt2` and its reference logits and token ids come from
`transformers` (see `fixtures/make_tiny_gpt2.py`); nothing here needs PyTorch.
"""

import json
import pathlib
import shutil

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from kerazoo.convert import from_huggingface

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "tiny_gpt2"
REFERENCE = np.load(FIXTURE / "reference.npz")
BATCHES = sorted(name for name in REFERENCE.files if name.startswith("token_ids_"))
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def converted():
    return from_huggingface(FIXTURE)


def fixture_tensors():
    return load_file(FIXTURE / "model.safetensors")


def write_checkpoint(directory, tensors=None, **config_changes):
    """A copy of the fixture in `directory`, with other tensors or config values."""
    config = json.loads((FIXTURE / "config.json").read_text())
    config.update(config_changes)
    (directory / "config.json").write_text(json.dumps(config))
    save_file(fixture_tensors() if tensors is None else tensors, directory / "model.safetensors")
    return directory


def max_logit_difference(model):
    return max(
        np.abs(model(REFERENCE[name]).numpy() - REFERENCE[name.replace("token_ids", "logits")]).max()
        for name in BATCHES
    )


def test_reference_has_a_full_length_batch():
    config = json.loads((FIXTURE / "config.json").read_text())
    assert any(REFERENCE[name].shape[1] == config["n_positions"] for name in BATCHES)


@pytest.mark.parametrize("name", BATCHES)
def test_logits_equal_transformers(converted, name):
    model, _ = converted
    logits = model(REFERENCE[name]).numpy()
    expected = REFERENCE[name.replace("token_ids", "logits")]
    assert logits.dtype == np.float32
    np.testing.assert_allclose(logits, expected, rtol=0, atol=TOLERANCE)


def test_config_is_mapped(converted):
    backbone = converted[0].backbone
    assert (backbone.num_layers, backbone.num_heads, backbone.hidden_dim) == (2, 2, 32)
    assert (backbone.intermediate_dim, backbone.max_sequence_length) == (128, 32)
    assert backbone.vocabulary_size == 297
    assert backbone.activation == "gelu_approximate"
    assert backbone.dropout == 0.0


def test_unprefixed_keys_mask_buffers_and_tied_lm_head_load(tmp_path):
    # The layout of the Hub's original `gpt2` file: no `transformer.` prefix, the causal-mask
    # buffers saved beside the weights, and the tied output weight stored again.
    tensors = {name.removeprefix("transformer."): array for name, array in fixture_tensors().items()}
    for layer in range(2):
        tensors[f"h.{layer}.attn.bias"] = np.tril(np.ones((1, 1, 32, 32), np.float32))
        tensors[f"h.{layer}.attn.masked_bias"] = np.array(-1e4, np.float32)
    tensors["lm_head.weight"] = tensors["wte.weight"].copy()
    model, _ = from_huggingface(write_checkpoint(tmp_path, tensors))
    assert max_logit_difference(model) < TOLERANCE


def test_sharded_checkpoint_loads(tmp_path):
    tensors = fixture_tensors()
    names = sorted(tensors)
    weight_map = {}
    for shard, part in enumerate((names[: len(names) // 2], names[len(names) // 2 :])):
        file = f"model-0000{shard + 1}-of-00002.safetensors"
        save_file({name: tensors[name] for name in part}, tmp_path / file)
        weight_map.update({name: file for name in part})
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    shutil.copy(FIXTURE / "config.json", tmp_path)
    model, tokenizer = from_huggingface(tmp_path)
    assert max_logit_difference(model) < TOLERANCE
    assert tokenizer is None


def test_half_precision_checkpoint_loads(tmp_path):
    tensors = {name: array.astype(np.float16) for name, array in fixture_tensors().items()}
    model, _ = from_huggingface(write_checkpoint(tmp_path, tensors))
    assert model.backbone.embeddings.token_embedding.embeddings.dtype == "float32"
    assert max_logit_difference(model) < 0.1


def test_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        from_huggingface(tmp_path / "nowhere")


def test_missing_config(tmp_path):
    shutil.copy(FIXTURE / "model.safetensors", tmp_path)
    with pytest.raises(FileNotFoundError, match="No `config.json`"):
        from_huggingface(tmp_path)


def test_missing_weights_names_what_is_there(tmp_path):
    shutil.copy(FIXTURE / "config.json", tmp_path)
    (tmp_path / "pytorch_model.bin").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"No `model.safetensors`.*pytorch_model\.bin"):
        from_huggingface(tmp_path)


def test_wrong_model_type(tmp_path):
    write_checkpoint(tmp_path, model_type="llama", architectures=["LlamaForCausalLM"])
    with pytest.raises(ValueError, match=r"model_type`='llama'.*Supported"):
        from_huggingface(tmp_path)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"activation_function": "swish"}, "activation_function`='swish'"),
        ({"scale_attn_by_inverse_layer_idx": True}, "scale_attn_by_inverse_layer_idx"),
        ({"n_embd": None, "n_head": None}, None),
    ],
)
def test_unsupported_config(tmp_path, change, message):
    config = json.loads((FIXTURE / "config.json").read_text())
    config.update(change)
    config = {key: value for key, value in config.items() if value is not None}
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=message or r"lacks .*\['n_embd', 'n_head'\]"):
        from_huggingface(tmp_path)


def test_tampered_shape_names_key_and_shapes(tmp_path):
    tensors = fixture_tensors()
    tensors["transformer.h.1.mlp.c_fc.weight"] = tensors["transformer.h.1.mlp.c_fc.weight"].T.copy()
    with pytest.raises(
        ValueError, match=r"'h\.1\.mlp\.c_fc\.weight' has shape \(128, 32\).*\(32, 128\)"
    ):
        from_huggingface(write_checkpoint(tmp_path, tensors))


def test_missing_and_unused_tensors_are_listed(tmp_path):
    tensors = fixture_tensors()
    del tensors["transformer.h.0.ln_2.bias"]
    tensors["transformer.h.2.ln_1.weight"] = np.ones(32, np.float32)
    with pytest.raises(ValueError, match=r"missing tensors \['h\.0\.ln_2\.bias'\], unused .*h\.2"):
        from_huggingface(write_checkpoint(tmp_path, tensors))


def test_untied_lm_head_is_refused(tmp_path):
    tensors = fixture_tensors()
    tensors["lm_head.weight"] = tensors["transformer.wte.weight"] + 1.0
    with pytest.raises(ValueError, match="untied"):
        from_huggingface(write_checkpoint(tmp_path, tensors))


@pytest.mark.parametrize("index", range(len(REFERENCE["strings"])))
def test_tokenizer_ids_equal_transformers(converted, index):
    _, tokenizer = converted
    text = str(REFERENCE["strings"][index])
    assert tokenizer.encode(text) == REFERENCE[f"string_ids_{index}"].tolist()
    assert tokenizer.decode(tokenizer.encode(text)) == text


def test_tokenizer_keeps_end_of_text_whole(converted):
    _, tokenizer = converted
    assert tokenizer.end_token_id == 296
    assert tokenizer.encode("the fox<|endoftext|>") == tokenizer.encode("the fox") + [296]


def test_tokenizer_needs_both_files(tmp_path):
    write_checkpoint(tmp_path)
    shutil.copy(FIXTURE / "vocab.json", tmp_path)
    with pytest.raises(FileNotFoundError, match="`vocab.json` but not `merges.txt`"):
        from_huggingface(tmp_path)


def test_tokenizer_larger_than_the_model_is_refused(tmp_path):
    write_checkpoint(tmp_path)
    vocabulary = json.loads((FIXTURE / "vocab.json").read_text(encoding="utf-8"))
    vocabulary["extra"] = len(vocabulary)
    (tmp_path / "vocab.json").write_text(json.dumps(vocabulary), encoding="utf-8")
    shutil.copy(FIXTURE / "merges.txt", tmp_path)
    with pytest.raises(ValueError, match="token id 297.*`vocab_size`=297"):
        from_huggingface(tmp_path)
