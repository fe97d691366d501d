"""Shared by the gateway's Lambda handlers (shipped as a Lambda layer: ``python/`` on the path).

Caller identity from the API Gateway request context, JSON request parsing that names the
offending field, and API Gateway proxy responses. Standard library only, so importing it costs
nothing at cold start.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BadRequest",
    "CallerIdentity",
    "HttpError",
    "caller_identity",
    "error_response",
    "json_response",
    "parse_json_body",
]

_ROLE_ARN = re.compile(r"arn:(aws[a-z-]*):iam::(\d{12}):role/(?:[\w+=,.@/-]*/)?([\w+=,.@-]+)")
_ASSUMED_ROLE_ARN = re.compile(r"arn:(aws[a-z-]*):sts::(\d{12}):assumed-role/([\w+=,.@-]+)/.+")
_USER_ARN = re.compile(r"arn:(aws[a-z-]*):iam::(\d{12}):user/(?:[\w+=,.@/-]*/)?([\w+=,.@-]+)")


class HttpError(Exception):
    """An error with an HTTP status the handler turns into a JSON response."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}

    def response(self) -> dict[str, Any]:
        """The API Gateway proxy response for this error."""
        return error_response(
            self.status, self.code, self.message, field=self.field, headers=self.headers
        )


class BadRequest(HttpError):
    """400: the request is malformed; ``field`` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(400, "BadRequest", f"{field}: {message}", field=field)


@dataclass(frozen=True)
class CallerIdentity:
    """Who called, from the request context that API Gateway's IAM authorizer filled in.

    ``principal_key`` identifies an IAM role or user independent of session names and role
    paths (an assumed-role ARN carries neither the path nor a stable session): it is what the
    tenant registry is matched against.
    """

    arn: str
    account: str
    principal_key: str

    @property
    def kind(self) -> str:
        """``role`` or ``user``."""
        return self.principal_key.split(":", 2)[1]


def principal_key(arn: str) -> str | None:
    """``<account>:role:<name>`` / ``<account>:user:<name>`` for an IAM or STS ARN, else None."""
    for pattern, kind in ((_ASSUMED_ROLE_ARN, "role"), (_ROLE_ARN, "role"), (_USER_ARN, "user")):
        match = pattern.fullmatch(arn)
        if match:
            return f"{match.group(2)}:{kind}:{match.group(3)}"
    return None


def caller_identity(event: dict[str, Any]) -> CallerIdentity | None:
    """The signed caller of an API Gateway REST (proxy) event, or None when there is none.

    Only ``requestContext.identity`` is read: API Gateway fills it after verifying the SigV4
    signature. Nothing the caller put in headers or the body is trusted.
    """
    context = event.get("requestContext")
    identity = context.get("identity") if isinstance(context, dict) else None
    if not isinstance(identity, dict):
        return None
    arn = identity.get("userArn")
    if not isinstance(arn, str):
        return None
    key = principal_key(arn)
    if key is None:
        return None
    return CallerIdentity(arn=arn, account=key.split(":", 1)[0], principal_key=key)


def parse_json_body(event: dict[str, Any], *, max_bytes: int) -> dict[str, Any]:
    """The request body as a JSON object; :class:`BadRequest` naming ``body`` otherwise."""
    body = event.get("body")
    if body is None or body == "":
        raise BadRequest("body", "is empty; send a JSON object")
    if not isinstance(body, str):
        raise BadRequest("body", "must be a JSON text")
    if event.get("isBase64Encoded"):
        import base64
        import binascii

        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise BadRequest("body", "is not valid base64-encoded UTF-8") from None
    if len(body.encode("utf-8")) > max_bytes:
        raise BadRequest("body", f"is larger than {max_bytes} bytes")
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise BadRequest("body", f"is not valid JSON ({exc.msg} at position {exc.pos})") from None
    if not isinstance(data, dict):
        raise BadRequest("body", f"must be a JSON object, not {type(data).__name__}")
    return data


def json_response(
    status: int, body: dict[str, Any], *, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """An API Gateway proxy response with a JSON body."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(body, separators=(",", ":")),
    }


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A JSON error response: ``{"error": {"code", "message", "field"?}}``."""
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return json_response(status, {"error": error}, headers=headers)
