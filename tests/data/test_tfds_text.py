import pytest
import tensorflow_datasets as tfds

from kerazoo.data.tfds_text import parse_tfds_source, read_tfds_documents
from tests.data.tfds_mock import serve


@pytest.mark.parametrize(
    "source, expected",
    [
        ("tfds:tiny_shakespeare", ("tiny_shakespeare", "train")),
        ("tfds:tiny_shakespeare:test", ("tiny_shakespeare", "test")),
        ("tfds:wiki40b/en:validation[:10%]", ("wiki40b/en", "validation[:10%]")),
    ],
)
def test_parse_source(source, expected):
    assert parse_tfds_source(source) == expected


@pytest.mark.parametrize("source", ["tfds:", "tfds::train", "tiny_shakespeare"])
def test_parse_rejects_bad_source(source):
    with pytest.raises(ValueError, match="`source`"):
        parse_tfds_source(source)


def test_reads_text_feature_of_every_example(tmp_path):
    as_dataset, calls = serve({"text": ["First Citizen:\n", "Before we proceed"]})
    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        documents = read_tfds_documents(
            "tfds:tiny_shakespeare:validation", data_dir=tmp_path
        )
    assert documents == ["First Citizen:\n", "Before we proceed"]
    assert calls == [("tiny_shakespeare", "validation")]


def test_generated_mock_data_loads(tmp_path):
    with tfds.testing.mock_data(num_examples=3):
        documents = read_tfds_documents("tfds:tiny_shakespeare", data_dir=tmp_path)
    assert len(documents) == 3 and all(isinstance(d, str) for d in documents)


def test_configurable_text_feature(tmp_path):
    as_dataset, _ = serve({"content": ["abc"], "label": [1]})
    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        assert read_tfds_documents(
            "tfds:tiny_shakespeare", data_dir=tmp_path, text_feature="content"
        ) == ["abc"]
        match = r"'text' is not a feature .* \['content', 'label'\]"
        with pytest.raises(ValueError, match=match):
            read_tfds_documents("tfds:tiny_shakespeare", data_dir=tmp_path)
        with pytest.raises(ValueError, match="must be a string scalar"):
            read_tfds_documents(
                "tfds:tiny_shakespeare", data_dir=tmp_path, text_feature="label"
            )


def test_non_utf8_example(tmp_path):
    as_dataset, _ = serve({"text": [b"fine", b"caf\xe9"]})
    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        with pytest.raises(ValueError, match=r"example 1 .* byte 0xe9 at byte offset 3"):
            read_tfds_documents("tfds:tiny_shakespeare", data_dir=tmp_path)


def test_unprepared_dataset_is_not_downloaded(tmp_path):
    with pytest.raises(ValueError, match="is not prepared in .* does not download"):
        read_tfds_documents("tfds:tiny_shakespeare", data_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_dataset(tmp_path):
    with pytest.raises(ValueError, match="'no_such_corpus', which is not a TFDS dataset"):
        read_tfds_documents("tfds:no_such_corpus", data_dir=tmp_path)
