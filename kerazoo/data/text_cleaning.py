"""Text cleaning with explicit options, before word tokenization.

Every step is one keyword argument of `clean_text`, applied in this order:

1. `strip_html`: remove HTML markup and keep the text: tags go, block tags
   (`<p>`, `<br>`, `<div>`, headings, list items, table rows) become line
   breaks (one between two blocks; line breaks in the HTML source are
   spaces, as a browser shows them), the contents of `<script>` and `<style>` go, and character
   references (`&amp;`, `&#233;`) are decoded. Off by default: it would also
   remove tag-like words such as Penn Treebank's `<unk>`.
2. `unicode_form`: Unicode normalization, `"NFC"` (the default: composed
   characters, nothing else changes), `"NFKC"` (also folds compatibility
   characters: ligatures, full-width letters, superscripts), `"NFD"`,
   `"NFKD"`, or None to leave the text as it is.
3. `lowercase`: `str.lower`. Off by default.
4. `punctuation`: `"keep"` (the default) or `"drop"`. Dropping removes every
   Unicode punctuation character (categories P*): an apostrophe between two
   letters is removed (`don't` -> `dont`), any other punctuation becomes a
   space (`end.Start` -> `end Start`).
5. `normalize_whitespace`: on by default. Line endings become `\\n`, every
   other run of whitespace (tabs, no-break and other Unicode spaces) becomes
   one space, and lines lose their leading and trailing spaces. Line breaks
   themselves stay: a language model may use them (Penn Treebank has one
   sentence per line).
6. `stop_words`: None (the default: wrong for language modelling, where
   every word is predicted), `"english"` or another language of NLTK's
   stop-word lists (needs NLTK's `stopwords` data, see
   `kerazoo.data.word_tokenization.nltk_stop_words`), or any collection of
   words. Words (whitespace-separated) whose lowercase form is a stop word
   are removed; the words left on a line are joined by single spaces. Use it
   for bag-of-words features, not for language models.
"""

import html
import html.parser
import re
import unicodedata

from kerazoo.data.word_tokenization import nltk_stop_words

UNICODE_FORMS = ("NFC", "NFKC", "NFD", "NFKD")
PUNCTUATION_MODES = ("keep", "drop")

# Tags that separate blocks of text: each becomes a line break.
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table td th tr ul".split()
)
_HIDDEN_TAGS = frozenset(("script", "style", "template", "noscript"))
_APOSTROPHES = "'\u2019"
_SPACES = re.compile(r"[^\S\n]+")


def clean_text(
    text,
    *,
    strip_html=False,
    unicode_form="NFC",
    lowercase=False,
    punctuation="keep",
    normalize_whitespace=True,
    stop_words=None,
):
    """Cleans one text with the options the module docstring describes.

    Args:
        text: str.
        strip_html: bool, remove HTML markup. Defaults to False.
        unicode_form: `"NFC"`, `"NFKC"`, `"NFD"`, `"NFKD"` or None.
            Defaults to `"NFC"`.
        lowercase: bool. Defaults to False.
        punctuation: `"keep"` or `"drop"`. Defaults to `"keep"`.
        normalize_whitespace: bool. Defaults to True.
        stop_words: None, a language name of NLTK's stop-word lists (e.g.
            `"english"`), or a collection of str. Defaults to None.

    Returns:
        str, the cleaned text.

    Raises:
        TypeError: If `text` is not a str, or an option has the wrong type.
        ValueError: If an option has an unknown value, or NLTK's stop-word
            data is needed and missing (the message says how to install it).

    Example:
    >>> clean_text("<p>Fish&nbsp;&amp; CHIPS</p><p>Don't  stop!</p>",
    ...            strip_html=True, lowercase=True, punctuation="drop")
    'fish chips\\ndont stop'
    """
    if not isinstance(text, str):
        raise TypeError(
            f"`text` must be a str. Received: text of type {type(text).__name__}."
        )
    for name, value in (
        ("strip_html", strip_html),
        ("lowercase", lowercase),
        ("normalize_whitespace", normalize_whitespace),
    ):
        if not isinstance(value, bool):
            raise TypeError(f"`{name}` must be a bool. Received: {name}={value!r}.")
    if unicode_form is not None and unicode_form not in UNICODE_FORMS:
        raise ValueError(
            f"`unicode_form` must be one of {UNICODE_FORMS} or None. Received: "
            f"unicode_form={unicode_form!r}."
        )
    if punctuation not in PUNCTUATION_MODES:
        raise ValueError(
            f"`punctuation` must be one of {PUNCTUATION_MODES}. Received: "
            f"punctuation={punctuation!r}."
        )
    stop_words = _stop_word_set(stop_words)

    if strip_html:
        text = _strip_html(text)
    if unicode_form is not None:
        text = unicodedata.normalize(unicode_form, text)
    if lowercase:
        text = text.lower()
    if punctuation == "drop":
        text = _drop_punctuation(text)
    if normalize_whitespace:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = "\n".join(_SPACES.sub(" ", line).strip(" ") for line in text.split("\n"))
    if stop_words:
        text = "\n".join(
            " ".join(word for word in line.split() if word.lower() not in stop_words)
            for line in text.split("\n")
        )
    return text


def _stop_word_set(stop_words):
    if stop_words is None:
        return frozenset()
    if isinstance(stop_words, str):
        return nltk_stop_words(stop_words)
    try:
        words = frozenset(stop_words)
    except TypeError:
        words = None
    if words is None or not all(isinstance(word, str) for word in words):
        raise TypeError(
            "`stop_words` must be None, a language name of NLTK's stop-word lists "
            "(e.g. 'english'), or a collection of str. Received: "
            f"{type(stop_words).__name__}."
        )
    return frozenset(word.lower() for word in words)


def _drop_punctuation(text):
    pieces = []
    for index, char in enumerate(text):
        if not unicodedata.category(char).startswith("P"):
            pieces.append(char)
        elif (
            char in _APOSTROPHES
            and 0 < index < len(text) - 1
            and text[index - 1].isalpha()
            and text[index + 1].isalpha()
        ):
            continue
        else:
            pieces.append(" ")
    return "".join(pieces)


class _TextExtractor(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag in _BLOCK_TAGS:
            self.pieces.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.pieces.append("\n")

    def handle_endtag(self, tag):
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.pieces.append("\n")

    def handle_data(self, data):
        # Line breaks in HTML source are spaces; only block tags break lines.
        if not self._hidden:
            self.pieces.append(data.replace("\r", " ").replace("\n", " "))


def _strip_html(text):
    extractor = _TextExtractor()
    extractor.feed(text)
    extractor.close()
    text = "".join(extractor.pieces)
    # A bare "&" the parser left alone, and no-break spaces, read as text.
    text = html.unescape(text).replace("\u00a0", " ")
    # Block tags next to each other leave runs of line breaks: one is kept,
    # and none at the ends.
    text = re.sub(r"[^\S\n]*\n\s*", "\n", text)
    return text.strip("\n")
