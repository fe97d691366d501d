"""Shared by the gateway's Lambda handlers (shipped as a Lambda layer: ``python/`` on the path).

Caller identity from the API Gateway request context, JSON request parsing that names the
offending field, API Gateway proxy responses, and the gateway configuration both functions read:
where it comes from (:func:`config_source`, :class:`LiveConfig`) and its tenant registry
(:func:`parse_tenant_registry`), shared so that the two functions cannot drift apart. Standard
library only (AWS clients are passed in), so importing it costs nothing at cold start.

Where the gateway configuration comes from:

- ``GATEWAY_CONFIG_APPCONFIG``: ``<application id>/<environment id>/<profile id>`` of the AWS
  AppConfig hosted configuration ``GuardedInferenceApi`` deploys the routing config to. Read at
  cold start and again at most every ``GATEWAY_CONFIG_POLL_SECONDS`` (default 45, AppConfig's
  minimum 15), so a changed tenant list reaches every execution environment within a minute;
  a read that fails, or a version that is invalid, keeps the last good version serving.
- ``GATEWAY_CONFIG``: the whole config as JSON, for local runs and tests; when set, AppConfig is
  not read.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = [
    "APPCONFIG_VARIABLE",
    "CONFIG_VARIABLE",
    "POLL_VARIABLE",
    "BadRequest",
    "CallerIdentity",
    "ConfigSource",
    "ConfigUnavailable",
    "HttpError",
    "LiveConfig",
    "TenantEntry",
    "TenantRegistry",
    "caller_identity",
    "config_source",
    "error_response",
    "json_response",
    "parse_json_body",
    "parse_tenant_registry",
    "show_value",
]

#: The whole gateway config as JSON (local runs and tests); wins over AppConfig.
CONFIG_VARIABLE = "GATEWAY_CONFIG"
#: ``<application id>/<environment id>/<profile id>`` of the AppConfig hosted configuration.
APPCONFIG_VARIABLE = "GATEWAY_CONFIG_APPCONFIG"
#: Seconds between two reads of the AppConfig configuration (AppConfig's minimum is 15).
POLL_VARIABLE = "GATEWAY_CONFIG_POLL_SECONDS"
DEFAULT_POLL_SECONDS = 45
MIN_POLL_SECONDS = 15
MAX_POLL_SECONDS = 3600
_APPCONFIG_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")

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


class ConfigUnavailable(Exception):
    """No valid gateway config could be read yet (the store is unreachable, or every version
    read so far was invalid): the function answers 503 and tries again on the next request."""


@dataclass(frozen=True)
class ConfigSource:
    """Where a function reads the gateway config from, as its environment says."""

    inline: str | None
    """``GATEWAY_CONFIG``: the whole config as JSON (local runs and tests)."""
    application: str = ""
    environment: str = ""
    profile: str = ""
    """The AppConfig application, environment and configuration profile ids
    (``GATEWAY_CONFIG_APPCONFIG=<application>/<environment>/<profile>``)."""
    poll_seconds: int = DEFAULT_POLL_SECONDS


def config_source(environ: Mapping[str, str]) -> tuple[ConfigSource | None, list[str]]:
    """Read the config source from the environment; every problem names its variable."""
    problems: list[str] = []
    inline = environ.get(CONFIG_VARIABLE) or None
    locator = environ.get(APPCONFIG_VARIABLE, "")
    poll_text = environ.get(POLL_VARIABLE, "")
    poll = DEFAULT_POLL_SECONDS
    if poll_text:
        if poll_text.isdigit() and MIN_POLL_SECONDS <= int(poll_text) <= MAX_POLL_SECONDS:
            poll = int(poll_text)
        else:
            problems.append(
                f"{POLL_VARIABLE}: got {show_value(poll_text)}; must be a whole number of seconds "
                f"from {MIN_POLL_SECONDS} (AppConfig's minimum) to {MAX_POLL_SECONDS}"
            )
    if inline is not None:
        return (None if problems else ConfigSource(inline=inline, poll_seconds=poll)), problems
    parts = locator.split("/")
    if not locator:
        problems.append(
            f"{APPCONFIG_VARIABLE}: is not set (nor {CONFIG_VARIABLE}); the function needs its "
            "gateway config: '<application id>/<environment id>/<profile id>' of the AppConfig "
            f"hosted configuration, or the whole config as JSON in {CONFIG_VARIABLE}"
        )
    elif len(parts) != 3 or not all(_APPCONFIG_ID.fullmatch(part) for part in parts):
        problems.append(
            f"{APPCONFIG_VARIABLE}: got {show_value(locator)}; must be "
            "'<application id>/<environment id>/<profile id>' (each 1-128 letters, digits, "
            "'-', '_' or '.')"
        )
    if problems:
        return None, problems
    return ConfigSource(None, parts[0], parts[1], parts[2], poll), []


T = TypeVar("T")


class LiveConfig(Generic[T]):
    """The newest valid gateway config, parsed by ``parse``.

    From ``GATEWAY_CONFIG``: parsed once, here (a bad one raises, failing the cold start).
    From AppConfig: read through the AppConfig Data API (``StartConfigurationSession`` once,
    then ``GetLatestConfiguration`` at most every ``poll_seconds``, which answers an empty body
    while nothing changed). A version that cannot be parsed is logged and skipped: the last good
    one keeps serving. A failed read keeps the last good version too and starts a new session at
    the next poll. Until a first valid version arrives, :meth:`current` raises
    :class:`ConfigUnavailable` (at most one read attempt per ``retry_seconds``).

    ``client`` returns an ``appconfigdata`` client (created lazily, with short timeouts: a read
    is attempted within the request that triggers it); ``warn`` receives a message and fields to
    log; ``clock`` is monotonic seconds.
    """

    def __init__(
        self,
        source: ConfigSource,
        parse: Callable[[Any], T],
        *,
        client: Callable[[], Any] | None = None,
        warn: Callable[[str, dict[str, Any]], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        retry_seconds: float = 5.0,
    ) -> None:
        self._source = source
        self._parse = parse
        self._client = client
        self._warn = warn or (lambda message, fields: None)
        self._clock = clock
        self._retry_seconds = retry_seconds
        self._value: T | None = None
        self._token: str | None = None
        self._next_poll = float("-inf")
        self._last_problem = "not read yet"
        self.version = 0
        """How many valid versions were taken in (0 while none)."""
        if source.inline is not None:
            self._value = parse(_document(CONFIG_VARIABLE, source.inline.encode("utf-8")))
            self.version = 1
        elif client is None:
            raise ValueError("an AppConfig config source needs an appconfigdata client")

    def current(self) -> T:
        """The newest valid config; polls AppConfig when a poll is due."""
        if self._source.inline is None and self._clock() >= self._next_poll:
            self._poll()
        if self._value is None:
            raise ConfigUnavailable(self._last_problem)
        return self._value

    def _poll(self) -> None:
        assert self._client is not None
        source = self._source
        try:
            client = self._client()
            if self._token is None:
                started = client.start_configuration_session(
                    ApplicationIdentifier=source.application,
                    EnvironmentIdentifier=source.environment,
                    ConfigurationProfileIdentifier=source.profile,
                    RequiredMinimumPollIntervalInSeconds=source.poll_seconds,
                )
                self._token = started["InitialConfigurationToken"]
            answer = client.get_latest_configuration(ConfigurationToken=self._token)
            self._token = answer.get("NextPollConfigurationToken")
            body = answer.get("Configuration")
            content: bytes = body.read() if hasattr(body, "read") else (body or b"")
        except Exception as exc:  # any failure to read: keep the last good config
            self._token = None  # a token is good for one call; start a new session next time
            self._last_problem = f"the gateway config could not be read ({type(exc).__name__})"
            self._next_poll = self._clock() + (
                source.poll_seconds if self._value is not None else self._retry_seconds
            )
            self._warn(
                "gateway config read failed; "
                + ("keeping the last good version" if self._value is not None else "none yet"),
                {"error": type(exc).__name__},
            )
            return
        self._next_poll = self._clock() + source.poll_seconds
        if not content:
            if self._value is None:  # nothing deployed yet (or no change since a bad version)
                self._next_poll = self._clock() + self._retry_seconds
            return
        try:
            value = self._parse(_document("AppConfig", content))
        except Exception as exc:
            problems = getattr(exc, "problems", None) or [str(exc)]
            self._last_problem = "the deployed gateway config is invalid"
            self._warn(
                "gateway config version refused; "
                + ("keeping the last good version" if self._value is not None else "none yet"),
                {"problems": list(problems)[:20]},
            )
            return
        self._value = value
        self.version += 1


class _DocumentError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _document(source: str, content: bytes) -> Any:
    """The JSON document of a config source; :class:`ValueError` (with ``problems``) if it is
    not UTF-8 JSON."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise _DocumentError([f"{source}: is not UTF-8 text"]) from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _DocumentError([f"{source}: is not valid JSON ({exc})"]) from None


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
