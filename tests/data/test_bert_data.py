"""BERT data: encoder packing, length-bucketed classification batches, masked-LM masking, TSV."""

import collections
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from kerazoo.data import (
    classification_dataset,
    label_ids,
    label_names_of,
    masked_lm_dataset,
    pack_single_segment,
    read_labelled_tsv,
    shipped_sst2,
    special_token_ids,
    tokenize_sentences,
    train_word_piece,
)
from kerazoo.data.masked_lm import mask_selection_length, segment_pairs
from kerazoo.training.metrics import classification_scores

SPECIAL = {"pad": 0, "unknown": 3, "cls": 1, "sep": 2, "mask": 4}

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_packing_adds_cls_and_sep_cuts_and_pads_to_the_longest_row():
    ids = tf.ragged.constant([[10, 11, 12, 13, 14, 15], [20], []], dtype=tf.int32)
    packed = pack_single_segment(ids, SPECIAL, sequence_length=5)
    np.testing.assert_array_equal(packed["token_ids"], [[1, 10, 11, 12, 2], [1, 20, 2, 0, 0],
                                                        [1, 2, 0, 0, 0]])
    np.testing.assert_array_equal(packed["padding_mask"], [[1] * 5, [1, 1, 1, 0, 0],
                                                           [1, 1, 0, 0, 0]])
    np.testing.assert_array_equal(packed["segment_ids"], np.zeros((3, 5)))


def test_special_token_ids_name_what_is_missing():
    tokenizer = train_word_piece(["the cat sat on the mat"] * 3, 40)
    assert set(special_token_ids(tokenizer)) == {"pad", "unknown", "cls", "sep", "mask"}
    tokenizer = train_word_piece(["the cat sat"] * 3, 40, reserved_tokens=["[PAD]", "[UNK]"],
                                 end_token=None)
    with pytest.raises(ValueError, match=r"lacks the reserved token\(s\) \['\[CLS\]', '\[SEP\]', "
                                         r"'\[MASK\]'\]"):
        special_token_ids(tokenizer)


def test_bucketed_batches_pad_only_to_their_longest_and_keep_every_example_once():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 60, size=300)
    rows = [list(range(100, 100 + n)) for n in lengths]
    labels = np.arange(300, dtype=np.int32)  # The label names the example.
    dataset = classification_dataset(tf.ragged.constant(rows, dtype=tf.int32), labels, SPECIAL,
                                     sequence_length=40, batch_size=16, shuffle=True, seed=3)
    seen = collections.Counter()
    widths = []
    batches = 0
    for inputs, batch_labels in dataset:
        batches += 1
        mask = inputs["padding_mask"].numpy()
        real = mask.sum(axis=1)
        # Padded to the longest example of this batch, not to the sequence length.
        assert mask.shape[1] == real.max()
        widths.append(mask.shape[1])
        for row, label in enumerate(batch_labels.numpy()):
            n = min(lengths[label], 38)
            ids = inputs["token_ids"].numpy()[row]
            assert ids[0] == 1 and ids[n + 1] == 2 and real[row] == n + 2
            np.testing.assert_array_equal(ids[1:n + 1], rows[label][:n])
            assert (ids[n + 2:] == 0).all()
            seen[int(label)] += 1
    assert seen == collections.Counter(range(300))
    assert batches == int(dataset.cardinality())
    # Bucketing keeps most batches far shorter than the longest example.
    assert np.mean(widths) < 30


def test_training_batches_are_full():
    rows = [[5] * n for n in range(1, 50)]
    dataset = classification_dataset(tf.ragged.constant(rows, dtype=tf.int32),
                                     np.zeros(49, np.int32), SPECIAL, 64, 8, shuffle=True,
                                     seed=1, drop_remainder=True)
    assert {int(batch[1].shape[0]) for batch in dataset} == {8}


@pytest.mark.parametrize("fixed_masks", [False, True], ids=["keras_hub", "fixed"])
def test_masked_lm_selects_15_percent_and_masks_80_10_10(fixed_masks):
    vocabulary, length = 1000, 64
    rng = np.random.default_rng(0)
    stream = rng.integers(10, vocabulary, size=400 * (length - 3)).astype(np.int32)
    windows = segment_pairs(stream, length)
    dataset = masked_lm_dataset(windows, vocabulary, SPECIAL, length, batch_size=50, seed=0,
                                fixed_masks=fixed_masks)
    selected = masked = replaced = kept = 0
    seen_rows = []
    for inputs, targets, weights in dataset:
        token_ids = inputs["token_ids"].numpy()
        positions = inputs["mask_positions"].numpy()
        assert positions.shape[1] == mask_selection_length(length)
        # [CLS] A [SEP] B [SEP], segments 0 then 1, no padding.
        np.testing.assert_array_equal(inputs["padding_mask"], 1)
        half = (length - 3) // 2
        assert (inputs["segment_ids"].numpy()[:, : half + 2] == 0).all()
        assert (inputs["segment_ids"].numpy()[:, half + 2:] == 1).all()
        for row in range(len(token_ids)):
            for slot in np.flatnonzero(weights.numpy()[row]):
                position = positions[row, slot]
                assert position not in (0, half + 1, length - 1)  # never [CLS]/[SEP]
                original = targets.numpy()[row, slot]
                value = token_ids[row, position]
                selected += 1
                masked += value == SPECIAL["mask"]
                kept += value == original
                replaced += value not in (SPECIAL["mask"], original)
                assert targets.numpy()[row, slot] == windows[len(seen_rows)][
                    position - 1 if position <= half else position - 2]
            seen_rows.append(row)
    # keras-hub (tf_text's RandomItemSelector) selects ceil(15%) of each row's real tokens,
    # and the fixed masks do the same.
    assert selected == len(windows) * np.ceil(0.15 * (length - 3))
    assert masked / selected == pytest.approx(0.8, abs=0.03)
    assert replaced / selected == pytest.approx(0.1, abs=0.02)
    assert kept / selected == pytest.approx(0.1, abs=0.02)


def test_fixed_masks_repeat_and_training_masks_change():
    windows = segment_pairs(np.arange(10, 10 + 32 * 29, dtype=np.int32) % 90 + 10, 32)
    fixed = masked_lm_dataset(windows, 100, SPECIAL, 32, 8, seed=1, fixed_masks=True)
    first = [x["mask_positions"].numpy() for x, _, _ in fixed]
    second = [x["mask_positions"].numpy() for x, _, _ in fixed]
    assert all((a == b).all() for a, b in zip(first, second))
    # Two passes over the training pipeline draw other masks. Measured in a
    # fresh process: the TensorFlow state earlier tests leave behind must not decide it.
    code = (
        "import sys, numpy as np\n"
        "from tests.data.test_bert_data import SPECIAL\n"
        "from kerazoo.data.masked_lm import masked_lm_dataset, segment_pairs\n"
        "windows = segment_pairs(np.arange(10, 10 + 32 * 29, dtype=np.int32) % 90 + 10, 32)\n"
        "fresh = masked_lm_dataset(windows, 100, SPECIAL, 32, 8)\n"
        "one, two = ([x['mask_positions'].numpy() for x, _, _ in fresh] for _ in range(2))\n"
        "print(all((a == b).all() for a, b in zip(one, two)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_shipped_sst2_reads_as_glue_counts_it():
    train = read_labelled_tsv(shipped_sst2("train"))
    dev = read_labelled_tsv(shipped_sst2("dev"))
    assert len(train.sentences) == 67_349 and len(dev.sentences) == 872
    assert collections.Counter(dev.labels) == {"1": 444, "0": 428}
    assert label_names_of(train.labels) == ["0", "1"]
    assert dev.sentences[0] == "it 's a charming and often affecting journey ."


def test_tsv_errors_are_clear(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("text\tlabel\nhello\t1\n")
    with pytest.raises(ValueError, match=r"without the column\(s\) \['sentence'\]"):
        read_labelled_tsv(path)
    path.write_text("sentence\tlabel\n \t1\n")
    with pytest.raises(ValueError, match="line 2 has an empty sentence"):
        read_labelled_tsv(path)
    with pytest.raises(ValueError, match=r"label\(s\) \['maybe'\] that the model does not know"):
        label_ids(["1", "maybe"], ["0", "1"])
    with pytest.raises(ValueError, match="at least 2"):
        label_names_of(["1", "1"])


def test_tokenize_sentences_is_ragged():
    tokenizer = train_word_piece(["the cat sat on the mat", "a dog"] * 3, 60)
    ids = tokenize_sentences(["the cat", "", "a dog sat"], tokenizer)
    assert isinstance(ids, tf.RaggedTensor)
    assert ids.row_lengths().numpy().tolist()[1] == 0


def test_classification_scores_match_hand_counts():
    true = [1, 1, 1, 0, 0, 0, 0, 1]
    predicted = [1, 0, 1, 0, 1, 0, 0, 1]
    scores = classification_scores(true, predicted, 2)
    # Class 1: tp 3, predicted 4, actual 4. Class 0: tp 3, predicted 4, actual 4.
    assert scores["accuracy"] == 0.75
    assert scores["precision"] == scores["recall"] == scores["f1"] == 0.75
    assert scores["macro_f1"] == 0.75 and scores["examples"] == 8
    three = classification_scores([0, 1, 2, 2], [0, 2, 2, 2], 3)
    assert "f1" not in three
    assert three["macro_recall"] == pytest.approx((1 + 0 + 1) / 3)
    assert three["macro_precision"] == pytest.approx((1 + 0 + 2 / 3) / 3)


def test_tokenize_sentences_traces_the_tokenizer_once_for_all_chunks():
    sentences = ["the cat sat", "on the mat", "the mat sat on the cat", "cat", "the"]
    tokenizer = train_word_piece(sentences * 3, 40)
    calls = []

    class Counting:
        def tokenize(self, texts):
            calls.append(texts)
            return tokenizer.tokenize(texts)

    chunked = tokenize_sentences(sentences, Counting(), batch_size=2)
    assert len(calls) == 1  # One trace serves the three chunks.
    whole = tokenize_sentences(sentences, tokenizer, batch_size=len(sentences))
    assert chunked.to_list() == whole.to_list()
