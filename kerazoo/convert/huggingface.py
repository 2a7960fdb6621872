"""Load a Hugging Face checkpoint directory into a kerazoo model: GPT-2 here, BERT in
`huggingface_bert`.

A checkpoint directory is what `transformers`' `save_pretrained` writes and what the Hugging Face
Hub serves: `config.json`, the weights as `model.safetensors` (or shards listed in
`model.safetensors.index.json`) and the tokenizer's files. Neither PyTorch nor `transformers` is
needed: the weights are read with `safetensors` into numpy. `from_huggingface` dispatches on
`config.json`'s `model_type` through `FAMILIES`.

GPT-2 and kerazoo's GPT share their layout, so every tensor is copied as it is: Hugging Face's
`Conv1D` stores its weight as (in, out), which is a Keras `Dense` kernel, and `c_attn` is already
laid out Q | K | V with heads contiguous inside each, as kerazoo's fused `qkv` kernel. Its
tokenizer is `vocab.json` and `merges.txt`.
"""

import importlib
import json
import pathlib
import re

import ml_dtypes  # noqa: F401  (registers bfloat16 with numpy, so bf16 checkpoints load)
import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

from kerazoo.data import load_byte_pair_tokenizer
from kerazoo.models import build

# Hugging Face `model_type` -> the module that converts it: its `check_config(directory)` raises
# for a config it cannot compute, `convert(directory, tensors)` returns `(model, tokenizer)` and
# `family(tensor_names)` names the kerazoo family of that model (BERT's depends on the heads a
# checkpoint holds). GPT-2's is this module.
FAMILIES = {"gpt2": __name__, "bert": "kerazoo.convert.huggingface_bert"}
SUPPORTED_MODEL_TYPES = tuple(FAMILIES)
# Prefixes of the base model's tensors in task checkpoints, stripped on reading.
_PREFIXES = {"gpt2": "transformer.", "bert": "bert."}
# Hugging Face `activation_function` -> kerazoo activation. `gelu_new`, `gelu_fast` and
# `gelu_pytorch_tanh` are all the tanh approximation of GELU.
ACTIVATIONS = {
    "gelu_new": "gelu_approximate",
    "gelu_fast": "gelu_approximate",
    "gelu_pytorch_tanh": "gelu_approximate",
    "gelu": "gelu",
    "relu": "relu",
}
# Config switches of `GPT2Model` that change the computation, with the only value kerazoo's GPT
# computes.
FIXED_OPTIONS = {
    "scale_attn_weights": True,
    "scale_attn_by_inverse_layer_idx": False,
    "add_cross_attention": False,
}
# Causal-mask buffers that older `transformers` versions saved beside the weights.
_MASK_BUFFER = re.compile(r"h\.\d+\.attn\.(bias|masked_bias)")


def from_huggingface(directory):
    """Build a kerazoo model from a Hugging Face checkpoint directory.

    Supported `model_type`s: `gpt2` (to `GPTCausalLM`) and `bert` (to `BertMaskedLM`,
    `BertTextClassifier` or `BertBackbone`, by the heads the checkpoint holds: see
    `kerazoo.convert.huggingface_bert`).

    Args:
        directory: str or path-like. Holds `config.json` and `model.safetensors` (or the
            `model.safetensors.index.json` of a sharded checkpoint), and the tokenizer's files
            (GPT-2: `vocab.json` and `merges.txt`; BERT: `vocab.txt`).

    Returns:
        `(model, tokenizer)`: the kerazoo model with the checkpoint's weights, whose outputs
        equal the original implementation's, and its tokenizer, or None when the directory has
        no tokenizer files.

    Raises:
        FileNotFoundError: the directory, its config or its weights are missing.
        ValueError: the checkpoint is not one kerazoo can compute (another `model_type`, an
            unsupported option, untied output weights), or a tensor is missing, unused or of the
            wrong shape.

    Example:
    >>> model, tokenizer = from_huggingface("checkpoints/gpt2")
    >>> model(np.array([tokenizer.encode("Hello world")])).shape
    TensorShape([1, 2, 50257])
    """
    directory = _checkpoint_directory(directory)
    model_type = read_model_type(directory / "config.json")
    converter = _converter(model_type)
    converter.check_config(directory)  # Before the weights: a bad config is the first error.
    tensors = read_tensors(directory, prefix=_PREFIXES[model_type])
    return converter.convert(directory, tensors)


def checkpoint_family(directory):
    """The kerazoo family of the model `from_huggingface` makes of a checkpoint directory.

    Raises:
        FileNotFoundError, ValueError: as `from_huggingface`.
    """
    directory = _checkpoint_directory(directory)
    model_type = read_model_type(directory / "config.json")
    converter = _converter(model_type)
    converter.check_config(directory)
    names = read_tensor_names(directory, prefix=_PREFIXES[model_type])
    return converter.family(names)


def _checkpoint_directory(directory):
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(
            f"`directory` {str(directory)!r} is not a directory. Pass the folder of a Hugging "
            "Face checkpoint, holding `config.json` and `model.safetensors`."
        )
    return directory


def _converter(model_type):
    return importlib.import_module(FAMILIES[model_type])


def read_model_type(path):
    """The `model_type` of a `config.json`, one of `SUPPORTED_MODEL_TYPES`.

    Raises:
        FileNotFoundError: `path` does not exist.
        ValueError: the file is not JSON, or of another model type.
    """
    if not path.is_file():
        raise FileNotFoundError(f"No `config.json` in {str(path.parent)!r}.")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{str(path)!r} is not valid JSON: {error}.") from None
    model_type = config.get("model_type") if isinstance(config, dict) else None
    if model_type not in SUPPORTED_MODEL_TYPES:
        architectures = config.get("architectures") if isinstance(config, dict) else None
        raise ValueError(
            f"{str(path)!r} has `model_type`={model_type!r} (architectures {architectures}). "
            f"Supported: `model_type` one of {sorted(SUPPORTED_MODEL_TYPES)}: GPT-2 "
            "(`GPT2LMHeadModel`, `GPT2Model`) and BERT (`BertModel`, `BertForMaskedLM`, "
            "`BertForSequenceClassification`, `BertForPreTraining`) checkpoints."
        )
    return model_type


# === GPT-2 ===


def convert(directory, tensors):
    """GPT-2's conversion (see `FAMILIES`): `(GPTCausalLM, byte-pair tokenizer or None)`.

    The model has the checkpoint's weights (dropout 0), and its logits equal
    `GPT2LMHeadModel`'s.
    """
    hyperparameters = read_config(directory / "config.json")
    model = build("gpt", **hyperparameters, dropout=0.0)
    load_weights(model, tensors)
    return model, read_tokenizer(directory, model.vocabulary_size)


def check_config(directory):
    """Raises as `read_config` for a GPT-2 config kerazoo cannot compute."""
    read_config(directory / "config.json")


def family(tensor_names):
    """GPT-2's family: every GPT-2 checkpoint converts to a `gpt` model."""
    return "gpt"


def read_config(path):
    """The `build("gpt", ...)` hyperparameters of a GPT-2 `config.json`.

    Raises:
        FileNotFoundError: `path` does not exist.
        ValueError: the file is not JSON, not a GPT-2 config, or asks for an option kerazoo's
            GPT does not compute.
    """
    if not path.is_file():
        raise FileNotFoundError(f"No `config.json` in {str(path.parent)!r}.")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{str(path)!r} is not valid JSON: {error}.") from None
    if read_model_type(path) != "gpt2":
        raise ValueError(f"{str(path)!r} is not a GPT-2 config (`model_type` 'gpt2').")
    missing = [key for key in ("vocab_size", "n_positions", "n_embd", "n_layer", "n_head")
               if key not in config]
    if missing:
        raise ValueError(f"{str(path)!r} lacks the GPT-2 hyperparameter(s) {missing}.")
    activation = config.get("activation_function", "gelu_new")
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"{str(path)!r} has `activation_function`={activation!r}; supported: "
            f"{sorted(ACTIVATIONS)}."
        )
    for option, value in FIXED_OPTIONS.items():
        if config.get(option, value) != value:
            raise ValueError(
                f"{str(path)!r} has `{option}`={config[option]!r}; kerazoo's GPT computes "
                f"only `{option}`={value!r}."
            )
    hidden_dim = config["n_embd"]
    return {
        "vocabulary_size": config["vocab_size"],
        "num_layers": config["n_layer"],
        "num_heads": config["n_head"],
        "hidden_dim": hidden_dim,
        "intermediate_dim": config.get("n_inner") or 4 * hidden_dim,
        "max_sequence_length": config["n_positions"],
        "layer_norm_epsilon": config.get("layer_norm_epsilon", 1e-5),
        "activation": ACTIVATIONS[activation],
    }


def _weight_files(directory):
    """The safetensors files of a checkpoint directory.

    Raises:
        FileNotFoundError: neither `model.safetensors` nor a shard index is there.
    """
    single = directory / "model.safetensors"
    index = directory / "model.safetensors.index.json"
    if single.is_file():
        files = [single]
    elif index.is_file():
        weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
        files = [directory / name for name in sorted(set(weight_map.values()))]
    else:
        others = sorted(p.name for p in directory.glob("*.bin")) + sorted(
            p.name for p in directory.glob("*.h5")
        )
        hint = (
            f" It has {others}: only safetensors are read; re-save the model with "
            "`save_pretrained(directory, safe_serialization=True)`."
            if others
            else ""
        )
        raise FileNotFoundError(
            f"No `model.safetensors` or `model.safetensors.index.json` in "
            f"{str(directory)!r}.{hint}"
        )
    for file in files:
        if not file.is_file():
            raise FileNotFoundError(f"Shard {str(file)!r} listed in {index.name} is missing.")
    return files


def read_tensors(directory, prefix="transformer."):
    """Every tensor of the checkpoint as numpy, by name without `prefix`.

    Raises:
        FileNotFoundError: neither `model.safetensors` nor a shard index is there, or a shard
            is missing.
    """
    tensors = {}
    for file in _weight_files(directory):
        for name, array in load_file(file).items():
            tensors[name.removeprefix(prefix)] = array
    return tensors


def read_tensor_names(directory, prefix="transformer."):
    """The names `read_tensors` would return, read from the files' headers only."""
    names = []
    for file in _weight_files(directory):
        with safe_open(file, "np") as handle:
            names.extend(name.removeprefix(prefix) for name in handle.keys())
    return names


def weight_names(model):
    """Hugging Face tensor name -> the kerazoo variable it fills, for every model weight."""
    backbone = model.backbone
    embeddings = backbone.embeddings
    names = {
        "wte.weight": embeddings.token_embedding.embeddings,
        "wpe.weight": embeddings.position_embedding.embeddings,
        "ln_f.weight": backbone.final_layernorm.gamma,
        "ln_f.bias": backbone.final_layernorm.beta,
    }
    for i, block in enumerate(backbone.transformer_layers):
        attention, feedforward = block.self_attention, block.feedforward
        for hf_name, variable in (
            ("ln_1.weight", block.self_attention_layernorm.gamma),
            ("ln_1.bias", block.self_attention_layernorm.beta),
            ("attn.c_attn.weight", attention.qkv.kernel),
            ("attn.c_attn.bias", attention.qkv.bias),
            ("attn.c_proj.weight", attention.output_dense.kernel),
            ("attn.c_proj.bias", attention.output_dense.bias),
            ("ln_2.weight", block.feedforward_layernorm.gamma),
            ("ln_2.bias", block.feedforward_layernorm.beta),
            ("mlp.c_fc.weight", feedforward.inner.kernel),
            ("mlp.c_fc.bias", feedforward.inner.bias),
            ("mlp.c_proj.weight", feedforward.outer.kernel),
            ("mlp.c_proj.bias", feedforward.outer.bias),
        ):
            names[f"h.{i}.{hf_name}"] = variable
    return names


def load_weights(model, tensors):
    """Copy Hugging Face GPT-2 `tensors` (prefix stripped) into `model`, checking every one.

    Nothing is assigned unless every name is known, none is missing and every shape matches.

    Raises:
        ValueError: a missing, unused or wrongly shaped tensor, or an `lm_head.weight` that is
            not the token embedding.
    """
    tensors = {name: array for name, array in tensors.items() if not _MASK_BUFFER.fullmatch(name)}
    lm_head = tensors.pop("lm_head.weight", None)
    targets = weight_names(model)
    missing = sorted(set(targets) - set(tensors))
    unused = sorted(set(tensors) - set(targets))
    if missing or unused:
        raise ValueError(
            f"The checkpoint does not match a GPT-2 of {model.backbone.num_layers} layers: missing "
            f"tensors {missing}, unused tensors {unused}."
        )
    for name, variable in targets.items():
        expected, found = tuple(variable.shape), tensors[name].shape
        if found != expected:
            raise ValueError(
                f"Tensor {name!r} has shape {found}; the config asks for {expected}."
            )
    if lm_head is not None and not np.array_equal(lm_head, tensors["wte.weight"]):
        raise ValueError(
            "`lm_head.weight` differs from the token embedding `wte.weight`: the checkpoint has "
            "untied output weights, and kerazoo's GPT computes logits from the token embedding."
        )
    for name, variable in targets.items():
        variable.assign(tensors[name].astype(variable.dtype))


def read_tokenizer(directory, vocabulary_size):
    """The byte-pair tokenizer of `vocab.json` and `merges.txt`, or None when neither is there.

    Raises:
        FileNotFoundError: only one of the two files is there.
        ValueError: the files are not valid, or the vocabulary has ids the model cannot embed.
    """
    vocabulary_file, merges_file = directory / "vocab.json", directory / "merges.txt"
    present = [file.is_file() for file in (vocabulary_file, merges_file)]
    if not any(present):
        return None
    if not all(present):
        found, lacking = (
            (vocabulary_file, merges_file) if present[0] else (merges_file, vocabulary_file)
        )
        raise FileNotFoundError(
            f"{str(directory)!r} has `{found.name}` but not `{lacking.name}`; a GPT-2 "
            "tokenizer needs both."
        )
    tokenizer = load_byte_pair_tokenizer(vocabulary_file, merges_file)
    largest_id = max(tokenizer.vocabulary.values())
    if largest_id >= vocabulary_size:
        raise ValueError(
            f"`vocab.json` in {str(directory)!r} has token id {largest_id}, but the model "
            f"embeds only `vocab_size`={vocabulary_size} ids."
        )
    return tokenizer
