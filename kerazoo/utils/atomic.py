"""Atomic writes: a file or folder appears complete at its path, or not at all.

A run killed mid-write (preemption, out of memory, Ctrl-C) must never leave a
half-written checkpoint, plot or JSON file where a reader expects a whole one.
Everything is first written to a hidden temporary sibling in the same folder,
so that the final `os.replace` is a rename on one filesystem, which POSIX makes
atomic.

Example:

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> atomic_write_text(folder / "note.txt", "hello")
>>> (folder / "note.txt").read_text()
'hello'
>>> with atomic_path(folder / "data.bin") as temporary:
...     _ = temporary.write_bytes(b"abc")
>>> sorted(p.name for p in folder.iterdir())
['data.bin', 'note.txt']
"""

import contextlib
import os
import pathlib
import shutil
import uuid
from typing import Iterator

from kerazoo.utils.checks import check_path, check_type


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[pathlib.Path]:
    """Yields a temporary sibling of `path`, renamed onto `path` on success.

    The caller writes a file (or builds a folder) at the yielded path. When the
    `with` block ends normally, regular files are flushed to disk and the
    temporary is renamed onto `path`, replacing a file that is already there.
    When the block raises, the temporary (file or folder) is removed and the
    error propagates; `path` is left as it was.

    The temporary keeps `path`'s suffix (`.keras`, `.png`, `.json`) because
    writers such as `keras.Model.save` and `matplotlib` choose their format by
    it. The parent folder is created if missing.

    A folder replaces only a missing path or an empty folder (an `os.replace`
    rule); replacing a non-empty folder raises `OSError` and removes the
    temporary.

    Args:
        path: Final destination.

    Yields:
        The temporary path: it does not exist yet, and lies in `path`'s folder.

    Raises:
        TypeError: If `path` is not a string or path-like.
    """
    path = check_path("path", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A random name lets concurrent writers of the same path stay apart; the
    # leading dot keeps the temporary out of glob patterns like `*.keras`.
    temporary = path.with_name(f".{path.stem}.{uuid.uuid4().hex}.tmp{path.suffix}")
    try:
        yield temporary
        if temporary.is_file():
            _flush_to_disk(temporary)
        os.replace(temporary, path)
    except BaseException:
        _remove(temporary)
        raise


def atomic_write_text(
    path: str | os.PathLike, text: str, encoding: str = "utf-8"
) -> None:
    """Writes `text` to `path` atomically.

    Args:
        path: Destination file; its folder is created if missing.
        text: The whole new content.
        encoding: Text encoding. Defaults to `"utf-8"`.

    Raises:
        TypeError: If `text` is not a string.
    """
    check_type("text", text, str, "a str")
    with atomic_path(path) as temporary:
        # newline="" writes "\n" as is on every platform.
        temporary.write_text(text, encoding=encoding, newline="")


def _flush_to_disk(path: pathlib.Path) -> None:
    # Without fsync a power loss right after the rename can leave the new name
    # pointing at an empty file on some filesystems.
    with open(path, "rb") as file:
        os.fsync(file.fileno())


def _remove(path: pathlib.Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
