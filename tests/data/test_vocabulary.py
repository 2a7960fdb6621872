"""Vocabulary: reserved tokens first, frequency order, size cap, minimum frequency, files."""

import collections

import pytest

from kerazoo.data import Vocabulary

WORDS = "the cat saw the dog and the cat ran".split()


def test_build_orders_by_frequency_then_spelling_after_the_reserved_tokens():
    vocabulary = Vocabulary.build(WORDS)
    assert vocabulary.tokens == (
        "<PAD>", "<UNK>", "<BOS>", "<EOS>", "the", "cat", "and", "dog", "ran", "saw")
    assert (vocabulary.padding_id, vocabulary.unknown_id, vocabulary.start_id,
            vocabulary.end_id) == (0, 1, 2, 3)
    assert Vocabulary.build(collections.Counter(WORDS)) == vocabulary


def test_size_cap_and_minimum_frequency():
    assert Vocabulary.build(WORDS, max_size=6).tokens[4:] == ("the", "cat")
    assert Vocabulary.build(WORDS, min_frequency=2).tokens[4:] == ("the", "cat")
    assert len(Vocabulary.build(WORDS, max_size=100)) == 10


def test_unknown_words_encode_as_the_unknown_token_and_decode_shows_it():
    vocabulary = Vocabulary.build(WORDS, min_frequency=2)
    ids = vocabulary.encode(["the", "dog", "cat"])
    assert ids == [4, 1, 5]
    assert vocabulary.decode(ids) == ["the", "<UNK>", "cat"]
    assert vocabulary.id_of("zebra") == 1 and "zebra" not in vocabulary


def test_reserved_spellings_can_change_and_their_occurrences_are_not_counted():
    vocabulary = Vocabulary.build(
        "a <unk> b <eos> a <eos>".split(), unknown_token="<unk>", end_token="<eos>")
    assert vocabulary.tokens == ("<PAD>", "<unk>", "<BOS>", "<eos>", "a", "b")


def test_save_and_load_round_trip(tmp_path):
    vocabulary = Vocabulary.build(WORDS)
    vocabulary.save(tmp_path / "vocabulary.txt")
    text = (tmp_path / "vocabulary.txt").read_text(encoding="utf-8")
    assert text.splitlines()[:5] == ["<PAD>", "<UNK>", "<BOS>", "<EOS>", "the"]
    assert Vocabulary.load(tmp_path / "vocabulary.txt") == vocabulary


@pytest.mark.parametrize(
    "content, match",
    [
        ("<PAD>\n<UNK>\n<BOS>\n<EOS>\na\nb\na\n", r"'a' is at lines \[5, 7\]"),
        ("<PAD>\n<UNK>\n<BOS>\n<EOS>\na\n\nb\n", "line 6 is ''"),
        ("<PAD>\n<UNK>\n<BOS>\n<EOS>\na b\n", "line 5 is 'a b'"),
        ("the\ncat\nsat\non\nmat\n", r"lacks its reserved tokens: lines 1-4 must be"),
        ("<UNK>\n<PAD>\n<BOS>\n<EOS>\na\n", r"lacks its reserved tokens"),
        ("", "is empty"),
    ],
    ids=["duplicates", "empty-line", "whitespace", "no-reserved", "reserved-order", "empty"],
)
def test_bad_vocabulary_files_name_the_file_and_the_problem(tmp_path, content, match):
    path = tmp_path / "vocabulary.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=match) as error:
        Vocabulary.load(path)
    assert "vocabulary.txt" in str(error.value)


def test_bad_arguments():
    with pytest.raises(ValueError, match="needs a corpus with at least one word"):
        Vocabulary.build([])
    with pytest.raises(TypeError, match="not one str"):
        Vocabulary.build("the cat")
    with pytest.raises(ValueError, match="must exceed the 4 reserved tokens"):
        Vocabulary.build(WORDS, max_size=4)
    with pytest.raises(ValueError, match="min_frequency"):
        Vocabulary.build(WORDS, min_frequency=0)
    with pytest.raises(ValueError, match="must differ"):
        Vocabulary.build(WORDS, unknown_token="<PAD>")
    with pytest.raises(ValueError, match="hold no whitespace"):
        Vocabulary.build(["two words"])
    with pytest.raises(ValueError, match="must start with its reserved tokens"):
        Vocabulary(["a", "<PAD>", "<UNK>", "<BOS>", "<EOS>"])
    with pytest.raises(ValueError, match="must not repeat"):
        Vocabulary(["<PAD>", "<UNK>", "<BOS>", "<EOS>", "a", "a"])
    with pytest.raises(ValueError, match=r"must be in \[0, 5\)"):
        Vocabulary.build(["a"]).token_of(5)
