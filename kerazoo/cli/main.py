"""The `kerazoo` command: train, evaluate, generate, translate, export, convert, list.

`kerazoo --help` answers without importing TensorFlow. Every other command
imports it once, with its native start-up lines kept off the screen
(`--verbose` shows them), then loads the registered families and tasks,
and families that installed packages declare under the entry-point group
`kerazoo.families`.
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from kerazoo.cli import (  # noqa: E402
    convert_command,
    evaluate_command,
    export_command,
    generate_command,
    train_command,
    translate_command,
)
from kerazoo.cli.errors import is_input_error  # noqa: E402
from kerazoo.cli.quiet import native_stderr_captured  # noqa: E402

COMMANDS = (train_command, evaluate_command, generate_command, translate_command,
            export_command, convert_command)
PLUGIN_GROUP = "kerazoo.families"


def _list(args):
    from kerazoo.models import list_models

    print(list_models())


def build_parser(with_tasks=True, argv=()):
    """The argument parser.

    `train FAMILY` gets the flags of that family's task (which imports
    TensorFlow: `with_tasks`), read from `argv`, so two tasks may use the
    same flag names.
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's native start-up and log lines")
    parser = argparse.ArgumentParser(
        prog="kerazoo",
        description="Build, train, evaluate, generate with and serve language models.",
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands, [common], with_tasks=with_tasks, argv=argv)
    listing = commands.add_parser("list", help="print every model family and preset",
                                  parents=[common])
    listing.set_defaults(run=_list)
    return parser


def _load_framework(verbose):
    with native_stderr_captured(enabled=not verbose):
        import keras  # noqa: F401
        import tensorflow

        # Device discovery logs too (a CUDA build on a machine without a GPU writes
        # "failed call to cuInit" to file descriptor 2): run it here, captured.
        tensorflow.config.list_physical_devices()
        import kerazoo.models  # noqa: F401
        import kerazoo.tasks  # noqa: F401
    if not verbose:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    from importlib.metadata import entry_points

    for plugin in entry_points(group=PLUGIN_GROUP):
        plugin.load()


def main(argv=None):
    """Entry point. Bad input ends with one clear line and exit status 2.

    Only kerazoo's own checks count as bad input (`is_input_error`); any
    other exception keeps its traceback, since it is a bug to report. A
    file-system error (a folder that cannot be made, a full disk) is one
    line and exit status 1.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        build_parser(with_tasks=False).parse_args(argv)
    _load_framework(verbose="--verbose" in argv)
    parser = build_parser(argv=argv)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except KeyboardInterrupt:
        print(
            f"kerazoo {args.command}: interrupted. Run the same command again "
            "to resume from the last backup.",
            file=sys.stderr,
        )
        return 130
    except Exception as error:
        if is_input_error(error):
            print(f"kerazoo {args.command}: error: {error}", file=sys.stderr)
            return 2
        if isinstance(error, OSError):
            print(f"kerazoo {args.command}: error: {error}", file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
