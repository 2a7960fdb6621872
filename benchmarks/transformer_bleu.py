"""Multi30k de->en BLEU of `kerazoo train transformer` (transformer-tiny, the family's recipe).

It runs `kerazoo train transformer` (the same code path as the shell) into
`--out`, noting the wall time of each epoch, then translates the 1,000
sentences of test2016 greedily and with beam search (width 4), as
`kerazoo evaluate RUN --data test [--num-beams 4]` does, and prints
sacreBLEU (detokenized, 13a, with its signature), chrF and the tokenized,
lowercased BLEU of older Multi30k papers (labelled as such).

The run folder resumes: the same command carries on after a kill, from the
last finished epoch. `--report` trains nothing and scores what the folder
holds: the finished model, else the newest epoch checkpoint (an honest
partial result, named as such); the wall time to a checkpoint is then read
from the epoch log, else from the checkpoint file's time against the run's
`settings.json`.

Run from the repository root:

    python3 -m benchmarks.transformer_bleu --out runs/multi30k-tiny   # ~1 h on a quiet 2-core CPU
    python3 -m benchmarks.transformer_bleu --out runs/multi30k-tiny --report
    python3 -m benchmarks.transformer_bleu --quick                     # smoke test
"""

import argparse
import datetime
import os
import pathlib
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import kerazoo.runs  # noqa: E402
import kerazoo.tasks  # noqa: E402
from benchmarks.cli_runs import epoch_seconds, train_through_cli, trained_model  # noqa: E402
from benchmarks.common import markdown_table  # noqa: E402
from kerazoo.data.shipped import shipped_path  # noqa: E402
from kerazoo.data.translation import load_joint_word_piece  # noqa: E402
from kerazoo.tasks.seq2seq import MULTI30K_VOCABULARY  # noqa: E402
from kerazoo.training import latest_checkpoint, read_history  # noqa: E402

FAMILY = "transformer"
COMMAND = ["train", FAMILY]
GOAL = 30.0  # sacreBLEU on test2016 within 2 hours of training on 2 CPU cores.
PUBLISHED = 36.0  # transformer-tiny's size, greedy, tokenized BLEU.
BEAMS = (1, 4)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="runs/multi30k-tiny", help="run folder")
    parser.add_argument("--report", action="store_true",
                        help="train nothing: score what --out holds")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 20 steps in 1 epoch, 50 test sentences")
    parser.add_argument("--batch-size", type=int, default=64, help="translation batch size")
    return parser.parse_args()


def wall_minutes(run_dir, which):
    """Minutes from the run's start to the epoch `which` scores (None if unknown)."""
    seconds = epoch_seconds(run_dir)
    epochs = read_history(run_dir / "history.json")["epochs"]["epoch"]
    if epochs and str(epochs[-1]) in seconds:
        return seconds[str(epochs[-1])] / 60
    checkpoint = latest_checkpoint(run_dir / "checkpoints")
    if checkpoint is None:
        return None
    started = (run_dir / "settings.json").stat().st_mtime
    minutes = (checkpoint.stat().st_mtime - started) / 60
    return minutes if minutes > 0 else None  # A resumed run rewrites settings.json.


def test_source(quick, folder):
    """`test` (Multi30k test2016), or its first 50 pairs written to `folder` for --quick."""
    if not quick:
        return "test"
    from kerazoo.data.parallel_corpus import multi30k

    test = multi30k("test2016")
    paths = [folder / "quick.de", folder / "quick.en"]
    for path, lines in zip(paths, (test.sources[:50], test.targets[:50])):
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ",".join(str(path) for path in paths)


def main():
    args = parse_args()
    run_dir = pathlib.Path(args.out)
    quick = ["--steps", "20", "--epochs", "1", "--max-pairs", "2000"] if args.quick else []
    command = None if args.report else train_through_cli([*COMMAND, *quick], run_dir)
    history = read_history(run_dir / "history.json")["epochs"]
    model, which = trained_model(run_dir)
    if (run_dir / "run.json").exists():
        _, tokenizer, _ = kerazoo.runs.load_run(run_dir)
    else:  # A checkpoint of a run on the shipped Multi30k at the default size.
        tokenizer = load_joint_word_piece(shipped_path(MULTI30K_VOCABULARY, "--out a finished run"))
    task = kerazoo.tasks.task_of(FAMILY)
    source = test_source(args.quick, run_dir.parent)
    scores = {}
    for beams in BEAMS:
        started = time.perf_counter()
        scores[beams] = task.evaluate(model, tokenizer, source, args.batch_size, num_beams=beams)
        scores[beams]["seconds"] = time.perf_counter() - started

    print(
        f"\nMulti30k de->en, {FAMILY} ({model.count_params():,} parameters), "
        f"{datetime.date.today()}, {platform.machine()} with {os.cpu_count()} cores, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}"
    )
    print(f"command: {command or 'kerazoo ' + ' '.join(COMMAND) + ' --out ' + str(run_dir)}")
    minutes = wall_minutes(run_dir, which)
    if args.quick:
        print("--quick: the first 50 test2016 sentences only, a smoke test; its BLEU says little")
    print(f"scored: {which}; {len(history['epoch'])} epochs, "
          f"{'?' if minutes is None else f'{minutes:.0f}'} wall minutes of training\n")
    print(markdown_table(
        ["epoch", "train loss", "val loss", "val token accuracy"],
        [[str(e), f"{history['loss'][i]:.3f}", f"{history['val_loss'][i]:.3f}",
          f"{history['val_accuracy'][i]:.3f}"] for i, e in enumerate(history["epoch"])]))
    print()
    print(markdown_table(
        ["decoding", "sacreBLEU", "chrF", "tokenized BLEU (lowercased)", "seconds"],
        [[("greedy" if b == 1 else f"beam {b}"), f"{s['bleu']:.1f}", f"{s['chrf']:.1f}",
          f"{s['tokenized_bleu']:.1f}", f"{s['seconds']:.0f}"] for b, s in scores.items()]))
    print(f"\nsacreBLEU signature: {scores[1]['bleu_signature']}")
    best = max(s["bleu"] for s in scores.values())
    print(markdown_table(["goal", "result", "met?"], [
        [f"sacreBLEU >= {GOAL:g} on test2016 within 2 hours of training",
         f"{best:.1f} after {'?' if minutes is None else f'{minutes:.0f}'} minutes",
         "unknown (wall time not recorded)" if minutes is None and best >= GOAL
         else "yes" if best >= GOAL and minutes <= 120 else "no"],
        [f"close the gap to the published ~{PUBLISHED:g} (greedy, tokenized BLEU)",
         f"{scores[1]['tokenized_bleu']:.1f}", "yes" if scores[1]["tokenized_bleu"] >= PUBLISHED
         else "no"]]))


if __name__ == "__main__":
    main()
