"""The application account: where the workloads that call the AI tier run."""

from __future__ import annotations

from constructs import Construct

from genai_platform.config import PlatformConfig
from genai_platform.stacks.account_stack import AccountStack


class ApplicationAccountStack(AccountStack):
    """The application account's share of the platform: its monthly budget and cost alerts.

    The workloads themselves belong to the application teams; the platform adds what they
    need to call the AI tier as its features land.
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
                f"genai-platform {config.name}: application account (budget and cost alerts)"
            ),
            anomaly_detection=anomaly_detection,
        )
