"""Text in, text out: tokenise prompts, run the compiled decoding loop, detokenise."""

import weakref

import numpy as np
import tensorflow as tf

from kerazoo.generation.beam_search import beam_search
from kerazoo.generation.decoding import decode
from kerazoo.generation.protocol import check_decodable
from kerazoo.generation.sampling import SamplingSettings
from kerazoo.utils.checks import check_int

# Prompt widths are rounded up to a multiple of this, so prompts of similar
# length share one compiled loop.
_WIDTH_BUCKET = 16


class Generator:
    """Compiled decoding for one model of the decoding protocol.

    The decoding loop is compiled once per (batch, prompt width, max new
    tokens) shape; sampling settings and seeds are tensors, so changing them
    does not retrace. `trace_count` says how often it compiled.

    Args:
        model: a model of the decoding protocol (`kerazoo.generation.protocol`),
            e.g. `kerazoo.models.build("gpt")`.
        jit_compile: compile the loop with XLA. Defaults to True.
        hold_model: keep the model alive as long as the generator. False
            holds it weakly, as the per-model cache of `generator_for` does,
            so that cache never keeps a deleted model alive.
    """

    def __init__(self, model, jit_compile=True, hold_model=True):
        check_decodable(model)
        self._model = (lambda: model) if hold_model else weakref.ref(model)
        self.trace_count = 0
        self._decode = tf.function(self._traced_decode, jit_compile=jit_compile)
        self._beam_search = tf.function(self._traced_beam_search, jit_compile=jit_compile)

    @property
    def model(self):
        model = self._model()
        if model is None:
            raise ReferenceError("The model of this Generator was deleted.")
        return model

    def _traced_decode(self, token_ids, prompt_lengths, max_new_tokens, settings, stop_ids,
                       encoder_inputs):
        self.trace_count += 1
        return decode(self.model, token_ids, prompt_lengths, max_new_tokens, settings, stop_ids,
                      encoder_inputs=encoder_inputs)

    def _traced_beam_search(self, token_ids, prompt_lengths, stop_ids, encoder_inputs,
                            **options):
        self.trace_count += 1
        return beam_search(self.model, token_ids, prompt_lengths, stop_token_ids=stop_ids,
                           encoder_inputs=encoder_inputs, **options)

    def generate_ids(self, prompts, max_new_tokens, settings=None, stop_token_ids=(),
                     encoder_inputs=None):
        """Extend token-id prompts.

        Args:
            prompts: list of lists of int token ids, each non-empty and no
                longer than the model's context window, if it has one.
            max_new_tokens: int > 0.
            settings: `SamplingSettings`; defaults to plain sampling, seed 0.
            stop_token_ids: ids that end a row (kept in its output).
            encoder_inputs: for a model with an encoder, a nest of tensors
                with one row per prompt (e.g. the tokenized sources), which
                `init_decoding_state` encodes once; None otherwise.

        Returns:
            list of lists of int: each prompt followed by its new tokens.
        """
        settings = settings or SamplingSettings()
        padded, lengths = self._padded_prompts(prompts, max_new_tokens)
        tokens, out_lengths = self._decode(
            padded, lengths, max_new_tokens, settings.as_tensors(), _ids(stop_token_ids),
            encoder_inputs,
        )
        tokens, out_lengths = tokens.numpy(), out_lengths.numpy()
        return [tokens[row, : out_lengths[row]].tolist() for row in range(len(prompts))]

    def beam_search_ids(
        self,
        prompts,
        max_new_tokens,
        num_beams,
        length_penalty=1.0,
        early_stopping=False,
        num_return_sequences=1,
        stop_token_ids=(),
        encoder_inputs=None,
    ):
        """The best continuations of token-id prompts by beam search.

        Args:
            prompts, max_new_tokens, stop_token_ids, encoder_inputs: see
                `generate_ids`.
            num_beams, length_penalty, early_stopping, num_return_sequences:
                see `kerazoo.generation.beam_search.beam_search`.

        Returns:
            `(sequences, scores)`: for each prompt a list of
            `num_return_sequences` token-id lists (prompt + continuation,
            best first), and their scores.
        """
        padded, lengths = self._padded_prompts(prompts, max_new_tokens, slides=False)
        tokens, out_lengths, scores = self._beam_search(
            padded, lengths, _ids(stop_token_ids), encoder_inputs, max_new_tokens=max_new_tokens,
            num_beams=num_beams, length_penalty=float(length_penalty),
            early_stopping=bool(early_stopping), num_return_sequences=num_return_sequences,
        )
        tokens, out_lengths, scores = tokens.numpy(), out_lengths.numpy(), scores.numpy()
        sequences = [
            [tokens[row, k, : out_lengths[row, k]].tolist() for k in range(tokens.shape[1])]
            for row in range(len(prompts))
        ]
        return sequences, scores.tolist()

    def _padded_prompts(self, prompts, max_new_tokens, slides=True):
        """Checked prompts, right-padded to a width bucket: (tokens, lengths) tensors.

        `slides=False` (beam search) also checks that prompt and output fit
        in the context window, and keeps the padding inside it.
        """
        if not isinstance(max_new_tokens, int) or max_new_tokens <= 0:
            raise ValueError(f"`max_new_tokens` must be a positive int, got {max_new_tokens!r}.")
        if not prompts:
            raise ValueError("`prompts` is empty: pass at least one prompt.")
        context = self.model.context_window
        for i, prompt in enumerate(prompts):
            if len(prompt) == 0:
                raise ValueError(f"Prompt {i} is empty: pass at least one token.")
            if context is not None and len(prompt) > context:
                raise ValueError(
                    f"Prompt {i} has {len(prompt)} tokens, more than the model's "
                    f"context of {context}. Shorten the prompt (keep its last "
                    f"{context} tokens) or use a model with a longer context."
                )
        longest = max(len(p) for p in prompts)
        width = -(-longest // _WIDTH_BUCKET) * _WIDTH_BUCKET
        if context is not None and not slides:
            if longest + max_new_tokens > context:
                raise ValueError(
                    f"The longest prompt ({longest} tokens) plus `max_new_tokens`="
                    f"{max_new_tokens} exceed the model's context of {context}, and beam "
                    "search does not slide the window. Ask for at most "
                    f"{context - longest} new tokens or shorten the prompt."
                )
            width = max(longest, min(width, context - max_new_tokens))
        elif context is not None:
            width = min(context, width)
        padded = np.zeros((len(prompts), width), np.int32)
        for row, prompt in enumerate(prompts):
            padded[row, : len(prompt)] = prompt
        lengths = np.array([len(p) for p in prompts], np.int32)
        return tf.constant(padded), tf.constant(lengths)


def _ids(token_ids):
    return tf.constant(list(token_ids), tf.int32, shape=(len(token_ids),))


_GENERATORS = weakref.WeakKeyDictionary()


def generator_for(model, jit_compile=True):
    """The cached `Generator` of `model`, made on first use."""
    key = (jit_compile,)
    generators = _GENERATORS.setdefault(model, {})
    if key not in generators:
        generators[key] = Generator(model, jit_compile=jit_compile, hold_model=False)
    return generators[key]


def resolve_stop_token_ids(tokenizer, stop_tokens):
    """Ids of `stop_tokens` (strings of one token each, or ids); by default
    the tokenizer's end token, if it has one."""
    if stop_tokens is None:
        end = getattr(tokenizer, "end_token_id", None)
        return () if end is None else (end,)
    ids = []
    for token in stop_tokens:
        if isinstance(token, (int, np.integer)):
            ids.append(int(token))
            continue
        encoded = tokenizer.encode(token)
        if len(encoded) != 1:
            raise ValueError(
                f"Stop token {token!r} is {len(encoded)} tokens for this "
                "tokenizer; each stop token must be exactly one token (or an id)."
            )
        ids.append(encoded[0])
    return tuple(ids)


def generate(
    model,
    tokenizer,
    prompts,
    max_new_tokens=100,
    temperature=1.0,
    top_k=0,
    top_p=1.0,
    greedy=False,
    repetition_penalty=1.0,
    num_return_sequences=1,
    stop_tokens=None,
    seed=0,
    jit_compile=True,
    num_beams=1,
    length_penalty=1.0,
    early_stopping=False,
):
    """Generate text from prompts with a language model.

    Decoding carries the model's decoding state (a key/value cache, a
    recurrent state) in a loop compiled with XLA; a second call with the
    same batch size, prompt width bucket and `max_new_tokens` reuses it.
    When prompt + new tokens outgrow the model's context the window slides
    (see `kerazoo.generation.decoding`). With `num_beams > 1` it runs beam
    search instead (`kerazoo.generation.beam_search`): deterministic, so the
    sampling settings are unused, and without a sliding window.

    An empty prompt, or one longer than the context, is an error here; the
    exported SavedModel instead starts an empty prompt from the end token
    and keeps a long prompt's last tokens, since a server must answer every
    request (`kerazoo.export.text_generation`).

    Args:
        model: e.g. `kerazoo.models.build("gpt")`.
        tokenizer: a kerazoo tokenizer (`encode`, `decode`, `end_token_id`).
        prompts: a string, or a list of strings (of any lengths).
        max_new_tokens: int > 0, new tokens per sequence.
        temperature, top_k, top_p, greedy, repetition_penalty, seed: see
            `SamplingSettings`. The same seed gives the same text.
        num_return_sequences: int >= 1, samples per prompt; with beam
            search, the n best hypotheses (at most `num_beams`).
        stop_tokens: strings (one token each) or ids ending a sequence;
            defaults to the tokenizer's end token, if it has one.
        jit_compile: compile with XLA. Defaults to True.
        num_beams: int >= 1; > 1 runs beam search with that many beams.
        length_penalty: float; beam scores are divided by (new tokens) **
            `length_penalty`, so > 0 favours longer outputs.
        early_stopping: bool; stop a prompt's search once it has
            `num_beams` finished hypotheses.

    Returns:
        The prompt followed by its continuation (the stop token dropped): a
        string for a single prompt string with `num_return_sequences=1`,
        else a list of strings, `num_return_sequences` per prompt in order.
    """
    settings = SamplingSettings(
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        greedy=greedy,
        repetition_penalty=repetition_penalty,
        seed=seed,
    )
    if not isinstance(num_return_sequences, int) or num_return_sequences < 1:
        raise ValueError(
            f"`num_return_sequences` must be an int >= 1, got {num_return_sequences!r}."
        )
    single = isinstance(prompts, str)
    texts = [prompts] if single else list(prompts)
    if not all(isinstance(t, str) for t in texts):
        raise TypeError("`prompts` must be a string or a list of strings.")
    check_int("num_beams", num_beams, low=1)
    stop_ids = resolve_stop_token_ids(tokenizer, stop_tokens)
    generator = generator_for(model, jit_compile)
    if num_beams > 1:
        prompts = [tokenizer.encode(t) for t in texts]
        sequences, _ = generator.beam_search_ids(
            prompts, max_new_tokens, num_beams, length_penalty, early_stopping,
            num_return_sequences, stop_ids,
        )
        encoded = [p for p in prompts for _ in range(num_return_sequences)]
        outputs = [sequence for best in sequences for sequence in best]
    else:
        encoded = [tokenizer.encode(t) for t in texts for _ in range(num_return_sequences)]
        outputs = generator.generate_ids(encoded, max_new_tokens, settings, stop_ids)
    results = []
    for prompt, output in zip(encoded, outputs):
        new = output[len(prompt) :]
        if new and new[-1] in stop_ids:
            new = new[:-1]
        results.append(tokenizer.decode(prompt + new))
    return results[0] if single and num_return_sequences == 1 else results
