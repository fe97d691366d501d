"""Invoke function building blocks in isolation: configuration validation, the circuit breaker,
the retry loop, error classification and the log masker."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.handlers.conftest import EXAMPLE_CONFIG, RESPONSE_ID_TEST_KEY, FakeClock, client_error

# --- configuration (validated at cold start) ------------------------------------------------


def _parse(config: dict[str, Any]) -> Any:
    import gw_config

    return gw_config.parse_gateway_config(json.dumps(config))


def test_example_config_is_valid() -> None:
    # GIVEN the contract's example config WHEN parsed
    config = _parse(EXAMPLE_CONFIG)

    # THEN tenants, models and limits are typed
    assert config.tenant_for("111111111111:role:app-a-workload").id == "team-a"
    assert config.models["llama"].inference_component_name == "genai-llama-inf2-ic"
    assert config.models["chat"].fallback == "fast"
    assert config.features == frozenset({"search", "summarize", "support"})
    assert config.timeouts.read_seconds == 20.0


def test_fails_when_the_config_has_several_problems_listing_each() -> None:
    import gw_config

    # GIVEN a config with five independent mistakes
    config = copy.deepcopy(EXAMPLE_CONFIG)
    config["default_alias"] = "huge"
    config["models"]["chat"]["fallback"] = "missing"
    config["guardrail"]["version"] = "latest"
    config["tenants"][0]["aliases"] = ["chat", "gpt"]
    config["breaker"]["failure_threshold"] = 0

    # WHEN it is parsed THEN one error lists every problem with its key and the bad value
    with pytest.raises(gw_config.ConfigError) as raised:
        gw_config.parse_gateway_config(json.dumps(config))
    message = str(raised.value)
    assert "default_alias: got 'huge'" in message
    assert "models.chat.fallback: got 'missing'" in message
    assert "guardrail.version: got 'latest'" in message
    assert 'tenants[0].aliases: got ["chat", "gpt"]' in message
    assert "breaker.failure_threshold: got 0" in message
    assert len(raised.value.problems) == 5


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda c: c["models"]["llama"].pop("inference_component_name"),
            "models.llama.inference_component_name: got null",
        ),
        (lambda c: c["models"]["fast"].update(kind="openai"), "models.fast.kind: got 'openai'"),
        (
            lambda c: c["tenants"].append(copy.deepcopy(c["tenants"][0]) | {"id": "team-c"}),
            "tenants[2].principals[0]: got '111111111111:role:app-a-workload'; it already belongs "
            "to tenant 'team-a'",
        ),
        (
            lambda c: c["tenants"][0].update(principals=["arn:aws:iam::1:role/x"]),
            "tenants[0].principals",
        ),
        (
            lambda c: c["tenants"][0].update(monthly_token_quota=-5),
            "tenants[0].monthly_token_quota: got -5",
        ),
        (lambda c: c["features"].append("other"), "features: got"),
        (lambda c: c["timeouts"].update(deadline_seconds=5), "timeouts.deadline_seconds: got 5"),
        (lambda c: c["retry"].update(max_attempts=0), "retry.max_attempts: got 0"),
        (lambda c: c.update(extra=1), "GATEWAY_CONFIG: unknown key(s) extra"),
        (lambda c: c.pop("guardrail"), "GATEWAY_CONFIG.guardrail: is required"),
        (lambda c: c.update(blocked_message=""), "blocked_message: got ''"),
    ],
    ids=[
        "sagemaker_without_component",
        "unknown_kind",
        "principal_in_two_tenants",
        "principal_not_a_key",
        "negative_quota",
        "reserved_feature",
        "deadline_below_read_timeout",
        "zero_attempts",
        "unknown_key",
        "missing_guardrail",
        "empty_blocked_message",
    ],
)
def test_fails_when_the_config_is_invalid(mutate: Any, expected: str) -> None:
    import gw_config

    # GIVEN the example config with one mistake
    config = copy.deepcopy(EXAMPLE_CONFIG)
    mutate(config)

    # WHEN it is parsed THEN the error names the key and shows the value
    with pytest.raises(gw_config.ConfigError, match="invalid invoke function configuration") as e:
        gw_config.parse_gateway_config(json.dumps(config))
    assert expected in str(e.value)


def test_fails_when_environment_variables_are_missing() -> None:
    import gw_config

    # GIVEN an empty environment WHEN settings are loaded THEN every missing variable is listed
    with pytest.raises(gw_config.ConfigError) as raised:
        gw_config.load_settings({})
    message = str(raised.value)
    for name in ("GATEWAY_CONFIG", "QUOTA_TABLE_NAME", "KILL_SWITCH_PARAMETER"):
        assert name in message
    assert "RESPONSE_ID_KEY_ARN: got unset" in message


_VALID_ENV = {
    "GATEWAY_CONFIG": json.dumps(EXAMPLE_CONFIG),
    "QUOTA_TABLE_NAME": "genai-gateway-quota",
    "KILL_SWITCH_PARAMETER": "/genai/gateway/kill-switch",
    "RESPONSE_ID_TEST_KEY": RESPONSE_ID_TEST_KEY,
}


def test_fails_when_the_config_is_not_json() -> None:
    import gw_config

    # GIVEN/WHEN a config that is not JSON THEN the error says so
    with pytest.raises(gw_config.ConfigError, match="GATEWAY_CONFIG: is not valid JSON"):
        gw_config.parse_gateway_config("{guardrail:")


# --- circuit breaker ------------------------------------------------------------------------


def _breaker(threshold: int = 3, open_seconds: float = 30) -> tuple[Any, FakeClock]:
    import gw_breaker

    clock = FakeClock()
    return gw_breaker.CircuitBreaker(threshold, open_seconds, clock), clock


def test_breaker_opens_on_the_threshold_failure() -> None:
    # GIVEN a closed breaker with threshold 3
    breaker, _ = _breaker()

    # WHEN three calls fail
    opened = [breaker.record_failure() for _ in range(3)]

    # THEN only the third failure reports opening, and calls are refused
    assert opened == [False, False, True]
    assert breaker.state == "open"
    assert breaker.allow() is False


def test_breaker_half_opens_with_exactly_one_probe() -> None:
    # GIVEN an open breaker whose open period has passed
    breaker, clock = _breaker()
    for _ in range(3):
        breaker.record_failure()
    clock.advance(30)

    # WHEN two calls ask to go through
    first, second = breaker.allow(), breaker.allow()

    # THEN only the first (the probe) may
    assert (first, second) == (True, False)
    assert breaker.state == "half_open"


def test_released_probe_lets_the_next_call_probe() -> None:
    # GIVEN a half-open breaker whose probe ended without a verdict
    breaker, clock = _breaker()
    for _ in range(3):
        breaker.record_failure()
    clock.advance(30)
    breaker.allow()

    # WHEN the probe is released
    breaker.release()

    # THEN another call may probe
    assert breaker.allow() is True


def test_breaker_retry_after_counts_down() -> None:
    # GIVEN a breaker opened 12.5 s ago for 30 s
    breaker, clock = _breaker()
    for _ in range(3):
        breaker.record_failure()
    clock.advance(12.5)

    # WHEN asked THEN 18 s remain (rounded up)
    assert breaker.retry_after_seconds() == 18


def test_fails_when_breaker_policy_is_invalid() -> None:
    import gw_breaker

    # GIVEN/WHEN a zero threshold THEN ValueError names it and the value
    with pytest.raises(ValueError, match="failure_threshold must be >= 1 \\(got 0\\)"):
        gw_breaker.CircuitBreaker(0, 30, FakeClock())


# --- retry loop -----------------------------------------------------------------------------


def _policy(attempts: int = 4) -> Any:
    import gw_config

    return gw_config.RetryPolicy(attempts, 0.2, 2.0)


def test_retry_gives_up_after_max_attempts_with_the_last_error() -> None:
    import gw_retry

    # GIVEN a call that always throttles
    clock = FakeClock()
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        raise client_error("ThrottlingException")

    # WHEN it is retried THEN it is tried max_attempts times and the last error surfaces
    with pytest.raises(Exception, match="ThrottlingException"):
        gw_retry.call_with_retry(
            call,
            policy=_policy(3),
            deadline=clock() + 25,
            is_retryable=lambda exc: True,
            clock=clock,
            sleep=clock.sleep,
            uniform=lambda low, high: high,
        )
    assert len(calls) == 3
    assert clock.sleeps == [0.2, 0.4]


def test_retry_does_not_retry_other_errors() -> None:
    import gw_retry

    # GIVEN a call failing with a non-retryable error
    clock = FakeClock()
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        raise client_error("AccessDeniedException")

    # WHEN it is called THEN it is tried once
    with pytest.raises(Exception, match="AccessDeniedException"):
        gw_retry.call_with_retry(
            call,
            policy=_policy(),
            deadline=clock() + 25,
            is_retryable=lambda exc: False,
            clock=clock,
            sleep=clock.sleep,
            uniform=lambda low, high: high,
        )
    assert len(calls) == 1


def test_retry_refuses_to_start_after_the_deadline() -> None:
    import gw_retry

    # GIVEN a deadline already passed WHEN called THEN DeadlineExceeded, and no call is made
    clock = FakeClock()
    with pytest.raises(gw_retry.DeadlineExceeded):
        gw_retry.call_with_retry(
            lambda: pytest.fail("called"),
            policy=_policy(),
            deadline=clock() - 1,
            is_retryable=lambda exc: True,
            clock=clock,
            sleep=clock.sleep,
            uniform=lambda low, high: high,
        )


# --- error classification -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "kind", "expected"),
    [
        (client_error("ThrottlingException"), "bedrock", "throttled"),
        (client_error("ServiceUnavailableException"), "bedrock", "throttled"),
        (client_error("ModelNotReadyException"), "bedrock", "throttled"),
        (client_error("TooManyRequestsException"), "bedrock", "throttled"),
        (client_error("ModelTimeoutException"), "bedrock", "timeout"),
        (client_error("ValidationException"), "bedrock", "rejected"),
        (client_error("InternalServerException"), "bedrock", "failed"),
        (client_error("AccessDeniedException"), "bedrock", "failed"),
        (client_error("ServiceUnavailable"), "sagemaker", "throttled"),
        (client_error("ModelNotReadyException"), "sagemaker", "waking"),
        (
            client_error(
                "ValidationError", "Inference Component has no capacity to process this request."
            ),
            "sagemaker",
            "waking",
        ),
        (client_error("ValidationError", "Endpoint x not found."), "sagemaker", "rejected"),
        (client_error("ModelError", OriginalStatusCode=500), "sagemaker", "failed"),
        (client_error("ModelError", OriginalStatusCode=429), "sagemaker", "throttled"),
        (ReadTimeoutError(endpoint_url="https://x"), "bedrock", "timeout"),
        (ConnectTimeoutError(endpoint_url="https://x"), "sagemaker", "connection"),
        (KeyError("bug"), "bedrock", "unexpected"),
    ],
)
def test_errors_are_classified(error: Exception, kind: str, expected: str) -> None:
    import gw_targets

    # GIVEN/WHEN an error from a model call is classified THEN it maps to the gateway's action
    assert gw_targets.classify_error(error, kind) == expected


# --- masking --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("write to ops@example.co.uk now", "write to [EMAIL] now"),
        ("call 020 7946 0958", "call [PHONE]"),
        ("card 5500-0000-0000-0004", "card [CARD]"),
        ("from 192.168.0.1 or 2001:db8::1", "from [IP] or [IP]"),
        ("AKIAIOSFODNN7EXAMPLE", "[AWS_ACCESS_KEY]"),
        (
            "meet at 12:30:45 on 2026-12-01, ticket 4411",
            "meet at 12:30:45 on 2026-12-01, ticket 4411",
        ),
        ("order 4111 1111 1111 1112", "order 4111 1111 1111 1112"),
        ("schreib jürgen.müller@beispiel.de.", "schreib [EMAIL]."),
        ("联系 张三@例子.中国 谢谢", "联系 [EMAIL] 谢谢"),
        ("pay to DE89 3704 0044 0532 0130 00 today", "pay to [IBAN] today"),
        ("GB82WEST12345698765432", "[IBAN]"),
        ("ref DE00 3704 0044 0532 0130 00", "ref DE00 3704 0044 0532 0130 00"),
        ("password: hunter2, then", "password: [SECRET], then"),
        ("API_KEY=abc123def456", "API_KEY=[SECRET]"),
        ("session ASIAY34FZKBOKMUTVV7A here", "session [AWS_ACCESS_KEY] here"),
        ("use sk-proj-4f9aB3kLm2Qz8XyT1uVw0RsN please", "use [API_KEY] please"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
    ],
    ids=[
        "email",
        "phone",
        "card",
        "ip",
        "access_key",
        "times_dates_ids_kept",
        "non_luhn_kept",
        "non_ascii_email",
        "cjk_email",
        "iban_spaced",
        "iban_compact",
        "iban_bad_check_digits_kept",
        "password",
        "api_key_assignment",
        "session_access_key",
        "sk_key",
        "lone_surrogate",
    ],
)
def test_masking_replaces_personal_data_and_keeps_the_rest(text: str, masked: str) -> None:
    import gw_masking

    # GIVEN/WHEN text is masked THEN identifiers are replaced and ordinary numbers kept
    assert gw_masking.mask(text) == masked


def test_masking_bounds_its_input_and_says_how_much_was_cut() -> None:
    import gw_masking

    # GIVEN a megabyte of the text that made the old e-mail pattern quadratic
    text = "a." * 500_000 + "x@example.com"

    # WHEN it is masked
    masked = gw_masking.mask(text)

    # THEN only the first MAX_MASKED_CHARS characters are kept, with a marker for the rest
    limit = gw_masking.MAX_MASKED_CHARS
    assert masked.startswith("a." * (limit // 2))
    assert masked.endswith(f" [... {len(text) - limit} more characters not logged]")
    assert "example.com" not in masked


def test_masking_never_returns_text_that_cannot_be_utf8() -> None:
    import gw_masking

    # GIVEN/WHEN text with unpaired surrogates at both ends is masked
    masked = gw_masking.mask("\udfffstart and end\ud800")

    # THEN it encodes as UTF-8
    assert masked.encode("utf-8") == "\ufffdstart and end\ufffd".encode()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("0", "API_INTEGRATION_TIMEOUT_MS: got '0'"),
        ("300001", "API_INTEGRATION_TIMEOUT_MS: got '300001'"),
        ("29s", "API_INTEGRATION_TIMEOUT_MS: got '29s'"),
    ],
)
def test_fails_when_the_integration_timeout_is_invalid(value: str, problem: str) -> None:
    import gw_config

    # GIVEN an otherwise valid environment with a bad API_INTEGRATION_TIMEOUT_MS
    env = {**_VALID_ENV, "API_INTEGRATION_TIMEOUT_MS": value}
    # WHEN / THEN the cold start fails naming it and what is allowed
    with pytest.raises(gw_config.ConfigError, match="from 50 to 300000") as raised:
        gw_config.load_settings(env)
    assert problem in str(raised.value)


def test_integration_timeout_defaults_to_29_seconds() -> None:
    import gw_config

    # GIVEN/WHEN the variable is unset THEN API Gateway's default is used
    assert gw_config.load_settings(_VALID_ENV).integration_timeout_ms == 29_000
    env = {**_VALID_ENV, "API_INTEGRATION_TIMEOUT_MS": "120000"}
    assert gw_config.load_settings(env).integration_timeout_ms == 120_000


@pytest.mark.parametrize(
    ("seconds", "bucket"),
    [(25.0, 20.0), (20.0, 20.0), (19.7, 19.0), (9.74, 9.5), (0.97, 0.9), (0.04, 0.05)],
)
def test_client_timeout_buckets_never_exceed_what_is_left(seconds: float, bucket: float) -> None:
    import invoke_app

    # GIVEN/WHEN a call may wait `seconds` (the configured read timeout is 20 s)
    # THEN its client's read timeout is the largest bucket not above it (20 s at most)
    assert invoke_app.timeout_bucket(seconds, 20.0) == bucket


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    left=st.floats(min_value=0.1, max_value=120),  # MIN_CALL_SECONDS and up
    read_cap=st.sampled_from([1.0, 3.0, 20.0, 60.0]),
    connect_cap=st.sampled_from([0.5, 1.0, 2.0]),
)
def test_connect_and_read_timeouts_of_a_call_fit_in_what_is_left(
    left: float, read_cap: float, connect_cap: float
) -> None:
    import gw_gateway
    import invoke_app

    # GIVEN clients by timeout (the factory returns the Config it is given)
    clients = invoke_app.ClientsByTimeout(
        lambda config: config, connect_seconds=connect_cap, read_seconds=read_cap
    )

    # WHEN the gateway asks for the client of a call that must end within `left` seconds
    config = clients(gw_gateway.read_timeout_for(left, read_cap, connect_cap))

    # THEN a connect that takes its whole timeout plus a read that takes its whole timeout
    # still end in time, and neither exceeds what was configured
    assert config.connect_timeout + config.read_timeout <= left + 1e-9
    assert config.read_timeout <= read_cap and config.connect_timeout <= connect_cap
