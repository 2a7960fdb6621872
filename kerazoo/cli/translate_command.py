"""`kerazoo translate RUN_DIR --text ...`: translate sentences with a trained run."""

from kerazoo.cli.sampling_flags import add_beam_flags, add_long_sources_flag


def add_parser(commands, parents, with_tasks=True, argv=()):
    parser = commands.add_parser(
        "translate", parents=parents, help="translate sentences with a trained translation run",
        description=(
            "Translate with a run of a translation task (e.g. `kerazoo train transformer`): "
            "greedy, or beam search with --num-beams; one translation per line. "
            "--attention-png draws the cross-attention of the first sentence."
        ),
    )
    parser.add_argument("run_dir", help="a run directory written by `kerazoo train`")
    sources = parser.add_mutually_exclusive_group(required=True)
    sources.add_argument("--text", action="append",
                         help="a sentence (repeatable: translated as one batch)")
    sources.add_argument("--file", help="a text file (.txt/.gz), one sentence a line")
    parser.add_argument("--max-new-tokens", type=int, default=None,
                        help="most tokens per translation (default: the model's target length)")
    add_beam_flags(parser)
    add_long_sources_flag(parser, "truncate")
    parser.add_argument("--batch-size", type=int, default=64, help="sentences decoded together")
    heatmap = parser.add_argument_group("attention heatmap")
    heatmap.add_argument("--attention-png", default=None,
                         help="write the cross-attention of the first sentence to this PNG")
    heatmap.add_argument("--layer", type=int, default=None,
                         help="decoder layer, from 0 (default: the last)")
    heatmap.add_argument("--head", type=int, default=0, help="attention head, from 0")
    parser.set_defaults(run=run)
    return parser


def run(args):
    from kerazoo.data.text_files import read_text_lines
    from kerazoo.runs import load_run
    from kerazoo.tasks import task_of

    lines = args.text if args.file is None else read_text_lines(args.file, argument="--file")
    # Empty lines stay empty, so the output lines up with the file.
    sentences = [line.strip() for line in lines if line.strip()]
    if not sentences:
        raise ValueError(f"`--file` {args.file!r} holds no sentence to translate"
                         if args.file else "`--text` is empty; pass a sentence to translate.")
    model, tokenizer, metadata = load_run(args.run_dir)
    task = task_of(metadata.get("family", "gpt"))
    translations = iter(task.translate(model, tokenizer, sentences, args))
    for line in lines:
        print(next(translations) if line.strip() else "")
    if args.attention_png is not None:
        task.attention_heatmap(model, tokenizer, sentences[0], args.attention_png, args)
        print(f"kerazoo: cross-attention of {sentences[0]!r} written to {args.attention_png}")
