import json

import keras_hub
import pytest

from kerazoo.data.byte_pair import BytePairTokenizer, load_byte_pair_tokenizer
from kerazoo.data.char_tokenizer import CharTokenizer
from kerazoo.data.tokenizer_io import load_tokenizer, save_tokenizer
from kerazoo.data.word_piece import WordPieceTokenizer, train_word_piece
from kerazoo.data.word_tokenizer import WordTokenizer

TEXT = "the cat sat.\n\tthe cat"


def char_tokenizer(byte_pair_files):
    return CharTokenizer.from_corpus(TEXT)


def word_tokenizer(byte_pair_files):
    return WordTokenizer.from_corpus(TEXT, split="punctuation", progress=False)


def word_piece_tokenizer(byte_pair_files):
    return train_word_piece(["the cat sat", "a cat and the mat"], 40)


def byte_pair_tokenizer(byte_pair_files):
    return load_byte_pair_tokenizer(*byte_pair_files)


@pytest.mark.parametrize(
    "make, cls, files",
    [
        (char_tokenizer, CharTokenizer, ["tokenizer.json", "vocabulary.txt"]),
        (word_tokenizer, WordTokenizer, ["tokenizer.json", "vocabulary.txt"]),
        (word_piece_tokenizer, WordPieceTokenizer, ["tokenizer.json", "vocabulary.txt"]),
        (
            byte_pair_tokenizer,
            BytePairTokenizer,
            ["merges.txt", "tokenizer.json", "vocab.json"],
        ),
    ],
    ids=["char", "word", "word_piece", "byte_pair"],
)
def test_save_and_load_round_trip(tmp_path, byte_pair_files, make, cls, files):
    tokenizer = make(byte_pair_files)
    directory = tmp_path / "saved" / "tokenizer"
    save_tokenizer(tokenizer, directory)
    # Nothing but the final files: the temporary siblings were renamed.
    assert sorted(p.name for p in directory.iterdir()) == files

    loaded = load_tokenizer(directory)
    assert type(loaded) is cls
    assert list(loaded.get_vocabulary()) == list(tokenizer.get_vocabulary())
    assert loaded.encode("the cat sat") == tokenizer.encode("the cat sat")
    assert loaded.end_token_id == tokenizer.end_token_id
    assert loaded.get_config() == tokenizer.get_config()


def test_manifest_names_type_and_files(tmp_path):
    save_tokenizer(CharTokenizer.from_corpus(TEXT), tmp_path)
    manifest = json.loads((tmp_path / "tokenizer.json").read_text(encoding="utf-8"))
    assert manifest["type"] == "char"
    assert manifest["files"] == {"vocabulary": "vocabulary.txt"}
    assert "vocabulary" not in manifest["config"]


def test_save_overwrites_a_saved_tokenizer(tmp_path):
    save_tokenizer(CharTokenizer.from_corpus("abc"), tmp_path)
    save_tokenizer(CharTokenizer.from_corpus("xyz"), tmp_path)
    assert load_tokenizer(tmp_path).get_vocabulary() == ["x", "y", "z"]
    assert len(list(tmp_path.iterdir())) == 2


def test_keras_hub_gpt2_tokenizer_keeps_its_end_token(
    tmp_path, byte_pair_vocabulary, byte_pair_files
):
    merges = byte_pair_files[1].read_text(encoding="utf-8").split("\n")[1:-1]
    gpt2 = keras_hub.tokenizers.GPT2Tokenizer(
        vocabulary=byte_pair_vocabulary, merges=merges
    )
    save_tokenizer(gpt2, tmp_path)
    loaded = load_tokenizer(tmp_path)
    assert isinstance(loaded, BytePairTokenizer)
    assert loaded.end_token_id == gpt2.end_token_id == byte_pair_vocabulary["<|endoftext|>"]
    assert loaded.encode("the cat") == gpt2.tokenize("the cat").tolist()


def test_save_rejects_other_types(tmp_path):
    with pytest.raises(TypeError, match="must be a CharTokenizer, WordTokenizer, WordPieceTokenizer"):
        save_tokenizer(keras_hub.tokenizers.ByteTokenizer(), tmp_path)


def test_save_rejects_a_file_as_directory(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(ValueError, match="exists and is not a folder"):
        save_tokenizer(CharTokenizer.from_corpus("ab"), path)


def test_load_missing_directory(tmp_path):
    with pytest.raises(ValueError, match="is not a folder"):
        load_tokenizer(tmp_path / "missing")
    with pytest.raises(ValueError, match="has no tokenizer.json"):
        load_tokenizer(tmp_path)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda m: "{not json", "not valid JSON"),
        (lambda m: "[]", "not a JSON object"),
        (lambda m: json.dumps({**m, "type": "sentence_piece"}), "type is 'sentence_piece'"),
        (lambda m: json.dumps({**m, "format_version": 9}), "format_version is 9"),
        (lambda m: json.dumps({**m, "files": {}}), "files must name"),
        (
            lambda m: json.dumps({**m, "files": {"vocabulary": "../x.txt"}}),
            "not a plain file name",
        ),
    ],
    ids=["json", "object", "type", "version", "files", "outside"],
)
def test_load_corrupt_manifest(tmp_path, edit, match):
    save_tokenizer(CharTokenizer.from_corpus("ab"), tmp_path)
    manifest_path = tmp_path / "tokenizer.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest_path.write_text(edit(manifest), encoding="utf-8")
    with pytest.raises(ValueError, match="is corrupt: .*" + match):
        load_tokenizer(tmp_path)


def test_load_missing_vocabulary_file(tmp_path):
    save_tokenizer(CharTokenizer.from_corpus("ab"), tmp_path)
    (tmp_path / "vocabulary.txt").unlink()
    with pytest.raises(ValueError, match="vocabulary.txt' does not exist"):
        load_tokenizer(tmp_path)
