"""One traced tokenizer graph per tokenizer: same ids as keras-hub, no retracing, no leak."""

import gc
import weakref

import keras_hub
import tensorflow as tf

from kerazoo.data.ragged_tokens import ragged_tokenizer, tokenize_to_ragged

VOCABULARY = ["[PAD]", "[UNK]", "the", "cat", "sat", "on", "mat", "##s", "."]


def word_piece():
    return keras_hub.tokenizers.WordPieceTokenizer(vocabulary=VOCABULARY, lowercase=True)


def test_batches_of_any_size_share_one_trace_and_match_the_tokenizer():
    tokenizer = word_piece()
    texts = ["The cats sat.", "", "on the mat", "dog"]
    for size in range(1, len(texts) + 1):
        ids = tokenize_to_ragged(tokenizer, texts[:size])
        assert ids.dtype == tf.int32 and ids.shape[0] == size
    assert ragged_tokenizer(tokenizer) is ragged_tokenizer(tokenizer)
    assert ragged_tokenizer(tokenizer).experimental_get_tracing_count() == 1
    expected = [list(row) for row in tokenizer.tokenize(tf.constant(texts))]  # eager: lists
    assert tokenize_to_ragged(tokenizer, texts).to_list() == expected
    assert expected[0] == [2, 3, 7, 4, 8] and expected[1] == [] and expected[3] == [1]


def test_inside_a_graph_the_tokenizer_runs_in_that_graph():
    tokenizer = word_piece()

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def row_lengths(texts):
        return tokenize_to_ragged(tokenizer, texts).row_lengths()

    assert row_lengths(tf.constant(["the cat", "mats on the mat ."])).numpy().tolist() == [2, 6]


def test_a_discarded_tokenizer_is_not_kept_alive():
    tokenizer = word_piece()
    tokenize_to_ragged(tokenizer, ["the cat"])
    reference = weakref.ref(tokenizer)
    del tokenizer
    gc.collect()
    assert reference() is None
