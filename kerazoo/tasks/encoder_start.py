"""What an encoder fine-tuning task starts from: a pretrained run (`--init`) or a new vocabulary.

Shared by the BERT fine-tuning tasks (`text_classification`, `token_classification`,
`span_qa`): the flags
`--init RUN_DIR`, `--vocabulary-size` and `--lowercase`, and `encoder_start`, which gives the
tokenizer, the model hyperparameters it fixes and the `prepare_model` hook that copies the
pretrained encoder's weights into the new model; and the checks of `--sequence-length`.
"""

from typing import Any, Callable, NamedTuple

from kerazoo.data import train_word_piece
from kerazoo.data.word_piece import RESERVED_TOKENS

# Hyperparameters a pretrained encoder fixes, read from its config.
ENCODER_FIELDS = ("vocabulary_size", "num_layers", "num_heads", "hidden_dim",
                  "intermediate_dim", "max_sequence_length", "num_segments", "dropout",
                  "layer_norm_epsilon", "activation")


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
