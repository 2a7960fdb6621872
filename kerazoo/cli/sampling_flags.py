"""Command-line flags for sampling settings, shared by `generate` and `export`."""


def add_sampling_flags(parser, max_new_tokens):
    parser.add_argument("--max-new-tokens", type=int, default=max_new_tokens)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--top-k", type=int, default=0, help="0 turns top-k off")
    parser.add_argument("--top-p", type=float, default=1.0, help="1.0 turns top-p off")
    parser.add_argument("--greedy", action="store_true", help="always take the likeliest token")
    parser.add_argument("--repetition-penalty", type=float, default=1.0)
    parser.add_argument("--stop", action="append", default=None,
                        help="stop token (one token; repeatable); default: the end token")
    parser.add_argument("--seed", type=int, default=0)


def sampling_kwargs(args):
    """The keyword arguments of `generate`/`export_text_generation` the flags give."""
    return {
        "max_new_tokens": args.max_new_tokens,
        "temperature": args.temperature,
        "top_k": args.top_k,
        "top_p": args.top_p,
        "greedy": args.greedy,
        "repetition_penalty": args.repetition_penalty,
        "stop_tokens": args.stop,
        "seed": args.seed,
    }
