"""`kerazoo export RUN_DIR --out DIR`: write a SavedModel for TensorFlow Serving."""

from kerazoo.cli.sampling_flags import add_sampling_flags, sampling_kwargs


def add_parser(commands):
    parser = commands.add_parser(
        "export",
        help="export a run as a SavedModel (text in, text out)",
        description=(
            "Write a SavedModel whose serving_default signature maps prompts "
            "(strings) to generated text, and whose `logits` signature maps "
            "token ids to logits. Sampling settings are fixed at export time."
        ),
    )
    parser.add_argument("run_dir", help="a run directory written by `kerazoo train`")
    parser.add_argument("--out", required=True, help="SavedModel folder to create")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing export")
    add_sampling_flags(parser, max_new_tokens=100)
    parser.set_defaults(run=run)
    return parser


def run(args):
    from kerazoo.runs import load_run
    from kerazoo.export import export_text_generation

    model, tokenizer, _ = load_run(args.run_dir)
    path = export_text_generation(
        model, tokenizer, args.out, overwrite=args.overwrite, **sampling_kwargs(args)
    )
    print(f"kerazoo: exported {args.run_dir} to {path} (signatures: serving_default, logits)")
