"""Load a Hugging Face BERT checkpoint directory into kerazoo's BERT families.

The directory is what `transformers`' `save_pretrained` writes: `config.json` (`model_type`
"bert"), the weights as `model.safetensors` (or shards) and `vocab.txt`, with the tokenizer's
options in `tokenizer_config.json` when there is one. Tensor names may carry the `bert.` prefix
(task checkpoints: `BertForMaskedLM`, `BertForSequenceClassification`, `BertForPreTraining`)
or not (a base `BertModel`, such as sentence-transformers' all-MiniLM-L6-v2).

What the checkpoint holds decides the model, and with it the kerazoo family of the run:

| tensors | model | family |
| --- | --- | --- |
| `cls.predictions.*` (the masked-LM head) | `BertMaskedLM` | `bert` |
| `classifier.*` (a sequence classifier) | `BertTextClassifier` | `bert_classifier` |
| neither (a base model) | `BertBackbone` | `bert_encoder` |

The next-sentence head `cls.seq_relationship.*` of pretraining checkpoints and the
`position_ids` buffer some versions save are skipped; every other tensor must be used. A
masked-LM checkpoint usually has no pooler (`BertForMaskedLM` drops it): the pooler then keeps
its initial weights, and the sequence output is unaffected.

Layout: Hugging Face's `nn.Linear` stores (out, in), the transpose of a Keras kernel; its
separate query, key and value projections are concatenated into kerazoo's fused `qkv` kernel
(Q | K | V, heads contiguous inside each, as both lay them out).
"""

import json
import re

import numpy as np

from kerazoo.data import WordPieceTokenizer
from kerazoo.models import build

MODEL_TYPES = ("bert",)
PREFIX = "bert."
# Hugging Face `hidden_act` -> kerazoo activation.
ACTIVATIONS = {"gelu": "gelu", "gelu_new": "gelu_approximate", "relu": "relu"}
# Config switches of `BertModel` that change the computation, with the only value kerazoo's
# BERT computes.
FIXED_OPTIONS = {
    "position_embedding_type": "absolute",
    "is_decoder": False,
    "add_cross_attention": False,
}
# BERT's special tokens, which the tasks need in the vocabulary.
RESERVED_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
# Tensors that are read but not needed.
_SKIPPED = re.compile(r"embeddings\.position_ids|cls\.seq_relationship\.(weight|bias)")
_MASKED_LM_HEAD = "cls.predictions."
_CLASSIFIER = "classifier."


def convert(directory, tensors):
    """The kerazoo model of a BERT checkpoint directory and its WordPiece tokenizer.

    Args:
        directory: a `pathlib.Path` holding `config.json` and `vocab.txt`.
        tensors: the checkpoint's tensors by name (`read_tensors`).

    Returns:
        `(model, tokenizer)`: the model of the table above (dropout as the config says, so
        fine-tuning regularises as the original does; inference is unaffected), and the
        `kerazoo.data.WordPieceTokenizer` of `vocab.txt`, or None without one.

    Raises:
        ValueError: an unsupported config, or tensors that do not match it.
    """
    config = read_json(directory / "config.json")
    hyperparameters = hyperparameters_of(config, directory / "config.json")
    tensors = normalise_names(tensors)
    family = family_of_names(tensors)
    overrides = {}
    if family == "bert_classifier":
        overrides["label_names"] = label_names_of(config, tensors)
    model = build(family, **hyperparameters, **overrides)
    load_weights(model, tensors)
    return model, read_tokenizer(directory, hyperparameters["vocabulary_size"])


def check_config(directory):
    """Raises ValueError for a BERT `config.json` kerazoo's BERT cannot compute."""
    hyperparameters_of(read_json(directory / "config.json"), directory / "config.json")


def family(tensor_names):
    """The kerazoo family a checkpoint with these tensor names converts to."""
    return family_of_names(normalise_names(dict.fromkeys(tensor_names)))


def family_of_names(tensors):
    if any(name.startswith(_MASKED_LM_HEAD) for name in tensors):
        return "bert"
    if any(name.startswith(_CLASSIFIER) for name in tensors):
        return "bert_classifier"
    return "bert_encoder"


def read_json(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{str(path)!r} is not valid JSON: {error}.") from None


def hyperparameters_of(config, path):
    """The `BertBackbone` hyperparameters of a BERT `config.json`.

    Raises:
        ValueError: a missing hyperparameter or an option kerazoo's BERT does not compute.
    """
    required = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                "intermediate_size", "max_position_embeddings")
    missing = [key for key in required if key not in config]
    if missing:
        raise ValueError(f"{str(path)!r} lacks the BERT hyperparameter(s) {missing}.")
    activation = config.get("hidden_act", "gelu")
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"{str(path)!r} has `hidden_act`={activation!r}; supported: {sorted(ACTIVATIONS)}."
        )
    for option, value in FIXED_OPTIONS.items():
        if config.get(option, value) != value:
            raise ValueError(
                f"{str(path)!r} has `{option}`={config[option]!r}; kerazoo's BERT computes "
                f"only `{option}`={value!r}."
            )
    return {
        "vocabulary_size": config["vocab_size"],
        "num_layers": config["num_hidden_layers"],
        "num_heads": config["num_attention_heads"],
        "hidden_dim": config["hidden_size"],
        "intermediate_dim": config["intermediate_size"],
        "max_sequence_length": config["max_position_embeddings"],
        "num_segments": config.get("type_vocab_size", 2),
        "dropout": config.get("hidden_dropout_prob", 0.1),
        "layer_norm_epsilon": config.get("layer_norm_eps", 1e-12),
        "activation": ACTIVATIONS[activation],
    }


def label_names_of(config, tensors):
    """A classifier's label names: `id2label` of the config, or "0".."K-1"."""
    count = tensors["classifier.bias"].shape[0] if "classifier.bias" in tensors else 2
    id2label = config.get("id2label") or {}
    names = [str(id2label.get(str(i), id2label.get(i, i))) for i in range(count)]
    return names if len(set(names)) == len(names) else [str(i) for i in range(count)]


def normalise_names(tensors):
    """Names without the `bert.` prefix and with TensorFlow-era `gamma`/`beta` layer-norm names
    as `weight`/`bias`, skipped tensors removed."""
    normalised = {}
    for name, array in tensors.items():
        name = name.removeprefix(PREFIX)
        name = re.sub(r"LayerNorm\.gamma$", "LayerNorm.weight", name)
        name = re.sub(r"LayerNorm\.beta$", "LayerNorm.bias", name)
        if not _SKIPPED.fullmatch(name):
            normalised[name] = array
    return normalised


def _backbone_targets(backbone):
    """Hugging Face name -> (variable, transform of the array) for every backbone weight."""
    same, transposed = (lambda a: a), (lambda a: a.T)
    embeddings = backbone.embeddings
    targets = {
        "embeddings.word_embeddings.weight": (embeddings.token_embedding.embeddings, same),
        "embeddings.position_embeddings.weight": (
            embeddings.position_embedding.embeddings, same),
        "embeddings.token_type_embeddings.weight": (
            backbone.segment_embedding.embeddings, same),
        "embeddings.LayerNorm.weight": (backbone.embeddings_layernorm.gamma, same),
        "embeddings.LayerNorm.bias": (backbone.embeddings_layernorm.beta, same),
        "pooler.dense.weight": (backbone.pooler.kernel, transposed),
        "pooler.dense.bias": (backbone.pooler.bias, same),
    }
    for i, block in enumerate(backbone.transformer_layers):
        attention, feedforward = block.self_attention, block.feedforward
        prefix = f"encoder.layer.{i}."
        for hf_name, variable, transform in (
            ("attention.output.dense.weight", attention.output_dense.kernel, transposed),
            ("attention.output.dense.bias", attention.output_dense.bias, same),
            ("attention.output.LayerNorm.weight", block.self_attention_layernorm.gamma, same),
            ("attention.output.LayerNorm.bias", block.self_attention_layernorm.beta, same),
            ("intermediate.dense.weight", feedforward.inner.kernel, transposed),
            ("intermediate.dense.bias", feedforward.inner.bias, same),
            ("output.dense.weight", feedforward.outer.kernel, transposed),
            ("output.dense.bias", feedforward.outer.bias, same),
            ("output.LayerNorm.weight", block.feedforward_layernorm.gamma, same),
            ("output.LayerNorm.bias", block.feedforward_layernorm.beta, same),
        ):
            targets[prefix + hf_name] = (variable, transform)
    return targets


def _qkv_names(layer):
    prefix = f"encoder.layer.{layer}.attention.self."
    return {part: [prefix + f"{p}.{part}" for p in ("query", "key", "value")]
            for part in ("weight", "bias")}


def load_weights(model, tensors):
    """Copy BERT `tensors` (names normalised) into `model`, checking every one first.

    Nothing is assigned unless every name is known, none is missing and every shape matches.
    The pooler may be missing (masked-LM checkpoints have none).

    Raises:
        ValueError: a missing, unused or wrongly shaped tensor, or a masked-LM decoder that is
            not the token embedding.
    """
    same, transposed = (lambda a: a), (lambda a: a.T)
    backbone = getattr(model, "backbone", model)
    targets = _backbone_targets(backbone)
    optional = {"pooler.dense.weight", "pooler.dense.bias"}
    # Fused query/key/value: each a list of three names, concatenated.
    fused = {}
    for i, block in enumerate(backbone.transformer_layers):
        names = _qkv_names(i)
        fused[tuple(names["weight"])] = (block.self_attention.qkv.kernel, transposed)
        fused[tuple(names["bias"])] = (block.self_attention.qkv.bias, same)
    tensors = dict(tensors)
    if model is not backbone and hasattr(model, "masked_lm_head"):
        head = model.masked_lm_head
        decoder = tensors.pop("cls.predictions.decoder.weight", None)
        decoder_bias = tensors.pop("cls.predictions.decoder.bias", None)
        if decoder is not None and "embeddings.word_embeddings.weight" in tensors and not (
            np.array_equal(decoder, tensors["embeddings.word_embeddings.weight"])
        ):
            raise ValueError(
                "`cls.predictions.decoder.weight` differs from the token embedding: the "
                "checkpoint has untied output weights, and kerazoo's BertMaskedLM scores the "
                "vocabulary with the token embedding."
            )
        if "cls.predictions.bias" not in tensors and decoder_bias is not None:
            tensors["cls.predictions.bias"] = decoder_bias
        targets.update({
            "cls.predictions.transform.dense.weight": (head._intermediate_dense.kernel,
                                                       transposed),
            "cls.predictions.transform.dense.bias": (head._intermediate_dense.bias, same),
            "cls.predictions.transform.LayerNorm.weight": (head._intermediate_layer_norm.gamma,
                                                           same),
            "cls.predictions.transform.LayerNorm.bias": (head._intermediate_layer_norm.beta,
                                                         same),
            "cls.predictions.bias": (head._bias, same),
        })
    if model is not backbone and hasattr(model, "output_dense"):
        targets.update({
            "classifier.weight": (model.output_dense.kernel, transposed),
            "classifier.bias": (model.output_dense.bias, same),
        })
    fused_names = {name for names in fused for name in names}
    missing = sorted((set(targets) - optional) - set(tensors)) + sorted(
        fused_names - set(tensors))
    unused = sorted(set(tensors) - set(targets) - fused_names)
    if missing or unused:
        raise ValueError(
            f"The checkpoint does not match a {type(model).__name__} of "
            f"{backbone.num_layers} layers: missing tensors {missing}, unused tensors {unused}."
        )
    assignments = []
    for name, (variable, transform) in targets.items():
        if name in tensors:
            assignments.append((name, variable, transform(tensors[name])))
    for names, (variable, transform) in fused.items():
        parts = [transform(tensors[name]) for name in names]
        shapes = {part.shape for part in parts}
        if len(shapes) != 1:
            raise ValueError(
                f"Tensors {list(names)} have shapes {[p.shape for p in parts]}; the config asks "
                f"for equal ones."
            )
        assignments.append((", ".join(names), variable, np.concatenate(parts, axis=-1)))
    for name, variable, array in assignments:
        expected = tuple(variable.shape)
        if array.shape != expected:
            raise ValueError(
                f"Tensor {name!r} has shape {array.shape} (as a Keras weight); the config asks "
                f"for {expected}."
            )
    for _, variable, array in assignments:
        variable.assign(np.asarray(array, dtype=variable.dtype))


def read_tokenizer(directory, vocabulary_size):
    """The WordPiece tokenizer of `vocab.txt`, or None when the directory has none.

    Lowercasing and accent stripping follow `tokenizer_config.json` (`do_lower_case`, default
    True as `BertTokenizer`'s; `strip_accents`, default: as lowercasing). The special tokens
    are kept whole when they appear in text (`[MASK]`), as Hugging Face's tokenizer does.

    Raises:
        ValueError: the vocabulary lacks a reserved token, or has more tokens than the model
            embeds.
    """
    path = directory / "vocab.txt"
    if not path.is_file():
        return None
    vocabulary = path.read_text(encoding="utf-8").split("\n")
    if vocabulary and vocabulary[-1] == "":
        vocabulary.pop()
    vocabulary = [token.rstrip("\r") for token in vocabulary]
    missing = [token for token in RESERVED_TOKENS if token not in vocabulary]
    if missing:
        raise ValueError(
            f"`vocab.txt` in {str(directory)!r} lacks the reserved token(s) {missing}; a BERT "
            f"vocabulary needs {list(RESERVED_TOKENS)}."
        )
    if len(vocabulary) > vocabulary_size:
        raise ValueError(
            f"`vocab.txt` in {str(directory)!r} has {len(vocabulary)} tokens, but the model "
            f"embeds only `vocab_size`={vocabulary_size} ids."
        )
    options = {}
    options_path = directory / "tokenizer_config.json"
    if options_path.is_file():
        options = read_json(options_path)
    lowercase = bool(options.get("do_lower_case", True))
    strip_accents = options.get("strip_accents")
    return WordPieceTokenizer(
        vocabulary=vocabulary,
        end_token="[SEP]",
        lowercase=lowercase,
        strip_accents=lowercase if strip_accents is None else bool(strip_accents),
        oov_token="[UNK]",
        special_tokens=list(RESERVED_TOKENS),
        special_tokens_in_strings=True,
    )

