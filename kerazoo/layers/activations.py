"""Activation names the feed-forward layers accept."""

import keras


def gelu_approximate(x):
    """GELU with the tanh approximation, GPT-2's `gelu_new`."""
    return keras.activations.gelu(x, approximate=True)


def get_activation(name):
    """Return the activation function for `name`.

    Args:
        name: `"gelu_approximate"` (GPT-2), or any Keras activation name
            (`"gelu"` is the exact erf form, `"relu"` the original Transformer's).

    Raises:
        ValueError: if Keras does not know the name.
    """
    if name == "gelu_approximate":
        return gelu_approximate
    try:
        return keras.activations.get(name)
    except ValueError:
        raise ValueError(
            f"Unknown `activation` {name!r}. Use 'gelu_approximate' or a Keras "
            "activation name such as 'gelu' or 'relu'."
        ) from None
