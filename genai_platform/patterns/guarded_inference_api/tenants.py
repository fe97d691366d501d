"""What each tenant gets at the API's edge: an API key (its value generated into a Secrets
Manager secret only the tenant's principals may read) and a usage plan (rate, burst, monthly
request quota).

Five CloudFormation resources per tenant (secret, secret policy, API key, usage plan, usage plan
key) would put a few hundred tenants over CloudFormation's 500 resources per stack, so they live
in **nested stacks**: each tenant goes to one of :data:`TENANT_STACKS` buckets chosen by a hash
of its id, so adding or removing a tenant never moves another one (moving would replace its
secret and API key). Only buckets that hold tenants are created. A bucket holds at most
:data:`MAX_TENANTS_PER_STACK` tenants, so hundreds of tenants fit; API Gateway's own quotas
then apply (300 usage plans and 10,000 API keys per account and region, the first adjustable:
API Gateway Developer Guide, "Quotas for configuring and running a REST API").

The secrets' key gets one statement for all tenants (KMS key policies hold at most 32 KB):
decryption only through Secrets Manager, only for this API's API key secrets, only by the
tenants' accounts; each secret's own policy admits only its tenant's principals, and Secrets
Manager decrypts only for a caller the secret's policy allowed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from genai_platform.compliance import acknowledge
from genai_platform.patterns.guarded_inference_api._names import _pascal
from genai_platform.patterns.guarded_inference_api.props import (
    _API_KEY_FIELD,
    _API_KEY_LENGTH,
    _PRINCIPAL_ARN,
    Tenant,
    api_key_secret_name,
)

__all__ = ["MAX_TENANTS_PER_STACK", "TENANT_STACKS", "TenantAccess", "tenant_stack_index"]

#: Buckets (nested stacks) the tenants are spread over.
TENANT_STACKS = 8
#: Tenants one nested stack can hold: 5 resources each, under CloudFormation's 500 per stack.
MAX_TENANTS_PER_STACK = 95


def tenant_stack_index(tenant_id: str) -> int:
    """The bucket of a tenant: stable for its id, whatever the other tenants are."""
    digest = hashlib.sha256(tenant_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % TENANT_STACKS


def tenant_stack_problems(tenant_ids: Sequence[str]) -> list[str]:
    """A problem per bucket holding more tenants than a nested stack can."""
    counts: dict[int, list[str]] = {}
    for tenant_id in tenant_ids:
        counts.setdefault(tenant_stack_index(tenant_id), []).append(tenant_id)
    return [
        f"tenants: {len(ids)} tenants ({', '.join(ids[:3])}, ...) fall into tenant stack {index}, "
        f"which holds at most {MAX_TENANTS_PER_STACK} (CloudFormation allows 500 resources per "
        "stack, 5 per tenant); split the tenants over several APIs"
        for index, ids in sorted(counts.items())
        if len(ids) > MAX_TENANTS_PER_STACK
    ]


class TenantAccess(Construct):
    """The tenants' API keys, key secrets and usage plans (see the module documentation)."""

    def __init__(
        self,
        scope: Construct,
        *,
        tenants: Sequence[Tenant],
        api: apigateway.RestApi,
        secrets_key: kms.Key,
        name_prefix: str,
    ) -> None:
        super().__init__(scope, "Tenants")
        self._api = api
        self._key = secrets_key
        self._name_prefix = name_prefix
        self._stacks: dict[int, cdk.NestedStack] = {}
        self.secrets: dict[str, secretsmanager.ISecret] = {}
        self.api_keys: dict[str, apigateway.IApiKey] = {}
        self.usage_plans: dict[str, apigateway.IUsagePlan] = {}
        for tenant in tenants:
            self._add(tenant)
        self._allow_decryption(tenants)

    def _stack_for(self, tenant_id: str) -> cdk.NestedStack:
        index = tenant_stack_index(tenant_id)
        if index not in self._stacks:
            self._stacks[index] = cdk.NestedStack(
                self,
                f"Stack{index}",
                description=(
                    f"API keys, key secrets and usage plans of the gateway's tenants ({index})"
                ),
            )
        return self._stacks[index]

    def _add(self, tenant: Tenant) -> None:
        scope = self._stack_for(tenant.id)
        suffix = _pascal(tenant.id)
        name = api_key_secret_name(self._name_prefix, tenant.id)
        principals = list(dict.fromkeys(tenant.principals))
        accounts = _accounts(principals)
        secret = secretsmanager.Secret(
            scope,
            f"ApiKeySecret{suffix}",
            secret_name=name,
            description=f"API key of tenant {tenant.id} for the inference API {self.node.path}",
            encryption_key=self._key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template="{}",
                generate_string_key=_API_KEY_FIELD,
                exclude_punctuation=True,
                include_space=False,
                password_length=_API_KEY_LENGTH,
            ),
        )
        secret.add_to_resource_policy(
            iam.PolicyStatement(
                sid="TenantPrincipalsReadTheApiKey",
                principals=[iam.AccountPrincipal(a) for a in accounts],
                actions=["secretsmanager:GetSecretValue"],
                resources=["*"],
                conditions={"ArnEquals": {"aws:PrincipalArn": principals}},
            )
        )
        reason = (
            "The value is also the usage plan's API Gateway API key, which a rotation function "
            "cannot update in place; keys are rotated by replacing this secret and its ApiKey "
            "together in a deployment"
        )
        for finding in (
            "AwsSolutions-SMG4",
            "NIST.800.53.R5-SecretsManagerRotationEnabled",
            "HIPAA.Security-SecretsManagerRotationEnabled",
        ):
            acknowledge(secret.node.default_child or secret, finding, reason)
        key = apigateway.ApiKey(
            scope,
            f"ApiKey{suffix}",
            api_key_name=f"{self._name_prefix}-{tenant.id}",
            description=f"Inference API key of tenant {tenant.id}",
            enabled=True,
            # A CloudFormation dynamic reference: the template never holds the value.
            value=secret.secret_value_from_json(_API_KEY_FIELD).unsafe_unwrap(),
        )
        usage_plan = apigateway.UsagePlan(
            scope,
            f"UsagePlan{suffix}",
            name=f"{self._name_prefix}-{tenant.id}",
            description=f"Requests of tenant {tenant.id}",
            throttle=apigateway.ThrottleSettings(
                rate_limit=tenant.rate_limit_rps, burst_limit=tenant.burst_limit
            ),
            quota=apigateway.QuotaSettings(
                limit=tenant.monthly_request_quota, period=apigateway.Period.MONTH
            ),
            api_stages=[
                apigateway.UsagePlanPerApiStage(api=self._api, stage=self._api.deployment_stage)
            ],
        )
        usage_plan.add_api_key(key)
        self.secrets[tenant.id] = secret
        self.api_keys[tenant.id] = key
        self.usage_plans[tenant.id] = usage_plan

    def _allow_decryption(self, tenants: Sequence[Tenant]) -> None:
        stack = cdk.Stack.of(self)
        accounts = _accounts([p for t in tenants for p in t.principals])
        secrets = stack.format_arn(
            service="secretsmanager",
            resource="secret",
            resource_name=f"{api_key_secret_name(self._name_prefix, '*')}-??????",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        self._key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="TenantsDecryptTheirApiKeysThroughSecretsManager",
                principals=[iam.AccountPrincipal(a) for a in accounts],
                actions=["kms:Decrypt"],
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "kms:ViaService": f"secretsmanager.{stack.region}.amazonaws.com"
                    },
                    "StringLike": {"kms:EncryptionContext:SecretARN": secrets},
                },
            )
        )

    @property
    def nested_stacks(self) -> Mapping[int, cdk.NestedStack]:
        """The nested stacks created, by bucket."""
        return dict(self._stacks)


def _accounts(principal_arns: Sequence[str]) -> list[str]:
    found = set()
    for arn in principal_arns:
        match = _PRINCIPAL_ARN.fullmatch(arn)
        if match is not None:
            found.add(match["account"])
    return sorted(found)
