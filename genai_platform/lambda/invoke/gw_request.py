"""Validation of ``POST /v1/chat`` bodies: a typed request, or a 400 naming the field.

Anything a caller can send ends here as either a :class:`ChatRequest` or a
:class:`gw_common.BadRequest` whose ``field`` names the offending field (``messages[2].content``)
and whose message says what is allowed. The body never carries identity: a ``tenant`` field is
an unknown field like any other.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from gw_common import BadRequest, has_lone_surrogate, json_type_name
from gw_config import Limits

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "FEATURE_NONE",
    "FEATURE_OTHER",
    "TEMPLATE_TOKENS_PER_MESSAGE",
    "ChatMessage",
    "ChatRequest",
    "feature_dimension",
    "parse_chat_request",
]

DEFAULT_MAX_TOKENS = 1024
"""``max_tokens`` when the body has none (capped at ``limits.max_output_tokens``)."""

TEMPLATE_TOKENS_PER_MESSAGE = 16
"""Tokens counted per message (and once for the system prompt and the reply) on top of its
text, for the role markers and separators a model's chat template adds. Not published by the
providers: a deliberately generous allowance (chat templates add a handful per turn)."""

FEATURE_OTHER = "other"
FEATURE_NONE = "none"

_ROLES = ("user", "assistant")
_FIELDS = ("messages", "system", "max_tokens", "temperature", "model", "feature")
_MESSAGE_FIELDS = ("role", "content")
_TAG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_SURROGATE = "contains an unpaired surrogate (U+D800-U+DFFF); send valid Unicode"


@dataclass(frozen=True)
class ChatMessage:
    """One turn of the conversation."""

    role: str
    content: str


@dataclass(frozen=True)
class ChatRequest:
    """A validated chat request. ``model``/``feature`` are None when the caller sent none."""

    messages: tuple[ChatMessage, ...]
    system: str | None
    max_tokens: int
    temperature: float | None
    model: str | None
    feature: str | None

    @property
    def input_chars(self) -> int:
        """Characters of prompt text (messages and system prompt)."""
        return sum(len(m.content) for m in self.messages) + len(self.system or "")

    @property
    def input_bytes(self) -> int:
        """UTF-8 bytes of prompt text (messages and system prompt)."""
        return sum(len(m.content.encode("utf-8")) for m in self.messages) + len(
            (self.system or "").encode("utf-8")
        )

    @property
    def input_token_bound(self) -> int:
        """An upper bound of the input tokens this request can be billed.

        Every tokenizer of the supported models (byte-level BPE, or SentencePiece with byte
        fallback) emits tokens that each cover at least one byte of UTF-8 input, so a text
        never has more tokens than bytes, whatever its script (CJK characters are 3 bytes and
        at most 3 tokens; ``chars / 4`` under-counts them). :data:`TEMPLATE_TOKENS_PER_MESSAGE`
        is added per message, for the system prompt and for the reply's preamble.
        """
        turns = len(self.messages) + (1 if self.system else 0) + 1
        return self.input_bytes + TEMPLATE_TOKENS_PER_MESSAGE * turns

    @property
    def estimated_tokens(self) -> int:
        """What to reserve against the quota: :attr:`input_token_bound` + ``max_tokens``, an
        upper bound of what the request can consume."""
        return self.input_token_bound + self.max_tokens


def parse_chat_request(body: dict[str, Any], limits: Limits) -> ChatRequest:
    """Validate a parsed JSON body; :class:`BadRequest` names the first offending field."""
    _reject_unknown(body, _FIELDS, prefix="")
    messages = _messages(body, limits)
    system = _optional_text(body, "system", limits.max_system_chars)
    max_tokens = _max_tokens(body, limits)
    temperature = _temperature(body)
    model = _optional_tag(body, "model")
    feature = _optional_tag(body, "feature")
    return ChatRequest(messages, system, max_tokens, temperature, model, feature)


def feature_dimension(feature: str | None, known: frozenset[str]) -> str:
    """The ``Feature`` metric dimension: known tags as-is, others ``other``, missing ``none``."""
    if feature is None:
        return FEATURE_NONE
    return feature if feature in known else FEATURE_OTHER


def _reject_unknown(obj: dict[str, Any], allowed: tuple[str, ...], *, prefix: str) -> None:
    unknown = sorted(key for key in obj if key not in allowed)
    if unknown:
        names = ", ".join(repr(key[:64]) for key in unknown[:5])
        name = unknown[0][:64]
        # An empty key is named by the object that holds it.
        raise BadRequest(
            f"{prefix}{name}" if name else (prefix.rstrip(".") or "body"),
            f"unknown field(s) {names}; allowed: {', '.join(allowed)}",
        )


def _messages(body: dict[str, Any], limits: Limits) -> tuple[ChatMessage, ...]:
    if "messages" not in body:
        raise BadRequest("messages", "is required: an array of {role, content} objects")
    raw = body["messages"]
    if not isinstance(raw, list):
        raise BadRequest("messages", f"must be an array, not {json_type_name(raw)}")
    if not raw:
        raise BadRequest("messages", "must contain at least one message")
    if len(raw) > limits.max_messages:
        raise BadRequest(
            "messages", f"has {len(raw)} messages; at most {limits.max_messages} are allowed"
        )
    messages: list[ChatMessage] = []
    for index, item in enumerate(raw):
        key = f"messages[{index}]"
        if not isinstance(item, dict):
            raise BadRequest(
                key, f"must be an object with role and content, not {json_type_name(item)}"
            )
        _reject_unknown(item, _MESSAGE_FIELDS, prefix=f"{key}.")
        role = item.get("role")
        if role not in _ROLES:
            shown = repr(role[:32]) if isinstance(role, str) else json_type_name(role)
            raise BadRequest(f"{key}.role", f"got {shown}; must be 'user' or 'assistant'")
        content = item.get("content")
        if not isinstance(content, str):
            raise BadRequest(f"{key}.content", f"must be a string, not {json_type_name(content)}")
        if not content.strip():
            raise BadRequest(f"{key}.content", "must not be empty")
        if has_lone_surrogate(content):
            raise BadRequest(f"{key}.content", _SURROGATE)
        if len(content) > limits.max_message_chars:
            raise BadRequest(
                f"{key}.content",
                f"has {len(content)} characters; at most {limits.max_message_chars} are allowed",
            )
        messages.append(ChatMessage(role, content))
    if messages[-1].role != "user":
        raise BadRequest(
            f"messages[{len(messages) - 1}].role", "the last message must be from the user"
        )
    return tuple(messages)


def _optional_text(body: dict[str, Any], name: str, max_chars: int) -> str | None:
    if name not in body or body[name] is None:
        return None
    value = body[name]
    if not isinstance(value, str):
        raise BadRequest(name, f"must be a string, not {json_type_name(value)}")
    if not value.strip():
        raise BadRequest(name, "must not be empty when present")
    if has_lone_surrogate(value):
        raise BadRequest(name, _SURROGATE)
    if len(value) > max_chars:
        raise BadRequest(name, f"has {len(value)} characters; at most {max_chars} are allowed")
    return value


def _max_tokens(body: dict[str, Any], limits: Limits) -> int:
    if "max_tokens" not in body or body["max_tokens"] is None:
        return min(DEFAULT_MAX_TOKENS, limits.max_output_tokens)
    value = body["max_tokens"]
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest("max_tokens", f"must be an integer, not {json_type_name(value)}")
    if not 1 <= value <= limits.max_output_tokens:
        shown = str(value) if len(str(value)) <= 32 else str(value)[:29] + "..."
        raise BadRequest("max_tokens", f"got {shown}; must be from 1 to {limits.max_output_tokens}")
    return value


def _temperature(body: dict[str, Any]) -> float | None:
    if "temperature" not in body or body["temperature"] is None:
        return None
    value = body["temperature"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequest("temperature", f"must be a number, not {json_type_name(value)}")
    # Compared before any conversion: a huge integer would overflow float() or isfinite().
    if isinstance(value, float) and not math.isfinite(value):
        raise BadRequest("temperature", "got a non-finite number; must be from 0 to 1")
    if not 0 <= value <= 1:
        shown = str(value) if len(str(value)) <= 32 else str(value)[:29] + "..."
        raise BadRequest("temperature", f"got {shown}; must be from 0 to 1")
    return float(value)


def _optional_tag(body: dict[str, Any], name: str) -> str | None:
    if name not in body or body[name] is None:
        return None
    value = body[name]
    if not isinstance(value, str):
        raise BadRequest(name, f"must be a string, not {json_type_name(value)}")
    if not _TAG.fullmatch(value):
        shown = value if len(value) <= 64 else value[:61] + "..."
        raise BadRequest(
            name,
            f"got {shown!r}; must be 1-64 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit",
        )
    return value
