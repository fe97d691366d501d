"""The VPC endpoint services the private network knows how to create.

Kept free of CDK imports so that config validation stays fast and can list what is allowed.
Each name is the service part of ``com.amazonaws.<region>.<name>``.
"""

from __future__ import annotations

#: The interface endpoints a generative-AI account needs to run Bedrock and SageMaker privately.
DEFAULT_INTERFACE_ENDPOINTS: tuple[str, ...] = (
    "bedrock",
    "bedrock-runtime",
    "bedrock-agent-runtime",
    "sagemaker.api",
    "sagemaker.runtime",
    "sts",
    "logs",
    "monitoring",
    "kms",
    "ecr.api",
    "ecr.dkr",
    "ssm",
)

#: The interface endpoints the reference generative-AI stack's own parts call from its private
#: network: the gateway functions' Bedrock runtime, SageMaker runtime (self-hosted models), KMS
#: (response ids) and SSM (the kill switch parameter); the API adds its AppConfig data endpoint
#: itself. The reference config's default, so the idle platform pays for 5 endpoints instead of
#: 13 (about 73 instead of 190 USD a month in two zones); ``[network] interface_endpoints``
#: asks for more.
REFERENCE_INTERFACE_ENDPOINTS: tuple[str, ...] = (
    "bedrock-runtime",
    "sagemaker.runtime",
    "kms",
    "ssm",
)

#: Interface endpoints the private network can create (each costs about 7.30 USD per zone
#: per month plus data processing): the defaults and a few more the platform's parts use.
INTERFACE_ENDPOINT_SERVICES: tuple[str, ...] = (
    *DEFAULT_INTERFACE_ENDPOINTS,
    "bedrock-agent",
    "secretsmanager",
    "execute-api",
    "lambda",
    "sqs",
    "sns",
    "events",
    "states",
    "xray",
    "appconfigdata",
    "s3",
)

#: Gateway endpoints (free of charge).
GATEWAY_ENDPOINT_SERVICES: tuple[str, ...] = ("s3", "dynamodb")

#: Approximate monthly price of one interface endpoint in one availability zone, in USD.
INTERFACE_ENDPOINT_USD_PER_ZONE_MONTH = 7.30
