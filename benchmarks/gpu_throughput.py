"""Training tokens/s of kerazoo models on a GPU in float32, mixed bfloat16 and mixed float16.

Every model is built under its precision (`kerazoo.training.precision`),
compiled as `kerazoo.training.train` compiles it, with XLA, and trained on
the shipped Tiny Shakespeare. After compilation and warm-up, timed windows
of `--steps` steps alternate between the precisions for `--repeats` rounds;
the table gives median tokens/s, the speed-up over float32 and the model
FLOP/s by the 6N rule (forward and backward, attention scores left out).

Workloads plug in through `WORKLOADS`: a name, the family and preset, the
batch, and how to compile. `gpt-mini` is nanoGPT's shakespeare-char GPU
configuration (batch 64, context 256). `bert-small` joins when the BERT
family exists, with a masked-LM `compile` and batches of its own.

Run from the repository root on a GPU machine:

    python3 -m benchmarks.gpu_throughput                          # every workload
    python3 -m benchmarks.gpu_throughput --precision mixed_bfloat16 float32
    python3 -m benchmarks.gpu_throughput --strategy mirrored      # all GPUs, batch per GPU
    python3 -m benchmarks.gpu_throughput --quick                  # smoke test, also on a CPU

Without a GPU it refuses to run, unless `--quick`, which shrinks the model
and the batch so the harness itself can be checked on a CPU.
"""

import argparse
import dataclasses
import datetime
import os
import pathlib
import platform
import statistics
from typing import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import kerazoo.models  # noqa: E402
from benchmarks.common import (  # noqa: E402
    interleaved_seconds,
    markdown_table,
    median_ratio,
    require_positive,
    warmed_train_window,
)
from kerazoo.data import CharTokenizer, causal_lm_datasets, read_text_file  # noqa: E402
from benchmarks.strategy_overhead import compile_like_train  # noqa: E402
from kerazoo.training import PRECISIONS, precision, strategy  # noqa: E402

DATA = pathlib.Path(__file__).resolve().parent.parent / "data" / "tinyshakespeare.txt"
SEED = 1234
QUICK_OVERRIDES = {"num_layers": 1, "num_heads": 2, "hidden_dim": 32, "intermediate_dim": 64}


@dataclasses.dataclass(frozen=True)
class Workload:
    """One model to measure."""

    family: str
    preset: str
    batch_size: int  # Per replica.
    compile: Callable  # (model) -> None, inside the strategy scope; makes the train function.

    def sequence_length(self):
        return kerazoo.models.resolve_config(self.family, self.preset).max_sequence_length


WORKLOADS = {
    "gpt-mini": Workload(
        "gpt", "gpt-mini", 64, lambda model: compile_like_train(model, jit_compile=True)
    ),
}


def measure(name, workload, args, distribution, tokenizer):
    """Interleaved tokens/s of `workload` in each precision of `args.precision`."""
    length = workload.sequence_length()
    batch_size = workload.batch_size
    overrides = {}
    if args.quick:
        length, batch_size, overrides = 32, 4, {**QUICK_OVERRIDES, "max_sequence_length": 32}
    global_batch = batch_size * distribution.num_replicas_in_sync
    dataset = causal_lm_datasets(
        DATA, tokenizer, length, global_batch, seed=SEED, progress=False
    ).train
    windows, parameters = {}, None
    for policy in args.precision:
        keras.utils.set_random_seed(SEED)
        with distribution.scope():
            with precision(policy):
                model = kerazoo.models.build(
                    workload.family, workload.preset,
                    vocabulary_size=tokenizer.vocabulary_size(), **overrides,
                )
            workload.compile(model)
        iterator = iter(distribution.experimental_distribute_dataset(dataset))
        # One more call than --warmup: the first compiles.
        windows[policy] = warmed_train_window(model, iterator, args.steps, args.warmup + 1)
        parameters = model.count_params()

    seconds = interleaved_seconds(windows, args.repeats)
    tokens = args.steps * global_batch * length
    reference = args.precision[0]
    rows = []
    for policy in args.precision:
        rates = [tokens / s for s in seconds[policy]]
        rate = statistics.median(rates)
        rows.append([
            name,
            policy,
            f"{rate:,.0f}",
            f"{min(rates):,.0f} - {max(rates):,.0f}",
            f"{median_ratio(seconds[reference], seconds[policy]):.2f}x",
            f"{6 * parameters * rate / 1e12:.1f}",
        ])
    return rows, f"{name}: {parameters:,} parameters, batch {global_batch}, context {length}"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workload", nargs="+", choices=sorted(WORKLOADS),
                        default=sorted(WORKLOADS))
    parser.add_argument("--precision", nargs="+", choices=PRECISIONS, default=list(PRECISIONS),
                        help="the first is the reference of the speed-up column")
    parser.add_argument("--strategy", choices=["default", "mirrored"], default="default",
                        help="default: one GPU; mirrored: every visible GPU")
    parser.add_argument("--steps", type=int, default=50, help="steps per timed window")
    parser.add_argument("--repeats", type=int, default=5, help="timed windows per precision")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps after compiling")
    parser.add_argument("--quick", action="store_true",
                        help="a shrunken model for a few steps: a smoke test, CPU allowed")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.repeats, args.warmup = 2, 1, 1
    require_positive(parser, args, ("steps", "repeats", "warmup"))
    if not tf.config.list_physical_devices("GPU") and not args.quick:
        parser.error(
            "no GPU is visible, and this benchmark measures GPU throughput. Run it on "
            "a GPU machine, or pass --quick for a smoke test on this CPU."
        )
    return args


def main():
    args = parse_args()
    distribution = strategy(args.strategy)
    tokenizer = CharTokenizer.from_corpus(read_text_file(DATA))
    rows, shapes = [], []
    for name in args.workload:
        workload_rows, shape = measure(name, WORKLOADS[name], args, distribution, tokenizer)
        rows += workload_rows
        shapes.append(shape)
    devices = [d.name for d in tf.config.list_logical_devices("GPU")] or ["CPU"]
    details = tf.config.experimental.get_device_details(
        tf.config.list_physical_devices("GPU")[0]
    ) if tf.config.list_physical_devices("GPU") else {}
    print(
        f"\nTraining throughput with XLA{' (--quick: shrunken models)' if args.quick else ''}, "
        f"{datetime.date.today()}, {details.get('device_name', platform.machine())}, "
        f"{distribution.num_replicas_in_sync} replica(s) of {len(devices)} device(s), "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}"
    )
    print(
        f"{'; '.join(shapes)}; {args.repeats} interleaved windows of {args.steps} steps per "
        f"precision after {args.warmup} warm-up steps\n"
    )
    print(markdown_table(
        ["workload", "precision", "tokens/s (median)", "range",
         f"vs {args.precision[0]}", "model TFLOP/s (6N)"],
        rows,
    ))


if __name__ == "__main__":
    main()
