"""The shipped Penn Treebank: the standard token counts, vocabulary and ids."""

import gzip
import hashlib
import pathlib

import pytest

from kerazoo.data import load_documents, load_ptb_words, ptb_tokenizer, tokenize_documents
from kerazoo.data.ptb import is_ptb_source, ptb_file

DATA = pathlib.Path(__file__).resolve().parents[2] / "data"
# data/README.md: the decompressed files' sha256.
SHA256 = {
    "train": "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf",
    "valid": "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2",
    "test": "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0",
}
# Words with one <eos> per line: the counts every PTB paper uses.
TOKENS = {"train": 929_589, "valid": 73_760, "test": 82_430}


@pytest.fixture(scope="module")
def tokenizer():
    return ptb_tokenizer()


@pytest.mark.parametrize("split", ["train", "valid", "test"])
def test_the_shipped_files_are_the_published_ones(split):
    data = gzip.decompress((DATA / f"ptb.{split}.txt.gz").read_bytes())
    assert hashlib.sha256(data).hexdigest() == SHA256[split]
    assert pathlib.Path(ptb_file(split)).resolve() == (DATA / f"ptb.{split}.txt.gz").resolve()


@pytest.mark.parametrize("split", ["train", "valid", "test"])
def test_words_keep_unk_and_add_eos_per_line(split):
    words = load_ptb_words(split)
    assert len(words) == TOKENS[split]
    assert words.count("<eos>") == {"train": 42_068, "valid": 3_370, "test": 3_761}[split]
    assert "<unk>" in words and words[-1] == "<eos>"


def test_the_tokenizer_has_the_10k_words_and_four_reserved_ids(tokenizer):
    vocabulary = tokenizer.get_vocabulary()
    assert tokenizer.vocabulary_size() == 10_002
    assert vocabulary[:6] == ["<PAD>", "<unk>", "<BOS>", "<eos>", "the", "N"]
    assert set(vocabulary[4:]) | {"<unk>", "<eos>"} == set(load_ptb_words("train"))
    assert tokenizer.end_token_id == 3 and tokenizer.line_break_token == "<eos>"


@pytest.mark.parametrize("split", ["valid", "test"])
def test_tokenizing_the_raw_text_gives_the_standard_ids(tokenizer, split):
    ids = tokenize_documents(load_documents(f"ptb:{split}"), tokenizer, progress=False)
    assert len(ids) == TOKENS[split]
    assert ids.tolist() == tokenizer.vocabulary.encode(load_ptb_words(split))
    assert 1 not in tokenizer.vocabulary.encode(
        [w for w in load_ptb_words(split) if w != "<unk>"])  # A closed vocabulary.


def test_source_names(tmp_path, monkeypatch):
    assert is_ptb_source("ptb") and is_ptb_source("ptb:test") and not is_ptb_source("ptbx")
    with pytest.raises(ValueError, match="Unknown Penn Treebank split 'dev'"):
        load_documents("ptb:dev")
    # A file called "ptb" is a file, not the shipped corpus.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ptb").write_text("my own text\n")
    assert load_documents("ptb") == ["my own text\n"]
