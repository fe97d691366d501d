"""Shared by the gateway's Lambda handlers (shipped as a Lambda layer: ``python/`` on the path).

Caller identity from the API Gateway request context, JSON request parsing that names the
offending field (and refuses, with a 400, whatever would break a later step: deep nesting,
endless numbers, bad base64, unpaired surrogates), API Gateway proxy responses, the signed
response ids the invoke function issues and the feedback function verifies
(:class:`ResponseIds`), and the gateway configuration both functions read: where it comes from
(:func:`config_source`, :class:`LiveConfig`) and its tenant registry
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
    "RESPONSE_ID_KEY_LABEL",
    "RESPONSE_ID_KEY_VARIABLE",
    "RESPONSE_ID_PATTERN",
    "RESPONSE_ID_TEST_KEY_VARIABLE",
    "UNKNOWN_RESPONSE_MODEL",
    "BadRequest",
    "CallerIdentity",
    "ConfigSource",
    "ConfigUnavailable",
    "HttpError",
    "LiveConfig",
    "ResponseIds",
    "TenantEntry",
    "TenantRegistry",
    "caller_identity",
    "config_source",
    "derive_response_id_key",
    "error_response",
    "has_lone_surrogate",
    "json_response",
    "json_type_name",
    "parse_json_body",
    "parse_tenant_registry",
    "response_id_environment_problems",
    "response_id_key_arn_problem",
    "response_ids_from_environment",
    "scrub_text",
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


MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects a request body may have (no request needs more)."""
MAX_NUMBER_CHARS = 64
"""Longest number literal a request body may hold (Python refuses int strings over 4300
digits with a ValueError; nothing the gateway reads needs more than a few digits)."""

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_STRUCTURAL = re.compile(r'[\[\]{}"\\]')


class _BadNumber(ValueError):
    pass


def json_type_name(value: Any) -> str:
    """The JSON name of a decoded value's type: null, boolean, number, string, array, object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def has_lone_surrogate(text: str) -> bool:
    """True when ``text`` holds an unpaired UTF-16 surrogate (a JSON ``\\ud800`` escape with
    no partner): such a string cannot be encoded as UTF-8, so no AWS API can be sent it."""
    return _LONE_SURROGATE.search(text) is not None


def scrub_text(text: str) -> str:
    """``text`` with every unpaired surrogate replaced by U+FFFD, so it can always be written
    as UTF-8 (a log line is never dropped for its encoding). Linear time."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _parse_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _BadNumber(f"a number has {len(text)} digits; at most {MAX_NUMBER_CHARS} are allowed")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _BadNumber(
            f"a number has {len(text)} characters; at most {MAX_NUMBER_CHARS} are allowed"
        )
    return float(text)


def _parse_constant(name: str) -> float:
    """``NaN``/``Infinity`` (not JSON, but Python's decoder reads them) become floats that every
    numeric field refuses by name (``temperature: got a non-finite number``)."""
    return float(name)


def _depth_exceeds(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit``, checked before decoding so
    the decoder never recurses deep enough to raise RecursionError.

    Linear, whatever the text: one character-class scan finds the only characters that matter
    (brackets, quotes, backslashes) and the loop walks those, skipping what a backslash escapes.
    No pattern with repetitions that could backtrack (a string-matching regex is quadratic on
    an unterminated string full of escaped quotes)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    in_string = False
    skip_to = -1
    for match in _STRUCTURAL.finditer(text):
        position = match.start()
        if position < skip_to:
            continue
        char = match.group()
        if in_string:
            if char == "\\":
                skip_to = position + 2
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def parse_json_body(event: dict[str, Any], *, max_bytes: int) -> dict[str, Any]:
    """The request body as a JSON object; :class:`BadRequest` naming ``body`` otherwise.

    Refused with a 400: no body, a body that is not text, ``isBase64Encoded`` with anything but
    base64 of UTF-8, more than ``max_bytes`` bytes, raw unpaired surrogates (JSON-escaped ones
    are refused by the field that holds them, see :func:`has_lone_surrogate`), invalid JSON,
    nesting deeper than :data:`MAX_JSON_DEPTH`, number literals longer than
    :data:`MAX_NUMBER_CHARS`, and any top-level value but an object. Type names are JSON's.
    """
    body = event.get("body")
    if body is None or body == "":
        raise BadRequest("body", "is empty; send a JSON object")
    if not isinstance(body, str):
        raise BadRequest("body", f"must be a JSON text, not {json_type_name(body)}")
    if event.get("isBase64Encoded"):
        import base64
        import binascii

        if len(body) > (max_bytes * 4) // 3 + 4:
            raise BadRequest("body", f"is larger than {max_bytes} bytes")
        try:
            body = base64.b64decode(body.encode("ascii"), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise BadRequest("body", "is not valid base64-encoded UTF-8") from None
    if len(body) > max_bytes:
        raise BadRequest("body", f"is larger than {max_bytes} bytes")
    try:
        size = len(body.encode("utf-8"))
    except UnicodeEncodeError:
        raise BadRequest(
            "body", "contains an unpaired surrogate (U+D800-U+DFFF); send valid Unicode"
        ) from None
    if size > max_bytes:
        raise BadRequest("body", f"is larger than {max_bytes} bytes")
    if _depth_exceeds(body, MAX_JSON_DEPTH):
        raise BadRequest("body", f"nests arrays and objects deeper than {MAX_JSON_DEPTH} levels")
    try:
        data = json.loads(
            body, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
        )
    except _BadNumber as exc:
        raise BadRequest("body", str(exc)) from None
    except json.JSONDecodeError as exc:
        raise BadRequest("body", f"is not valid JSON ({exc.msg} at position {exc.pos})") from None
    except (ValueError, RecursionError):
        raise BadRequest("body", "is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("body", f"must be a JSON object, not {json_type_name(data)}")
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


# --------------------------------------------------------------------------- response ids

RESPONSE_ID_KEY_VARIABLE = "RESPONSE_ID_KEY_ARN"
"""The ARN of the KMS HMAC key (``HMAC_256``) both functions derive the response-id key from."""

RESPONSE_ID_KEY_LABEL = b"genai-platform/gateway/response-id/v1"
"""The fixed message whose ``GenerateMac`` (HMAC_SHA_256) is the response-id signing key."""

RESPONSE_ID_PATTERN = (
    r"^r[12]\.[A-Za-z0-9_-]{22}\.[0-9]{10}(\.[A-Za-z0-9_-]{1,88})?\.[A-Za-z0-9_-]{43}$"
)
"""The shape of every response id (for the feedback route's JSON-schema model): ``r2`` ids
carry the serving model alias, ``r1`` ids (issued before) do not."""

UNKNOWN_RESPONSE_MODEL = "unknown"
"""The model alias of an ``r1`` response id (issued before ids carried the alias)."""

_RESPONSE_ID = re.compile(RESPONSE_ID_PATTERN[1:-1])
_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]{1,128}")


RESPONSE_ID_TEST_KEY_VARIABLE = "RESPONSE_ID_TEST_KEY"
"""TEST-ONLY: a hex key (64-128 hex digits) used instead of ``RESPONSE_ID_KEY_ARN`` for local
runs and tests. Refused inside Lambda (``AWS_LAMBDA_FUNCTION_NAME`` set): a deployed function
always derives its key from KMS."""


def response_id_environment_problems(environ: Mapping[str, str]) -> list[str]:
    """What is wrong with the response-id key settings of ``environ`` (empty when usable)."""
    test_key = environ.get(RESPONSE_ID_TEST_KEY_VARIABLE)
    if test_key is not None:
        if environ.get("AWS_LAMBDA_FUNCTION_NAME"):
            return [
                f"{RESPONSE_ID_TEST_KEY_VARIABLE}: is set inside Lambda; it is for local runs "
                f"and tests only: set {RESPONSE_ID_KEY_VARIABLE} to the KMS HMAC key's ARN"
            ]
        if not re.fullmatch(r"[0-9a-f]{64,128}", test_key):
            return [
                f"{RESPONSE_ID_TEST_KEY_VARIABLE}: got {show_value(test_key)}; must be 64-128 "
                "lower-case hex digits (test-only)"
            ]
        return []
    problem = response_id_key_arn_problem(environ.get(RESPONSE_ID_KEY_VARIABLE))
    return [problem] if problem else []


def response_ids_from_environment(
    environ: Mapping[str, str], kms_client: Callable[[], Any]
) -> ResponseIds:
    """The :class:`ResponseIds` of a function: its key derived through KMS (one
    ``GenerateMac`` call), or the test-only key outside Lambda. Call after
    :func:`response_id_environment_problems` found nothing."""
    test_key = environ.get(RESPONSE_ID_TEST_KEY_VARIABLE)
    if test_key is not None and not environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return ResponseIds(bytes.fromhex(test_key))
    return ResponseIds(derive_response_id_key(kms_client(), environ[RESPONSE_ID_KEY_VARIABLE]))


def response_id_key_arn_problem(value: str | None) -> str | None:
    """Why ``RESPONSE_ID_KEY_ARN`` is unusable, or None when it is a KMS key ARN."""
    if value and _KEY_ARN.fullmatch(value):
        return None
    shown = "unset" if value is None else show_value(value)
    return (
        f"{RESPONSE_ID_KEY_VARIABLE}: got {shown}; must be the ARN of the KMS HMAC key "
        "(arn:aws:kms:<region>:<account>:key/<id>) that response ids are signed with"
    )


def derive_response_id_key(kms_client: Any, key_arn: str) -> bytes:
    """The response-id signing key: ``kms:GenerateMac`` (HMAC_SHA_256) over
    :data:`RESPONSE_ID_KEY_LABEL` with the KMS HMAC key ``key_arn``.

    Called once per cold start by each function; both get the same 32 bytes because HMAC is
    deterministic for one key and message (RFC 2104; KMS GenerateMac,
    https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateMac.html). Nothing is
    stored and the key material never leaves KMS: only this derived key lives in memory.
    """
    response = kms_client.generate_mac(
        KeyId=key_arn, MacAlgorithm="HMAC_SHA_256", Message=RESPONSE_ID_KEY_LABEL
    )
    mac = response["Mac"]
    if not isinstance(mac, bytes | bytearray) or len(mac) < 32:
        raise ValueError("kms:GenerateMac did not return a 32-byte HMAC")
    return bytes(mac)


class ResponseIds:
    """Issues and verifies response ids: ``r2.<random>.<issued-at>.<model>.<signature>``.

    ``<random>`` is 16 random bytes (base64url), ``<issued-at>`` the epoch second the response
    was issued (10 digits), ``<model>`` the model alias that served it (UTF-8, base64url, so
    the feedback metric can be counted per model), ``<signature>`` HMAC-SHA256 (base64url, 43
    characters) over the version, random part, issued-at, model and the caller's principal
    key. Ids of the previous shape, ``r1.<random>.<issued-at>.<signature>`` (no model), are
    still accepted until they expire; their model is :data:`UNKNOWN_RESPONSE_MODEL`. The
    feedback function accepts an id only from the principal it was issued to and only while
    it is younger than the feedback TTL: anyone else's, forged, altered or expired ids are
    unknown (404).
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the response-id key must be at least 32 bytes")
        self._key = key

    def issue(self, principal_key: str, now_epoch: float, model: str) -> str:
        """A new response id for ``principal_key`` issued at ``now_epoch`` (seconds) for a
        response served by model alias ``model``."""
        import secrets

        nonce = _b64(secrets.token_bytes(16))
        issued = f"{int(now_epoch):010d}"
        encoded = _b64(model.encode()[:64])
        signature = self._sign(("r2", nonce, issued, encoded), principal_key)
        return f"r2.{nonce}.{issued}.{encoded}.{signature}"

    def verify(
        self, response_id: str, principal_key: str, now_epoch: float, max_age_seconds: float
    ) -> bool:
        """True when ``response_id`` was issued to ``principal_key`` no more than
        ``max_age_seconds`` ago (and not more than a minute in the future: clock skew)."""
        import hmac

        if not isinstance(response_id, str) or not _RESPONSE_ID.fullmatch(response_id):
            return False
        parts = response_id.split(".")
        if len(parts) != {"r1": 4, "r2": 5}[parts[0]]:
            return False
        expected = self._sign(tuple(parts[:-1]), principal_key)
        if not hmac.compare_digest(expected, parts[-1]):
            return False
        age = now_epoch - int(parts[2])
        return -60 <= age <= max_age_seconds

    @staticmethod
    def model_of(response_id: str) -> str:
        """The model alias a (verified) response id carries; :data:`UNKNOWN_RESPONSE_MODEL`
        for ``r1`` ids or a model segment that does not decode."""
        import base64
        import binascii

        parts = response_id.split(".")
        if len(parts) != 5:
            return UNKNOWN_RESPONSE_MODEL
        try:
            return base64.urlsafe_b64decode(parts[3] + "=" * (-len(parts[3]) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError):
            return UNKNOWN_RESPONSE_MODEL

    def _sign(self, fields: tuple[str, ...], principal_key: str) -> str:
        import hashlib
        import hmac

        message = "|".join((*fields, principal_key)).encode()
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
