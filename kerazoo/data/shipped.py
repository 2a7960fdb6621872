"""Where the shipped data (Tiny Shakespeare, Penn Treebank, Multi30k) is found."""

import pathlib
import sys

CORPUS_NAME = "tinyshakespeare.txt"


def default_corpus():
    """The shipped corpus (see `shipped_path`).

    Raises:
        ValueError: when it is in none of those places.
    """
    return shipped_path(CORPUS_NAME, "Pass `--data PATH` to a text file")


def shipped_path(name, alternative):
    """A file shipped under `data/`: in a source checkout (the current folder or
    the repository holding this package), else where `pip install` put it
    (`<prefix>/share/kerazoo/data`).

    Args:
        name: its path relative to `data/`, e.g. `"multi30k/val.de.gz"`.
        alternative: what the user can do instead, for the error message.

    Raises:
        ValueError: when it is in none of those places.
    """
    candidates = [
        pathlib.Path("data") / name,
        pathlib.Path(__file__).resolve().parents[2] / "data" / name,
        pathlib.Path(sys.prefix) / "share" / "kerazoo" / "data" / name,
    ]
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    raise ValueError(
        f"The shipped file {name} was not found (looked in "
        f"{[str(c) for c in candidates]}). {alternative}, or run from the "
        "kerazoo source folder."
    )

