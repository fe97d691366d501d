"""A guarded inference API another stack, app or account owns, referenced by its attributes
(what :meth:`GuardedInferenceApi.from_api_attributes` returns)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from genai_platform.constructs.grants import managed_policy_grantee
from genai_platform.constructs.interfaces import IGuardedInferenceApi
from genai_platform.patterns.guarded_inference_api.props import api_key_secret_name as _secret_name
from genai_platform.patterns.guarded_inference_api.props import gateway_route_arns


class _ImportedApi(Construct):
    """A guarded inference API referenced by its attributes
    (:meth:`GuardedInferenceApi.from_api_attributes`)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        api_id: str,
        account: str,
        region: str,
        stage_name: str,
        name_prefix: str,
    ) -> None:
        super().__init__(scope, id)
        self._api_id = api_id
        self._account = account
        self._region = region
        self._stage_name = stage_name
        self._name_prefix = name_prefix

    @property
    def api_id(self) -> str:
        """The id given."""
        return self._api_id

    @property
    def account(self) -> str:
        """The account given."""
        return self._account

    @property
    def region(self) -> str:
        """The Region given (or the importing stack's)."""
        return self._region

    @property
    def stage_name(self) -> str:
        """The stage given."""
        return self._stage_name

    @property
    def name_prefix(self) -> str:
        """The name prefix given."""
        return self._name_prefix

    @property
    def execute_api_arns(self) -> list[str]:
        """``execute-api`` ARNs of the routes of the API's stage."""
        return gateway_route_arns(
            partition=cdk.Stack.of(self).partition,
            region=self._region,
            account=self._account,
            stage_name=self._stage_name,
            api_id=self._api_id,
        )

    def api_key_secret_name(self, tenant_id: str) -> str:
        """Name of a tenant's API key secret: ``<prefix>/gateway/<tenant>/api-key``."""
        return _secret_name(self._name_prefix, tenant_id)

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """``execute-api:Invoke`` on :attr:`execute_api_arns` (for a role, user or group, in a
        customer-managed policy)."""
        grantee = managed_policy_grantee(self, grantee, description="Invoke the inference API")
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["execute-api:Invoke"], resource_arns=self.execute_api_arns
        )


if TYPE_CHECKING:  # implements the interface (checked by mypy)
    _IMPORTED: type[IGuardedInferenceApi] = _ImportedApi
