"""ElmoEmbedder: raw text -> ELMo's contextual word embeddings, as a Keras layer."""

import keras
import tensorflow as tf
from keras import ops

from kerazoo.layers.character_ids import sentence_character_ids
from kerazoo.layers.scalar_mix import ScalarMix


@keras.saving.register_keras_serializable(package="kerazoo")
class ElmoEmbedder(keras.layers.Layer):
    """Contextual embeddings of the words of raw strings, from a pretrained `ElmoBackbone`.

    Each string is split on whitespace into words (the text is expected
    tokenized as the pretraining corpus was: Penn Treebank and SST-2 are
    lowercase words and punctuation separated by spaces; use
    `kerazoo.data.word_tokenize` for raw prose), wrapped as `<S> words </S>`,
    encoded as character ids (words longer than `max_characters - 2` bytes
    are truncated) and run through the backbone. The boundary positions are
    dropped, so position i is the i-th word.

    Use it frozen (`trainable=False`: its weights do not change in `fit`,
    and the backbone runs in inference mode, without dropout) or fine-tuned
    (`trainable=True`) inside a downstream Keras model.

    Args:
        backbone: an `ElmoBackbone` (e.g. `model.backbone` of a trained
            `elmo` run).
        mix: bool. False (default): every layer, (batch, layers, words, dim);
            True: one learned `ScalarMix` of them, (batch, words, dim).
        layer_norm: bool, the mix's layer normalisation. Defaults to False.
        **kwargs: Layer arguments (`trainable`, `name`).

    Call arguments:
        texts: (batch,) tf.string.

    Returns:
        dict: `embeddings`, float (batch, num_layers + 1, words, 2 *
        projection_dim), or (batch, words, 2 * projection_dim) with `mix`;
        `mask`, (batch, words) int32, 1 for real words. Rows are padded to
        the longest text; an empty string has no words (all-zero mask, and
        `words` is 0 when every string is empty).

    Example:
    >>> from kerazoo.models import ElmoBackbone
    >>> backbone = ElmoBackbone(((1, 8),), 1, 8, 1, 16, max_characters=10)
    >>> out = ElmoEmbedder(backbone)(tf.constant(["the cat sat", "hi"]))
    >>> out["embeddings"].shape, out["mask"].numpy().tolist()
    (TensorShape([2, 2, 3, 16]), [[1, 1, 1], [1, 0, 0]])
    """

    def __init__(self, backbone, mix=False, layer_norm=False, **kwargs):
        # Set last, so that it reaches the sublayers made below.
        trainable = kwargs.pop("trainable", True)
        super().__init__(**kwargs)
        if not isinstance(mix, bool):
            raise TypeError(f"`mix` must be a bool. Received: mix={mix!r}.")
        self.backbone = backbone
        self.mix = mix
        self.layer_norm = layer_norm
        self.scalar_mix = None
        if mix:
            self.scalar_mix = ScalarMix(backbone.num_layers + 1, layer_norm=layer_norm,
                                        name="scalar_mix")
        self.trainable = trainable

    def build(self, input_shape):
        if self.scalar_mix is not None:
            self.scalar_mix.build(
                (None, self.backbone.num_layers + 1, None, self.backbone.output_dim))

    def call(self, texts, training=None):
        texts = tf.convert_to_tensor(texts, tf.string)
        if texts.shape.rank != 1:
            raise ValueError(
                f"ElmoEmbedder takes a 1-D batch of strings; received shape {texts.shape}. "
                "Wrap a single string in a list."
            )
        words = tf.strings.split(texts)
        character_ids = sentence_character_ids(words, self.backbone.max_characters)
        training = bool(training) and self.trainable
        layers = self.backbone(character_ids, training=training)
        # Drop <S> (position 0) and </S>: keep the longest row's words.
        lengths = tf.cast(words.row_lengths(), tf.int32)
        width = tf.reduce_max(tf.concat([lengths, [0]], 0))
        layers = layers[:, :, 1:1 + width]
        mask = tf.sequence_mask(lengths, width, dtype=tf.int32)
        layers = layers * ops.cast(mask, layers.dtype)[:, None, :, None]
        if self.scalar_mix is not None:
            layers = self.scalar_mix(layers, mask=mask)
        return {"embeddings": layers, "mask": mask}

    def compute_output_spec(self, texts, training=None):
        dim = self.backbone.output_dim
        shape = (None, None, dim) if self.mix else (
            None, self.backbone.num_layers + 1, None, dim)
        dtype = "float32" if self.mix else self.backbone.compute_dtype
        return {
            "embeddings": keras.KerasTensor(shape, dtype=dtype),
            "mask": keras.KerasTensor((None, None), dtype="int32"),
        }

    def get_config(self):
        config = super().get_config()
        config.update({
            "backbone": keras.saving.serialize_keras_object(self.backbone),
            "mix": self.mix,
            "layer_norm": self.layer_norm,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        return cls(**config)
