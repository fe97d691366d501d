"""The base of every account stack: env from config, cost-allocation tags, budget."""

from __future__ import annotations

from typing import Literal

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from constructs import Construct

from genai_platform.config import BudgetConfig, PlatformConfig
from genai_platform.constructs.budget import AccountBudget

AccountRole = Literal["application", "genai", "data"]

SANDBOX_WARNING_ID = "genai-platform:sandbox"


class AccountStack(cdk.Stack):
    """A stack deployed to the account that plays ``role`` in ``config``.

    Gets the account's ``env`` (account and region from config), a description, the
    config's cost-allocation tags on every resource, and the account's monthly budget with
    cost-anomaly alerts. In a sandbox config (one account for several roles) it carries a
    warning annotation saying the blast-radius separation is off.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: PlatformConfig,
        role: AccountRole,
        description: str,
        anomaly_detection: bool = True,
    ) -> None:
        account = getattr(config.accounts, role)
        super().__init__(
            scope,
            id,
            env=cdk.Environment(account=account, region=config.region),
            stack_name=f"{config.name}-{role}",
            description=description,
        )
        self.config = config
        self.role: AccountRole = role
        self._zones = list(config.availability_zones)
        for key, value in config.tags.items():
            cdk.Tags.of(self).add(key, value)
        if config.shared_accounts:
            cdk.Annotations.of(self).add_warning_v2(
                SANDBOX_WARNING_ID,
                f"sandbox config: account {account} plays several roles "
                f"({', '.join(r for r, a in config.accounts.roles().items() if a == account)}); "
                "the blast-radius separation between application, AI and data tiers is off. "
                "Do not use for production.",
            )
        self.budget = _budget(self, getattr(config.budgets, role), config, anomaly_detection)

    def _customer_managed_key(self, id: str, *, purpose: str) -> kms.Key:
        """A rotating customer-managed key aliased ``alias/<name>/<role>``, kept on delete."""
        return kms.Key(
            self,
            id,
            alias=f"alias/{self.config.name}/{self.role}",
            description=f"{self.config.name}: {purpose}",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    @property
    def availability_zones(self) -> list[str]:
        """The config's zones: answers CDK's zone lookup from code, so synth stays offline."""
        return self._zones


def _budget(
    stack: AccountStack, budget: BudgetConfig, config: PlatformConfig, anomaly_detection: bool
) -> AccountBudget:
    tag = next(iter(budget.cost_allocation_tag.items())) if budget.cost_allocation_tag else None
    return AccountBudget(
        stack,
        "Budget",
        monthly_limit_usd=budget.monthly_limit_usd,
        alert_emails=budget.alert_emails,
        actual_thresholds_percent=budget.actual_thresholds_percent,
        forecast_threshold_percent=budget.forecast_threshold_percent,
        cost_allocation_tag=tag,
        anomaly_detection=anomaly_detection,
        anomaly_threshold_usd=budget.anomaly_threshold_usd,
        anomaly_monitor_arn=budget.anomaly_monitor_arn,
    )
