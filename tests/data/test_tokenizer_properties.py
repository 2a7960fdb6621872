"""Property tests of the tokenizers: any string round-trips or gets a ValueError.

Hypothesis draws the strings; `st.text()` draws every Unicode code point but
the lone surrogates (which no UTF-8 text can hold), and those get tests of
their own.
"""

import functools
import pathlib
import string

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kerazoo.data import CharTokenizer, WordTokenizer, load_byte_pair_tokenizer, train_word_piece

TINY_GPT2 = pathlib.Path(__file__).parents[1] / "convert" / "fixtures" / "tiny_gpt2"
SETTINGS = settings(max_examples=40, deadline=None)
SURROGATES = st.characters(categories=["Cs"])


@functools.cache
def byte_pair():
    return load_byte_pair_tokenizer(TINY_GPT2 / "vocab.json", TINY_GPT2 / "merges.txt")


@functools.cache
def word_piece():
    return train_word_piece(["the cat sat on the mat", "a dog ran to 42 cats"], 80)


def char():
    return CharTokenizer.from_corpus("hello, world\n")


@functools.cache
def word():
    return WordTokenizer.from_corpus(
        ["The cat sat on the mat.", "A dog ran, to 42 cats!\nThe end"], lowercase=True,
        split="punctuation", line_break_token="<EOS>", progress=False)


def escaped(char):
    """How a message shows `char` inside a repr: '\\ud800' for a surrogate."""
    return ascii(char)[1:-1] if not char.isprintable() else char


# Text with GPT-2's tricky parts mixed in: its end token, contractions, runs of spaces.
byte_pair_text = st.lists(
    st.one_of(st.text(), st.sampled_from(["<|endoftext|>", "'s", "'ll", "  ", "\n\n", " \t"]))
).map("".join)


@SETTINGS
@given(text=byte_pair_text)
def test_byte_pair_round_trips_every_string(text):
    tokenizer = byte_pair()
    ids = tokenizer.encode(text)
    assert all(0 <= i < tokenizer.vocabulary_size() for i in ids)
    assert tokenizer.decode(ids) == text


@SETTINGS
@given(corpus=st.text(min_size=1), data=st.data())
def test_char_tokenizer_round_trips_its_characters_and_names_the_others(corpus, data):
    tokenizer = CharTokenizer.from_corpus(corpus)
    known = st.sampled_from(sorted(set(corpus)))
    text = data.draw(st.text(alphabet=st.one_of(known, known, st.characters())))
    unknown = set(text) - set(corpus)
    if not unknown:
        assert tokenizer.decode(tokenizer.encode(text)) == text
        return
    with pytest.raises(ValueError, match="outside the tokenizer's vocabulary") as error:
        tokenizer.encode(text)
    assert all(escaped(char) in str(error.value) for char in unknown)


words = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8)


@settings(max_examples=25, deadline=None)
@given(corpus=st.lists(words, min_size=1, max_size=15), data=st.data())
def test_word_piece_round_trips_space_separated_training_words(corpus, data):
    # The documented round trip (`train_word_piece`'s example): words of the
    # training text, one space apart. Punctuation and runs of spaces are not
    # kept, so they are left out here.
    tokenizer = train_word_piece([" ".join(corpus)], 400)
    text = " ".join(data.draw(st.lists(st.sampled_from(corpus), max_size=10)))
    assert tokenizer.decode(tokenizer.encode(text)) == text


@SETTINGS
@given(text=st.text())
def test_word_piece_encodes_any_string_to_valid_ids(text):
    tokenizer = word_piece()
    ids = tokenizer.encode(text)
    assert all(0 <= i < tokenizer.vocabulary_size() for i in ids)
    assert isinstance(tokenizer.decode(ids), str)


@pytest.mark.parametrize("tokenizer", [char, word, word_piece], ids=["char", "word", "word_piece"])
@settings(max_examples=25, deadline=None)
@given(text=st.tuples(st.text(max_size=3), SURROGATES, st.text(max_size=3)).map("".join))
def test_a_lone_surrogate_is_a_value_error_naming_it(tokenizer, text):
    first_surrogate = next(c for c in text if 0xD800 <= ord(c) <= 0xDFFF)
    with pytest.raises(ValueError) as error:
        tokenizer().encode(text)
    assert escaped(first_surrogate) in str(error.value)


def test_byte_pair_lone_surrogate_is_a_value_error_naming_it():
    with pytest.raises(ValueError, match=r"\\ud800"):
        byte_pair().encode("\ud800")


@pytest.mark.parametrize(
    "make", [byte_pair, word_piece, char, word], ids=["byte_pair", "word_piece", "char", "word"]
)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_decode_takes_any_vocabulary_ids_and_names_the_others(make, data):
    tokenizer = make()
    size = tokenizer.vocabulary_size()
    ids = data.draw(st.lists(st.integers(-3, size + 3), max_size=12))
    outside = sorted({i for i in ids if not 0 <= i < size})
    if not outside:
        assert isinstance(tokenizer.decode(np.array(ids, "int64")), str)
        return
    with pytest.raises(ValueError, match="outside the vocabulary") as error:
        tokenizer.decode(ids)
    assert str(outside[0]) in str(error.value)


@SETTINGS
@given(data=st.data())
def test_word_tokenizer_round_trips_any_ids_but_padding(data):
    tokenizer = word()
    ids = data.draw(st.lists(st.integers(1, tokenizer.vocabulary_size() - 1), max_size=20))
    assert tokenizer.encode(tokenizer.decode(ids)) == ids


@SETTINGS
@given(text=st.text())
def test_word_tokenizer_encodes_any_string_to_valid_ids_and_decodes_them(text):
    tokenizer = word()
    ids = tokenizer.encode(text)
    assert all(0 < i < tokenizer.vocabulary_size() for i in ids)
    # Decoding normalizes whitespace and names unknown words; encoding that
    # gives the same ids again.
    assert tokenizer.encode(tokenizer.decode(ids)) == ids
