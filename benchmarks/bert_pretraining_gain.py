"""What masked-LM pretraining buys: SST-2 dev accuracy of bert-mini pretrained then fine-tuned,
vs bert-mini trained on SST-2 alone.

Runs the command line end to end, as a user would:

    (writes OUT/corpus.txt from the shipped corpora, one sentence a line)
    kerazoo train bert --preset bert-mini --data OUT/corpus.txt --lowercase \
        --vocabulary-size V --steps P --batch-size B --sequence-length 128 --out OUT/pretrained
    kerazoo train bert_classifier --preset bert-mini --init OUT/pretrained RECIPE \
        --out OUT/sst2-pretrained
    kerazoo train bert_classifier --preset bert-mini --lowercase --vocabulary-size V RECIPE \
        --out OUT/sst2-scratch
    kerazoo evaluate OUT/sst2-pretrained --data data/sst2/dev.tsv   (and OUT/sst2-scratch)

RECIPE (`--steps`, `--epochs`, `--batch-size`, `--learning-rate`, `--sequence-length`) is the
same for both classifiers, which train on the shipped SST-2 train.tsv and validate on dev.tsv
after each epoch. The one from scratch trains its own WordPiece vocabulary on SST-2's training
sentences; the pretrained one keeps the pretraining run's.

The pretraining corpus is PTB's training text (`<unk>` tokens dropped), Multi30k's English
training captions and SST-2's training sentences without their labels. The last part is
in-domain pretraining: the encoder sees the very sentences it is later fine-tuned on (not the
dev sentences, and never a label), so the gain measured here is that of pretraining on
unlabeled in-domain text plus general text, not of general text alone. The corpus is written
PTB, SST-2, Multi30k in that order; `kerazoo train bert` validates on the last 10% of its
windows, which therefore come from Multi30k.

It prints the corpus size of each part, each command's wall time, the pretraining run's final
masked-LM accuracy and perplexity (on its validation windows), each classifier's dev accuracy
after each epoch (from its history.json) and from `kerazoo evaluate`, and a markdown table for
benchmarks/RESULTS.md. `--skip-pretraining` reuses OUT/pretrained (and OUT/corpus.txt), so the
fine-tunes can be rerun with other settings.

Usage: python3 -m benchmarks.bert_pretraining_gain --out DIR [--pretrain-steps 1200]
    [--finetune-steps 2000] [--epochs 4] [--skip-pretraining]
"""

import argparse
import gzip
import json
import pathlib
import tempfile

from benchmarks.cli_runs import ROOT, kerazoo
from benchmarks.common import markdown_table, require_positive

DATA = ROOT / "data"
SST2_DEV = DATA / "sst2" / "dev.tsv"


def ptb_sentences():
    """PTB's training sentences with its `<unk>` tokens dropped."""
    with gzip.open(DATA / "ptb.train.txt.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            yield " ".join(word for word in line.split() if word != "<unk>")


def sst2_sentences():
    """SST-2's training sentences, without the header and the labels (`sentence<TAB>label`)."""
    with open(DATA / "sst2" / "train.tsv", encoding="utf-8") as lines:
        next(lines)
        for line in lines:
            yield line.rsplit("\t", 1)[0].strip()


def multi30k_sentences():
    """Multi30k's English training captions."""
    with gzip.open(DATA / "multi30k" / "train.en.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            yield line.strip()


CORPUS_PARTS = {"ptb_train": ptb_sentences, "sst2_train_text": sst2_sentences,
                "multi30k_train_en": multi30k_sentences}


def write_corpus(path, max_lines):
    """Write the pretraining corpus, one sentence a line; returns {part: {lines, words}}.

    Args:
        path: the text file to write.
        max_lines: int or None. At most this many (non-empty) lines from each part.
    """
    counts = {}
    with open(path, "w", encoding="utf-8") as out:
        for name, sentences in CORPUS_PARTS.items():
            lines = words = 0
            for sentence in sentences():
                if not sentence:
                    continue
                if max_lines is not None and lines >= max_lines:
                    break
                out.write(sentence + "\n")
                lines += 1
                words += len(sentence.split())
            counts[name] = {"lines": lines, "words": words}
    return counts


def final_epoch(run_dir):
    """The last epoch's entries of a run's history.json: {name: value}."""
    epochs = json.loads((run_dir / "history.json").read_text())["epochs"]
    return {name: values[-1] for name, values in epochs.items() if values}


def fine_tune(name, out, start_flags, args):
    """`kerazoo train bert_classifier` with the shared recipe, then `kerazoo evaluate` on dev.

    Returns:
        dict: wall times, dev metrics, and dev accuracy after each epoch by step.
    """
    run_dir = out / name
    train_seconds, _ = kerazoo(
        "train", "bert_classifier", "--preset", "bert-mini", *start_flags,
        "--steps", args.finetune_steps, "--epochs", args.epochs,
        "--batch-size", args.finetune_batch_size, "--learning-rate", args.learning_rate,
        "--sequence-length", args.finetune_sequence_length, "--validation-data", SST2_DEV,
        "--out", run_dir, "--overwrite",
    )
    evaluate_seconds, line = kerazoo("evaluate", run_dir, "--data", SST2_DEV)
    metrics = json.loads(line)
    epochs = json.loads((run_dir / "history.json").read_text())["epochs"]
    return {
        "train_command_seconds": round(train_seconds, 1),
        "train_loop_seconds": json.loads((run_dir / "run.json").read_text())["wall_seconds"],
        "evaluate_seconds": round(evaluate_seconds, 1),
        "dev_accuracy": metrics["accuracy"],
        "dev_macro_f1": metrics["macro_f1"],
        "dev_accuracy_by_step": dict(zip(epochs["step"], epochs.get("val_accuracy", []))),
    }


def pretrain(out, args):
    """Write the corpus and run `kerazoo train bert`; returns what it reports."""
    corpus = out / "corpus.txt"
    parts = write_corpus(corpus, args.max_corpus_lines)
    for name, count in parts.items():
        print(f"corpus part {name}: {count['lines']} lines, {count['words']} words", flush=True)
    seconds, _ = kerazoo(
        "train", "bert", "--preset", "bert-mini", "--data", corpus, "--lowercase",
        "--vocabulary-size", args.vocabulary_size, "--steps", args.pretrain_steps,
        "--epochs", args.pretrain_epochs, "--batch-size", args.batch_size,
        "--learning-rate", args.pretrain_learning_rate, "--sequence-length", 128,
        "--out", out / "pretrained", "--overwrite",
    )
    return {"corpus": parts, "train_command_seconds": round(seconds, 1)}


def pretraining_report(out, args):
    """The pretraining run's final validation masked-LM metrics and its training loop time."""
    run_dir = out / "pretrained"
    if not (run_dir / "run.json").exists():
        raise SystemExit(f"--skip-pretraining: {run_dir} holds no finished `kerazoo train bert` "
                         "run; run once without --skip-pretraining.")
    last = final_epoch(run_dir)
    record = json.loads((run_dir / "run.json").read_text())
    return {
        "steps": last.get("step"),
        "batch_size": record["batch_size"],
        "train_loop_seconds": record["wall_seconds"],
        "val_masked_lm_accuracy": last.get("val_masked_lm_accuracy"),
        "val_perplexity": last.get("val_perplexity"),
    }


def results_table(report):
    """The markdown rows for benchmarks/RESULTS.md."""
    pretraining = report["pretraining"]
    rows = []
    for name, label in (("sst2-scratch", "SST-2 alone (own WordPiece)"),
                        ("sst2-pretrained", f"pretrained {pretraining['steps']} steps x "
                                            f"{pretraining['batch_size']} x 128, then SST-2")):
        run = report[name]
        seconds = run["train_loop_seconds"]
        if name == "sst2-pretrained":
            seconds = f"{pretraining['train_loop_seconds']:.0f} + {seconds:.0f}"
        else:
            seconds = f"{seconds:.0f}"
        rows.append([f"bert-mini, {label}", f"{100 * run['dev_accuracy']:.1f}%",
                     f"{100 * run['dev_macro_f1']:.1f}", seconds])
    return markdown_table(["model", "SST-2 dev accuracy", "dev macro F1", "train seconds"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=None, help="folder for the runs (default: temporary)")
    parser.add_argument("--pretrain-steps", type=int, default=1200)
    parser.add_argument("--pretrain-epochs", type=int, default=3,
                        help="epochs the pretraining steps split into (each validated)")
    parser.add_argument("--batch-size", type=int, default=32, help="pretraining batch size")
    parser.add_argument("--pretrain-learning-rate", type=float, default=5e-4,
                        help="pretraining peak learning rate (the bert family's recipe)")
    parser.add_argument("--vocabulary-size", type=int, default=8000,
                        help="WordPiece size of the pretraining run and of the scratch classifier")
    parser.add_argument("--max-corpus-lines", type=int, default=None,
                        help="at most this many lines from each corpus part (for a quick check)")
    parser.add_argument("--skip-pretraining", action="store_true",
                        help="reuse OUT/pretrained from an earlier run of this script")
    parser.add_argument("--finetune-steps", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=4,
                        help="epochs the fine-tuning steps split into, each validated on dev.tsv")
    parser.add_argument("--finetune-batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=1e-4,
                        help="fine-tuning peak learning rate (both classifiers)")
    parser.add_argument("--finetune-sequence-length", type=int, default=64)
    args = parser.parse_args()
    require_positive(parser, args, ["pretrain_steps", "pretrain_epochs", "batch_size",
                                    "vocabulary_size", "finetune_steps", "epochs",
                                    "finetune_batch_size", "finetune_sequence_length"])
    if args.max_corpus_lines is not None:
        require_positive(parser, args, ["max_corpus_lines"])
    if args.skip_pretraining and args.out is None:
        parser.error("--skip-pretraining needs --out, the folder of the earlier run")
    out = pathlib.Path(args.out or tempfile.mkdtemp(prefix="kerazoo-pretraining-gain-"))
    out.mkdir(parents=True, exist_ok=True)

    report = {"settings": vars(args), "runs": str(out)}
    if not args.skip_pretraining:
        report["pretraining_command"] = pretrain(out, args)
    report["pretraining"] = pretraining_report(out, args)
    print(json.dumps({"pretraining": report["pretraining"]}), flush=True)
    report["sst2-pretrained"] = fine_tune("sst2-pretrained", out,
                                          ["--init", out / "pretrained"], args)
    report["sst2-scratch"] = fine_tune("sst2-scratch", out,
                                       ["--lowercase", "--vocabulary-size", args.vocabulary_size],
                                       args)
    print(json.dumps(report, indent=2, default=str))
    print()
    print(results_table(report))


if __name__ == "__main__":
    main()
