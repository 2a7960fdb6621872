"""BertMaskedLM: a BERT backbone with the masked-language-model head, tied to the token table."""

import keras
import keras_hub
from keras import ops

from kerazoo.layers.activations import get_activation
from kerazoo.models.task_model import TaskModel


@keras.saving.register_keras_serializable(package="kerazoo")
class BertMaskedLM(TaskModel):
    """Masked-token prediction on a `BertBackbone`, as BERT is pretrained.

    The head (keras-hub's `MaskedLMHead`) gathers the final hidden states at
    `mask_positions`, applies BERT's transform (dense, GELU, layer norm) and
    scores the vocabulary with the transposed token table (weight tying)
    plus an output bias. Only the selected positions are scored, so the
    largest matrix product costs `mask_positions` rows, not the whole
    sequence. The vocabulary product runs in the compute dtype; the logits
    are cast to float32 before the (float32) bias is added, for a stable
    loss under mixed precision.

    Args:
        backbone: a `BertBackbone`.

    Call arguments:
        inputs: a dict of int32 tensors: the backbone's `token_ids`,
            `segment_ids`, `padding_mask` (batch, time), and `mask_positions`
            (batch, masks), the positions to predict (keras-hub's
            `MaskedLMMaskGenerator` makes them).

    Returns:
        (batch, masks, vocabulary_size) float32 logits.

    Example:
    >>> from kerazoo.models import BertBackbone
    >>> model = BertMaskedLM(BertBackbone(100, 2, 2, 32, 64, 16))
    >>> ones = keras.ops.ones((2, 10), "int32")
    >>> model({"token_ids": ones, "segment_ids": 0 * ones, "padding_mask": ones,
    ...        "mask_positions": keras.ops.ones((2, 3), "int32")}).shape
    TensorShape([2, 3, 100])
    """

    def __init__(self, backbone, **kwargs):
        # === Layers ===
        self.masked_lm_head = _MaskedLMHead(
            vocabulary_size=backbone.vocabulary_size,
            token_embedding=backbone.token_embedding,
            # kerazoo's names ("gelu_approximate" too), which keras-hub's head does not know.
            intermediate_activation=get_activation(backbone.activation),
            layer_norm_epsilon=backbone.layer_norm_epsilon,
            kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.02),
            dtype=backbone.dtype_policy,
            name="masked_lm_head",
        )
        # === Functional model ===
        inputs = {
            **backbone.input,
            "mask_positions": keras.Input(shape=(None,), dtype="int32", name="mask_positions"),
        }
        hidden = backbone({name: inputs[name] for name in backbone.input})["sequence_output"]
        logits = self.masked_lm_head(hidden, mask_positions=inputs["mask_positions"])
        super().__init__(inputs=inputs, outputs=logits, **kwargs)
        # The backbone's policy, so `compile` wraps the optimizer for loss
        # scaling under mixed_float16.
        self.dtype_policy = backbone.dtype_policy
        # === Config ===
        self.backbone = backbone

    @property
    def vocabulary_size(self):
        return self.backbone.vocabulary_size

    @property
    def max_sequence_length(self):
        return self.backbone.max_sequence_length


class _MaskedLMHead(keras_hub.layers.MaskedLMHead):
    """keras-hub's head, adding its float32 output bias to float32 logits (keras-hub adds it to
    the compute-dtype logits, which fails under mixed precision). Built anew by `BertMaskedLM`,
    so it needs no registration of its own."""

    def call(self, inputs, mask_positions):
        x = ops.take_along_axis(inputs, ops.expand_dims(mask_positions, axis=-1), axis=1)
        x = self._intermediate_layer_norm(self._intermediate_dense(x))
        logits = ops.cast(self.token_embedding(x, reverse=True), "float32")
        return logits + ops.cast(self._bias, "float32")
