"""Building blocks shared by every model family (Keras layer subclasses)."""

from kerazoo.layers.attention import MultiHeadAttention
from kerazoo.layers.cross_attention import MultiHeadCrossAttention
from kerazoo.layers.feed_forward import FeedForward
from kerazoo.layers.masks import causal_mask, merge_masks
from kerazoo.layers.position_embedding import PositionEmbedding
from kerazoo.layers.position_encoding import SinusoidalPositionEncoding
from kerazoo.layers.token_and_position_embedding import TokenAndPositionEmbedding
from kerazoo.layers.transformer_decoder_block import TransformerDecoderBlock
from kerazoo.layers.transformer_encoder_block import TransformerEncoderBlock

__all__ = [
    "FeedForward",
    "MultiHeadAttention",
    "MultiHeadCrossAttention",
    "PositionEmbedding",
    "SinusoidalPositionEncoding",
    "TokenAndPositionEmbedding",
    "TransformerDecoderBlock",
    "TransformerEncoderBlock",
    "causal_mask",
    "merge_masks",
]

from kerazoo.layers.bidirectional_lm_head import BidirectionalLMHead
from kerazoo.layers.bidirectional_lm_stack import BidirectionalLMStack
from kerazoo.layers.char_cnn_encoder import CharCNNEncoder
from kerazoo.layers.highway import Highway
from kerazoo.layers.scalar_mix import ScalarMix

__all__ += [
    "BidirectionalLMHead",
    "BidirectionalLMStack",
    "CharCNNEncoder",
    "Highway",
    "ScalarMix",
]
