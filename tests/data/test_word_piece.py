import pytest
import tensorflow as tf

from kerazoo.data.word_piece import (
    RESERVED_TOKENS,
    WordPieceTokenizer,
    load_word_piece,
    train_word_piece,
)

TEXTS = [
    "the cat sat on the mat.",
    "the dog sat on the log!",
    "cats and dogs sat together.",
]


@pytest.fixture(scope="module")
def tokenizer():
    return train_word_piece(TEXTS, vocabulary_size=60)


def test_trained_vocabulary_starts_with_reserved_tokens(tokenizer):
    vocabulary = tokenizer.get_vocabulary()
    assert vocabulary[: len(RESERVED_TOKENS)] == list(RESERVED_TOKENS)
    assert len(vocabulary) <= 60
    assert tokenizer.end_token_id == vocabulary.index("[SEP]")
    assert tokenizer.token_to_id("[UNK]") == 3


def test_tokenize_and_detokenize(tokenizer):
    ids = tokenizer.encode("the cat sat on the mat.")
    assert all(isinstance(i, int) for i in ids)
    assert tokenizer.token_to_id("[UNK]") not in ids
    assert tokenizer.decode(ids) == "the cat sat on the mat ."
    assert tokenizer.encode("zebra") == [tokenizer.token_to_id("[UNK]")]


def test_graph_tokenize_matches_encode(tokenizer):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def tokenize(strings):
        return tokenizer.tokenize(strings)

    ids = tokenize(tf.constant(["the dog", "cats sat"]))
    assert isinstance(ids, tf.RaggedTensor) and ids.dtype == tf.int32
    assert ids.to_list() == [tokenizer.encode("the dog"), tokenizer.encode("cats sat")]


def test_trains_from_a_dataset_like_from_a_list(tokenizer):
    from_dataset = train_word_piece(tf.data.Dataset.from_tensor_slices(TEXTS), 60)
    assert from_dataset.get_vocabulary() == tokenizer.get_vocabulary()


def test_lowercase_and_no_end_token():
    tokenizer = train_word_piece(TEXTS, 60, lowercase=True, end_token=None)
    assert tokenizer.end_token_id is None
    assert tokenizer.encode("THE Cat") == tokenizer.encode("the cat")


def test_get_config_keeps_end_token(tokenizer):
    config = tokenizer.get_config()
    assert config["end_token"] == "[SEP]"
    rebuilt = WordPieceTokenizer.from_config(
        {**config, "vocabulary": tokenizer.get_vocabulary()}
    )
    assert rebuilt.end_token_id == tokenizer.end_token_id
    assert rebuilt.encode("the cat") == tokenizer.encode("the cat")


@pytest.mark.parametrize(
    "arguments, error, match",
    [
        ({"texts_or_dataset": [" ", ""]}, ValueError, "no text"),
        ({"texts_or_dataset": ["a", 1]}, TypeError, "texts_or_dataset"),
        ({"vocabulary_size": 5}, ValueError, "must exceed the 5 reserved"),
        ({"vocabulary_size": 50.0}, TypeError, "vocabulary_size"),
        ({"oov_token": "<unk>"}, ValueError, "`oov_token` must be one of"),
        ({"end_token": "[END]"}, ValueError, "`end_token` must be one of"),
    ],
)
def test_bad_arguments(arguments, error, match):
    arguments = {"texts_or_dataset": TEXTS, "vocabulary_size": 50, **arguments}
    with pytest.raises(error, match=match):
        train_word_piece(**arguments)


def test_dataset_of_non_strings_is_rejected():
    with pytest.raises(TypeError, match="tf.string scalars"):
        train_word_piece(tf.data.Dataset.range(3), 50)


def test_vocabulary_equals_keras_hubs_trainer():
    import gzip
    import pathlib

    import keras_hub

    folder = pathlib.Path(__file__).resolve().parents[2] / "data" / "multi30k"
    texts = TEXTS + [
        line
        for language in ("de", "en")
        for line in gzip.decompress((folder / f"val.{language}.gz").read_bytes())
        .decode("utf-8").split("\n")[:150]
    ]
    for lowercase in (False, True):
        ours = train_word_piece(texts, 400, lowercase=lowercase).get_vocabulary()
        theirs = keras_hub.tokenizers.compute_word_piece_vocabulary(
            tf.data.Dataset.from_tensor_slices(texts), 400, lowercase=lowercase,
            reserved_tokens=list(RESERVED_TOKENS))
        assert ours == theirs


def test_load_word_piece_round_trips_and_rejects_bad_files(tokenizer, tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("".join(t + "\n" for t in tokenizer.get_vocabulary()), encoding="utf-8")
    loaded = load_word_piece(str(path))
    assert loaded.get_vocabulary() == tokenizer.get_vocabulary()
    assert loaded.encode("the cat sat") == tokenizer.encode("the cat sat")
    assert loaded.end_token_id == tokenizer.end_token_id

    cases = {
        "": "is empty",
        "[PAD]\n[CLS]\n[SEP]\n[UNK]\n[MASK]\ncat\ncat\n": r"repeats tokens \['cat'\]",
        "[PAD]\n[CLS]\n[SEP]\ncat\n": r"lacks the reserved tokens \['\[UNK\]', '\[MASK\]'\]",
    }
    for text, match in cases.items():
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=match):
            load_word_piece(str(path))
    with pytest.raises(ValueError, match="Cannot read the vocabulary file"):
        load_word_piece(str(tmp_path / "missing.txt"))
    path.write_bytes(b"[PAD]\n[UNK]\n\xff\xfe\n")
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        load_word_piece(str(path))
