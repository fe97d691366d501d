"""Guardrail and GuardrailEnforcement in regions whose CloudFormation lacks them."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from genai_platform.constructs.guardrail import Guardrail, GuardrailEnforcement


def _stack(region: str) -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Test", env=cdk.Environment(account="222222222222", region=region))


def test_fails_when_the_region_has_no_bedrock_guardrails() -> None:
    # GIVEN Calgary, where CloudFormation has no AWS::Bedrock::Guardrail
    stack = _stack("ca-west-1")
    # WHEN a guardrail is built THEN refused, naming the region and where guardrails exist
    with pytest.raises(
        ValueError,
        match=r"scope: region 'ca-west-1' has no Bedrock guardrails \(AWS::Bedrock::Guardrail\); "
        r"regions that have it: .*ca-central-1",
    ):
        Guardrail(stack, "Guardrail")
    assert stack.node.try_find_child("Guardrail") is None


def test_fails_when_the_region_has_guardrails_but_no_account_level_enforcement() -> None:
    # GIVEN the UAE region: guardrails, but no AWS::Bedrock::EnforcedGuardrailConfiguration
    stack = _stack("me-central-1")
    guardrail = Guardrail(stack, "Guardrail")
    # WHEN enforcement is added THEN refused, naming the region
    with pytest.raises(
        ValueError,
        match=r"scope: region 'me-central-1' has no Bedrock account-level guardrail enforcement",
    ):
        GuardrailEnforcement(stack, "Enforcement", guardrail=guardrail)
    # AND the guardrail alone is built
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Bedrock::Guardrail", 1)
    template.resource_count_is("AWS::Bedrock::EnforcedGuardrailConfiguration", 0)
