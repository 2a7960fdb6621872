"""Text generation as a SavedModel signature: prompts in, text out, all in the graph.

Signatures of `export_text_generation`:
    serving_default(prompts: (batch,) tf.string)
        -> {"text": (batch,) prompt + continuation, "completion": (batch,)
        the continuation alone}. Tokenizer, decoding loop (with the model's
        decoding state and, where it has one, the sliding window) and
        detokenizer all run in the graph; sampling settings are fixed at
        export time.
    generate(prompts, max_new_tokens, temperature, top_k, top_p, seed,
        num_beams: scalars) -> the same, with the settings per request
        (`request_generation_endpoint`).
    logits(the model's inputs, e.g. token_ids: (batch, time) int32)
        -> {"logits": (batch, time, vocab)}.

Prompts: `kerazoo.generation.generate` refuses an empty prompt and one
longer than the context (a Python caller can fix its input), but a server
must answer every request, so here a prompt longer than the context keeps
its last `context_window` tokens, and an empty prompt starts from the
tokenizer's end token (or id 0 when it has none). Reloading needs only
`tensorflow` for the character tokenizer; WordPiece and byte-pair
tokenizers also need `tensorflow_text` imported (their ops live there).
"""

import tensorflow as tf

from kerazoo.export.saved_model import check_export_folder, forward_endpoint, write_saved_model
from kerazoo.generation.beam_search import beam_search
from kerazoo.generation.decoding import decode
from kerazoo.generation.generator import resolve_stop_token_ids
from kerazoo.generation.sampling import SamplingSettings


def text_generation_endpoint(model, tokenizer, max_new_tokens, settings, stop_ids):
    """The `serving_default` endpoint: prompts (strings) to generated text.

    Args:
        model: a model of the decoding protocol.
        tokenizer: its kerazoo tokenizer.
        max_new_tokens: int > 0.
        settings: `SamplingSettings`.
        stop_ids: token ids that end a row.

    Returns:
        A `tf.function` taking `prompts` (batch,) tf.string and returning
        `{"text", "completion"}` (batch,) tf.string.
    """
    text_graph = _TextGraph(model, tokenizer, max_new_tokens, stop_ids)
    fixed = settings.as_tensors()

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="prompts")])
    def serving_default(prompts):
        return text_graph.sample(prompts, fixed, max_new_tokens)

    return serving_default


def request_generation_endpoint(model, tokenizer, max_new_tokens, stop_ids, max_num_beams=1,
                                length_penalty=1.0):
    """The `generate` endpoint: prompts and per-request generation settings to text.

    Each request sets `max_new_tokens` (1 .. the export's `max_new_tokens`,
    which sizes the graph's buffers), `temperature` (> 0), `top_k` (>= 0, 0
    = off; 1 is greedy), `top_p` (in (0, 1]), `seed` and `num_beams` (1 ..
    `max_num_beams`). `num_beams` 1 samples with the other settings; more
    runs a beam search of that width (deterministic: the sampling settings
    are checked but unused) and returns its best hypothesis, scored with the
    export's `length_penalty`. Beam search does not slide the context
    window: a beam request keeps the last `context_window - max_new_tokens`
    tokens of each prompt, so it needs `max_new_tokens` < the context. A
    value out of range fails that request with an `InvalidArgument` error
    naming it; the server goes on.

    Returns:
        A `tf.function` with those inputs (scalars, and `prompts` (batch,)
        tf.string) returning `{"text", "completion"}` (batch,) tf.string.
    """
    text_graph = _TextGraph(model, tokenizer, max_new_tokens, stop_ids)
    cap = max_new_tokens
    context = model.context_window

    @tf.function(input_signature=[
        tf.TensorSpec([None], tf.string, name="prompts"),
        tf.TensorSpec([], tf.int32, name="max_new_tokens"),
        tf.TensorSpec([], tf.float32, name="temperature"),
        tf.TensorSpec([], tf.int32, name="top_k"),
        tf.TensorSpec([], tf.float32, name="top_p"),
        tf.TensorSpec([], tf.int32, name="seed"),
        tf.TensorSpec([], tf.int32, name="num_beams"),
    ])
    def generate(prompts, max_new_tokens, temperature, top_k, top_p, seed, num_beams):
        checks = [
            tf.debugging.assert_greater_equal(
                max_new_tokens, 1, message="`max_new_tokens` must be >= 1"),
            tf.debugging.assert_less_equal(
                max_new_tokens, cap,
                message=f"`max_new_tokens` must be <= {cap}, the limit set at export"),
            tf.debugging.assert_greater(
                temperature, 0.0, message="`temperature` must be > 0; top_k=1 is greedy"),
            tf.debugging.assert_non_negative(top_k, message="`top_k` must be >= 0 (0: off)"),
            tf.debugging.assert_greater(top_p, 0.0, message="`top_p` must be in (0, 1]"),
            tf.debugging.assert_less_equal(top_p, 1.0, message="`top_p` must be in (0, 1]"),
            tf.debugging.assert_greater_equal(
                num_beams, 1, message="`num_beams` must be >= 1 (1: sampling)"),
            tf.debugging.assert_less_equal(
                num_beams, max_num_beams,
                message=f"`num_beams` must be <= {max_num_beams}, the limit set at export "
                        "(`kerazoo export --max-num-beams`)"),
        ]
        if context is not None:
            checks.append(tf.debugging.Assert(
                tf.logical_or(num_beams == 1, max_new_tokens < context),
                [f"`num_beams` > 1 needs `max_new_tokens` < the model's context of {context} "
                 "tokens (beam search does not slide the window)"]))
        with tf.control_dependencies(checks):
            settings = {
                "temperature": tf.identity(temperature),
                "top_k": top_k,
                "top_p": top_p,
                "greedy": tf.constant(False),
                "repetition_penalty": tf.constant(1.0),
                "seed": seed,
            }
            new_tokens = tf.identity(max_new_tokens)
        if max_num_beams == 1:
            return text_graph.sample(prompts, settings, new_tokens)
        return tf.cond(
            num_beams == 1,
            lambda: text_graph.sample(prompts, settings, new_tokens),
            lambda: text_graph.beam_search(prompts, num_beams, new_tokens, length_penalty),
        )

    return generate


class _TextGraph:
    """The graph pieces from prompts to text, shared by both signatures.

    Prompts are tokenized; a prompt longer than the context keeps its last
    tokens, and an empty one starts from the tokenizer's end token (or id 0).
    """

    def __init__(self, model, tokenizer, max_new_tokens, stop_ids):
        self.model = model
        self.tokenizer = tokenizer
        self.max_new_tokens = max_new_tokens
        self.start_id = getattr(tokenizer, "end_token_id", None) or 0
        self.stop_ids = tf.constant(list(stop_ids), tf.int32, shape=(len(stop_ids),))

    def sample(self, prompts, settings, new_tokens):
        """Sampled text: `settings` from `SamplingSettings.as_tensors`, `new_tokens` <= the cap."""
        dense, lengths = self._prompt_ids(prompts, self.model.context_window)
        tokens, ends = decode(
            self.model, dense, lengths, self.max_new_tokens, settings, self.stop_ids,
            new_tokens=new_tokens,
        )
        return self._texts(tokens, lengths, ends)

    def beam_search(self, prompts, num_beams, new_tokens, length_penalty):
        """The best hypothesis of a `num_beams`-wide search (`new_tokens` < the context)."""
        context = self.model.context_window
        keep = None if context is None else context - new_tokens
        dense, lengths = self._prompt_ids(prompts, keep)
        tokens, ends, _ = beam_search(
            self.model, dense, lengths, self.max_new_tokens, num_beams,
            length_penalty=length_penalty, stop_token_ids=self.stop_ids, new_tokens=new_tokens,
        )
        return self._texts(tokens[:, 0], lengths, ends[:, 0])

    def _prompt_ids(self, prompts, keep):
        """(batch, width) int32 right-padded ids, each row's last `keep` tokens, and their lengths."""
        ids = tf.cast(self.tokenizer.tokenize(prompts), tf.int32)
        if not isinstance(ids, tf.RaggedTensor):
            ids = tf.RaggedTensor.from_tensor(ids)
        ids = ids.with_row_splits_dtype(tf.int64)
        if keep is not None:
            keep = tf.cast(keep, tf.int64)
            lengths = ids.row_lengths()
            positions = tf.ragged.range(lengths)
            ids = tf.ragged.boolean_mask(ids, positions >= (lengths - keep)[:, None])
        empty = tf.cast(ids.row_lengths() == 0, tf.int64)
        start = tf.RaggedTensor.from_row_lengths(
            tf.fill([tf.reduce_sum(empty)], tf.constant(self.start_id, tf.int32)), empty
        )
        ids = tf.concat([start, ids], axis=1)
        return ids.to_tensor(default_value=0), tf.cast(ids.row_lengths(), tf.int32)

    def _texts(self, tokens, lengths, ends):
        """`{"text", "completion"}` of (batch, width) `tokens`, prompts `lengths` and `ends`;
        a final stop token is left out."""
        last = tf.gather(tokens, ends - 1, batch_dims=1)
        is_stop = tf.reduce_any(tf.equal(last[:, None], self.stop_ids[None, :]), axis=-1)
        ends = tf.where(tf.logical_and(is_stop, ends > lengths), ends - 1, ends)
        positions = tf.range(tf.shape(tokens)[1])[None, :]
        whole = tf.ragged.boolean_mask(tokens, positions < ends[:, None])
        new = tf.ragged.boolean_mask(
            tokens, (positions >= lengths[:, None]) & (positions < ends[:, None])
        )
        return {"text": _valid_utf8(self.tokenizer.detokenize(whole)),
                "completion": _valid_utf8(self.tokenizer.detokenize(new))}


def _valid_utf8(texts):
    """Bytes that are not UTF-8 (a byte-level tokenizer cut mid-character) become
    U+FFFD, as `decode` does in Python, so every client can read the answer."""
    return tf.strings.unicode_transcode(texts, "UTF-8", "UTF-8", errors="replace")


def export_text_generation(
    model,
    tokenizer,
    out_dir,
    max_new_tokens=100,
    temperature=1.0,
    top_k=0,
    top_p=1.0,
    greedy=False,
    repetition_penalty=1.0,
    seed=0,
    stop_tokens=None,
    max_num_beams=4,
    length_penalty=1.0,
    overwrite=False,
):
    """Write `model` + `tokenizer` as a text-generation SavedModel, atomically.

    See the module docstring for its signatures, and `write_saved_model` for
    the atomic write.

    Args:
        model: a model of the decoding protocol (e.g. `kerazoo.models.build("gpt")`).
        tokenizer: its kerazoo tokenizer.
        out_dir: destination folder; must not exist unless `overwrite`.
        max_new_tokens, temperature, top_k, top_p, greedy,
            repetition_penalty, seed, stop_tokens: the serving signature's
            generation settings (see `kerazoo.generation.generate`).
        max_num_beams: int >= 1, the widest beam search a `generate`
            request may ask for.
        length_penalty: float, the beam searches' length penalty.
        overwrite: replace an existing export at `out_dir`.

    Returns:
        The `pathlib.Path` of the export.
    """
    check_export_folder(out_dir, overwrite)
    if not isinstance(max_new_tokens, int) or max_new_tokens <= 0:
        raise ValueError(f"`max_new_tokens` must be a positive int, got {max_new_tokens!r}.")
    settings = SamplingSettings(
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        greedy=greedy,
        repetition_penalty=repetition_penalty,
        seed=seed,
    )
    if isinstance(max_num_beams, bool) or not isinstance(max_num_beams, int) or max_num_beams < 1:
        raise ValueError(f"`max_num_beams` must be an int >= 1, got {max_num_beams!r}.")
    stop_ids = resolve_stop_token_ids(tokenizer, stop_tokens)

    endpoints = {
        "serving_default": text_generation_endpoint(
            model, tokenizer, max_new_tokens, settings, stop_ids
        ),
        "generate": request_generation_endpoint(
            model, tokenizer, max_new_tokens, stop_ids, max_num_beams, length_penalty
        ),
        "logits": forward_endpoint(model),
    }
    return write_saved_model(out_dir, model, tokenizer, endpoints, overwrite=overwrite)
