"""Atomic text-file writes for tokenizer files.

A reader (a server loading a tokenizer while a trainer saves one) sees either
the old file or the whole new one, never a half-written vocabulary.
"""

import os
import pathlib
import tempfile


def write_text_atomically(path, text):
    """Writes `text` as UTF-8 to `path` through a temporary sibling file.

    The temporary file lies in `path`'s folder, so the final `os.replace` is a
    rename within one filesystem, which POSIX makes atomic. Newlines are
    written as `\\n` on every platform.

    Args:
        path: str or os.PathLike, the destination; its folder must exist.
        text: str, the whole new content.
    """
    path = pathlib.Path(path)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            # Without fsync, a crash right after the rename can leave the new
            # name pointing at an empty file on some filesystems.
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        pathlib.Path(temporary).unlink(missing_ok=True)
        raise
