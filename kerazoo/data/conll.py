"""Tagged sentences in CoNLL format (NER data such as WNUT-17), and the shipped WNUT-17.

A file holds one `word<TAB>tag` line per word (the tag is the last tab-separated field; other
columns between are ignored) and sentences end at lines that are empty after stripping
whitespace (WNUT-17's training file ends many sentences with a line holding a single tab).
"""

from typing import NamedTuple

from kerazoo.data.shipped import shipped_path
from kerazoo.data.text_files import read_text_lines

WNUT17_SPLITS = ("train", "dev", "test")


class TaggedSentences(NamedTuple):
    """Sentences as lists of words, and each word's tag."""

    words: list  # list of lists of str
    tags: list  # list of lists of str, as written in the file


def read_conll(path):
    """The tagged sentences of a CoNLL file (see the module docstring).

    Raises:
        ValueError: the file is missing, empty or not UTF-8, a non-blank line has no tab, or
            there is no sentence.
    """
    words, tags = [], []
    sentence_words, sentence_tags = [], []
    for number, line in enumerate(read_text_lines(path, argument="data"), start=1):
        if not line.strip():
            if sentence_words:
                words.append(sentence_words)
                tags.append(sentence_tags)
            sentence_words, sentence_tags = [], []
            continue
        fields = line.rstrip("\r").split("\t")
        if len(fields) < 2 or not fields[0].strip() or not fields[-1].strip():
            raise ValueError(
                f"{str(path)!r} line {number} is {line[:60]!r}: expected `word<TAB>tag` (CoNLL "
                "format, sentences separated by blank lines)."
            )
        sentence_words.append(fields[0].strip())
        sentence_tags.append(fields[-1].strip())
    if sentence_words:
        words.append(sentence_words)
        tags.append(sentence_tags)
    if not words:
        raise ValueError(f"{str(path)!r} holds no tagged sentence.")
    return TaggedSentences(words, tags)


def conll_source(source):
    """`--data` of a tagging task: a WNUT-17 split name (`train`, `dev`, `test`, the shipped
    copy in `data/wnut17/`) or the path of a CoNLL file."""
    if str(source) in WNUT17_SPLITS:
        return shipped_path(f"wnut17/{source}.conll.gz", "Pass `--data PATH` to a CoNLL file")
    return str(source)
