"""Evaluating a run directory with its task's metrics."""

from kerazoo.runs import load_run
from kerazoo.tasks.registry import task_of

DEFAULT_BATCH_SIZE = 32


def evaluate_run(run_dir, data, batch_size=DEFAULT_BATCH_SIZE, data_dir=None, **options):
    """Evaluate the model of a run directory on `data`.

    Args:
        run_dir: a folder `kerazoo train` (or `kerazoo convert`) wrote.
        data: a text file, comma-separated files, a list of them, or
            `tfds:NAME[:SPLIT]`.
        batch_size: sequences per evaluation batch. Defaults to 32.
        data_dir: TFDS data folder for `tfds:` sources.
        **options: settings of the task's evaluation, named in its
            `evaluation_options` (e.g. `num_beams` for seq2seq).

    Returns:
        The task's metrics as a dict (for a causal LM: `loss`, `perplexity`,
        `tokens`, and `bits_per_character` for character models).

    Raises:
        ValueError: a bad run directory, data source, batch size, or an
            option the task's evaluation does not take.
    """
    model, tokenizer, metadata = load_run(run_dir)
    task = task_of(metadata.get("family", "gpt"))
    unknown = sorted(set(options) - set(task.evaluation_options))
    if unknown:
        raise ValueError(
            f"The {task.name!r} task's evaluation does not take {', '.join(unknown)}; "
            f"it takes {', '.join(task.evaluation_options) or 'no options'}."
        )
    return task.evaluate(model, tokenizer, data, batch_size, data_dir=data_dir, **options)
