"""RecurrentBackbone: token embedding -> stacked SimpleRNN/LSTM/GRU layers, no head."""

import contextlib

import keras
from keras import ops

from kerazoo.utils.checks import check_int, check_real

CELLS = ("simple_rnn", "lstm", "gru")
_LAYER_CLASSES = {
    "simple_rnn": keras.layers.SimpleRNN,
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
}
# Recurrent states per layer: LSTM carries (h, c), the others h.
STATES_PER_LAYER = {"simple_rnn": 1, "lstm": 2, "gru": 1}


@keras.saving.register_keras_serializable(package="kerazoo")
class RecurrentBackbone(keras.Model):
    """A recurrent language model's trunk: token ids in, hidden states out.

    Token embedding -> dropout -> `num_layers` x (recurrent layer ->
    dropout). Dropout is on the non-recurrent connections only (embedding
    output, between layers, top output), as in Zaremba et al. 2014
    "Recurrent Neural Network Regularization"; the recurrent layers have no
    dropout of their own. Task models (`RecurrentCausalLM`) put a head on
    it.

    The cells: `"simple_rnn"` (h_t = tanh(W_x x_t + W_h h_{t-1} + b)),
    `"lstm"` and `"gru"` (Keras' layers, GRU with `reset_after=True`).

    cuDNN: Keras runs an LSTM or GRU layer with NVIDIA's fused cuDNN kernel
    on a GPU when its activation is tanh, its recurrent activation sigmoid,
    `recurrent_dropout` is 0, `unroll` is False, `use_bias` is True (and
    `reset_after` is True for a GRU), and any mask is right padding. The
    layers built here always meet those conditions (`cudnn_conditions`
    reports them; a test checks every cell), so `model.fit` gets the fused
    kernel on a GPU. cuDNN kernels cannot be compiled with XLA: on a GPU,
    Keras turns `jit_compile` off for such a model's training step (with a
    warning), and `call_with_state(..., cudnn=False)`, which the decoding
    loop uses, runs the layers' generic kernels, which XLA compiles and
    every device runs.

    Args:
        vocabulary_size: int. Token ids are in [0, vocabulary_size).
        num_layers: int >= 1. Recurrent layers.
        hidden_dim: int >= 1. Units of each recurrent layer.
        embedding_dim: int >= 1 or None (None: `hidden_dim`). Width of the
            token embedding.
        cell: `"simple_rnn"`, `"lstm"` or `"gru"`.
        dropout: float in [0, 1). Defaults to 0.
        tie_weights: bool. Whether a language-model head reuses the token
            embedding (Press & Wolf 2017); needs `embedding_dim ==
            hidden_dim`. Defaults to False.
        init_scale: float > 0 or None. With a value, every weight matrix
            and the embedding start uniform in [-init_scale, init_scale]
            and biases at zero (Zaremba et al.: 0.1 small, 0.05 medium);
            None keeps Keras' initializers (Glorot uniform, orthogonal
            recurrent matrices, the LSTM forget gate bias at 1).
        max_sequence_length: int >= 1. The training window (the truncated
            back-propagation length); not a limit: the model reads
            sequences of any length, and the decoding state has no context
            window.
        dtype: a dtype policy (`"float32"`, `"mixed_bfloat16"`, ...) or
            None for the global one.

    Call arguments:
        token_ids: (batch, time) int32.

    Returns:
        (batch, time, hidden_dim) hidden states in the compute dtype (the
        recurrent state starts at zero).

    Example:
    >>> backbone = RecurrentBackbone(50, num_layers=2, hidden_dim=16, cell="gru")
    >>> backbone(keras.ops.ones((2, 7), "int32")).shape
    TensorShape([2, 7, 16])
    """

    def __init__(
        self,
        vocabulary_size,
        num_layers,
        hidden_dim,
        embedding_dim=None,
        cell="lstm",
        dropout=0.0,
        tie_weights=False,
        init_scale=None,
        max_sequence_length=35,
        dtype=None,
        **kwargs,
    ):
        check_int("vocabulary_size", vocabulary_size, low=1)
        check_int("num_layers", num_layers, low=1)
        check_int("hidden_dim", hidden_dim, low=1)
        embedding_dim = hidden_dim if embedding_dim is None else embedding_dim
        check_int("embedding_dim", embedding_dim, low=1)
        check_int("max_sequence_length", max_sequence_length, low=1)
        if cell not in CELLS:
            raise ValueError(f"`cell` must be one of {CELLS}. Received: cell={cell!r}.")
        check_real("dropout", dropout, low=0.0, high=1.0)
        if not isinstance(tie_weights, bool):
            raise TypeError(f"`tie_weights` must be a bool. Received: {tie_weights!r}.")
        if tie_weights and embedding_dim != hidden_dim:
            raise ValueError(
                f"`tie_weights=True` needs `embedding_dim` == `hidden_dim` (the head "
                f"reuses the embedding table). Received: embedding_dim={embedding_dim}, "
                f"hidden_dim={hidden_dim}."
            )
        if init_scale is not None:
            check_real("init_scale", init_scale, low=0.0, low_inclusive=False)
        dtype = keras.dtype_policies.get(dtype or keras.config.dtype_policy())
        matrices = _initializer(init_scale)

        # === Layers ===
        self.token_embedding = keras.layers.ReversibleEmbedding(
            vocabulary_size,
            embedding_dim,
            tie_weights=True,
            embeddings_initializer=matrices or "uniform",
            dtype=dtype,
            name="token_embedding",
        )
        self.embeddings_dropout = keras.layers.Dropout(
            dropout, dtype=dtype, name="embeddings_dropout"
        )
        layer_class = _LAYER_CLASSES[cell]
        self.recurrent_layers = []
        self.dropout_layers = []
        for i in range(num_layers):
            options = {}
            if init_scale is not None:
                options = {
                    "kernel_initializer": _initializer(init_scale),
                    "recurrent_initializer": _initializer(init_scale),
                    "bias_initializer": "zeros",
                }
                if cell == "lstm":
                    options["unit_forget_bias"] = False
            self.recurrent_layers.append(
                layer_class(
                    hidden_dim,
                    return_sequences=True,
                    return_state=True,
                    dtype=dtype,
                    name=f"{cell}_{i}",
                    **options,
                )
            )
            self.dropout_layers.append(
                keras.layers.Dropout(dropout, dtype=dtype, name=f"dropout_{i}")
            )

        # === Functional model ===
        token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        x = self.embeddings_dropout(self.token_embedding(token_ids))
        for layer, dropout_layer in zip(self.recurrent_layers, self.dropout_layers):
            x = dropout_layer(layer(x)[0])
        super().__init__(inputs=token_ids, outputs=x, **kwargs)
        # A functional model ignores `dtype`; set it so `get_config` keeps it.
        self.dtype_policy = dtype

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.num_layers = num_layers
        self.hidden_dim = hidden_dim
        self.embedding_dim = embedding_dim
        self.cell = cell
        self.dropout = dropout
        self.tie_weights = tie_weights
        self.init_scale = init_scale
        self.max_sequence_length = max_sequence_length

    def initial_state(self, batch_size):
        """The zero recurrent state of `batch_size` rows.

        Returns:
            A tuple with one tuple per layer: `(h, c)` for an LSTM, `(h,)`
            otherwise, each (batch_size, hidden_dim) in the compute dtype.
        """
        per_layer = STATES_PER_LAYER[self.cell]
        return tuple(
            tuple(
                ops.zeros((batch_size, self.hidden_dim), dtype=self.compute_dtype)
                for _ in range(per_layer)
            )
            for _ in range(self.num_layers)
        )

    def call_with_state(self, token_ids, state, token_mask=None, training=False, cudnn=True):
        """Run tokens through the trunk from a given recurrent state.

        Feeding a sequence in pieces, each from the state the previous piece
        left, gives the hidden states of feeding it whole.

        Args:
            token_ids: (batch, T) int32, T >= 1.
            state: from `initial_state` or a previous call.
            token_mask: (batch, T) int or bool, 1 for real tokens, or None.
                Masked steps leave the state unchanged (their outputs repeat
                the last real step's).
            training: bool, apply dropout.
            cudnn: bool. False runs the generic kernels (XLA-compatible)
                even where cuDNN would be used; the decoding loop passes
                False.

        Returns:
            `(hidden, state)`: (batch, T, hidden_dim) hidden states and the
            state after the last real token of each row.
        """
        x = self.embeddings_dropout(self.token_embedding(token_ids), training=training)
        mask = None if token_mask is None else ops.cast(token_mask, "bool")
        new_state = []
        with contextlib.ExitStack() as stack:
            if not cudnn:
                stack.enter_context(_generic_kernels(self.recurrent_layers))
            for layer, dropout_layer, layer_state in zip(
                self.recurrent_layers, self.dropout_layers, state
            ):
                outputs = layer(x, initial_state=list(layer_state), mask=mask, training=training)
                x = dropout_layer(outputs[0], training=training)
                new_state.append(tuple(outputs[1:]))
        return x, tuple(new_state)

    def cudnn_conditions(self):
        """Whether each recurrent layer meets cuDNN's conditions (see the class).

        Returns:
            list of dicts, one per layer: each condition's name -> bool
            (empty for `simple_rnn`, which has no cuDNN kernel in Keras).
        """
        if self.cell == "simple_rnn":
            return [{} for _ in self.recurrent_layers]
        conditions = []
        for layer in self.recurrent_layers:
            cell = layer.cell
            checks = {
                "activation_tanh": cell.activation in (keras.activations.tanh, ops.tanh),
                "recurrent_activation_sigmoid": cell.recurrent_activation
                in (keras.activations.sigmoid, ops.sigmoid),
                "recurrent_dropout_zero": layer.recurrent_dropout == 0,
                "not_unrolled": not layer.unroll,
                "use_bias": bool(cell.use_bias),
                "use_cudnn_allowed": layer.use_cudnn in ("auto", True),
            }
            if self.cell == "gru":
                checks["reset_after"] = bool(cell.reset_after)
            conditions.append(checks)
        return conditions

    def get_config(self):
        return {
            "vocabulary_size": self.vocabulary_size,
            "num_layers": self.num_layers,
            "hidden_dim": self.hidden_dim,
            "embedding_dim": self.embedding_dim,
            "cell": self.cell,
            "dropout": self.dropout,
            "tie_weights": self.tie_weights,
            "init_scale": self.init_scale,
            "max_sequence_length": self.max_sequence_length,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "name": self.name,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _initializer(init_scale):
    if init_scale is None:
        return None
    return keras.initializers.RandomUniform(-init_scale, init_scale)


@contextlib.contextmanager
def _generic_kernels(layers):
    """Makes LSTM/GRU layers skip cuDNN while tracing inside the block.

    Keras picks the kernel when a call is traced, from `use_cudnn`; the
    generic kernel is a `while_loop` that XLA compiles and any device runs.
    """
    saved = [getattr(layer, "use_cudnn", None) for layer in layers]
    try:
        for layer in layers:
            if hasattr(layer, "use_cudnn"):
                layer.use_cudnn = False
        yield
    finally:
        for layer, value in zip(layers, saved):
            if value is not None:
                layer.use_cudnn = value
