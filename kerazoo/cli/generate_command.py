"""`kerazoo generate RUN_DIR`: sample text from a trained run."""

from kerazoo.cli.sampling_flags import add_sampling_flags, sampling_kwargs


def add_parser(commands):
    parser = commands.add_parser("generate", help="generate text with a trained run")
    parser.add_argument("run_dir", help="a run directory written by `kerazoo train`")
    parser.add_argument("--prompt", action="append", required=True,
                        help="prompt text (repeatable: prompts are generated as one batch)")
    add_sampling_flags(parser, max_new_tokens=200)
    parser.add_argument("--num-return-sequences", type=int, default=1)
    parser.set_defaults(run=run)
    return parser


def run(args):
    from kerazoo.runs import load_run
    from kerazoo.generation import generate

    model, tokenizer, _ = load_run(args.run_dir)
    texts = generate(
        model,
        tokenizer,
        args.prompt,
        num_return_sequences=args.num_return_sequences,
        **sampling_kwargs(args),
    )
    for i, text in enumerate(texts):
        if len(texts) > 1:
            print(f"--- {i} ---")
        print(text)
