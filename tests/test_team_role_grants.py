"""Grants the library adds to a team's own role land in customer-managed policies: no inline
policy on someone else's role (NIST 800-53 rev 5 and HIPAA ``IAMNoInlinePolicy``)."""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from genai_platform.constructs.guardrail import Guardrail
from genai_platform.patterns.guarded_inference_api import GuardedInferenceApi
from tests.conftest import TEST_ENV

GUARDRAIL_ARN = "arn:aws:bedrock:us-east-1:222222222222:guardrail/abc123def456"


def _team_role(stack: cdk.Stack) -> iam.Role:
    return iam.Role(stack, "TeamRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))


def _attached_statements(stack: cdk.Stack, role: iam.Role) -> str:
    template = Template.from_stack(stack)
    role_id = stack.resolve(role.node.default_child.logical_id)  # type: ignore[union-attr]
    assert template.find_resources("AWS::IAM::Policy") == {}, "an inline policy was created"
    attached = [
        p
        for p in template.find_resources("AWS::IAM::ManagedPolicy").values()
        if {"Ref": role_id} in p["Properties"].get("Roles", [])
    ]
    return json.dumps(attached)


def test_owned_guardrail_grant_apply_goes_into_a_managed_policy() -> None:
    # GIVEN a guardrail and a team's role WHEN the role is granted ApplyGuardrail
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    role = _team_role(stack)
    Guardrail(stack, "Guardrail").grant_apply(role)
    # THEN the statement is in a customer-managed policy attached to the role, none inline
    assert "bedrock:ApplyGuardrail" in _attached_statements(stack, role)


def test_imported_guardrail_grant_apply_goes_into_a_managed_policy() -> None:
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    role = _team_role(stack)
    guardrail = Guardrail.from_guardrail_attributes(
        stack, "Imported", guardrail_arn=GUARDRAIL_ARN, version="3"
    )
    guardrail.grant_apply(role)
    statements = _attached_statements(stack, role)
    assert "bedrock:ApplyGuardrail" in statements and GUARDRAIL_ARN in statements


def test_imported_api_grant_invoke_goes_into_a_managed_policy() -> None:
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    role = _team_role(stack)
    api = GuardedInferenceApi.from_api_attributes(
        stack, "Api", api_id="a1b2c3d4e5", account="222222222222"
    )
    api.grant_invoke(role)
    statements = _attached_statements(stack, role)
    assert "execute-api:Invoke" in statements and "a1b2c3d4e5/prod/GET/v1/models" in statements
