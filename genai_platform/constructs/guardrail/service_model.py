"""Limits, enums and patterns read from the Bedrock API model that botocore ships."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any


@functools.cache
def _shape_metadata(shape: str) -> Mapping[str, Any]:
    """Enum, min, max and pattern of one shape of the Bedrock API model botocore ships."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("bedrock")
    found = model.shape_for(shape)
    metadata: dict[str, Any] = dict(found.metadata)
    return metadata


def _enum(shape: str) -> tuple[str, ...]:
    return tuple(_shape_metadata(shape)["enum"])


def _bounds(shape: str) -> tuple[int, int]:
    metadata = _shape_metadata(shape)
    return int(metadata.get("min", 0)), int(metadata["max"])


def _pattern(shape: str) -> re.Pattern[str]:
    return re.compile(str(_shape_metadata(shape)["pattern"]))
