"""The ``POST /v1/feedback`` request body, validated field by field.

``{"response_id": "<id>", "rating": "up"|"down", "comment": "<text>"?}``, where ``<id>`` is
the ``response_id`` of a ``POST /v1/chat`` response
(``r2.<random>.<issued-at>.<model>.<signature>``, see :class:`gw_common.ResponseIds`; whether
it was issued to this caller is the handler's check). Anything else is
answered with :class:`gw_common.BadRequest` naming the first offending field (in the order
body, unknown fields, ``response_id``, ``rating``, ``comment``), showing what was sent (cut
short) and saying what is allowed. Nothing here logs: a comment may carry personal data.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from gw_common import RESPONSE_ID_PATTERN, BadRequest, json_type_name, parse_json_body

__all__ = [
    "FIELDS",
    "MAX_BODY_BYTES",
    "MAX_COMMENT_CHARS",
    "RATINGS",
    "Feedback",
    "parse_feedback",
]

RATINGS = ("up", "down")
MAX_COMMENT_CHARS = 1000
MAX_BODY_BYTES = 16 * 1024
"""Enough for a 1000-character comment even when every character is a JSON ``\\uXXXX`` pair."""
FIELDS = ("response_id", "rating", "comment")

_RESPONSE_ID = re.compile(RESPONSE_ID_PATTERN[1:-1])
# C0 controls other than tab, line feed and carriage return, DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Feedback:
    """A validated feedback: a rating of one gateway response, with an optional comment."""

    response_id: str
    """The ``response_id`` of a ``POST /v1/chat`` response, as sent (well-formed; not yet
    verified)."""
    rating: str
    """``up`` or ``down``."""
    comment: str | None
    """The comment without surrounding whitespace; None when absent or blank."""


def parse_feedback(event: dict[str, Any]) -> Feedback:
    """The feedback in an API Gateway proxy event; :class:`BadRequest` naming the field."""
    body = parse_json_body(event, max_bytes=MAX_BODY_BYTES)
    _reject_unknown(body)
    return Feedback(
        response_id=_response_id(body),
        rating=_rating(body),
        comment=_comment(body),
    )


def _reject_unknown(body: dict[str, Any]) -> None:
    unknown = sorted(key for key in body if key not in FIELDS)
    if unknown:
        names = ", ".join(_show(key) for key in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise BadRequest(
            unknown[0][:64] or "body",
            f"unknown field(s) {names}{more}; allowed: {', '.join(FIELDS)}",
        )


def _response_id(body: dict[str, Any]) -> str:
    if "response_id" not in body:
        raise BadRequest("response_id", "is required: the response_id of a POST /v1/chat response")
    value = body["response_id"]
    if not isinstance(value, str):
        raise BadRequest(
            "response_id", f"must be a string (a response id), not {json_type_name(value)}"
        )
    if not value.strip():
        raise BadRequest("response_id", "must not be empty")
    if not _RESPONSE_ID.fullmatch(value):
        raise BadRequest(
            "response_id",
            f"got {_show(value)}; must be the response_id of a POST /v1/chat response "
            "(r1.<22 characters>.<10 digits>.<43 characters>)",
        )
    return value


def _rating(body: dict[str, Any]) -> str:
    if "rating" not in body:
        raise BadRequest("rating", "is required: 'up' or 'down'")
    value = body["rating"]
    if not isinstance(value, str) or value not in RATINGS:
        raise BadRequest("rating", f"got {_show(value)}; must be 'up' or 'down'")
    return value


def _comment(body: dict[str, Any]) -> str | None:
    if "comment" not in body:
        return None
    value = body["comment"]
    if not isinstance(value, str):
        raise BadRequest("comment", f"must be a string, not {json_type_name(value)}")
    if len(value) > MAX_COMMENT_CHARS:
        raise BadRequest(
            "comment", f"is {len(value)} characters long; at most {MAX_COMMENT_CHARS} are allowed"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(
            "comment", "contains an unpaired surrogate (\\ud800-\\udfff); send valid Unicode"
        ) from None
    control = _CONTROL.search(value)
    if control:
        raise BadRequest(
            "comment",
            f"contains the control character U+{ord(control.group()):04X} at position "
            f"{control.start()}; only tab, line feed and carriage return are allowed",
        )
    value = value.strip()
    return value or None


def _show(value: Any) -> str:
    """What the caller sent, cut short, for an error message (never logged): strings quoted,
    anything else as JSON (``null``, ``true``, ``["up"]``), never as Python writes it."""
    if isinstance(value, str):
        text = repr(value)
    else:
        try:
            text = json.dumps(value, ensure_ascii=True)
        except (TypeError, ValueError, RecursionError):
            text = json_type_name(value)
    return text if len(text) <= 60 else text[:57] + "..."
