"""Text in, text out: tokenise prompts, run the compiled decoding loop, detokenise."""

import weakref

import numpy as np
import tensorflow as tf

from kerazoo.generation.decoding import decode
from kerazoo.generation.protocol import check_decodable
from kerazoo.generation.sampling import SamplingSettings

# Prompt widths are rounded up to a multiple of this, so prompts of similar
# length share one compiled loop.
_WIDTH_BUCKET = 16


class Generator:
    """Compiled decoding for one model of the decoding protocol.

    The decoding loop is compiled once per (batch, prompt width, max new
    tokens) shape; sampling settings and seeds are tensors, so changing them
    does not retrace. `trace_count` says how often it compiled.

    The generator holds its model weakly, so caching generators per model
    (`generator_for`) never keeps a deleted model alive.

    Args:
        model: a model of the decoding protocol (`kerazoo.generation.protocol`),
            e.g. `kerazoo.models.build("gpt")`.
        jit_compile: compile the loop with XLA. Defaults to True.
    """

    def __init__(self, model, jit_compile=True):
        check_decodable(model)
        self._model = weakref.ref(model)
        self.trace_count = 0
        self._decode = tf.function(self._traced_decode, jit_compile=jit_compile)

    @property
    def model(self):
        model = self._model()
        if model is None:
            raise ReferenceError("The model of this Generator was deleted.")
        return model

    def _traced_decode(self, token_ids, prompt_lengths, max_new_tokens, settings, stop_ids):
        self.trace_count += 1
        return decode(self.model, token_ids, prompt_lengths, max_new_tokens, settings, stop_ids)

    def generate_ids(self, prompts, max_new_tokens, settings=None, stop_token_ids=()):
        """Extend token-id prompts.

        Args:
            prompts: list of lists of int token ids, each non-empty and no
                longer than the model's context window, if it has one.
            max_new_tokens: int > 0.
            settings: `SamplingSettings`; defaults to plain sampling, seed 0.
            stop_token_ids: ids that end a row (kept in its output).

        Returns:
            list of lists of int: each prompt followed by its new tokens.
        """
        settings = settings or SamplingSettings()
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
        if context is not None:
            width = min(context, width)
        padded = np.zeros((len(prompts), width), np.int32)
        for row, prompt in enumerate(prompts):
            padded[row, : len(prompt)] = prompt
        lengths = np.array([len(p) for p in prompts], np.int32)
        tokens, out_lengths = self._decode(
            tf.constant(padded),
            tf.constant(lengths),
            max_new_tokens,
            settings.as_tensors(),
            tf.constant(list(stop_token_ids), tf.int32, shape=(len(stop_token_ids),)),
        )
        tokens, out_lengths = tokens.numpy(), out_lengths.numpy()
        return [tokens[row, : out_lengths[row]].tolist() for row in range(len(prompts))]


_GENERATORS = weakref.WeakKeyDictionary()


def generator_for(model, jit_compile=True):
    """The cached `Generator` of `model`, made on first use."""
    key = (jit_compile,)
    generators = _GENERATORS.setdefault(model, {})
    if key not in generators:
        generators[key] = Generator(model, jit_compile=jit_compile)
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
):
    """Generate text from prompts with a causal language model.

    Decoding uses the model's key/value cache in a loop compiled with XLA;
    a second call with the same batch size, prompt width bucket and
    `max_new_tokens` reuses it. When prompt + new tokens outgrow the
    model's context the window slides (see `kerazoo.generation.decoding`).

    Args:
        model: e.g. `kerazoo.models.build("gpt")`.
        tokenizer: a kerazoo tokenizer (`encode`, `decode`, `end_token_id`).
        prompts: a string, or a list of strings (of any lengths).
        max_new_tokens: int > 0, new tokens per sequence.
        temperature, top_k, top_p, greedy, repetition_penalty, seed: see
            `SamplingSettings`. The same seed gives the same text.
        num_return_sequences: int >= 1, samples per prompt.
        stop_tokens: strings (one token each) or ids ending a sequence;
            defaults to the tokenizer's end token, if it has one.
        jit_compile: compile with XLA. Defaults to True.

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
    encoded = [tokenizer.encode(t) for t in texts for _ in range(num_return_sequences)]
    stop_ids = resolve_stop_token_ids(tokenizer, stop_tokens)
    outputs = generator_for(model, jit_compile).generate_ids(
        encoded, max_new_tokens, settings, stop_ids
    )
    results = []
    for prompt, output in zip(encoded, outputs):
        new = output[len(prompt) :]
        if new and new[-1] in stop_ids:
            new = new[:-1]
        results.append(tokenizer.decode(prompt + new))
    return results[0] if single and num_return_sequences == 1 else results
