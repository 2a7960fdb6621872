"""`kerazoo train FAMILY`: train a model on a corpus into a run directory."""

import json
import pathlib
import time

from kerazoo.cli.default_data import default_corpus

SAMPLE_PROMPT = "ROMEO:"


def add_parser(commands):
    parser = commands.add_parser(
        "train",
        help="train a model into a run directory",
        description=(
            "Train a model. Defaults: the shipped Tiny Shakespeare, a character "
            "tokenizer, the family's default preset, everything saved under "
            "runs/PRESET/. Running the same command again resumes an "
            "interrupted run from its last backup (a kill loses at most the "
            "epoch in progress). Several GPUs are used through --strategy; on "
            "a cluster, run the same command on every worker with TF_CONFIG set."
        ),
    )
    parser.add_argument("family", choices=["gpt"], help="model family")
    parser.add_argument("--preset", default=None, help="preset name (see `kerazoo list`)")
    parser.add_argument("--data", default=None,
                        help="text file(s) (.txt/.gz), comma-separated, or tfds:NAME[:SPLIT]")
    parser.add_argument("--data-dir", default=None, help="TFDS data folder (tfds: sources)")
    parser.add_argument("--tokenizer", choices=["char", "word_piece"], default="char")
    parser.add_argument("--vocabulary-size", type=int, default=2000,
                        help="WordPiece vocabulary size (with --tokenizer word_piece)")
    parser.add_argument("--steps", type=int, default=2000, help="total optimizer steps")
    parser.add_argument("--epochs", type=int, default=10,
                        help="epochs the steps are split into (validation + checkpoint each)")
    parser.add_argument("--batch-size", type=int, default=12,
                        help="global batch size: the sequences of one optimizer step over "
                             "all replicas, each replica taking an equal share; when you "
                             "raise it to use more replicas, raise --learning-rate too")
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="peak learning rate")
    parser.add_argument("--min-learning-rate", type=float, default=1e-4)
    parser.add_argument("--warmup-steps", type=int, default=None,
                        help="linear warmup steps (default: 5%% of --steps, 100 for 2000)")
    parser.add_argument("--weight-decay", type=float, default=0.1)
    # Tuned on gpt-nano / Tiny Shakespeare (benchmarks/RESULTS.md): a long
    # second-moment memory and a loose clip beat nanoGPT's 0.9/0.99/1.0 there.
    parser.add_argument("--beta-1", type=float, default=0.85, help="Adam beta_1")
    parser.add_argument("--beta-2", type=float, default=0.999, help="Adam beta_2")
    parser.add_argument("--clipnorm", type=float, default=5.0,
                        help="clip gradients to this global norm (0: no clipping)")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--no-xla", dest="jit_compile", action="store_false",
                        help="train without XLA compilation")
    parser.add_argument("--strategy", choices=["auto", "default", "mirrored", "multi_worker"],
                        default="auto",
                        help="how to spread training: auto picks multi_worker when TF_CONFIG "
                             "is set, mirrored when more than one GPU is visible, else "
                             "default (one device)")
    parser.add_argument("--precision", choices=["float32", "mixed_float16", "mixed_bfloat16"],
                        default="float32",
                        help="mixed_bfloat16 on Ampere/Hopper GPUs and TPUs, mixed_float16 "
                             "(with loss scaling) on older GPUs")
    parser.add_argument("--out", default=None, help="run directory (default runs/PRESET)")
    parser.add_argument("--sample-tokens", type=int, default=300,
                        help="tokens of sample text generated at the end (0: none)")
    parser.set_defaults(run=run)
    return parser


def _source(args):
    if args.data is None:
        return default_corpus()
    if args.data.startswith("tfds:"):
        return args.data
    paths = [p for p in args.data.split(",") if p]
    return paths[0] if len(paths) == 1 else paths


def _tokenizer(args, documents):
    from kerazoo.data import CharTokenizer, train_word_piece

    if args.tokenizer == "char":
        return CharTokenizer.from_corpus("".join(documents))
    return train_word_piece(documents, args.vocabulary_size)


def run(args):
    # Everything that can be wrong with the input is checked before the run
    # directory is created, so bad input never leaves a half-made run.
    import keras

    from kerazoo.data import causal_lm_datasets_from_token_ids, load_documents, tokenize_documents
    from kerazoo.models import build, resolve_config
    from kerazoo.training.config import TrainConfig
    from kerazoo.training.fit import train
    from kerazoo.training.precision import precision
    from kerazoo.training.strategy import auto_kind, per_replica_batch_size, strategy

    # First: a multi-worker strategy must exist before TensorFlow runs anything.
    kind = auto_kind() if args.strategy == "auto" else args.strategy
    distribution = strategy(kind)
    per_replica_batch_size(args.batch_size, distribution)
    preset = args.preset or "gpt-nano"
    model_config = resolve_config(args.family, preset)
    config = TrainConfig(
        steps=args.steps,
        epochs=args.epochs,
        peak_learning_rate=args.learning_rate,
        min_learning_rate=args.min_learning_rate,
        warmup_steps=args.steps // 20 if args.warmup_steps is None else args.warmup_steps,
        weight_decay=args.weight_decay,
        beta_1=args.beta_1,
        beta_2=args.beta_2,
        global_clipnorm=args.clipnorm or None,
        jit_compile=args.jit_compile,
    )
    source = _source(args)
    documents = load_documents(source, data_dir=args.data_dir)
    tokenizer = _tokenizer(args, documents)
    token_ids = tokenize_documents(documents, tokenizer)
    datasets = causal_lm_datasets_from_token_ids(
        token_ids, model_config.max_sequence_length, args.batch_size, seed=args.seed
    )
    run_dir = pathlib.Path(args.out or pathlib.Path("runs") / preset)

    keras.utils.set_random_seed(args.seed)
    with distribution.scope(), precision(args.precision):
        model = build(args.family, preset, vocabulary_size=tokenizer.vocabulary_size())
    replicas = distribution.num_replicas_in_sync
    print(
        f"kerazoo: training {args.family} {preset} ({model.count_params():,} parameters, "
        f"vocabulary {tokenizer.vocabulary_size()}) on {source} for {config.steps} steps "
        f"into {run_dir}; {replicas} replica(s) x batch {args.batch_size // replicas}, "
        f"{args.precision}"
    )
    started = time.time()
    history = train(model, datasets.train, datasets.validation, run_dir, config)
    seconds = time.time() - started
    if not distribution.extended.should_checkpoint:
        print(f"kerazoo: done in {seconds:.0f} s; the chief worker writes {run_dir}")
        return

    from kerazoo.runs import save_run

    save_run(
        run_dir,
        model,
        tokenizer,
        {
            "family": args.family,
            "preset": preset,
            "data": str(source),
            "tokenizer": args.tokenizer,
            "train_config": {k: v for k, v in vars(config).items()},
            "batch_size": args.batch_size,
            "strategy": kind,
            "replicas": replicas,
            "precision": args.precision,
            "seed": args.seed,
            "wall_seconds": round(seconds, 1),
        },
    )
    validation = history["epochs"].get("val_loss") or [float("nan")]
    print(f"kerazoo: done in {seconds:.0f} s; final validation loss {validation[-1]:.4f}")
    if args.sample_tokens > 0:
        _print_sample(model, tokenizer, run_dir, args.sample_tokens, args.seed)


def _print_sample(model, tokenizer, run_dir, new_tokens, seed):
    from kerazoo.generation import generate
    from kerazoo.utils.atomic import atomic_write_text

    try:
        tokenizer.encode(SAMPLE_PROMPT)
        prompt = SAMPLE_PROMPT
    except ValueError:
        prompt = tokenizer.decode([0])
    text = generate(model, tokenizer, prompt, max_new_tokens=new_tokens, top_k=40, seed=seed)
    atomic_write_text(pathlib.Path(run_dir) / "samples.txt", text + "\n")
    print(f"\n--- sample ({new_tokens} tokens, top-k 40) ---\n{text}\n---")
    print(json.dumps({"run_dir": str(run_dir)}))
