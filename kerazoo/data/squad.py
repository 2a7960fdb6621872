"""SQuAD-format extractive QA: JSON files in, strided `[CLS] question [SEP] context [SEP]` features out.

A source is a SQuAD v1.1 JSON file (`.json` or `.json.gz`), or the shipped XQuAD English by name:
`xquad-en` (all 48 articles), `xquad-en:train` (the first 36, 925 questions) or `xquad-en:test`
(the last 12, 265 questions); XQuAD has no training split, so this split by article is
kerazoo's, and no paragraph of a test article is trained on.

A context longer than fits beside its question is read in windows ("document striding", as
BERT's `run_squad.py`): windows of `sequence_length - len(question) - 3` pieces start every
`stride` pieces until one reaches the end. A window that holds the whole gold answer is
labelled with its start and end positions; one that does not, with `[CLS]` (position 0) for
both. At evaluation each question takes the best span over its windows.
"""

import gzip
import json
import pathlib
from typing import NamedTuple

import numpy as np
import tensorflow as tf

from kerazoo.data.answer_spans import pieces_with_offsets, question_context_packer
from kerazoo.data.bucketing import bucket_by_length
from kerazoo.data.shipped import shipped_path

XQUAD_FILE = "squad/xquad.en.json.gz"
XQUAD_NAME = "xquad-en"
XQUAD_TRAIN_ARTICLES = 36
MAX_QUESTION_LENGTH = 64


class QAExample(NamedTuple):
    """One question on one context, with its gold answers."""

    id: str
    article: str
    question: str
    context: str
    answers: tuple  # str, the gold answer texts
    answer_start: int  # character offset of answers[0] in context


def read_squad(source):
    """The questions of a SQuAD v1.1 file or of the shipped XQuAD (see the module docstring).

    Raises:
        ValueError: an unknown split, a missing or malformed file, a question without an
            answer, or an answer that is not at its `answer_start` in the context.
    """
    source = str(source)
    articles = None
    if source.split(":")[0] == XQUAD_NAME:
        split = source.partition(":")[2] or "all"
        slices = {"all": slice(None), "train": slice(None, XQUAD_TRAIN_ARTICLES),
                  "test": slice(XQUAD_TRAIN_ARTICLES, None)}
        if split not in slices:
            raise ValueError(
                f"Unknown split {split!r} of {XQUAD_NAME}; use {XQUAD_NAME}, "
                f"{XQUAD_NAME}:train or {XQUAD_NAME}:test."
            )
        articles, source = slices[split], shipped_path(XQUAD_FILE, "Pass `--data FILE.json`")
    data = _read_json(source)["data"][articles or slice(None)]
    examples = []
    for article in data:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                examples.append(_example(qa, article.get("title", ""), context, source))
    if not examples:
        raise ValueError(f"{source!r} holds no question.")
    return examples


def _read_json(path):
    path = pathlib.Path(path)
    if not path.is_file():
        raise ValueError(f"SQuAD file {str(path)!r} does not exist; pass a SQuAD v1.1 JSON "
                         f"file or {XQUAD_NAME}[:train|:test].")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as file:
            record = json.load(file)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{str(path)!r} is not a SQuAD JSON file: {error}.") from None
    if not isinstance(record, dict) or not isinstance(record.get("data"), list):
        raise ValueError(f"{str(path)!r} lacks SQuAD's top-level `data` list of articles.")
    return record


def _example(qa, title, context, source):
    answers = qa.get("answers") or []
    if not answers:
        raise ValueError(f"Question {qa.get('id')!r} of {source!r} has no answer; SQuAD v1.1 "
                         "(extractive QA without unanswerable questions) needs one.")
    first, start = answers[0]["text"], int(answers[0]["answer_start"])
    if context[start:start + len(first)] != first:
        raise ValueError(f"Question {qa.get('id')!r} of {source!r}: the answer {first!r} is not "
                         f"at its answer_start {start} in the context.")
    return QAExample(str(qa["id"]), title, qa["question"], context,
                     tuple(a["text"] for a in answers), start)


class SpanFeatures(NamedTuple):
    """Packed windows of questions and contexts, and what maps their positions back to text.

    Attributes:
        token_ids, segment_ids: lists of (length,) int32 arrays, unpadded packed windows.
        spans: (windows, 2) int32 gold start and end positions ((0, 0): not in this window).
        example_index: (windows,) int32, the question each window belongs to.
        context_position: (windows,) int32, the packed position of the window's first piece.
        window_start: (windows,) int32, the index of that piece among its context's pieces.
        window_length: (windows,) int32, context pieces in the window.
        piece_starts, piece_ends: per question, its context pieces' byte offsets.
    """

    token_ids: list
    segment_ids: list
    spans: np.ndarray
    example_index: np.ndarray
    context_position: np.ndarray
    window_start: np.ndarray
    window_length: np.ndarray
    piece_starts: list
    piece_ends: list


def span_features(examples, tokenizer, special_ids, sequence_length, stride):
    """Strided, packed windows of `examples` (see the module docstring).

    Args:
        examples: list of `QAExample`.
        tokenizer: a WordPiece tokenizer.
        special_ids: `kerazoo.data.special_token_ids(tokenizer)`.
        sequence_length: int, the longest packed window.
        stride: int >= 1, pieces between the starts of a context's windows.

    Returns:
        `SpanFeatures`.

    Raises:
        ValueError: `stride` < 1, or `sequence_length` leaves no room for context.
    """
    if stride < 1:
        raise ValueError(f"`stride` must be at least 1, got {stride}.")
    if sequence_length < MAX_QUESTION_LENGTH // 2 + 3:
        raise ValueError(f"`sequence_length` {sequence_length} is too short for a question "
                         f"and its context; use at least {MAX_QUESTION_LENGTH // 2 + 3}.")
    # Questions and contexts in one call: tracing the tokenizer is the slow part.
    contexts = sorted({e.context for e in examples})
    texts = tf.constant([e.question for e in examples] + contexts)
    piece_ids, piece_starts, piece_ends = (
        tensor.to_list()
        for tensor in tf.function(lambda t: pieces_with_offsets(tokenizer, t))(texts))
    questions = piece_ids[:len(examples)]
    pieces = {context: (np.array(ids, np.int32), np.array(starts, np.int64),
                        np.array(ends, np.int64))
              for context, ids, starts, ends in zip(
                  contexts, *(rows[len(examples):] for rows in (piece_ids, piece_starts,
                                                                piece_ends)))}
    rows = {name: [] for name in ("question", "window", "spans", "example", "position",
                                  "start", "length")}
    starts, ends = [], []
    for index, example in enumerate(examples):
        ids, piece_start, piece_end = pieces[example.context]
        starts.append(piece_start)
        ends.append(piece_end)
        question = questions[index][:MAX_QUESTION_LENGTH]
        gold = _gold_pieces(example, piece_start, piece_end)
        width = sequence_length - len(question) - 3
        for first in range(0, max(len(ids) - width, 0) + stride, stride):
            window = ids[first:first + width]
            position = len(question) + 2
            inside = gold is not None and first <= gold[0] and gold[1] < first + len(window)
            span = (gold[0] - first + position, gold[1] - first + position) if inside else (0, 0)
            for name, value in zip(rows, (question, window, span, index, position, first,
                                          len(window))):
                rows[name].append(value)
            if first + width >= len(ids):
                break
    packer = question_context_packer(special_ids, sequence_length)
    token_ids, segment_ids = packer((tf.ragged.constant(rows["question"], tf.int32),
                                     tf.ragged.constant(rows["window"], tf.int32)))
    lengths = [len(q) + len(w) + 3 for q, w in zip(rows["question"], rows["window"])]
    return SpanFeatures(
        token_ids=[row[:n] for row, n in zip(np.asarray(token_ids, np.int32), lengths)],
        segment_ids=[row[:n] for row, n in zip(np.asarray(segment_ids, np.int32), lengths)],
        spans=np.array(rows["spans"], np.int32).reshape(-1, 2),
        example_index=np.array(rows["example"], np.int32),
        context_position=np.array(rows["position"], np.int32),
        window_start=np.array(rows["start"], np.int32),
        window_length=np.array(rows["length"], np.int32),
        piece_starts=starts,
        piece_ends=ends,
    )


def _gold_pieces(example, piece_start, piece_end):
    """First and last context piece overlapping the first gold answer's bytes, or None."""
    start = len(example.context[:example.answer_start].encode("utf-8"))
    end = start + len(example.answers[0].encode("utf-8"))
    overlapping = np.flatnonzero((piece_start < end) & (piece_end > start))
    return (int(overlapping[0]), int(overlapping[-1])) if len(overlapping) else None


def span_dataset(features, special_ids, sequence_length, batch_size, *, shuffle=False,
                 seed=None, drop_remainder=False):
    """Length-bucketed batches of `(inputs, spans)` of `span_features` windows, in their order
    unless `shuffle`.

    Returns:
        A `tf.data.Dataset` of (`token_ids`, `segment_ids`, `padding_mask` (batch, time) int32,
        (batch, 2) int32 gold positions).
    """
    token_ids = tf.ragged.constant(features.token_ids, tf.int32)
    segment_ids = tf.ragged.constant(features.segment_ids, tf.int32)
    dataset = tf.data.Dataset.from_tensor_slices(((token_ids, segment_ids), features.spans))
    if shuffle:
        dataset = dataset.shuffle(len(features.spans), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.map(
        lambda ids, span: ({"token_ids": ids[0], "segment_ids": ids[1],
                            "padding_mask": tf.ones_like(ids[0])}, span),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    lengths = np.array([len(row) for row in features.token_ids])
    padding = ({"token_ids": special_ids["pad"], "segment_ids": 0, "padding_mask": 0}, 0)
    return bucket_by_length(dataset, lengths, sequence_length, batch_size, padding,
                            drop_remainder=drop_remainder)
