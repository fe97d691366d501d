"""Shared by the gateway's Lambda handlers (shipped as a Lambda layer: ``python/`` on the path).

Caller identity from the API Gateway request context, JSON request parsing that names the
offending field, API Gateway proxy responses, and the gateway configuration both functions read
at cold start: where it comes from (:func:`read_gateway_config`) and its tenant registry
(:func:`parse_tenant_registry`), shared so that the two functions cannot drift apart. Standard
library only, so importing it costs nothing at cold start.

Where the gateway configuration comes from, lowest precedence first (JSON objects are merged
key by key, recursively; any other value of a later source replaces the earlier one):

1. ``GATEWAY_CONFIG_FILE``: the file ``GuardedInferenceApi`` writes into each function's code
   (``gateway_config.json``, everything known at synth: tenants, aliases, limits...). A relative
   name is resolved against ``LAMBDA_TASK_ROOT`` (the function's code in Lambda), or against the
   function module's own directory when that is unset (local runs and tests).
2. ``GATEWAY_DEPLOY_VALUES``: a small JSON object with the values only known at deploy time
   (the guardrail's id, version and ARN, self-hosted endpoint and inference component names),
   at the same places in the document.
3. ``GATEWAY_CONFIG``: a complete (or partial) configuration as JSON, for local runs and tests;
   it wins over both.

At least one of ``GATEWAY_CONFIG_FILE`` and ``GATEWAY_CONFIG`` must be set. A file that is
missing, unreadable or not a JSON object, or a variable that is not a JSON object, is reported
with every other problem at once.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CONFIG_FILE_VARIABLE",
    "CONFIG_VARIABLE",
    "DEPLOY_VALUES_VARIABLE",
    "BadRequest",
    "CallerIdentity",
    "HttpError",
    "TenantEntry",
    "TenantRegistry",
    "caller_identity",
    "error_response",
    "json_response",
    "merge_config",
    "parse_json_body",
    "parse_tenant_registry",
    "read_gateway_config",
    "show_value",
]

#: Name of the configuration file in the function's code (relative to ``LAMBDA_TASK_ROOT``).
CONFIG_FILE_VARIABLE = "GATEWAY_CONFIG_FILE"
#: The deploy-time values (guardrail, endpoint names) merged over the file.
DEPLOY_VALUES_VARIABLE = "GATEWAY_DEPLOY_VALUES"
#: A whole configuration as JSON (local runs, tests), merged last.
CONFIG_VARIABLE = "GATEWAY_CONFIG"

_TENANT_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_PRINCIPAL_KEY = re.compile(r"\d{12}:(role|user):[\w+=,.@-]{1,128}")

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


# --------------------------------------------------------------------------- gateway config


def show_value(value: Any) -> str:
    """A short rendering of a configuration value for an error message: strings quoted as
    Python does, everything else as JSON, cut at 80 characters."""
    if isinstance(value, str):
        text = repr(value)
    else:
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def merge_config(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` merged over ``base``: objects key by key, recursively; any other value of
    ``override`` (lists included) replaces the one in ``base``. Neither input is changed."""
    merged: dict[str, Any] = dict(base)
    for key, value in override.items():
        earlier = merged.get(key)
        if isinstance(earlier, Mapping) and isinstance(value, Mapping):
            merged[key] = merge_config(earlier, value)
        else:
            merged[key] = value
    return merged


def _json_object(source: str, text: str, problems: list[str]) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(f"{source}: is not valid JSON ({exc.msg} at position {exc.pos})")
        return None
    if not isinstance(data, dict):
        problems.append(f"{source}: got {show_value(data)}; must be a JSON object")
        return None
    return data


def read_gateway_config(
    environ: Mapping[str, str], *, module_dir: str
) -> tuple[dict[str, Any] | None, list[str]]:
    """The gateway configuration document merged from its sources (see the module
    documentation), and the problems found reading them (the document is None when any).

    ``module_dir`` is where a relative ``GATEWAY_CONFIG_FILE`` is looked for when
    ``LAMBDA_TASK_ROOT`` is unset: the directory of the calling function's modules.
    """
    problems: list[str] = []
    file_name = environ.get(CONFIG_FILE_VARIABLE, "")
    deploy_text = environ.get(DEPLOY_VALUES_VARIABLE, "")
    full_text = environ.get(CONFIG_VARIABLE, "")
    if not file_name and not full_text:
        problems.append(
            f"{CONFIG_FILE_VARIABLE}: is not set (nor {CONFIG_VARIABLE}); the function needs its "
            "gateway config: the name of the JSON file in its code, or the whole config as JSON "
            f"in {CONFIG_VARIABLE}"
        )
    document: dict[str, Any] = {}
    if file_name:
        root = environ.get("LAMBDA_TASK_ROOT") or module_dir
        path = os.path.join(root, file_name)
        source = f"{CONFIG_FILE_VARIABLE} ({path})"
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(
                f"{source}: cannot be read ({type(exc).__name__}: {exc}); the file must be in "
                "the function's code"
            )
        else:
            document = _json_object(source, text, problems) or {}
    for name, text in ((DEPLOY_VALUES_VARIABLE, deploy_text), (CONFIG_VARIABLE, full_text)):
        if text:
            layer = _json_object(name, text, problems)
            if layer is not None:
                document = merge_config(document, layer)
    if problems:
        return None, problems
    return document, []


@dataclass(frozen=True)
class TenantEntry:
    """One tenant of the registry: its id, its principal keys and its whole JSON object (for
    the fields only one function reads)."""

    index: int
    id: str
    principals: tuple[str, ...]
    spec: Mapping[str, Any]


@dataclass(frozen=True)
class TenantRegistry:
    """The tenants of the gateway configuration, and who each principal key belongs to."""

    tenants: tuple[TenantEntry, ...]
    by_principal: Mapping[str, str]
    """Principal key (``<account>:role:<name>`` / ``<account>:user:<name>``) to tenant id."""
    problems: tuple[str, ...]


def parse_tenant_registry(data: Any, *, key: str = "tenants") -> TenantRegistry:
    """Check the configuration's tenant list (ids and principal keys) and map every principal
    key to its tenant; each problem names ``key[index]...``, shows the value and says what is
    allowed. Tenants with a valid id are returned even when other parts of them are wrong."""
    problems: list[str] = []
    if not isinstance(data, list) or not data:
        problems.append(
            f"{key}: got {show_value(data)}; must be a non-empty list of "
            '{"id": ..., "principals": [...]} objects'
        )
        return TenantRegistry((), {}, tuple(problems))
    entries: list[TenantEntry] = []
    by_principal: dict[str, str] = {}
    seen_ids: set[str] = set()
    for index, spec in enumerate(data):
        where = f"{key}[{index}]"
        if not isinstance(spec, dict):
            problems.append(f"{where}: got {show_value(spec)}; must be a JSON object")
            continue
        tenant_id = spec.get("id")
        if not isinstance(tenant_id, str) or not _TENANT_ID.fullmatch(tenant_id):
            problems.append(
                f"{where}.id: got {show_value(tenant_id)}; must be 1-64 characters a-z, 0-9, "
                "'_', '-' starting with a letter or digit"
            )
            continue
        if tenant_id in seen_ids:
            problems.append(f"{where}.id: got {show_value(tenant_id)}; tenant ids must be unique")
        seen_ids.add(tenant_id)
        principals = spec.get("principals")
        keys: list[str] = []
        if not isinstance(principals, list) or not principals:
            problems.append(
                f"{where}.principals: got {show_value(principals)}; must be a non-empty list of "
                "principal keys such as '111111111111:role:app-workload'"
            )
            principals = []
        for position, principal in enumerate(principals):
            at = f"{where}.principals[{position}]"
            if not isinstance(principal, str) or not _PRINCIPAL_KEY.fullmatch(principal):
                problems.append(
                    f"{at}: got {show_value(principal)}; must be '<account>:role:<name>' or "
                    "'<account>:user:<name>'"
                )
            elif principal in by_principal and by_principal[principal] != tenant_id:
                problems.append(
                    f"{at}: got {show_value(principal)}; it already belongs to tenant "
                    f"{by_principal[principal]!r} and a principal may belong to one tenant only"
                )
            else:
                by_principal[principal] = tenant_id
                if principal not in keys:
                    keys.append(principal)
        entries.append(TenantEntry(index, tenant_id, tuple(keys), spec))
    return TenantRegistry(tuple(entries), by_principal, tuple(problems))
