"""The application account: where the workloads that call the AI tier run."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct

from genai_platform.config import PlatformConfig
from genai_platform.patterns.guarded_inference_api import GatewayCallerRole
from genai_platform.stacks.account_stack import AccountStack


class ApplicationAccountStack(AccountStack):
    """The application account's share of the platform: budget, cost alerts, caller roles.

    For each ``[[tenants]]`` entry a :class:`GatewayCallerRole` (``caller_roles[tenant id]``)
    that the team's workload assumes to call the guarded inference API: ``execute-api:Invoke``
    on the API's routes and its API key secret, nothing else of the AI tier. It trusts the
    tenant's ``trusted_principal_arn`` (default: this account, i.e. whoever its IAM policies
    allow to assume the role).
    """

    def __init__(
        self, scope: Construct, id: str, *, config: PlatformConfig, anomaly_detection: bool = True
    ) -> None:
        super().__init__(
            scope,
            id,
            config=config,
            role="application",
            description=(
                f"genai-platform {config.name}: application account "
                "(inference API caller roles, budget and cost alerts)"
            ),
            anomaly_detection=anomaly_detection,
        )
        self.caller_roles: dict[str, GatewayCallerRole] = {}
        if config.api.enabled:
            for tenant in config.tenants:
                self.caller_roles[tenant.id] = GatewayCallerRole(
                    self,
                    f"CallerRole-{tenant.id}",
                    tenant_id=tenant.id,
                    genai_account=config.accounts.genai,
                    assumed_by=(
                        iam.ArnPrincipal(tenant.trusted_principal_arn)
                        if tenant.trusted_principal_arn
                        else iam.AccountRootPrincipal()
                    ),
                    name_prefix=config.name,
                    region=config.region,
                    stage_name=config.api.stage_name,
                )
