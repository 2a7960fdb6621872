"""`kerazoo convert hf DIR --out RUN_DIR`: import a Hugging Face GPT-2 checkpoint."""


def add_parser(commands):
    parser = commands.add_parser("convert", help="import a pretrained checkpoint as a run")
    parser.add_argument("source", choices=["hf"], help="checkpoint format: hf (Hugging Face)")
    parser.add_argument("directory", help="folder with config.json, model.safetensors, "
                        "vocab.json and merges.txt")
    parser.add_argument("--out", required=True, help="run directory to write")
    parser.set_defaults(run=run)
    return parser


def run(args):
    from kerazoo.convert import from_huggingface
    from kerazoo.runs import save_run

    model, tokenizer = from_huggingface(args.directory)
    if tokenizer is None:
        raise ValueError(
            f"{args.directory!r} has no vocab.json/merges.txt: a run directory needs "
            "the tokenizer too. Copy them next to config.json."
        )
    save_run(args.out, model, tokenizer, {"family": "gpt", "converted_from": str(args.directory)})
    print(f"kerazoo: converted {args.directory} to {args.out} ({model.count_params():,} parameters)")
