"""Tagging words with a token classifier, and its SavedModel endpoint: raw strings to entities.

`word_tagger` is the graph both evaluation and the export run: words to word pieces, packed
as `[CLS] pieces [SEP]`, each word's tag the argmax at its first piece (`O` for words cut at
the position table). The endpoint splits raw strings at whitespace (the words of CoNLL data
are whitespace-free), tags the words, delimits entities as conlleval does
(`kerazoo.data.bio_tags`) and answers with each entity's text, type and character offsets.
Reloading needs `tensorflow` and `tensorflow_text`.
"""

import tensorflow as tf
import tensorflow_text as tf_text

from kerazoo.data.bio_tags import entity_spans, tag_scheme
from kerazoo.data.encoder_inputs import special_token_ids
from kerazoo.data.word_pieces import pack_words, word_pieces, word_predictions

_WORDS = tf.RaggedTensorSpec([None, None], tf.string, ragged_rank=1, row_splits_dtype=tf.int64)


def word_tagger(model, tokenizer, sequence_length):
    """A `tf.function`: (batch, None) ragged tf.string words -> tag ids and cut rows.

    Args:
        model: a token classifier with `label_names` (including `O`), taking the encoder
            inputs and returning (batch, time, labels) logits.
        tokenizer: its WordPiece tokenizer.
        sequence_length: int, the longest packed row; pieces past it are cut.

    Returns:
        The function; it answers `(tags, cut)`: tags a (batch, None) int32 `tf.RaggedTensor`,
        a cut word tagged `O`; cut (batch,) bool, whether the row lost words to the cut.
    """
    special = special_token_ids(tokenizer)
    outside = tag_scheme(model.label_names).outside_id

    @tf.function(input_signature=[_WORDS])
    def tag(words):
        pieces = word_pieces(tokenizer, words, special["unknown"])
        inputs, first_piece = pack_words(pieces, special, sequence_length)
        cut = tf.reduce_any(first_piece < 0, axis=1)
        return word_predictions(model(inputs, training=False), first_piece, outside), cut

    return tag


def entity_tagging_endpoint(model, tokenizer, sequence_length):
    """`texts` (batch,) tf.string -> the entities of each text, padded to the most entities.

    Outputs (batch, entities) tensors, padded with "" and -1: `entity_text`, `entity_label`
    (the type, e.g. `person`), `entity_start` and `entity_end` (character offsets in the text,
    end exclusive, so `text[start:end] == entity_text` in Python), and `entity_count`
    (batch,) int32.
    """
    scheme = tag_scheme(model.label_names)
    type_names = tf.constant(list(scheme.type_names) or [""])
    tag = word_tagger(model, tokenizer, sequence_length)
    splitter = tf_text.WhitespaceTokenizer()

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="texts")])
    def entities(texts):
        words, word_starts, word_ends = splitter.tokenize_with_offsets(texts)  # Byte offsets.
        words = words.with_row_splits_dtype(tf.int64)
        tags, _ = tag(words)
        rows, first, last, types = entity_spans(tags, scheme)
        row_starts = tf.gather(tf.cast(word_starts.row_splits, tf.int32), rows)
        byte_start = tf.cast(tf.gather(word_starts.flat_values, row_starts + first), tf.int32)
        byte_end = tf.cast(tf.gather(word_ends.flat_values, row_starts + last), tf.int32)
        text = tf.gather(texts, rows)
        entity_text = tf.strings.substr(text, byte_start, byte_end - byte_start)
        before = tf.strings.substr(text, tf.zeros_like(byte_start), byte_start)
        char_start = tf.strings.length(before, unit="UTF8_CHAR")
        char_end = char_start + tf.strings.length(entity_text, unit="UTF8_CHAR")
        batch = tf.shape(texts, out_type=tf.int64)[0]

        def per_text(values, padding):
            ragged = tf.RaggedTensor.from_value_rowids(values, tf.cast(rows, tf.int64), batch)
            return ragged.to_tensor(default_value=padding)

        return {
            "entity_text": per_text(entity_text, ""),
            "entity_label": per_text(tf.gather(type_names, types), ""),
            "entity_start": per_text(char_start, -1),
            "entity_end": per_text(char_end, -1),
            "entity_count": tf.math.bincount(rows, minlength=tf.cast(batch, tf.int32),
                                             maxlength=tf.cast(batch, tf.int32)),
        }

    return entities
