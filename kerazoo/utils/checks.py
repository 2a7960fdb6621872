"""Argument checks that name the argument, the value and what is allowed."""

import math
import numbers
import os
import pathlib


def check_real(
    name: str,
    value,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = False,
) -> float:
    """Checks that `value` is a real number (not a bool) inside a range.

    Args:
        name: Argument name, for the message.
        value: The value received.
        low: Lower bound, or `None` for none.
        high: Upper bound, or `None` for none.
        low_inclusive: Whether `low` itself is allowed. Defaults to True.
        high_inclusive: Whether `high` itself is allowed. Defaults to False.

    Returns:
        `value` as a Python float.

    Raises:
        TypeError: If `value` is not a real number.
        ValueError: If `value` is NaN or outside the range.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {value!r}.")
    value = float(value)
    inside = not math.isnan(value)
    if low is not None:
        inside = inside and (value >= low if low_inclusive else value > low)
    if high is not None:
        inside = inside and (value <= high if high_inclusive else value < high)
    if not inside:
        lower = "(-inf" if low is None else ("[" if low_inclusive else "(") + f"{low}"
        upper = "inf)" if high is None else f"{high}" + ("]" if high_inclusive else ")")
        raise ValueError(f"`{name}` must be in {lower}, {upper}, got {value}.")
    return value


def check_int(name: str, value, low: int | None = None) -> int:
    """Checks that `value` is an integer (not a bool), at least `low`.

    Args:
        name: Argument name, for the message.
        value: The value received.
        low: Smallest allowed value, or `None` for none.

    Returns:
        `value` as a Python int.

    Raises:
        TypeError: If `value` is not an integer.
        ValueError: If `value` < `low`.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer, got {value!r}.")
    if low is not None and value < low:
        raise ValueError(f"`{name}` must be >= {low}, got {value}.")
    return int(value)


def check_path(name: str, value) -> pathlib.Path:
    """Checks that `value` is a string or path-like.

    Args:
        name: Argument name, for the message.
        value: The value received.

    Returns:
        `value` as a `pathlib.Path`.

    Raises:
        TypeError: If `value` is neither a str nor an `os.PathLike`.
    """
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(
            f"`{name}` must be a str or os.PathLike, got {value!r} "
            f"of type {type(value).__name__}."
        )
    return pathlib.Path(value)


def check_type(name: str, value, expected: type | tuple, allowed: str) -> None:
    """Checks that `value` is an instance of `expected`.

    Args:
        name: Argument name, for the message.
        value: The value received.
        expected: A type or tuple of types, as for `isinstance`.
        allowed: What is allowed, in words: `"a keras.Model"`.

    Raises:
        TypeError: If `value` is not an instance of `expected`.
    """
    if not isinstance(value, expected):
        raise TypeError(
            f"`{name}` must be {allowed}, got {value!r} "
            f"of type {type(value).__name__}."
        )
