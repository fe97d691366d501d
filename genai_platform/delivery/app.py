"""The pipeline app: ``python -m genai_platform.delivery.app [DELIVERY_FILE]``.

Builds the :class:`~genai_platform.stacks.delivery.DeliveryPipeline` stack (and, with it, one
stage per environment) from a delivery file (default ``config/environments/delivery.toml``, or
the CDK context key ``delivery``), with the three nag packs attached. The pipeline's synth step
runs it through ``genai-platform check --app``; ``npx cdk deploy --app "python -m
genai_platform.delivery.app"`` deploys the pipeline the first time, after which it updates
itself.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

import aws_cdk as cdk

from genai_platform.compliance import add_nag_packs
from genai_platform.config import PlatformConfig
from genai_platform.delivery.config import DeliveryConfig, load_delivery_config

__all__ = ["DEFAULT_DELIVERY_FILE", "add_github_role_stacks", "build_delivery_app", "main"]

DEFAULT_DELIVERY_FILE = "config/environments/delivery.toml"


def build_delivery_app(
    delivery_file: str,
    *,
    repository_path: str | None = None,
    outdir: str | None = None,
    nag: bool = True,
) -> cdk.App:
    """A CDK app holding the delivery pipeline of ``delivery_file`` (nag packs attached) and,
    with ``[delivery.github]``, the GitHub deployment role stacks.

    ``repository_path`` is the delivery file's path inside the repository, used in the synth
    step's commands (default ``delivery_file`` as given).
    """
    from genai_platform.stacks.delivery import DeliveryPipeline

    delivery, platforms = load_delivery_config(delivery_file)
    app = cdk.App(outdir=outdir) if outdir else cdk.App()
    DeliveryPipeline(
        app,
        "DeliveryPipeline",
        delivery=delivery,
        platforms=platforms,
        delivery_file=repository_path or delivery_file,
    )
    if delivery.github is not None:
        add_github_role_stacks(app, delivery, platforms)
    if nag:
        add_nag_packs(app)
    return app


def add_github_role_stacks(
    app: cdk.App, delivery: DeliveryConfig, platforms: Mapping[str, PlatformConfig]
) -> list[cdk.Stack]:
    """``[delivery.github]``: per environment and account, a stack with that account's GitHub
    OIDC provider and a deployment role trusted for the repository, branch and the GitHub
    environment named like the delivery environment (``GitHub-<env>-<role>``)."""
    from genai_platform.constructs.github_roles import GitHubDeploymentRoles

    github = delivery.github
    assert github is not None
    stacks: list[cdk.Stack] = []
    for env in delivery.environments:
        platform = platforms[env.name]
        for role, account in (
            ("data", platform.accounts.data),
            ("genai", platform.accounts.genai),
            ("application", platform.accounts.application),
        ):
            stack = cdk.Stack(
                app,
                f"GitHub-{env.name}-{role}",
                env=cdk.Environment(account=account, region=platform.region),
                stack_name=f"{platform.name}-{role}-github-deploy",
                description=f"genai-platform {platform.name}: GitHub Actions deployment role "
                f"({github.repository}, {github.branch}, environment {env.name})",
            )
            GitHubDeploymentRoles(
                stack,
                "GitHubDeployment",
                repository=github.repository,
                branch=github.branch,
                environment=env.name,
                role_name=f"{platform.name}-{role}-github-deploy",
            )
            stacks.append(stack)
    return stacks


def main(argv: Sequence[str] | None = None) -> None:
    """Synthesize the pipeline app (the delivery file from ``argv``, context, or the default)."""
    args = list(sys.argv[1:] if argv is None else argv)
    probe = cdk.App()
    path = args[0] if args else str(probe.node.try_get_context("delivery") or DEFAULT_DELIVERY_FILE)
    build_delivery_app(path).synth()


if __name__ == "__main__":
    main()
