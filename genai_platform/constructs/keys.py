"""Key-policy statements the platform's customer-managed KMS keys share."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

__all__ = ["LOGS_KEY_ACTIONS", "logs_may_use_key"]

#: What CloudWatch Logs needs on a key that encrypts a log group.
LOGS_KEY_ACTIONS: tuple[str, ...] = (
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
)


def logs_may_use_key(stack: cdk.Stack, *, sid: str, log_group: str = "*") -> iam.PolicyStatement:
    """Key-policy statement: CloudWatch Logs of ``stack``'s region may use the key for the log
    group(s) named ``log_group`` (a name or a pattern; default every log group) of the stack's
    account, checked through the ``aws:logs:arn`` encryption context.

    ``sid`` must be unique within the key's policy (keys are shared between constructs).
    """
    return iam.PolicyStatement(
        sid=sid,
        principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
        actions=list(LOGS_KEY_ACTIONS),
        resources=["*"],  # in a key policy "*" means this key
        conditions={
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": (
                    f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:"
                    f"log-group:{log_group}"
                )
            }
        },
    )
