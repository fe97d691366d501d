"""Bedrock model invocation logging: encrypted S3 and CloudWatch Logs destinations.

:class:`InvocationLogging` switches on Amazon Bedrock **model invocation logging** for the
account and region of the stack it is placed in, and builds the destinations it writes to:

* an **S3 bucket** that receives every invocation record in full (gzipped JSON batches under
  ``<key_prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/``): encrypted with a
  customer-managed KMS key, versioned, TLS-only, public access blocked, ACLs disabled, its
  objects expiring after ``retention`` (optionally under S3 Object Lock in governance mode),
  its server access logs in a separate access-log bucket;
* a **CloudWatch Logs log group**, encrypted with the same key, with a retention, and a
  **data-protection policy** that masks personal data and credentials (e-mail addresses,
  names, addresses, phone numbers, IP addresses, card and bank numbers, government ids,
  AWS secret keys, private keys...) in everything read back from it;
* the **delivery role** Bedrock assumes to write the log group, trusted only on behalf of
  this account and region (``aws:SourceAccount`` / ``aws:SourceArn``); Bedrock writes the
  bucket as its service principal, through the bucket policy and the key policy, under the
  same two conditions.

There is no CloudFormation resource for the logging configuration: a custom resource backed by
the construct's own function (``genai_platform/lambda/invocation_logging``, standard library and
boto3) calls ``PutModelInvocationLoggingConfiguration`` on create and update and
``DeleteModelInvocationLoggingConfiguration`` on delete. Bedrock checks at once that the
delivery role can write the log group, and on a first deployment that role is seconds old and
not yet visible to Bedrock (IAM is eventually consistent): Bedrock answers
``ValidationException``. The function therefore retries ``ValidationException`` (and
throttling) with exponential backoff and jitter for up to ``configuration_retry_timeout``
(5 minutes by default) before it fails the deployment with Bedrock's message.

The function runs with a role of its own, named ``configuration_role_name`` when given, so an
organization's service control policy can exempt exactly that role from its ban on logging
changes (see :class:`~genai_platform.stacks.governance.GovernanceStack`).

The configuration is **account- and region-wide**: deploying overwrites whatever
configuration the region had, and deleting the stack switches invocation logging off (the
bucket, the log group and the key are kept). Put exactly one ``InvocationLogging`` in one
stack per account and region.

Masking applies to CloudWatch Logs only: the S3 records are the unmasked originals, readable
only by principals with S3 read and ``kms:Decrypt`` on the key (see
:meth:`InvocationLogging.grant_read_unmasked`).

Example::

    logging = InvocationLogging(stack, "InvocationLogging", retention=cdk.Duration.days(180))
    logging.grant_read(analysts_role)  # masked records in CloudWatch Logs

The package holds one module per concern: :mod:`.props` (defaults, limits, Bedrock's names),
:mod:`.construct` (:class:`InvocationLogging`: what it builds, attributes, grants),
:mod:`.support` (helpers and nag acknowledgements) and :mod:`.validation`.
"""

from __future__ import annotations

from genai_platform.constructs.invocation_logging.construct import InvocationLogging
from genai_platform.constructs.invocation_logging.props import (
    _HANDLER_DIR as _HANDLER_DIR,  # the function's folder (tests read it)
)
from genai_platform.constructs.invocation_logging.props import (
    BEDROCK_LOG_STREAM,
    DEFAULT_CONFIGURATION_RETRY_TIMEOUT,
    DEFAULT_KEY_PREFIX,
    DEFAULT_LOG_RETENTION_DAYS,
    DEFAULT_MASKED_DATA_IDENTIFIERS,
    DEFAULT_RETENTION_DAYS,
    IMPORTED_KEY_WARNING_ID,
)

# Public-looking names of the former module, kept importable from here.
from genai_platform.constructs.invocation_logging.props import (
    BEDROCK_SERVICE as BEDROCK_SERVICE,
)
from genai_platform.constructs.invocation_logging.props import (
    MAX_CONFIGURATION_RETRY_TIMEOUT as MAX_CONFIGURATION_RETRY_TIMEOUT,
)
from genai_platform.constructs.invocation_logging.props import (
    MAX_KEY_PREFIX_LENGTH as MAX_KEY_PREFIX_LENGTH,
)
from genai_platform.constructs.invocation_logging.props import (
    MAX_RETENTION_DAYS as MAX_RETENTION_DAYS,
)

__all__ = [
    "BEDROCK_LOG_STREAM",
    "DEFAULT_CONFIGURATION_RETRY_TIMEOUT",
    "DEFAULT_KEY_PREFIX",
    "DEFAULT_LOG_RETENTION_DAYS",
    "DEFAULT_MASKED_DATA_IDENTIFIERS",
    "DEFAULT_RETENTION_DAYS",
    "IMPORTED_KEY_WARNING_ID",
    "InvocationLogging",
]
