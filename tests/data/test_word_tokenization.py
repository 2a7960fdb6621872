"""word_tokenize: NLTK's tokenizers that need no data, and a clear message for punkt."""

import pytest

from kerazoo.data import MissingNLTKDataError, nltk_stop_words, word_tokenize

TEXT = 'They don\'t sing, "ever".\nMr. Smith paid $3.50 today.'


def test_treebank_splits_each_line_by_penn_treebank_conventions():
    assert word_tokenize(TEXT) == [
        "They", "do", "n't", "sing", ",", "``", "ever", "''", ".",
        "Mr.", "Smith", "paid", "$", "3.50", "today", ".",
    ]


def test_regexp_and_whitespace():
    assert word_tokenize("can't stop, won't", method="regexp") == [
        "can", "'", "t", "stop", ",", "won", "'", "t"]
    assert word_tokenize("a  b\tc", method="regexp", pattern=r"\S+") == ["a", "b", "c"]
    assert word_tokenize(" a <unk> N \n b ", method="whitespace") == ["a", "<unk>", "N", "b"]


@pytest.fixture
def no_nltk_data(monkeypatch, tmp_path):
    import nltk

    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])


def test_punkt_without_its_data_says_how_to_install_it(no_nltk_data):
    with pytest.raises(MissingNLTKDataError, match=r"python -m nltk\.downloader punkt_tab"):
        word_tokenize(TEXT, method="punkt")


def test_stop_words_without_their_data_say_how_to_install_them(no_nltk_data):
    with pytest.raises(MissingNLTKDataError, match=r"python -m nltk\.downloader stopwords"):
        nltk_stop_words("english")


def test_the_error_is_both_a_lookup_error_and_a_value_error():
    assert issubclass(MissingNLTKDataError, LookupError)
    assert issubclass(MissingNLTKDataError, ValueError)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`method` must be one of"):
        word_tokenize("a", method="spacy")
    with pytest.raises(TypeError, match="must be a str"):
        word_tokenize(["a"])
