"""`kerazoo export RUN_DIR --out DIR`: write a SavedModel for TensorFlow Serving."""

from kerazoo.cli.sampling_flags import add_sampling_flags


def add_parser(commands, parents, with_tasks=True, argv=()):
    parser = commands.add_parser(
        "export",
        parents=parents,
        help="export a run as a SavedModel for TensorFlow Serving",
        description=(
            "Write a SavedModel with the signatures of the run's task. For a "
            "language model, serving_default maps prompts (strings) to "
            "generated text with the sampling settings fixed at export time, "
            "`generate` takes them per request (beam search too), and `logits` "
            "maps token ids to logits. --task NAME writes one of the exports the "
            "run's task offers instead (e.g. classify, tag, qa, embed for BERT runs)."
        ),
    )
    parser.add_argument("run_dir", help="a run directory written by `kerazoo train`")
    parser.add_argument("--out", required=True, help="SavedModel folder to create")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing export")
    parser.add_argument("--task", dest="variant", default=None, metavar="NAME",
                        help="which export of the run's task to write (e.g. classify, tag, qa, "
                             "embed); default: the task's own export")
    add_sampling_flags(parser, max_new_tokens=100)
    parser.add_argument("--max-num-beams", type=int, default=4,
                        help="the widest beam search a `generate` request may ask for "
                             "(its `num_beams` input; 1 turns beam search off)")
    parser.add_argument("--length-penalty", type=float, default=1.0,
                        help="length penalty of the served beam searches")
    parser.set_defaults(run=run)
    return parser


def run(args):
    from kerazoo.export.saved_model import check_export_folder
    from kerazoo.runs import load_run
    from kerazoo.tasks import task_of

    check_export_folder(args.out, args.overwrite)
    model, tokenizer, metadata = load_run(args.run_dir)
    task = task_of(metadata.get("family", "gpt"))
    if args.variant is None:
        path, signatures = task.export(model, tokenizer, args.out, args,
                                       overwrite=args.overwrite)
    else:
        path, signatures = task.export_variant(args.variant, model, tokenizer, args.out, args,
                                               overwrite=args.overwrite)
    print(f"kerazoo: exported {args.run_dir} to {path} (signatures: {', '.join(signatures)})")
