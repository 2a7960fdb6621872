"""Batches for a bidirectional (ELMo) language model: sentences as characters, word targets.

One line of text is one sentence (Penn Treebank's layout); lines longer
than `max_words` words are cut into pieces of at most that many. Each
sentence becomes `<S> words </S>`:

- inputs: its words as character ids, (batch, time, max_characters) int32
  (`kerazoo.layers.character_ids`; padding words are all 0);
- targets: (batch, time, 2) int32 word ids: `[..., 0]` the next word (the
  forward LM's target), `[..., 1]` the previous word (the backward LM's);
  `<S>` and `</S>` are the tokenizer's start and end tokens;
- sample weights: (batch, time, 2) float32, 0 where there is no target
  (after `</S>` forward, before `<S>` backward, and on padding).

Sentences are batched with others of similar length (sorted within pools
of 50 batches), so little of a batch is padding.
"""

import numpy as np
import tensorflow as tf

from kerazoo.layers.character_ids import sentence_character_ids
from kerazoo.utils.checks import check_int

POOL_BATCHES = 50


def lm_sentences(documents, max_words):
    """The sentences (non-empty lines) of documents, cut into pieces of <= `max_words` words.

    Returns:
        list of str, words joined by single spaces.

    Raises:
        ValueError: if the documents hold no words.
    """
    check_int("max_words", max_words, low=1)
    sentences = []
    for document in documents:
        for line in document.splitlines():
            words = line.split()
            sentences.extend(
                " ".join(words[i:i + max_words]) for i in range(0, len(words), max_words))
    if not sentences:
        raise ValueError(
            "The text holds no words (empty, or only whitespace): a bidirectional LM "
            "trains on lines of words. Pass a non-empty text."
        )
    return sentences


def bidirectional_lm_dataset(sentences, tokenizer, max_characters, batch_size, shuffle=False,
                             seed=0, drop_remainder=False):
    """`(character_ids, targets, sample_weights)` batches of sentences (see the module).

    Args:
        sentences: list of str (from `lm_sentences`).
        tokenizer: a `WordTokenizer` with start and end tokens (the targets).
        max_characters: int, character ids per word.
        batch_size: int >= 1.
        shuffle: bool: shuffle the sentences (with `seed`) before pooling
            them by length, and the batches' order. False: sentences sorted by
            length, in one fixed order.
        seed: int.
        drop_remainder: bool, drop the last, smaller batch.

    Returns:
        A finite `tf.data.Dataset`.

    Raises:
        ValueError: if `drop_remainder` leaves no batch.
    """
    check_int("batch_size", batch_size, low=1)
    batches = _length_pooled_batches(sentences, batch_size, shuffle, seed, drop_remainder)
    if not batches:
        raise ValueError(
            f"{len(sentences)} sentence(s) make no full batch of {batch_size}. Use a "
            "smaller --batch-size or more text."
        )
    start_id, end_id = tokenizer.start_token_id, tokenizer.end_token_id
    if start_id is None or end_id is None:
        raise ValueError("The tokenizer needs start and end tokens (the <S> and </S> targets).")

    def encode(texts):
        words = tokenizer.words(texts)
        ids = tokenizer.tokenize(texts)
        rows = ids.nrows()
        ids = tf.concat([tf.fill([rows, 1], start_id), ids, tf.fill([rows, 1], end_id)], 1)
        lengths = tf.cast(ids.row_lengths(), tf.int32)
        ids = ids.to_tensor()  # (batch, time), 0 after </S>.
        time = tf.shape(ids)[1]
        positions = tf.range(time)[None, :]
        padding = tf.zeros_like(ids[:, :1])
        targets = tf.stack([
            tf.concat([ids[:, 1:], padding], 1),  # The next word.
            tf.concat([padding, ids[:, :-1]], 1),  # The previous word.
        ], axis=-1)
        weights = tf.stack([
            positions < lengths[:, None] - 1,
            (positions >= 1) & (positions < lengths[:, None]),
        ], axis=-1)
        characters = sentence_character_ids(words, max_characters)
        return characters, targets, tf.cast(weights, tf.float32)

    dataset = tf.data.Dataset.from_tensor_slices(tf.ragged.constant(batches, dtype=tf.string))
    return dataset.map(lambda texts: encode(texts), num_parallel_calls=tf.data.AUTOTUNE)


def _length_pooled_batches(sentences, batch_size, shuffle, seed, drop_remainder):
    """Lists of sentences of similar length, `batch_size` each (the last maybe fewer)."""
    order = np.arange(len(sentences))
    lengths = np.array([len(s.split()) for s in sentences])
    rng = np.random.default_rng(seed)
    if shuffle:
        rng.shuffle(order)
        pool = batch_size * POOL_BATCHES
        order = np.concatenate([
            chunk[np.argsort(lengths[chunk], kind="stable")]
            for chunk in np.split(order, range(pool, len(order), pool))
        ])
    else:
        order = order[np.argsort(lengths, kind="stable")]
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if drop_remainder and batches and len(batches[-1]) < batch_size:
        batches.pop()
    if shuffle:
        rng.shuffle(batches)
    return [[sentences[i] for i in batch] for batch in batches]
