"""GitHubDeploymentRoles: exact aud/sub trust, only the bootstrap roles, bad names refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match

from genai_platform.constructs.github_roles import GitHubDeploymentRoles
from tests.conftest import NagSynth

ACCOUNT = "222222222222"


def _build(**props: Any) -> Callable[[cdk.Stack], object]:
    def build(stack: cdk.Stack) -> object:
        return GitHubDeploymentRoles(stack, "GitHub", repository="acme/genai-platform", **props)

    return build


@pytest.fixture
def staging(nag_synth: Callable[..., NagSynth]) -> NagSynth:
    return nag_synth(_build(environment="staging"))


def test_trust_requires_the_sts_audience_and_the_exact_subject(staging: NagSynth) -> None:
    # GIVEN roles for acme/genai-platform, branch main, environment staging
    # THEN the role trusts the GitHub provider only for aud and the exact sub (StringEquals)
    staging.template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Effect": "Allow",
                        "Principal": {"Federated": {"Ref": Match.string_like_regexp("Provider")}},
                        "Condition": {
                            "StringEquals": {
                                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                                "token.actions.githubusercontent.com:sub": (
                                    "repo:acme/genai-platform:environment:staging"
                                    ":ref:refs/heads/main"
                                ),
                            }
                        },
                    }
                ]
            },
            "MaxSessionDuration": 3600,
        },
    )
    # AND the provider is GitHub's, for the STS audience
    staging.template.has_resource_properties(
        "AWS::IAM::OIDCProvider",
        {
            "Url": "https://token.actions.githubusercontent.com",
            "ClientIdList": ["sts.amazonaws.com"],
        },
    )


def test_without_environment_the_subject_names_the_branch(
    nag_synth: Callable[..., NagSynth],
) -> None:
    # GIVEN roles without a GitHub environment, branch release
    result = nag_synth(_build(branch="release"))
    # THEN sub is GitHub's branch subject
    result.template.has_resource_properties(
        "AWS::IAM::Role",
        Match.object_like(
            {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        Match.object_like(
                            {
                                "Condition": {
                                    "StringEquals": Match.object_like(
                                        {
                                            "token.actions.githubusercontent.com:sub": (
                                                "repo:acme/genai-platform:ref:refs/heads/release"
                                            )
                                        }
                                    )
                                }
                            }
                        )
                    ]
                }
            }
        ),
    )


def test_permissions_are_only_assume_role_on_the_bootstrap_roles(staging: NagSynth) -> None:
    # GIVEN the roles WHEN their policies are read
    template = staging.template_json
    policies = [
        r["Properties"]["PolicyDocument"]["Statement"]
        for r in template["Resources"].values()  # type: ignore[attr-defined]
        if r["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy")
    ]
    # THEN one statement allows sts:AssumeRole on the four CDK bootstrap roles, nothing else
    assert len(policies) == 1
    [statement] = policies[0]
    assert statement["Action"] == "sts:AssumeRole"
    resources = [r["Fn::Join"][1][2] for r in statement["Resource"]]
    assert resources == [
        f":iam::{ACCOUNT}:role/cdk-hnb659fds-{kind}-role-{ACCOUNT}-us-east-1"
        for kind in ("deploy", "file-publishing", "image-publishing", "lookup")
    ]
    # AND the role carries no inline policy and no managed policy of AWS
    staging.template.has_resource_properties(
        "AWS::IAM::Role", {"ManagedPolicyArns": Match.absent(), "Policies": Match.absent()}
    )


def test_has_no_unacknowledged_nag_findings(staging: NagSynth) -> None:
    # GIVEN the roles with their defaults THEN the three packs find nothing, nothing acknowledged
    assert staging.report.findings == []


def test_uses_an_existing_provider(nag_synth: Callable[..., NagSynth]) -> None:
    # GIVEN an account that already has GitHub's provider
    def build(stack: cdk.Stack) -> object:
        provider = iam.OidcProviderNative.from_oidc_provider_arn(
            stack,
            "Existing",
            f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
        )
        return GitHubDeploymentRoles(
            stack, "GitHub", repository="acme/genai-platform", provider=provider
        )

    # WHEN the roles are built THEN no second provider is created
    nag_synth(build).template.resource_count_is("AWS::IAM::OIDCProvider", 0)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"repository": "genai-platform"}, r"repository: 'genai-platform' is not a GitHub"),
        ({"repository": "acme/*"}, r"repository: 'acme/\*' is not a GitHub"),
        ({"repository": "-acme/x"}, r"repository: '-acme/x' is not a GitHub"),
        ({"branch": "*"}, r"branch: '\*' is a pattern; name exactly one branch"),
        ({"branch": "release/*"}, r"branch: 'release/\*' is a pattern"),
        ({"environment": "prod*"}, r"environment: 'prod\*' is not one GitHub environment"),
        ({"qualifier": "Bad-Q"}, r"qualifier: 'Bad-Q' is not a CDK bootstrap qualifier"),
    ],
)
def test_fails_on_a_bad_name(props: dict[str, Any], message: str) -> None:
    # GIVEN a bad repository, a wildcard branch or environment, or a bad qualifier
    stack = cdk.Stack(cdk.App(), "S", env=cdk.Environment(account=ACCOUNT, region="us-east-1"))
    merged = {"repository": "acme/genai-platform", **props}
    # WHEN the roles are built THEN the prop, the value and what is allowed are named
    with pytest.raises(ValueError, match=message):
        GitHubDeploymentRoles(stack, "GitHub", **merged)
    # AND nothing was added to the stack
    assert stack.node.try_find_child("GitHub") is None


def test_collects_every_problem_in_one_error() -> None:
    # GIVEN two bad props WHEN the roles are built THEN one error names both
    stack = cdk.Stack(cdk.App(), "S", env=cdk.Environment(account=ACCOUNT, region="us-east-1"))
    with pytest.raises(ValueError) as error:
        GitHubDeploymentRoles(stack, "GitHub", repository="nope", branch="feature/*")
    assert "repository: 'nope'" in str(error.value)
    assert "branch: 'feature/*'" in str(error.value)


def test_template_of_the_roles_is_valid_for_cloudformation(staging: NagSynth) -> None:
    # GIVEN the synthesized template WHEN cfn-lint checks it THEN there is no error
    from genai_platform.checks import lint_template

    issues = lint_template(staging.assembly_dir / "Test.template.json", region="us-east-1")
    assert [i for i in issues if i.rule_id.startswith("E")] == []
