import pytest

from kerazoo.utils.atomic import atomic_path, atomic_write_text


def test_text_is_written_and_replaces_the_old_file(tmp_path):
    path = tmp_path / "nested" / "out.json"
    atomic_write_text(path, "first")
    atomic_write_text(path, "second")
    assert path.read_text() == "second"
    assert [p.name for p in path.parent.iterdir()] == ["out.json"]


def test_the_temporary_is_a_hidden_sibling_with_the_same_suffix(tmp_path):
    with atomic_path(tmp_path / "model.keras") as temporary:
        assert temporary.parent == tmp_path
        assert temporary.name.startswith(".") and temporary.suffix == ".keras"
        assert not temporary.exists()
        temporary.write_bytes(b"weights")
    assert (tmp_path / "model.keras").read_bytes() == b"weights"


@pytest.mark.parametrize("make", ["file", "folder"])
def test_a_failure_leaves_nothing_behind_and_the_old_file_intact(tmp_path, make):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="disk on fire"):
        with atomic_path(path) as temporary:
            if make == "file":
                temporary.write_bytes(b"half")
            else:
                temporary.mkdir()
                (temporary / "part").write_bytes(b"half")
            raise RuntimeError("disk on fire")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_a_folder_can_be_written_atomically(tmp_path):
    with atomic_path(tmp_path / "saved_model") as temporary:
        temporary.mkdir()
        (temporary / "graph.pb").write_bytes(b"graph")
    assert (tmp_path / "saved_model" / "graph.pb").read_bytes() == b"graph"
    assert [p.name for p in tmp_path.iterdir()] == ["saved_model"]


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(TypeError, match="path"):
        atomic_write_text(3, "text")
    with pytest.raises(TypeError, match="text"):
        atomic_write_text(tmp_path / "x", b"bytes")
    assert list(tmp_path.iterdir()) == []
