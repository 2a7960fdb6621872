"""PTB perplexity of `kerazoo train lstm_lm --preset ptb-small --data ptb`: Zaremba et al.'s recipe.

`--preset ptb-medium` runs the medium recipe instead (2 x 650, dropout 0.5, 39 epochs at
rate 35 on the token-mean loss, times 0.8 per epoch after epoch 6), and `--preset
ptb-medium-tied` its tied-weight variant (dropout 0.4, 7 epochs, halved after epoch 3, no
XLA), against the goal of a test perplexity <= 100. `--precision mixed_bfloat16` trains in
bfloat16 (CPUs with AVX-512 BF16 run the medium step 1.45x faster than float32, without XLA).

It runs that command (`kerazoo.cli.main`, the same code path as the shell)
into `--out`, then scores the trained model on `ptb:valid` and `ptb:test`
with the causal-LM task's evaluation (`kerazoo evaluate RUN --data
ptb:test`: the split read as one sequence, the state carried, every word
but the first scored, as Zaremba et al. evaluate). The preset's recipe
(`kerazoo.models.recurrent`): plain SGD at rate 20 on the token-mean loss
(= rate 1 on the loss summed over the 20 unrolled steps), clip norm 0.25
(= 5 / 20), 13 epochs, the rate halved after epoch 4, 20 contiguous streams
of windows of 20 with the state carried.

The table gives, per epoch, the learning rate at its end (the next
epoch's), the training perplexity, the validation perplexity `fit` logs
(windows of T words, each from a zero state, so higher than the
carried-state figure) and the wall time
since the start (read from the run's `history.json` as epochs finish).

The run folder resumes: running the same command again after a kill
carries on from the last finished epoch. `--report` trains nothing and
reports what the folder holds, scoring its newest checkpoint when the run
has not finished (an honest partial result).

`--speed PRESET` trains nothing to the end: it times `--speed-steps`
training steps of that preset as `kerazoo train` sets it up (its model,
carried state, optimizer and loss, 20 x T contiguous PTB batches), after
warm-up, and states how long its recipe's epochs take at that speed: the
bound for `ptb-medium` (2 x 650, 39 epochs), which 2 CPU cores train
only in days.

Run from the repository root:

    python3 -m benchmarks.lstm_ptb_quality              # 13 epochs: hours on 2 shared cores
    python3 -m benchmarks.lstm_ptb_quality --report     # what the run folder holds now
    python3 -m benchmarks.lstm_ptb_quality --quick      # smoke test (a few steps)
    python3 -m benchmarks.lstm_ptb_quality --speed ptb-medium   # words/s and the time bound
    python3 -m benchmarks.lstm_ptb_quality --speed ptb-medium --xla off --precision mixed_bfloat16
    python3 -m benchmarks.lstm_ptb_quality --preset ptb-medium-tied --precision mixed_bfloat16
"""

import argparse
import dataclasses
import datetime
import os
import pathlib
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import kerazoo.models  # noqa: E402
import kerazoo.tasks  # noqa: E402
from benchmarks.cli_runs import epoch_seconds, train_through_cli, trained_model  # noqa: E402
from benchmarks.common import markdown_table, train_window  # noqa: E402
from kerazoo.data import (  # noqa: E402
    causal_lm_contiguous_batches,
    load_documents,
    ptb_tokenizer,
    tokenize_documents,
)
from kerazoo.training import (  # noqa: E402
    compile_model,
    optimizer_for,
    read_history,
)

FAMILY = "lstm_lm"
# Test perplexity goals: Zaremba et al. 2014's small model (114.5), and <= 100 for the
# medium one (theirs reached 82.7 after 39 epochs).
GOALS = {"ptb-small": (114.5, "Zaremba et al. small"), "ptb-medium": (100.0, "medium variant"),
         "ptb-medium-tied": (100.0, "medium variant")}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", choices=sorted(GOALS), default="ptb-small",
                        help="the recipe to train and score")
    parser.add_argument("--out", default=None, help="run folder (default: runs/PRESET-quality)")
    parser.add_argument("--report", action="store_true",
                        help="train nothing: report what --out holds")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 40 steps in 2 epochs, no sample")
    parser.add_argument("--speed", metavar="PRESET", default=None,
                        help="time training steps of PRESET and bound its recipe's wall time")
    parser.add_argument("--speed-steps", type=int, default=200, help="timed steps of --speed")
    parser.add_argument("--seed", type=int, default=None,
                        help="`kerazoo train --seed` (default: its own), for the spread between seeds")
    parser.add_argument("--precision", default=None,
                        help="`kerazoo train --precision` (default: float32)")
    parser.add_argument("--xla", choices=("on", "off"), default=None,
                        help="with --speed: XLA on or off (default: the recipe's)")
    return parser.parse_args()


def measure_speed(preset, steps, precision=None, xla=None, warmup=10):
    """Words/s of `preset`'s training as `kerazoo train` sets it up, and its recipe's time.

    `precision` (a dtype policy name) and `xla` (a bool) replace the
    recipe's float32 and its `jit_compile` when given.
    """
    config, batch_size = kerazoo.tasks.training_settings(FAMILY, preset)
    if xla is not None:
        config = dataclasses.replace(config, jit_compile=xla)
    window = kerazoo.models.resolve_config(FAMILY, preset).max_sequence_length
    tokenizer = ptb_tokenizer()
    ids = tokenize_documents(load_documents("ptb"), tokenizer, progress=False)
    batches = causal_lm_contiguous_batches(ids, window, batch_size)
    model = kerazoo.models.build(FAMILY, preset, dtype=precision,
                                 vocabulary_size=tokenizer.vocabulary_size())
    model.carry_state_in_training(batch_size, batches.steps_per_pass)
    task = kerazoo.tasks.task_of(FAMILY)
    compile_model(model, optimizer_for(model, config), task.loss(), task.metrics(),
                  jit_compile=config.jit_compile)
    model.make_train_function()
    iterator = iter(batches.dataset.repeat())
    train_window(model, iterator, warmup)()
    started = time.perf_counter()
    train_window(model, iterator, steps)()
    seconds = time.perf_counter() - started
    words_per_second = steps * batch_size * window / seconds
    hours = config.steps * batch_size * window / words_per_second / 3600
    print(
        f"\n{FAMILY} {preset} ({model.count_params():,} parameters), batch {batch_size} x "
        f"{window}, {config}, {datetime.date.today()}, {platform.machine()} with "
        f"{os.cpu_count()} cores, {precision or 'float32'}, TensorFlow {tf.__version__}, "
        f"Keras {keras.__version__}\n"
    )
    print(markdown_table(
        ["timed steps", "seconds", "words/s", "recipe steps", "recipe hours at this speed"],
        [[str(steps), f"{seconds:.0f}", f"{words_per_second:,.0f}", f"{config.steps:,}",
          f"{hours:.1f} (training only; validation adds more)"]]))


def main():
    args = parse_args()
    if args.speed:
        xla = None if args.xla is None else args.xla == "on"
        measure_speed(args.speed, args.speed_steps, args.precision, xla)
        return
    preset = args.preset
    command_line = ["train", FAMILY, "--preset", preset, "--data", "ptb"]
    run_dir = pathlib.Path(args.out or f"runs/{preset}-quality")
    quick = ["--steps", "40", "--epochs", "2", "--sample-tokens", "0"] if args.quick else []
    seed = [] if args.seed is None else ["--seed", str(args.seed)]
    precision = [] if args.precision is None else ["--precision", args.precision]
    command = None if args.report else train_through_cli(
        [*command_line, *seed, *precision, *quick], run_dir)
    history = read_history(run_dir / "history.json")["epochs"]
    seconds = epoch_seconds(run_dir)
    model, which = trained_model(run_dir)
    task = kerazoo.tasks.task_of(FAMILY)
    tokenizer = ptb_tokenizer()
    scores = {split: task.evaluate(model, tokenizer, f"ptb:{split}", batch_size=1)
              for split in ("valid", "test")}

    config, batch_size = kerazoo.tasks.training_settings(FAMILY, preset)
    window = kerazoo.models.resolve_config(FAMILY, preset).max_sequence_length
    print(
        f"\nPTB quality of {FAMILY} {preset}, {datetime.date.today()}, {platform.machine()} "
        f"with {os.cpu_count()} cores, TensorFlow {tf.__version__}, Keras {keras.__version__}"
    )
    print(f"command: {command or 'kerazoo ' + ' '.join(command_line) + ' --out ' + str(run_dir)}")
    print(f"recipe: {config}, batch {batch_size}; scored: {which}\n")
    rows = []
    for i, epoch in enumerate(history["epoch"]):
        elapsed = seconds.get(str(epoch))
        rows.append([
            str(epoch), f"{history['learning_rate'][i]:g}", f"{history['perplexity'][i]:.1f}",
            f"{history['val_perplexity'][i]:.1f}",
            "?" if elapsed is None else f"{elapsed / 60:.1f}",
        ])
    print(markdown_table(
        ["epoch", "learning rate at its end", "train perplexity",
         f"valid perplexity (windows of {window})", "wall minutes"], rows))
    epochs = len(history["epoch"])
    print(
        f"\nafter {epochs} of {config.epochs} epochs: valid perplexity {scores['valid']['perplexity']:.1f}, "
        f"test perplexity {scores['test']['perplexity']:.1f} (state carried over the whole "
        f"split, {scores['test']['tokens']:,} words scored)"
    )
    test = scores["test"]["perplexity"]
    goal, whose = GOALS[preset]
    print(markdown_table(["goal", "result", "met?"], [[
        f"test perplexity <= {goal:g} ({whose})", f"{test:.1f} after {epochs} epochs",
        "yes" if test <= goal else "no"]]))


if __name__ == "__main__":
    main()
