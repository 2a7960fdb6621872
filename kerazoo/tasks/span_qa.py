"""SpanQATask: extractive question answering with an encoder (BERT on SQuAD).

Data: SQuAD v1.1 JSON files (`kerazoo.data.read_squad`; by default the shipped XQuAD English,
trained on `xquad-en:train`, its first 36 articles, and validated on `xquad-en:test`, the last
12: XQuAD has no training split, so these figures are on held-out articles of the same file).
Each question is packed with its context as `[CLS] question [SEP] context [SEP]`, long contexts
in strided windows (`--sequence-length`, `--stride`), batched by length. The tokenizer is a new
WordPiece vocabulary, or, with `--init RUN_DIR`, a pretrained run's (its encoder too).
Loss: the mean of the start and end cross-entropies; metric: how often a predicted start or
end position is the gold one. Evaluation: exact match and F1 as SQuAD v1.1's script counts
them, each question answered by the best span over its windows. Exports: `qa` (question and
context strings -> answer text and score), `embed`.

A family using this task builds a model taking `token_ids`, `segment_ids`, `padding_mask` and
returning (batch, 2, time) start and end logits, with its encoder at `model.backbone`.
"""

import keras
import numpy as np
import tensorflow as tf

from kerazoo.data import special_token_ids
from kerazoo.data.answer_spans import best_spans
from kerazoo.data.squad import XQUAD_NAME, read_squad, span_dataset, span_features
from kerazoo.export import forward_endpoint
from kerazoo.export.encoder_endpoints import span_qa_endpoint
from kerazoo.tasks.encoder_start import (
    add_encoder_start_arguments,
    add_fine_tuning_data_arguments,
    fine_tuning_start,
    validation_source,
)
from kerazoo.tasks.registry import register_task
from kerazoo.tasks.task import Task
from kerazoo.tasks.text_embedding import embedding_endpoints
from kerazoo.training.squad_scores import squad_scores

# BERT's SQuAD settings: 384 positions, windows starting every 128 pieces.
DEFAULT_SEQUENCE_LENGTH = 384
DEFAULT_STRIDE = 128


class SpanQATask(Task):
    """Extractive QA (see the module docstring)."""

    name = "span_qa"
    data_options = ("sequence_length", "stride")

    def add_arguments(self, parser):
        add_fine_tuning_data_arguments(
            parser, f"SQuAD JSON file to validate on (default: {XQUAD_NAME}:test when --data "
                    "is unset, else none)", DEFAULT_SEQUENCE_LENGTH,
            "longest packed window, question and special tokens included (%(default)s)")
        parser.add_argument("--stride", type=int, default=DEFAULT_STRIDE,
                            help="context pieces between the starts of a long context's "
                                 "windows (%(default)s)")
        add_encoder_start_arguments(parser)

    def prepare_data(self, options, model_config, batch_size, seed):
        train_source = options.data or f"{XQUAD_NAME}:train"
        validation = validation_source(options, lambda: f"{XQUAD_NAME}:test")
        train = read_squad(train_source)
        start = fine_tuning_start(options, sorted({e.context for e in train})
                                  + [e.question for e in train], model_config)
        special, sequence_length = start.special, start.sequence_length
        features = span_features(train, start.tokenizer, special, sequence_length,
                                 options.stride)
        train_ds = span_dataset(features, special, sequence_length, batch_size, shuffle=True,
                                seed=seed, drop_remainder=True)
        validation_ds = None
        if validation:
            validation_features = span_features(read_squad(validation), start.tokenizer,
                                                special, sequence_length, options.stride)
            validation_ds = span_dataset(validation_features, special, sequence_length,
                                         batch_size)
        print(f"kerazoo: {len(train)} questions in {len(features.spans)} windows of at most "
              f"{sequence_length} pieces.")
        return start.task_data(train_ds, validation_ds, train_source)

    def loss(self):
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float32")

    def metrics(self):
        return [keras.metrics.SparseCategoricalAccuracy(name="position_accuracy",
                                                        dtype="float32")]

    def sample(self, model, data, options, seed):
        return None

    def evaluate(self, model, tokenizer, source, batch_size, data_dir=None):
        """Exact match and F1 (percent, SQuAD v1.1's way) on a SQuAD file or `xquad-en[:split]`.

        Windows of BERT's 384 pieces (or the position table) every 128.

        Returns:
            dict: `exact_match`, `f1`, `questions`, `windows`, and `loss` (mean over windows).
        """
        examples = read_squad(source)
        answers, loss, windows = answer_questions(model, tokenizer, examples, batch_size)
        scores = squad_scores([text for text, _ in answers], [e.answers for e in examples])
        return {**scores, "windows": windows, "loss": loss}

    def export_variants(self, model):
        """`qa` (also the plain export) and `embed` (`text_embedding`'s)."""
        return {"qa": qa_endpoints, "embed": embedding_endpoints}

    def export(self, model, tokenizer, out_dir, options, overwrite=False):
        """The `qa` export (`qa_endpoints`)."""
        return self.export_variant("qa", model, tokenizer, out_dir, options, overwrite)


def qa_endpoints(model, tokenizer, options=None):
    """`serving_default`: `questions`, `contexts` -> `answer`, `score`
    (`kerazoo.export.encoder_endpoints.span_qa_endpoint`, reading long contexts in the
    windows `evaluate` reads: `DEFAULT_SEQUENCE_LENGTH` pieces or the position table, every
    `DEFAULT_STRIDE`); `logits`: the encoder inputs -> (batch, 2, time) start and end logits."""
    sequence_length = min(DEFAULT_SEQUENCE_LENGTH, model.max_sequence_length)
    return {
        "serving_default": span_qa_endpoint(model, tokenizer, sequence_length, DEFAULT_STRIDE),
        "logits": forward_endpoint(model),
    }


def answer_questions(model, tokenizer, examples, batch_size=32,
                     sequence_length=DEFAULT_SEQUENCE_LENGTH, stride=DEFAULT_STRIDE):
    """The best answer span of each question over its context's windows.

    Args:
        model: a span extractor (encoder inputs -> (batch, 2, time) logits).
        tokenizer: its WordPiece tokenizer.
        examples: list of `kerazoo.data.squad.QAExample`.
        batch_size: windows per forward pass.
        sequence_length: int, the longest window (capped at the position table).
        stride: int, context pieces between window starts.

    Returns:
        `(answers, loss, windows)`: a `(text, score)` per example (score: start + end logit),
        the mean loss over windows, and the number of windows.
    """
    special = special_token_ids(tokenizer)
    sequence_length = min(sequence_length, model.max_sequence_length)
    features = span_features(examples, tokenizer, special, sequence_length, stride)
    predict = tf.function(lambda inputs: model(inputs, training=False), reduce_retracing=True)
    loss = SpanQATask().loss()
    count = len(features.spans)
    # Windows sorted by length, so each batch pads little.
    order = np.argsort([len(row) for row in features.token_ids], kind="stable")
    best = [("", -np.inf)] * len(examples)
    total_loss = 0.0
    for batch in np.array_split(order, max(1, -(-count // batch_size))):
        inputs = _padded(features, batch, special["pad"])
        logits = predict(inputs)
        total_loss += float(loss(features.spans[batch], logits)) * len(batch)
        positions = np.arange(inputs["token_ids"].shape[1])[None, :]
        first = features.context_position[batch][:, None]
        context_mask = (positions >= first) & (positions < first
                                               + features.window_length[batch][:, None])
        starts, ends, scores = (t.numpy() for t in best_spans(logits, context_mask))
        for row, start, end, score in zip(batch, starts, ends, scores):
            example = features.example_index[row]
            if score > best[example][1]:
                best[example] = (_answer_text(features, row, start, end, examples[example]),
                                 float(score))
    return best, total_loss / max(count, 1), count


def _padded(features, rows, pad_id):
    length = max(len(features.token_ids[row]) for row in rows)
    token_ids = np.full((len(rows), length), pad_id, np.int32)
    segment_ids = np.zeros((len(rows), length), np.int32)
    padding_mask = np.zeros((len(rows), length), np.int32)
    for i, row in enumerate(rows):
        n = len(features.token_ids[row])
        token_ids[i, :n], segment_ids[i, :n], padding_mask[i, :n] = (
            features.token_ids[row], features.segment_ids[row], 1)
    return {"token_ids": token_ids, "segment_ids": segment_ids, "padding_mask": padding_mask}


def _answer_text(features, row, start, end, example):
    """The context text of packed positions `start`..`end` of window `row`."""
    shift = features.window_start[row] - features.context_position[row]
    example_index = features.example_index[row]
    first = features.piece_starts[example_index][start + shift]
    last = features.piece_ends[example_index][end + shift]
    return example.context.encode("utf-8")[first:last].decode("utf-8", errors="replace")


register_task(SpanQATask())
