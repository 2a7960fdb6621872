import numpy as np
import pytest
import tensorflow as tf

from kerazoo.data.char_tokenizer import CharTokenizer


@pytest.fixture
def tokenizer():
    return CharTokenizer.from_corpus("abc")


def test_decode_accepts_lists_arrays_and_tensors(tokenizer):
    assert tokenizer.decode([2, 0, 1]) == "cab"
    assert tokenizer.decode(np.array([2, 0], np.int64)) == "ca"
    assert tokenizer.decode(tf.constant([1, 1])) == "bb"
    assert tokenizer.decode([]) == ""


def test_encode_of_empty_string_is_empty(tokenizer):
    assert tokenizer.encode("") == []


def test_encode_rejects_non_strings(tokenizer):
    with pytest.raises(TypeError, match="`text` must be a str"):
        tokenizer.encode(b"abc")


@pytest.mark.parametrize(
    "ids, error, match",
    [
        ([0, 3], ValueError, r"outside the vocabulary \[0, 3\): \[3\]"),
        ([-1, 0], ValueError, r"\[-1\]"),
        ([[0, 1]], ValueError, "must be 1-D"),
        ([0.0, 1.0], TypeError, "integer token ids"),
        ([True], TypeError, "integer token ids"),
    ],
)
def test_decode_rejects_bad_ids(tokenizer, ids, error, match):
    with pytest.raises(error, match=match):
        tokenizer.decode(ids)
