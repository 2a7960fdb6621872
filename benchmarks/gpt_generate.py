"""Cached generation speed of kerazoo's GPT: against keras-hub, against recomputing, over length.

Three measurements, batch 1, tokens/s after compilation and warm-up (the
first call, which traces and compiles, is timed on its own):

1. kerazoo's `Generator` against keras-hub's `GPT2CausalLM.generate` on the
   same shape (gpt-nano: 4 layers, 4 heads, width 128, vocabulary 65) with a
   context of 272 = 16 prompt tokens + 256 new ones, greedy and top-k. keras-hub
   gets token ids and a padding mask directly and runs with and without XLA.
2. The cached `Generator` against a loop that recomputes the whole window at
   every step (the same gpt-nano model, its real context of 64, the same
   sliding window and sampler, the whole loop compiled with XLA), 256 new
   tokens, greedy. The two must produce the same tokens.
3. gpt-mini (6 layers, width 384, context 256): time per token when
   generating 240 new tokens against 60; flat per-token time gives 1.0.

Timed windows alternate between the contenders for `--repeats` rounds; the
tables give medians and the median of per-round ratios.

Run from the repository root:

    python3 -m benchmarks.gpt_generate             # about two minutes on 2 cores
    python3 -m benchmarks.gpt_generate --quick     # smoke test
"""

import argparse
import datetime
import os
import platform
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import kerazoo.models  # noqa: E402
from benchmarks.common import (  # noqa: E402
    RATE_HEADER,
    markdown_table,
    measure,
    median_ratio,
    rate_rows,
    require_positive,
    verdict,
)
from kerazoo.generation import Generator, SamplingSettings  # noqa: E402
from kerazoo.generation.sampling import choose_next_token  # noqa: E402

SEED = 1234
PROMPT_LENGTH = 16  # One width bucket of kerazoo's Generator: no padding.
TOP_K = 10
SAMPLERS = {
    "greedy": (SamplingSettings(greedy=True), lambda: keras_hub.samplers.GreedySampler()),
    f"top-{TOP_K}": (
        SamplingSettings(top_k=TOP_K, seed=SEED),
        lambda: keras_hub.samplers.TopKSampler(k=TOP_K, seed=SEED),
    ),
}


def keras_hub_lm(context, sampler, jit_compile):
    """keras-hub's GPT-2 causal LM with gpt-nano's shape and `context` positions."""
    backbone = keras_hub.models.GPT2Backbone(
        vocabulary_size=65,
        num_layers=4,
        num_heads=4,
        hidden_dim=128,
        intermediate_dim=512,
        max_sequence_length=context,
    )
    lm = keras_hub.models.GPT2CausalLM(backbone, preprocessor=None)
    lm.compile(sampler=sampler, jit_compile=jit_compile)
    return lm


def keras_hub_run(lm, prompt, context):
    """A callable generating until `context` tokens with keras-hub."""
    token_ids = np.zeros((1, context), np.int32)
    token_ids[0, : len(prompt)] = prompt
    inputs = {
        "token_ids": tf.constant(token_ids),
        "padding_mask": tf.constant(np.arange(context)[None, :] < len(prompt)),
    }
    return lambda: lm.generate(inputs, stop_token_ids=None)


def kerazoo_run(generator, prompt, new_tokens, settings):
    """A callable generating `new_tokens` tokens with kerazoo's Generator."""
    return lambda: generator.generate_ids([prompt], new_tokens, settings)


class RecomputeGenerator:
    """Decoding without a cache: every step runs the model on the whole window.

    The window is the one kerazoo's cached loop attends to (the cache's
    sliding layout), padded to the full context so one compiled shape
    serves every step; the causal mask hides the padding and the next
    token comes from the logits at the last real position. The loop is a
    `tf.while_loop` compiled with XLA, like `Generator`'s.
    """

    def __init__(self, model):
        self.model = model
        self._decode = tf.function(self._traced_decode, jit_compile=True)

    def _traced_decode(self, token_ids, max_new_tokens, settings):
        model, context = self.model, self.model.max_sequence_length
        keep = context // 2
        stride = context - keep
        batch, prompt_length = token_ids.shape
        buffer = tf.pad(token_ids, [[0, 0], [0, max_new_tokens + context]])
        presence = tf.zeros((batch, model.vocabulary_size))

        def body(index, buffer):
            position = index - 1
            past_end = position - context
            offset = tf.where(past_end >= 0, stride * (1 + past_end // stride), 0)
            window = tf.slice(buffer, [0, offset], [batch, context])
            logits = model(window)  # (batch, context, vocabulary)
            logits = tf.cast(logits[:, position - offset, :], tf.float32)
            token = choose_next_token(logits, presence, settings, index)
            indices = tf.stack([tf.range(batch), tf.fill([batch], index)], axis=-1)
            return index + 1, tf.tensor_scatter_nd_update(buffer, indices, token)

        _, buffer = tf.while_loop(
            lambda index, buffer: index < prompt_length + max_new_tokens,
            body,
            (tf.constant(prompt_length), buffer),
        )
        return buffer[:, : prompt_length + max_new_tokens]

    def generate_ids(self, prompt, max_new_tokens, settings):
        token_ids = tf.constant([prompt], tf.int32)
        return self._decode(token_ids, max_new_tokens, settings.as_tensors()).numpy()[0].tolist()


def against_keras_hub(args, prompt):
    """Part 1: kerazoo's Generator against keras-hub's generate, greedy and top-k."""
    context = PROMPT_LENGTH + args.new_tokens
    generator = Generator(kerazoo.models.build("gpt", "gpt-nano", max_sequence_length=context))
    runs = {}
    for sampler, (settings, keras_hub_sampler) in SAMPLERS.items():
        runs[f"kerazoo, {sampler}"] = kerazoo_run(generator, prompt, args.new_tokens, settings)
        for jit_compile in (True, False):
            lm = keras_hub_lm(context, keras_hub_sampler(), jit_compile)
            runs[f"keras-hub, {sampler}, jit_compile={jit_compile}"] = keras_hub_run(
                lm, prompt, context
            )
    seconds, first_seconds, outputs = measure(runs, args)
    for name, output in outputs.items():
        produced = len(output[0]) if name.startswith("kerazoo") else output["padding_mask"].sum()
        assert produced == context, f"{name} produced {produced} tokens, not {context}"

    tables, findings = [], []
    for sampler in SAMPLERS:
        hub = [f"keras-hub, {sampler}, jit_compile={jit}" for jit in (True, False)]
        hub.sort(key=lambda name: statistics.median(seconds[name]))
        names = [f"kerazoo, {sampler}"] + hub
        rows = rate_rows(
            {name: seconds[name] for name in names}, args.new_tokens, first_seconds, hub[0]
        )
        tables.append(markdown_table(RATE_HEADER + ["vs best keras-hub"], rows))
        ratio = median_ratio(seconds[hub[0]], seconds[names[0]])
        findings.append(
            f"{sampler}: kerazoo / best keras-hub ({hub[0].split(', ')[-1]}) = "
            f"{ratio:.2f}x; goal >= 1.5x: {verdict(ratio >= 1.5)}"
        )
    title = (
        f"1. kerazoo vs keras-hub: gpt-nano shape, context {context}, "
        f"{PROMPT_LENGTH}-token prompt + {args.new_tokens} new tokens"
    )
    return title, tables, findings


def against_recompute(args, prompt):
    """Part 2: the cached Generator against recomputing the window at every step."""
    model = kerazoo.models.build("gpt", "gpt-nano")
    settings = SAMPLERS["greedy"][0]
    cached, recompute = Generator(model), RecomputeGenerator(model)
    runs = {
        "cached (Generator)": kerazoo_run(cached, prompt, args.new_tokens, settings),
        "recompute": lambda: recompute.generate_ids(prompt, args.new_tokens, settings),
    }
    seconds, first_seconds, outputs = measure(runs, args)
    same = outputs["cached (Generator)"][0] == outputs["recompute"]
    rows = rate_rows(seconds, args.new_tokens, first_seconds, "recompute")
    ratio = median_ratio(seconds["recompute"], seconds["cached (Generator)"])
    findings = [
        f"cached / recompute = {ratio:.2f}x; goal >= 3x: {verdict(ratio >= 3)}; "
        f"same greedy tokens: {'yes' if same else 'NO'}"
    ]
    title = (
        f"2. Cached vs recompute: gpt-nano, context {model.max_sequence_length} "
        f"(sliding window), {PROMPT_LENGTH}-token prompt + {args.new_tokens} new tokens, greedy"
    )
    return title, [markdown_table(RATE_HEADER + ["vs recompute"], rows)], findings


def flat_in_length(args, prompt):
    """Part 3: gpt-mini's per-token time, long against short generations."""
    prompt = prompt[: PROMPT_LENGTH // 2]
    generator = Generator(kerazoo.models.build("gpt", "gpt-mini"))
    settings = SAMPLERS["greedy"][0]
    counts = (args.long_tokens // 4, args.long_tokens)
    runs = {
        f"{count} new tokens": kerazoo_run(generator, prompt, count, settings)
        for count in counts
    }
    seconds, first_seconds, _ = measure(runs, args)
    per_token = {
        name: [s / count for s in seconds[name]] for name, count in zip(runs, counts)
    }
    rows = [
        [
            name,
            f"{1000 * statistics.median(values):.3f}",
            f"{1000 * min(values):.3f} - {1000 * max(values):.3f}",
            f"{first_seconds[name]:.1f}",
        ]
        for name, values in per_token.items()
    ]
    short, long = runs
    ratio = median_ratio(per_token[long], per_token[short])
    findings = [
        f"per-token time, {counts[1]} / {counts[0]} new tokens = {ratio:.2f}; "
        f"goal <= 1.3: {verdict(ratio <= 1.3)}"
    ]
    title = (
        f"3. Per-token time over length: gpt-mini (context "
        f"{generator.model.max_sequence_length}), {len(prompt)}-token prompt, greedy"
    )
    header = ["generation", "ms/token (median)", "range", "first call s"]
    return title, [markdown_table(header, rows)], findings


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds per contender")
    parser.add_argument("--calls", type=int, default=4, help="generations per timed window")
    parser.add_argument("--quick", action="store_true", help="tiny run, a smoke test")
    args = parser.parse_args()
    args.new_tokens, args.long_tokens = 256, 240
    if args.quick:
        args.repeats, args.calls, args.new_tokens, args.long_tokens = 3, 2, 32, 40
    require_positive(parser, args, ("repeats", "calls"))
    return args


def main():
    args = parse_args()
    keras.utils.set_random_seed(SEED)
    prompt = np.random.default_rng(SEED).integers(0, 65, PROMPT_LENGTH).tolist()
    print(
        f"\nGPT generation, batch 1, {datetime.date.today()}, {platform.machine()} with "
        f"{os.cpu_count()} cores, TensorFlow {tf.__version__}, Keras {keras.__version__}, "
        f"keras-hub {keras_hub.__version__}; {args.repeats} interleaved rounds of "
        f"{args.calls} generations per contender after one warm-up call; 'first call' = "
        "tracing + XLA compilation + one run"
        + ("; --quick: a smoke test, its ratios say nothing" if args.quick else "")
    )
    failed = []
    for part in (against_keras_hub, against_recompute, flat_in_length):
        # One part failing must not hide the others' numbers.
        try:
            title, tables, findings = part(args, prompt)
        except Exception as error:
            failed.append(part.__name__)
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            print(f"\n### {part.__name__} FAILED: {type(error).__name__}: {first_line}")
            continue
        print(f"\n### {title}\n")
        for table in tables:
            print(table + "\n")
        for finding in findings:
            print(f"- {finding}")
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
