"""BERT-style encoder inputs: `[CLS] tokens [SEP]`, segment ids and a padding mask.

The packing runs in TensorFlow ops, so the same code serves `tf.data` pipelines and exported
SavedModels (strings in, inputs made in the graph).
"""

import keras_hub
import numpy as np
import tensorflow as tf

# Packed lengths at which buckets split (each bucket is padded to its longest example).
BUCKET_BOUNDARIES = (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384)

# BERT's special tokens; every encoder task needs them in the vocabulary.
RESERVED_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def special_token_ids(tokenizer):
    """The ids of BERT's special tokens in `tokenizer`'s vocabulary.

    Returns:
        dict with `pad`, `unknown`, `cls`, `sep`, `mask` ids.

    Raises:
        ValueError: the vocabulary lacks one of `RESERVED_TOKENS` (it names them).
    """
    vocabulary = tokenizer.get_vocabulary()
    index = {token: i for i, token in enumerate(vocabulary)}
    missing = [token for token in RESERVED_TOKENS if token not in index]
    if missing:
        raise ValueError(
            f"The tokenizer's vocabulary lacks the reserved token(s) {missing}; BERT's tasks "
            f"need {list(RESERVED_TOKENS)}. Train the WordPiece vocabulary with them reserved "
            "(kerazoo.data.train_word_piece does) or use a BERT `vocab.txt`."
        )
    return dict(zip(("pad", "unknown", "cls", "sep", "mask"),
                    (index[token] for token in RESERVED_TOKENS)))


def tokenize_to_ragged(tokenizer, texts):
    """Token ids of `texts` as a (texts, None) int32 `tf.RaggedTensor`, also in eager mode.

    (keras-hub tokenizers answer eager calls with Python lists; inside a `tf.function` they
    keep TensorFlow's ragged tensors.)
    """
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def tokenize(batch):
        ids = tokenizer.tokenize(batch)
        if not isinstance(ids, tf.RaggedTensor):
            ids = tf.RaggedTensor.from_tensor(ids)
        return tf.cast(ids, tf.int32).with_row_splits_dtype(tf.int64)

    return tokenize(tf.constant(list(texts), tf.string))


def pack_single_segment(token_ids, special_ids, sequence_length):
    """Encoder inputs of a batch of token-id rows, padded to the longest packed row.

    Each row becomes `[CLS] ids [SEP]`, its ids cut to `sequence_length - 2` when longer.

    Args:
        token_ids: (batch, None) int `tf.RaggedTensor` (or dense, unpadded) token ids.
        special_ids: `special_token_ids(tokenizer)`.
        sequence_length: int >= 3, the longest packed row.

    Returns:
        dict of (batch, time) int32 tensors `token_ids`, `segment_ids`, `padding_mask`, time the
        longest packed row of the batch.
    """
    if not isinstance(token_ids, tf.RaggedTensor):
        token_ids = tf.RaggedTensor.from_tensor(token_ids)
    ids = tf.cast(token_ids, tf.int32)[:, : sequence_length - 2]
    rows = ids.nrows()
    ones = tf.ones([rows, 1], tf.int32)
    packed = tf.concat(
        [tf.RaggedTensor.from_tensor(ones * special_ids["cls"]).with_row_splits_dtype(
            ids.row_splits.dtype),
         ids,
         tf.RaggedTensor.from_tensor(ones * special_ids["sep"]).with_row_splits_dtype(
             ids.row_splits.dtype)],
        axis=1,
    )
    dense = packed.to_tensor(default_value=special_ids["pad"])
    padding_mask = tf.ones_like(packed).to_tensor(default_value=0)
    return {
        "token_ids": dense,
        "segment_ids": tf.zeros_like(dense),
        "padding_mask": padding_mask,
    }


def pack_example(token_ids, special_ids, sequence_length):
    """`pack_single_segment` of one 1-D row, unpadded (for `tf.data` before bucketing)."""
    ids = tf.cast(token_ids, tf.int32)[: sequence_length - 2]
    packed = tf.concat([[special_ids["cls"]], ids, [special_ids["sep"]]], axis=0)
    return {
        "token_ids": packed,
        "segment_ids": tf.zeros_like(packed),
        "padding_mask": tf.ones_like(packed),
    }


def pair_packer(special_ids, sequence_length):
    """A function packing one pair of 1-D id rows as `[CLS] first [SEP] second [SEP]`, unpadded.

    keras-hub's `MultiSegmentPacker` packs (cutting the longer row first, "round_robin", when
    the pair exceeds `sequence_length`); segment ids are 0 up to the first `[SEP]`, then 1.

    Returns:
        `pack((first, second))` -> dict of 1-D int32 `token_ids`, `segment_ids`, `padding_mask`;
        `pack.packer` is the `MultiSegmentPacker` (it also packs ragged batches).
    """
    packer = keras_hub.layers.MultiSegmentPacker(
        sequence_length=sequence_length, start_value=special_ids["cls"],
        end_value=special_ids["sep"], pad_value=special_ids["pad"], truncate="round_robin")

    def pack(pair):
        first, second = (tf.cast(ids, tf.int32) for ids in pair)
        token_ids, segment_ids = packer((first, second))
        length = tf.minimum(tf.size(first) + tf.size(second) + 3, sequence_length)
        token_ids = tf.cast(token_ids[:length], tf.int32)
        return {"token_ids": token_ids, "segment_ids": tf.cast(segment_ids[:length], tf.int32),
                "padding_mask": tf.ones_like(token_ids)}

    pack.packer = packer
    return pack


def bucket_by_length(dataset, lengths, sequence_length, batch_size, pad_id, *,
                     drop_remainder=False):
    """Batches of unpadded examples, bucketed by length and padded to each batch's longest.

    Args:
        dataset: a `tf.data.Dataset` of `(inputs, target)`: `inputs` a dict of 1-D int32
            encoder inputs (`token_ids`, `segment_ids`, `padding_mask`) of one length, `target`
            a tensor of fixed shape.
        lengths: (examples,) NumPy ints, each example's packed length, in the dataset's order
            (for the batch count).
        sequence_length: int, the longest packed example.
        batch_size: int, examples per batch.
        pad_id: int, the token id that pads `token_ids` (segment ids and mask pad with 0).
        drop_remainder: drop each bucket's last partial batch, so every batch has
            `batch_size` examples (training under a distribution strategy).

    Returns:
        A prefetched `tf.data.Dataset` of `(inputs, targets)`, each input (batch, time), time the
        longest example of its batch, with its cardinality known.
    """
    boundaries = [b for b in BUCKET_BOUNDARIES if b < sequence_length]
    dataset = dataset.bucket_by_sequence_length(
        element_length_func=lambda inputs, target: tf.shape(inputs["token_ids"])[0],
        bucket_boundaries=[b + 1 for b in boundaries],
        bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
        padding_values=({"token_ids": pad_id, "segment_ids": 0, "padding_mask": 0}, 0),
        drop_remainder=drop_remainder,
    )
    # The batch count is known, so Keras ends an evaluation pass without a warning.
    buckets = np.searchsorted(np.array(boundaries), np.asarray(lengths), side="left")
    sizes = np.bincount(buckets, minlength=len(boundaries) + 1)
    batches = int(np.sum(sizes // batch_size if drop_remainder else -(-sizes // batch_size)))
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(batches))
    return dataset.prefetch(tf.data.AUTOTUNE)
