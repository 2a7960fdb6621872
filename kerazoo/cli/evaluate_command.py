"""`kerazoo evaluate RUN_DIR --data FILE`: the task's metrics of a trained run."""

from kerazoo.cli.sampling_flags import add_long_sources_flag

GENERATION_OPTIONS = ("num_beams", "length_penalty", "metric", "source_language",
                      "target_language", "long_sources")


def add_parser(commands, parents, with_tasks=True, argv=()):
    parser = commands.add_parser(
        "evaluate",
        parents=parents,
        help="evaluate a run on a text (loss, perplexity, bits per character; BLEU, chrF)",
        description=(
            "Evaluate a run directory with its task's metrics. For a causal LM: "
            "mean loss and perplexity per token over every non-overlapping "
            "window of the text, and bits per character for character models. "
            "For translation (seq2seq): sacrebleu BLEU (detokenized, 13a), chrF "
            "and tokenized BLEU, or ROUGE-1/2/L with --metric rouge."
        ),
    )
    parser.add_argument("run_dir", help="a run directory written by `kerazoo train`")
    parser.add_argument("--data", required=True,
                        help="text file(s) (.txt/.gz), comma-separated, or tfds:NAME[:SPLIT]")
    parser.add_argument("--data-dir", default=None, help="TFDS data folder (tfds: sources)")
    parser.add_argument("--batch-size", type=int, default=32)
    generated = parser.add_argument_group(
        "tasks that generate text (seq2seq)", "unset: the task's defaults (greedy, BLEU)")
    generated.add_argument("--num-beams", type=int, default=None,
                           help="beam search with this many beams (1: greedy)")
    generated.add_argument("--length-penalty", type=float, default=None,
                           help="beam scores are divided by length ** this")
    generated.add_argument("--metric", choices=["bleu", "rouge"], default=None,
                           help="bleu: BLEU, chrF and tokenized BLEU; rouge: ROUGE-1/2/L")
    generated.add_argument("--source-language", default=None,
                           help="translate from this language (Multi30k, or the feature of a "
                                "tfds: translation set; the task's default: de)")
    generated.add_argument("--target-language", default=None,
                           help="into this language (the task's default: en)")
    add_long_sources_flag(generated, None)
    parser.set_defaults(run=run)
    return parser


def run(args):
    import json

    from kerazoo.tasks import evaluate_run

    options = {name: getattr(args, name) for name in GENERATION_OPTIONS
               if getattr(args, name) is not None}
    metrics = evaluate_run(args.run_dir, args.data, args.batch_size, data_dir=args.data_dir,
                           **options)
    for name, value in metrics.items():
        print(f"{name}: {value:.4f}" if isinstance(value, float) else f"{name}: {value}")
    print(json.dumps(metrics))
