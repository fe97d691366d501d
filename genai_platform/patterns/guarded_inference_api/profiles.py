"""Cost per tenant: an application inference profile per tenant and Bedrock alias, and the
aliases' token prices for the gateway's ``CostUSD`` metric and the tenants' budgets.

**Profiles.** Each tenant gets one ``AWS::Bedrock::ApplicationInferenceProfile`` per Bedrock
alias it may use, copied from what the alias resolves to: the foundation model's regional ARN
(``arn:<partition>:bedrock:<region>::foundation-model/<id>``) or the system-defined cross-region
inference profile's ARN (``arn:<partition>:bedrock:<region>:<account>:inference-profile/<id>``)
(AWS CloudFormation template reference, ``AWS::Bedrock::ApplicationInferenceProfile``
``InferenceProfileModelSource.CopyFrom``: "The ARN of the model or system-defined inference
profile"). Each is tagged :data:`TENANT_TAG_KEY` = tenant id and :data:`GATEWAY_TAG_KEY` =
``name_prefix`` (plus every tag the app puts on its stacks, the platform's cost-allocation tags
among them), so once those keys are activated as cost-allocation tags in the Billing console the
AWS bill and Cost Explorer split Bedrock spend by tenant (Amazon Bedrock user guide, "Create an
application inference profile": tags "to track usage and costs"). The gateway invokes through
them (see ``lambda/invoke/gw_cost.py``).

Names are deterministic and within Bedrock's limits (``inferenceProfileName``: 1-64 characters,
pattern ``([0-9a-zA-Z][ _-]?)+``, Amazon Bedrock API reference, ``InferenceProfileSummary``):
``<prefix>-<tenant>-<alias>-<6 hex digits of a hash of tenant and alias>``, runs of separators
collapsed, truncated before the hash when longer (the hash keeps two tenant/alias pairs that
read alike apart).

They live in their own **nested stacks**, one of :data:`PROFILE_STACKS` buckets chosen by a
hash of the tenant id (adding a tenant never moves another one: moving would replace its
profiles, and CopyFrom changes require replacement too). The parent reads each profile's ARN as
a nested-stack output, so a bucket holds at most :data:`MAX_PROFILES_PER_STACK` profiles
(CloudFormation allows 200 outputs per template, "CloudFormation quotas").

**Quota.** Amazon Bedrock limits application inference profiles per account and region
(Service Quotas, Amazon Bedrock, "Application inference profiles per account", adjustable).
The AWS General Reference page could not be read when this was written and public sources
disagree on the default (1,000 and 2,000 are both quoted), so
:data:`APPLICATION_INFERENCE_PROFILE_QUOTA` takes the lower, 1,000;
``GuardedInferenceApi(max_application_inference_profiles=...)`` takes the quota your account
has. Other profiles of the account count against it too.

**Prices** come from the package's price table (:mod:`genai_platform.cost.prices`, the one the
cost estimator reads) for the stack's region: a cross-region profile at its model's price in
the source region. An alias the table does not price (or a stack without a concrete region)
gets a warning (:data:`UNPRICED_WARNING_ID`) and no ``CostUSD``; a tenant with a
``monthly_budget_usd`` that may use such an alias is an error (its budget could not be
enforced). Self-hosted (SageMaker) aliases have no per-request price: they are billed per
instance-hour, which the estimator prices, so they get no ``CostUSD`` and reserve nothing
against a budget.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_bedrock as bedrock
from constructs import Construct

from genai_platform.constructs.model_catalog import (
    ApprovedModel,
    foundation_model_arn,
    inference_profile_arn,
)
from genai_platform.cost.prices import PriceLookupError, model_token_price

__all__ = [
    "APPLICATION_INFERENCE_PROFILE_QUOTA",
    "GATEWAY_TAG_KEY",
    "MAX_PROFILES_PER_STACK",
    "PROFILE_STACKS",
    "TENANT_TAG_KEY",
    "UNPRICED_WARNING_ID",
    "TenantProfiles",
    "alias_prices",
    "copy_from_arn",
    "profile_name",
    "profile_problems",
    "profile_stack_index",
]

#: Default of the per-account quota on application inference profiles (see the module notes).
APPLICATION_INFERENCE_PROFILE_QUOTA = 1000
#: Tag naming the tenant a profile bills to.
TENANT_TAG_KEY = "genai-platform:tenant"
#: Tag naming the gateway (its ``name_prefix``) a profile belongs to; the invoke role's grant
#: admits exactly the application inference profiles carrying it.
GATEWAY_TAG_KEY = "genai-platform:gateway"
#: Buckets (nested stacks) the profiles are spread over, by tenant.
PROFILE_STACKS = 8
#: One output per profile; CloudFormation allows 200 outputs per template.
MAX_PROFILES_PER_STACK = 200
#: Bedrock's limit on ``inferenceProfileName``.
MAX_PROFILE_NAME_CHARS = 64
#: Warning id of an alias without a price.
UNPRICED_WARNING_ID = "genai-platform:inference-api-unpriced-alias"
_SEPARATORS = re.compile(r"[^0-9a-zA-Z]+")
#: Longest ARN a profile can have, for measuring the routing config before deployment.
LONGEST_PROFILE_ARN = (
    "arn:aws-us-gov:bedrock:ap-southeast-5:000000000000:application-inference-profile/" + "x" * 64
)


def profile_name(name_prefix: str, tenant_id: str, alias: str) -> str:
    """``<prefix>-<tenant>-<alias>-<hash>``, valid for Bedrock (see the module notes)."""
    digest = hashlib.sha256(f"{tenant_id}\0{alias}".encode()).hexdigest()[:6]
    readable = _SEPARATORS.sub("-", f"{name_prefix}-{tenant_id}-{alias}").strip("-")
    room = MAX_PROFILE_NAME_CHARS - len(digest) - 1
    return f"{readable[:room].rstrip('-')}-{digest}"


def profile_stack_index(tenant_id: str) -> int:
    """The profiles bucket of a tenant: stable for its id, whatever the other tenants are."""
    digest = hashlib.sha256(f"profiles\0{tenant_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % PROFILE_STACKS


def copy_from_arn(stack: cdk.Stack, model: ApprovedModel) -> str:
    """What a profile of ``model`` copies: its foundation model in the stack's region, or the
    system-defined cross-region inference profile in the stack's account and region."""
    if model.geography is None:
        return foundation_model_arn(model.model_id, partition=stack.partition, region=stack.region)
    return inference_profile_arn(
        model.model_id, partition=stack.partition, region=stack.region, account=stack.account
    )


def profile_problems(
    profiled: Mapping[str, Sequence[str]], *, limit: int, prop: str = "tenants"
) -> list[str]:
    """The account quota and the per-bucket output limit, for tenant -> profiled aliases."""
    problems = []
    count = sum(len(aliases) for aliases in profiled.values())
    if count > limit:
        problems.append(
            f"{prop}: {len(profiled)} tenants need {count} application inference profiles (one "
            f"per tenant and Bedrock alias), over the {limit} allowed per account and region "
            "(Bedrock quota 'Application inference profiles per account'); request a quota "
            "increase and pass max_application_inference_profiles, or give tenants fewer aliases"
        )
    buckets: dict[int, int] = {}
    for tenant_id, aliases in profiled.items():
        index = profile_stack_index(tenant_id)
        buckets[index] = buckets.get(index, 0) + len(aliases)
    problems += [
        f"{prop}: {n} application inference profiles fall into profile stack {index}, which "
        f"holds at most {MAX_PROFILES_PER_STACK} (one CloudFormation output each, 200 per "
        "template); split the tenants over several APIs"
        for index, n in sorted(buckets.items())
        if n > MAX_PROFILES_PER_STACK
    ]
    return problems


def alias_prices(
    region: str, models: Mapping[str, str]
) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """Price per Bedrock alias (``alias -> model id``) from the price table for ``region``,
    and why each unpriced alias has none."""
    prices: dict[str, dict[str, float]] = {}
    unpriced: dict[str, str] = {}
    for alias, model_id in models.items():
        if cdk.Token.is_unresolved(region):
            unpriced[alias] = "the stack's region is only known at deployment"
            continue
        try:
            price = model_token_price(region, model_id)
        except PriceLookupError as error:
            unpriced[alias] = str(error).split(";")[0]
            continue
        prices[alias] = {
            "input_usd_per_million": price.input_usd_per_million,
            "output_usd_per_million": price.output_usd_per_million,
        }
    return prices, unpriced


class TenantProfiles(Construct):
    """The tenants' application inference profiles, in nested stacks (see the module notes).

    Not exported from ``genai_platform``: :class:`GuardedInferenceApi` builds it.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        profiled: Mapping[str, Sequence[str]],
        models: Mapping[str, ApprovedModel],
        name_prefix: str,
    ) -> None:
        super().__init__(scope, id)
        self._stacks: dict[int, cdk.NestedStack] = {}
        self.profiles: dict[str, dict[str, bedrock.CfnApplicationInferenceProfile]] = {}
        for tenant_id, aliases in profiled.items():
            stack = self._stack_for(tenant_id)
            # One scope per tenant: ids unique per tenant and per alias, never across them.
            tenant_scope = Construct(stack, f"Tenant-{tenant_id}")
            built = {}
            for alias in aliases:
                model = models[alias]
                profile = bedrock.CfnApplicationInferenceProfile(
                    tenant_scope,
                    f"Profile-{alias}",
                    inference_profile_name=profile_name(name_prefix, tenant_id, alias),
                    description=_description(
                        f"Tenant {tenant_id} alias {alias} model {model.model_id} gateway "
                        f"{name_prefix}"
                    ),
                    model_source=bedrock.CfnApplicationInferenceProfile.InferenceProfileModelSourceProperty(
                        copy_from=copy_from_arn(stack, model)
                    ),
                )
                cdk.Tags.of(profile).add(TENANT_TAG_KEY, tenant_id)
                cdk.Tags.of(profile).add(GATEWAY_TAG_KEY, name_prefix)
                built[alias] = profile
            self.profiles[tenant_id] = built

    def _stack_for(self, tenant_id: str) -> cdk.NestedStack:
        index = profile_stack_index(tenant_id)
        if index not in self._stacks:
            self._stacks[index] = cdk.NestedStack(
                self,
                f"Stack{index}",
                description=f"Application inference profiles of the gateway's tenants ({index})",
            )
        return self._stacks[index]

    def arns(self) -> dict[str, dict[str, str]]:
        """tenant -> alias -> profile ARN (tokens read from the nested stacks)."""
        return {
            tenant: {alias: p.attr_inference_profile_arn for alias, p in profiles.items()}
            for tenant, profiles in self.profiles.items()
        }

    @property
    def nested_stacks(self) -> Mapping[int, cdk.NestedStack]:
        """The nested stacks created, by bucket."""
        return dict(self._stacks)


def _description(text: str) -> str:
    """``Description`` allows only ``([0-9a-zA-Z:.][ _-]?)+`` (CloudFormation template
    reference), up to 200 characters: anything else becomes one space."""
    return re.sub(r"[^0-9a-zA-Z:.]+", " ", text).strip()[:200].rstrip()
