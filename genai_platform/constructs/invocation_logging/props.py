"""Invocation logging's defaults, limits and the names Bedrock uses."""

from __future__ import annotations

import re
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_logs as logs

BEDROCK_SERVICE = "bedrock.amazonaws.com"
#: The one log stream Bedrock writes its invocation records to.
BEDROCK_LOG_STREAM = "aws/bedrock/modelinvocations"
#: Where Bedrock puts its objects under a key prefix.
_BEDROCK_OBJECT_PATH = "AWSLogs/{account}/BedrockModelInvocationLogs/*"

DEFAULT_KEY_PREFIX = "bedrock-invocations"
DEFAULT_RETENTION_DAYS = 90
DEFAULT_LOG_RETENTION_DAYS = 30
#: S3 Object Lock allows default retention periods up to 100 years.
MAX_RETENTION_DAYS = 36_500
#: Keeps the longest object key (prefix + AWSLogs/<account>/BedrockModelInvocationLogs/<date
#: path>/<file>) well inside S3's 1,024-byte limit.
MAX_KEY_PREFIX_LENGTH = 512

#: The data-protection policy masks these by default: personal data and credentials.
DEFAULT_MASKED_DATA_IDENTIFIERS: tuple[logs.DataIdentifier, ...] = (
    # contact and identity
    logs.DataIdentifier.NAME,
    logs.DataIdentifier.EMAILADDRESS,
    logs.DataIdentifier.ADDRESS,
    logs.DataIdentifier.PHONENUMBER_US,
    logs.DataIdentifier.IPADDRESS,
    logs.DataIdentifier.LATLONG,
    # government ids
    logs.DataIdentifier.SSN_US,
    logs.DataIdentifier.PASSPORTNUMBER_US,
    logs.DataIdentifier.DRIVERSLICENSE_US,
    logs.DataIdentifier.INDIVIDUALTAXIDENTIFICATIONNUMBER_US,
    # financial
    logs.DataIdentifier.CREDITCARDNUMBER,
    logs.DataIdentifier.CREDITCARDEXPIRATION,
    logs.DataIdentifier.CREDITCARDSECURITYCODE,
    logs.DataIdentifier.BANKACCOUNTNUMBER_US,
    # credentials
    logs.DataIdentifier.AWSSECRETKEY,
    logs.DataIdentifier.OPENSSHPRIVATEKEY,
    logs.DataIdentifier.PGPPRIVATEKEY,
    logs.DataIdentifier.PKCSPRIVATEKEY,
    logs.DataIdentifier.PUTTYPRIVATEKEY,
)

#: Warning id added when the given key is imported and its policy could not be changed.
IMPORTED_KEY_WARNING_ID = "genai-platform:invocation-logging-imported-key"

#: How long the configuration function retries Bedrock's ValidationException by default.
DEFAULT_CONFIGURATION_RETRY_TIMEOUT = cdk.Duration.minutes(5)
#: The function may retry for at most this long (it runs for at most 15 minutes).
MAX_CONFIGURATION_RETRY_TIMEOUT = cdk.Duration.minutes(13)
#: The function's own timeout: the longest retry, plus time to report to CloudFormation.
_FUNCTION_TIMEOUT = cdk.Duration.minutes(15)
#: The configuration function's source folder (the Lambda asset).
_HANDLER_DIR = Path(__file__).resolve().parents[2] / "lambda" / "invocation_logging"
_ASSET_EXCLUDES = ["__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache"]
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
_ACCESS_LOG_PREFIX = "invocation-log-bucket/"
_KEY_PREFIX = re.compile(r"[A-Za-z0-9!_.*'()-]+(?:/[A-Za-z0-9!_.*'()-]+)*")
