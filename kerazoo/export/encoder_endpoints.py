"""SavedModel endpoints of encoder tasks: raw strings in, the tokenizer and packing in the graph.

Each endpoint tokenizes its strings with the run's tokenizer, packs each as `[CLS] tokens [SEP]`
(cut to the model's position table) and pads the batch to its longest row
(`kerazoo.data.pack_single_segment`), so a client sends text and nothing else. Reloading needs
`tensorflow` and `tensorflow_text` (the WordPiece ops live there).
"""

import tensorflow as tf

from kerazoo.data.answer_spans import (
    best_spans,
    context_windows,
    pieces_with_offsets,
    question_context_packer,
)
from kerazoo.data.encoder_inputs import pack_single_segment, pair_packer, special_token_ids
from kerazoo.data.squad import MAX_QUESTION_LENGTH


def text_classification_endpoint(model, tokenizer, sequence_length):
    """`texts` (batch,) tf.string -> class `probabilities` (batch, classes) and `label` names.

    Args:
        model: a classifier with `label_names`, taking the encoder inputs and returning logits.
        tokenizer: its WordPiece tokenizer.
        sequence_length: int, the longest packed input; longer texts are cut.
    """
    special = special_token_ids(tokenizer)
    names = tf.constant(list(model.label_names))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="texts")])
    def classify(texts):
        inputs = pack_single_segment(tokenizer.tokenize(texts), special, sequence_length)
        probabilities = tf.nn.softmax(tf.cast(model(inputs, training=False), tf.float32), axis=-1)
        return {
            "probabilities": probabilities,
            "label": tf.gather(names, tf.argmax(probabilities, axis=-1)),
        }

    return classify


def text_pair_classification_endpoint(model, tokenizer, sequence_length):
    """`first_texts`, `second_texts` (batch,) tf.string -> `probabilities` and `label`, each pair
    packed as `[CLS] first [SEP] second [SEP]` (segment ids 0 then 1; the longer text cut first
    when a pair exceeds `sequence_length`), as sentence-pair classifiers are trained.

    Args: as `text_classification_endpoint`.
    """
    special = special_token_ids(tokenizer)
    packer = pair_packer(special, sequence_length).packer
    names = tf.constant(list(model.label_names))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="first_texts"),
                                  tf.TensorSpec([None], tf.string, name="second_texts")])
    def classify_pairs(first_texts, second_texts):
        first, second = (tf.cast(tokenizer.tokenize(texts), tf.int32)
                         for texts in (first_texts, second_texts))
        token_ids, segment_ids = packer((first, second))
        time = tf.reduce_max(tf.minimum(first.row_lengths() + second.row_lengths() + 3,
                                        sequence_length))
        token_ids = tf.cast(token_ids[:, :time], tf.int32)
        inputs = {"token_ids": token_ids, "segment_ids": tf.cast(segment_ids[:, :time], tf.int32),
                  "padding_mask": tf.cast(token_ids != special["pad"], tf.int32)}
        probabilities = tf.nn.softmax(tf.cast(model(inputs, training=False), tf.float32), axis=-1)
        return {
            "probabilities": probabilities,
            "label": tf.gather(names, tf.argmax(probabilities, axis=-1)),
        }

    return classify_pairs


def mean_pooled(sequence_output, padding_mask):
    """The mean of the hidden states over the real tokens of each row, L2-normalised, float32.

    Sentence-transformers' pooling (all-MiniLM-L6-v2): (batch, time, dim) and (batch, time) ->
    (batch, dim) unit vectors.
    """
    hidden = tf.cast(sequence_output, tf.float32)
    mask = tf.cast(padding_mask, tf.float32)[:, :, None]
    summed = tf.reduce_sum(hidden * mask, axis=1)
    counts = tf.maximum(tf.reduce_sum(mask, axis=1), 1e-9)
    return tf.math.l2_normalize(summed / counts, axis=-1, epsilon=1e-12)


def text_embedding_endpoint(backbone, tokenizer, sequence_length):
    """`texts` (batch,) tf.string -> `embeddings` (batch, hidden_dim), one unit vector a text.

    Args:
        backbone: a BERT-style backbone returning `sequence_output` from the encoder inputs.
        tokenizer: its WordPiece tokenizer.
        sequence_length: int, the longest packed input; longer texts are cut.
    """
    special = special_token_ids(tokenizer)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="texts")])
    def embed(texts):
        inputs = pack_single_segment(tokenizer.tokenize(texts), special, sequence_length)
        outputs = backbone(inputs, training=False)
        return {"embeddings": mean_pooled(outputs["sequence_output"], inputs["padding_mask"])}

    return embed


def span_qa_endpoint(model, tokenizer, sequence_length, stride):
    """`questions` and `contexts` (batch,) tf.string -> `answer` (batch,) tf.string and `score`.

    Each context is read as `kerazoo evaluate` reads it: in windows of the pieces that fit
    beside its question, one starting every `stride` pieces
    (`kerazoo.data.answer_spans.context_windows`), each packed as
    `[CLS] question [SEP] window [SEP]` (the question cut to 64 pieces). The windows of the
    whole batch run through the model as one batch; each window's best span of at most 30
    pieces (`kerazoo.data.answer_spans.best_spans`) scores its start plus end logit, and a
    pair answers with the span of its best-scoring window, cut from the context by its byte
    offsets. `score` (batch,) float32 is the model's probability of that start times that end
    in its window. An empty context answers "" with score 0.

    Args:
        model: a `BertSpanExtractor`-like model: encoder inputs -> (batch, 2, time) logits.
        tokenizer: its WordPiece tokenizer.
        sequence_length: int >= 5, the longest packed window (questions are cut further to
            leave room for a context piece).
        stride: int >= 1, context pieces between the starts of a context's windows.

    Raises:
        ValueError: `sequence_length` < 5 or `stride` < 1.
    """
    if sequence_length < 5:
        raise ValueError(f"`sequence_length` must be at least 5 (special tokens, one question "
                         f"and one context piece), got {sequence_length}.")
    if stride < 1:
        raise ValueError(f"`stride` must be at least 1, got {stride}.")
    special = special_token_ids(tokenizer)
    packer = question_context_packer(special, sequence_length)
    question_length = min(MAX_QUESTION_LENGTH, sequence_length - 4)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="questions"),
                                  tf.TensorSpec([None], tf.string, name="contexts")])
    def answer(questions, contexts):
        question_ids = tokenizer.tokenize(questions)
        if not isinstance(question_ids, tf.RaggedTensor):
            question_ids = tf.RaggedTensor.from_tensor(question_ids)
        question_ids = tf.cast(question_ids, tf.int32)[:, :question_length]
        context_ids, starts, ends = pieces_with_offsets(tokenizer, contexts)
        context_lengths = tf.cast(context_ids.row_lengths(), tf.int32)
        pair, window_first, kept = context_windows(
            tf.cast(question_ids.row_lengths(), tf.int32), context_lengths, sequence_length,
            stride)  # (windows,) each
        window_questions = tf.gather(question_ids, pair)
        window_ids = _window_pieces(context_ids, pair, window_first, kept)
        token_ids, segment_ids = packer((window_questions, window_ids))
        first = tf.cast(window_questions.row_lengths(), tf.int32) + 2  # window piece 0
        time = tf.reduce_max(first + kept + 1)
        token_ids, segment_ids = token_ids[:, :time], segment_ids[:, :time]
        inputs = {"token_ids": tf.cast(token_ids, tf.int32),
                  "segment_ids": tf.cast(segment_ids, tf.int32),
                  "padding_mask": tf.cast(token_ids != special["pad"], tf.int32)}
        logits = tf.cast(model(inputs, training=False), tf.float32)  # (windows, 2, time)
        positions = tf.range(time)[None, :]
        context_mask = (positions >= first[:, None]) & (positions < (first + kept)[:, None])
        start, end, span_scores = best_spans(logits, context_mask)
        probabilities = tf.nn.softmax(logits, axis=-1)
        probability = (tf.gather(probabilities[:, 0], start, batch_dims=1)
                       * tf.gather(probabilities[:, 1], end, batch_dims=1))
        chosen = _best_windows(span_scores, pair, tf.size(contexts, tf.int32))  # (batch,)
        found = context_lengths > 0
        # Flat index + 1 of each chosen piece, 0 (a padding entry) for an empty context.
        row_start = starts.row_splits[:-1] + 1

        def offset_of(position, offsets):
            piece = tf.gather(window_first + tf.maximum(position - first, 0), chosen)
            values = tf.concat([tf.zeros([1], tf.int64), offsets.flat_values], axis=0)
            return tf.gather(values, tf.where(found, row_start + tf.cast(piece, tf.int64), 0))

        byte_start, byte_end = offset_of(start, starts), offset_of(end, ends)
        length = tf.where(found, byte_end - byte_start, 0)
        text = tf.strings.substr(contexts, tf.where(found, byte_start, 0), length, unit="BYTE")
        return {"answer": text, "score": tf.where(found, tf.gather(probability, chosen), 0.0)}

    return answer


def _window_pieces(context_ids, pair, first, length):
    """(windows, None) ragged piece ids: `length` pieces of context `pair` from piece `first`."""
    splits = tf.gather(context_ids.row_splits, pair)
    flat = tf.ragged.range(splits + tf.cast(first, tf.int64),
                           splits + tf.cast(first + length, tf.int64))
    return flat.with_flat_values(tf.gather(context_ids.flat_values, flat.flat_values))


def _best_windows(scores, pair, batch):
    """(batch,) int32, the index among all windows of each row's best-scoring window, the first
    of equals (a row's windows are consecutive and every row has one)."""
    per_pair = tf.RaggedTensor.from_value_rowids(scores, pair, nrows=batch)
    best = tf.argmax(per_pair.to_tensor(default_value=-float("inf")), axis=1,
                     output_type=tf.int32)
    return tf.cast(per_pair.row_splits[:-1], tf.int32) + best
