"""Organization guardrails: a service control policy that keeps Bedrock on the platform's terms.

:class:`GovernanceStack` is deployed to the organization's **management account** (optional: the
reference app builds it only when the config names one). It holds one AWS Organizations
service control policy (SCP), attached to the generative-AI account (or to the OUs and accounts
given as ``target_ids``), whose statements deny, for every principal in those accounts:

1. ``DenyUnapprovedModels``: invoking (``bedrock:InvokeModel*``; Converse and ConverseStream
   are authorized as InvokeModel and InvokeModelWithResponseStream) anything but the approved
   models and the generative-AI account's application inference profiles (``NotResource``).
   The gateway invokes through a profile per tenant (cost per tenant); invoking an application
   inference profile is authorized against the profile AND the foundation model in each region
   it routes to (Amazon Bedrock user guide, "Prerequisites for inference profiles"), so a
   profile copied from an unapproved model is still denied at its foundation model, which is
   not in ``NotResource``;
2. ``DenyInvokeWithoutGuardrail``: invoking a model without naming a guardrail
   (``Null bedrock:GuardrailIdentifier``);
3. ``DenyGuardrailOutsidePlatform``: invoking a model with a guardrail that is not one of the
   generative-AI account's (``StringNotLike`` ``arn:<partition>:bedrock:*:<account>:guardrail/*``);
4. ``DenyInvocationLoggingChanges``: ``bedrock:PutModelInvocationLoggingConfiguration`` and
   ``bedrock:DeleteModelInvocationLoggingConfiguration``,
5. ``DenyGuardrailEnforcementChanges``: ``bedrock:PutEnforcedGuardrailConfiguration`` and
   ``bedrock:DeleteEnforcedGuardrailConfiguration`` (account-level enforced guardrails),
6. ``DenyGuardrailChanges``: ``bedrock:CreateGuardrail``, ``UpdateGuardrail``,
   ``DeleteGuardrail`` and ``CreateGuardrailVersion``,

the last three unless the caller is one of the platform's deployment roles
(``ArnNotLike aws:PrincipalArn``).

Statements 2 and 3 leave the approved **embedding** models out: Bedrock accepts no guardrail for
them (a knowledge base's ingestion embeds documents with InvokeModel and no guardrail).

A stack in another account cannot read the generative-AI stack's tokens, so every ARN here is a
literal computed from the generative-AI account and region: the approved model ids are turned
into foundation-model and inference-profile ARNs with the same rules as
:class:`~genai_platform.constructs.model_catalog.ModelCatalog`, except that the foundation models
an inference profile routes to are matched in any region
(``arn:<partition>:bedrock:*::foundation-model/<id>``, which also matches the region-less form
global profiles use), to keep the policy within the 5,120 characters AWS Organizations allows.

SCPs never restrict the management account itself, and the SCP policy type must be enabled in
the organization before this stack is deployed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_organizations as organizations
from aws_cdk import region_info
from constructs import Construct

from genai_platform.constructs.model_catalog import (
    GUARDRAIL_CONDITION_KEY,
    ApprovedModel,
    ModelSpec,
    approve_models,
    foundation_model_arn,
    inference_profile_arn,
    warn_profile_outside_geography,
)

__all__ = [
    "GUARDRAIL_CHANGE_ACTIONS",
    "GUARDRAIL_ENFORCEMENT_ACTIONS",
    "INVOCATION_LOGGING_ACTIONS",
    "MAX_SCP_CHARACTERS",
    "GovernanceStack",
    "cdk_deployment_role_arn",
    "role_arn",
]

#: AWS Organizations' size limit for a service control policy; every character counts, so the
#: policy is measured as compact JSON (no white space outside strings).
MAX_SCP_CHARACTERS = 5120

INVOKE_ACTION_PATTERN = "bedrock:InvokeModel*"
INVOCATION_LOGGING_ACTIONS: tuple[str, ...] = (
    "bedrock:PutModelInvocationLoggingConfiguration",
    "bedrock:DeleteModelInvocationLoggingConfiguration",
)
GUARDRAIL_ENFORCEMENT_ACTIONS: tuple[str, ...] = (
    "bedrock:PutEnforcedGuardrailConfiguration",
    "bedrock:DeleteEnforcedGuardrailConfiguration",
)
GUARDRAIL_CHANGE_ACTIONS: tuple[str, ...] = (
    "bedrock:CreateGuardrail",
    "bedrock:UpdateGuardrail",
    "bedrock:DeleteGuardrail",
    "bedrock:CreateGuardrailVersion",
)

_ACCOUNT = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}")
_OU = re.compile(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}")
_ROOT = re.compile(r"r-[0-9a-z]{4,32}")
_ROLE_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:iam::(\d{12}|\*):role/[\w+=,.@/*?-]{1,512}")
_POLICY_NAME = re.compile(r"[\w+=,.@ -]{1,128}")


def cdk_deployment_role_arn(account: str, region: str, *, qualifier: str = "hnb659fds") -> str:
    """ARN of the CloudFormation execution role ``cdk bootstrap`` creates in ``account`` and
    ``region`` (the role CloudFormation deploys CDK stacks with)."""
    return role_arn(account, region, f"cdk-{qualifier}-cfn-exec-role-{account}-{region}")


def role_arn(account: str, region: str, role_name: str) -> str:
    """ARN of the IAM role ``role_name`` of ``account``, in the partition of ``region``
    (``aws``, ``aws-cn`` or ``aws-us-gov``): a literal, as a policy in another account needs."""
    return f"arn:{_partition(region)}:iam::{account}:role/{role_name}"


class GovernanceStack(cdk.Stack):
    """The management account's share of the platform: the Bedrock service control policy.

    Attributes: :attr:`policy` (the ``AWS::Organizations::Policy``), :attr:`policy_document`,
    :attr:`target_ids`, :attr:`approved_model_arns`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        management_account: str,
        region: str,
        genai_account: str,
        approved_models: Sequence[str],
        additional_models: Mapping[str, ModelSpec] | None = None,
        target_ids: Sequence[str] | None = None,
        deployment_role_arns: Sequence[str] | None = None,
        policy_name: str | None = None,
        stack_name: str | None = None,
        description: str | None = None,
    ) -> None:
        """Build the stack and its service control policy.

        Args:
            management_account: The organization's management account (12 digits); the stack
                is deployed there.
            region: The platform's region: the stack's region, and the region of the
                generative-AI account's models, inference profiles and guardrails.
            genai_account: The generative-AI account (12 digits), where the approved models
                are invoked and the guardrails live. Not the management account (SCPs never
                apply to it).
            approved_models: The approved model and inference-profile ids, as given to
                ``ModelCatalog`` (``catalog.models``).
            additional_models: Model ids the catalogue table does not know, as given to
                ``ModelCatalog``. Default: only ``KNOWN_MODELS``.
            target_ids: Where the policy is attached: account ids (12 digits), OU ids
                (``ou-xxxx-xxxxxxxx``) or the root (``r-xxxx``). Any account under them can
                then invoke only the approved models, in the generative-AI account's terms.
                Default: the generative-AI account alone.
            deployment_role_arns: IAM role ARNs (``*`` and ``?`` wildcards allowed) that may
                still change invocation logging, enforced guardrails and guardrails. Include
                the role of any custom resource that configures them (such as
                ``InvocationLogging``'s configuration role, by the explicit name given as its
                ``configuration_role_name``: a generated name may be truncated, so a pattern
                over it is fragile). Default: the generative-AI account's
                CDK bootstrap execution role,
                ``arn:aws:iam::<genai>:role/cdk-hnb659fds-cfn-exec-role-<genai>-<region>``.
            policy_name: Name of the policy in AWS Organizations (1-128 letters, digits,
                spaces and ``_+=,.@-``). Default: ``<stack name>-bedrock-guardrails``.
            stack_name: CloudFormation stack name. Default: the construct id, as CDK names
                stacks.
            description: Stack description. Default: a sentence naming the accounts guarded.

        Raises:
            ValueError: listing every invalid prop, its value and what is allowed, including a
                policy over :data:`MAX_SCP_CHARACTERS`.
        """
        path = "/".join(p for p in (scope.node.path, id) if p)
        models, problems = approve_models(
            approved_models, additional_models, prop="approved_models"
        )
        problems += _validate(
            management_account=management_account,
            region=region,
            genai_account=genai_account,
            target_ids=target_ids,
            deployment_role_arns=deployment_role_arns,
            policy_name=policy_name,
        )
        document: dict[str, Any] = {}
        if not problems:
            document = _scp_document(
                models,
                partition=_partition(region),
                region=region,
                account=genai_account,
                deployment_role_arns=(
                    list(deployment_role_arns)
                    if deployment_role_arns is not None
                    else [cdk_deployment_role_arn(genai_account, region)]
                ),
            )
            size = len(json.dumps(document, separators=(",", ":")))
            if size > MAX_SCP_CHARACTERS:
                problems.append(
                    f"approved_models: {list(approved_models)!r} make a service control policy "
                    f"of {size} characters, over the {MAX_SCP_CHARACTERS} AWS Organizations "
                    "allows; approve fewer models, or split them over a second policy"
                )
        if problems:
            lines = "\n".join(f"  - {p}" for p in problems)
            raise ValueError(
                f"GovernanceStack {path!r}: invalid props ({len(problems)} problems):\n{lines}"
            )
        targets = list(target_ids) if target_ids is not None else [genai_account]

        super().__init__(
            scope,
            id,
            env=cdk.Environment(account=management_account, region=region),
            stack_name=stack_name,
            description=description
            or (
                f"genai-platform: organization guardrails for Bedrock in account {genai_account}"
                f" ({region}): approved models only, guardrail required, logging and guardrail "
                "settings locked to the deployment role"
            ),
        )
        self._document: Mapping[str, Any] = MappingProxyType(document)
        self._targets = tuple(targets)
        self._approved_arns = tuple(document["Statement"][0]["NotResource"])
        self._policy = organizations.CfnPolicy(
            self,
            "Resource",
            name=policy_name or f"{self.stack_name}-bedrock-guardrails",
            description=(
                "genai-platform: Bedrock only with approved models and the platform's "
                "guardrail; invocation logging and guardrails changed by deployment only"
            ),
            type="SERVICE_CONTROL_POLICY",
            content=document,
            target_ids=list(targets),
        )
        for model in models:
            if not model.offered_in(region):
                warn_profile_outside_geography(self._policy, model, region)

    @property
    def policy(self) -> organizations.CfnPolicy:
        """The service control policy."""
        return self._policy

    @property
    def policy_document(self) -> Mapping[str, Any]:
        """The policy's content, as deployed (read-only)."""
        return self._document

    @property
    def target_ids(self) -> tuple[str, ...]:
        """Accounts, OUs or root the policy is attached to."""
        return self._targets

    @property
    def approved_model_arns(self) -> tuple[str, ...]:
        """The ARN patterns of ``DenyUnapprovedModels``' NotResource: all that may be invoked."""
        return self._approved_arns


# ---------------------------------------------------------------------------- the policy


def _scp_document(
    models: Sequence[ApprovedModel],
    *,
    partition: str,
    region: str,
    account: str,
    deployment_role_arns: Sequence[str],
) -> dict[str, Any]:
    approved = _unique(a for m in models for a in _arn_patterns(m, partition, region, account))
    # The account's application inference profiles (per-tenant copies of approved models; the
    # foundation model behind each is checked too, see the module notes).
    approved.append(f"arn:{partition}:bedrock:{region}:{account}:application-inference-profile/*")
    embedding = _unique(
        a
        for m in models
        if not m.spec.supports_guardrails
        for a in _arn_patterns(m, partition, region, account)
    )
    # Embedding models cannot take a guardrail: the guardrail statements leave them out.
    guarded_resources: dict[str, Any] = (
        {"NotResource": embedding} if embedding else {"Resource": "*"}
    )
    not_deployment = {"ArnNotLike": {"aws:PrincipalArn": list(deployment_role_arns)}}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyUnapprovedModels",
                "Effect": "Deny",
                "Action": INVOKE_ACTION_PATTERN,
                "NotResource": approved,
            },
            {
                "Sid": "DenyInvokeWithoutGuardrail",
                "Effect": "Deny",
                "Action": INVOKE_ACTION_PATTERN,
                **guarded_resources,
                "Condition": {"Null": {GUARDRAIL_CONDITION_KEY: "true"}},
            },
            {
                "Sid": "DenyGuardrailOutsidePlatform",
                "Effect": "Deny",
                "Action": INVOKE_ACTION_PATTERN,
                **guarded_resources,
                "Condition": {
                    "StringNotLike": {
                        GUARDRAIL_CONDITION_KEY: f"arn:{partition}:bedrock:*:{account}:guardrail/*"
                    }
                },
            },
            {
                "Sid": "DenyInvocationLoggingChanges",
                "Effect": "Deny",
                "Action": list(INVOCATION_LOGGING_ACTIONS),
                "Resource": "*",
                "Condition": not_deployment,
            },
            {
                "Sid": "DenyGuardrailEnforcementChanges",
                "Effect": "Deny",
                "Action": list(GUARDRAIL_ENFORCEMENT_ACTIONS),
                "Resource": "*",
                "Condition": not_deployment,
            },
            {
                "Sid": "DenyGuardrailChanges",
                "Effect": "Deny",
                "Action": list(GUARDRAIL_CHANGE_ACTIONS),
                "Resource": "*",
                "Condition": not_deployment,
            },
        ],
    }


def _arn_patterns(model: ApprovedModel, partition: str, region: str, account: str) -> list[str]:
    """What invoking ``model`` from ``account`` in ``region`` is authorized on, as patterns."""
    if model.geography is None:
        return [foundation_model_arn(model.model_id, partition=partition, region=region)]
    return [
        inference_profile_arn(model.model_id, partition=partition, region=region, account=account),
        # Every destination region, and the region-less form of global profiles.
        foundation_model_arn(model.base_model_id, partition=partition, region="*"),
    ]


def _unique(values: Any) -> list[str]:
    return list(dict.fromkeys(values))


def _partition(region: str) -> str:
    partition = region_info.RegionInfo.get(region).partition if _REGION.fullmatch(region) else None
    if partition:
        return partition
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


# ---------------------------------------------------------------------------- validation


def _validate(
    *,
    management_account: str,
    region: str,
    genai_account: str,
    target_ids: Sequence[str] | None,
    deployment_role_arns: Sequence[str] | None,
    policy_name: str | None,
) -> list[str]:
    problems = []
    for prop, value in (
        ("management_account", management_account),
        ("genai_account", genai_account),
    ):
        if not (isinstance(value, str) and _ACCOUNT.fullmatch(value)):
            problems.append(f"{prop}: {value!r} is not a 12-digit AWS account id")
    if management_account == genai_account and _ACCOUNT.fullmatch(str(genai_account)):
        problems.append(
            f"genai_account: {genai_account!r} is the management account; service control "
            "policies never apply to the management account, so the guardrails would not hold"
        )
    if not (isinstance(region, str) and _REGION.fullmatch(region)):
        problems.append(f"region: {region!r} is not an AWS region name such as 'us-east-1'")
    if target_ids is not None:
        problems += _check_targets(target_ids, management_account)
    if deployment_role_arns is not None:
        problems += _check_roles(deployment_role_arns)
    if policy_name is not None and not (
        isinstance(policy_name, str) and _POLICY_NAME.fullmatch(policy_name)
    ):
        problems.append(
            f"policy_name: {policy_name!r} is not allowed (1-128 letters, digits, spaces and "
            "_+=,.@-)"
        )
    return problems


def _check_targets(target_ids: Sequence[str], management_account: str) -> list[str]:
    if isinstance(target_ids, str):
        return [f"target_ids: {target_ids!r} is a single string; give a list of ids"]
    if not target_ids:
        return ["target_ids: [] attaches the policy nowhere; give at least one target"]
    problems = []
    bad = [
        t
        for t in target_ids
        if not (
            isinstance(t, str) and (_ACCOUNT.fullmatch(t) or _OU.fullmatch(t) or _ROOT.fullmatch(t))
        )
    ]
    if bad:
        problems.append(
            f"target_ids: {bad!r} are not account ids (12 digits), OU ids "
            "(ou-<4-32 lowercase letters or digits>-<8-32 lowercase letters or digits>) or a "
            "root id (r-<4-32 lowercase letters or digits>)"
        )
    if management_account in target_ids:
        problems.append(
            f"target_ids: {management_account!r} is the management account, which service "
            "control policies never restrict; target the generative-AI account or its OU"
        )
    repeated = sorted({t for t in target_ids if list(target_ids).count(t) > 1})
    if repeated:
        problems.append(f"target_ids: {repeated!r} listed more than once; list each once")
    return problems


def _check_roles(role_arns: Sequence[str]) -> list[str]:
    if isinstance(role_arns, str):
        return [f"deployment_role_arns: {role_arns!r} is a single string; give a list of ARNs"]
    if not role_arns:
        return [
            "deployment_role_arns: [] would leave no principal able to change guardrails or "
            "invocation logging, not even the deployment; give at least one role ARN"
        ]
    bad = [r for r in role_arns if not (isinstance(r, str) and _ROLE_ARN.fullmatch(r))]
    if bad:
        return [
            f"deployment_role_arns: {bad!r} are not IAM role ARNs "
            "(arn:<partition>:iam::<12-digit account>:role/<path and name, * and ? allowed>)"
        ]
    return []
