"""Task: what the spine (`kerazoo train/evaluate/generate/export`) asks of a model family.

A family registers its models (`kerazoo.models.Family`) and names its task;
the task says how data becomes `tf.data` pipelines, which loss and metrics
train it, what to show at the end of training, how to evaluate it and which
SavedModel signatures to export. Families with the same kind of job share a
task (every causal language model uses `CausalLMTask`).

Exports: `kerazoo export RUN_DIR --out DIR` writes the task's own export (`export`);
`kerazoo export RUN_DIR --task NAME --out DIR` writes one of the task's named export variants
(`export_variants`, e.g. `classify`, `tag`, `qa`, `embed`). The command line knows no variant:
a task offers one by returning it from `export_variants`, and `export_variant` writes it.
"""

import abc


class Task(abc.ABC):
    """The interface the command line and `kerazoo.tasks` functions use.

    Attributes:
        name: the name families use in `Family.task`, e.g. `"causal_lm"`.
        data_options: the names of this task's flags that change what a run
            trains on (e.g. the tokenizer); a run folder records them, and
            training again with other values is another run.
        evaluation_options: the keyword arguments `evaluate` takes beyond
            the common ones (e.g. `num_beams`); `evaluate_run` refuses others.
    """

    name = None
    data_options = ()
    evaluation_options = ()

    @abc.abstractmethod
    def add_arguments(self, parser):
        """Add this task's command-line flags to an argparse group.

        `--data` and `--data-dir` are common to every task and already there.
        """

    @abc.abstractmethod
    def prepare_data(self, options, model_config, batch_size, seed):
        """Read and tokenize the data a run trains on.

        Args:
            options: an `argparse.Namespace` (or any object) with this task's
                flags and `data`, `data_dir`.
            model_config: the family's config dataclass (e.g. for the context).
            batch_size: global batch size.
            seed: the run's seed.

        Returns:
            `TaskData`.
        """

    @abc.abstractmethod
    def loss(self):
        """The keras loss `train` compiles with."""

    @abc.abstractmethod
    def metrics(self):
        """The keras metrics `train` compiles with (a new list each call)."""

    @abc.abstractmethod
    def sample(self, model, data, options, seed):
        """What to show at the end of training (a string), or None.

        Args:
            model: the trained model.
            data: the run's `TaskData`.
            options: the command-line options.
            seed: the run's seed.
        """

    @abc.abstractmethod
    def evaluate(self, model, tokenizer, source, batch_size, data_dir=None):
        """Metrics of `model` on `source` (a file, files or `tfds:NAME`), as a dict."""

    @abc.abstractmethod
    def export(self, model, tokenizer, out_dir, options, overwrite=False):
        """Write the task's SavedModel to `out_dir`; returns (path, signature names)."""

    def export_variants(self, model):
        """The exports `kerazoo export RUN_DIR --task NAME` can write of this task's `model`.

        Override it to offer variants; the rest (choosing, the error for a name the run cannot
        export, writing the SavedModel) is `export_variant`'s.

        Args:
            model: the run's model (a task may offer a variant only for some models).

        Returns:
            dict: variant name -> `endpoints(model, tokenizer, options)`, a callable returning
            the SavedModel's signatures as `{signature name: tf.function}` (each with an input
            signature, one named `serving_default`); `options` are the export command's
            options. Empty by default.
        """
        return {}

    def export_variant(self, variant, model, tokenizer, out_dir, options, overwrite=False):
        """Write the export `variant` of `model` (see `export_variants`) to `out_dir`.

        Returns:
            `(path, signature names)`.

        Raises:
            ValueError: this task offers no variant `variant` for `model` (names those it
                offers), or `out_dir` exists without `overwrite`.
        """
        from kerazoo.export import write_saved_model
        from kerazoo.export.saved_model import check_export_folder

        variants = self.export_variants(model)
        if variant not in variants:
            offered = ", ".join(sorted(variants)) or "none (plain `kerazoo export` only)"
            raise ValueError(
                f"A run of the {self.name!r} task cannot export --task {variant!r}; its "
                f"exports: {offered}."
            )
        check_export_folder(out_dir, overwrite)
        endpoints = variants[variant](model, tokenizer, options)
        path = write_saved_model(out_dir, model, tokenizer, endpoints, overwrite=overwrite)
        return path, tuple(endpoints)

    def generate(self, model, tokenizer, prompts, options):
        """Generated text for `prompts` with the sampling flags in `options`."""
        raise ValueError(
            f"The {self.name!r} task does not generate text; `kerazoo generate` "
            "works with language-model tasks (e.g. causal_lm)."
        )

    def translate(self, model, tokenizer, sources, options):
        """Translations (a list of str) of `sources` with the settings in `options`."""
        raise ValueError(
            f"The {self.name!r} task does not translate; `kerazoo translate` works with "
            "runs of a translation task (seq2seq, e.g. `kerazoo train transformer`)."
        )

    def attention_heatmap(self, model, tokenizer, text, path, options):
        """Write a PNG of the model's attention on `text` to `path`; returns what it shows."""
        raise ValueError(
            f"The {self.name!r} task draws no attention heatmap; `--attention-png` works "
            "with runs of a translation task (seq2seq, e.g. `kerazoo train transformer`)."
        )
