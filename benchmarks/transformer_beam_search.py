"""Beam search speed of kerazoo's Transformer: cached vs uncached, and vs keras-hub's `BeamSampler`.

Batch 32 sources of 16 real tokens, 4 beams, 32 new tokens and no stop
token (so every contender does the same work), on `transformer-tiny`'s
shape (3 + 3 blocks, width 256, 8 heads, feed-forward 512) with an
8,000-token vocabulary. Weights are random: speed does not depend on them.

- kerazoo, cached: `beam_search` over the model's decoding protocol (the
  encoder once, a self-attention cache, cross-attention keys/values once
  per source), XLA-compiled, as `translate(..., num_beams=4)` runs it.
- kerazoo, uncached: the same `beam_search` and the same model, but each
  step re-runs the whole decoder (all blocks, cross-attention projections
  included) over the fixed-width target buffer and reads the logits of the
  current position; the encoder still runs once. XLA-compiled.
- keras-hub: the same shape built from keras-hub's `TransformerEncoder` /
  `TransformerDecoder` (`benchmarks.keras_hub_transformer`), decoded by
  keras-hub's `BeamSampler` with the layers' caches as `BartSeq2SeqLM`
  does, XLA-compiled.

Sentences/s = 32 / seconds per call, after a first call (tracing and
compilation) and a warm-up. Windows alternate between contenders; ratios
are medians of per-round ratios. A sanity line reports whether the cached
and uncached searches return the same tokens.

Run from the repository root:

    python3 -m benchmarks.transformer_beam_search           # minutes on 2 shared cores
    python3 -m benchmarks.transformer_beam_search --quick   # smoke test
"""

import argparse
import datetime
import os
import platform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import ops  # noqa: E402

import kerazoo.models  # noqa: E402
from benchmarks.common import markdown_table, measure, ratio_quartiles, verdict  # noqa: E402
from benchmarks.keras_hub_transformer import KerasHubTransformer  # noqa: E402
from kerazoo.generation.beam_search import beam_search  # noqa: E402

BATCH, NUM_BEAMS, SOURCE_LENGTH, VOCABULARY, START, SEED = 32, 4, 16, 8000, 2, 1337


class UncachedDecoding:
    """The decoding protocol over a `TransformerEncoderDecoder` without a decoder cache.

    The state keeps the target tokens so far in a fixed-width buffer and the
    encoder outputs; every step writes the new tokens and re-runs all
    decoder blocks over the whole buffer (causal, so later slots do not
    matter), returning the logits of the new positions.
    """

    def __init__(self, model, width):
        self.model, self.width = model, width
        self.vocabulary_size = model.vocabulary_size
        self.context_window = width

    def init_decoding_state(self, batch_size, encoder_inputs=None):
        mask = ops.cast(encoder_inputs["encoder_padding_mask"], "int32")
        memory = self.model.encode(encoder_inputs["encoder_token_ids"], mask, training=False)
        return {"tokens": ops.zeros((batch_size, self.width), "int32"), "memory": memory,
                "mask": mask}

    def decode_step(self, token_ids, state, index, token_mask=None):
        tokens = ops.slice_update(state["tokens"], (0, index), ops.cast(token_ids, "int32"))
        x = self.model.target_embeddings(tokens)
        for block in self.model.decoder_layers:
            x = block(x, memory=state["memory"], padding_mask=ops.ones_like(tokens),
                      memory_padding_mask=state["mask"])
        hidden = ops.slice(x, (0, index, 0), (ops.shape(x)[0], ops.shape(token_ids)[1],
                                               ops.shape(x)[2]))
        logits = self.model.target_embeddings.token_embedding(
            self.model.decoder_final_norm(hidden), reverse=True)
        return ops.cast(logits, "float32"), {**state, "tokens": tokens}


def kerazoo_run(model, sources, new_tokens):
    encoder_inputs = {"encoder_token_ids": tf.constant(sources),
                      "encoder_padding_mask": tf.ones_like(tf.constant(sources))}
    prompts, lengths = tf.fill((BATCH, 1), START), tf.ones((BATCH,), tf.int32)
    search = tf.function(lambda inputs: beam_search(
        model, prompts, lengths, new_tokens, NUM_BEAMS, encoder_inputs=inputs)[0],
        jit_compile=True)
    return lambda: search(encoder_inputs).numpy()[:, 0]


def keras_hub_run(peer, sources, new_tokens):
    search = tf.function(lambda ids: peer.beam_search(ids, new_tokens, NUM_BEAMS, START),
                         jit_compile=True)
    source_ids = tf.constant(sources)
    return lambda: np.asarray(search(source_ids))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=10, help="timed rounds per contender")
    parser.add_argument("--calls", type=int, default=1, help="searches per timed window")
    parser.add_argument("--quick", action="store_true", help="tiny run, a smoke test")
    args = parser.parse_args()
    args.new_tokens = 32
    if args.quick:
        args.repeats, args.new_tokens = 2, 6
    return args


def main():
    args = parse_args()
    keras.utils.set_random_seed(SEED)
    sources = np.random.default_rng(SEED).integers(4, VOCABULARY, (BATCH, SOURCE_LENGTH))
    sources = sources.astype("int32")
    print(
        f"\nTransformer beam search, batch {BATCH}, {NUM_BEAMS} beams, {datetime.date.today()}, "
        f"{platform.machine()} with {os.cpu_count()} cores, TensorFlow {tf.__version__}, "
        f"Keras {keras.__version__}, keras-hub {keras_hub.__version__}; {args.repeats} "
        f"interleaved rounds of {args.calls} searches per contender after one warm-up call; "
        "random weights"
        + ("; --quick: a smoke test, its ratios say nothing" if args.quick else "")
    )
    width = 1 + args.new_tokens
    model = kerazoo.models.build("transformer", "transformer-tiny", vocabulary_size=VOCABULARY,
                                 max_target_length=width, dropout=0.0)
    peer = KerasHubTransformer(VOCABULARY, max_length=max(width, SOURCE_LENGTH), dropout=0.0)
    names = ("kerazoo beam_search, cached", "kerazoo beam_search, uncached",
             "keras-hub BeamSampler, cached")
    runs = dict(zip(names, (kerazoo_run(model, sources, args.new_tokens),
                            kerazoo_run(UncachedDecoding(model, width), sources, args.new_tokens),
                            keras_hub_run(peer, sources, args.new_tokens))))
    seconds, first_seconds, outputs = measure(runs, args)
    for name, tokens in outputs.items():
        assert tokens.shape == (BATCH, width), f"{name} returned {tokens.shape}"

    rows = []
    for name in names:
        rate = np.median([BATCH / s for s in seconds[name]])
        rows.append([name, f"{rate:,.1f}", f"{1000 * np.median(seconds[name]):,.0f}",
                     f"{first_seconds[name]:.1f}",
                     f"{ratio_quartiles(seconds[name], seconds[names[0]])[1]:.2f}x"])
    print(f"\n### Transformer beam search: transformer-tiny shape, batch {BATCH}, "
          f"{NUM_BEAMS} beams, {SOURCE_LENGTH}-token sources, {args.new_tokens} new tokens\n")
    print(markdown_table(["contender", "sentences/s", "ms per batch", "first call s",
                          "cached is faster by"], rows) + "\n")
    for name, goal in ((names[1], 3.0), (names[2], 1.5)):
        low, middle, high = ratio_quartiles(seconds[name], seconds[names[0]])
        print(f"- cached kerazoo / {name} = {middle:.2f}x (quartiles {low:.2f}-{high:.2f}); "
              f"goal >= {goal}x: {verdict(middle >= goal)}")
    same = np.mean(np.all(outputs[names[0]] == outputs[names[1]], axis=1))
    print(f"- sanity: cached and uncached searches give the same tokens for {same:.0%} of "
          "the sentences")


if __name__ == "__main__":
    main()
