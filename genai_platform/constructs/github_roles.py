"""GitHub Actions deployment roles: OIDC federation instead of stored AWS keys.

``GitHubDeploymentRoles`` builds, in its stack's account, an IAM OIDC provider for GitHub
(``https://token.actions.githubusercontent.com``, audience ``sts.amazonaws.com``; or uses one
given, since an account holds one provider per URL) and a role that a GitHub Actions workflow
assumes with ``aws-actions/configure-aws-credentials``. Deploy it once per target account.

The role's trust admits one workflow context only: ``aud`` must be ``sts.amazonaws.com`` and
``sub`` must equal, exactly (``StringEquals``, no wildcards):

* without ``environment``: ``repo:<owner>/<repo>:ref:refs/heads/<branch>`` (GitHub's default
  subject for a job on a branch);
* with ``environment``: ``repo:<owner>/<repo>:environment:<env>:ref:refs/heads/<branch>``,
  the subject GitHub issues once the repository's OIDC subject template is customized to
  include the claims ``repo``, ``context`` and ``ref`` (GitHub's default subject for a job in
  an environment, ``repo:<owner>/<repo>:environment:<env>``, does not name the branch). Set
  ``subject_names_branch=False`` to trust that default subject instead and restrict branches
  with the environment's deployment branch rule.

Sources: GitHub Docs, "Configuring OpenID Connect in Amazon Web Services" and "OpenID Connect
reference" (subject claim formats); AWS IAM User Guide, "Create a role for OpenID Connect
federation" (``token.actions.githubusercontent.com:aud`` / ``:sub`` condition keys). The
customized-subject claim order was not verified against a live token.

The role may only ``sts:AssumeRole`` the account's CDK bootstrap roles the CDK CLI uses
(deploy, file and image publishing, lookup: ``cdk-<qualifier>-<kind>-role-<account>-<region>``),
named one by one; everything else is done by those roles.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from genai_platform.delivery.config import branch_problem, repository_problem

__all__ = ["GITHUB_OIDC_URL", "GitHubDeploymentRoles"]

#: GitHub Actions' OIDC issuer.
GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
_ISSUER = "token.actions.githubusercontent.com"
#: The audience ``aws-actions/configure-aws-credentials`` requests.
STS_AUDIENCE = "sts.amazonaws.com"
#: The CDK bootstrap roles the CDK CLI assumes (bootstrap template, version 6 and later).
BOOTSTRAP_ROLE_KINDS = ("deploy", "file-publishing", "image-publishing", "lookup")
_QUALIFIER_PATTERN = r"[a-z0-9]{1,10}"


class GitHubDeploymentRoles(Construct):
    """The GitHub OIDC provider and one deployment role of this account.

    Attributes: ``provider`` (the OIDC provider, created or given), ``role`` (the deployment
    role), ``subject`` (the exact ``sub`` the role trusts), ``bootstrap_role_arns``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        repository: str,
        branch: str = "main",
        environment: str | None = None,
        subject_names_branch: bool = True,
        provider: iam.IOidcProvider | None = None,
        role_name: str | None = None,
        regions: Sequence[str] | None = None,
        qualifier: str = "hnb659fds",
        max_session_duration: cdk.Duration | None = None,
    ) -> None:
        """Create the provider (unless given) and the role.

        Args:
            repository: ``owner/name`` of the GitHub repository.
            branch: The one branch whose workflows may deploy (default ``main``); patterns
                (``*``, ``?``, ``[``) are refused.
            environment: GitHub environment of the deploying job (default: none, the
                subject names the branch only).
            subject_names_branch: With ``environment``, trust the customized subject that names
                the environment and the branch (default true); false trusts GitHub's default
                environment subject, which does not name the branch.
            provider: An existing GitHub OIDC provider of this account (default: one is
                created; an account can hold only one per URL).
            role_name: Name of the role (default ``github-deploy-<repo name>``, cut to 64).
            regions: Regions whose bootstrap roles the role may assume (default the stack's).
            qualifier: The CDK bootstrap qualifier (default ``hnb659fds``).
            max_session_duration: Longest session (default one hour).
        """
        problems = [
            f"{prop}: {problem}"
            for prop, problem in (
                ("repository", repository_problem(repository)),
                ("branch", branch_problem(branch)),
            )
            if problem
        ]
        if environment is not None and (
            not environment
            or len(environment) > 255
            or any(c in environment for c in "*?[]:'\"\\")
            or environment.strip() != environment
        ):
            problems.append(
                f"environment: {environment!r} is not one GitHub environment name (1-255 "
                "characters, no wildcards, ':' or quotes)"
            )
        if not re.fullmatch(_QUALIFIER_PATTERN, qualifier):
            problems.append(
                f"qualifier: {qualifier!r} is not a CDK bootstrap qualifier (1-10 lowercase "
                "letters and digits)"
            )
        for region in regions or ():
            if not cdk.Token.is_unresolved(region) and not re.fullmatch(
                r"[a-z]{2}(-[a-z]+)+-\d", region
            ):
                problems.append(f"regions: {region!r} is not an AWS region name")
        if role_name is not None and not re.fullmatch(r"[\w+=,.@-]{1,64}", role_name):
            problems.append(f"role_name: {role_name!r} is not an IAM role name (1-64 characters)")
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        self.subject = (
            f"repo:{repository}:ref:refs/heads/{branch}"
            if environment is None
            else f"repo:{repository}:environment:{environment}"
            + (f":ref:refs/heads/{branch}" if subject_names_branch else "")
        )
        self.provider: iam.IOidcProvider = provider or iam.OidcProviderNative(
            self, "Provider", url=GITHUB_OIDC_URL, client_ids=[STS_AUDIENCE]
        )
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name or f"github-deploy-{repository.split('/')[1]}"[:64],
            assumed_by=iam.WebIdentityPrincipal(
                self.provider.oidc_provider_arn,
                conditions={
                    "StringEquals": {
                        f"{_ISSUER}:aud": STS_AUDIENCE,
                        f"{_ISSUER}:sub": self.subject,
                    }
                },
            ),
            max_session_duration=max_session_duration or cdk.Duration.hours(1),
            description=f"GitHub Actions deployments of {repository} ({self.subject})",
        )
        self.bootstrap_role_arns = [
            f"arn:{stack.partition}:iam::{stack.account}:role/"
            f"cdk-{qualifier}-{kind}-role-{stack.account}-{region}"
            for region in (regions or [stack.region])
            for kind in BOOTSTRAP_ROLE_KINDS
        ]
        iam.ManagedPolicy(
            self,
            "AssumeBootstrapRoles",
            description="Assume this account's CDK bootstrap roles, nothing else",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="AssumeCdkBootstrapRoles",
                    actions=["sts:AssumeRole"],
                    resources=self.bootstrap_role_arns,
                )
            ],
        )
