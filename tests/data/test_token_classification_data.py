"""CoNLL reading, word tags onto word pieces, and bucketed tagging batches."""

import gzip

import numpy as np
import pytest
import tensorflow as tf

from kerazoo.data import (
    WordPieceTokenizer,
    conll_source,
    read_conll,
    special_token_ids,
    tag_ids,
    tag_names_of,
    tagging_dataset,
    tagging_examples,
    words_tensor,
)
from kerazoo.data.word_pieces import pack_words, word_pieces, word_predictions

VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "new", "york", "is", "big",
              "##gest", "i", "love", "it", "!"]


def tokenizer():
    return WordPieceTokenizer(VOCABULARY, lowercase=True)


def test_reads_sentences_split_by_lines_blank_after_stripping(tmp_path):
    path = tmp_path / "tiny.conll"
    # WNUT-17's training file ends sentences with a line holding one tab.
    path.write_text("New\tB-location\nYork\tI-location\n\t\nI\tO\r\nlove\tO\n\n\nit\tO\n")
    sentences = read_conll(path)
    assert sentences.words == [["New", "York"], ["I", "love"], ["it"]]
    assert sentences.tags == [["B-location", "I-location"], ["O", "O"], ["O"]]
    assert tag_names_of(sentences.tags) == ["O", "B-location", "I-location"]


def test_a_line_without_a_tag_is_refused_with_its_number(tmp_path):
    path = tmp_path / "bad.conll"
    path.write_text("New\tB-location\nYork\n")
    with pytest.raises(ValueError, match="line 2 is 'York': expected `word<TAB>tag`"):
        read_conll(path)


def test_the_shipped_wnut17_has_its_published_counts():
    counts = {}
    for split, sentences, words in (("train", 3394, 62730), ("dev", 1009, 15733),
                                    ("test", 1287, 23394)):
        data = read_conll(conll_source(split))
        counts[split] = (len(data.words), sum(map(len, data.words)))
        assert counts[split] == (sentences, words)
        assert len(tag_names_of(data.tags)) == 13
    with gzip.open(conll_source("train"), "rt", encoding="utf-8") as file:
        assert file.readline() == "@paulwalk\tO\n"


def test_training_tags_must_be_bio_with_an_entity():
    with pytest.raises(ValueError, match="all 'O'"):
        tag_names_of([["O", "O"]])
    with pytest.raises(ValueError, match="not BIO tags"):
        tag_names_of([["O", "PER"]])


def test_unknown_tags_name_themselves():
    with pytest.raises(ValueError, match=r"tag\(s\) \['B-animal'\] that the model does not"):
        tag_ids([["O", "B-animal"]], ["O", "B-person", "I-person"], "dev.conll")


def test_a_words_tag_goes_on_its_first_piece_only():
    words = [["New", "York", "is", "biggest", "!"], ["I", "love", "☃"]]
    names = ["O", "B-location", "I-location"]
    labels = tag_ids([["B-location", "I-location", "O", "O", "O"], ["O", "O", "O"]], names)
    special = special_token_ids(tokenizer())
    ids, piece_labels, weights = tagging_examples(words_tensor(words), labels, tokenizer(),
                                                  special, 16)
    # [CLS] new york is big ##gest ! [SEP]; the snowman is [UNK], still one word.
    assert ids[0].numpy().tolist() == [2, 5, 6, 7, 8, 9, 13, 3]
    assert piece_labels[0].numpy().tolist() == [0, 1, 2, 0, 0, 0, 0, 0]
    assert weights[0].numpy().tolist() == [0, 1, 1, 1, 1, 0, 1, 0]
    assert ids[1].numpy().tolist() == [2, 10, 11, 1, 3]
    assert weights[1].numpy().tolist() == [0, 1, 1, 1, 0]


def test_words_past_the_position_table_are_cut_and_predicted_outside():
    @tf.function
    def pack(words):
        pieces = word_pieces(tokenizer(), words, 1)
        return pack_words(pieces, special_token_ids(tokenizer()), 5)

    inputs, first_piece = pack(words_tensor([["biggest", "new", "york"], ["it"]]))
    # Room for 3 pieces: big ##gest new.
    assert inputs["token_ids"].numpy().tolist() == [[2, 8, 9, 5, 3], [2, 12, 3, 0, 0]]
    assert first_piece.to_list() == [[1, 3, -1], [1]]
    logits = tf.one_hot([[0, 2, 0, 1, 0], [0, 1, 0, 0, 0]], 3)
    assert word_predictions(logits, first_piece, outside_id=0).to_list() == [[2, 1, 0], [1]]


def test_batches_are_bucketed_by_length_with_zero_weight_padding():
    rng = np.random.default_rng(0)
    words = [["new"] * int(n) for n in rng.integers(1, 30, size=40)]
    tags = [["B-location"] * len(row) for row in words]
    names = ["O", "B-location"]
    special = special_token_ids(tokenizer())
    examples = tagging_examples(words_tensor(words), tag_ids(tags, names), tokenizer(),
                                special, 64)
    dataset = tagging_dataset(*examples, special, 64, batch_size=4)
    seen = 0
    batches = list(dataset)
    assert len(batches) == int(dataset.cardinality())
    for inputs, labels, weights in batches:
        mask = inputs["padding_mask"].numpy()
        lengths = mask.sum(axis=1)
        assert mask.shape[1] == lengths.max()  # Padded only to the batch's longest.
        assert lengths.max() - lengths.min() <= 16  # Similar lengths share a batch.
        assert np.all(weights.numpy().sum(axis=1) == lengths - 2)
        assert np.all(labels.numpy()[mask == 0] == 0)
        seen += len(lengths)
    assert seen == 40
