"""Where the shipped corpora (Tiny Shakespeare, Penn Treebank) are found."""

import pathlib
import sys

CORPUS_NAME = "tinyshakespeare.txt"


def shipped_file(name):
    """A file of the shipped `data/` folder: `data/` of a source checkout (the
    current folder or the repository holding this package), else where `pip
    install` put it (`<prefix>/share/kerazoo/data`).

    Args:
        name: the file's name, e.g. `"ptb.train.txt.gz"`.

    Returns:
        str, the path of the first copy found.

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
        f"The shipped data file {name} was not found (looked in "
        f"{[str(c) for c in candidates]}). Pass `--data PATH` to a text file, or "
        "run from the kerazoo source folder."
    )


def default_corpus():
    """The shipped Tiny Shakespeare (see `shipped_file` for where it is looked for).

    Raises:
        ValueError: when it is not found.
    """
    return shipped_file(CORPUS_NAME)
