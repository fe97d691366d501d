"""Prop checks of :class:`~genai_platform.constructs.batch_inference.BatchInference`, and the
limits Bedrock and Step Functions set."""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3

from genai_platform.constructs.model_catalog import ModelCatalog

__all__ = ["subnet_ids", "validate"]

#: Job timeouts Bedrock accepts (``timeoutDurationInHours``).
JOB_TIMEOUT_RANGE_HOURS = (24, 168)
#: Security groups and subnets a job's VPC configuration may name.
MAX_JOB_SECURITY_GROUPS = 5
MAX_JOB_SUBNETS = 16
#: Longest wait between two status polls (one hour keeps the history small without delaying
#: the outcome much).
MAX_POLL_INTERVAL_S = 3600
#: Key prefixes: segments of the characters Bedrock's S3 URI pattern allows, each ending in /.
_PREFIX = re.compile(r"(?:[-!_*'().a-zA-Z0-9]+/)+")
_MAX_PREFIX_LENGTH = 512


def subnet_ids(vpc: ec2.IVpc, selection: ec2.SubnetSelection | None) -> list[str]:
    """The subnet ids ``selection`` (default: the isolated subnets) picks in ``vpc``."""
    chosen = selection or ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    return vpc.select_subnets(
        availability_zones=chosen.availability_zones,
        one_per_az=chosen.one_per_az,
        subnet_filters=chosen.subnet_filters,
        subnet_group_name=chosen.subnet_group_name,
        subnets=chosen.subnets,
        subnet_type=chosen.subnet_type,
    ).subnet_ids


def validate(
    *,
    catalog: ModelCatalog,
    model: str,
    input_prefix: str,
    output_prefix: str,
    job_timeout_hours: int,
    poll_interval: cdk.Duration | None,
    max_poll_interval: cdk.Duration | None,
    vpc: ec2.IVpc | None,
    vpc_subnets: ec2.SubnetSelection | None,
    security_groups: Sequence[ec2.ISecurityGroup] | None,
    log_retention: logs.RetentionDays | None,
    output_retention: cdk.Duration | None,
    bucket: s3.IBucket | None,
) -> list[str]:
    """Every problem of the props, one line each naming the prop, the value and what is
    allowed."""
    problems: list[str] = []
    if not isinstance(catalog, ModelCatalog):
        problems.append(f"catalog: {catalog!r} is not a ModelCatalog")
    else:
        if not isinstance(model, str) or (
            model not in catalog.aliases and model not in catalog.models
        ):
            problems.append(
                f"model: {model!r} is not an approved model of the catalogue; approved: "
                f"{', '.join(catalog.models)}; aliases: {', '.join(sorted(catalog.aliases))}"
            )
    valid_prefixes = 0
    for prop, prefix in (("input_prefix", input_prefix), ("output_prefix", output_prefix)):
        if (
            isinstance(prefix, str)
            and len(prefix) <= _MAX_PREFIX_LENGTH
            and _PREFIX.fullmatch(prefix)
        ):
            valid_prefixes += 1
        else:
            problems.append(
                f"{prop}: {prefix!r} is not allowed; give a key prefix ending in '/' (not "
                "starting with '/', no empty segment) of letters, digits and -!_*'(). "
                f"(Bedrock's S3 URI characters), at most {_MAX_PREFIX_LENGTH} characters"
            )
    if valid_prefixes == 2 and (
        input_prefix.startswith(output_prefix) or output_prefix.startswith(input_prefix)
    ):
        problems.append(
            f"output_prefix: {output_prefix!r} overlaps input_prefix {input_prefix!r}; results "
            "under the input would be read as input by the next job; give disjoint prefixes"
        )
    low, high = JOB_TIMEOUT_RANGE_HOURS
    if (
        not isinstance(job_timeout_hours, int)
        or isinstance(job_timeout_hours, bool)
        or not low <= job_timeout_hours <= high
    ):
        problems.append(
            f"job_timeout_hours: {job_timeout_hours!r} is not allowed; Bedrock accepts an "
            f"integer from {low} to {high}"
        )
    first = _seconds(poll_interval) if poll_interval is not None else 300.0
    longest = _seconds(max_poll_interval) if max_poll_interval is not None else 3600.0
    if first is None or not 10 <= first <= MAX_POLL_INTERVAL_S:
        problems.append(
            f"poll_interval: {_show(poll_interval)!r} is not allowed; give a Duration from 10 "
            f"seconds to {MAX_POLL_INTERVAL_S // 60} minutes"
        )
    if longest is None or not 10 <= longest <= MAX_POLL_INTERVAL_S:
        problems.append(
            f"max_poll_interval: {_show(max_poll_interval)!r} is not allowed; give a Duration "
            f"from 10 seconds to {MAX_POLL_INTERVAL_S // 60} minutes"
        )
    elif first is not None and longest < first:
        problems.append(
            f"max_poll_interval: {_show(max_poll_interval)!r} is shorter than poll_interval "
            f"{_show(poll_interval)!r}; give max_poll_interval >= poll_interval"
        )
    if vpc is None:
        for prop, value in (("vpc_subnets", vpc_subnets), ("security_groups", security_groups)):
            if value is not None:
                problems.append(f"{prop}: given without vpc; pass vpc too, or remove it")
    else:
        if (
            security_groups is not None
            and not 1 <= len(list(security_groups)) <= MAX_JOB_SECURITY_GROUPS
        ):
            problems.append(
                f"security_groups: {len(list(security_groups))} given; Bedrock takes 1 to "
                f"{MAX_JOB_SECURITY_GROUPS} security groups per job"
            )
        count = len(subnet_ids(vpc, vpc_subnets))
        if not 1 <= count <= MAX_JOB_SUBNETS:
            problems.append(
                f"vpc_subnets: selects {count} subnets; Bedrock takes 1 to "
                f"{MAX_JOB_SUBNETS} subnets per job"
            )
    if log_retention == logs.RetentionDays.INFINITE:
        problems.append(
            "log_retention: RetentionDays.INFINITE keeps logs forever; choose a finite "
            "retention such as RetentionDays.ONE_YEAR"
        )
    if output_retention is not None:
        if bucket is not None:
            problems.append(
                "output_retention: given with an existing bucket, whose lifecycle the "
                "construct does not change; set it on the bucket or remove it"
            )
        elif _seconds(output_retention) is None or output_retention.to_days() < 1:
            problems.append(
                f"output_retention: {_show(output_retention)!r} is not allowed; give a "
                "Duration of at least one day"
            )
    return problems


def _seconds(value: object) -> float | None:
    return value.to_seconds(integral=False) if isinstance(value, cdk.Duration) else None


def _show(value: object) -> object:
    return value.to_human_string() if isinstance(value, cdk.Duration) else value
