"""Where the shipped Tiny Shakespeare corpus is found."""

import pathlib
import sys

CORPUS_NAME = "tinyshakespeare.txt"


def default_corpus():
    """The shipped corpus: `data/` of a source checkout (the current folder or
    the repository holding this package), else where `pip install` put it
    (`<prefix>/share/kerazoo/data`).

    Raises:
        ValueError: when it is in none of those places.
    """
    candidates = [
        pathlib.Path("data") / CORPUS_NAME,
        pathlib.Path(__file__).resolve().parents[2] / "data" / CORPUS_NAME,
        pathlib.Path(sys.prefix) / "share" / "kerazoo" / "data" / CORPUS_NAME,
    ]
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    raise ValueError(
        f"The default corpus {CORPUS_NAME} was not found (looked in "
        f"{[str(c) for c in candidates]}). Pass `--data PATH` to a text file, or "
        "run from the kerazoo source folder."
    )
