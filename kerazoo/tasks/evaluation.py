"""Evaluating a run directory with its task's metrics."""

from kerazoo.runs import load_run
from kerazoo.tasks.registry import task_of

DEFAULT_BATCH_SIZE = 32


def evaluate_run(run_dir, data, batch_size=DEFAULT_BATCH_SIZE, data_dir=None):
    """Evaluate the model of a run directory on `data`.

    Args:
        run_dir: a folder `kerazoo train` (or `kerazoo convert`) wrote.
        data: a text file, comma-separated files, a list of them, or
            `tfds:NAME[:SPLIT]`.
        batch_size: sequences per evaluation batch. Defaults to 32.
        data_dir: TFDS data folder for `tfds:` sources.

    Returns:
        The task's metrics as a dict (for a causal LM: `loss`, `perplexity`,
        `tokens`, and `bits_per_character` for character models).

    Raises:
        ValueError: a bad run directory, data source or batch size.
    """
    model, tokenizer, metadata = load_run(run_dir)
    task = task_of(metadata.get("family", "gpt"))
    return task.evaluate(model, tokenizer, data, batch_size, data_dir=data_dir)
