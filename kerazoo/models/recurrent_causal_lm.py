"""RecurrentCausalLM: a recurrent backbone with its language-model head."""

import keras
import tensorflow as tf
from keras import ops

from kerazoo.models.recurrent_backbone import RecurrentBackbone
from kerazoo.models.task_model import TaskModel
from kerazoo.utils.checks import check_int


@keras.saving.register_keras_serializable(package="kerazoo")
class RecurrentCausalLM(TaskModel):
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

    Stateful training (truncated back-propagation through time): after
    `carry_state_in_training(batch_size, steps_per_pass)`, every training
    forward pass (`fit`'s) starts from the recurrent state the previous
    batch left, row by row, with no gradient through it, and from zero at
    every `steps_per_pass`-th optimizer step (the start of a pass over
    `kerazoo.data.causal_lm_contiguous_batches`). The state lives in
    variables outside the model's weights: it is not saved, and inference,
    validation and decoding are unchanged.

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
        self._carried = None

    # === Stateful training ===

    def carry_state_in_training(self, batch_size, steps_per_pass):
        """Carry the recurrent state across training batches (see the class).

        Call it before `fit` (or `kerazoo.training.train`) with the batches'
        size, on one device: each row of a batch must continue the same
        row of the previous batch, as in `causal_lm_contiguous_batches`.

        Args:
            batch_size: int >= 1, the rows of every training batch.
            steps_per_pass: int >= 1; the state restarts from zero when the
                optimizer's step count is a multiple of it (at every pass
                over the data, and after a resume at the pass it is in).

        Raises:
            ValueError: under a strategy with more than one replica.
        """
        check_int("batch_size", batch_size, low=1)
        check_int("steps_per_pass", steps_per_pass, low=1)
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if replicas > 1:
            raise ValueError(
                f"Stateful training runs on one device; the strategy in scope has "
                f"{replicas} replicas. Train without the carried state (windows) or on "
                "one device."
            )
        with tf.init_scope():
            state = tf.nest.map_structure(
                lambda t: tf.Variable(t, trainable=False),
                self.backbone.initial_state(batch_size),
            )
        # A plain holder: neither Keras nor TensorFlow checkpoints track it.
        self._carried = _CarriedState(state, batch_size, steps_per_pass)

    def stop_carrying_state(self):
        """Back to training every batch from a zero state."""
        self._carried = None

    def call(self, inputs, training=None, mask=None, **kwargs):
        carried = getattr(self, "_carried", None)
        if carried is None or not training:
            return super().call(inputs, training=training, mask=mask, **kwargs)
        return self._carried_call(inputs, carried)

    def _carried_call(self, token_ids, carried):
        if getattr(self, "optimizer", None) is None:
            raise ValueError(
                "A model that carries its state in training needs its optimizer's "
                "step count: compile it before training."
            )
        rows = token_ids.shape[0]
        if rows is not None and rows != carried.batch_size:
            raise ValueError(
                f"The training batch has {rows} rows, and the carried state "
                f"{carried.batch_size} (carry_state_in_training's batch_size). Use "
                "batches of one size (drop the remainder)."
            )
        start_of_pass = tf.equal(self.optimizer.iterations % carried.steps_per_pass, 0)
        state = tf.nest.map_structure(
            lambda variable: tf.where(
                start_of_pass, tf.zeros_like(variable), tf.identity(variable)
            ),
            carried.state,
        )
        hidden, new_state = self.backbone.call_with_state(token_ids, state, training=True)
        for variable, value in zip(tf.nest.flatten(carried.state), tf.nest.flatten(new_state)):
            variable.assign(tf.stop_gradient(value))
        return self._logits(hidden, self.backbone, self.head)

    @staticmethod
    def _logits(hidden, backbone, head):
        if head is None:
            # A copy without the Keras mask the recurrent layers attach when
            # `token_mask` is given: the tied embedding takes none (and would warn).
            logits = backbone.token_embedding(ops.copy(hidden), reverse=True)
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


class _CarriedState:
    """The recurrent state stateful training carries: variables, batch size, pass length."""

    def __init__(self, state, batch_size, steps_per_pass):
        self.state = state
        self.batch_size = batch_size
        self.steps_per_pass = steps_per_pass


__all__ = ["RecurrentBackbone", "RecurrentCausalLM"]
