"""The generative-AI account: the AI tier behind its private network."""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from constructs import Construct

from genai_platform.config import PlatformConfig
from genai_platform.constructs.invocation_logging import InvocationLogging
from genai_platform.constructs.private_network import PrivateNetwork
from genai_platform.constructs.retention import retention_from_days
from genai_platform.stacks.account_stack import AccountStack


class GenAiAccountStack(AccountStack):
    """The generative-AI account: a platform KMS key, the private network, Bedrock governance.

    Attributes: ``key`` (the platform's customer-managed key, rotation on), ``network``
    (isolated subnets, VPC endpoints, flow logs) and ``invocation_logging`` (Bedrock model
    invocation logging to KMS-encrypted S3 and CloudWatch Logs with PII masking; None when
    ``[logging] enabled = false``).
    """

    def __init__(
        self, scope: Construct, id: str, *, config: PlatformConfig, anomaly_detection: bool = True
    ) -> None:
        super().__init__(
            scope,
            id,
            config=config,
            role="genai",
            description=(
                f"genai-platform {config.name}: generative-AI account "
                "(KMS key, private network with VPC endpoints, budget and cost alerts)"
            ),
            anomaly_detection=anomaly_detection,
        )
        self.key: kms.IKey = self._customer_managed_key(
            "PlatformKey", purpose="encrypts the generative-AI tier's data and logs"
        )
        self.network = PrivateNetwork(
            self,
            "Network",
            vpc_cidr=config.network.vpc_cidr,
            availability_zones=config.availability_zones,
            interface_endpoints=config.network.interface_endpoints,
            gateway_endpoints=config.network.gateway_endpoints,
            organization_id=config.accounts.organization_id,
            encryption_key=self.key,
            flow_log_retention=retention_from_days(
                config.network.flow_log_retention_days, prop="network.flow_log_retention_days"
            ),
        )
        logging = config.logging
        self.invocation_logging: InvocationLogging | None = (
            InvocationLogging(
                self,
                "InvocationLogging",
                retention=logging.retention_days,
                log_retention=logging.log_retention_days,
                key_prefix=logging.key_prefix,
                object_lock=logging.object_lock,
                image_data_delivery=logging.image_data_delivery,
                video_data_delivery=logging.video_data_delivery,
                audio_data_delivery=logging.audio_data_delivery,
            )
            if logging.enabled
            else None
        )
