"""Quality of `gpt-nano` on Tiny Shakespeare after 2000 steps: full validation loss.

The recipe is `kerazoo train gpt`'s (`kerazoo.tasks.training_settings`:
batch 12, context 64, 2000 steps, learning rate 1e-3 with 100 warmup steps and
cosine decay to 1e-4, AdamW beta 0.85 / 0.999, weight decay 0.1 on matrices
only, clip 5, XLA), char level, nanoGPT's 90/10 split, with 4 epochs (fewer
validations) instead of 10. The validation loss is
the mean cross-entropy per character over *every* non-overlapping 64-char
window of the validation split (nanoGPT estimates it on 20 random batches).

    python benchmarks/gpt_quality.py                 # seed 1337, about 2 minutes
    python benchmarks/gpt_quality.py --seeds 1337 1 2
"""

import argparse
import os
import pathlib
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from kerazoo.data import CharTokenizer, causal_lm_datasets, read_text_file  # noqa: E402
from kerazoo.models import build  # noqa: E402
from kerazoo.tasks import training_settings  # noqa: E402
from kerazoo.training import train  # noqa: E402

CORPUS = pathlib.Path(__file__).resolve().parents[1] / "data" / "tinyshakespeare.txt"


def run(seed, steps, work):
    keras.utils.set_random_seed(seed)
    config, batch_size = training_settings("gpt", "gpt-nano", steps=steps, epochs=4)
    tokenizer = CharTokenizer.from_corpus(read_text_file(CORPUS))
    datasets = causal_lm_datasets(CORPUS, tokenizer, 64, batch_size, seed=seed, progress=False)
    model = build("gpt", "gpt-nano", vocabulary_size=tokenizer.vocabulary_size())
    started = time.perf_counter()
    history = train(model, datasets.train, datasets.validation, work / f"seed-{seed}", config, verbose=0)
    return history["epochs"]["val_loss"][-1], time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1337])
    parser.add_argument("--steps", type=int, default=2000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for seed in args.seeds:
            loss, seconds = run(seed, args.steps, pathlib.Path(work))
            rows.append((seed, loss, seconds))
            print(f"seed {seed}: validation loss {loss:.4f} nats/char, {seconds:.0f} s", flush=True)
    print("\n| seed | full validation loss (nats/char) | wall time (train + 4 validations) |")
    print("|---:|---:|---:|")
    for seed, loss, seconds in rows:
        print(f"| {seed} | {loss:.4f} | {seconds:.0f} s |")
    if len(rows) > 1:
        print(f"| mean | {statistics.mean(r[1] for r in rows):.4f} | |")


if __name__ == "__main__":
    main()
