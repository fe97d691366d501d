"""Where both functions read the gateway config from (gw_common): the AWS AppConfig hosted
configuration, polled with a fake ``appconfigdata`` client and a fake clock, or the whole config
in ``GATEWAY_CONFIG``; how a change, a bad version and an unreachable store are handled; and the
tenant registry both functions share."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from typing import Any

import fb_config
import gw_common
import gw_config
import pytest

from tests.handlers.conftest import (
    APP_ACCOUNT,
    EXAMPLE_CONFIG,
    FEEDBACK_TABLE_NAME,
    KILL_SWITCH_PARAMETER,
    QUOTA_TABLE_NAME,
    ApiEventFactory,
    FakeLambdaContext,
)

LOCATOR = "abc1234/env5678/prof901"


class FakeAppConfigData:
    """An ``appconfigdata`` client: serves queued answers (bytes: a new version, b"": no change,
    an exception: a failed call) and records every call."""

    def __init__(self, *answers: bytes | Exception) -> None:
        self.answers: list[bytes | Exception] = list(answers)
        self.sessions: list[dict[str, Any]] = []
        self.tokens: list[str] = []
        self._issued = 0

    def start_configuration_session(self, **params: Any) -> dict[str, Any]:
        self.sessions.append(params)
        self._issued += 1
        return {"InitialConfigurationToken": f"token-{self._issued}"}

    def get_latest_configuration(self, *, ConfigurationToken: str) -> dict[str, Any]:
        self.tokens.append(ConfigurationToken)
        answer = self.answers.pop(0) if self.answers else b""
        if isinstance(answer, Exception):
            raise answer
        self._issued += 1
        return {
            "Configuration": io.BytesIO(answer),
            "NextPollConfigurationToken": f"token-{self._issued}",
            "NextPollIntervalInSeconds": 45,
            "ContentType": "application/json",
        }


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _encoded(config: dict[str, Any]) -> bytes:
    return json.dumps(config).encode("utf-8")


def _env(**extra: str) -> dict[str, str]:
    return {
        "GATEWAY_CONFIG_APPCONFIG": LOCATOR,
        "QUOTA_TABLE_NAME": QUOTA_TABLE_NAME,
        "KILL_SWITCH_PARAMETER": KILL_SWITCH_PARAMETER,
        "FEEDBACK_TABLE_NAME": FEEDBACK_TABLE_NAME,
        **extra,
    }


def _live(
    client: FakeAppConfigData, clock: Clock, warnings: list[str] | None = None, **env: str
) -> gw_common.LiveConfig[gw_config.GatewayConfig]:
    return gw_config.live_config(
        _env(**env),
        client=lambda: client,
        warn=lambda message, fields: (warnings if warnings is not None else []).append(message),
        clock=clock,
    )


# --- the source in the environment ----------------------------------------------------------


def test_source_names_the_appconfig_application_environment_and_profile() -> None:
    # GIVEN the locator and a poll interval WHEN read THEN each id and the interval are kept
    source, problems = gw_common.config_source(_env(GATEWAY_CONFIG_POLL_SECONDS="30"))
    assert problems == []
    assert source == gw_common.ConfigSource(None, "abc1234", "env5678", "prof901", 30)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GATEWAY_CONFIG_APPCONFIG": ""}, "GATEWAY_CONFIG_APPCONFIG: is not set"),
        ({"GATEWAY_CONFIG_APPCONFIG": "abc/def"}, "GATEWAY_CONFIG_APPCONFIG: got 'abc/def'"),
        ({"GATEWAY_CONFIG_APPCONFIG": "a b/c/d"}, "GATEWAY_CONFIG_APPCONFIG: got 'a b/c/d'"),
        ({"GATEWAY_CONFIG_POLL_SECONDS": "5"}, "GATEWAY_CONFIG_POLL_SECONDS: got '5'"),
        ({"GATEWAY_CONFIG_POLL_SECONDS": "soon"}, "GATEWAY_CONFIG_POLL_SECONDS: got 'soon'"),
    ],
)
def test_fails_when_the_source_is_misconfigured(env: dict[str, str], expected: str) -> None:
    # GIVEN a bad variable WHEN the function cold-starts THEN the problem names it
    with pytest.raises(gw_config.ConfigError) as raised:
        gw_config.live_config(_env(**env), client=lambda: FakeAppConfigData())
    assert any(p.startswith(expected) for p in raised.value.problems)


def test_inline_config_wins_and_appconfig_is_never_called() -> None:
    # GIVEN GATEWAY_CONFIG beside the AppConfig locator
    client = FakeAppConfigData()
    live = _live(client, Clock(), GATEWAY_CONFIG=json.dumps(EXAMPLE_CONFIG))
    # WHEN read THEN the inline config serves and AppConfig is untouched
    assert [t.id for t in live.current().tenants] == ["team-a", "team-b"]
    assert client.sessions == [] and client.tokens == []


def test_invalid_inline_config_fails_the_cold_start_naming_the_key() -> None:
    broken = copy.deepcopy(EXAMPLE_CONFIG)
    del broken["guardrail"]
    with pytest.raises(gw_config.ConfigError, match=r"GATEWAY_CONFIG\.guardrail: is required"):
        _live(FakeAppConfigData(), Clock(), GATEWAY_CONFIG=json.dumps(broken))


# --- reading and polling AppConfig ----------------------------------------------------------


def test_first_read_starts_a_session_with_the_poll_interval() -> None:
    # GIVEN a deployed config
    client = FakeAppConfigData(_encoded(EXAMPLE_CONFIG))
    # WHEN the first request reads it
    config = _live(client, Clock(), GATEWAY_CONFIG_POLL_SECONDS="30").current()
    # THEN one session names the application, environment, profile and interval
    assert client.sessions == [
        {
            "ApplicationIdentifier": "abc1234",
            "EnvironmentIdentifier": "env5678",
            "ConfigurationProfileIdentifier": "prof901",
            "RequiredMinimumPollIntervalInSeconds": 30,
        }
    ]
    assert client.tokens == ["token-1"]
    assert config.default_alias == EXAMPLE_CONFIG["default_alias"]


def test_no_call_until_the_poll_interval_has_passed() -> None:
    # GIVEN a config read at t=1000 with a 45 s interval
    client, clock = FakeAppConfigData(_encoded(EXAMPLE_CONFIG)), Clock()
    live = _live(client, clock)
    first = live.current()
    # WHEN requests arrive 44 s later THEN nothing is asked and the same config serves
    clock.now += 44
    assert live.current() is first
    assert len(client.tokens) == 1
    # WHEN the interval has passed THEN AppConfig is asked with the token it handed out last
    clock.now += 1
    assert live.current() is first  # empty answer: unchanged
    assert client.tokens == ["token-1", "token-2"]


def test_a_tenant_added_in_appconfig_is_served_within_one_poll_interval() -> None:
    # GIVEN a running config, then a version with a third tenant deployed
    changed = copy.deepcopy(EXAMPLE_CONFIG)
    changed["tenants"].append(
        {
            "id": "team-c",
            "principals": [f"{APP_ACCOUNT}:role:app-c-workload"],
            "aliases": ["chat"],
            "monthly_token_quota": 1000,
        }
    )
    client, clock = FakeAppConfigData(_encoded(EXAMPLE_CONFIG), _encoded(changed)), Clock()
    live = _live(client, clock)
    assert [t.id for t in live.current().tenants] == ["team-a", "team-b"]
    # WHEN the next poll is due (45 s, under a minute)
    clock.now += 45
    # THEN the new tenant is there, without a new cold start
    assert [t.id for t in live.current().tenants] == ["team-a", "team-b", "team-c"]
    assert live.version == 2


def test_an_invalid_version_is_refused_and_the_last_good_one_keeps_serving() -> None:
    # GIVEN a good config, then a version with an alias no model has
    bad = copy.deepcopy(EXAMPLE_CONFIG)
    bad["default_alias"] = "no-such-model"
    warnings: list[str] = []
    client, clock = FakeAppConfigData(_encoded(EXAMPLE_CONFIG), _encoded(bad)), Clock()
    live = _live(client, clock, warnings)
    good = live.current()
    # WHEN the bad version arrives
    clock.now += 45
    # THEN the good one still serves and the refusal is logged
    assert live.current() is good
    assert warnings == ["gateway config version refused; keeping the last good version"]


def test_a_failed_read_keeps_the_last_good_config_and_starts_a_new_session() -> None:
    # GIVEN a good config, then AppConfig failing once
    client = FakeAppConfigData(_encoded(EXAMPLE_CONFIG), TimeoutError("read timeout"), b"")
    clock = Clock()
    live = _live(client, clock)
    good = live.current()
    clock.now += 45
    # WHEN the poll fails THEN the good config keeps serving
    assert live.current() is good
    # WHEN the next poll is due THEN a new session is started (a token is good for one call)
    clock.now += 45
    assert live.current() is good
    assert len(client.sessions) == 2


def test_unavailable_until_a_first_version_can_be_read() -> None:
    # GIVEN AppConfig unreachable at cold start, then reachable
    client = FakeAppConfigData(ConnectionError("no route"), _encoded(EXAMPLE_CONFIG))
    clock = Clock()
    live = _live(client, clock)
    # WHEN the first request comes THEN the config is unavailable (the caller gets a 503)
    with pytest.raises(gw_common.ConfigUnavailable):
        live.current()
    # WHEN another request comes within the retry pause THEN AppConfig is not hammered
    with pytest.raises(gw_common.ConfigUnavailable):
        live.current()
    assert len(client.sessions) == 1
    # WHEN the pause (5 s) has passed THEN the config is read and served
    clock.now += 5
    assert live.current().default_alias == EXAMPLE_CONFIG["default_alias"]


@pytest.mark.parametrize("content", [b"\xff\xfe", b"{not json", b"[1, 2]"])
def test_a_version_that_is_not_a_json_object_is_refused(content: bytes) -> None:
    # GIVEN AppConfig serving bytes that are not a gateway config WHEN read THEN unavailable
    warnings: list[str] = []
    live = _live(FakeAppConfigData(content), Clock(), warnings)
    with pytest.raises(gw_common.ConfigUnavailable, match="invalid"):
        live.current()
    assert warnings == ["gateway config version refused; none yet"]


# --- through the handlers -------------------------------------------------------------------


@pytest.fixture
def appconfig_handlers(
    handler_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, FakeAppConfigData]]:
    """``invoke_app`` reading its config from a fake AppConfig instead of GATEWAY_CONFIG."""
    import invoke_app

    monkeypatch.delenv("GATEWAY_CONFIG")
    monkeypatch.setenv("GATEWAY_CONFIG_APPCONFIG", LOCATOR)
    client = FakeAppConfigData()
    real_session = invoke_app._session()
    monkeypatch.setattr(invoke_app, "_session", lambda: _FakeSession(real_session, client))
    invoke_app.reset_runtime()
    yield invoke_app, client
    invoke_app.reset_runtime()


class _FakeSession:
    """A botocore session whose ``appconfigdata`` client is the fake."""

    def __init__(self, real: Any, fake: FakeAppConfigData) -> None:
        self._real = real
        self._fake = fake

    def create_client(self, service: str, *args: Any, **kwargs: Any) -> Any:
        if service == "appconfigdata":
            return self._fake
        return self._real.create_client(service, *args, **kwargs)


def test_invoke_answers_503_until_its_config_can_be_read(
    appconfig_handlers: tuple[Any, FakeAppConfigData],
    api_event: ApiEventFactory,
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN AppConfig unreachable
    app, client = appconfig_handlers
    client.answers = [ConnectionError("no route")]
    # WHEN a caller asks for the models
    response = app.lambda_handler(api_event("GET", "/v1/models"), lambda_context)
    # THEN a 503 with Retry-After, in the gateway's error shape
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "5"
    assert json.loads(response["body"])["error"]["code"] == "ConfigurationUnavailable"


def test_invoke_serves_the_tenants_of_the_appconfig_version(
    appconfig_handlers: tuple[Any, FakeAppConfigData],
    api_event: ApiEventFactory,
    lambda_context: FakeLambdaContext,
) -> None:
    # GIVEN the example config deployed in AppConfig
    app, client = appconfig_handlers
    client.answers = [_encoded(EXAMPLE_CONFIG)]
    # WHEN team-a lists its models THEN they come from that version
    response = app.lambda_handler(api_event("GET", "/v1/models"), lambda_context)
    assert response["statusCode"] == 200
    aliases = {m["alias"] for m in json.loads(response["body"])["models"]}
    assert aliases == set(EXAMPLE_CONFIG["tenants"][0]["aliases"])


# --- the feedback function and the shared tenant registry ------------------------------------


def test_feedback_reads_only_the_tenant_registry_from_appconfig() -> None:
    # GIVEN the example config in AppConfig
    client = FakeAppConfigData(_encoded(EXAMPLE_CONFIG))
    live = fb_config.live_tenants(_env(), client=lambda: client, clock=Clock())
    # WHEN read THEN principals map to tenants
    assert live.current()[f"{APP_ACCOUNT}:role:app-b-workload"] == "team-b"


def test_feedback_settings_without_a_registry_name_the_variable() -> None:
    # GIVEN neither an inline config nor a registry WHEN loaded THEN every problem is named
    with pytest.raises(fb_config.ConfigError) as raised:
        fb_config.load_settings(_env(FEEDBACK_TTL_DAYS="0"))
    message = str(raised.value)
    assert "GATEWAY_CONFIG: is not set" in message
    assert "FEEDBACK_TTL_DAYS: got '0'" in message


def test_tenant_registry_maps_principals_to_tenants() -> None:
    # GIVEN the example tenants WHEN parsed THEN each principal key maps to its tenant
    registry = gw_common.parse_tenant_registry(EXAMPLE_CONFIG["tenants"])
    assert registry.problems == ()
    assert registry.by_principal == {
        f"{APP_ACCOUNT}:role:app-a-workload": "team-a",
        f"{APP_ACCOUNT}:role:app-b-workload": "team-b",
    }
    assert [t.id for t in registry.tenants] == ["team-a", "team-b"]


def test_fails_when_tenant_ids_repeat_in_the_registry() -> None:
    # GIVEN two tenants with one id
    tenants = copy.deepcopy(EXAMPLE_CONFIG["tenants"])
    tenants[1]["id"] = "team-a"
    # WHEN / THEN the second is named
    registry = gw_common.parse_tenant_registry(tenants)
    assert registry.problems == ("tenants[1].id: got 'team-a'; tenant ids must be unique",)


def test_both_functions_report_a_bad_principal_the_same_way() -> None:
    # GIVEN a tenant principal written as an ARN instead of a principal key
    config = copy.deepcopy(EXAMPLE_CONFIG)
    config["tenants"][0]["principals"] = ["arn:aws:iam::111111111111:role/app"]
    expected = (
        "tenants[0].principals[0]: got 'arn:aws:iam::111111111111:role/app'; must be "
        "'<account>:role:<name>' or '<account>:user:<name>'"
    )
    # WHEN each function reads it THEN both name the same key with the same words
    with pytest.raises(gw_config.ConfigError) as invoke:
        gw_config.validate_gateway_config(config)
    with pytest.raises(fb_config.ConfigError) as feedback:
        fb_config.parse_tenants(config)
    assert expected in invoke.value.problems
    assert f"GATEWAY_CONFIG.{expected}" in feedback.value.problems
