"""Checks of single prop values shared by the guarded inference API's validation modules:
tokens, integers and numbers in a range, lists of strings (each returns the problems, naming
the prop, showing the value and saying what is allowed)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import aws_cdk as cdk


def _is_token(value: object) -> bool:
    return isinstance(value, str) and cdk.Token.is_unresolved(value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _int_in(prop: str, value: object, low: int, high: int) -> list[str]:
    if _is_int(value) and low <= value <= high:  # type: ignore[operator]
        return []
    return [f"{prop}: {value!r} is not allowed; give an integer from {low:,} to {high:,}"]


def _number_in(prop: str, value: object, high: float) -> list[str]:
    if _is_number(value) and 0 < value <= high:  # type: ignore[operator]
        return []
    return [f"{prop}: {value!r} is not allowed; give a number greater than 0 and at most {high:g}"]


def _string_list(prop: str, value: object) -> tuple[list[str], list[str]]:
    """The strings of a list prop, and a problem when it is a string or holds non-strings."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [], [f"{prop}: {value!r} is not a list; give a list of strings like [{value!r}]"]
    bad = [v for v in value if not isinstance(v, str)]
    if bad:
        return [v for v in value if isinstance(v, str)], [
            f"{prop}: {bad!r} are not strings; give strings"
        ]
    return list(value), []
