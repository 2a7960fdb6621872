"""Reading a parallel corpus: two line-aligned text files, and the shipped Multi30k.

Line `i` of the source file translates line `i` of the target file. Files
may be plain text or gzip (`.gz`). A pair with an empty (or all-whitespace)
line on either side carries no translation and is dropped; `ParallelCorpus
.dropped_empty` counts them. Files whose line counts differ are not aligned:
that is a ValueError naming both counts. A prepared TFDS translation set
becomes the same `ParallelCorpus` with `kerazoo.data.tfds_parallel`.
"""

from typing import NamedTuple

from kerazoo.data.shipped import shipped_path
from kerazoo.data.text_files import read_text_lines

# Multi30k (Task 1) as shipped in data/multi30k: split name -> file stem.
MULTI30K_SPLITS = {"train": "train", "val": "val", "test2016": "test_2016_flickr"}
MULTI30K_LANGUAGES = ("de", "en")


class ParallelCorpus(NamedTuple):
    """Aligned sentence pairs.

    Attributes:
        sources: list of str, the source sentences.
        targets: list of str, their translations (same length).
        dropped_empty: pairs dropped for an empty side.
    """

    sources: list
    targets: list
    dropped_empty: int = 0


def read_parallel_corpus(source_path, target_path):
    """The sentence pairs of two line-aligned files.

    Args:
        source_path: str or os.PathLike, a `.txt` or `.gz` file.
        target_path: str or os.PathLike, the same number of lines.

    Returns:
        `ParallelCorpus`, surrounding whitespace stripped from each line.

    Raises:
        ValueError: a file is unreadable (see `read_text_file`), the line
            counts differ, or no pair is left.
    """
    sources = read_text_lines(source_path, argument="source_path")
    targets = read_text_lines(target_path, argument="target_path")
    if len(sources) != len(targets):
        raise ValueError(
            f"`source_path` {str(source_path)!r} has {len(sources)} lines but "
            f"`target_path` {str(target_path)!r} has {len(targets)}; a parallel "
            "corpus needs line i of one to translate line i of the other."
        )
    return aligned_pairs(
        sources, targets,
        f"`source_path` {str(source_path)!r} and `target_path` {str(target_path)!r}",
    )


def aligned_pairs(sources, targets, where):
    """The `ParallelCorpus` of aligned sentences, pairs with an empty side dropped.

    Args:
        sources, targets: lists of str of one length; item i translates item i.
        where: str, what they came from, for the error message.

    Returns:
        `ParallelCorpus`, surrounding whitespace stripped from each sentence.

    Raises:
        ValueError: If no pair with two non-empty sides is left.
    """
    pairs = [(s.strip(), t.strip()) for s, t in zip(sources, targets, strict=True)]
    kept = [(s, t) for s, t in pairs if s and t]
    if not kept:
        raise ValueError(f"{where}: no pair has two non-empty sentences.")
    return ParallelCorpus(
        [s for s, _ in kept], [t for _, t in kept], dropped_empty=len(pairs) - len(kept)
    )


def multi30k(split, source_language="de", target_language="en"):
    """The shipped Multi30k split as a `ParallelCorpus`.

    Args:
        split: `"train"` (29,000 pairs), `"val"` (1,014) or `"test2016"` (1,000).
        source_language, target_language: `"de"` and `"en"`, either way round.

    Raises:
        ValueError: an unknown split or language.
    """
    if split not in MULTI30K_SPLITS:
        raise ValueError(f"`split` must be one of {sorted(MULTI30K_SPLITS)}, got {split!r}.")
    languages = (source_language, target_language)
    if sorted(languages) != sorted(MULTI30K_LANGUAGES):
        raise ValueError(
            f"Multi30k is German-English: `source_language` and `target_language` "
            f"must be 'de' and 'en' (either order), got {languages}."
        )
    stem = MULTI30K_SPLITS[split]
    alternative = "Pass `--data SOURCE_FILE,TARGET_FILE`"
    return read_parallel_corpus(
        shipped_path(f"multi30k/{stem}.{source_language}.gz", alternative),
        shipped_path(f"multi30k/{stem}.{target_language}.gz", alternative),
    )
