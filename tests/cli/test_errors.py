"""The command line reports the user's bad input in one line, and bugs with their traceback."""

import pytest

import kerazoo.cli.main as cli
from kerazoo.cli.errors import is_input_error
from kerazoo.utils.checks import check_int


def raised(function):
    try:
        function()
    except Exception as error:  # noqa: BLE001  (the error itself is under test)
        return error
    raise AssertionError("nothing was raised")


def test_kerazoos_own_checks_are_input_errors():
    assert is_input_error(raised(lambda: check_int("steps", 0, low=1)))


def test_errors_from_tensorflow_or_python_itself_are_bugs():
    import tensorflow as tf

    assert not is_input_error(raised(lambda: tf.reshape(tf.zeros([3]), [2])))
    # A call with the wrong arguments, made from kerazoo's own code.
    assert not is_input_error(raised(lambda: check_int("steps")))
    assert not is_input_error(raised(lambda: int("x")))


def test_a_bug_keeps_its_traceback_and_bad_input_is_one_line(monkeypatch, capsys, tmp_path):
    def broken(args):
        return {}["missing"] + check_int()

    monkeypatch.setattr(cli, "_list", broken)
    with pytest.raises(KeyError):
        cli.main(["list"])

    def buggy_type_error(args):
        return check_int("steps")  # TypeError raised by Python, not by a check

    monkeypatch.setattr(cli, "_list", buggy_type_error)
    with pytest.raises(TypeError):
        cli.main(["list"])


def test_export_under_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "file").write_text("not a folder")
    code = cli.main(["export", str(tmp_path / "nowhere"), "--out", str(tmp_path / "file" / "x")])
    err = capsys.readouterr().err
    assert code == 2 and "is a file, not a folder" in err and "Traceback" not in err
