"""Checks of :class:`InvocationLogging`'s props: every problem one line naming the prop, the
value and what is allowed (gathered and raised together by ``construct._validate``)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_logs as logs

from genai_platform.constructs.invocation_logging.props import (
    _KEY_PREFIX,
    _ROLE_NAME,
    DEFAULT_KEY_PREFIX,
    MAX_CONFIGURATION_RETRY_TIMEOUT,
    MAX_KEY_PREFIX_LENGTH,
    MAX_RETENTION_DAYS,
)
from genai_platform.constructs.retention import retention_from_days


def _is_token(value: object) -> bool:
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return isinstance(value, (str, int, float)) and cdk.Token.is_unresolved(value)


def _as_days(prop: str, value: object) -> tuple[float | None, list[str]]:
    """The number of days of a Duration or a number; None for a token; or the problem."""
    shown = value.to_human_string() if isinstance(value, cdk.Duration) else repr(value)
    if isinstance(value, cdk.Duration):
        days: object = value.to_days(integral=False)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        days = value
    else:
        return None, [
            f"{prop}: {shown} is not allowed; give a whole number of days or a "
            "cdk.Duration of whole days"
        ]
    if _is_token(days):
        return None, []
    assert isinstance(days, (int, float))
    if not math.isfinite(days) or days != int(days):
        return None, [f"{prop}: {shown} is not a whole number of days"]
    return days, []


def _check_retention(value: object) -> list[str]:
    days, problems = _as_days("retention", value)
    if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
        shown = value.to_human_string() if isinstance(value, cdk.Duration) else repr(value)
        problems.append(
            f"retention: {shown} is not allowed; give 1 to {MAX_RETENTION_DAYS:,} days "
            "(S3 lifecycle expiry and Object Lock retention need a positive period)"
        )
    return problems


def _check_log_retention(value: object) -> list[str]:
    days, problems = _as_days("log_retention", value)
    if days is not None:
        try:
            retention_from_days(int(days), prop="log_retention")
        except ValueError as error:
            problems.append(str(error))
    return problems


def _check_prefix(prop: str, value: object, *, optional: bool) -> list[str]:
    if (optional and value is None) or _is_token(value):
        return []
    if (
        isinstance(value, str)
        and len(value) <= MAX_KEY_PREFIX_LENGTH
        and _KEY_PREFIX.fullmatch(value)
        and not value.startswith("AWSLogs")
    ):
        return []
    return [
        f"{prop}: {value!r} is not an S3 key prefix this construct accepts; give 1 to "
        f"{MAX_KEY_PREFIX_LENGTH} characters of letters, digits and !_.*'()- in segments "
        "joined by single '/', with no leading or trailing '/' and not starting with 'AWSLogs', "
        f"e.g. {DEFAULT_KEY_PREFIX!r}" + ("" if not optional else ", or None")
    ]


def _check_identifiers(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, logs.DataIdentifier)) or not isinstance(value, Sequence):
        return [
            f"masked_data_identifiers: {value!r} is not allowed; give a list of "
            "logs.DataIdentifier such as [logs.DataIdentifier.EMAILADDRESS]"
        ]
    problems = []
    if not value:
        problems.append(
            "masked_data_identifiers: [] masks nothing; give at least one logs.DataIdentifier, "
            "or None for DEFAULT_MASKED_DATA_IDENTIFIERS"
        )
    wrong = [i for i in value if not isinstance(i, logs.DataIdentifier)]
    if wrong:
        problems.append(
            f"masked_data_identifiers: {wrong!r} are not logs.DataIdentifier; use its members "
            "(e.g. logs.DataIdentifier.EMAILADDRESS) or logs.DataIdentifier('<managed name>')"
        )
    names = [i.name for i in value if isinstance(i, logs.DataIdentifier)]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        problems.append(
            f"masked_data_identifiers: {repeated!r} listed more than once; list each once"
        )
    return problems


def _check_flags(flags: dict[str, object]) -> list[str]:
    return [
        f"{prop}: {value!r} is not allowed; give True or False"
        for prop, value in flags.items()
        if not isinstance(value, bool)
    ]


def _check_role_name(value: object) -> list[str]:
    if value is None or _is_token(value):
        return []
    if isinstance(value, str) and _ROLE_NAME.fullmatch(value):
        return []
    return [
        f"configuration_role_name: {value!r} is not an IAM role name (1-64 letters, digits "
        "and +=,.@_-)"
    ]


def _check_retry_timeout(value: object) -> list[str]:
    if value is None:
        return []
    seconds = value.to_seconds(integral=False) if isinstance(value, cdk.Duration) else None
    if seconds is not None and _is_token(seconds):
        return []
    top = MAX_CONFIGURATION_RETRY_TIMEOUT.to_seconds()
    if seconds is not None and 1 <= seconds <= top:
        return []
    shown = value.to_human_string() if isinstance(value, cdk.Duration) else repr(value)
    return [
        f"configuration_retry_timeout: {shown} is not allowed; give a Duration from 1 second "
        f"to {int(top // 60)} minutes (the function runs for at most 15 minutes)"
    ]
