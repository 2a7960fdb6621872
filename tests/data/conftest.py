"""Tiny corpora and tokenizer files that the data tests write to tmp_path."""

import json

import pytest

# GPT-2 byte-level symbols: "Ġ" is a space, "Ċ" a newline.
BYTE_PAIR_MERGES = ["t h", "th e", "Ġ c", "a t", "Ġc at", "Ġ s", "Ġs at", "Ċ Ċ"]
BYTE_PAIR_TOKENS = ["<|endoftext|>", "t", "h", "e", "c", "a", "s", ".", "Ġ", "Ċ"] + [
    "".join(merge.split(" ")) for merge in BYTE_PAIR_MERGES
]


@pytest.fixture
def byte_pair_vocabulary():
    """The tiny GPT-2 style vocabulary: token -> id."""
    return {token: i for i, token in enumerate(BYTE_PAIR_TOKENS)}


@pytest.fixture
def byte_pair_files(tmp_path, byte_pair_vocabulary):
    """Writes the tiny `vocab.json` and its `merges.txt`; returns their paths."""
    vocabulary_file = tmp_path / "vocab.json"
    merges_file = tmp_path / "merges.txt"
    vocabulary_file.write_text(json.dumps(byte_pair_vocabulary), encoding="utf-8")
    merges_file.write_text(
        "#version: 0.2\n" + "".join(merge + "\n" for merge in BYTE_PAIR_MERGES),
        encoding="utf-8",
    )
    return vocabulary_file, merges_file


@pytest.fixture
def corpus_file(tmp_path):
    """A small character corpus: 40 numbered lines, 920 characters."""
    path = tmp_path / "corpus.txt"
    lines = [f"line {i:03d}: to be or not\n" for i in range(40)]
    path.write_text("".join(lines), encoding="utf-8")
    return path
