"""Words as character ids, the input of a character CNN (ELMo's encoding), in the graph.

A word is its UTF-8 bytes between a begin-of-word and an end-of-word mark,
padded with 0 to `max_characters`; the sentence boundaries are words of
their own. Ids:

- 0: padding (after the end-of-word mark, and every position of a padded
  word);
- byte `b` -> `b + 1` (1-256);
- 257 begin of word, 258 end of word;
- 259 begin of sentence, 260 end of sentence (the only character of the
  boundary words `<S>` and `</S>`).

A word longer than `max_characters - 2` bytes keeps its first
`max_characters - 2` bytes (it is truncated, as in Peters et al. 2018; a
multi-byte character may be cut). Everything here is core TensorFlow, so a
SavedModel using it reloads with plain `tensorflow`.
"""

import tensorflow as tf

from kerazoo.utils.checks import check_int

PADDING = 0
BEGIN_WORD = 257
END_WORD = 258
BEGIN_SENTENCE = 259
END_SENTENCE = 260
CHARACTER_VOCABULARY_SIZE = 261
DEFAULT_MAX_CHARACTERS = 50


def word_character_ids(words, max_characters=DEFAULT_MAX_CHARACTERS):
    """The character ids of words.

    Args:
        words: tf.string tensor of any shape (or a str / list of str).
        max_characters: int >= 3, ids per word, the two marks included.

    Returns:
        int32 tensor of shape `words.shape + (max_characters,)`.

    Example:
    >>> word_character_ids(["ab"], 5).numpy().tolist()
    [[257, 98, 99, 258, 0]]
    """
    check_int("max_characters", max_characters, low=3)
    words = tf.convert_to_tensor(words, tf.string)
    kept = max_characters - 2
    # decode_raw zero-pads short words and truncates long ones to `kept` bytes.
    raw = tf.io.decode_raw(words, tf.uint8, fixed_length=kept)
    lengths = tf.minimum(tf.strings.length(words), kept)
    inside = tf.range(kept) < lengths[..., None]
    ids = tf.where(inside, tf.cast(raw, tf.int32) + 1, PADDING)
    begin = tf.fill(tf.concat([tf.shape(words), [1]], 0), BEGIN_WORD)
    ids = tf.concat([begin, ids, tf.zeros_like(begin)], axis=-1)
    # The end mark goes right after the last byte, where the id is still 0.
    return ids + END_WORD * tf.one_hot(lengths + 1, max_characters, dtype=tf.int32)


def boundary_character_ids(max_characters=DEFAULT_MAX_CHARACTERS):
    """The character ids of `<S>` and `</S>`: a (2, max_characters) int32 tensor."""
    check_int("max_characters", max_characters, low=3)
    rows = [[BEGIN_WORD, mark, END_WORD] + [PADDING] * (max_characters - 3)
            for mark in (BEGIN_SENTENCE, END_SENTENCE)]
    return tf.constant(rows, tf.int32)


def sentence_character_ids(words, max_characters=DEFAULT_MAX_CHARACTERS):
    """`<S> words </S>` of each sentence as character ids, right-padded.

    Args:
        words: (batch, None) tf.string `tf.RaggedTensor`, the words of each
            sentence (a sentence may have none).
        max_characters: int >= 3.

    Returns:
        (batch, max_words + 2, max_characters) int32: row `i` holds `<S>`,
        its words and `</S>`, then padding words (all ids 0).
    """
    characters = tf.ragged.map_flat_values(word_character_ids, words, max_characters)
    boundaries = boundary_character_ids(max_characters)
    rows = words.nrows()
    begin = tf.RaggedTensor.from_uniform_row_length(
        tf.tile(boundaries[:1], [rows, 1]), uniform_row_length=1)
    end = tf.RaggedTensor.from_uniform_row_length(
        tf.tile(boundaries[1:], [rows, 1]), uniform_row_length=1)
    sentences = tf.concat([begin, characters, end], axis=1)
    return sentences.to_tensor(default_value=PADDING, shape=[None, None, max_characters])


def token_mask(character_ids):
    """(..., time, max_characters) character ids -> (..., time) bool, True for real words."""
    return tf.reduce_any(tf.not_equal(character_ids, PADDING), axis=-1)
