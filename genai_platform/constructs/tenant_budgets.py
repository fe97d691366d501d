"""One AWS Budget per tenant with a monthly budget, over the tenant's Bedrock spend.

:class:`TenantBudgets` builds, for each tenant given, an AWS Budgets COST budget with a monthly
limit in USD, filtered on the tenant's cost-allocation tag (``genai-platform:tenant = <id>``,
which the gateway's application inference profiles carry, see
:mod:`genai_platform.patterns.guarded_inference_api.profiles`), and an ACTUAL alert at
``threshold_percent`` to the given SNS topic (the account budget's topic, which admits
``budgets.amazonaws.com`` for this account's budgets). The :class:`CostGuard` function,
subscribed to that topic, maps the budget's name to the tenant and switches only that tenant
off (``tenant_budgets``).

The filter only sees costs once the tag key is **activated as a user-defined cost-allocation
tag** in the Billing console of the paying account (AWS Billing user guide, "Activating
user-defined cost allocation tags"), and Budgets evaluates costs a few times a day, so this is
the bill-side line: the gateway's own per-request ``monthly_budget_usd`` reservation (priced
from the package's table) acts first, this one catches what the bill says. The budget name is
``<prefix>-tenant-<id>`` (and the region when known), cut to the 100 characters AWS Budgets
allows with a hash suffix when longer. The first two budgets of an account are free; each
further one costs 0.02 USD a day (AWS Budgets pricing), which the cost estimator prices.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from types import MappingProxyType

import aws_cdk as cdk
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_sns as sns
from constructs import Construct

from genai_platform.constructs.budget import (
    MAX_BUDGET_NAME_LENGTH,
    MAX_THRESHOLD_PERCENT,
    MIN_THRESHOLD_PERCENT,
    _budget_data,
    _notification,
)

__all__ = ["DEFAULT_TENANT_TAG_KEY", "TenantBudgets", "tenant_budget_name"]

#: The tag the gateway puts on each tenant's application inference profiles.
DEFAULT_TENANT_TAG_KEY = "genai-platform:tenant"
_TENANT = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_PREFIX = re.compile(r"[a-z][a-z0-9-]{1,30}[a-z0-9]")


def tenant_budget_name(name_prefix: str, tenant_id: str, region: str | None = None) -> str:
    """``<prefix>[-<region>]-tenant-<id>``, at most 100 characters (hash suffix when cut)."""
    parts = [name_prefix, *([region] if region else []), "tenant", tenant_id]
    name = "-".join(parts)
    if len(name) <= MAX_BUDGET_NAME_LENGTH:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_BUDGET_NAME_LENGTH - 9]}-{digest}"


class TenantBudgets(Construct):
    """A monthly COST budget per tenant, filtered on its tag, alerting the given topic."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        monthly_budgets_usd: Mapping[str, float],
        topic: sns.ITopic,
        name_prefix: str,
        threshold_percent: float = 100,
        tag_key: str = DEFAULT_TENANT_TAG_KEY,
    ) -> None:
        """Build one budget per tenant.

        Args:
            monthly_budgets_usd: Tenant id -> monthly limit in USD (> 0, finite); at least one.
            topic: Where the budgets' ACTUAL alerts go: the account budget's topic, which the
                cost guard listens to (``AccountBudget.topic``).
            name_prefix: Prefix of the budget names (the gateway's ``name_prefix``); 3-32
                lowercase letters, digits and hyphens.
            threshold_percent: The ACTUAL alert's threshold in percent of the limit (0.1 to
                1000). Default: 100 percent.
            tag_key: The cost-allocation tag key naming the tenant. Default:
                ``genai-platform:tenant`` (the key the gateway's profiles carry).

        Raises:
            ValueError: listing every invalid prop, its value and what is allowed.
        """
        problems = []
        if not isinstance(monthly_budgets_usd, Mapping) or not monthly_budgets_usd:
            problems.append(
                f"monthly_budgets_usd: {monthly_budgets_usd!r} is not allowed; give "
                "{'<tenant id>': <USD per month>} with at least one tenant"
            )
            monthly_budgets_usd = {}
        for tenant, amount in monthly_budgets_usd.items():
            if not isinstance(tenant, str) or not _TENANT.fullmatch(tenant):
                problems.append(f"monthly_budgets_usd: tenant id {tenant!r} is not allowed")
            if (
                isinstance(amount, bool)
                or not isinstance(amount, int | float)
                or not math.isfinite(amount)
                or amount <= 0
            ):
                problems.append(
                    f"monthly_budgets_usd[{tenant!r}]: {amount!r} is not allowed; give US "
                    "dollars greater than 0"
                )
        if not isinstance(name_prefix, str) or not _PREFIX.fullmatch(name_prefix):
            problems.append(
                f"name_prefix: {name_prefix!r} is not allowed; use 3-32 lowercase letters, "
                "digits and hyphens"
            )
        if (
            isinstance(threshold_percent, bool)
            or not isinstance(threshold_percent, int | float)
            or not MIN_THRESHOLD_PERCENT <= threshold_percent <= MAX_THRESHOLD_PERCENT
        ):
            problems.append(
                f"threshold_percent: {threshold_percent!r} is not allowed; give a percentage "
                f"from {MIN_THRESHOLD_PERCENT} to {MAX_THRESHOLD_PERCENT:g}"
            )
        if not isinstance(tag_key, str) or not 1 <= len(tag_key) <= 128:
            problems.append(f"tag_key: {tag_key!r} is not allowed; give 1-128 characters")
        if problems:
            path = "/".join(p for p in (scope.node.path, id) if p)
            lines = "\n".join(f"  - {p}" for p in problems)
            raise ValueError(
                f"TenantBudgets {path!r}: invalid props ({len(problems)} problems):\n{lines}"
            )
        super().__init__(scope, id)
        region = cdk.Stack.of(self).region
        names: dict[str, str] = {}
        self._budgets: dict[str, budgets.CfnBudget] = {}
        for tenant, amount in monthly_budgets_usd.items():
            name = tenant_budget_name(
                name_prefix, tenant, None if cdk.Token.is_unresolved(region) else region
            )
            self._budgets[tenant] = budgets.CfnBudget(
                self,
                f"Budget-{tenant}",
                budget=_budget_data(name, float(amount), (tag_key, tenant)),
                notifications_with_subscribers=[
                    _notification("ACTUAL", threshold_percent, topic.topic_arn)
                ],
            )
            names[name] = tenant
        self._names = MappingProxyType(names)

    @property
    def budget_names(self) -> Mapping[str, str]:
        """Budget name -> tenant id: what :class:`CostGuard` takes as ``tenant_budgets``."""
        return self._names

    @property
    def budgets(self) -> Mapping[str, budgets.CfnBudget]:
        """Each tenant's budget, by tenant id."""
        return MappingProxyType(self._budgets)
