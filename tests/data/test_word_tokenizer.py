"""WordTokenizer: the kerazoo tokenizer interface over a Vocabulary, in the graph."""

import json

import numpy as np
import pytest
import tensorflow as tf

from kerazoo.data import (
    CharTokenizer,
    Vocabulary,
    WordTokenizer,
    load_tokenizer,
    save_tokenizer,
    tokenize_documents,
)
from kerazoo.data.corpus import CHUNK_CHARACTERS

CORPUS = ["The cat sat on the mat.", "The dog ran, and the cat ran!"]


def punctuated(**options):
    return WordTokenizer.from_corpus(CORPUS, split="punctuation", progress=False, **options)


def test_it_has_the_interface_of_the_other_kerazoo_tokenizers():
    tokenizer = punctuated()
    for member in ("tokenize", "detokenize", "encode", "decode", "vocabulary_size",
                   "get_vocabulary", "id_to_token", "token_to_id", "end_token_id"):
        assert hasattr(tokenizer, member) and hasattr(CharTokenizer.from_corpus("a"), member)
    assert tokenizer.get_vocabulary()[:4] == ["<PAD>", "<UNK>", "<BOS>", "<EOS>"]
    assert tokenizer.end_token_id == 3 and tokenizer.end_token == "<EOS>"
    assert tokenizer.vocabulary_size() == len(tokenizer.get_vocabulary())
    assert tokenizer.id_to_token(tokenizer.token_to_id("cat")) == "cat"


def test_encode_splits_punctuation_and_maps_unknown_words_to_unk():
    tokenizer = punctuated()
    ids = tokenizer.encode("The bird sat, quietly.")
    assert [tokenizer.id_to_token(i) for i in ids] == ["The", "<UNK>", "sat", ",", "<UNK>", "."]
    assert tokenizer.decode(ids) == "The <UNK> sat , <UNK> ."
    assert tokenizer.encode("") == [] and tokenizer.encode(" \n\t ") == []


def test_lowercase_keeps_the_reserved_tokens():
    tokenizer = punctuated(lowercase=True)
    assert "The" not in tokenizer.get_vocabulary()
    ids = tokenizer.encode("THE Cat <EOS> <UNK> <eos>")
    assert [tokenizer.id_to_token(i) for i in ids] == ["the", "cat", "<EOS>", "<UNK>", "<UNK>"]


def test_line_break_token_round_trips_lines():
    tokenizer = WordTokenizer.from_corpus(
        " a b <unk> \n c a \n", unknown_token="<unk>", end_token="<eos>",
        line_break_token="<eos>", progress=False)
    assert tokenizer.get_vocabulary() == ["<PAD>", "<unk>", "<BOS>", "<eos>", "a", "b", "c"]
    ids = tokenizer.encode(" a b <unk> \n c zzz \n")
    assert ids == [4, 5, 1, 3, 6, 1, 3]
    assert tokenizer.decode(ids) == "a b <unk>\nc <unk>\n"
    assert tokenizer.encode(tokenizer.decode(ids)) == ids


def test_tokenize_and_detokenize_run_in_a_traced_graph_on_batches():
    tokenizer = punctuated()

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def round_trip(texts):
        ids = tokenizer.tokenize(texts)
        return ids.to_tensor(), tokenizer.detokenize(ids)

    padded, texts = round_trip(tf.constant(["the cat sat", "a dog ."]))
    assert padded.dtype == tf.int32
    assert [t.decode() for t in texts.numpy()] == ["the cat sat", "<UNK> dog ."]
    # Padding (id 0) and ids outside the vocabulary add nothing.
    assert tokenizer.detokenize(tf.constant([[5, 0, 0], [99999, 6, 0]])).numpy().tolist() == [
        tokenizer.id_to_token(5).encode(), tokenizer.id_to_token(6).encode()]


def test_long_single_line_documents_keep_their_words_when_chunked():
    tokenizer = punctuated()
    words = ["cat", "sat", "on", "the", "mat"] * (CHUNK_CHARACTERS // 8)
    text = " ".join(words)  # One line, several chunks long.
    ids = tokenize_documents([text], tokenizer, progress=False)
    assert ids.tolist() == tokenizer.vocabulary.encode(words)


def test_from_vocabulary_and_from_vocabulary_file(tmp_path):
    vocabulary = Vocabulary.build("x y y".split())
    assert WordTokenizer(vocabulary).get_vocabulary() == list(vocabulary.tokens)
    vocabulary.save(tmp_path / "vocabulary.txt")
    loaded = WordTokenizer.from_vocabulary_file(tmp_path / "vocabulary.txt", lowercase=True)
    assert loaded.vocabulary == vocabulary and loaded.lowercase


def test_save_and_load_keep_every_setting(tmp_path):
    tokenizer = WordTokenizer.from_corpus(
        "A b\nc", unknown_token="<unk>", end_token="<eos>", line_break_token="<eos>",
        lowercase=True, split="punctuation", progress=False)
    save_tokenizer(tokenizer, tmp_path)
    manifest = json.loads((tmp_path / "tokenizer.json").read_text())
    assert manifest["type"] == "word" and manifest["files"] == {"vocabulary": "vocabulary.txt"}
    assert (tmp_path / "vocabulary.txt").read_text().splitlines()[:4] == [
        "<PAD>", "<unk>", "<BOS>", "<eos>"]
    loaded = load_tokenizer(tmp_path)
    assert type(loaded) is WordTokenizer
    assert loaded.get_config() == tokenizer.get_config()
    assert loaded.encode("A, B\nD") == tokenizer.encode("A, B\nD")


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda lines: lines + [lines[4]], r"is at lines \[5, \d+\]"),
        (lambda lines: lines[4:], "lacks its reserved tokens"),
        (lambda lines: lines[:5] + ["two words"], "line 6 is 'two words'"),
    ],
    ids=["duplicate", "no-reserved", "whitespace"],
)
def test_a_corrupt_vocabulary_file_is_a_clear_error(tmp_path, edit, match):
    save_tokenizer(punctuated(), tmp_path)
    path = tmp_path / "vocabulary.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("".join(line + "\n" for line in edit(lines)), encoding="utf-8")
    with pytest.raises(ValueError, match=match) as error:
        load_tokenizer(tmp_path)
    assert "vocabulary.txt" in str(error.value)


def test_bad_arguments():
    with pytest.raises(ValueError, match="hold no words"):
        WordTokenizer.from_corpus(["", "  \n"], progress=False)
    with pytest.raises(ValueError, match="`split` must be one of"):
        WordTokenizer.from_corpus("a", split="nltk", progress=False)
    with pytest.raises(ValueError, match="`line_break_token` '<NL>' is not in the vocabulary"):
        WordTokenizer(Vocabulary.build(["a"]), line_break_token="<NL>")
    with pytest.raises(ValueError, match="must start with its reserved tokens"):
        WordTokenizer(["a", "b", "c", "d"])
    with pytest.raises(ValueError, match="is not in the vocabulary"):
        punctuated().token_to_id("zebra")
    with pytest.raises(ValueError, match="outside the vocabulary"):
        punctuated().decode(np.array([1, 10_000]))
