import json

import pytest
import tensorflow as tf

from kerazoo.data.byte_pair import BytePairTokenizer, load_byte_pair_tokenizer


def test_tokenizes_with_merges(byte_pair_files, byte_pair_vocabulary):
    tokenizer = load_byte_pair_tokenizer(*byte_pair_files)
    assert isinstance(tokenizer, BytePairTokenizer)
    assert tokenizer.vocabulary_size() == len(byte_pair_vocabulary)
    ids = tokenizer.encode("the cat sat.")
    assert ids == [byte_pair_vocabulary[t] for t in ("the", "Ġcat", "Ġsat", ".")]
    assert tokenizer.decode(ids) == "the cat sat."


def test_end_of_text_is_the_end_token_and_never_split(
    byte_pair_files, byte_pair_vocabulary
):
    tokenizer = load_byte_pair_tokenizer(*byte_pair_files)
    end = byte_pair_vocabulary["<|endoftext|>"]
    assert tokenizer.end_token_id == end
    assert tokenizer.id_to_token(end) == "<|endoftext|>"
    the = byte_pair_vocabulary["the"]
    assert tokenizer.encode("the<|endoftext|>the") == [the, end, the]


def test_no_end_token_without_end_of_text(byte_pair_files):
    vocabulary_file, merges_file = byte_pair_files
    vocabulary = json.loads(vocabulary_file.read_text(encoding="utf-8"))
    del vocabulary["<|endoftext|>"]
    vocabulary_file.write_text(json.dumps(vocabulary), encoding="utf-8")
    tokenizer = load_byte_pair_tokenizer(vocabulary_file, merges_file)
    assert tokenizer.end_token_id is None
    assert tokenizer.encode("the cat") == [vocabulary["the"], vocabulary["Ġcat"]]


def test_graph_tokenize_matches_encode(byte_pair_files):
    tokenizer = load_byte_pair_tokenizer(*byte_pair_files)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def tokenize(strings):
        return tokenizer.tokenize(strings)

    ids = tokenize(tf.constant(["the cat", "sat.\n\nthe"]))
    assert ids.dtype == tf.int32
    assert ids.to_list() == [tokenizer.encode("the cat"), tokenizer.encode("sat.\n\nthe")]


def test_get_config_keeps_end_token(byte_pair_files):
    tokenizer = load_byte_pair_tokenizer(*byte_pair_files)
    config = tokenizer.get_config()
    assert config["end_token"] == "<|endoftext|>"
    rebuilt = BytePairTokenizer.from_config(
        {**config, "vocabulary": dict(tokenizer.vocabulary), "merges": tokenizer.merges}
    )
    assert rebuilt.end_token_id == 0
    assert rebuilt.encode("the cat") == tokenizer.encode("the cat")


def test_missing_file(tmp_path, byte_pair_files):
    with pytest.raises(ValueError, match="`vocabulary_file` .* does not exist"):
        load_byte_pair_tokenizer(tmp_path / "nope.json", byte_pair_files[1])


@pytest.mark.parametrize(
    "file, content, match",
    [
        (0, '{"a": 0,', "`vocabulary_file` .* is not valid JSON"),
        (0, '["a"]', "mapping each token to an integer id"),
        (0, '{"a": "0"}', "mapping each token to an integer id"),
        (1, "t h\nth e x\n", "`merges_file` .* line 2 is 'th e x'"),
        (1, "t q\n", "not in the vocabulary"),
    ],
    ids=["json", "list", "string-id", "merge-line", "merge-token"],
)
def test_corrupt_files(byte_pair_files, file, content, match):
    byte_pair_files[file].write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        load_byte_pair_tokenizer(*byte_pair_files)
