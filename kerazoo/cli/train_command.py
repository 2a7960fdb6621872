"""`kerazoo train FAMILY`: train a registered family's model into a run directory."""

import dataclasses
import json
import pathlib
import time


def add_parser(commands, parents, with_tasks=True, argv=()):
    parser = commands.add_parser(
        "train",
        parents=parents,
        help="train a model into a run directory",
        description=(
            "Train a model. Defaults: the shipped Tiny Shakespeare, the family's "
            "default preset and its tuned recipe, everything saved under "
            "runs/PRESET/. Running the same command again resumes an "
            "interrupted run from its last backup (a kill loses at most the "
            "epoch in progress). Several GPUs are used through --strategy; on "
            "a cluster, run the same command on every worker with TF_CONFIG set. "
            "`kerazoo train FAMILY --help` lists the flags of the family's task."
        ),
    )
    parser.add_argument("family", help="model family (see `kerazoo list`)")
    parser.add_argument("--preset", default=None, help="preset name (see `kerazoo list`)")
    parser.add_argument("--data", default=None,
                        help="text file(s) (.txt/.gz), comma-separated, or tfds:NAME[:SPLIT]")
    parser.add_argument("--data-dir", default=None, help="TFDS data folder (tfds: sources)")
    recipe = parser.add_argument_group(
        "training recipe", "unset flags take the family's recipe (`kerazoo.tasks.training_settings`)"
    )
    recipe.add_argument("--steps", type=int, help="total optimizer steps (2000)")
    recipe.add_argument("--epochs", type=int,
                        help="epochs the steps are split into, each ending with validation "
                             "and a checkpoint (10; fewer when the steps do not split evenly)")
    recipe.add_argument("--batch-size", type=int,
                        help="global batch size (12): the sequences of one optimizer step over "
                             "all replicas, each replica taking an equal share; when you "
                             "raise it to use more replicas, raise --learning-rate too")
    recipe.add_argument("--learning-rate", type=float, dest="peak_learning_rate",
                        help="peak learning rate, for the loss as a mean over tokens (1e-3)")
    recipe.add_argument("--min-learning-rate", type=float, help="cosine floor (1e-4)")
    recipe.add_argument("--warmup-steps", type=int, help="linear warmup (5%% of --steps)")
    recipe.add_argument("--weight-decay", type=float, help="AdamW decay on matrices (0.1)")
    recipe.add_argument("--beta-1", type=float, help="Adam beta_1 (0.85)")
    recipe.add_argument("--beta-2", type=float, help="Adam beta_2 (0.999)")
    recipe.add_argument("--clipnorm", type=float, dest="global_clipnorm",
                        help="clip gradients to this global norm (5; 0: no clipping)")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--no-xla", dest="jit_compile", action="store_false", default=None,
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
    parser.add_argument("--overwrite", action="store_true",
                        help="replace a run with other settings in --out (its checkpoints "
                             "and logs too); without it such a run is refused")
    family = _family_in(argv)
    if with_tasks and family is not None:
        from kerazoo.models import family_names
        from kerazoo.tasks import task_of

        if family in family_names():
            task = task_of(family)
            task.add_arguments(parser.add_argument_group(f"{task.name} task ({family})"))
    parser.set_defaults(run=run)
    return parser


def _family_in(argv):
    """The FAMILY of `train FAMILY ...` in `argv`, or None."""
    words = [word for word in argv if not word.startswith("-")]
    return words[1] if len(words) > 1 and words[0] == "train" else None


def apply_preset_task_options(args, family, preset):
    """Set the task options `preset` trains with on `args`, unless the user set them."""
    for name, value in family.task_options_for(preset).items():
        if getattr(args, name, None) is None:
            setattr(args, name, value)


def _recipe_overrides(args):
    return {
        "steps": args.steps,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "peak_learning_rate": args.peak_learning_rate,
        "min_learning_rate": args.min_learning_rate,
        "warmup_steps": args.warmup_steps,
        "weight_decay": args.weight_decay,
        "beta_1": args.beta_1,
        "beta_2": args.beta_2,
        # 0 (no clipping) is applied after the recipe: None means "unset" here.
        "global_clipnorm": args.global_clipnorm or None,
        "jit_compile": args.jit_compile,
    }


def run(args):
    # Everything that can be wrong with the input is checked before the run
    # directory is created, so bad input never leaves a half-made run.
    import keras

    from kerazoo.models import build, get_family, resolve_config
    from kerazoo.runs import save_run
    from kerazoo.tasks import DEFAULT_RUN, get_task, training_settings
    from kerazoo.training.fit import train
    from kerazoo.training.run_guard import FINISHED, describe_finished, run_settings, run_state
    from kerazoo.training.strategy import auto_kind, per_replica_batch_size, strategy

    # First: a multi-worker strategy must exist before TensorFlow runs anything.
    kind = auto_kind() if args.strategy == "auto" else args.strategy
    distribution = strategy(kind)
    family = get_family(args.family)
    task = get_task(family.task)
    preset = args.preset or family.default_preset
    model_config = resolve_config(args.family, preset)
    apply_preset_task_options(args, family, preset)
    config, batch_size = training_settings(args.family, preset, **_recipe_overrides(args))
    if args.global_clipnorm == 0:
        config = dataclasses.replace(config, global_clipnorm=None)
    asked = args.epochs or {**DEFAULT_RUN, **family.recipe_for(preset)}["epochs"]
    if config.epochs != asked:
        print(f"kerazoo: {config.steps} steps do not split into {asked} epochs; "
              f"training {config.epochs} epochs of {config.steps_per_epoch} steps.")
    per_replica_batch_size(batch_size, distribution)
    data = task.prepare_data(args, model_config, batch_size, args.seed)
    run_dir = pathlib.Path(args.out or pathlib.Path("runs") / preset)

    keras.utils.set_random_seed(args.seed)
    with distribution.scope():
        model = build(args.family, preset, dtype=args.precision, **data.model_overrides)
        if data.prepare_model is not None:
            data.prepare_model(model)
    replicas = distribution.num_replicas_in_sync
    identity = {
        "family": args.family,
        "preset": preset,
        "data": data.source,
        "task_options": {name: getattr(args, name) for name in task.data_options},
        "batch_size": batch_size,
        "seed": args.seed,
        "precision": args.precision,
    }
    settings = run_settings(model, config, data.train, identity)
    if run_state(run_dir, settings, args.overwrite, clear=False) == FINISHED:
        print(f"kerazoo: {describe_finished(run_dir)}; its model is "
              f"{run_dir / 'model.keras'}. Nothing to train.")
        return
    print(
        f"kerazoo: training {args.family} {preset} ({model.count_params():,} parameters) "
        f"on {data.source} for {config.steps} steps into {run_dir}; {replicas} replica(s) "
        f"x batch {batch_size // replicas}, {args.precision}"
    )
    started = time.time()

    def save(history):
        save_run(run_dir, model, data.tokenizer, {
            **identity,
            "task": task.name,
            "hyperparameters": {**dataclasses.asdict(model_config), **data.model_overrides},
            "train_config": dataclasses.asdict(config),
            "strategy": kind,
            "replicas": replicas,
            "wall_seconds": round(time.time() - started, 1),
        })

    history = train(
        model, data.train, data.validation, run_dir, config,
        loss=task.loss(), metrics=task.metrics(), overwrite=args.overwrite, settings=identity,
        on_finish=save,
    )
    seconds = time.time() - started
    if not distribution.extended.should_checkpoint:
        print(f"kerazoo: done in {seconds:.0f} s; the chief worker writes {run_dir}")
        return
    validation = history["epochs"].get("val_loss")
    ending = f"final validation loss {validation[-1]:.4f}" if validation else "no validation data"
    print(f"kerazoo: done in {seconds:.0f} s; {ending}")
    _print_sample(task.sample(model, data, args, args.seed), run_dir)


def _print_sample(text, run_dir):
    from kerazoo.utils.atomic import atomic_write_text

    if text is not None:
        atomic_write_text(pathlib.Path(run_dir) / "samples.txt", text + "\n")
        print(f"\n--- sample ---\n{text}\n---")
    print(json.dumps({"run_dir": str(run_dir)}))
