"""CausalLMTask: next-token prediction, shared by every causal language model.

Data: text files (`.txt`/`.gz`), several comma-separated, `tfds:NAME`, or
the shipped Penn Treebank (`ptb`); a character, word or WordPiece tokenizer
trained on them; nanoGPT's 90/10 split into windows of the family's
`max_sequence_length` (`kerazoo.data.causal_lm_datasets`), or for `ptb`
its own split: `ptb.train` trains, `ptb.valid` validates, and the word
tokenizer is the standard one (`<unk>` kept, `<eos>` per line, 10,002 ids;
`kerazoo.data.ptb_tokenizer`). `--tokenizer` defaults to `word` for `ptb`
and `char` otherwise. `--stateful` trains a recurrent model by truncated
back-propagation through time instead: the training tokens as `batch_size`
contiguous streams (`causal_lm_contiguous_batches`), the state carried
from batch to batch (`RecurrentCausalLM.carry_state_in_training`); the
validation windows stay the same. Loss: token-mean cross-entropy; metric: perplexity.
At the end of training it prints a sample continuing the corpus's first
line. Evaluation: mean loss and perplexity per token over every
non-overlapping window of a text (a recurrent model, which has no window,
reads the text as one sequence with its state carried), and bits per
character for character models. Export: text in, text out (`kerazoo.export.export_text_generation`).

A family using this task has a config with `max_sequence_length` (its
training window) and `vocabulary_size`, and a model of the decoding
protocol (`kerazoo.generation.protocol`).
"""

import argparse
import functools
import math

import keras
import numpy as np
import tensorflow as tf
import tqdm

from kerazoo.data import (
    PTB_WORD_TOKENIZER_OPTIONS,
    CharTokenizer,
    WordTokenizer,
    causal_lm_contiguous_batches,
    causal_lm_datasets_from_token_ids,
    causal_lm_evaluation_dataset,
    default_corpus,
    load_documents,
    split_token_ids,
    tokenize_documents,
    train_word_piece,
)
from kerazoo.data.ptb import is_ptb_source, ptb_split
from kerazoo.export import export_text_generation
from kerazoo.generation import generate
from kerazoo.tasks.registry import register_task
from kerazoo.tasks.task import Task
from kerazoo.tasks.task_data import TaskData
from kerazoo.training.compiling import compile_model
from kerazoo.training.losses import causal_lm_loss
from kerazoo.training.metrics import perplexity

TOKENIZERS = ("char", "word", "word_piece")
WORD_PIECE_VOCABULARY_SIZE = 2000
SAMPLE_PROMPT_CHARACTERS = 32
SAMPLE_TOP_K = 40
# Tokens per call when a recurrent model scores a text with its state carried.
EVALUATION_CHUNK = 1024


class CausalLMTask(Task):
    """Next-token prediction on raw text (see the module docstring)."""

    name = "causal_lm"
    data_options = ("tokenizer", "vocabulary_size", "min_frequency")

    def add_arguments(self, parser):
        parser.add_argument("--tokenizer", choices=TOKENIZERS, default=None,
                            help="char: one id per character; word: whitespace-separated "
                                 "words (punctuation split off; unknown words -> <UNK>); "
                                 "word_piece: WordPiece (default: word for --data ptb, "
                                 "else char)")
        parser.add_argument("--vocabulary-size", type=int, default=None,
                            help="most tokens of a word_piece (default 2000) or word "
                                 "(default: every word) vocabulary, reserved tokens "
                                 "included")
        parser.add_argument("--min-frequency", type=int, default=1,
                            help="rarer words become <UNK> (with --tokenizer word)")
        parser.add_argument("--stateful", action=argparse.BooleanOptionalAction, default=None,
                            help="truncated back-propagation through time: the corpus as "
                                 "batch-size contiguous streams, the recurrent state carried "
                                 "from batch to batch and reset at each pass over the data "
                                 "(models without a context window, one device; default: "
                                 "off, unless the preset turns it on, as the recurrent "
                                 "PTB presets do)")
        parser.add_argument("--sample-tokens", type=int, default=300,
                            help="tokens of sample text generated at the end (0: none)")
        parser.add_argument("--sample-prompt", default=None,
                            help="prompt of that sample (default: the start of the "
                                 "corpus's first line)")

    def prepare_data(self, options, model_config, batch_size, seed):
        source = _source(options.data)
        ptb = is_ptb_source(source)
        # The resolved choice is kept on `options`, so the run records it.
        options.tokenizer = options.tokenizer or ("word" if ptb else "char")
        documents = load_documents(source, data_dir=options.data_dir)
        validation_documents = None
        if ptb and ptb_split(source) == "train":
            validation_documents = load_documents("ptb:valid")
        tokenizer = _tokenizer(options, documents, ptb)
        token_ids = tokenize_documents(documents, tokenizer)
        validation_ids = None
        if validation_documents is not None:
            validation_ids = tokenize_documents(validation_documents, tokenizer)
        datasets = causal_lm_datasets_from_token_ids(
            token_ids, model_config.max_sequence_length, batch_size, seed=seed,
            validation_token_ids=validation_ids,
        )
        train, prepare_model = datasets.train, None
        if getattr(options, "stateful", False):
            train_ids = token_ids if validation_ids is not None else split_token_ids(token_ids)[0]
            batches = causal_lm_contiguous_batches(
                train_ids, model_config.max_sequence_length, batch_size
            )
            train = batches.dataset.repeat()
            prepare_model = functools.partial(
                _carry_state, batch_size=batch_size, steps_per_pass=batches.steps_per_pass
            )
        described = str(source) if validation_ids is None else f"{source} (validation ptb:valid)"
        if prepare_model is not None:
            described += f", {batch_size} contiguous streams (stateful)"
        first_line = documents[0].lstrip().split("\n")[0]
        prompt = first_line[:SAMPLE_PROMPT_CHARACTERS]
        if isinstance(tokenizer, WordTokenizer) and len(first_line) > len(prompt):
            prompt = prompt.rsplit(" ", 1)[0]  # Whole words only.
        return TaskData(
            tokenizer=tokenizer,
            train=train,
            validation=datasets.validation,
            model_overrides={"vocabulary_size": tokenizer.vocabulary_size()},
            source=described,
            sample_prompt=prompt,
            prepare_model=prepare_model,
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
        (`causal_lm_evaluation_dataset`), with a progress bar. A model
        without a context window (a recurrent state) reads the text as one
        sequence from an empty state, in chunks with the state carried
        between them (`decode_step`), so every token but the first is scored
        and memory stays bounded; `batch_size` is then unused.

        Returns:
            dict with `loss` (nats per token), `perplexity`, `tokens` (targets
            scored) and, for a character tokenizer, `bits_per_character`.
        """
        documents = load_documents(_source(source), data_dir=data_dir)
        token_ids = tokenize_documents(documents, tokenizer)
        if model.context_window is None:
            loss, tokens = _score_as_one_sequence(model, token_ids)
            metrics = {"loss": loss, "perplexity": math.exp(loss), "tokens": tokens}
        else:
            context = model.context_window
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
            model, tokenizer, out_dir, overwrite=overwrite,
            max_num_beams=options.max_num_beams, length_penalty=options.length_penalty,
            **sampling_options(options),
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


def _tokenizer(options, documents, ptb):
    """The tokenizer `--tokenizer` asks for, built from the training documents."""
    kind = options.tokenizer
    if kind == "char":
        return CharTokenizer.from_corpus("".join(documents))
    if kind == "word_piece":
        return train_word_piece(documents, options.vocabulary_size or WORD_PIECE_VOCABULARY_SIZE)
    if ptb:
        # The standard setup: every training word, `<unk>` and `<eos>` as they are.
        settings = dict(PTB_WORD_TOKENIZER_OPTIONS)
    else:
        settings = {"split": "punctuation"}
    return WordTokenizer.from_corpus(
        documents, max_size=options.vocabulary_size,
        min_frequency=getattr(options, "min_frequency", 1), **settings,
    )


def _source(data):
    """`--data`: None for the shipped corpus, `tfds:...`, or comma-separated files."""
    if data is None:
        return default_corpus()
    if isinstance(data, str) and not data.startswith("tfds:"):
        paths = [p for p in data.split(",") if p]
        return paths[0] if len(paths) == 1 else paths
    return data


def _carry_state(model, batch_size, steps_per_pass):
    """`--stateful`: make `model` carry its recurrent state across training batches."""
    if getattr(model, "context_window", None) is not None or not hasattr(
        model, "carry_state_in_training"
    ):
        raise ValueError(
            f"--stateful trains a recurrent model (rnn_lm, lstm_lm, gru_lm); "
            f"{type(model).__name__} does not carry a state across batches. Train it "
            "without --stateful."
        )
    model.carry_state_in_training(batch_size, steps_per_pass)


def _score_as_one_sequence(model, token_ids, chunk=EVALUATION_CHUNK):
    """Mean cross-entropy of every token but the first, the state carried.

    Returns:
        (loss in nats per token, number of tokens scored).
    """
    if len(token_ids) < 2:
        raise ValueError(
            f"The text is too short to evaluate: {len(token_ids)} token(s), and "
            "scoring needs at least 2. Pass a longer text."
        )

    @tf.function(reduce_retracing=True)
    def score(inputs, targets, state):
        logits, state = model.decode_step(inputs, state, 0)
        losses = keras.losses.sparse_categorical_crossentropy(
            targets, tf.cast(logits, tf.float32), from_logits=True
        )
        return tf.reduce_sum(tf.cast(losses, tf.float64)), state

    token_ids = np.asarray(token_ids, np.int32)
    state = model.init_decoding_state(1)
    total = 0.0
    starts = range(0, len(token_ids) - 1, chunk)
    for start in tqdm.tqdm(starts, unit="chunk", desc="Evaluating"):
        piece = token_ids[start : start + chunk + 1]
        nll, state = score(piece[None, :-1], piece[None, 1:], state)
        total += float(nll)
    scored = len(token_ids) - 1
    return total / scored, scored


def _no_updates():
    # `evaluate` needs a compiled model, not an optimizer that ever steps.
    return keras.optimizers.SGD(0.0)


register_task(CausalLMTask())
