"""Validation of what an application account gives to reach the guarded inference API: the
props of :class:`GatewayCallerRole` and the attributes of an imported API
(:meth:`GuardedInferenceApi.from_api_attributes`)."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from genai_platform.patterns.guarded_inference_api.props import (
    _ACCOUNT,
    _NAME,
    _NAME_PREFIX,
    _REGION,
    _ROLE_NAME,
    _STAGE_NAME,
)
from genai_platform.patterns.guarded_inference_api.value_checks import _is_token


def _validate_caller(stack: cdk.Stack, **props: Any) -> list[str]:
    problems: list[str] = []
    tenant = props["tenant_id"]
    if not isinstance(tenant, str) or not _NAME.fullmatch(tenant):
        problems.append(
            f"tenant_id: {tenant!r} is not allowed; use 1-64 lowercase letters, digits, '_' and "
            "'-', starting with a letter or digit"
        )
    account = props["genai_account"]
    if not _is_token(account) and not (isinstance(account, str) and _ACCOUNT.fullmatch(account)):
        problems.append(f"genai_account: {account!r} is not a 12-digit AWS account id")
    if not isinstance(props["assumed_by"], iam.PrincipalBase) and not hasattr(
        props["assumed_by"], "policy_fragment"
    ):
        problems.append(f"assumed_by: {props['assumed_by']!r} is not an IAM principal")
    prefix = props["name_prefix"]
    if not isinstance(prefix, str) or not _NAME_PREFIX.fullmatch(prefix):
        problems.append(
            f"name_prefix: {prefix!r} is not allowed; use 3-32 lowercase letters, digits and "
            "hyphens, starting with a letter and ending with a letter or digit"
        )
    region = props["region"]
    if (
        region is not None
        and not _is_token(region)
        and not (isinstance(region, str) and _REGION.fullmatch(region))
    ):
        problems.append(f"region: {region!r} is not an AWS region name such as 'us-east-1'")
    stage = props["stage_name"]
    if not isinstance(stage, str) or not _STAGE_NAME.fullmatch(stage):
        problems.append(f"stage_name: {stage!r} is not allowed; use 1-64 letters, digits and '_'")
    role_name = props["role_name"]
    if not _is_token(role_name) and not (
        isinstance(role_name, str) and _ROLE_NAME.fullmatch(role_name)
    ):
        problems.append(
            f"role_name: {role_name!r} is not allowed; IAM role names are 1-64 letters, "
            "digits and '+=,.@_-' (a shorter name_prefix or tenant_id, or an explicit "
            "role_name, fits)"
        )
    secret = props["api_key_secret"]
    if not isinstance(secret, str) or not re.fullmatch(r"[\w/+=.@-]{1,512}", secret):
        problems.append(
            f"api_key_secret: {secret!r} is not a Secrets Manager secret name (1-512 letters, "
            "digits and '/_+=.@-')"
        )
    return problems


_API_ID = re.compile(r"[a-z0-9]{10}")


def _validate_api_import(**attributes: Any) -> list[str]:
    """Every problem with the attributes of an imported guarded inference API."""
    problems = []
    api_id = attributes["api_id"]
    if not _is_token(api_id) and not (isinstance(api_id, str) and _API_ID.fullmatch(api_id)):
        problems.append(
            f"api_id: {api_id!r} is not a REST API id; give the 10 lowercase letters and digits "
            "API Gateway assigned (the API's URL starts with https://<api id>.execute-api.)"
        )
    account = attributes["account"]
    if not _is_token(account) and not (isinstance(account, str) and _ACCOUNT.fullmatch(account)):
        problems.append(f"account: {account!r} is not a 12-digit AWS account id")
    region = attributes["region"]
    if (
        region is not None
        and not _is_token(region)
        and not (isinstance(region, str) and _REGION.fullmatch(region))
    ):
        problems.append(f"region: {region!r} is not an AWS region name such as 'us-east-1'")
    stage = attributes["stage_name"]
    if not isinstance(stage, str) or not _STAGE_NAME.fullmatch(stage):
        problems.append(f"stage_name: {stage!r} is not allowed; use 1-64 letters, digits and '_'")
    prefix = attributes["name_prefix"]
    if not isinstance(prefix, str) or not _NAME_PREFIX.fullmatch(prefix):
        problems.append(
            f"name_prefix: {prefix!r} is not allowed; use 3-32 lowercase letters, digits and "
            "hyphens, starting with a letter and ending with a letter or digit"
        )
    return problems
