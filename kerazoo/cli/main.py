"""The `kerazoo` command: train, generate, export, convert, list."""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from kerazoo.cli import convert_command, export_command, generate_command, train_command  # noqa: E402


def _list(args):
    from kerazoo.models import list_models

    print(list_models())


def build_parser():
    parser = argparse.ArgumentParser(
        prog="kerazoo",
        description="Build, train, generate with and serve language models.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train_command.add_parser(commands)
    generate_command.add_parser(commands)
    export_command.add_parser(commands)
    convert_command.add_parser(commands)
    listing = commands.add_parser("list", help="print every model family and preset")
    listing.set_defaults(run=_list)
    return parser


def main(argv=None):
    """Entry point. Bad input ends with one clear line and exit status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except (ValueError, TypeError, FileNotFoundError) as error:
        print(f"kerazoo {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"kerazoo {args.command}: interrupted. Run the same command again "
            "to resume from the last backup.",
            file=sys.stderr,
        )
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
