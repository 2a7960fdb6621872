"""`kerazoo convert hf DIR --out RUN_DIR`: import a Hugging Face checkpoint as a run."""


def add_parser(commands, parents, with_tasks=True, argv=()):
    parser = commands.add_parser("convert", parents=parents,
                                 help="import a pretrained checkpoint as a run")
    parser.add_argument("source", choices=["hf"], help="checkpoint format: hf (Hugging Face)")
    parser.add_argument("directory", help="folder with config.json, model.safetensors "
                        "and the tokenizer's files")
    parser.add_argument("--out", required=True, help="run directory to write")
    parser.set_defaults(run=run)
    return parser


def run(args):
    from kerazoo.convert import checkpoint_family, from_huggingface
    from kerazoo.models import get_family
    from kerazoo.runs import save_run

    family = checkpoint_family(args.directory)
    model, tokenizer = from_huggingface(args.directory)
    if tokenizer is None:
        raise ValueError(
            f"{args.directory!r} has no tokenizer files: a run directory needs "
            "the tokenizer too. Copy them next to config.json."
        )
    metadata = {"family": family, "task": get_family(family).task,
                "converted_from": str(args.directory)}
    save_run(args.out, model, tokenizer, metadata)
    print(f"kerazoo: converted {args.directory} to {args.out} ({model.count_params():,} parameters)")
