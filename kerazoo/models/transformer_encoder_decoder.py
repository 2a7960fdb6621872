"""TransformerEncoderDecoder: the original Transformer (Vaswani et al. 2017)."""

import keras
from keras import ops

from kerazoo.layers import (
    TokenAndPositionEmbedding,
    TransformerDecoderBlock,
    TransformerEncoderBlock,
)
from kerazoo.utils.checks import check_int

INPUT_NAMES = (
    "encoder_token_ids",
    "encoder_padding_mask",
    "decoder_token_ids",
    "decoder_padding_mask",
)


@keras.saving.register_keras_serializable(package="kerazoo")
class TransformerEncoderDecoder(keras.Model):
    """Sequence to sequence: source token ids and target prefix in, next-target logits out.

    Token embeddings scaled by `sqrt(hidden_dim)` plus sinusoidal positions,
    dropout, `num_encoder_layers` encoder blocks (bidirectional), then
    `num_decoder_layers` decoder blocks (causal self-attention, then
    cross-attention to the encoder outputs), then the output projection. As
    in the paper, by default one vocabulary and one embedding table serve
    the encoder, the decoder and the pre-softmax projection; the blocks are
    post-LN (`normalize_first=False`) with ReLU feed-forwards. With
    `normalize_first=True` they are pre-LN and a final layer norm closes
    each stack.

    It implements the decoding protocol of `kerazoo.generation` with an
    encoder pass: `init_decoding_state(batch, encoder_inputs)` runs the
    encoder once and keeps each decoder block's cross-attention keys/values
    and the source padding mask in the state, beside the self-attention
    caches, so a decoding step costs one target token.

    Args:
        vocabulary_size: int. Source vocabulary, and the target's when
            `target_vocabulary_size` is None (one shared vocabulary).
        num_encoder_layers: int >= 1.
        num_decoder_layers: int >= 1.
        num_heads: int. Attention heads; must divide `hidden_dim`.
        hidden_dim: int. Model width (d_model).
        intermediate_dim: int. Feed-forward inner width (d_ff).
        max_source_length: int. The most source tokens.
        max_target_length: int. The most target tokens (the decoding
            context window).
        target_vocabulary_size: int or None. A separate target vocabulary
            (and target embedding table); None shares the source's.
        tie_weights: bool. The output projection is the transposed target
            embedding table. Defaults to True.
        dropout: float. Dropout on embeddings, attention and residual
            branches. Defaults to 0.1.
        activation: str. Feed-forward activation. Defaults to `"relu"`.
        layer_norm_epsilon: float. Defaults to 1e-5.
        normalize_first: bool. Pre-LN instead of the paper's post-LN.
        dtype: a dtype policy name or None for the global one; kept in the
            config.

    Call arguments:
        inputs: dict of int32 tensors: `encoder_token_ids` and
            `encoder_padding_mask` (batch, source_time), `decoder_token_ids`
            and `decoder_padding_mask` (batch, target_time); masks are 1 for
            real tokens.

    Returns:
        (batch, target_time, target vocabulary) float32 logits.

    Example:
    >>> model = TransformerEncoderDecoder(100, 1, 1, 2, 16, 32, 12, 10)
    >>> ones = keras.ops.ones((2, 5), "int32")
    >>> model({"encoder_token_ids": ones, "encoder_padding_mask": ones,
    ...        "decoder_token_ids": ones, "decoder_padding_mask": ones}).shape
    TensorShape([2, 5, 100])
    """

    def __init__(
        self,
        vocabulary_size,
        num_encoder_layers,
        num_decoder_layers,
        num_heads,
        hidden_dim,
        intermediate_dim,
        max_source_length,
        max_target_length,
        target_vocabulary_size=None,
        tie_weights=True,
        dropout=0.1,
        activation="relu",
        layer_norm_epsilon=1e-5,
        normalize_first=False,
        dtype=None,
        **kwargs,
    ):
        check_int("num_encoder_layers", num_encoder_layers, low=1)
        check_int("num_decoder_layers", num_decoder_layers, low=1)
        if target_vocabulary_size is not None:
            check_int("target_vocabulary_size", target_vocabulary_size, low=1)
        if hidden_dim % num_heads != 0:
            raise ValueError(
                f"`num_heads`={num_heads} must divide `hidden_dim`={hidden_dim}. "
                "Choose a width that is a multiple of the head count."
            )
        dtype = keras.dtype_policies.get(dtype or keras.config.dtype_policy())

        # === Layers ===
        def embedding(size, name):
            return TokenAndPositionEmbedding(
                size,
                max(max_source_length, max_target_length),
                hidden_dim,
                position="sinusoidal",
                scale_embeddings=True,
                tie_weights=tie_weights,
                # Unit-variance rows after the sqrt(hidden_dim) scaling.
                embeddings_initializer=keras.initializers.RandomNormal(
                    stddev=hidden_dim**-0.5
                ),
                dtype=dtype,
                name=name,
            )

        def block(layer_class, name, **extra):
            return layer_class(
                num_heads,
                intermediate_dim,
                dropout=dropout,
                activation=activation,
                layer_norm_epsilon=layer_norm_epsilon,
                normalize_first=normalize_first,
                dtype=dtype,
                name=name,
                **extra,
            )

        def final_norm(name):
            if not normalize_first:
                return lambda x: x
            return keras.layers.LayerNormalization(
                epsilon=layer_norm_epsilon, dtype=dtype, name=name
            )

        if target_vocabulary_size is None:
            self.source_embeddings = embedding(vocabulary_size, "embeddings")
            self.target_embeddings = self.source_embeddings
        else:
            self.source_embeddings = embedding(vocabulary_size, "source_embeddings")
            self.target_embeddings = embedding(target_vocabulary_size, "target_embeddings")
        self.embeddings_dropout = keras.layers.Dropout(
            dropout, dtype=dtype, name="embeddings_dropout"
        )
        self.encoder_layers = [
            block(TransformerEncoderBlock, f"encoder_layer_{i}")
            for i in range(num_encoder_layers)
        ]
        self.decoder_layers = [
            block(TransformerDecoderBlock, f"decoder_layer_{i}", cross_attention=True)
            for i in range(num_decoder_layers)
        ]
        self.encoder_final_norm = final_norm("encoder_final_layernorm")
        self.decoder_final_norm = final_norm("decoder_final_layernorm")

        # === Functional model ===
        inputs = {
            name: keras.Input(shape=(None,), dtype="int32", name=name) for name in INPUT_NAMES
        }
        memory = self.encode(inputs["encoder_token_ids"], inputs["encoder_padding_mask"])
        x = self.embeddings_dropout(self.target_embeddings(inputs["decoder_token_ids"]))
        for layer in self.decoder_layers:
            x = layer(
                x,
                memory=memory,
                padding_mask=inputs["decoder_padding_mask"],
                memory_padding_mask=inputs["encoder_padding_mask"],
            )
        logits = self._head(self.decoder_final_norm(x))
        super().__init__(inputs=inputs, outputs=logits, **kwargs)
        self.dtype_policy = dtype

        # === Config ===
        self.source_vocabulary_size = vocabulary_size
        self.num_encoder_layers = num_encoder_layers
        self.num_decoder_layers = num_decoder_layers
        self.num_heads = num_heads
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.max_source_length = max_source_length
        self.max_target_length = max_target_length
        self.target_vocabulary_size = target_vocabulary_size
        self.tie_weights = tie_weights
        self.dropout = dropout
        self.activation = activation
        self.layer_norm_epsilon = layer_norm_epsilon
        self.normalize_first = normalize_first

    def encode(self, token_ids, padding_mask, training=None):
        """The encoder outputs: (batch, source_time, hidden_dim).

        Args:
            token_ids: (batch, source_time) int32.
            padding_mask: (batch, source_time) int32, 1 for real tokens.
            training: bool, enables dropout.
        """
        x = self.embeddings_dropout(self.source_embeddings(token_ids), training=training)
        for layer in self.encoder_layers:
            x = layer(x, padding_mask=padding_mask, training=training)
        return self.encoder_final_norm(x)

    def _head(self, hidden):
        logits = self.target_embeddings.token_embedding(hidden, reverse=True)
        return ops.cast(logits, "float32")

    # === Decoding protocol (kerazoo.generation.protocol) ===

    @property
    def vocabulary_size(self):
        """Width of the logits: the target vocabulary."""
        return self.target_vocabulary_size or self.source_vocabulary_size

    @property
    def context_window(self):
        return self.max_target_length

    def init_decoding_state(self, batch_size, encoder_inputs=None):
        """Run the encoder once; an empty decoder cache beside its keys/values.

        Args:
            batch_size: int or scalar tensor, the rows of `encoder_inputs`.
            encoder_inputs: dict with `encoder_token_ids` and
                `encoder_padding_mask`, (batch, source_time) int32.

        Returns:
            dict: `self_attention` (one (batch, 2, heads, max_target_length,
            head_dim) zero cache per decoder block), `cross_attention` (one
            (batch, 2, heads, source_time, head_dim) key/value tensor per
            block) and `encoder_padding_mask` (batch, source_time).
        """
        if not isinstance(encoder_inputs, dict) or set(encoder_inputs) != set(INPUT_NAMES[:2]):
            raise ValueError(
                "`encoder_inputs` must be a dict with keys "
                f"{list(INPUT_NAMES[:2])} (the tokenized source), got "
                f"{encoder_inputs if encoder_inputs is None else type(encoder_inputs)}."
            )
        mask = ops.cast(encoder_inputs["encoder_padding_mask"], "int32")
        memory = self.encode(encoder_inputs["encoder_token_ids"], mask, training=False)
        head_dim = self.hidden_dim // self.num_heads
        shape = (batch_size, 2, self.num_heads, self.max_target_length, head_dim)
        return {
            "self_attention": tuple(
                ops.zeros(shape, self.compute_dtype) for _ in self.decoder_layers
            ),
            "cross_attention": tuple(
                layer.cross_attention.compute_memory_cache(memory)
                for layer in self.decoder_layers
            ),
            "encoder_padding_mask": mask,
        }

    def decode_step(self, token_ids, state, index, token_mask=None):
        """Logits of target tokens at positions `index ..`, and the new state.

        `token_mask` is not needed: a cache slot written for padding is
        overwritten before any later query reads it.
        """
        x = self.target_embeddings(token_ids, start_index=index)
        caches = []
        for layer, self_cache, cross_cache in zip(
            self.decoder_layers, state["self_attention"], state["cross_attention"]
        ):
            x, self_cache = layer(
                x,
                memory_padding_mask=state["encoder_padding_mask"],
                self_attention_cache=self_cache,
                cross_attention_cache=cross_cache,
                cache_update_index=index,
            )
            caches.append(self_cache)
        state = {**state, "self_attention": tuple(caches)}
        return self._head(self.decoder_final_norm(x)), state

    def cross_attention_scores(self, inputs, layer):
        """What each target position of decoder block `layer` attends to in the source.

        The target is teacher-forced (e.g. `[START]` and a translation), as
        in training, without dropout.

        Args:
            inputs: dict of the four int32 inputs of `call`.
            layer: int in [0, num_decoder_layers).

        Returns:
            (batch, num_heads, target_time, source_time) float32 softmax
            weights; each row sums to 1 over the real source tokens and is 0
            on source padding.
        """
        check_int("layer", layer, low=0)
        if layer >= self.num_decoder_layers:
            raise ValueError(
                f"`layer`={layer} is past the last decoder block: this model has "
                f"{self.num_decoder_layers} (layers 0 to {self.num_decoder_layers - 1})."
            )
        source_mask = ops.cast(inputs["encoder_padding_mask"], "int32")
        memory = self.encode(inputs["encoder_token_ids"], source_mask, training=False)
        x = self.target_embeddings(inputs["decoder_token_ids"])
        for block in self.decoder_layers[: layer + 1]:
            x, scores = block(
                x,
                memory=memory,
                padding_mask=inputs["decoder_padding_mask"],
                memory_padding_mask=source_mask,
                training=False,
                return_cross_attention_scores=True,
            )
        return scores

    def get_config(self):
        return {
            "vocabulary_size": self.source_vocabulary_size,
            "num_encoder_layers": self.num_encoder_layers,
            "num_decoder_layers": self.num_decoder_layers,
            "num_heads": self.num_heads,
            "hidden_dim": self.hidden_dim,
            "intermediate_dim": self.intermediate_dim,
            "max_source_length": self.max_source_length,
            "max_target_length": self.max_target_length,
            "target_vocabulary_size": self.target_vocabulary_size,
            "tie_weights": self.tie_weights,
            "dropout": self.dropout,
            "activation": self.activation,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "normalize_first": self.normalize_first,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "name": self.name,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
