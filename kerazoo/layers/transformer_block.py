"""The arguments and sublayer factories the encoder and decoder blocks share."""

import keras
from keras import ops

from kerazoo.layers.activations import get_activation
from kerazoo.layers.feed_forward import FeedForward
from kerazoo.utils.checks import check_int, check_real


class TransformerBlock(keras.layers.Layer):
    """Base of `TransformerEncoderBlock` and `TransformerDecoderBlock`.

    It checks and stores the arguments and makes the sublayers; each block
    builds its own sublayers and writes its own forward pass. Each sublayer
    (attention, feed-forward) sits in a residual connection with a layer
    norm, either after the sum (post-LN, the original Transformer and BERT:
    `x = norm(x + f(x))`) or before the sublayer (pre-LN, GPT-2:
    `x = x + f(norm(x))`).

    The layer norms compute in float32 under mixed precision (their policy is
    the block's variable dtype); the residual stream stays in the compute
    dtype.

    A Keras mask on the inputs (e.g. from `Embedding(mask_zero=True)`)
    serves as the padding mask when none is passed, and the block passes it
    on to the next layer.

    Args:
        num_heads: int. Attention heads; must divide the model width.
        intermediate_dim: int. Feed-forward inner width.
        dropout: float. Dropout on attention probabilities and on each
            residual branch. Defaults to 0.
        activation: str. Feed-forward activation. Defaults to `"gelu"`.
        layer_norm_epsilon: float. Defaults to 1e-5.
        normalize_first: bool. Pre-LN when True, post-LN when False.
        use_bias: bool. Biases in the projections and layer norms (GPT-2,
            BERT); nanoGPT drops them. Defaults to True.
        kernel_initializer: initializer of the input projections.
        output_kernel_initializer: initializer of the projections that write
            into the residual stream; defaults to `kernel_initializer`.
    """

    def __init__(
        self,
        num_heads,
        intermediate_dim,
        dropout=0.0,
        activation="gelu",
        layer_norm_epsilon=1e-5,
        normalize_first=False,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        output_kernel_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        get_activation(activation)
        self.num_heads = check_int("num_heads", num_heads, low=1)
        self.intermediate_dim = check_int("intermediate_dim", intermediate_dim, low=1)
        self.dropout = check_real("dropout", dropout, low=0.0, high=1.0)
        self.activation = activation
        self.layer_norm_epsilon = layer_norm_epsilon
        self.normalize_first = normalize_first
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.output_kernel_initializer = keras.initializers.get(
            output_kernel_initializer or kernel_initializer
        )
        self.supports_masking = True

    def _check_width(self, input_shape):
        dim = input_shape[-1]
        if dim % self.num_heads != 0:
            raise ValueError(
                f"`num_heads`={self.num_heads} must divide the model width {dim}. "
                "Choose a width that is a multiple of the head count."
            )

    def _layer_norm(self, name, input_shape):
        norm = keras.layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon,
            center=self.use_bias,
            dtype=self.dtype_policy.variable_dtype,
            name=name,
        )
        norm.build(input_shape)
        return norm

    def _to_stream(self, x):
        """A float32 layer norm's output, back in the residual stream's dtype."""
        return ops.cast(x, self.compute_dtype)

    def _attention(self, layer_class, name, query_shape, memory_shape=None):
        attention = layer_class(
            self.num_heads,
            dropout=self.dropout,
            use_bias=self.use_bias,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            output_kernel_initializer=keras.initializers.serialize(
                self.output_kernel_initializer
            ),
            dtype=self.dtype_policy,
            name=name,
        )
        if memory_shape is None:
            attention.build(query_shape)
        else:
            attention.build(query_shape, memory_shape)
        return attention

    def _feedforward(self, input_shape):
        feedforward = FeedForward(
            self.intermediate_dim,
            activation=self.activation,
            dropout=self.dropout,
            use_bias=self.use_bias,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            output_kernel_initializer=keras.initializers.serialize(
                self.output_kernel_initializer
            ),
            dtype=self.dtype_policy,
            name="feedforward",
        )
        feedforward.build(input_shape)
        return feedforward

    def _residual_dropout(self):
        return keras.layers.Dropout(
            self.dropout, dtype=self.dtype_policy, name="residual_dropout"
        )

    def compute_output_shape(self, input_shape, *args, **kwargs):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "intermediate_dim": self.intermediate_dim,
                "dropout": self.dropout,
                "activation": self.activation,
                "layer_norm_epsilon": self.layer_norm_epsilon,
                "normalize_first": self.normalize_first,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "output_kernel_initializer": keras.initializers.serialize(
                    self.output_kernel_initializer
                ),
            }
        )
        return config
