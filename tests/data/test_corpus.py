import gzip

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from kerazoo.data import corpus
from kerazoo.data.byte_pair import load_byte_pair_tokenizer
from kerazoo.data.char_tokenizer import CharTokenizer
from kerazoo.data.corpus import load_documents, tokenize_documents


def test_load_documents_from_files(tmp_path, corpus_file):
    packed = tmp_path / "more.txt.gz"
    packed.write_bytes(gzip.compress("second document\n".encode("utf-8")))
    assert load_documents(corpus_file) == [corpus_file.read_text(encoding="utf-8")]
    documents = load_documents([str(corpus_file), packed])
    assert documents[1] == "second document\n"


def test_load_documents_from_tfds(tmp_path):
    def as_dataset(builder, *args, **kwargs):
        return tf.data.Dataset.from_tensor_slices({"text": ["one", "two"]})

    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        assert load_documents("tfds:tiny_shakespeare", data_dir=tmp_path) == ["one", "two"]


def test_load_documents_rejects_bad_sources(tmp_path):
    with pytest.raises(ValueError, match="`source` .*missing.txt' does not exist"):
        load_documents(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="empty list"):
        load_documents([])
    with pytest.raises(TypeError, match="`source` must be a text file path"):
        load_documents(42)


def test_char_documents_are_concatenated_without_separator():
    tokenizer = CharTokenizer.from_corpus("abc\n")
    ids = tokenize_documents(["ab\n", "ca"], tokenizer, progress=False)
    assert ids.dtype == np.int32
    assert ids.tolist() == tokenizer.encode("ab\nca")


def test_end_token_separates_documents(byte_pair_files, byte_pair_vocabulary):
    tokenizer = load_byte_pair_tokenizer(*byte_pair_files)
    ids = tokenize_documents(["the cat", "the"], tokenizer, progress=False)
    tokens = ["the", "Ġcat", "<|endoftext|>", "the"]
    assert ids.tolist() == [byte_pair_vocabulary[token] for token in tokens]


@pytest.mark.parametrize("chunk_characters", [16, 23, 50])
def test_chunks_cut_at_line_starts_do_not_change_tokens(
    monkeypatch, byte_pair_files, chunk_characters
):
    tokenizer = load_byte_pair_tokenizer(*byte_pair_files)
    # Newline runs, a line starting with a space, punctuation before newlines.
    text = "the cat sat.\n\nthe cat\nsat the\n\n cat.\n" * 4 + "the"
    whole = tokenizer.encode(text)
    monkeypatch.setattr(corpus, "CHUNK_CHARACTERS", chunk_characters)
    pieces = list(corpus._chunks(text, chunk_characters))
    assert len(pieces) > 3 and "".join(pieces) == text
    assert all(piece[0] not in " \n" for piece in pieces)
    assert tokenize_documents([text], tokenizer, progress=False).tolist() == whole


def test_lines_longer_than_a_chunk_are_cut_anywhere(monkeypatch):
    text = "abcdefghij\nab"
    tokenizer = CharTokenizer.from_corpus(text)
    monkeypatch.setattr(corpus, "CHUNK_CHARACTERS", 4)
    assert list(corpus._chunks(text, 4)) == ["abcd", "efgh", "ij\n", "ab"]
    ids = tokenize_documents([text], tokenizer, progress=False)
    assert ids.tolist() == tokenizer.encode(text)


def test_progress_bar_counts_characters(capsys, corpus_file):
    text = corpus_file.read_text(encoding="utf-8")
    tokenize_documents([text], CharTokenizer.from_corpus(text), progress=True)
    assert f"{len(text)}/{len(text)}" in capsys.readouterr().err


def test_unknown_characters_stop_tokenizing():
    tokenizer = CharTokenizer.from_corpus("abc")
    with pytest.raises(ValueError, match="'z'.*comes from the training corpus"):
        tokenize_documents(["abz"], tokenizer, progress=False)


def test_no_tokens():
    with pytest.raises(ValueError, match="no text"):
        tokenize_documents([""], CharTokenizer.from_corpus("a"), progress=False)
