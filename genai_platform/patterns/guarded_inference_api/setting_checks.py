"""Validation of the guarded inference API's settings: request limits, timeouts, retry and
circuit breaker, the endpoint type and network, and the API's own props (names, throttling,
WAF, logging, concurrency)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs

from genai_platform.constructs.private_network import PrivateNetwork
from genai_platform.patterns.guarded_inference_api.props import (
    _LOG_LEVELS,
    _MAX_BODY_BYTES,
    _MAX_RESERVED_CONCURRENCY,
    _MAX_STAGE_BURST,
    _MAX_STAGE_RATE,
    _MAX_TTL_DAYS,
    _NAME_PREFIX,
    _ORGANIZATION_ID,
    _STAGE_NAME,
    _WAF_RATE_LIMIT_RANGE,
    API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS,
    COMMON_RULE_SET_RULES,
    INVOKE_TIMEOUT_MARGIN_SECONDS,
    KNOWN_BAD_INPUTS_RULE_SET_RULES,
    CallTimeouts,
    CircuitBreaker,
    RequestLimits,
    RetryPolicy,
)
from genai_platform.patterns.guarded_inference_api.value_checks import (
    _int_in,
    _is_token,
    _number_in,
    _string_list,
)


def _check_limits(limits: RequestLimits | None, problems: list[str]) -> RequestLimits | None:
    limits = RequestLimits() if limits is None else limits
    if not isinstance(limits, RequestLimits):
        problems.append(f"limits: {limits!r} is not a RequestLimits")
        return None
    before = len(problems)
    problems += _int_in("limits.max_body_bytes", limits.max_body_bytes, 1024, _MAX_BODY_BYTES)
    problems += _int_in("limits.max_messages", limits.max_messages, 1, 1000)
    problems += _int_in("limits.max_message_chars", limits.max_message_chars, 1, 1_000_000)
    problems += _int_in("limits.max_system_chars", limits.max_system_chars, 1, 1_000_000)
    problems += _int_in("limits.max_output_tokens", limits.max_output_tokens, 1, 1_000_000)
    return limits if len(problems) == before else None


def _check_timeouts(timeouts: CallTimeouts | None, problems: list[str]) -> CallTimeouts | None:
    timeouts = CallTimeouts() if timeouts is None else timeouts
    if not isinstance(timeouts, CallTimeouts):
        problems.append(f"timeouts: {timeouts!r} is not a CallTimeouts")
        return None
    before = len(problems)
    longest = API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS - INVOKE_TIMEOUT_MARGIN_SECONDS
    problems += _number_in("timeouts.connect_seconds", timeouts.connect_seconds, 60)
    problems += _number_in("timeouts.read_seconds", timeouts.read_seconds, 900)
    deadline = _number_in("timeouts.deadline_seconds", timeouts.deadline_seconds, longest)
    if deadline:
        problems.append(
            f"timeouts.deadline_seconds: {timeouts.deadline_seconds!r} is not allowed; give a "
            f"number greater than 0 and at most {longest} (the function gets "
            f"{INVOKE_TIMEOUT_MARGIN_SECONDS} s more and must end before API Gateway's "
            f"{API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS} s integration timeout)"
        )
    if len(problems) != before:
        return None
    for name in ("read_seconds", "connect_seconds"):
        if getattr(timeouts, name) > timeouts.deadline_seconds:
            problems.append(
                f"timeouts.{name}: {getattr(timeouts, name)!r} is longer than the deadline "
                f"({timeouts.deadline_seconds!r}); give at most the deadline"
            )
    return timeouts if len(problems) == before else None


def _check_retry(retry: RetryPolicy | None, problems: list[str]) -> RetryPolicy | None:
    retry = RetryPolicy() if retry is None else retry
    if not isinstance(retry, RetryPolicy):
        problems.append(f"retry: {retry!r} is not a RetryPolicy")
        return None
    before = len(problems)
    problems += _int_in("retry.max_attempts", retry.max_attempts, 1, 10)
    problems += _number_in("retry.base_delay_seconds", retry.base_delay_seconds, 60)
    problems += _number_in("retry.max_delay_seconds", retry.max_delay_seconds, 300)
    if len(problems) == before and retry.max_delay_seconds < retry.base_delay_seconds:
        problems.append(
            f"retry.max_delay_seconds: {retry.max_delay_seconds!r} is shorter than "
            f"retry.base_delay_seconds ({retry.base_delay_seconds!r}); give at least the base"
        )
    return retry if len(problems) == before else None


def _check_breaker(breaker: CircuitBreaker | None, problems: list[str]) -> CircuitBreaker | None:
    breaker = CircuitBreaker() if breaker is None else breaker
    if not isinstance(breaker, CircuitBreaker):
        problems.append(f"breaker: {breaker!r} is not a CircuitBreaker")
        return None
    before = len(problems)
    problems += _int_in("breaker.failure_threshold", breaker.failure_threshold, 1, 1000)
    problems += _number_in("breaker.open_seconds", breaker.open_seconds, 3600)
    return breaker if len(problems) == before else None


def _check_network(
    props: Mapping[str, Any], problems: list[str]
) -> ec2.IInterfaceVpcEndpoint | None:
    endpoint_type = props["endpoint_type"]
    vpc_endpoint = props["vpc_endpoint"]
    network = props["private_network"]
    if network is not None and not isinstance(network, PrivateNetwork):
        problems.append(f"private_network: {network!r} is not a PrivateNetwork")
    if endpoint_type not in (apigateway.EndpointType.REGIONAL, apigateway.EndpointType.PRIVATE):
        problems.append(
            f"endpoint_type: {endpoint_type!r} is not allowed; give EndpointType.REGIONAL or "
            "EndpointType.PRIVATE (edge-optimized APIs route through CloudFront, outside the "
            "regional WAF)"
        )
        return None
    if endpoint_type == apigateway.EndpointType.PRIVATE:
        if vpc_endpoint is None and network is None:
            problems.append(
                "endpoint_type: PRIVATE needs a way in; give vpc_endpoint (an execute-api "
                "interface endpoint) or private_network (whose execute-api endpoint is used or "
                "created)"
            )
        return vpc_endpoint  # type: ignore[no-any-return]
    if vpc_endpoint is not None:
        problems.append(
            f"vpc_endpoint: {vpc_endpoint.node.path!r} is only used by a PRIVATE API; set "
            "endpoint_type=EndpointType.PRIVATE or leave vpc_endpoint out"
        )
    return None


def _check_api_props(props: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    prefix = props["name_prefix"]
    if not isinstance(prefix, str) or not _NAME_PREFIX.fullmatch(prefix):
        problems.append(
            f"name_prefix: {prefix!r} is not allowed; use 3-32 lowercase letters, digits and "
            "hyphens, starting with a letter and ending with a letter or digit"
        )
    stage = props["stage_name"]
    if not isinstance(stage, str) or not _STAGE_NAME.fullmatch(stage):
        problems.append(f"stage_name: {stage!r} is not allowed; use 1-64 letters, digits and '_'")
    org = props["organization_id"]
    if (
        org is not None
        and not _is_token(org)
        and not (isinstance(org, str) and _ORGANIZATION_ID.fullmatch(org))
    ):
        problems.append(
            f"organization_id: {org!r} is not an AWS Organizations id; expected 'o-' followed "
            "by 10 to 32 lowercase letters or digits"
        )
    problems += _number_in("throttle_rate_limit", props["throttle_rate_limit"], _MAX_STAGE_RATE)
    problems += _int_in("throttle_burst_limit", props["throttle_burst_limit"], 1, _MAX_STAGE_BURST)
    problems += _int_in("waf_rate_limit", props["waf_rate_limit"], *_WAF_RATE_LIMIT_RANGE)
    rules, bad = _string_list("waf_count_rules", props["waf_count_rules"])
    problems += bad
    allowed = COMMON_RULE_SET_RULES + KNOWN_BAD_INPUTS_RULE_SET_RULES
    unknown = [r for r in rules if r not in allowed]
    if unknown:
        problems.append(
            f"waf_count_rules: {unknown!r} are not rules of AWSManagedRulesCommonRuleSet or "
            f"AWSManagedRulesKnownBadInputsRuleSet; allowed: {', '.join(allowed)}"
        )
    message = props["blocked_message"]
    if not isinstance(message, str) or not message.strip() or len(message) > 2000:
        problems.append(
            f"blocked_message: {message!r} is not allowed; give 1-2,000 characters of text"
        )
    for name in ("invoke_reserved_concurrency", "feedback_reserved_concurrency"):
        if props[name] is not None:
            problems += _int_in(name, props[name], 1, _MAX_RESERVED_CONCURRENCY)
    problems += _int_in("feedback_ttl_days", props["feedback_ttl_days"], 1, _MAX_TTL_DAYS)
    if props["log_retention"] == logs.RetentionDays.INFINITE:
        problems.append(
            "log_retention: RetentionDays.INFINITE keeps logs forever; choose a finite "
            "retention such as RetentionDays.ONE_YEAR"
        )
    if props["log_level"] not in _LOG_LEVELS:
        problems.append(
            f"log_level: {props['log_level']!r} is not allowed; give one of "
            f"{', '.join(_LOG_LEVELS)}"
        )
    problems += _int_in("powertools_layer_version", props["powertools_layer_version"], 1, 10_000)
    return problems
