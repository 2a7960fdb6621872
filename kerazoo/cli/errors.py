"""Telling a user's bad input from a bug, for the command line's error reporting."""

import dis
import pathlib

_PACKAGE = pathlib.Path(__file__).resolve().parents[1]
_RAISE = dis.opmap["RAISE_VARARGS"]


def is_input_error(error):
    """Whether `error` is one of kerazoo's own checks of the user's input.

    True for a `ValueError`, `TypeError` or `FileNotFoundError` raised by a
    `raise` statement in kerazoo's own code: its checks name the bad value
    and the fix, so one line is the whole story. The same exceptions raised
    inside TensorFlow, Keras or NumPy, or by Python itself (a call with the
    wrong arguments), are bugs, and keep their traceback.
    """
    if not isinstance(error, (ValueError, TypeError, FileNotFoundError)):
        return False
    frame = error.__traceback__
    if frame is None:
        return False
    while frame.tb_next is not None:
        frame = frame.tb_next
    code = frame.tb_frame.f_code
    inside = pathlib.Path(code.co_filename).resolve().is_relative_to(_PACKAGE)
    return inside and code.co_code[frame.tb_lasti] == _RAISE
