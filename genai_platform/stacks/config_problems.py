"""Construct errors of a platform built from TOML, named by the config key they came from.

A construct refuses a bad prop with a ValueError naming the prop (``cpu_cores_per_copy: 0.1 is
not allowed``). When the stacks build constructs from a config file, the person reading the
error edits the TOML: :class:`ConfigProblems` runs each construct's build, turns the prop
names of its error into TOML key paths (``endpoints[0].cpu_cores_per_copy``), goes on with the
constructs that do not depend on the failed one, and raises every problem at once, like
config validation does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TypeVar

__all__ = ["ConfigProblems", "ConstructConfigError"]

T = TypeVar("T")

_PROBLEM_LINE = re.compile(r"^\s*- (?P<prop>[A-Za-z_][A-Za-z0-9_]*)(?P<rest>\W.*)$")
_FIRST_PROP = re.compile(r"^(?P<prop>[a-z_][a-z0-9_]*)(?P<rest>(?:\[|:|\s).*)$", re.DOTALL)


class ConstructConfigError(ValueError):
    """One or more constructs refused values of the config; each line names the TOML key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the config's values:\n{lines}")


class ConfigProblems:
    """Collects construct errors under TOML key paths; :meth:`raise_if_any` raises them."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def build(
        self,
        section: str,
        build: Callable[[], T],
        *,
        keys: Mapping[str, str] | None = None,
    ) -> T | None:
        """``build()``, or None after recording its ValueError.

        ``section`` is the TOML key path of what is built (``"endpoints[0]"``); a prop the
        error names becomes ``<section>.<prop>``, or ``keys[prop]`` (a full key path) where
        the TOML key differs from the prop.
        """
        try:
            return build()
        except ValueError as error:
            self.problems += _rename(str(error), section, keys or {})
            return None

    def raise_if_any(self) -> None:
        """Raise :class:`ConstructConfigError` with every recorded problem."""
        if self.problems:
            raise ConstructConfigError(self.problems)


def _key(prop: str, section: str, keys: Mapping[str, str]) -> str:
    if prop in keys:
        return keys[prop]
    return f"{section}.{prop}" if section else prop


def _rename(message: str, section: str, keys: Mapping[str, str]) -> list[str]:
    """The problems of one construct error, each starting with its TOML key path."""
    lines = message.splitlines()
    listed = [m for m in map(_PROBLEM_LINE.match, lines[1:]) if m]
    if listed:  # "<Construct> '<path>': invalid props (n problems):" then "  - prop: ..."
        return [f"{_key(m['prop'], section, keys)}{m['rest']}" for m in listed]
    problems = []
    for part in message.split("; ") if "\n" not in message else [message]:
        match = _FIRST_PROP.match(part.strip())
        if match:
            problems.append(f"{_key(match['prop'], section, keys)}{match['rest']}")
        else:
            problems.append(f"{section or 'config'}: {part.strip()}")
    return problems
