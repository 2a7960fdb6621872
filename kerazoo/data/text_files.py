"""Reading UTF-8 text from plain (`.txt`) and gzip-compressed (`.gz`) files.

Every way a file can be unusable (missing, a folder, a broken gzip stream,
empty, not UTF-8) ends in one ValueError that names the argument, the path and
what is allowed, raised here where the file enters the program.
"""

import gzip
import os
import pathlib
import zlib

ALLOWED = "a non-empty UTF-8 text file (.txt, or gzip-compressed .gz)"


def read_text_file(path, *, argument="path"):
    """Reads a whole UTF-8 text file, decompressing it when it ends in `.gz`.

    Args:
        path: str or os.PathLike. Files ending in `.gz` are gzip streams; any
            other name is read as plain text.
        argument: str, the caller's name for `path`, used in error messages.

    Returns:
        str, the file's text.

    Raises:
        TypeError: If `path` is not a str or os.PathLike.
        ValueError: If the file is missing, not a regular file, a broken gzip
            stream, empty, or not UTF-8 (the message gives the byte offset).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"`{argument}` must be a str or os.PathLike. Received: {path!r} of "
            f"type {type(path).__name__}."
        )
    path = pathlib.Path(path)
    if not path.exists():
        raise ValueError(f"`{argument}` {str(path)!r} does not exist; expected {ALLOWED}.")
    if not path.is_file():
        raise ValueError(f"`{argument}` {str(path)!r} is not a file; expected {ALLOWED}.")
    data = path.read_bytes()
    where = f"`{argument}` {str(path)!r}"
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (gzip.BadGzipFile, EOFError, zlib.error) as error:
            raise ValueError(
                f"{where} is not a valid gzip file ({error}); expected {ALLOWED}."
            ) from None
        where += " (decompressed)"
    if not data:
        raise ValueError(f"{where} is empty; expected {ALLOWED}.")
    return decode_utf8(data, where)


def read_text_lines(path, *, argument="path"):
    """The lines of a text file (see `read_text_file`), without line endings.

    Lines end at `\n` only, so other control characters stay inside a line;
    the empty piece after a final newline is not a line.
    """
    lines = read_text_file(path, argument=argument).split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def decode_utf8(data, where):
    """Decodes UTF-8 bytes, or raises a ValueError giving the bad byte's offset.

    Args:
        data: bytes.
        where: str, what the bytes are, for the message (e.g. "`path` 'a.txt'").

    Returns:
        str.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{where} is not valid UTF-8: byte {data[error.start]:#04x} at byte "
            f"offset {error.start} ({error.reason}). Only UTF-8 text is allowed; "
            "convert the file first (e.g. `iconv -f latin1 -t utf-8`)."
        ) from None
