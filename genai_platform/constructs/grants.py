"""Grants into a customer-managed policy, never an inline policy on someone else's role.

CDK's ``iam.Grant.add_to_principal`` puts a grant on a role into the role's inline default
policy, which the NIST 800-53 rev 5 and HIPAA Security ``IAMNoInlinePolicy`` rules flag, so a
team's synth would fail because of a grant this library added. :func:`managed_policy_grantee`
returns a grantee that writes the same statements into a customer-managed policy the library
creates (one per grantee and owning construct) and attaches to the role, user or group.
Principals that are not IAM identities (service principals, account principals) keep CDK's
usual behaviour.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

__all__ = ["grantee_writing_to", "managed_policy_grantee", "managed_policy_of"]


class _ManagedPolicyGrantee(iam.PrincipalBase):
    """Stands in for an IAM identity so that grants land in one customer-managed policy."""

    def __init__(self, principal: iam.IPrincipal, policy: iam.ManagedPolicy) -> None:
        super().__init__()
        self._principal = principal
        self._policy = policy

    @property
    def policy_fragment(self) -> iam.PrincipalPolicyFragment:
        return self._principal.policy_fragment

    @property
    def principal_account(self) -> str | None:
        # A grant on a resource of the same account (a KMS key) stays identity-based.
        return self._principal.principal_account

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        self._policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self._policy)

    def dedupe_string(self) -> str | None:
        return None


def _attach(policy: iam.ManagedPolicy, principal: iam.IPrincipal) -> bool:
    """Attach ``policy`` to ``principal`` when it is a role, user or group construct."""
    if not hasattr(principal, "node"):
        return False
    if hasattr(principal, "role_name") and hasattr(principal, "role_arn"):
        policy.attach_to_role(principal)  # type: ignore[arg-type]
    elif hasattr(principal, "user_name") and hasattr(principal, "user_arn"):
        policy.attach_to_user(principal)  # type: ignore[arg-type]
    elif hasattr(principal, "group_name") and hasattr(principal, "group_arn"):
        policy.attach_to_group(principal)  # type: ignore[arg-type]
    else:
        return False
    return True


def _is_identity(principal: iam.IPrincipal) -> bool:
    return hasattr(principal, "node") and any(
        hasattr(principal, f"{kind}_name") and hasattr(principal, f"{kind}_arn")
        for kind in ("role", "user", "group")
    )


def managed_policy_grantee(
    owner: Construct, grantee: iam.IGrantable, *, description: str
) -> iam.IGrantable:
    """A grantee whose grants go into a customer-managed policy under ``owner``, attached to
    ``grantee``'s role, user or group (created on first use, reused after). ``grantee`` itself
    when its principal is no IAM identity construct."""
    principal = grantee.grant_principal
    if not _is_identity(principal):
        return grantee
    node = principal.node  # type: ignore[attr-defined]
    policy_id = f"GrantsTo{cdk.Names.node_unique_id(node)}"
    existing = owner.node.try_find_child(policy_id)
    if isinstance(existing, iam.ManagedPolicy):
        return _ManagedPolicyGrantee(principal, existing)
    policy = iam.ManagedPolicy(owner, policy_id, description=f"{description} for {node.path}")
    _attach(policy, principal)
    return _ManagedPolicyGrantee(principal, policy)


def grantee_writing_to(principal: iam.IPrincipal, policy: iam.ManagedPolicy) -> iam.IGrantable:
    """A grantee for ``principal`` whose grants go into ``policy`` (already attached to it)."""
    return _ManagedPolicyGrantee(principal, policy)


def managed_policy_of(grantee: iam.IGrantable) -> iam.ManagedPolicy | None:
    """The policy a grantee from :func:`managed_policy_grantee` writes into (None for others),
    for acknowledging a finding on exactly that policy."""
    principal = grantee.grant_principal
    return principal._policy if isinstance(principal, _ManagedPolicyGrantee) else None
