"""Beam search speed of kerazoo's GPT against keras-hub's `BeamSampler`.

Batch 1, 4 beams, a 16-token prompt and 256 new tokens on gpt-nano's shape
(4 layers, 4 heads, width 128, vocabulary 65) with a context of 272, so no
window slides. kerazoo runs `beam_search` inside one
`tf.function(jit_compile=True)`; keras-hub runs `GPT2CausalLM.generate` with
`BeamSampler(num_beams=4)`, with and without XLA, given token ids and a
padding mask directly. Neither side has a stop token, so both generate all
256 tokens. Weights are random and differ between the two models; with no
stop token the work does not depend on them.

A reference row runs kerazoo's greedy `Generator` on 4 copies of the prompt:
the same model steps at batch 4 without the beam bookkeeping (log-softmax,
top-k over beams x vocabulary, gathers of the cache and the sequences).

Tokens/s counts the 256 new tokens of the returned sequence per call, after
compilation and warm-up (the first call, which traces and compiles, is timed
on its own). Timed windows alternate between the contenders for `--repeats`
rounds; the table gives medians and the median of per-round ratios.

A sanity line checks that kerazoo's beam search with one beam gives the
greedy `Generator`'s tokens on the same model.

Run from the repository root:

    python3 -m benchmarks.gpt_beam_search             # four to five minutes on 2 shared cores
    python3 -m benchmarks.gpt_beam_search --quick     # smoke test
"""

import argparse
import datetime
import os
import platform

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
    ratio_quartiles,
    require_positive,
    verdict,
)
from benchmarks.gpt_generate import (  # noqa: E402
    PROMPT_LENGTH,
    SEED,
    keras_hub_lm,
    keras_hub_run,
)
from kerazoo.generation import Generator, SamplingSettings  # noqa: E402
from kerazoo.generation.beam_search import beam_search  # noqa: E402

NUM_BEAMS = 4
GREEDY = SamplingSettings(greedy=True)


def kerazoo_beam_run(model, prompt, new_tokens, num_beams):
    """A callable running kerazoo's XLA-compiled beam search; it returns (tokens, lengths)."""
    search = tf.function(
        lambda token_ids, lengths: beam_search(model, token_ids, lengths, new_tokens, num_beams),
        jit_compile=True,
    )
    token_ids = tf.constant([prompt], tf.int32)
    lengths = tf.constant([len(prompt)], tf.int32)

    def run():
        tokens, out_lengths, _ = search(token_ids, lengths)
        return tokens.numpy(), out_lengths.numpy()

    return run


def one_beam_is_greedy(model, prompt, new_tokens):
    """Whether a one-beam search gives the greedy `Generator`'s tokens."""
    tokens, lengths = kerazoo_beam_run(model, prompt, new_tokens, num_beams=1)()
    greedy = Generator(model).generate_ids([prompt], new_tokens, GREEDY)[0]
    return tokens[0, 0, : lengths[0, 0]].tolist() == greedy


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20, help="timed rounds per contender")
    parser.add_argument("--calls", type=int, default=1, help="searches per timed window")
    parser.add_argument("--quick", action="store_true", help="tiny run, a smoke test")
    args = parser.parse_args()
    args.new_tokens = 256
    if args.quick:
        args.repeats, args.new_tokens = 3, 32
    require_positive(parser, args, ("repeats", "calls"))
    return args


def main():
    args = parse_args()
    keras.utils.set_random_seed(SEED)
    prompt = np.random.default_rng(SEED).integers(0, 65, PROMPT_LENGTH).tolist()
    context = PROMPT_LENGTH + args.new_tokens
    print(
        f"\nGPT beam search, batch 1, {NUM_BEAMS} beams, {datetime.date.today()}, "
        f"{platform.machine()} with {os.cpu_count()} cores, TensorFlow {tf.__version__}, "
        f"Keras {keras.__version__}, keras-hub {keras_hub.__version__}; {args.repeats} "
        f"interleaved rounds of {args.calls} searches per contender after one warm-up call; "
        "'first call' = tracing + XLA compilation + one run"
        + ("; --quick: a smoke test, its ratios say nothing" if args.quick else "")
    )
    model = kerazoo.models.build("gpt", "gpt-nano", max_sequence_length=context)
    kerazoo_name = "kerazoo beam_search, jit_compile=True"
    hub_names = {jit: f"keras-hub BeamSampler, jit_compile={jit}" for jit in (True, False)}
    reference = f"reference: kerazoo greedy, {NUM_BEAMS} rows"
    runs = {kerazoo_name: kerazoo_beam_run(model, prompt, args.new_tokens, NUM_BEAMS)}
    for jit, name in hub_names.items():
        lm = keras_hub_lm(context, keras_hub.samplers.BeamSampler(num_beams=NUM_BEAMS), jit)
        runs[name] = keras_hub_run(lm, prompt, context)
    generator = Generator(model)
    runs[reference] = lambda: generator.generate_ids(
        [prompt] * NUM_BEAMS, args.new_tokens, GREEDY
    )
    seconds, first_seconds, outputs = measure(runs, args)

    produced = {kerazoo_name: outputs[kerazoo_name][1][0, 0]}
    produced.update({name: outputs[name]["padding_mask"].sum() for name in hub_names.values()})
    for name, count in produced.items():
        assert count == context, f"{name} produced {count} tokens, not {context}"

    hub = hub_names[True]
    rows = rate_rows(seconds, args.new_tokens, first_seconds, hub)
    print(
        f"\n### kerazoo vs keras-hub beam search: gpt-nano shape, context {context}, "
        f"{PROMPT_LENGTH}-token prompt + {args.new_tokens} new tokens, {NUM_BEAMS} beams, "
        "no stop token\n"
    )
    print(markdown_table(RATE_HEADER + ["vs keras-hub (XLA)"], rows) + "\n")
    low, middle, high = ratio_quartiles(seconds[hub], seconds[kerazoo_name])
    print(
        f"- kerazoo / keras-hub (XLA) = {middle:.2f}x (quartiles {low:.2f}-{high:.2f}); "
        f"goal >= 1.5x: {verdict(middle >= 1.5)}"
    )
    low, middle, high = ratio_quartiles(seconds[hub_names[False]], seconds[kerazoo_name])
    print(f"- kerazoo / keras-hub (no XLA) = {middle:.2f}x (quartiles {low:.2f}-{high:.2f})")
    overhead = median_ratio(seconds[kerazoo_name], seconds[reference])
    print(
        f"- kerazoo beam search / greedy on {NUM_BEAMS} rows (time per call) = {overhead:.2f}x: "
        "the cost of the beam bookkeeping over the same model steps"
    )
    sanity_tokens = min(32, args.new_tokens)
    same = one_beam_is_greedy(model, prompt, sanity_tokens)
    print(
        f"- sanity: kerazoo beam search with 1 beam equals the greedy Generator "
        f"({sanity_tokens} new tokens): {'yes' if same else 'NO'}"
    )
    if not same:
        raise SystemExit("one-beam search differs from greedy decoding")


if __name__ == "__main__":
    main()
