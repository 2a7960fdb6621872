"""RecurrentCausalLM: a recurrent backbone with its language-model head."""

import keras
from keras import ops

from kerazoo.models.recurrent_backbone import RecurrentBackbone


@keras.saving.register_keras_serializable(package="kerazoo")
class RecurrentCausalLM(keras.Model):
    """Next-token prediction on a `RecurrentBackbone`.

    The head is a `Dense` layer over the vocabulary (with a bias), or, when
    the backbone has `tie_weights=True`, the transposed token embedding
    (no bias, as GPT-2's). It runs in the compute dtype; the logits are cast
    to float32 after it.

    It implements the decoding protocol of `kerazoo.generation`: the
    decoding state is the recurrent state (a tuple over layers of `(h, c)`
    for an LSTM, `(h,)` otherwise) and there is no context window, so
    `generate`, beam search and the exported SavedModel carry the state
    forward one token at a time, over any length.

    Args:
        backbone: a `RecurrentBackbone`.

    Call arguments:
        token_ids: (batch, time) int32.

    Returns:
        (batch, time, vocabulary_size) float32 logits.

    Example:
    >>> model = RecurrentCausalLM(RecurrentBackbone(50, num_layers=1, hidden_dim=16))
    >>> model(keras.ops.ones((2, 7), "int32")).shape
    TensorShape([2, 7, 50])
    """

    def __init__(self, backbone, **kwargs):
        head = None
        if not backbone.tie_weights:
            initializer = "glorot_uniform"
            if backbone.init_scale is not None:
                initializer = keras.initializers.RandomUniform(
                    -backbone.init_scale, backbone.init_scale
                )
            head = keras.layers.Dense(
                backbone.vocabulary_size,
                kernel_initializer=initializer,
                dtype=backbone.dtype_policy,
                name="head",
            )
        # === Functional model ===
        token_ids = backbone.input
        logits = self._logits(backbone(token_ids), backbone, head)
        super().__init__(inputs=token_ids, outputs=logits, **kwargs)
        # The backbone's policy, so `compile` wraps the optimizer for loss
        # scaling under mixed_float16.
        self.dtype_policy = backbone.dtype_policy
        # === Config ===
        self.backbone = backbone
        self.head = head

    @staticmethod
    def _logits(hidden, backbone, head):
        if head is None:
            logits = backbone.token_embedding(hidden, reverse=True)
        else:
            logits = head(hidden)
        return ops.cast(logits, "float32")

    @property
    def vocabulary_size(self):
        return self.backbone.vocabulary_size

    @property
    def max_sequence_length(self):
        """The training window (the backbone's); not a limit on inputs."""
        return self.backbone.max_sequence_length

    # === Decoding protocol (kerazoo.generation.protocol) ===

    context_window = None

    def init_decoding_state(self, batch_size, encoder_inputs=None):
        """The zero recurrent state (`RecurrentBackbone.initial_state`)."""
        if encoder_inputs is not None:
            raise ValueError(
                "RecurrentCausalLM has no encoder: `encoder_inputs` must be None."
            )
        return self.backbone.initial_state(batch_size)

    def decode_step(self, token_ids, state, index, token_mask=None):
        """Logits for `token_ids` and the state after them.

        `index` is unused: a recurrent state does not know positions.
        Positions where `token_mask` is 0 leave the state unchanged, so a
        right-padded prefill ends in the state of each row's last real
        token. Runs the generic (XLA-compatible) kernels.
        """
        hidden, state = self.backbone.call_with_state(
            token_ids, state, token_mask=token_mask, cudnn=False
        )
        return self._logits(hidden, self.backbone, self.head), state

    def get_config(self):
        return {
            "backbone": keras.saving.serialize_keras_object(self.backbone),
            "name": self.name,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        return cls(**config)


__all__ = ["RecurrentBackbone", "RecurrentCausalLM"]
