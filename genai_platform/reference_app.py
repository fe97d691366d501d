"""The reference deployment: one stack per account role, built from a platform config."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk

from genai_platform.compliance import add_nag_packs
from genai_platform.config import PlatformConfig
from genai_platform.stacks import ApplicationAccountStack, DataAccountStack, GenAiAccountStack

__all__ = ["PlatformStacks", "build_platform", "build_reference_app"]


@dataclass(frozen=True)
class PlatformStacks:
    """The stacks of one platform."""

    application: ApplicationAccountStack
    genai: GenAiAccountStack
    data: DataAccountStack


def build_platform(scope: cdk.App | cdk.Stage, config: PlatformConfig) -> PlatformStacks:
    """Add the application, generative-AI and data account stacks for ``config`` to ``scope``.

    In a sandbox config where accounts are shared, only the generative-AI stack creates a
    cost-anomaly monitor (AWS allows one service monitor per account).
    """
    shared = config.shared_accounts
    return PlatformStacks(
        application=ApplicationAccountStack(
            scope, "ApplicationAccount", config=config, anomaly_detection=not shared
        ),
        genai=GenAiAccountStack(scope, "GenAiAccount", config=config),
        data=DataAccountStack(scope, "DataAccount", config=config, anomaly_detection=not shared),
    )


def build_reference_app(
    config: PlatformConfig, *, outdir: str | None = None, nag: bool = True
) -> cdk.App:
    """A CDK app holding the platform's stacks, with the three nag packs attached by default.

    ``outdir`` defaults to what the CDK CLI passes (or ``cdk.out``).
    """
    app = cdk.App(outdir=outdir) if outdir else cdk.App()
    build_platform(app, config)
    if nag:
        add_nag_packs(app)
    return app
