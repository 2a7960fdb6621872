"""Extractive QA in TensorFlow ops: context pieces with byte offsets, packing, strided windows,
best answer span.

The same ops make the training features (`kerazoo.data.squad`) and run inside the exported
SavedModel, so an answer found at serving time is cut from the context exactly as evaluation
cuts it.

Offsets: a context is split into words as keras-hub's `WordPieceTokenizer` splits it (on
whitespace; each punctuation mark and CJK character a word of its own), with the byte offsets
of each word (`tensorflow_text.regex_split_with_offsets`); each word is then cut into word
pieces, and every piece carries its word's offsets. An answer is therefore a run of whole
words, `context[start_byte:end_byte]`, as in BERT's SQuAD code.
"""

import keras_hub
import tensorflow as tf
import tensorflow_text as tf_text
from keras_hub.src.tokenizers.word_piece_tokenizer import (
    PUNCTUATION_AND_CJK_REGEX,
    WHITESPACE_PUNCTUATION_AND_CJK_REGEX,
)

# Longest answer considered, in word pieces (BERT's `max_answer_length`).
MAX_ANSWER_LENGTH = 30
_IMPOSSIBLE = -1e9


def pieces_with_offsets(tokenizer, texts):
    """Word-piece ids of `texts` and the byte span in its text of the word each piece is from.

    Args:
        tokenizer: a WordPiece tokenizer (keras-hub's, or kerazoo's subclass).
        texts: (batch,) tf.string.

    Returns:
        `(ids, starts, ends)`: (batch, None) ragged tensors, int32 piece ids and int64 byte
        offsets, `texts[i][starts[i, j]:ends[i, j]]` being the word of piece `j`.
    """
    words, starts, ends = tf_text.regex_split_with_offsets(
        texts, WHITESPACE_PUNCTUATION_AND_CJK_REGEX, PUNCTUATION_AND_CJK_REGEX)
    pieces = tokenizer.tokenize(words.flat_values)  # (words, pieces)
    if not isinstance(pieces, tf.RaggedTensor):
        pieces = tf.RaggedTensor.from_tensor(pieces)
    per_word = tf.cast(pieces.row_lengths(), tf.int64)
    per_text = tf.reduce_sum(tf.RaggedTensor.from_row_lengths(per_word, words.row_lengths()),
                             axis=1)
    ids = tf.RaggedTensor.from_row_lengths(tf.cast(pieces.flat_values, tf.int32), per_text)
    return (ids,
            ids.with_flat_values(tf.repeat(starts.flat_values, per_word)),
            ids.with_flat_values(tf.repeat(ends.flat_values, per_word)))


def question_context_packer(special_ids, sequence_length):
    """keras-hub's `MultiSegmentPacker` making `[CLS] question [SEP] context [SEP]`.

    Called on `(question_ids, context_ids)` ragged batches it returns (batch, sequence_length)
    token ids and segment ids (0 for the question part, 1 for the context part); a pair that
    does not fit loses context pieces from the end first ("waterfall").
    """
    return keras_hub.layers.MultiSegmentPacker(
        sequence_length=sequence_length,
        start_value=special_ids["cls"],
        end_value=special_ids["sep"],
        pad_value=special_ids["pad"],
        truncate="waterfall",
    )


def context_windows(question_lengths, context_lengths, sequence_length, stride):
    """The strided windows of each context, cut as `kerazoo.data.squad.span_features` cuts them.

    A context longer than fits beside its question (`sequence_length - question_length - 3`
    pieces, the window's width) is read in windows of that width starting every `stride`
    pieces, until one reaches the end of the context.

    Args:
        question_lengths: (batch,) int32, pieces of each (already cut) question.
        context_lengths: (batch,) int32, pieces of each context.
        sequence_length: int, the longest packed window; more than `question_length + 3`.
        stride: int >= 1, pieces between the starts of a context's windows.

    Returns:
        `(pair, first, length)`: (windows,) int32, the row of the batch each window reads,
        its first piece among that context's pieces, and its number of pieces. A row's windows
        are consecutive and in order; every row has at least one (an empty context: one window
        of 0 pieces).
    """
    width = sequence_length - question_lengths - 3
    beyond = tf.maximum(context_lengths - width, 0)  # pieces past the first window
    count = 1 + (beyond + stride - 1) // stride  # (batch,)
    pair = tf.repeat(tf.range(tf.size(count)), count)  # (windows,)
    first = tf.ragged.range(count).flat_values * stride
    length = tf.minimum(tf.gather(width, pair), tf.gather(context_lengths, pair) - first)
    return pair, first, length


def best_spans(logits, context_mask, max_answer_length=MAX_ANSWER_LENGTH):
    """The highest-scoring answer span of each row: start <= end < start + max_answer_length.

    Args:
        logits: (batch, 2, time) float32 start and end logits (`BertSpanExtractor`).
        context_mask: (batch, time) int or bool, 1 where a token is a context piece (an answer
            may only start and end there).
        max_answer_length: int, the longest span in pieces.

    Returns:
        `(starts, ends, scores)`: (batch,) int32 positions and float32 `start + end` logits.
    """
    allowed = tf.cast(context_mask, tf.float32)
    start = logits[:, 0] + (1.0 - allowed) * _IMPOSSIBLE
    end = logits[:, 1] + (1.0 - allowed) * _IMPOSSIBLE
    time = tf.shape(logits)[-1]
    # Pairs (i, j) with i <= j < i + max_answer_length.
    band = tf.linalg.band_part(tf.ones([time, time]), 0,
                               tf.minimum(max_answer_length - 1, time - 1))
    pairs = start[:, :, None] + end[:, None, :] + (1.0 - band) * _IMPOSSIBLE  # (batch, time, time)
    flat = tf.reshape(pairs, [tf.shape(pairs)[0], -1])
    best = tf.argmax(flat, axis=-1, output_type=tf.int32)
    return best // time, best % time, tf.reduce_max(flat, axis=-1)
