"""Which IAM identity a grant goes to, and the stand-in principal that makes
``iam.Grant.add_to_principal`` write into the catalogue's customer-managed policy."""

from __future__ import annotations

from typing import Literal

from aws_cdk import aws_iam as iam


class _PolicyGrantee(iam.PrincipalBase):
    """Stands in for a principal so that ``iam.Grant.add_to_principal`` writes into one
    customer-managed policy (with a Sid) instead of the principal's inline default policy."""

    def __init__(self, principal: iam.IPrincipal, policy: iam.ManagedPolicy, sid: str) -> None:
        super().__init__()
        self._principal = principal
        self._policy = policy
        self._sid = sid

    @property
    def policy_fragment(self) -> iam.PrincipalPolicyFragment:
        return self._principal.policy_fragment

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        statement.sid = self._sid
        self._policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self._policy)

    def dedupe_string(self) -> str | None:
        return None


def _identity_kind(principal: iam.IPrincipal) -> Literal["role", "user", "group"] | None:
    """What kind of IAM identity (a construct) the principal is, if any."""
    if not hasattr(principal, "node"):
        return None
    if hasattr(principal, "role_name") and hasattr(principal, "role_arn"):
        return "role"
    if hasattr(principal, "user_name") and hasattr(principal, "user_arn"):
        return "user"
    if hasattr(principal, "group_name") and hasattr(principal, "group_arn"):
        return "group"
    return None


def _principal_key(principal: iam.IPrincipal) -> str | None:
    if _identity_kind(principal) is None:
        return None
    return str(principal.node.path)  # type: ignore[attr-defined]
