"""The BERT families: hyperparameters, presets and registration.

One encoder, `BertBackbone`, and one family per job it is trained for, each
a registered `Family` with its own task, all sharing the presets below:

- `bert`: `BertMaskedLM`, pretrained with the `masked_lm` task (its config adds
  `next_sentence`, the optional next-sentence head);
- `bert_classifier`: `BertTextClassifier`, fine-tuned with the
  `text_classification` task (its config adds `label_names`);
- `bert_tagger`: `BertTokenClassifier`, fine-tuned with the
  `token_classification` task (NER; its config adds `label_names`, the tags);
- `bert_encoder`: the bare `BertBackbone`, what a Hugging Face `BertModel`
  checkpoint converts to; its `text_embedding` task exports sentence
  embeddings and is the starting point other families fine-tune from
  (`kerazoo train bert_classifier --init RUN_DIR`);
- `bert_qa`: `BertSpanExtractor`, start and end logits for extractive question answering,
  fine-tuned with the `span_qa` task (SQuAD format).

So `kerazoo train FAMILY` picks the job by the family's name, as for every
other family, and the command line needs no BERT-specific switch.
"""

import dataclasses

from kerazoo.models.bert_backbone import BertBackbone
from kerazoo.models.bert_masked_lm import BertMaskedLM
from kerazoo.models.bert_span_extractor import BertSpanExtractor
from kerazoo.models.bert_text_classifier import BertTextClassifier
from kerazoo.models.bert_token_classifier import BertTokenClassifier
from kerazoo.models.registry import Family, register_family


@dataclasses.dataclass(frozen=True)
class BertConfig:
    """Hyperparameters of a BERT encoder (see `BertBackbone`)."""

    vocabulary_size: int = 30522  # BERT's uncased WordPiece; set from the tokenizer.
    num_layers: int = 2
    num_heads: int = 2
    hidden_dim: int = 128
    intermediate_dim: int = 512  # 4 x hidden_dim, as in BERT.
    max_sequence_length: int = 512
    num_segments: int = 2
    dropout: float = 0.1
    layer_norm_epsilon: float = 1e-12
    activation: str = "gelu"


@dataclasses.dataclass(frozen=True)
class BertMaskedLMConfig(BertConfig):
    """A BERT encoder's hyperparameters and whether pretraining adds next-sentence prediction."""

    next_sentence: bool = False  # `kerazoo train bert --next-sentence` sets it.


@dataclasses.dataclass(frozen=True)
class BertClassifierConfig(BertConfig):
    """A BERT encoder's hyperparameters and the classes of its classifier head."""

    label_names: tuple = ("0", "1")  # Set from the training data's labels.


def _shape(num_layers, hidden_dim, num_heads):
    return BertConfig(
        num_layers=num_layers,
        num_heads=num_heads,
        hidden_dim=hidden_dim,
        intermediate_dim=4 * hidden_dim,
    )


# The compact BERTs of Turc et al. (2019), "Well-Read Students Learn Better"
# (layers / width / heads), and BERT-base.
PRESETS = {
    "bert-tiny": _shape(2, 128, 2),
    "bert-mini": _shape(4, 256, 4),
    "bert-small": _shape(4, 512, 8),
    "bert-base": _shape(12, 768, 12),
}
MASKED_LM_PRESETS = {
    name: BertMaskedLMConfig(**dataclasses.asdict(config)) for name, config in PRESETS.items()
}
CLASSIFIER_PRESETS = {
    name: BertClassifierConfig(**dataclasses.asdict(config)) for name, config in PRESETS.items()
}
# BERT's optimizer (Adam, beta_2 0.999, weight decay 0.01), clipped at 1 as its
# reference code does.
_RECIPE = {
    "weight_decay": 0.01,
    "beta_1": 0.9,
    "beta_2": 0.999,
    "global_clipnorm": 1.0,
    "batch_size": 32,
}


def build_bert_backbone(dtype=None, **hyperparameters):
    """A new `BertBackbone(**hyperparameters, dtype=dtype)`."""
    return BertBackbone(**hyperparameters, dtype=dtype, name="bert_backbone")


def build_bert_masked_lm(dtype=None, next_sentence=False, **hyperparameters):
    """A `BertMaskedLM` (with the next-sentence head when `next_sentence`) on a new
    `BertBackbone`."""
    return BertMaskedLM(build_bert_backbone(dtype=dtype, **hyperparameters),
                        next_sentence=next_sentence)


def build_bert_text_classifier(dtype=None, label_names=("0", "1"), **hyperparameters):
    """A `BertTextClassifier` with `label_names` on a new `BertBackbone`."""
    return BertTextClassifier(build_bert_backbone(dtype=dtype, **hyperparameters), label_names)


register_family(
    Family(
        name="bert",
        config_class=BertMaskedLMConfig,
        builder=build_bert_masked_lm,
        presets=MASKED_LM_PRESETS,
        default_preset="bert-tiny",
        description="BERT encoder pretrained as a masked language model (post-LN)",
        task="masked_lm",
        recipe={**_RECIPE, "peak_learning_rate": 5e-4, "min_learning_rate": 5e-5},
    )
)
register_family(
    Family(
        name="bert_classifier",
        config_class=BertClassifierConfig,
        builder=build_bert_text_classifier,
        presets=CLASSIFIER_PRESETS,
        default_preset="bert-tiny",
        description="BERT encoder with a sequence-classification head on [CLS]",
        task="text_classification",
        # Length-bucketed batches change shape from batch to batch, and XLA
        # would compile each shape again.
        recipe={
            **_RECIPE,
            "peak_learning_rate": 1e-4,
            "min_learning_rate": 0.0,
            "steps": 2000,
            "epochs": 4,
            "jit_compile": False,
        },
    )
)
register_family(
    Family(
        name="bert_encoder",
        config_class=BertConfig,
        builder=build_bert_backbone,
        presets=PRESETS,
        default_preset="bert-tiny",
        description="bare BERT encoder (a converted BertModel): sentence embeddings",
        task="text_embedding",
    )
)


@dataclasses.dataclass(frozen=True)
class BertTaggerConfig(BertConfig):
    """A BERT encoder's hyperparameters and the tags of its token-classifier head."""

    label_names: tuple = ("O", "B-entity", "I-entity")  # Set from the training data's tags.


TAGGER_PRESETS = {
    name: BertTaggerConfig(**dataclasses.asdict(config)) for name, config in PRESETS.items()
}


def build_bert_token_classifier(dtype=None, label_names=("O", "B-entity", "I-entity"),
                                **hyperparameters):
    """A `BertTokenClassifier` with `label_names` on a new `BertBackbone`."""
    return BertTokenClassifier(build_bert_backbone(dtype=dtype, **hyperparameters), label_names)


register_family(
    Family(
        name="bert_tagger",
        config_class=BertTaggerConfig,
        builder=build_bert_token_classifier,
        presets=TAGGER_PRESETS,
        default_preset="bert-tiny",
        description="BERT encoder with a token-classification head (NER, BIO tags)",
        task="token_classification",
        # As bert_classifier: length-bucketed batches change shape, so no XLA.
        recipe={
            **_RECIPE,
            "peak_learning_rate": 1e-4,
            "min_learning_rate": 0.0,
            "steps": 1000,
            "epochs": 5,
            "jit_compile": False,
        },
    )
)


def build_bert_span_extractor(dtype=None, **hyperparameters):
    """A `BertSpanExtractor` on a new `BertBackbone`."""
    return BertSpanExtractor(build_bert_backbone(dtype=dtype, **hyperparameters))


register_family(
    Family(
        name="bert_qa",
        config_class=BertConfig,
        builder=build_bert_span_extractor,
        presets=PRESETS,
        default_preset="bert-tiny",
        description="BERT encoder with a span-extraction head (start/end logits) for QA",
        task="span_qa",
        # As bert_classifier: bucketed batches change shape, so no XLA.
        recipe={
            **_RECIPE,
            "peak_learning_rate": 1e-4,
            "min_learning_rate": 0.0,
            "steps": 2000,
            "epochs": 2,
            "jit_compile": False,
        },
    )
)
