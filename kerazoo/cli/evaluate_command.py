"""`kerazoo evaluate RUN_DIR --data FILE`: the task's metrics of a trained run."""


def add_parser(commands, parents, with_tasks=True, argv=()):
    parser = commands.add_parser(
        "evaluate",
        parents=parents,
        help="evaluate a run on a text (loss, perplexity, bits per character)",
        description=(
            "Evaluate a run directory with its task's metrics. For a causal LM: "
            "mean loss and perplexity per token over every non-overlapping "
            "window of the text, and bits per character for character models."
        ),
    )
    parser.add_argument("run_dir", help="a run directory written by `kerazoo train`")
    parser.add_argument("--data", required=True,
                        help="text file(s) (.txt/.gz), comma-separated, or tfds:NAME[:SPLIT]")
    parser.add_argument("--data-dir", default=None, help="TFDS data folder (tfds: sources)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.set_defaults(run=run)
    return parser


def run(args):
    import json

    from kerazoo.tasks import evaluate_run

    metrics = evaluate_run(args.run_dir, args.data, args.batch_size, data_dir=args.data_dir)
    for name, value in metrics.items():
        print(f"{name}: {value:.4f}" if isinstance(value, float) else f"{name}: {value}")
    print(json.dumps(metrics))
