"""Model families composed from `kerazoo.layers`, and the builder that makes them.

Each family has a backbone (inputs -> hidden states) and task models that
put a head on it, as keras-hub does; `build(family, preset)` returns the
family's task model.
"""

from kerazoo.models import bert, gpt, recurrent  # noqa: F401  (register the families)
from kerazoo.models.bert import BertClassifierConfig, BertConfig
from kerazoo.models.bert_backbone import BertBackbone
from kerazoo.models.bert_masked_lm import BertMaskedLM
from kerazoo.models.bert_text_classifier import BertTextClassifier
from kerazoo.models.gpt import GPTConfig
from kerazoo.models.gpt_backbone import GPTBackbone
from kerazoo.models.gpt_causal_lm import GPTCausalLM
from kerazoo.models.recurrent import RecurrentLMConfig
from kerazoo.models.recurrent_backbone import RecurrentBackbone
from kerazoo.models.recurrent_causal_lm import RecurrentCausalLM
from kerazoo.models.registry import (
    Family,
    build,
    family_names,
    get_family,
    list_models,
    register_family,
    resolve_config,
)

__all__ = [
    "BertBackbone",
    "BertClassifierConfig",
    "BertConfig",
    "BertMaskedLM",
    "BertTextClassifier",
    "Family",
    "GPTBackbone",
    "GPTCausalLM",
    "GPTConfig",
    "RecurrentBackbone",
    "RecurrentCausalLM",
    "RecurrentLMConfig",
    "build",
    "family_names",
    "get_family",
    "list_models",
    "register_family",
    "resolve_config",
]

from kerazoo.models import transformer  # noqa: F401  (registers the family)
from kerazoo.models.transformer import TransformerConfig
from kerazoo.models.transformer_encoder_decoder import TransformerEncoderDecoder

__all__ += ["TransformerConfig", "TransformerEncoderDecoder"]

from kerazoo.models.bert import BertTaggerConfig
from kerazoo.models.bert_token_classifier import BertTokenClassifier

__all__ += ["BertTaggerConfig", "BertTokenClassifier"]

from kerazoo.models import elmo  # noqa: F401  (registers the family)
from kerazoo.models.elmo import ElmoConfig
from kerazoo.models.elmo_backbone import ElmoBackbone
from kerazoo.models.elmo_embedder import ElmoEmbedder
from kerazoo.models.elmo_language_model import ElmoBidirectionalLM

__all__ += ["ElmoBackbone", "ElmoBidirectionalLM", "ElmoConfig", "ElmoEmbedder"]
from kerazoo.models.bert_span_extractor import BertSpanExtractor

__all__ += ["BertSpanExtractor"]
