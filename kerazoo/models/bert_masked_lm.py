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

    With `next_sentence=True` it also has BERT's next-sentence head: a
    dense layer scoring the pooled `[CLS]` output as "B follows A"
    (class 0) or "B is random" (class 1), trained jointly: compiled with
    the masked-LM loss and metrics, the model adds the next-sentence
    cross-entropy (so the loss is their sum) and `next_sentence_accuracy`
    for its second output (as keras-hub tasks fill in their own loss).

    Args:
        backbone: a `BertBackbone`.
        next_sentence: bool, add the next-sentence head. Defaults to False.

    Call arguments:
        inputs: a dict of int32 tensors: the backbone's `token_ids`,
            `segment_ids`, `padding_mask` (batch, time), and `mask_positions`
            (batch, masks), the positions to predict (keras-hub's
            `MaskedLMMaskGenerator` makes them).

    Returns:
        (batch, masks, vocabulary_size) float32 logits; with `next_sentence`,
        a dict of those (`masked_lm`) and (batch, 2) float32 next-sentence
        logits (`next_sentence`).

    Example:
    >>> from kerazoo.models import BertBackbone
    >>> model = BertMaskedLM(BertBackbone(100, 2, 2, 32, 64, 16))
    >>> ones = keras.ops.ones((2, 10), "int32")
    >>> model({"token_ids": ones, "segment_ids": 0 * ones, "padding_mask": ones,
    ...        "mask_positions": keras.ops.ones((2, 3), "int32")}).shape
    TensorShape([2, 3, 100])
    """

    def __init__(self, backbone, next_sentence=False, **kwargs):
        if not isinstance(next_sentence, bool):
            raise TypeError(f"`next_sentence` must be a bool, got {next_sentence!r}.")
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
        encoded = backbone({name: inputs[name] for name in backbone.input})
        outputs = self.masked_lm_head(encoded["sequence_output"],
                                      mask_positions=inputs["mask_positions"])
        if next_sentence:
            # float32 weights and logits: two classes cost nothing and keep the loss stable.
            self.next_sentence_head = keras.layers.Dense(
                2, kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.02),
                dtype="float32", name="next_sentence_head",
            )
            outputs = {"masked_lm": outputs,
                       "next_sentence": self.next_sentence_head(encoded["pooled_output"])}
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        # The backbone's policy, so `compile` wraps the optimizer for loss
        # scaling under mixed_float16.
        self.dtype_policy = backbone.dtype_policy
        # === Config ===
        self.backbone = backbone
        self.next_sentence = next_sentence

    def task_config(self):
        return {"next_sentence": self.next_sentence}

    def compile(self, optimizer="rmsprop", loss=None, *args, weighted_metrics=None, **kwargs):
        """Keras's `compile`; with the next-sentence head, a single `loss` and a list of
        `weighted_metrics` apply to the masked-LM output and the head adds its own loss and
        accuracy. Keras prefixes each metric with its output's name, so the metrics read
        `masked_lm_accuracy`, `masked_lm_perplexity`, `next_sentence_accuracy`, and the losses
        `masked_lm_loss` and `next_sentence_loss` (`loss` is their sum)."""
        if self.next_sentence and loss is not None and not isinstance(loss, dict):
            loss = {"masked_lm": loss, "next_sentence": keras.losses.SparseCategoricalCrossentropy(
                from_logits=True, dtype="float32", name="next_sentence_loss")}
        if self.next_sentence and not isinstance(weighted_metrics, dict):
            weighted_metrics = {
                "masked_lm": [_renamed(m, m.name.removeprefix("masked_lm_"))
                              for m in weighted_metrics or []],
                "next_sentence": [keras.metrics.SparseCategoricalAccuracy(
                    name="accuracy", dtype="float32")],
            }
        super().compile(optimizer, loss, *args, weighted_metrics=weighted_metrics, **kwargs)

    def compile_from_config(self, config):
        # Keras's own, which skips models with their own `compile`.
        self.compile(**keras.saving.deserialize_keras_object(config))
        if hasattr(self, "optimizer") and self.built:
            self.optimizer.build(self.trainable_variables)

    @property
    def vocabulary_size(self):
        return self.backbone.vocabulary_size

    @property
    def max_sequence_length(self):
        return self.backbone.max_sequence_length


def _renamed(metric, name):
    """A new metric like `metric`, named `name`."""
    return metric.__class__.from_config({**metric.get_config(), "name": name})


class _MaskedLMHead(keras_hub.layers.MaskedLMHead):
    """keras-hub's head, adding its float32 output bias to float32 logits (keras-hub adds it to
    the compute-dtype logits, which fails under mixed precision). Built anew by `BertMaskedLM`,
    so it needs no registration of its own."""

    def call(self, inputs, mask_positions):
        x = ops.take_along_axis(inputs, ops.expand_dims(mask_positions, axis=-1), axis=1)
        x = self._intermediate_layer_norm(self._intermediate_dense(x))
        logits = ops.cast(self.token_embedding(x, reverse=True), "float32")
        return logits + ops.cast(self._bias, "float32")
