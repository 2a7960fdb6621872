import pytest

from kerazoo.data.atomic_file import write_text_atomically


def test_writes_and_replaces_without_leftovers(tmp_path):
    path = tmp_path / "vocabulary.txt"
    write_text_atomically(path, "old\n")
    write_text_atomically(path, "new\r\nline\n")
    # Newlines are written as given, on every platform.
    assert path.read_bytes() == b"new\r\nline\n"
    assert [p.name for p in tmp_path.iterdir()] == ["vocabulary.txt"]


def test_failed_write_keeps_old_file_and_removes_temporary(tmp_path):
    path = tmp_path / "vocabulary.txt"
    write_text_atomically(path, "old\n")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomically(path, "bad \ud800 surrogate")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["vocabulary.txt"]
