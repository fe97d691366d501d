"""The role an app team's workload assumes, in its own account, to call the inference API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from genai_platform.compliance import acknowledge, nag_value
from genai_platform.constructs.interfaces import IGuardedInferenceApi
from genai_platform.patterns.guarded_inference_api.props import (
    DEFAULT_NAME_PREFIX,
    DEFAULT_STAGE_NAME,
    api_key_secret_name,
    caller_role_name,
    gateway_route_arns,
)
from genai_platform.patterns.guarded_inference_api.validation import _validate_caller

__all__ = ["GatewayCallerRole"]


class GatewayCallerRole(Construct):
    """The role an app team's workload assumes to call the inference API from its own account.

    It may ``execute-api:Invoke`` exactly the gateway's three routes on ``stage_name`` in the
    generative-AI account, and read its tenant's API key secret there (``GetSecretValue`` on
    that secret, ``kms:Decrypt`` only through Secrets Manager for that secret): nothing else of
    the AI tier. Given ``api=GuardedInferenceApi.from_api_attributes(...)`` the route ARNs
    name the API's id; otherwise (``genai_account`` and the names, or a ``GuardedInferenceApi``
    of another account, whose id is a deploy-time value there) they wildcard it, and the API's
    resource policy is what restricts the caller to the one API.
    The permissions sit in a customer-managed policy.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        tenant_id: str,
        assumed_by: iam.IPrincipal,
        api: IGuardedInferenceApi | None = None,
        genai_account: str | None = None,
        name_prefix: str | None = None,
        region: str | None = None,
        stage_name: str | None = None,
        role_name: str | None = None,
        api_key_secret: str | None = None,
        description: str | None = None,
    ) -> None:
        """Create the role and its policy.

        Args:
            tenant_id: The tenant the role calls as (as in :class:`Tenant`).
            assumed_by: Who may assume the role, e.g. the workload's service principal or a
                role of the application account.
            api: The API to call: ``GuardedInferenceApi.from_api_attributes(...)`` (the usual
                case, in an application account: the route ARNs then name its id), or a
                :class:`GuardedInferenceApi` of this app. Its account, Region, stage and name
                prefix are used, so ``genai_account``, ``region``, ``stage_name`` and
                ``name_prefix`` must then be left out. A ``GuardedInferenceApi`` of a stack
                in another account or Region contributes only its names (its id is a
                deploy-time value there), so the route ARNs wildcard the id. Default: the API
                is described by ``genai_account`` and the props below, with the id wildcarded.
            genai_account: The generative-AI account's 12-digit id; required without ``api``.
            name_prefix: The gateway's ``name_prefix`` (names the secret and the role).
                Default: ``genai`` (or ``api``'s).
            region: The gateway's region. Default: this stack's region (or ``api``'s).
            stage_name: The gateway's stage. Default: ``prod`` (or ``api``'s).
            role_name: Name of the role (1-64 characters), which the gateway lists in the
                tenant's principals. Default: :func:`caller_role_name` of the prefix and tenant.
            api_key_secret: Name of the tenant's API key secret. Default:
                :func:`api_key_secret_name` of the prefix and tenant.
            description: Description of the role. Default: a sentence naming the tenant.

        Raises:
            ValueError: listing every invalid prop, its value and what is allowed.
        """
        path = "/".join(p for p in (scope.node.path, id) if p)
        stack = cdk.Stack.of(scope)
        target, problems = _target(
            stack,
            api=api,
            genai_account=genai_account,
            name_prefix=name_prefix,
            region=region,
            stage_name=stage_name,
        )
        genai_account, name_prefix = target.account, target.name_prefix
        region, stage_name = target.region, target.stage_name
        name = role_name if role_name is not None else caller_role_name(name_prefix, tenant_id)
        secret_name = (
            api_key_secret
            if api_key_secret is not None
            else api_key_secret_name(name_prefix, tenant_id)
        )
        # A prop already reported (given twice, or missing) is not reported again.
        reported = {p.split(":", 1)[0] for p in problems}
        problems += [
            p
            for p in _validate_caller(
                stack,
                tenant_id=tenant_id,
                genai_account=genai_account,
                assumed_by=assumed_by,
                name_prefix=name_prefix,
                region=region,
                stage_name=stage_name,
                role_name=name,
                api_key_secret=secret_name,
            )
            if p.split(":", 1)[0] not in reported
        ]
        if problems:
            lines = "\n".join(f"  - {p}" for p in problems)
            raise ValueError(
                f"GatewayCallerRole {path!r}: invalid props ({len(problems)} problems):\n{lines}"
            )
        super().__init__(scope, id)
        region = region or stack.region
        partition = stack.partition
        self._role = iam.Role(
            self,
            "Resource",
            role_name=name,
            assumed_by=assumed_by,
            description=description
            or f"Calls the genai-platform inference API as tenant {tenant_id}",
        )
        self._route_arns = target.route_arns or gateway_route_arns(
            partition=partition, region=region, account=genai_account, stage_name=stage_name
        )
        self._secret_arn = (
            f"arn:{partition}:secretsmanager:{region}:{genai_account}:secret:{secret_name}-??????"
        )
        key_arns = f"arn:{partition}:kms:{region}:{genai_account}:key/*"
        self._policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=f"Inference API routes and API key of tenant {tenant_id}",
            roles=[self._role],
            statements=[
                iam.PolicyStatement(
                    sid="InvokeTheInferenceApiRoutes",
                    actions=["execute-api:Invoke"],
                    resources=self._route_arns,
                ),
                iam.PolicyStatement(
                    sid="ReadTheTenantApiKey",
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[self._secret_arn],
                ),
                iam.PolicyStatement(
                    sid="DecryptTheApiKeyThroughSecretsManager",
                    actions=["kms:Decrypt"],
                    resources=[key_arns],
                    conditions={
                        "StringEquals": {
                            "kms:ViaService": f"secretsmanager.{region}.amazonaws.com"
                        },
                        "StringLike": {"kms:EncryptionContext:SecretARN": self._secret_arn},
                    },
                ),
            ],
        )
        for arn in self._route_arns if not target.route_arns else ():
            acknowledge(
                self._policy,
                f"AwsSolutions-IAM5[Resource::{nag_value(stack, arn)}]",
                "The API id of the gateway in the generative-AI account is unknown to this "
                "account's stack; the ARN pins account, region, stage, method and path, and the "
                "API's resource policy admits this role to that one API",
            )
        acknowledge(
            self._policy,
            f"AwsSolutions-IAM5[Resource::{nag_value(stack, key_arns)}]",
            "The key id in the generative-AI account is unknown here; decryption is limited to "
            "requests Secrets Manager makes for this tenant's API key secret (kms:ViaService "
            "and the SecretARN encryption context)",
        )

    @property
    def role(self) -> iam.IRole:
        """The caller role."""
        return self._role

    @property
    def role_arn(self) -> str:
        """ARN of the caller role (list it in the tenant's principals)."""
        return self._role.role_arn

    @property
    def policy(self) -> iam.IManagedPolicy:
        """The role's customer-managed policy."""
        return self._policy

    @property
    def route_arns(self) -> list[str]:
        """The route ARNs the role may invoke."""
        return list(self._route_arns)

    @property
    def api_key_secret_arn(self) -> str:
        """ARN pattern of the tenant's API key secret (``...:secret:<name>-??????``)."""
        return self._secret_arn


@dataclass(frozen=True)
class _Target:
    """The API a caller role calls: where it is, its names, and its route ARNs when known
    (None: wildcard the API id)."""

    account: str
    region: str | None
    stage_name: str
    name_prefix: str
    route_arns: list[str] | None = None


def _target(
    stack: cdk.Stack,
    *,
    api: object,
    genai_account: str | None,
    name_prefix: str | None,
    region: str | None,
    stage_name: str | None,
) -> tuple[_Target, list[str]]:
    """The API described by ``api`` or by the separate props, and the problems found."""
    if api is None:
        problems = []
        if genai_account is None:
            problems.append(
                "genai_account: None; give the generative-AI account's 12-digit id, or give api "
                "(GuardedInferenceApi.from_api_attributes(...))"
            )
        target = _Target(
            account=genai_account or "",
            region=region,
            stage_name=stage_name if stage_name is not None else DEFAULT_STAGE_NAME,
            name_prefix=name_prefix if name_prefix is not None else DEFAULT_NAME_PREFIX,
        )
        return target, problems
    default = _Target(
        account=genai_account or "",
        region=region,
        stage_name=stage_name or DEFAULT_STAGE_NAME,
        name_prefix=name_prefix or DEFAULT_NAME_PREFIX,
    )
    if not isinstance(api, IGuardedInferenceApi):
        return default, [
            f"api: {api!r} is not a guarded inference API; give "
            "GuardedInferenceApi.from_api_attributes(...) or a GuardedInferenceApi"
        ]
    problems = [
        f"{prop}: {value!r} is given with api, which already says it; leave {prop} out"
        for prop, value in (
            ("genai_account", genai_account),
            ("name_prefix", name_prefix),
            ("region", region),
            ("stage_name", stage_name),
        )
        if value is not None
    ]
    owner = cdk.Stack.of(cast(IConstruct, api))  # every implementation is a construct
    elsewhere = owner is not stack and (
        owner.account != stack.account or owner.region != stack.region
    )
    if elsewhere:
        # Only names travel across accounts and Regions: the id of an API this app builds in
        # another environment is a deploy-time value there, so the ARNs wildcard it.
        for prop, value in (("account", api.account), ("region", api.region)):
            if cdk.Token.is_unresolved(value):
                problems.append(
                    f"api: {api.node.path!r} is in stack {owner.stack_name!r}, whose {prop} is "
                    "only known at deploy time; give that stack an explicit env, or use "
                    "GuardedInferenceApi.from_api_attributes(...)"
                )
    target = _Target(
        account=api.account,
        region=api.region,
        stage_name=api.stage_name,
        name_prefix=api.name_prefix,
        route_arns=None if elsewhere else api.execute_api_arns,
    )
    return target, problems
