import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

from kerazoo.data.char_tokenizer import CharTokenizer, read_char_vocabulary

CORPUS = "First Citizen:\nBefore we proceed any further, hear me speak.\n"


def test_ids_are_sorted_characters_like_nanogpt():
    tokenizer = CharTokenizer.from_corpus(CORPUS)
    # nanoGPT's shakespeare_char/prepare.py
    chars = sorted(list(set(CORPUS)))
    stoi = {ch: i for i, ch in enumerate(chars)}
    assert tokenizer.get_vocabulary() == chars
    assert tokenizer.vocabulary_size() == len(chars)
    assert tokenizer.encode(CORPUS) == [stoi[c] for c in CORPUS]
    assert tokenizer.decode(tokenizer.encode(CORPUS)) == CORPUS
    assert tokenizer.end_token_id is None
    assert tokenizer.id_to_token(stoi["F"]) == "F"
    assert tokenizer.token_to_id("\n") == 0


def test_round_trip_beyond_ascii():
    text = "naïve café\t日本語\r\n"
    tokenizer = CharTokenizer.from_corpus(text)
    assert tokenizer.vocabulary_size() == len(set(text))
    assert tokenizer.decode(tokenizer.encode(text)) == text


def test_tokenize_inside_tf_function_gives_ragged_int32():
    tokenizer = CharTokenizer.from_corpus(CORPUS)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def tokenize(strings):
        return tokenizer.tokenize(strings)

    @tf.function
    def detokenize(ids):
        return tokenizer.detokenize(ids)

    ids = tokenize(tf.constant(["hear me", "Before"]))
    assert isinstance(ids, tf.RaggedTensor)
    assert ids.dtype == tf.int32
    assert ids.to_list() == [tokenizer.encode("hear me"), tokenizer.encode("Before")]
    assert detokenize(ids).numpy().tolist() == [b"hear me", b"Before"]


def test_tokenize_scalar_gives_dense_ids():
    tokenizer = CharTokenizer.from_corpus(CORPUS)
    ids = tokenizer.tokenize("speak")
    assert isinstance(ids, tf.Tensor) and ids.dtype == tf.int32
    assert ids.numpy().tolist() == tokenizer.encode("speak")
    assert tokenizer("speak").numpy().tolist() == tokenizer.encode("speak")


def test_in_graph_tokenize_drops_unknown_characters():
    tokenizer = CharTokenizer.from_corpus(CORPUS)
    ids = tf.function(tokenizer.tokenize)(tf.constant("h#e~a§r"))
    assert ids.numpy().tolist() == tokenizer.encode("hear")


def test_detokenize_skips_ids_outside_vocabulary():
    tokenizer = CharTokenizer.from_corpus("ab")
    assert tokenizer.detokenize(tf.constant([0, 7, 1, -1])).numpy() == b"ab"


def test_encode_names_unknown_characters():
    tokenizer = CharTokenizer.from_corpus(CORPUS)
    with pytest.raises(ValueError, match="outside the tokenizer's vocabulary") as info:
        tokenizer.encode("hear me? Yes!")
    message = str(info.value)
    assert "3 characters" in message and "'!?Y'" in message
    assert "training corpus" in message


def test_vocabulary_file_round_trips_control_characters(tmp_path):
    vocabulary = ["\n", "\t", "\r", "\x0b", "\\", '"', " ", "a", "é", "\u2028"]
    tokenizer = CharTokenizer(vocabulary)
    path = tmp_path / "vocabulary.txt"
    tokenizer.save_vocabulary(path)
    lines = path.read_bytes().decode("utf-8").split("\n")
    assert lines[:6] == ["\\n", "\\t", "\\r", "\\u000b", "\\\\", '\\"']
    assert len(lines) == len(vocabulary) + 1 and lines[-1] == ""
    loaded = CharTokenizer.from_vocabulary_file(path)
    assert loaded.get_vocabulary() == vocabulary
    assert [p.name for p in tmp_path.iterdir()] == ["vocabulary.txt"]


def test_vocabulary_file_rejects_multi_character_line(tmp_path):
    path = tmp_path / "vocabulary.txt"
    path.write_text("a\nbc\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2 is 'bc'"):
        read_char_vocabulary(path)


@pytest.mark.parametrize(
    "vocabulary, error, match",
    [
        ([], ValueError, "must not be empty"),
        (["a", "bc"], ValueError, "one-character strings"),
        (["a", "b", "a"], ValueError, r"repeats of \['a'\]"),
        ("abc", TypeError, "list of one-character strings"),
    ],
)
def test_constructor_rejects_bad_vocabulary(vocabulary, error, match):
    with pytest.raises(error, match=match):
        CharTokenizer(vocabulary)


def test_get_config_round_trip():
    tokenizer = CharTokenizer.from_corpus(CORPUS, name="chars")
    config = tokenizer.get_config()
    assert json.loads(json.dumps(config))["vocabulary"] == tokenizer.get_vocabulary()
    rebuilt = CharTokenizer.from_config(config)
    assert rebuilt.name == "chars"
    assert rebuilt.encode(CORPUS) == tokenizer.encode(CORPUS)
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(tokenizer)
    )
    assert isinstance(restored, CharTokenizer)
    assert restored.encode(CORPUS) == tokenizer.encode(CORPUS)


def test_saved_model_reloads_and_uses_only_core_tensorflow_ops(tmp_path):
    tokenizer = CharTokenizer.from_corpus(CORPUS)
    module = tf.Module()
    module.tokenizer = tokenizer
    module.tokenize = tf.function(
        lambda strings: tokenizer.tokenize(strings).to_tensor(default_value=-1),
        input_signature=[tf.TensorSpec([None], tf.string)],
    )
    tf.saved_model.save(module, str(tmp_path))

    reloaded = tf.saved_model.load(str(tmp_path))
    ids = reloaded.tokenize(tf.constant(["hear me", "we"])).numpy()
    np.testing.assert_array_equal(ids[0], tokenizer.encode("hear me"))
    np.testing.assert_array_equal(ids[1], tokenizer.encode("we") + [-1] * 5)

    saved_model = saved_model_pb2.SavedModel()
    saved_model.ParseFromString((tmp_path / "saved_model.pb").read_bytes())
    graph = saved_model.meta_graphs[0].graph_def
    ops = {node.op for node in graph.node}
    ops |= {node.op for function in graph.library.function for node in function.node_def}
    assert "LookupTableFindV2" in ops
    # tensorflow_text's ops are not in tf.raw_ops; core TensorFlow's are.
    assert [op for op in ops if not hasattr(tf.raw_ops, op)] == []
