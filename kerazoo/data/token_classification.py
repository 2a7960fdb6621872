"""Tagged sentences for token classification (NER): word tags onto word pieces, bucketed batches.

Each sentence is packed as `[CLS] pieces [SEP]`; a word's tag id is the label of its first
piece, with sample weight 1, and every other position (later pieces of a word, `[CLS]`,
`[SEP]`, padding) has weight 0, so the loss and metrics count each word once. Batches are
bucketed by length as `classification_dataset`'s are.
"""

import numpy as np
import tensorflow as tf

from kerazoo.data.bio_tags import OUTSIDE, tag_scheme
from kerazoo.data.bucketing import bucket_by_length
from kerazoo.data.word_pieces import pack_words, piece_labels, word_pieces


def tag_names_of(tags):
    """The tag set of training sentences: `O` first, then the others sorted.

    Raises:
        ValueError: there is no entity tag, or the tags are not BIO tags
            (`kerazoo.data.bio_tags.tag_scheme`).
    """
    names = sorted({tag for sentence in tags for tag in sentence} - {OUTSIDE})
    if not names:
        raise ValueError(
            f"The training tags are all {OUTSIDE!r}: a tagger needs entity tags "
            "(`B-TYPE`/`I-TYPE`) to learn from."
        )
    names = [OUTSIDE] + names
    tag_scheme(names)
    return names


def tag_ids(tags, label_names, source="data"):
    """Each word's index in `label_names`, as a (sentences, words) int32 `tf.RaggedTensor`.

    Raises:
        ValueError: a tag is not one of `label_names` (names the unknown ones).
    """
    index = {name: i for i, name in enumerate(label_names)}
    unknown = sorted({tag for sentence in tags for tag in sentence} - set(index))
    if unknown:
        raise ValueError(
            f"{source} has tag(s) {unknown[:10]} that the model does not know; its tags are "
            f"{list(label_names)}."
        )
    return tf.ragged.constant([[index[tag] for tag in sentence] for sentence in tags],
                              dtype=tf.int32, row_splits_dtype=tf.int64)


def words_tensor(words):
    """(sentences, words) tf.string `tf.RaggedTensor` of lists of words."""
    return tf.ragged.constant(words, dtype=tf.string, row_splits_dtype=tf.int64)


def tagging_examples(words, word_labels, tokenizer, special_ids, sequence_length):
    """Packed token ids, piece labels and weights of each sentence, unpadded.

    Args:
        words: (sentences, None) tf.string `tf.RaggedTensor` (`words_tensor`).
        word_labels: (sentences, None) int32 `tf.RaggedTensor` (`tag_ids`).
        tokenizer: the WordPiece tokenizer.
        special_ids: `kerazoo.data.special_token_ids(tokenizer)`.
        sequence_length: int, the longest packed sentence; longer ones are cut.

    Returns:
        `(token_ids, labels, weights)`: (sentences, None) `tf.RaggedTensor`s, int32, int32
        and float32, each row `[CLS] pieces [SEP]` long.
    """
    @tf.function
    def make(words, word_labels):
        pieces = word_pieces(tokenizer, words, special_ids["unknown"])
        inputs, first_piece = pack_words(pieces, special_ids, sequence_length)
        labels, weights = piece_labels(first_piece, word_labels, tf.shape(inputs["token_ids"])[1])
        lengths = tf.reduce_sum(inputs["padding_mask"], axis=1)
        return tuple(tf.RaggedTensor.from_tensor(x, lengths=lengths)
                     for x in (inputs["token_ids"], labels, weights))

    return make(words, word_labels)


def tagging_dataset(token_ids, labels, weights, special_ids, sequence_length, batch_size, *,
                    shuffle=False, seed=None, drop_remainder=False):
    """Length-bucketed batches of `(inputs, labels, sample_weights)`.

    Args:
        token_ids, labels, weights: `tagging_examples`' output.
        special_ids: `kerazoo.data.special_token_ids(tokenizer)`.
        sequence_length: int, the longest packed sentence.
        batch_size: int, sentences per batch.
        shuffle: reshuffle the sentences on every pass (training).
        seed: int, the shuffle's seed.
        drop_remainder: drop each bucket's last partial batch.

    Returns:
        A `tf.data.Dataset` of `({"token_ids", "segment_ids", "padding_mask"}, labels,
        sample_weights)`, each (batch, time), time the longest sentence of the batch.
    """
    dataset = tf.data.Dataset.from_tensor_slices((token_ids, labels, weights))
    if shuffle:
        dataset = dataset.shuffle(int(token_ids.nrows()), seed=seed,
                                  reshuffle_each_iteration=True)

    def as_inputs(ids, row_labels, row_weights):
        inputs = {"token_ids": ids, "segment_ids": tf.zeros_like(ids),
                  "padding_mask": tf.ones_like(ids)}
        return inputs, row_labels, row_weights

    dataset = dataset.map(as_inputs, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    padding = ({"token_ids": special_ids["pad"], "segment_ids": 0, "padding_mask": 0}, 0, 0.0)
    return bucket_by_length(dataset, token_ids.row_lengths().numpy(), sequence_length,
                            batch_size, padding, drop_remainder=drop_remainder)


def sentences_cut(weights, words):
    """How many sentences lost words to the length cut (a word kept has weight 1)."""
    kept = tf.reduce_sum(weights, axis=1).numpy()
    return int(np.sum(kept < words.row_lengths().numpy()))
