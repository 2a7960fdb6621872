"""Splitting text into words with NLTK, in Python (before building a vocabulary).

Methods of `word_tokenize`:

- `"treebank"` (the default): NLTK's `TreebankWordTokenizer`, the Penn
  Treebank conventions (`don't` -> `do n't`, punctuation split off, quotes
  as ```` `` ```` and `''`). It expects one sentence at a time and splits a
  period off only at the end of its input, so it is applied line by line.
  Needs no downloaded data.
- `"regexp"`: NLTK's `RegexpTokenizer` with `pattern` (by default
  `WORDS_AND_PUNCTUATION`: runs of word characters, and runs of other
  non-space characters). Needs no data.
- `"whitespace"`: `str.split()`, for text that is already tokenized (Penn
  Treebank's files).
- `"punkt"`: NLTK's `word_tokenize`, which first splits sentences with the
  Punkt model. It needs NLTK's `punkt_tab` data; without it the ValueError
  says how to install it.

These run in Python. The in-graph tokenizer of a served model is
`kerazoo.data.WordTokenizer`, which splits on whitespace (and optionally
around punctuation) with TensorFlow ops: tokenize a corpus here, join the
words with spaces, and the `WordTokenizer` finds the same words.

`nltk_stop_words(language)` loads NLTK's stop-word list (the `stopwords`
data), with the same clear message when it is missing.
"""

import functools

WORD_TOKENIZERS = ("treebank", "regexp", "whitespace", "punkt")
WORDS_AND_PUNCTUATION = r"\w+|[^\w\s]+"


class MissingNLTKDataError(LookupError, ValueError):
    """NLTK data that a chosen option needs is not installed.

    A `LookupError`, as NLTK raises, and a `ValueError`, kerazoo's kind of
    bad-input error (the command line prints its one-line message).
    """


def word_tokenize(text, method="treebank", pattern=WORDS_AND_PUNCTUATION):
    """The words of `text`, in order.

    Args:
        text: str.
        method: one of `WORD_TOKENIZERS` (see the module docstring).
            Defaults to `"treebank"`.
        pattern: str, the regular expression of the `"regexp"` method.

    Returns:
        list of str.

    Raises:
        TypeError: If `text` is not a str.
        ValueError: If `method` is unknown; `MissingNLTKDataError` if
            `"punkt"` is asked for and NLTK's `punkt_tab` data is missing.

    Example:
    >>> word_tokenize("They don't sing.")
    ['They', 'do', "n't", 'sing', '.']
    >>> word_tokenize("They don't sing.", method="regexp")
    ['They', 'don', "'", 't', 'sing', '.']
    """
    if not isinstance(text, str):
        raise TypeError(
            f"`text` must be a str. Received: text of type {type(text).__name__}."
        )
    if method == "whitespace":
        return text.split()
    if method == "treebank":
        tokenizer = _treebank()
        return [word for line in text.splitlines() for word in tokenizer.tokenize(line)]
    if method == "regexp":
        from nltk.tokenize import RegexpTokenizer

        return RegexpTokenizer(pattern).tokenize(text)
    if method == "punkt":
        import nltk

        try:
            return nltk.word_tokenize(text)
        except LookupError:
            raise _missing("punkt_tab", "the 'punkt' word tokenizer") from None
    raise ValueError(
        f"`method` must be one of {WORD_TOKENIZERS}. Received: method={method!r}."
    )


def nltk_stop_words(language="english"):
    """NLTK's stop words of `language`, lowercase.

    Args:
        language: str, a language of NLTK's `stopwords` corpus.

    Returns:
        frozenset of str.

    Raises:
        MissingNLTKDataError: If NLTK's `stopwords` data is not installed.
        ValueError: If NLTK has no list for `language`.
    """
    from nltk.corpus import stopwords

    try:
        languages = stopwords.fileids()
    except LookupError:
        raise _missing("stopwords", "stop-word removal") from None
    if language not in languages:
        raise ValueError(
            f"NLTK has no stop-word list for {language!r}. Available: {sorted(languages)}."
        )
    return frozenset(word.lower() for word in stopwords.words(language))


@functools.cache
def _treebank():
    from nltk.tokenize import TreebankWordTokenizer

    return TreebankWordTokenizer()


def _missing(resource, purpose):
    return MissingNLTKDataError(
        f"NLTK's {resource!r} data, which {purpose} needs, is not installed. "
        f"Install it once with `python -m nltk.downloader {resource}` (or "
        f"`nltk.download({resource!r})`), or use an option that needs no data "
        "(word tokenizers 'treebank', 'regexp', 'whitespace'; stop words as "
        "your own list)."
    )
