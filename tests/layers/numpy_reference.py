"""Plain numpy forward passes of the attention layers and Transformer blocks.

Each function reads the weights of a kerazoo layer and computes what the
layer should output, in float64, with loops over heads instead of reshapes.
"""

import math

import numpy as np

_ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0.0),
    "gelu": lambda x: 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0))),
    "gelu_approximate": lambda x: 0.5
    * x
    * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3))),
}


def randomize_weights(layer, seed=0):
    """Sets every weight to random values: layer norm scales near 1, biases nonzero."""
    rng = np.random.default_rng(seed)
    for weight in layer.weights:
        values = rng.normal(scale=0.3, size=weight.shape)
        if weight.path.endswith("gamma"):
            values += 1.0
        weight.assign(values.astype("float32"))


def _array(variable):
    return np.asarray(variable, dtype="float64")


def dense(x, layer):
    y = x @ _array(layer.kernel)
    return y + _array(layer.bias) if layer.use_bias else y


def layer_norm(x, norm):
    mean = x.mean(-1, keepdims=True)
    variance = x.var(-1, keepdims=True)
    y = (x - mean) / np.sqrt(variance + norm.epsilon) * _array(norm.gamma)
    return y + _array(norm.beta) if norm.center else y


def softmax(scores):
    e = np.exp(scores - scores.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def attention(query, layer, memory=None, mask=None, return_weights=False):
    """Self-attention (`memory` None) or cross-attention of `query` over `memory`.

    `mask` is (batch, T, S) bool, True where a query may attend to a key.
    With `return_weights`, also the (batch, heads, T, S) softmax weights.
    """
    dim = query.shape[-1]
    if memory is None:
        q, k, v = np.split(dense(query, layer.qkv), 3, axis=-1)
    else:
        q = dense(query, layer.query)
        k, v = np.split(dense(memory, layer.key_value), 2, axis=-1)
    head_dim = dim // layer.num_heads
    context = np.zeros_like(q)
    weights = []
    for head in range(layer.num_heads):
        part = slice(head * head_dim, (head + 1) * head_dim)
        scores = q[..., part] @ np.swapaxes(k[..., part], -1, -2) / math.sqrt(head_dim)
        if mask is not None:
            scores = np.where(mask, scores, -1e9)
        weights.append(softmax(scores))
        context[..., part] = weights[-1] @ v[..., part]
    output = dense(context, layer.output_dense)
    return (output, np.stack(weights, axis=1)) if return_weights else output


def feed_forward(x, layer, activation):
    return dense(_ACTIVATIONS[activation](dense(x, layer.inner)), layer.outer)


def _key_mask(padding_mask, query_length):
    """(batch, S) 1/0 padding -> (batch, T, S) bool."""
    return np.repeat(np.asarray(padding_mask, bool)[:, None, :], query_length, axis=1)


def encoder_block(x, block, padding_mask=None):
    mask = None if padding_mask is None else _key_mask(padding_mask, x.shape[1])

    def attend(h):
        return attention(h, block.self_attention, mask=mask)

    def feed(h):
        return feed_forward(h, block.feedforward, block.activation)

    if block.normalize_first:
        x = x + attend(layer_norm(x, block.self_attention_layernorm))
        return x + feed(layer_norm(x, block.feedforward_layernorm))
    x = layer_norm(x + attend(x), block.self_attention_layernorm)
    return layer_norm(x + feed(x), block.feedforward_layernorm)


def decoder_block(x, block, memory=None, padding_mask=None, memory_padding_mask=None,
                  cross_weights=None):
    """A decoder block; `cross_weights`, a list, receives the cross-attention weights."""
    length = x.shape[1]
    mask = np.tril(np.ones((length, length), bool))[None].repeat(len(x), axis=0)
    if padding_mask is not None:
        mask = mask & _key_mask(padding_mask, length)
    memory_mask = None
    if memory_padding_mask is not None:
        memory_mask = _key_mask(memory_padding_mask, length)

    def attend(h):
        return attention(h, block.self_attention, mask=mask)

    def attend_to_memory(h):
        h, weights = attention(h, block.cross_attention, memory=memory, mask=memory_mask,
                               return_weights=True)
        if cross_weights is not None:
            cross_weights.append(weights)
        return h

    def feed(h):
        return feed_forward(h, block.feedforward, block.activation)

    if block.normalize_first:
        x = x + attend(layer_norm(x, block.self_attention_layernorm))
        if memory is not None:
            x = x + attend_to_memory(layer_norm(x, block.cross_attention_layernorm))
        return x + feed(layer_norm(x, block.feedforward_layernorm))
    x = layer_norm(x + attend(x), block.self_attention_layernorm)
    if memory is not None:
        x = layer_norm(x + attend_to_memory(x), block.cross_attention_layernorm)
    return layer_norm(x + feed(x), block.feedforward_layernorm)
