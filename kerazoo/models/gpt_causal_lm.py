"""GPTCausalLM: a GPT backbone with the tied language-model head."""

import keras
from keras import ops

from kerazoo.models.gpt_backbone import GPTBackbone
from kerazoo.models.task_model import TaskModel


@keras.saving.register_keras_serializable(package="kerazoo")
class GPTCausalLM(TaskModel):
    """Next-token prediction on a `GPTBackbone`.

    The head multiplies the final hidden states by the transposed token
    table (weight tying, as GPT-2), in the backbone's compute dtype (so the
    largest matrix product runs in bfloat16 under `mixed_bfloat16`); the
    logits are cast to float32 after it, for a stable loss and sampling.

    It implements the decoding protocol of `kerazoo.generation` (a key/value
    cache, the context window `max_sequence_length`), so `generate`, beam
    search and the exported SavedModel drive it.

    Args:
        backbone: a `GPTBackbone`.

    Call arguments:
        token_ids: (batch, time) int32, time <= max_sequence_length.

    Returns:
        (batch, time, vocabulary_size) float32 logits.

    Example:
    >>> model = GPTCausalLM(GPTBackbone(65, 2, 2, 32, 128, 16))
    >>> model(keras.ops.ones((2, 10), "int32")).shape
    TensorShape([2, 10, 65])
    """

    def __init__(self, backbone, **kwargs):
        # === Functional model ===
        token_ids = backbone.input
        logits = self._head(backbone(token_ids), backbone)
        super().__init__(inputs=token_ids, outputs=logits, **kwargs)
        # The backbone's policy, so `compile` wraps the optimizer for loss
        # scaling under mixed_float16.
        self.dtype_policy = backbone.dtype_policy
        # === Config ===
        self.backbone = backbone

    @staticmethod
    def _head(hidden, backbone):
        return ops.cast(backbone.token_embedding(hidden, reverse=True), "float32")

    @property
    def vocabulary_size(self):
        return self.backbone.vocabulary_size

    @property
    def max_sequence_length(self):
        return self.backbone.max_sequence_length

    # === Decoding protocol (kerazoo.generation.protocol) ===

    @property
    def context_window(self):
        return self.backbone.max_sequence_length

    def init_decoding_state(self, batch_size, encoder_inputs=None):
        """The backbone's empty key/value cache (a tuple, one tensor per layer)."""
        if encoder_inputs is not None:
            raise ValueError(
                "GPTCausalLM is decoder-only: `encoder_inputs` must be None."
            )
        return self.backbone.init_cache(batch_size)

    def decode_step(self, token_ids, state, index, token_mask=None):
        """Logits for `token_ids` at positions `index ..`, and the new cache.

        `token_mask` is not needed: a cache slot written for padding is
        overwritten before any later query reads it.
        """
        hidden, state = self.backbone.call_with_cache(token_ids, state, index)
        return self._head(hidden, self.backbone), state
