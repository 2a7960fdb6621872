"""Translation pairs from prepared TFDS datasets, tested offline with `tfds.testing.mock_data`."""

import pytest
import tensorflow_datasets as tfds

from kerazoo.data.tfds_parallel import read_tfds_parallel_corpus
from tests.data.tfds_mock import serve

PAIRS = {"de": ["Ein Haus. ", "", "Zwei Hunde.", "Ein Boot."],
         "en": [" A house.", "A lost line.", "Two dogs.", "  "]}


def test_reads_the_two_languages_dropping_empty_pairs(tmp_path):
    as_dataset, calls = serve(PAIRS)
    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        corpus = read_tfds_parallel_corpus("tfds:wmt14_translate/de-en:test", data_dir=tmp_path)
        reverse = read_tfds_parallel_corpus("tfds:wmt14_translate/de-en", "en", "de",
                                            data_dir=tmp_path)
    assert (corpus.sources, corpus.targets, corpus.dropped_empty) == (
        ["Ein Haus.", "Zwei Hunde."], ["A house.", "Two dogs."], 2)
    assert (reverse.sources, reverse.targets) == (corpus.targets, corpus.sources)
    assert calls == [("wmt14_translate", "test"), ("wmt14_translate", "train")]


def test_reads_a_translation_feature_as_tfds_defines_it(tmp_path):
    # Generated examples of the real feature specs: WMT's `Translation`, TED's two `Text`s.
    with tfds.testing.mock_data(num_examples=3):
        wmt = read_tfds_parallel_corpus("tfds:wmt14_translate/de-en:validation",
                                        data_dir=tmp_path)
        ted = read_tfds_parallel_corpus("tfds:ted_hrlr_translate/pt_to_en", "pt", "en",
                                        data_dir=tmp_path)
    for corpus in (wmt, ted):
        assert len(corpus.sources) + corpus.dropped_empty == 3
        assert all(isinstance(text, str) and text for text in corpus.sources + corpus.targets)


def test_a_language_the_dataset_lacks_is_named_with_the_features(tmp_path):
    as_dataset, _ = serve(PAIRS)
    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        with pytest.raises(ValueError, match=r"`source_language` 'fr' is not a feature of "
                                             r"'tfds:wmt14_translate/de-en'.* \['de', 'en'\]"):
            read_tfds_parallel_corpus("tfds:wmt14_translate/de-en", "fr", "en",
                                      data_dir=tmp_path)
        with pytest.raises(ValueError, match=r"`target_language` 'EN' is not a feature"):
            read_tfds_parallel_corpus("tfds:wmt14_translate/de-en", "de", "EN",
                                      data_dir=tmp_path)
        with pytest.raises(ValueError, match="must differ; both are 'de'"):
            read_tfds_parallel_corpus("tfds:wmt14_translate/de-en", "de", "de",
                                      data_dir=tmp_path)


def test_no_pair_left_and_bad_utf8(tmp_path):
    as_dataset, _ = serve({"de": ["", "Haus"], "en": ["house", " "]})
    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        with pytest.raises(ValueError, match="no pair has two non-empty sentences"):
            read_tfds_parallel_corpus("tfds:wmt14_translate/de-en", data_dir=tmp_path)
    as_dataset, _ = serve({"de": [b"gut", b"Caf\xe9"], "en": [b"good", b"cafe"]})
    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        with pytest.raises(ValueError, match=r"example 1 \('de'\) is not valid UTF-8"):
            read_tfds_parallel_corpus("tfds:wmt14_translate/de-en", data_dir=tmp_path)


def test_an_unprepared_dataset_is_not_downloaded(tmp_path):
    with pytest.raises(ValueError, match="is not prepared in .* does not download"):
        read_tfds_parallel_corpus("tfds:ted_hrlr_translate/pt_to_en", "pt", "en",
                                  data_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []
