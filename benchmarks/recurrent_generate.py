"""Generation speed of the recurrent LMs: the carried state against re-running the prefix.

`lstm_lm ptb-small` (2 x 200 LSTM, PTB's 10,002-word vocabulary), batch 1,
a 16-token prompt and 256 new tokens, greedy. Contenders:

- `Generator` (kerazoo.generation): the prompt read once, then one step
  per new token with the recurrent state carried (the decoding protocol's
  `decode_step`), in one XLA-compiled `tf.while_loop`.
- recompute, whole buffer (with `--whole-buffer`; it is the slowest): at every step the model runs on the whole
  token buffer (prompt + every new token, zero-padded to its final length
  so one compiled shape serves every step; a recurrent model is causal, so
  the padding after the position does not change its logits), and the
  next token comes from the logits at the last real position: what
  `model(token_ids)` in a loop costs.
- recompute, exact prefix: at every step the state restarts from zero and
  the prefix is read again token by token (`decode_step`), only as far as
  it goes, and only its last position goes through the softmax: the
  cheapest way to re-run the prefix.

Both recompute loops are `tf.while_loop`s compiled with XLA, like the
Generator's, and every contender must produce the same greedy tokens
(the table says how many of them agree). `--model` takes a trained
`lstm_lm ptb-small` (`.keras`, e.g. a checkpoint of
`benchmarks.lstm_ptb_quality`'s run), whose greedy choices are clear;
without it the weights are random, uniform in [-1, 1] (seeded; the
preset's [-0.1, 0.1] leaves an untrained model's top logits within 1e-3 of
each other, near ties that the kernels' different float rounding flips,
and [-1, 1] still has a few over 256 tokens). Speed does not depend on the
values. Timed windows alternate between the
contenders (`benchmarks.common.interleaved_seconds`); the ratio is the
median of per-round ratios against the faster recompute.

Run from the repository root:

    python3 -m benchmarks.recurrent_generate            # a few minutes on 2 shared cores
    python3 -m benchmarks.recurrent_generate --quick    # smoke test
"""

import argparse
import datetime
import os
import platform
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
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
)
from benchmarks.gpt_generate import kerazoo_run  # noqa: E402
from kerazoo.generation import Generator, SamplingSettings  # noqa: E402

FAMILY, PRESET = "lstm_lm", "ptb-small"
SEED = 1234
PROMPT_LENGTH = 16
GREEDY = SamplingSettings(greedy=True)
GOAL = 3.0


class WholeBufferRecompute:
    """Each step runs `model` on the whole zero-padded buffer; the last real position's logits pick."""

    def __init__(self, model):
        self.model = model
        self._decode = tf.function(self._traced_decode, jit_compile=True)

    def _traced_decode(self, token_ids, max_new_tokens):
        prompt_length = token_ids.shape[1]
        buffer = tf.pad(token_ids, [[0, 0], [0, max_new_tokens]])

        def body(index, buffer):
            logits = self.model(buffer)  # (1, prompt + new tokens, vocabulary)
            token = tf.argmax(logits[:, index - 1, :], axis=-1, output_type=tf.int32)
            return index + 1, tf.tensor_scatter_nd_update(buffer, [[0, index]], token)

        _, buffer = tf.while_loop(
            lambda index, buffer: index < prompt_length + max_new_tokens,
            body,
            (tf.constant(prompt_length), buffer),
        )
        return buffer

    def generate_ids(self, prompt, max_new_tokens):
        ids = self._decode(tf.constant([prompt], tf.int32), max_new_tokens)
        return ids.numpy()[0].tolist()


class ExactPrefixRecompute(WholeBufferRecompute):
    """Each step reads the prefix again from a zero state, token by token, and scores its end."""

    def _traced_decode(self, token_ids, max_new_tokens):
        model = self.model
        prompt_length = token_ids.shape[1]
        buffer = tf.pad(token_ids, [[0, 0], [0, max_new_tokens]])

        def body(index, buffer):
            # `tf.slice`: `buffer[:, t : t + 1]` read zeros here under XLA (TF 2.21).
            def read(t, state):
                _, state = model.decode_step(tf.slice(buffer, [0, t], [1, 1]), state, t)
                return t + 1, state

            # Every token of the prefix but the last only moves the state.
            _, state = tf.while_loop(
                lambda t, state: t < index - 1, read,
                (tf.constant(0), model.init_decoding_state(1)),
            )
            last = tf.slice(buffer, [0, index - 1], [1, 1])
            logits, _ = model.decode_step(last, state, index - 1)
            token = tf.argmax(logits[:, -1, :], axis=-1, output_type=tf.int32)
            return index + 1, tf.tensor_scatter_nd_update(buffer, [[0, index]], token)

        _, buffer = tf.while_loop(
            lambda index, buffer: index < prompt_length + max_new_tokens,
            body,
            (tf.constant(prompt_length), buffer),
        )
        return buffer


def agreeing(tokens, reference, prompt_length):
    """How many new tokens agree with `reference` before the first difference."""
    new = list(zip(tokens[prompt_length:], reference[prompt_length:]))
    return next((i for i, (a, b) in enumerate(new) if a != b), len(new))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds per contender")
    parser.add_argument("--calls", type=int, default=1, help="generations per timed window")
    parser.add_argument("--quick", action="store_true", help="tiny run, a smoke test")
    parser.add_argument("--model", default=None,
                        help="a trained lstm_lm ptb-small .keras file (default: random weights)")
    parser.add_argument("--whole-buffer", action="store_true",
                        help="also time the model run on the whole padded buffer at every step")
    args = parser.parse_args()
    args.new_tokens = 256
    if args.quick:
        args.repeats, args.new_tokens = 2, 16
    require_positive(parser, args, ("repeats", "calls"))
    return args


def main():
    args = parse_args()
    keras.utils.set_random_seed(SEED)
    if args.model:
        model = keras.saving.load_model(args.model, compile=False)  # No optimizer needed.
    else:
        model = kerazoo.models.build(FAMILY, PRESET, init_scale=1.0)
    prompt = np.random.default_rng(SEED).integers(0, model.vocabulary_size, PROMPT_LENGTH)
    prompt = prompt.tolist()
    whole, exact = WholeBufferRecompute(model), ExactPrefixRecompute(model)
    runs = {
        "Generator (state carried)": kerazoo_run(Generator(model), prompt, args.new_tokens,
                                                 GREEDY),
        "recompute, exact prefix": lambda: exact.generate_ids(prompt, args.new_tokens),
    }
    if args.whole_buffer:
        runs["recompute, whole buffer"] = lambda: whole.generate_ids(prompt, args.new_tokens)
    seconds, first_seconds, outputs = measure(runs, args)
    cached = outputs["Generator (state carried)"][0]
    same = {name: output == cached for name, output in outputs.items() if name.startswith("re")}
    agree = {name: agreeing(outputs[name], cached, PROMPT_LENGTH) for name in same}
    recompute = min(same, key=lambda name: statistics.median(seconds[name]))
    ratio = median_ratio(seconds[recompute], seconds["Generator (state carried)"])

    print(
        f"\nRecurrent generation, {FAMILY} {PRESET} ({model.count_params():,} parameters, "
        f"{'weights of ' + args.model if args.model else 'random weights'}), "
        f"batch 1, {PROMPT_LENGTH}-token prompt + {args.new_tokens} new tokens, greedy, "
        f"{datetime.date.today()}, {platform.machine()} with {os.cpu_count()} cores, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}; {args.repeats} interleaved "
        f"rounds of {args.calls} generation(s) per contender after one warm-up call; 'first "
        "call' = tracing + XLA compilation + one run"
        + ("; --quick: a smoke test, its ratios say nothing" if args.quick else "")
        + "\n"
    )
    print(markdown_table(RATE_HEADER + [f"vs {recompute}"],
                         rate_rows(seconds, args.new_tokens, first_seconds, recompute)))
    print()
    for name, equal in same.items():
        print(f"- {name}: same greedy tokens as the Generator: {'yes' if equal else 'NO'} "
              f"(the first {agree[name]} of {args.new_tokens} new tokens agree)")
    print()
    print(markdown_table(["goal", "result", "met?"], [[
        f"Generator / re-running the prefix >= {GOAL:g}x at {args.new_tokens} new tokens",
        f"{ratio:.2f}x (against {recompute}, the faster)",
        "yes" if ratio >= GOAL and all(same.values()) else "no"]]))


if __name__ == "__main__":
    main()
