"""CausalLMTask: next-token prediction, shared by every causal language model.

Data: text files (`.txt`/`.gz`), several comma-separated, or `tfds:NAME`;
a character or WordPiece tokenizer trained on them; nanoGPT's 90/10 split
into windows of the family's `max_sequence_length` (`kerazoo.data
.causal_lm_datasets`). Loss: token-mean cross-entropy; metric: perplexity.
At the end of training it prints a sample continuing the corpus's first
line. Evaluation: mean loss and perplexity per token over every
non-overlapping window of a text, and bits per character for character
models. Export: text in, text out (`kerazoo.export.export_text_generation`).

A family using this task has a config with `max_sequence_length` (its
training window) and `vocabulary_size`, and a model of the decoding
protocol (`kerazoo.generation.protocol`).
"""

import math

import keras

from kerazoo.data import (
    CharTokenizer,
    causal_lm_datasets_from_token_ids,
    causal_lm_evaluation_dataset,
    default_corpus,
    load_documents,
    tokenize_documents,
    train_word_piece,
)
from kerazoo.export import export_text_generation
from kerazoo.generation import generate
from kerazoo.tasks.registry import register_task
from kerazoo.tasks.task import Task
from kerazoo.tasks.task_data import TaskData
from kerazoo.training.compiling import compile_model
from kerazoo.training.losses import causal_lm_loss
from kerazoo.training.metrics import perplexity

TOKENIZERS = ("char", "word_piece")
SAMPLE_PROMPT_CHARACTERS = 32
SAMPLE_TOP_K = 40


class CausalLMTask(Task):
    """Next-token prediction on raw text (see the module docstring)."""

    name = "causal_lm"
    data_options = ("tokenizer", "vocabulary_size")

    def add_arguments(self, parser):
        parser.add_argument("--tokenizer", choices=TOKENIZERS, default="char")
        parser.add_argument("--vocabulary-size", type=int, default=2000,
                            help="WordPiece vocabulary size (with --tokenizer word_piece)")
        parser.add_argument("--sample-tokens", type=int, default=300,
                            help="tokens of sample text generated at the end (0: none)")
        parser.add_argument("--sample-prompt", default=None,
                            help="prompt of that sample (default: the start of the "
                                 "corpus's first line)")

    def prepare_data(self, options, model_config, batch_size, seed):
        source = _source(options.data)
        documents = load_documents(source, data_dir=options.data_dir)
        if options.tokenizer == "char":
            tokenizer = CharTokenizer.from_corpus("".join(documents))
        else:
            tokenizer = train_word_piece(documents, options.vocabulary_size)
        token_ids = tokenize_documents(documents, tokenizer)
        datasets = causal_lm_datasets_from_token_ids(
            token_ids, model_config.max_sequence_length, batch_size, seed=seed
        )
        return TaskData(
            tokenizer=tokenizer,
            train=datasets.train,
            validation=datasets.validation,
            model_overrides={"vocabulary_size": tokenizer.vocabulary_size()},
            source=str(source),
            sample_prompt=documents[0].lstrip().split("\n")[0][:SAMPLE_PROMPT_CHARACTERS],
        )

    def loss(self):
        return causal_lm_loss()

    def metrics(self):
        return [perplexity()]

    def sample(self, model, data, options, seed):
        if options.sample_tokens <= 0:
            return None
        tokenizer = data.tokenizer
        prompt = options.sample_prompt or data.sample_prompt
        try:
            usable = bool(prompt) and bool(tokenizer.encode(prompt))
        except ValueError:
            usable = False
        if not usable:
            # A prompt the tokenizer cannot encode starts from token 0.
            prompt = tokenizer.decode([0])
        return generate(
            model, tokenizer, prompt, max_new_tokens=options.sample_tokens,
            top_k=SAMPLE_TOP_K, seed=seed,
        )

    def evaluate(self, model, tokenizer, source, batch_size, data_dir=None):
        """Mean loss per token, perplexity, and bits per character for char models.

        Every non-overlapping window of the model's context is scored once
        (`causal_lm_evaluation_dataset`), with a progress bar.

        Returns:
            dict with `loss` (nats per token), `perplexity`, `tokens` (targets
            scored) and, for a character tokenizer, `bits_per_character`.
        """
        documents = load_documents(_source(source), data_dir=data_dir)
        token_ids = tokenize_documents(documents, tokenizer)
        context = model.context_window or len(token_ids) - 1
        dataset = causal_lm_evaluation_dataset(token_ids, context, batch_size)
        windows = (len(token_ids) - 1) // context
        compile_model(model, _no_updates(), self.loss(), self.metrics(), jit_compile=True)
        results = model.evaluate(dataset, verbose=1, return_dict=True)
        metrics = {
            "loss": float(results["loss"]),
            "perplexity": float(results["perplexity"]),
            "tokens": windows * context,
        }
        if isinstance(tokenizer, CharTokenizer):
            metrics["bits_per_character"] = metrics["loss"] / math.log(2)
        return metrics

    def export(self, model, tokenizer, out_dir, options, overwrite=False):
        path = export_text_generation(
            model, tokenizer, out_dir, overwrite=overwrite, **sampling_options(options)
        )
        return path, ("serving_default", "generate", "logits")

    def generate(self, model, tokenizer, prompts, options):
        return generate(
            model, tokenizer, prompts,
            num_return_sequences=options.num_return_sequences,
            num_beams=options.num_beams,
            length_penalty=options.length_penalty,
            early_stopping=options.early_stopping,
            **sampling_options(options),
        )


def sampling_options(options):
    """The `generate`/`export_text_generation` keyword arguments of the sampling flags."""
    return {
        "max_new_tokens": options.max_new_tokens,
        "temperature": options.temperature,
        "top_k": options.top_k,
        "top_p": options.top_p,
        "greedy": options.greedy,
        "repetition_penalty": options.repetition_penalty,
        "stop_tokens": options.stop,
        "seed": options.seed,
    }


def _source(data):
    """`--data`: None for the shipped corpus, `tfds:...`, or comma-separated files."""
    if data is None:
        return default_corpus()
    if isinstance(data, str) and not data.startswith("tfds:"):
        paths = [p for p in data.split(",") if p]
        return paths[0] if len(paths) == 1 else paths
    return data


def _no_updates():
    # `evaluate` needs a compiled model, not an optimizer that ever steps.
    return keras.optimizers.SGD(0.0)


register_task(CausalLMTask())
