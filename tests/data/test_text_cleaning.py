"""clean_text: each option does what it says, and nothing happens unasked."""

import pytest

from kerazoo.data import clean_text


def test_the_defaults_only_normalize_unicode_and_whitespace():
    text = "The  Cafe\u0301\tis <b>open</b>,\r\n  isn't it? \u00a0\n"
    # NFC composes e + combining acute; spaces and line ends are normalized.
    assert clean_text(text) == "The Caf\u00e9 is <b>open</b>,\nisn't it?\n"
    assert clean_text(text, unicode_form=None, normalize_whitespace=False) == text


def test_strip_html_keeps_text_breaks_blocks_and_drops_scripts():
    page = (
        "<html><head><style>p {color: red}</style><script>alert(1)</script></head>"
        "<body><h1>Title</h1><p>Fish &amp; chips,\n  caf&eacute; &#233;</p>"
        "<ul><li>one</li><li>two<br>three</li></ul></body></html>"
    )
    assert clean_text(page, strip_html=True) == (
        "Title\nFish & chips, caf\u00e9 \u00e9\none\ntwo\nthree"
    )


def test_strip_html_is_off_by_default_so_ptb_unknown_words_survive():
    assert clean_text("a <unk> word") == "a <unk> word"
    assert clean_text("a <unk> word", strip_html=True) == "a word"


def test_unicode_forms():
    text = "\ufb01ne \uff21 x\u00b2"  # ligature fi, full-width A, superscript 2
    assert clean_text(text) == text
    assert clean_text(text, unicode_form="NFKC") == "fine A x2"
    with pytest.raises(ValueError, match="unicode_form"):
        clean_text(text, unicode_form="NFX")


def test_lowercase_and_punctuation():
    text = "Don't STOP: rock\u2019n\u2019roll, end.Start \u00abquoted\u00bb!"
    assert clean_text(text, lowercase=True) == text.lower()
    assert clean_text(text, punctuation="drop") == "Dont STOP rocknroll end Start quoted"
    with pytest.raises(ValueError, match="punctuation"):
        clean_text(text, punctuation="strip")


def test_stop_words_are_off_by_default_and_take_a_list():
    text = "The cat and THE dog\nsat on a mat"
    assert clean_text(text) == text
    assert clean_text(text, stop_words={"the", "and", "on", "a"}) == "cat dog\nsat mat"


def test_stop_words_from_nltk_without_its_data_say_how_to_install_it(monkeypatch, tmp_path):
    import nltk

    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    with pytest.raises(LookupError, match=r"python -m nltk\.downloader stopwords") as error:
        clean_text("the cat", stop_words="english")
    assert isinstance(error.value, ValueError)  # kerazoo's bad-input kind: one CLI line


@pytest.mark.parametrize(
    "arguments, error",
    [
        ({"text": b"bytes"}, TypeError),
        ({"text": "x", "lowercase": "yes"}, TypeError),
        ({"text": "x", "stop_words": 3}, TypeError),
        ({"text": "x", "stop_words": ["ok", 3]}, TypeError),
    ],
)
def test_bad_arguments_are_named(arguments, error):
    with pytest.raises(error):
        clean_text(**arguments)
