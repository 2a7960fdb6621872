"""Command-line flags for sampling settings, shared by `generate` and `export`,
for beam search, shared by `generate` and `translate`, and for over-long
translation sources, shared by `translate` and `evaluate`.

A task reads them (`kerazoo.tasks.causal_lm.sampling_options`).
"""


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


def add_beam_flags(parser):
    parser.add_argument("--num-beams", type=int, default=1,
                        help="beam search with this many beams (1: sample or --greedy; "
                             "translation: greedy)")
    parser.add_argument("--length-penalty", type=float, default=1.0,
                        help="beam scores are divided by length ** this (> 0 favours longer)")


def add_long_sources_flag(parser, default):
    parser.add_argument("--long-sources", choices=["truncate", "error"], default=default,
                        help="a source longer than the model's max source length: truncate "
                             "it with a warning (translation's default) or stop with an error")
