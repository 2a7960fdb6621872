"""Words to word pieces with each word's first piece located: how word tags meet BERT's pieces.

A tagged word is cut into word pieces; its tag goes on its first piece, and the other pieces
carry none (weight 0 in the loss). A word whose text gives no piece (the tokenizer drops some
control characters) becomes `[UNK]`, so every word keeps a position. The same TensorFlow ops
make training batches, evaluate a run and run inside exported SavedModels.
"""

import tensorflow as tf

from kerazoo.data.encoder_inputs import pack_single_segment


def word_pieces(tokenizer, words, unknown_id):
    """The pieces of each word, at least one a word.

    Args:
        tokenizer: a WordPiece tokenizer (call inside a `tf.function`: keras-hub tokenizers
            answer eager calls with Python lists).
        words: (batch, None) tf.string `tf.RaggedTensor` of words.
        unknown_id: int, the id of `[UNK]`.

    Returns:
        (batch, words, pieces) int32 `tf.RaggedTensor`.
    """
    pieces = tokenizer.tokenize(words.flat_values)
    if not isinstance(pieces, tf.RaggedTensor):
        pieces = tf.RaggedTensor.from_tensor(pieces)
    pieces = tf.cast(pieces, tf.int32).with_row_splits_dtype(tf.int64)
    empty = tf.cast(pieces.row_lengths() == 0, tf.int64)
    filler = tf.RaggedTensor.from_row_lengths(
        tf.fill([tf.cast(tf.reduce_sum(empty), tf.int32)], tf.cast(unknown_id, tf.int32)), empty)
    pieces = tf.concat([pieces, filler], axis=1)
    return tf.RaggedTensor.from_row_splits(pieces, tf.cast(words.row_splits, tf.int64))


def pack_words(pieces, special_ids, sequence_length):
    """Encoder inputs of worded rows, and where each word's first piece lands.

    Args:
        pieces: (batch, words, pieces) int `tf.RaggedTensor` from `word_pieces`.
        special_ids: `kerazoo.data.special_token_ids(tokenizer)`.
        sequence_length: int >= 3, the longest packed row; pieces past it are cut.

    Returns:
        `(inputs, first_piece)`: inputs as `pack_single_segment` makes them, (batch, time)
        int32; first_piece a (batch, words) int32 `tf.RaggedTensor` of each word's first
        piece's position in its packed row (after `[CLS]`), -1 for a word that was cut.
    """
    inputs = pack_single_segment(pieces.merge_dims(1, 2), special_ids, sequence_length)
    counts = pieces.row_lengths(axis=2)  # (batch, words)
    flat = tf.cast(counts.flat_values, tf.int32)
    before = tf.cumsum(flat, exclusive=True)  # Pieces before each word, over all rows.
    row_offset = tf.gather(tf.concat([before, [tf.reduce_sum(flat)]], axis=0),
                           counts.row_starts())
    position = before - tf.repeat(row_offset, counts.row_lengths()) + 1  # + 1 for [CLS].
    position = tf.where(position <= sequence_length - 2, position, -1)
    return inputs, counts.with_flat_values(position)


def piece_labels(first_piece, word_labels, time):
    """Per-position labels and weights: a word's label at its first piece, weight 1 there.

    Args:
        first_piece: (batch, words) int32 `tf.RaggedTensor` from `pack_words`.
        word_labels: (batch, words) int `tf.RaggedTensor`, one label id per word.
        time: int scalar, the packed rows' length.

    Returns:
        `(labels, weights)`, (batch, time) int32 and float32; 0 at `[CLS]`, `[SEP]`, padding,
        later pieces of a word and cut words.
    """
    position = first_piece.flat_values
    kept = position >= 0
    indices = tf.stack([tf.cast(first_piece.value_rowids(), tf.int32), position], axis=1)
    indices = tf.boolean_mask(indices, kept)
    shape = tf.stack([tf.cast(first_piece.nrows(), tf.int32), time])
    labels = tf.scatter_nd(
        indices, tf.boolean_mask(tf.cast(word_labels.flat_values, tf.int32), kept), shape)
    weights = tf.scatter_nd(indices, tf.ones_like(indices[:, 0], tf.float32), shape)
    return labels, weights


def word_predictions(logits, first_piece, outside_id):
    """Each word's predicted label id: the argmax at its first piece; `outside_id` if cut.

    Args:
        logits: (batch, time, labels) float.
        first_piece: (batch, words) int32 `tf.RaggedTensor` from `pack_words`.
        outside_id: int, the label of a word that was cut (`O`).

    Returns:
        (batch, words) int32 `tf.RaggedTensor`.
    """
    predicted = tf.argmax(logits, axis=-1, output_type=tf.int32)  # (batch, time)
    position = first_piece.flat_values
    indices = tf.stack([tf.cast(first_piece.value_rowids(), tf.int32),
                        tf.maximum(position, 0)], axis=1)
    labels = tf.where(position >= 0, tf.gather_nd(predicted, indices), outside_id)
    return first_piece.with_flat_values(labels)
