"""What an encoder fine-tuning task starts from: a pretrained run (`--init`) or a new vocabulary.

Shared by the BERT fine-tuning tasks (`text_classification`, `token_classification`,
`span_qa`), so each keeps only its own data, head and help texts:

- `add_fine_tuning_data_arguments` (`--validation-data`, `--sequence-length`) and
  `add_encoder_start_arguments` (`--init RUN_DIR`, `--vocabulary-size`, `--lowercase`);
- `validation_source`: the shipped validation split when neither `--data` nor
  `--validation-data` is given;
- `fine_tuning_start`: the tokenizer (new, or the `--init` run's), the model hyperparameters
  it fixes, the `prepare_model` hook that copies the pretrained encoder's weights into the new
  model and the checked `--sequence-length`; its `task_data` makes the run's `TaskData`;
- `warn_cut`: how many examples are longer than `--sequence-length`.
"""

from typing import Any, Callable, NamedTuple

from kerazoo.data import special_token_ids, train_word_piece
from kerazoo.data.word_piece import RESERVED_TOKENS
from kerazoo.tasks.task_data import TaskData

# Hyperparameters a pretrained encoder fixes, read from its config.
ENCODER_FIELDS = ("vocabulary_size", "num_layers", "num_heads", "hidden_dim",
                  "intermediate_dim", "max_sequence_length", "num_segments", "dropout",
                  "layer_norm_epsilon", "activation")

SENTENCE_LENGTH_HELP = ("longest packed sentence, [CLS] and [SEP] included; longer ones are "
                        "cut (%(default)s)")


class EncoderStart(NamedTuple):
    tokenizer: Any
    model_overrides: dict
    prepare_model: Callable[[Any], None] | None


def add_encoder_start_arguments(parser):
    """`--init`, `--vocabulary-size` and `--lowercase`."""
    parser.add_argument("--init", default=None, metavar="RUN_DIR",
                        help="start from the encoder and tokenizer of this run (e.g. one "
                             "`kerazoo convert hf` wrote)")
    parser.add_argument("--vocabulary-size", type=int, default=8000,
                        help="WordPiece vocabulary trained on the training text (without --init)")
    parser.add_argument("--lowercase", action="store_true",
                        help="lowercase text for the trained WordPiece vocabulary")


class FineTuningStart(NamedTuple):
    """What a fine-tuning task's data preparation starts from (`fine_tuning_start`).

    Attributes:
        tokenizer: the WordPiece tokenizer, new or the `--init` run's.
        special: dict of special token name -> id (`kerazoo.data.special_token_ids`).
        sequence_length: int, `--sequence-length` checked and capped at the position table.
        model_overrides: dict, the hyperparameters the tokenizer or the pretrained encoder fix.
        prepare_model: None, or the hook that copies the pretrained encoder's weights.
        init: the `--init` run directory, or None.
    """

    tokenizer: Any
    special: dict
    sequence_length: int
    model_overrides: dict
    prepare_model: Callable[[Any], None] | None
    init: Any

    def task_data(self, train, validation, train_source, **model_overrides):
        """The `TaskData` of the run, its source naming the `--init` run if any.

        Args:
            train: the training batches.
            validation: the validation batches, or None.
            train_source: the training data's path or name.
            **model_overrides: hyperparameters the data fixes besides the encoder's
                (e.g. `label_names`).
        """
        source = str(train_source) + (f" (encoder from {self.init})" if self.init else "")
        return TaskData(tokenizer=self.tokenizer, train=train, validation=validation,
                        model_overrides={**self.model_overrides, **model_overrides},
                        source=source, prepare_model=self.prepare_model)


def add_fine_tuning_data_arguments(parser, validation_help, sequence_length,
                                   sequence_length_help=SENTENCE_LENGTH_HELP):
    """`--validation-data` and `--sequence-length` (default `sequence_length`), with the
    task's help texts; `add_encoder_start_arguments` follows them."""
    parser.add_argument("--validation-data", default=None, help=validation_help)
    parser.add_argument("--sequence-length", type=int, default=sequence_length,
                        help=sequence_length_help)


def validation_source(options, shipped):
    """`--validation-data`, or `shipped()` when neither it nor `--data` is set: a run on the
    shipped training data validates on its shipped partner.

    Args:
        options: with `data` and `validation_data`.
        shipped: callable () -> the shipped validation split's path or name; called only when
            it is used, so a run on its own data needs no shipped files.
    """
    if options.validation_data is None and options.data is None:
        return shipped()
    return options.validation_data


def fine_tuning_start(options, texts, model_config):
    """`encoder_start`, with the special token ids and the checked `--sequence-length`.

    Args:
        options: with `init`, `vocabulary_size`, `lowercase` and `sequence_length`.
        texts: list of str, what a new WordPiece vocabulary is trained on without `--init`.
        model_config: the family's config; its `max_sequence_length` caps the sequence length
            when no pretrained encoder fixes it.

    Returns:
        `FineTuningStart`.
    """
    start = encoder_start(options, texts)
    max_length = start.model_overrides.get("max_sequence_length",
                                           model_config.max_sequence_length)
    return FineTuningStart(
        tokenizer=start.tokenizer,
        special=special_token_ids(start.tokenizer),
        sequence_length=checked_sequence_length(options.sequence_length, max_length),
        model_overrides=dict(start.model_overrides),
        prepare_model=start.prepare_model,
        init=options.init,
    )


def encoder_start(options, texts):
    """The tokenizer, hyperparameters and weight-loading hook of a fine-tuning run.

    Args:
        options: with `init`, `vocabulary_size` and `lowercase` (the flags above).
        texts: list of str, what a new WordPiece vocabulary is trained on without `--init`.

    Returns:
        `EncoderStart`.
    """
    if not options.init:
        tokenizer = train_word_piece(texts, options.vocabulary_size,
                                     lowercase=options.lowercase,
                                     reserved_tokens=RESERVED_TOKENS)
        return EncoderStart(tokenizer, {"vocabulary_size": tokenizer.vocabulary_size()}, None)
    tokenizer, encoder = pretrained_encoder(options.init)
    pretrained_weights = encoder.get_weights()

    def prepare_model(model):
        model.backbone.set_weights(pretrained_weights)

    return EncoderStart(tokenizer, {field: getattr(encoder, field) for field in ENCODER_FIELDS},
                        prepare_model)


def pretrained_encoder(run_dir):
    """The tokenizer and encoder (`BertBackbone`-like) of a run directory."""
    from kerazoo.runs import load_run

    model, tokenizer, _ = load_run(run_dir)
    encoder = getattr(model, "backbone", model)
    missing = [field for field in ENCODER_FIELDS if not hasattr(encoder, field)]
    if missing:
        raise ValueError(
            f"`--init` {str(run_dir)!r} holds a {type(model).__name__}, not a BERT encoder "
            "(a run of the bert, bert_classifier, bert_tagger, bert_qa or bert_encoder "
            "families)."
        )
    return tokenizer, encoder


def checked_sequence_length(asked, max_sequence_length):
    """`--sequence-length`, at least 3, capped (with a note) at the model's position table."""
    if asked < 3:
        raise ValueError(f"`--sequence-length` must be at least 3, got {asked}.")
    if asked > max_sequence_length:
        print(f"kerazoo: --sequence-length {asked} exceeds the model's position table; "
              f"using {max_sequence_length}.")
        return max_sequence_length
    return asked


def warn_cut(count, sequence_length, source):
    """Say how many examples of `source` are longer than `sequence_length` and cut."""
    if count:
        print(f"kerazoo: {count} example(s) of {source} exceed {sequence_length} tokens "
              "and are cut.")
