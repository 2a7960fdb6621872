"""What the benchmarks share: interleaved timing, the machine's GEMM peak, tables, flag checks,
and the timing and rate rows of the generation benchmarks.

Timings on a shared machine are noisy, so benchmarks compare contenders in
one process with short timed windows that alternate between them
(A B B A A B ...) and report medians of per-round ratios: a slow period then
hits every contender of that round alike.
"""

import statistics
import time

import numpy as np
import tensorflow as tf


def interleaved_seconds(windows, repeats):
    """Time each named window `repeats` times, interleaved, in alternating order.

    Round `r` runs the windows in the given order when `r` is even and in the
    reverse order when it is odd, so no contender always follows the same one.

    Args:
        windows: dict name -> callable that runs one timed window and returns
            only when its work is done (read a result back).
        repeats: int. Rounds.

    Returns:
        dict name -> list of `repeats` durations in seconds.
    """
    names = list(windows)
    seconds = {name: [] for name in names}
    for round_index in range(repeats):
        for name in names if round_index % 2 == 0 else reversed(names):
            start = time.perf_counter()
            windows[name]()
            seconds[name].append(time.perf_counter() - start)
    return seconds


def median_ratio(numerators, denominators):
    """Median of the per-round ratios: robust to a round that was slow for all."""
    return statistics.median(n / d for n, d in zip(numerators, denominators))


def ratio_quartiles(numerators, denominators):
    """First quartile, median and third quartile of the per-round ratios."""
    ratios = np.asarray(numerators) / np.asarray(denominators)
    return tuple(float(q) for q in np.percentile(ratios, [25, 50, 75]))


def gemm_window(size=1024, products=8):
    """A timed window of float32 matrix products, the reference for MFU.

    The products run in one XLA-compiled function, as the models' training
    steps do (XLA's CPU GEMM is faster than TensorFlow's own on small
    matrices), and the result is read back, so the time covers the work.

    Args:
        size: int. Side of the square matrices.
        products: int. Products per window.

    Returns:
        (run, flops): a callable that runs one window, and its FLOP count.
    """
    a = tf.random.normal((size, size), dtype=tf.float32)
    b = tf.random.normal((size, size), dtype=tf.float32)

    @tf.function(jit_compile=True)
    def chain(a, b):
        total = tf.zeros((), tf.float32)
        for _ in range(products):
            # Each product depends on the last, so XLA cannot merge them; the
            # scale keeps the entries near 1 (no overflow, no slow denormals).
            a = tf.matmul(a, b) * size**-0.5
            total += a[0, 0]
        return total

    chain(a, b).numpy()
    return (lambda: chain(a, b).numpy()), 2 * size**3 * products


def markdown_table(header, rows):
    """A GitHub markdown table; numeric-looking columns are right-aligned."""
    rows = [[str(cell) for cell in row] for row in rows]

    def numeric(text):
        for mark in ",.%x ":
            text = text.replace(mark, "")
        return text.isdigit()

    aligns = [
        "---:" if rows and all(numeric(row[i]) for row in rows) else "---"
        for i in range(len(header))
    ]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(aligns) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def train_window(model, iterator, calls):
    """A callable that runs `calls` train-function calls and waits for the loss."""

    def run():
        for _ in range(calls):
            logs = model.train_function(iterator)
        return float(logs["loss"])

    return run


def warmed_train_window(model, data, calls, warmup_calls):
    """A `train_window` of `calls` calls, timed from a warm start.

    Builds the train function, then runs `warmup_calls` untimed calls (the
    first traces and compiles the step) on the iterator that the returned
    window goes on reading, so no timed window pays for tracing, compiling or
    filling the input pipeline.

    Args:
        model: a compiled Keras model.
        data: a dataset, or an iterator over one (e.g. a distributed
            dataset's, which `iter` returns as it is).
        calls: int. Train-function calls per timed window.
        warmup_calls: int. Untimed calls before the first window.

    Returns:
        A callable that runs one timed window and returns its last loss.
    """
    model.make_train_function()
    iterator = iter(data)
    train_window(model, iterator, warmup_calls)()
    return train_window(model, iterator, calls)


def require_positive(parser, args, names):
    """`parser.error` (exit 2) for the first of `names` (attribute names of
    `args`) whose value is not positive, naming its flag (`batch_size` ->
    `--batch-size`)."""
    for name in names:
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")


def repeated(run, calls):
    """A timed window: `calls` calls of `run`, so one window outlasts timer noise."""

    def window():
        for _ in range(calls):
            run()

    return window


def measure(runs, args):
    """Time each contender's first call, then interleaved windows of `args.calls` calls.

    Args:
        runs: dict name -> callable running one generation.
        args: the parsed flags (`calls`, `repeats`).

    Returns:
        `(seconds, first_seconds, outputs)`: dicts by name of the
        per-call durations (one per round), of the first call's duration
        (tracing, compilation and one run) and of its result.
    """
    first_seconds, outputs = {}, {}
    for name, run in runs.items():
        start = time.perf_counter()
        outputs[name] = run()
        first_seconds[name] = time.perf_counter() - start
        run()  # Warm-up.
    windows = {name: repeated(run, args.calls) for name, run in runs.items()}
    seconds = interleaved_seconds(windows, args.repeats)
    seconds = {name: [s / args.calls for s in values] for name, values in seconds.items()}
    return seconds, first_seconds, outputs


def rate_rows(seconds, tokens, first_seconds, baseline):
    """Table rows: median tokens/s, range, ms/token, first call s, ratio to `baseline`."""
    rows = []
    for name, durations in seconds.items():
        rates = [tokens / s for s in durations]
        rows.append(
            [
                name,
                f"{statistics.median(rates):,.0f}",
                f"{min(rates):,.0f} - {max(rates):,.0f}",
                f"{1000 * statistics.median(durations) / tokens:.3f}",
                f"{first_seconds[name]:.1f}",
                f"{median_ratio(seconds[baseline], durations):.2f}x",
            ]
        )
    return rows


RATE_HEADER = ["contender", "tokens/s (median)", "range", "ms/token", "first call s"]


def verdict(met):
    return "met" if met else "MISSED"
