import gzip

import pytest

from kerazoo.data.text_files import read_text_file, read_text_lines

TEXT = "To be, or not to be: that is the question.\nÀ bientôt.\n"


def test_reads_plain_and_gzip_files(tmp_path):
    plain = tmp_path / "corpus.txt"
    plain.write_bytes(TEXT.encode("utf-8"))
    packed = tmp_path / "corpus.txt.gz"
    packed.write_bytes(gzip.compress(TEXT.encode("utf-8")))
    assert read_text_file(plain) == TEXT
    assert read_text_file(str(packed)) == TEXT


def test_keeps_line_endings_as_they_are(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"a\r\nb\n")
    assert read_text_file(path) == "a\r\nb\n"


def test_read_text_lines_splits_on_newline_only(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_bytes("a\x0bb\n\u2028\nc".encode("utf-8"))
    assert read_text_lines(path) == ["a\x0bb", "\u2028", "c"]
    path.write_bytes(b"a\n\n")
    assert read_text_lines(path) == ["a", ""]


def test_missing_file(tmp_path):
    match = r"`path` '.*nope\.txt' does not exist; expected a non-empty UTF-8"
    with pytest.raises(ValueError, match=match):
        read_text_file(tmp_path / "nope.txt")


def test_directory(tmp_path):
    with pytest.raises(ValueError, match="is not a file"):
        read_text_file(tmp_path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.txt' is empty; expected"):
        read_text_file(path)


def test_empty_gzip_file(tmp_path):
    path = tmp_path / "empty.gz"
    path.write_bytes(gzip.compress(b""))
    with pytest.raises(ValueError, match=r"\(decompressed\) is empty"):
        read_text_file(path)


def test_non_utf8_bytes_give_their_offset(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("café au lait".encode("latin-1"))
    match = "not valid UTF-8: byte 0xe9 at byte offset 3"
    with pytest.raises(ValueError, match=match) as info:
        read_text_file(path, argument="source")
    assert str(info.value).startswith("`source` ")
    assert "Only UTF-8 text is allowed" in str(info.value)


def test_non_utf8_bytes_inside_gzip(tmp_path):
    path = tmp_path / "latin1.gz"
    path.write_bytes(gzip.compress(b"ok\n\xff"))
    match = r"\(decompressed\) is not valid UTF-8: byte 0xff at byte offset 3"
    with pytest.raises(ValueError, match=match):
        read_text_file(path)


def test_corrupt_gzip(tmp_path):
    path = tmp_path / "broken.gz"
    path.write_bytes(b"this is not gzip")
    with pytest.raises(ValueError, match="is not a valid gzip file"):
        read_text_file(path)


def test_rejects_non_path(tmp_path):
    with pytest.raises(TypeError, match="`path` must be a str or os.PathLike"):
        read_text_file(3)
