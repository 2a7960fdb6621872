"""Token ids of a batch of strings as a ragged tensor, from one traced tokenizer graph.

keras-hub tokenizers answer eager calls with Python lists; inside a `tf.function` they keep
TensorFlow's ragged tensors. Tracing the tokenizer's graph costs more than tokenizing
thousands of sentences, so each tokenizer gets one traced function, made on first use and
reused by every later call (no "triggered tf.function retracing" warnings).
"""

import weakref

import tensorflow as tf

_TRACED = weakref.WeakKeyDictionary()


def ragged_tokenizer(tokenizer):
    """The tokenizer's traced function: (texts,) string -> (texts, None) int32 `tf.RaggedTensor`.

    The same function comes back for the same tokenizer, so calling this in a loop traces once.
    The function holds the tokenizer weakly: it does not keep a discarded tokenizer alive.
    """
    traced = _TRACED.get(tokenizer)
    if traced is None:
        traced = _TRACED[tokenizer] = _traced_tokenizer(weakref.ref(tokenizer))
    return traced


def _traced_tokenizer(tokenizer_ref):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def tokenize(batch):
        return _ragged_ids(tokenizer_ref(), batch)

    return tokenize


def _ragged_ids(tokenizer, batch):
    ids = tokenizer.tokenize(batch)
    if not isinstance(ids, tf.RaggedTensor):
        ids = tf.RaggedTensor.from_tensor(ids)
    return tf.cast(ids, tf.int32).with_row_splits_dtype(tf.int64)


def tokenize_to_ragged(tokenizer, texts):
    """Token ids of `texts` (a list of str or a (texts,) tf.string tensor) as a (texts, None)
    int32 `tf.RaggedTensor`, in eager mode or inside a graph."""
    if not isinstance(texts, tf.Tensor):
        texts = tf.constant(list(texts), tf.string)
    if tf.inside_function():
        return _ragged_ids(tokenizer, texts)
    return ragged_tokenizer(tokenizer)(texts)
