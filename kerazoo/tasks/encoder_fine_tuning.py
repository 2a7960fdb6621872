"""What fine-tuning tasks on a BERT encoder share: the warm start from a pretrained run, the
sequence length, the WordPiece vocabulary trained otherwise.

`kerazoo train FAMILY --init RUN_DIR` starts a new head on the encoder and tokenizer of a
pretrained run (a converted Hugging Face checkpoint, a `bert` run, another fine-tuned run).
"""

import numpy as np

from kerazoo.data import train_word_piece
from kerazoo.data.word_piece import RESERVED_TOKENS

# Hyperparameters a pretrained encoder fixes, read from its config.
ENCODER_FIELDS = ("vocabulary_size", "num_layers", "num_heads", "hidden_dim",
                  "intermediate_dim", "max_sequence_length", "num_segments", "dropout",
                  "layer_norm_epsilon", "activation")


def add_encoder_arguments(parser, vocabulary_corpus, default_sequence_length):
    """The flags of every encoder fine-tuning task: --init, --sequence-length, the vocabulary."""
    parser.add_argument("--init", default=None, metavar="RUN_DIR",
                        help="start from the encoder and tokenizer of this run (e.g. one "
                             "`kerazoo convert hf` wrote)")
    parser.add_argument("--sequence-length", type=int, default=default_sequence_length,
                        help="longest packed sentence, [CLS] and [SEP] included; longer "
                             "ones are cut (%(default)s)")
    parser.add_argument("--vocabulary-size", type=int, default=8000,
                        help=f"WordPiece vocabulary trained on the {vocabulary_corpus} "
                             "(without --init)")
    parser.add_argument("--lowercase", action="store_true",
                        help="lowercase text for the trained WordPiece vocabulary")


def encoder_start(options, texts):
    """The tokenizer, model overrides and `prepare_model` of a fine-tuning run.

    With `options.init`, the pretrained run's tokenizer and encoder hyperparameters, and a
    `prepare_model` that copies its encoder weights into the new model's backbone; else a
    WordPiece vocabulary trained on `texts` (`options.vocabulary_size`, `options.lowercase`).

    Returns:
        `(tokenizer, overrides, prepare_model)`; prepare_model is None without `--init`.
    """
    if options.init:
        tokenizer, encoder = pretrained_encoder(options.init)
        overrides = {field: getattr(encoder, field) for field in ENCODER_FIELDS}
        pretrained_weights = encoder.get_weights()

        def prepare_model(model):
            model.backbone.set_weights(pretrained_weights)

        return tokenizer, overrides, prepare_model
    tokenizer = train_word_piece(texts, options.vocabulary_size, lowercase=options.lowercase,
                                 reserved_tokens=RESERVED_TOKENS)
    return tokenizer, {"vocabulary_size": tokenizer.vocabulary_size()}, None


def pretrained_encoder(run_dir):
    """The tokenizer and encoder (`BertBackbone`-like) of a run directory."""
    from kerazoo.runs import load_run

    model, tokenizer, _ = load_run(run_dir)
    encoder = getattr(model, "backbone", model)
    missing = [field for field in ENCODER_FIELDS if not hasattr(encoder, field)]
    if missing:
        raise ValueError(
            f"`--init` {str(run_dir)!r} holds a {type(model).__name__}, not a BERT encoder "
            "(a run of the bert, bert_classifier, bert_tagger or bert_encoder families)."
        )
    return tokenizer, encoder


def checked_sequence_length(asked, max_sequence_length):
    """`--sequence-length`, at most the model's position table (with a note when cut)."""
    if asked < 3:
        raise ValueError(f"`--sequence-length` must be at least 3, got {asked}.")
    if asked > max_sequence_length:
        print(f"kerazoo: --sequence-length {asked} exceeds the model's position table; "
              f"using {max_sequence_length}.")
        return max_sequence_length
    return asked


def warn_cut(count, sequence_length, source):
    """Say how many sentences of `source` are longer than `sequence_length` and cut."""
    if count:
        print(f"kerazoo: {count} sentence(s) of {source} exceed {sequence_length} tokens "
              "and are cut.")


def sentences_longer_than(token_ids, sequence_length):
    """How many rows of a (rows, None) `tf.RaggedTensor` of unpacked ids are cut when packed."""
    return int(np.sum(token_ids.row_lengths().numpy() > sequence_length - 2))
