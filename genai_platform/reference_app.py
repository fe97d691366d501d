"""The reference deployment: one stack per account role, built from a platform config."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from constructs import IConstruct

from genai_platform.compliance import (
    acknowledge_warning,
    add_nag_packs,
    warning_acknowledgement_problems,
)
from genai_platform.config import PlatformConfig
from genai_platform.stacks import ApplicationAccountStack, DataAccountStack, GenAiAccountStack
from genai_platform.stacks.genai_account import additional_models, invocation_logging_role_name
from genai_platform.stacks.governance import GovernanceStack, cdk_deployment_role_arn, role_arn

__all__ = ["PlatformStacks", "build_platform", "build_reference_app"]


@dataclass(frozen=True)
class PlatformStacks:
    """The stacks of one platform."""

    application: ApplicationAccountStack
    genai: GenAiAccountStack
    data: DataAccountStack
    governance: GovernanceStack | None


def build_platform(scope: cdk.App | cdk.Stage, config: PlatformConfig) -> PlatformStacks:
    """Add the application, generative-AI and data account stacks for ``config`` to ``scope``.

    With ``accounts.management`` set, a ``GovernanceStack`` in the management account adds a
    service control policy on the generative-AI account (or ``governance.target_ids``).
    In a sandbox config where accounts are shared, only the generative-AI stack creates a
    cost-anomaly monitor (AWS allows one service monitor per account).
    """
    shared = config.shared_accounts
    genai = GenAiAccountStack(scope, "GenAiAccount", config=config)
    stacks = PlatformStacks(
        application=ApplicationAccountStack(
            scope, "ApplicationAccount", config=config, anomaly_detection=not shared
        ),
        genai=genai,
        data=DataAccountStack(scope, "DataAccount", config=config, anomaly_detection=not shared),
        governance=_governance(scope, config, genai) if config.accounts.management else None,
    )
    _acknowledge_warnings(scope, config)
    return stacks


def _acknowledge_warnings(scope: cdk.App | cdk.Stage, config: PlatformConfig) -> None:
    """``[[acknowledged_warnings]]``: each on the construct its path names (checked first)."""
    targets: list[IConstruct] = []
    problems: list[str] = []
    for n, entry in enumerate(config.acknowledged_warnings):
        node: IConstruct | None = scope
        for part in entry.path.split("/"):
            node = node.node.try_find_child(part) if node is not None else None
        if node is None:
            stacks = ", ".join(c.node.id for c in scope.node.children)
            problems.append(
                f"acknowledged_warnings[{n}].path: {entry.path!r} names no construct of the "
                f"platform; paths start with a stack ({stacks}) as the check prints them"
            )
        else:
            targets.append(node)
        problems += [
            f"acknowledged_warnings[{n}].{p.replace('warning_id:', 'id:', 1)}"
            for p in warning_acknowledgement_problems(entry.id, entry.reason)
        ]
    if problems:
        raise ValueError("\n".join(problems))
    for entry, node in zip(config.acknowledged_warnings, targets, strict=True):
        acknowledge_warning(node, entry.id, entry.reason)


def _governance(
    scope: cdk.App | cdk.Stage, config: PlatformConfig, genai: GenAiAccountStack
) -> GovernanceStack:
    governance, accounts = config.governance, config.accounts
    assert accounts.management is not None
    deployers = governance.deployment_role_arns or [
        cdk_deployment_role_arn(accounts.genai, config.region),
        # The invocation-logging configuration role has an explicit name (a generated one may
        # be truncated), in the region's partition: it must keep changing the logging settings.
        role_arn(accounts.genai, config.region, invocation_logging_role_name(config)),
    ]
    stack = GovernanceStack(
        scope,
        "Governance",
        management_account=accounts.management,
        region=config.region,
        genai_account=accounts.genai,
        approved_models=genai.model_catalog.models,
        additional_models=additional_models(config),
        target_ids=governance.target_ids,
        deployment_role_arns=deployers,
        policy_name=governance.policy_name or f"{config.name}-bedrock-guardrails",
        stack_name=f"{config.name}-governance",
        description=(
            f"genai-platform {config.name}: organization guardrails (service control policy "
            "for approved models, the platform guardrail and locked logging)"
        ),
    )
    for key, value in config.tags.items():
        cdk.Tags.of(stack).add(key, value)
    return stack


def build_reference_app(
    config: PlatformConfig, *, outdir: str | None = None, nag: bool = True
) -> cdk.App:
    """A CDK app holding the platform's stacks, with the three nag packs attached by default.

    ``outdir`` defaults to what the CDK CLI passes (or ``cdk.out``).
    """
    app = cdk.App(outdir=outdir) if outdir else cdk.App()
    build_platform(app, config)
    if nag:
        add_nag_packs(app)
    return app
