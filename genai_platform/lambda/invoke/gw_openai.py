"""``POST /v1/chat/completions``: the OpenAI chat-completions shape on the gateway's chat path.

Most application code already speaks this shape, so with a SigV4 signer (``genai_platform.client``)
the official ``openai`` client works against the gateway. Nothing new happens behind it: the
request is translated into a ``POST /v1/chat`` body and served by the same path (identity from
the request context, the tenant's aliases, the kill switch, the token quota, the guardrail, the
circuit breaker and the fallback); the answer and every error are translated back.

Request: ``messages`` (roles ``system``/``developer`` -- joined into the system prompt --,
``user``, ``assistant``; ``content`` a string or a list of ``{"type": "text", "text": ...}``
parts), ``model`` (an alias of the gateway), ``max_tokens`` or ``max_completion_tokens``,
``temperature`` (0-1, as on ``/v1/chat``), ``user`` (accepted for compatibility and ignored: the
caller is the request's IAM identity, never a body field), ``n`` (1 only), ``stream`` (false
only). Anything else is a 400 naming the field. Limits are those of ``/v1/chat``.

Response: ``id`` (``chatcmpl-<response id>``), ``object`` ``chat.completion``, ``created``,
``model`` (the alias that served, a fallback's when one did), one ``choices`` entry with the
assistant message and ``finish_reason`` (``stop``, ``length``, or ``content_filter`` when the
guardrail intervened), ``usage`` (``prompt_tokens``, ``completion_tokens``, ``total_tokens``),
and ``response_id`` (for ``POST /v1/feedback``).

Errors keep their status and headers (``Retry-After``) in OpenAI's error shape:
``{"error": {"message", "type", "param", "code"}}``.
"""

from __future__ import annotations

import json
from typing import Any

from gw_common import BadRequest, json_type_name, parse_json_body

__all__ = ["OPENAI_FIELDS", "to_chat_event", "to_openai_response"]

OPENAI_FIELDS = (
    "messages",
    "model",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "user",
    "n",
    "stream",
)
_SYSTEM_ROLES = ("system", "developer")
_CHAT_ROLES = ("user", "assistant")
_MAX_USER_CHARS = 256

#: Stop reasons of the chat path (Bedrock's, and SageMaker's mapped to them) -> finish_reason.
_FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
}

#: HTTP status -> OpenAI error type.
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    429: "rate_limit_error",
}


def _text(content: Any, key: str) -> str:
    """A message's content: a string, or the text of a list of text parts."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise BadRequest(
            key, f"must be a string or an array of text parts, not {json_type_name(content)}"
        )
    texts = []
    for n, part in enumerate(content):
        if (
            not isinstance(part, dict)
            or part.get("type") != "text"
            or not isinstance(part.get("text"), str)
        ):
            raise BadRequest(
                f"{key}[{n}]", 'only text parts are supported: {"type": "text", "text": "..."}'
            )
        texts.append(part["text"])
    return "".join(texts)


def _translate(body: dict[str, Any]) -> dict[str, Any]:
    """The ``/v1/chat`` body for an OpenAI chat-completions body (400 naming the field)."""
    unknown = sorted(key for key in body if key not in OPENAI_FIELDS)
    if unknown:
        names = ", ".join(repr(key[:64]) for key in unknown[:5])
        raise BadRequest(
            unknown[0][:64] or "body",
            f"unknown or unsupported field(s) {names}; allowed: {', '.join(OPENAI_FIELDS)}",
        )
    if body.get("stream") not in (None, False):
        raise BadRequest("stream", "streaming is not supported; omit stream or send false")
    if body.get("n") not in (None, 1) or isinstance(body.get("n"), bool):
        raise BadRequest("n", "only one choice is supported; omit n or send 1")
    user = body.get("user")
    if user is not None and not (isinstance(user, str) and len(user) <= _MAX_USER_CHARS):
        raise BadRequest("user", f"must be a string of at most {_MAX_USER_CHARS} characters")
    if "max_tokens" in body and "max_completion_tokens" in body:
        raise BadRequest(
            "max_completion_tokens", "give max_tokens or max_completion_tokens, not both"
        )
    raw = body.get("messages")
    if not isinstance(raw, list):
        raise BadRequest("messages", "is required: an array of {role, content} objects")
    system: list[str] = []
    messages: list[dict[str, Any]] = []
    for n, item in enumerate(raw):
        key = f"messages[{n}]"
        if not isinstance(item, dict):
            raise BadRequest(
                key, f"must be an object with role and content, not {json_type_name(item)}"
            )
        extra = sorted(k for k in item if k not in ("role", "content", "name"))
        if extra:
            raise BadRequest(
                f"{key}.{extra[0][:64]}", "unsupported; messages take role and content"
            )
        role = item.get("role")
        if role in _SYSTEM_ROLES:
            system.append(_text(item.get("content"), f"{key}.content"))
        elif role in _CHAT_ROLES:
            messages.append({"role": role, "content": _text(item.get("content"), f"{key}.content")})
        else:
            allowed = ", ".join((*_SYSTEM_ROLES, *_CHAT_ROLES))
            raise BadRequest(
                f"{key}.role", f"{str(role)[:32]!r} is not allowed; allowed: {allowed}"
            )
    chat: dict[str, Any] = {"messages": messages}
    if system:
        chat["system"] = "\n\n".join(system)
    for source, target in (
        ("model", "model"),
        ("temperature", "temperature"),
        ("max_tokens", "max_tokens"),
        ("max_completion_tokens", "max_tokens"),
    ):
        if body.get(source) is not None:
            chat[target] = body[source]
    return chat


def to_chat_event(event: dict[str, Any], *, max_bytes: int) -> dict[str, Any]:
    """The proxy event with its OpenAI body replaced by the equivalent ``/v1/chat`` body."""
    chat = _translate(parse_json_body(event, max_bytes=max_bytes))
    return {**event, "body": json.dumps(chat), "isBase64Encoded": False}


def to_openai_response(response: dict[str, Any], *, created: int) -> dict[str, Any]:
    """The ``/v1/chat`` proxy response in OpenAI's shape (success or error)."""
    status = int(response["statusCode"])
    try:
        body = json.loads(response.get("body") or "{}")
    except json.JSONDecodeError:
        body = {}
    if status == 200 and isinstance(body, dict) and "output" in body:
        usage = body.get("usage", {})
        prompt, completion = int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))
        intervened = bool(body.get("guardrail", {}).get("intervened"))
        stop = str(body.get("stop_reason"))
        finish = "content_filter" if intervened else _FINISH_REASONS.get(stop, "stop")
        out: dict[str, Any] = {
            "id": f"chatcmpl-{body['response_id']}",
            "object": "chat.completion",
            "created": created,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": body["output"]["content"]},
                    "finish_reason": finish,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
            "response_id": body["response_id"],
        }
    else:
        error = body.get("error", {}) if isinstance(body, dict) else {}
        out = {
            "error": {
                "message": str(error.get("message", "request failed")),
                "type": _ERROR_TYPES.get(
                    status, "api_error" if status >= 500 else "invalid_request_error"
                ),
                "param": error.get("field"),
                "code": error.get("code"),
            }
        }
    return {**response, "body": json.dumps(out, separators=(",", ":"))}
