"""`kerazoo generate RUN_DIR`: sample text from a trained run."""

from kerazoo.cli.sampling_flags import add_beam_flags, add_sampling_flags


def add_parser(commands, parents, with_tasks=True, argv=()):
    parser = commands.add_parser("generate", parents=parents,
                                 help="generate text with a trained run")
    parser.add_argument("run_dir", help="a run directory written by `kerazoo train`")
    parser.add_argument("--prompt", action="append", required=True,
                        help="prompt text (repeatable: prompts are generated as one batch)")
    add_sampling_flags(parser, max_new_tokens=200)
    parser.add_argument("--num-return-sequences", type=int, default=1,
                        help="samples per prompt, or with --num-beams the n best")
    add_beam_flags(parser)
    parser.add_argument("--early-stopping", action="store_true",
                        help="end a beam search once num-beams hypotheses are finished")
    parser.set_defaults(run=run)
    return parser


def run(args):
    from kerazoo.runs import load_run
    from kerazoo.tasks import task_of

    model, tokenizer, metadata = load_run(args.run_dir)
    texts = task_of(metadata.get("family", "gpt")).generate(model, tokenizer, args.prompt, args)
    texts = [texts] if isinstance(texts, str) else texts
    for i, text in enumerate(texts):
        if len(texts) > 1:
            print(f"--- {i} ---")
        print(text)
