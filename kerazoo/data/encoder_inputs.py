"""BERT-style encoder inputs: `[CLS] tokens [SEP]`, segment ids and a padding mask.

The packing runs in TensorFlow ops, so the same code serves `tf.data` pipelines and exported
SavedModels (strings in, inputs made in the graph).
"""

import keras_hub
import tensorflow as tf

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

