"""Small helpers shared by the gateway's modules: construct ids."""

from __future__ import annotations

import re

__all__ = ["_pascal"]


def _pascal(name: str) -> str:
    """``"team-a_b"`` -> ``"TeamAB"`` for construct ids."""
    return "".join(part.capitalize() for part in re.split(r"[-_]", name) if part)
