"""The Transformer benchmarks' peer: the same shape built from keras-hub's layers.

As keras-hub's English-Spanish translation example builds it:
`TokenAndPositionEmbedding` (learned positions, `mask_zero=True`) for each
side, `TransformerEncoder` and `TransformerDecoder` blocks (post-LN, ReLU),
and a `Dense` output layer. Here with kerazoo `transformer-tiny`'s shape by
default (3 + 3 blocks, width 256, 8 heads, feed-forward 512) and no final
softmax (logits, so the benchmarks use one loss for both sides).

For decoding, `beam_search` drives keras-hub's `BeamSampler` with the
layers' own caches, the way keras-hub's `BartSeq2SeqLM.generate_step` does:
the encoder runs once, each decoder block's self-attention cache grows one
token per step and its cross-attention keys/values are computed once.
"""

import keras
import keras_hub
from keras import ops


class KerasHubTransformer:
    """An encoder-decoder of keras-hub layers (see the module docstring).

    Args:
        vocabulary_size, num_layers, hidden_dim, num_heads, intermediate_dim,
        max_length: its shape; `num_layers` encoder and decoder blocks each.
        dropout: float.
    """

    def __init__(self, vocabulary_size, num_layers=3, hidden_dim=256, num_heads=8,
                 intermediate_dim=512, max_length=64, dropout=0.1):
        self.num_heads, self.hidden_dim, self.max_length = num_heads, hidden_dim, max_length

        def embedding():
            return keras_hub.layers.TokenAndPositionEmbedding(
                vocabulary_size, max_length, hidden_dim, mask_zero=True)

        self.source_embedding, self.target_embedding = embedding(), embedding()
        self.encoders = [keras_hub.layers.TransformerEncoder(intermediate_dim, num_heads,
                                                             dropout=dropout)
                         for _ in range(num_layers)]
        self.decoders = [keras_hub.layers.TransformerDecoder(intermediate_dim, num_heads,
                                                             dropout=dropout)
                         for _ in range(num_layers)]
        self.head = keras.layers.Dense(vocabulary_size)
        sources = keras.Input((None,), dtype="int32", name="encoder_token_ids")
        targets = keras.Input((None,), dtype="int32", name="decoder_token_ids")
        memory = self.encode(sources)
        x = self.target_embedding(targets)
        for decoder in self.decoders:
            x = decoder(x, memory)
        self.model = keras.Model({"encoder_token_ids": sources, "decoder_token_ids": targets},
                                 self.head(x))

    def encode(self, token_ids):
        x = self.source_embedding(token_ids)
        for encoder in self.encoders:
            x = encoder(x)
        return x

    def beam_search(self, source_ids, new_tokens, num_beams, start_id):
        """(batch, 1 + new_tokens) ids: `[start]` then the beam search's best continuation.

        Args:
            source_ids: (batch, source_time) int32, 0 for padding.
            new_tokens: int, tokens to generate (no stop token).
            num_beams: int.
            start_id: int, the first target token.
        """
        batch = ops.shape(source_ids)[0]
        length = 1 + new_tokens
        memory = self.encode(source_ids)
        source_mask = ops.not_equal(source_ids, 0)
        head_dim = self.hidden_dim // self.num_heads
        self_caches = ops.zeros((batch, len(self.decoders), 2, length, self.num_heads, head_dim))
        cross_caches = ops.zeros(
            (batch, len(self.decoders), 2, ops.shape(source_ids)[1], self.num_heads, head_dim))
        prompt = ops.concatenate([ops.full((batch, 1), start_id, "int32"),
                                  ops.zeros((batch, new_tokens), "int32")], axis=1)
        mask = ops.concatenate([ops.ones((batch, 1), "bool"),
                                ops.zeros((batch, new_tokens), "bool")], axis=1)
        # Fill the cross-attention caches once (with a pass over `[start]`).
        _, self_caches, cross_caches = self._decode(
            prompt[:, :1], memory, source_mask, self_caches, 0, cross_caches, 0)

        def next(prompt, cache, index):
            self_caches, memory, source_mask, cross_caches = cache
            token = ops.slice(prompt, [0, index - 1], [ops.shape(prompt)[0], 1])
            logits, self_caches, _ = self._decode(
                token, memory, source_mask, self_caches, index - 1, cross_caches, None)
            return ops.squeeze(logits, 1), None, (self_caches, memory, source_mask, cross_caches)

        sampler = keras_hub.samplers.BeamSampler(num_beams=num_beams)
        return sampler(next, prompt, cache=(self_caches, memory, source_mask, cross_caches),
                       index=1, mask=mask)

    def _decode(self, token_ids, memory, source_mask, self_caches, self_index, cross_caches,
                cross_index):
        x = self.target_embedding(token_ids, start_index=self_index)
        new_self, new_cross = [], []
        for i, decoder in enumerate(self.decoders):
            x, self_cache, cross_cache = decoder(
                x, memory, encoder_padding_mask=source_mask,
                self_attention_cache=self_caches[:, i],
                self_attention_cache_update_index=self_index,
                cross_attention_cache=cross_caches[:, i],
                cross_attention_cache_update_index=cross_index)
            new_self.append(self_cache)
            new_cross.append(cross_cache)
        return self.head(x), ops.stack(new_self, 1), ops.stack(new_cross, 1)
