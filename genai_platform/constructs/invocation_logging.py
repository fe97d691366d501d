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
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from genai_platform.compliance import acknowledge
from genai_platform.constructs.buckets import (
    access_log_bucket,
    acknowledge_no_replication,
    log_accesses,
)
from genai_platform.constructs.keys import logs_may_use_key
from genai_platform.constructs.retention import retention_from_days

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
_HANDLER_DIR = Path(__file__).resolve().parent.parent / "lambda" / "invocation_logging"
_ASSET_EXCLUDES = ["__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache"]
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
_ACCESS_LOG_PREFIX = "invocation-log-bucket/"
_KEY_PREFIX = re.compile(r"[A-Za-z0-9!_.*'()-]+(?:/[A-Za-z0-9!_.*'()-]+)*")


class InvocationLogging(Construct):
    """Bedrock model invocation logging to KMS-encrypted S3 and CloudWatch Logs, PII masked.

    Text and embedding data are always delivered; image, video and audio data only when
    switched on. Records up to 100 KB go to both destinations; larger bodies and binary data
    reach S3 only, unless ``large_data_key_prefix`` also points CloudWatch Logs at them.

    Cost: S3 storage and requests for the records, CloudWatch Logs ingestion and storage, and
    CloudWatch Logs data protection, billed per GB scanned at ingestion.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        retention: cdk.Duration | float = DEFAULT_RETENTION_DAYS,
        log_retention: cdk.Duration | float = DEFAULT_LOG_RETENTION_DAYS,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        large_data_key_prefix: str | None = None,
        image_data_delivery: bool = False,
        video_data_delivery: bool = False,
        audio_data_delivery: bool = False,
        object_lock: bool = False,
        masked_data_identifiers: Sequence[logs.DataIdentifier] | None = None,
        encryption_key: kms.IKey | None = None,
        configuration_role_name: str | None = None,
        configuration_retry_timeout: cdk.Duration | None = None,
    ) -> None:
        """Build the destinations, the delivery role and the logging configuration.

        Args:
            retention: How long S3 keeps invocation records (and the server access logs of
                the bucket): a whole number of days, or a ``Duration`` of whole days, from 1 to
                36,500. With ``object_lock`` the same period is the default retention.
                Default: 90 days, then the objects expire.
            log_retention: How long the log group keeps records: a number of days CloudWatch
                Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653), or a ``Duration`` of that
                many days. Default: 30 days.
            key_prefix: S3 key prefix of the records, without leading or trailing ``/``
                (letters, digits and ``!_.*'()-``, segments joined by single ``/``). Default:
                ``"bedrock-invocations"``.
            large_data_key_prefix: S3 key prefix, in the same bucket, where Bedrock puts bodies
                over 100 KB and binary data for the CloudWatch Logs destination, which then
                logs a pointer to them; same format as ``key_prefix``. Default: no large-data
                delivery for CloudWatch Logs; its records leave such bodies out, while the
                S3 records still hold them in full.
            image_data_delivery: Whether image inputs and outputs are logged. Default: off.
            video_data_delivery: Whether video inputs and outputs are logged. Default: off.
            audio_data_delivery: Whether audio inputs and outputs are logged (the Lambda
                runtime's built-in AWS SDK must know the field, or it is dropped from the
                call). Default: off.
            object_lock: Whether the bucket uses S3 Object Lock in governance mode with
                ``retention`` as default retention, so records cannot be deleted or
                overwritten early without ``s3:BypassGovernanceRetention``. Switching it on
                later replaces the bucket (the old one is kept). Default: off.
            masked_data_identifiers: CloudWatch Logs managed data identifiers the
                data-protection policy masks (non-empty, each once). Default:
                ``DEFAULT_MASKED_DATA_IDENTIFIERS`` (names, e-mail and postal addresses,
                US phone numbers, IP addresses, coordinates, US government ids, card and bank
                numbers, AWS secret keys and private keys). Findings are not sent to an audit
                destination; CloudWatch counts them in its ``LogEventsWithFindings`` metric.
            encryption_key: KMS key for the bucket, the log group and the configuration
                function's log group. Statements admitting CloudWatch Logs (for this
                account's log groups) and Bedrock (for this account and region) are added to
                its key policy; an imported key's policy cannot be changed, and a warning then
                says what to add. Default: a new customer-managed key with yearly rotation,
                kept when the stack is deleted.
            configuration_role_name: Name of the IAM role the configuration function runs
                with (1-64 letters, digits and ``+=,.@_-``, unique in the account), so a service
                control policy can name it exactly. Default: a name CloudFormation generates
                (which it may truncate, so only a pattern could match it).
            configuration_retry_timeout: How long the configuration function keeps retrying
                while Bedrock answers ``ValidationException`` (the new delivery role not yet
                visible to it) or throttles, from 1 second to 13 minutes. Default: 5 minutes.

        Raises:
            ValueError: listing every invalid prop, its value and what is allowed.
        """
        path = "/".join(p for p in (scope.node.path, id) if p)
        _validate(
            path=path,
            stack=cdk.Stack.of(scope),
            retention=retention,
            log_retention=log_retention,
            key_prefix=key_prefix,
            large_data_key_prefix=large_data_key_prefix,
            flags={
                "image_data_delivery": image_data_delivery,
                "video_data_delivery": video_data_delivery,
                "audio_data_delivery": audio_data_delivery,
                "object_lock": object_lock,
            },
            masked_data_identifiers=masked_data_identifiers,
            configuration_role_name=configuration_role_name,
            configuration_retry_timeout=configuration_retry_timeout,
        )
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        retention_days = _days(retention)
        prefixes = (
            [key_prefix] if large_data_key_prefix is None else [key_prefix, large_data_key_prefix]
        )
        self._key_prefix = key_prefix
        self._large_data_key_prefix = large_data_key_prefix
        self._prefixes = tuple(dict.fromkeys(prefixes))

        # ---- one key for both destinations
        self._encryption_key = encryption_key or kms.Key(
            self,
            "EncryptionKey",
            description=f"Encrypts the Bedrock model invocation logs of {self.node.path}",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self._allow_services_to_use_key(stack)

        # ---- destinations
        self._access_log_bucket = self._build_access_log_bucket(retention_days)
        self._bucket = self._build_bucket(stack, retention_days, object_lock)
        self._log_group = self._build_log_group(log_retention, masked_data_identifiers)
        self._delivery_role, delivery_policy = self._build_delivery_role(stack)

        # ---- the account-wide configuration
        flags = {
            "image": image_data_delivery,
            "video": video_data_delivery,
            "audio": audio_data_delivery,
        }
        self._logging_config = self._logging_config_parameters(flags)
        self._configuration = self._build_configuration(
            stack,
            configuration_role_name,
            configuration_retry_timeout or DEFAULT_CONFIGURATION_RETRY_TIMEOUT,
        )
        self._configuration.node.add_dependency(delivery_policy)
        if self._bucket.policy is not None:
            self._configuration.node.add_dependency(self._bucket.policy)
        if isinstance(self._encryption_key, kms.Key):
            self._configuration.node.add_dependency(self._encryption_key)

    # --------------------------------------------------------------------- attributes

    @property
    def bucket(self) -> s3.IBucket:
        """The bucket that receives every invocation record in full (unmasked)."""
        return self._bucket

    @property
    def access_log_bucket(self) -> s3.IBucket:
        """The bucket that receives the server access logs of :attr:`bucket`."""
        return self._access_log_bucket

    @property
    def log_group(self) -> logs.ILogGroup:
        """The log group that receives invocation records, personal data masked."""
        return self._log_group

    @property
    def encryption_key(self) -> kms.IKey:
        """The KMS key that encrypts both destinations."""
        return self._encryption_key

    @property
    def delivery_role(self) -> iam.IRole:
        """The role Bedrock assumes to write :attr:`log_group`."""
        return self._delivery_role

    @property
    def key_prefix(self) -> str:
        """S3 key prefix of the invocation records."""
        return self._key_prefix

    @property
    def large_data_key_prefix(self) -> str | None:
        """S3 key prefix of large bodies logged to CloudWatch Logs; None when not delivered."""
        return self._large_data_key_prefix

    @property
    def logging_config(self) -> dict[str, Any]:
        """The ``loggingConfig`` sent to ``PutModelInvocationLoggingConfiguration`` (a copy)."""
        return copy.deepcopy(self._logging_config)

    @property
    def configuration(self) -> cdk.CustomResource:
        """The custom resource that puts (and on delete removes) the logging configuration."""
        return self._configuration

    @property
    def configuration_function(self) -> lambda_.IFunction:
        """The function behind :attr:`configuration` (retries while IAM propagates)."""
        return self._configuration_function

    @property
    def configuration_role(self) -> iam.IRole:
        """The role :attr:`configuration_function` runs with: the only principal of this
        construct that changes the account's logging configuration."""
        return self._configuration_role

    # --------------------------------------------------------------------- grants

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read the log group's records, with personal data still masked.

        Actions on :attr:`log_group`: ``logs:DescribeLogStreams``, ``logs:GetLogEvents``,
        ``logs:FilterLogEvents``, ``logs:GetLogGroupFields`` and ``logs:StartQuery``
        (CloudWatch Logs decrypts for the reader: no KMS permission is needed).
        """
        return self._log_group.grant(
            grantee,
            "logs:DescribeLogStreams",
            "logs:GetLogEvents",
            "logs:FilterLogEvents",
            "logs:GetLogGroupFields",
            "logs:StartQuery",
        )

    def grant_read_unmasked(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read the records unmasked: the S3 records and the raw log events.

        On :attr:`bucket`: ``s3:GetObject*``, ``s3:GetBucket*`` and ``s3:List*``, objects
        limited to the record prefixes; on :attr:`encryption_key`: ``kms:Decrypt`` and
        ``kms:DescribeKey``; on :attr:`log_group`: the actions of :meth:`grant_read` plus
        ``logs:Unmask``. Give it to as few principals as possible.
        """
        grant = self.grant_read(grantee).combine(self._log_group.grant(grantee, "logs:Unmask"))
        for prefix in self._prefixes:
            grant = grant.combine(self._bucket.grant_read(grantee, f"{prefix}/*"))
        return grant

    # --------------------------------------------------------------------- building

    def _allow_services_to_use_key(self, stack: cdk.Stack) -> None:
        """Key policy: CloudWatch Logs for this account's log groups, Bedrock for this region."""
        logs_service = f"logs.{stack.region}.amazonaws.com"
        statements = [
            (
                logs_may_use_key(stack, sid="AllowCloudWatchLogsForThisAccountsLogGroups"),
                f"{logs_service} kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, "
                "kms:GenerateDataKey* and kms:Describe* for this account's log groups "
                "(kms:EncryptionContext:aws:logs:arn)",
            ),
            (
                iam.PolicyStatement(
                    sid="AllowBedrockToWriteInvocationLogsToS3",
                    principals=[iam.ServicePrincipal(BEDROCK_SERVICE)],
                    actions=["kms:GenerateDataKey"],
                    resources=["*"],
                    conditions=_bedrock_source_conditions(stack),
                ),
                f"{BEDROCK_SERVICE} kms:GenerateDataKey on behalf of this account and region "
                "(aws:SourceAccount, aws:SourceArn)",
            ),
        ]
        for statement, allowance in statements:
            added = self._encryption_key.add_to_resource_policy(statement, allow_no_op=True)
            if not added.statement_added:
                cdk.Annotations.of(self).add_warning_v2(
                    f"{IMPORTED_KEY_WARNING_ID}:{statement.sid}",
                    "encryption_key is imported, so its key policy was not changed: allow "
                    f"{allowance}, or the invocation logs cannot be written",
                )

    def _build_access_log_bucket(self, retention_days: float) -> s3.Bucket:
        """Server access logs of the record bucket, kept as long as the records."""
        return access_log_bucket(
            self,
            "AccessLogBucket",
            source="the invocation log bucket",
            lifecycle_rules=_expiry_rules(retention_days),
        )

    def _build_bucket(
        self, stack: cdk.Stack, retention_days: float, object_lock: bool
    ) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self._encryption_key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=_expiry_rules(retention_days),
            object_lock_enabled=True if object_lock else None,
            object_lock_default_retention=(
                s3.ObjectLockRetention.governance(cdk.Duration.days(retention_days))
                if object_lock
                else None
            ),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowBedrockToWriteInvocationLogs",
                principals=[iam.ServicePrincipal(BEDROCK_SERVICE)],
                actions=["s3:PutObject"],
                resources=[
                    bucket.arn_for_objects(
                        f"{prefix}/" + _BEDROCK_OBJECT_PATH.format(account=stack.account)
                    )
                    for prefix in self._prefixes
                ],
                conditions=_bedrock_source_conditions(stack),
            )
        )
        log_accesses(bucket, to=self._access_log_bucket, prefix=_ACCESS_LOG_PREFIX)
        acknowledge_no_replication(bucket, "unmasked model invocation records (prompts, responses)")
        return bucket

    def _build_log_group(
        self,
        log_retention: cdk.Duration | float,
        identifiers: Sequence[logs.DataIdentifier] | None,
    ) -> logs.LogGroup:
        days = _days(log_retention)
        token = cdk.Token.is_unresolved(days)
        log_group = logs.LogGroup(
            self,
            "LogGroup",
            encryption_key=self._encryption_key,
            retention=(
                logs.RetentionDays.ONE_MONTH
                if token
                else retention_from_days(int(days), prop="log_retention")
            ),
            data_protection_policy=logs.DataProtectionPolicy(
                name="bedrock-invocation-logs-masking",
                description=(
                    "Masks personal data and credentials in Bedrock model invocation logs"
                ),
                identifiers=list(
                    identifiers if identifiers is not None else DEFAULT_MASKED_DATA_IDENTIFIERS
                ),
            ),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        if token:
            resource = log_group.node.default_child
            assert isinstance(resource, logs.CfnLogGroup)
            resource.retention_in_days = days
        return log_group

    def _build_delivery_role(self, stack: cdk.Stack) -> tuple[iam.IRole, iam.ManagedPolicy]:
        """The role Bedrock assumes for CloudWatch Logs, allowed its one log stream only.

        Its permissions sit in a customer-managed policy (the NIST and HIPAA packs refuse
        inline policies).
        """
        role = iam.Role(
            self,
            "DeliveryRole",
            description="Lets Amazon Bedrock write model invocation logs to CloudWatch Logs",
            assumed_by=iam.ServicePrincipal(
                BEDROCK_SERVICE, conditions=_bedrock_source_conditions(stack)
            ),
        )
        policy = iam.ManagedPolicy(
            self,
            "DeliveryPolicy",
            description="Write access to the Bedrock invocation log stream of one log group",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[
                        stack.format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name=(
                                f"{self._log_group.log_group_name}:log-stream:{BEDROCK_LOG_STREAM}"
                            ),
                            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                        )
                    ],
                )
            ],
        )
        return role, policy

    def _logging_config_parameters(self, flags: dict[str, bool]) -> dict[str, Any]:
        cloud_watch: dict[str, Any] = {
            "logGroupName": self._log_group.log_group_name,
            "roleArn": self._delivery_role.role_arn,
        }
        if self._large_data_key_prefix is not None:
            cloud_watch["largeDataDeliveryS3Config"] = {
                "bucketName": self._bucket.bucket_name,
                "keyPrefix": self._large_data_key_prefix,
            }
        return {
            "cloudWatchConfig": cloud_watch,
            "s3Config": {"bucketName": self._bucket.bucket_name, "keyPrefix": self._key_prefix},
            "textDataDeliveryEnabled": True,
            "embeddingDataDeliveryEnabled": True,
            "imageDataDeliveryEnabled": flags["image"],
            "videoDataDeliveryEnabled": flags["video"],
            "audioDataDeliveryEnabled": flags["audio"],
        }

    def _build_configuration(
        self, stack: cdk.Stack, role_name: str | None, retry_timeout: cdk.Duration
    ) -> cdk.CustomResource:
        """The configuration function (own role, own encrypted log group) and its resource."""
        role = iam.Role(
            self,
            "ConfigurationRole",
            role_name=role_name,
            description="Runs the function that configures Bedrock model invocation logging",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        )
        function_log_group = logs.LogGroup(
            self,
            "ConfigurationLogGroup",
            encryption_key=self._encryption_key,
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        policy = iam.ManagedPolicy(
            self,
            "ConfigurationPolicy",
            description=(
                "Puts and deletes this region's Bedrock model invocation logging configuration"
            ),
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    sid="ConfigureModelInvocationLogging",
                    actions=[
                        "bedrock:PutModelInvocationLoggingConfiguration",
                        "bedrock:DeleteModelInvocationLoggingConfiguration",
                    ],
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="PassTheDeliveryRoleToBedrock",
                    actions=["iam:PassRole"],
                    resources=[self._delivery_role.role_arn],
                    conditions={"StringEquals": {"iam:PassedToService": BEDROCK_SERVICE}},
                ),
                iam.PolicyStatement(
                    sid="WriteTheFunctionsOwnLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[function_log_group.log_group_arn],
                ),
            ],
        )
        acknowledge(
            policy.node.default_child or policy,
            "AwsSolutions-IAM5[Resource::*]",
            "bedrock:PutModelInvocationLoggingConfiguration and "
            "DeleteModelInvocationLoggingConfiguration act on the account's regional logging "
            "setting and support no resource-level permissions, so Resource must be '*'.",
        )
        function = lambda_.Function(
            self,
            "ConfigurationFunction",
            description=(
                "Puts the Bedrock model invocation logging configuration, retrying while IAM "
                "propagates the delivery role"
            ),
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler="logging_config_app.lambda_handler",
            code=lambda_.Code.from_asset(str(_HANDLER_DIR), exclude=_ASSET_EXCLUDES),
            role=role,
            log_group=function_log_group,
            timeout=_FUNCTION_TIMEOUT,
            memory_size=128,
        )
        function.node.add_dependency(policy)
        _acknowledge_configuration_function(function)
        self._configuration_function = function
        self._configuration_role = role

        configuration = cdk.CustomResource(
            self,
            "Configuration",
            service_token=function.function_arn,
            resource_type="Custom::BedrockModelInvocationLogging",
            properties={
                # A JSON string, so the booleans reach the function as booleans.
                "LoggingConfig": stack.to_json_string(self._logging_config),
                "PhysicalResourceId": (
                    f"bedrock-model-invocation-logging-{stack.account}-{stack.region}"
                ),
                "RetryTimeoutSeconds": int(retry_timeout.to_seconds()),
            },
            service_timeout=_FUNCTION_TIMEOUT,
        )
        configuration.node.add_dependency(policy)
        return configuration


# ---------------------------------------------------------------------------- helpers


def _bedrock_source_conditions(stack: cdk.Stack) -> dict[str, Any]:
    """Bedrock acts only on behalf of this account, from this region."""
    return {
        "StringEquals": {"aws:SourceAccount": stack.account},
        "ArnLike": {
            "aws:SourceArn": f"arn:{stack.partition}:bedrock:{stack.region}:{stack.account}:*"
        },
    }


def _expiry_rules(retention_days: float) -> list[s3.LifecycleRule]:
    """Expire objects after the retention; then remove old versions and delete markers."""
    return [
        s3.LifecycleRule(
            id="ExpireAfterRetention",
            expiration=cdk.Duration.days(retention_days),
            noncurrent_version_expiration=cdk.Duration.days(1),
            abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
        ),
        s3.LifecycleRule(id="RemoveExpiredDeleteMarkers", expired_object_delete_marker=True),
    ]


def _acknowledge_configuration_function(function: lambda_.Function) -> None:
    """Acknowledge what the configuration function cannot change."""
    resource = function.node.default_child or function
    runs = (
        "This Lambda function only runs when CloudFormation creates, updates or deletes the "
        "Bedrock invocation logging configuration, one synchronous configuration call per "
        "deployment"
    )
    reasons = {
        "NIST.800.53.R5-LambdaConcurrency": (
            f"{runs}; reserved concurrency would take capacity from the account's unreserved "
            "pool (new accounts cannot spare it) to cap a function that never runs in parallel."
        ),
        "HIPAA.Security-LambdaConcurrency": (
            f"{runs}; reserved concurrency would take capacity from the account's unreserved "
            "pool (new accounts cannot spare it) to cap a function that never runs in parallel."
        ),
        "NIST.800.53.R5-LambdaDLQ": (
            f"{runs}; a failed call already fails the CloudFormation deployment with the "
            "error, so a dead-letter queue would hold nothing to act on."
        ),
        "HIPAA.Security-LambdaDLQ": (
            f"{runs}; a failed call already fails the CloudFormation deployment with the "
            "error, so a dead-letter queue would hold nothing to act on."
        ),
        "NIST.800.53.R5-LambdaInsideVPC": (
            f"{runs}; it handles no data, and must reach the Bedrock control plane and the "
            "CloudFormation response URL, a pre-signed S3 URL that VPC endpoint policies "
            "limited to this account refuse."
        ),
        "HIPAA.Security-LambdaInsideVPC": (
            f"{runs}; it handles no data, and must reach the Bedrock control plane and the "
            "CloudFormation response URL, a pre-signed S3 URL that VPC endpoint policies "
            "limited to this account refuse."
        ),
    }
    for finding_id, reason in reasons.items():
        acknowledge(resource, finding_id, reason)


def _days(value: cdk.Duration | float) -> float:
    """Whole days of a validated ``Duration`` or number (a token number stays a token)."""
    if isinstance(value, cdk.Duration):
        return value.to_days(integral=False)
    return value


# ------------------------------------------------------------------------- validation


def _is_token(value: object) -> bool:
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return isinstance(value, (str, int, float)) and cdk.Token.is_unresolved(value)


def _as_days(prop: str, value: object) -> tuple[float | None, list[str]]:
    """The number of days of a Duration or a number; None for a token; or the problem."""
    shown = value.to_human_string() if isinstance(value, cdk.Duration) else repr(value)
    if isinstance(value, cdk.Duration):
        days: object = value.to_days(integral=False)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        days = value
    else:
        return None, [
            f"{prop}: {shown} is not allowed; give a whole number of days or a "
            "cdk.Duration of whole days"
        ]
    if _is_token(days):
        return None, []
    assert isinstance(days, (int, float))
    if not math.isfinite(days) or days != int(days):
        return None, [f"{prop}: {shown} is not a whole number of days"]
    return days, []


def _check_retention(value: object) -> list[str]:
    days, problems = _as_days("retention", value)
    if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
        shown = value.to_human_string() if isinstance(value, cdk.Duration) else repr(value)
        problems.append(
            f"retention: {shown} is not allowed; give 1 to {MAX_RETENTION_DAYS:,} days "
            "(S3 lifecycle expiry and Object Lock retention need a positive period)"
        )
    return problems


def _check_log_retention(value: object) -> list[str]:
    days, problems = _as_days("log_retention", value)
    if days is not None:
        try:
            retention_from_days(int(days), prop="log_retention")
        except ValueError as error:
            problems.append(str(error))
    return problems


def _check_prefix(prop: str, value: object, *, optional: bool) -> list[str]:
    if (optional and value is None) or _is_token(value):
        return []
    if (
        isinstance(value, str)
        and len(value) <= MAX_KEY_PREFIX_LENGTH
        and _KEY_PREFIX.fullmatch(value)
        and not value.startswith("AWSLogs")
    ):
        return []
    return [
        f"{prop}: {value!r} is not an S3 key prefix this construct accepts; give 1 to "
        f"{MAX_KEY_PREFIX_LENGTH} characters of letters, digits and !_.*'()- in segments "
        "joined by single '/', with no leading or trailing '/' and not starting with 'AWSLogs', "
        f"e.g. {DEFAULT_KEY_PREFIX!r}" + ("" if not optional else ", or None")
    ]


def _check_identifiers(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, logs.DataIdentifier)) or not isinstance(value, Sequence):
        return [
            f"masked_data_identifiers: {value!r} is not allowed; give a list of "
            "logs.DataIdentifier such as [logs.DataIdentifier.EMAILADDRESS]"
        ]
    problems = []
    if not value:
        problems.append(
            "masked_data_identifiers: [] masks nothing; give at least one logs.DataIdentifier, "
            "or None for DEFAULT_MASKED_DATA_IDENTIFIERS"
        )
    wrong = [i for i in value if not isinstance(i, logs.DataIdentifier)]
    if wrong:
        problems.append(
            f"masked_data_identifiers: {wrong!r} are not logs.DataIdentifier; use its members "
            "(e.g. logs.DataIdentifier.EMAILADDRESS) or logs.DataIdentifier('<managed name>')"
        )
    names = [i.name for i in value if isinstance(i, logs.DataIdentifier)]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        problems.append(
            f"masked_data_identifiers: {repeated!r} listed more than once; list each once"
        )
    return problems


def _check_flags(flags: dict[str, object]) -> list[str]:
    return [
        f"{prop}: {value!r} is not allowed; give True or False"
        for prop, value in flags.items()
        if not isinstance(value, bool)
    ]


def _check_one_per_stack(stack: cdk.Stack) -> list[str]:
    others = [c.node.path for c in stack.node.find_all() if isinstance(c, InvocationLogging)]
    if not others:
        return []
    return [
        f"scope: stack {stack.node.path!r} already has InvocationLogging {others[0]!r}; model "
        "invocation logging is one configuration per account and region, so create it once"
    ]


def _check_role_name(value: object) -> list[str]:
    if value is None or _is_token(value):
        return []
    if isinstance(value, str) and _ROLE_NAME.fullmatch(value):
        return []
    return [
        f"configuration_role_name: {value!r} is not an IAM role name (1-64 letters, digits "
        "and +=,.@_-)"
    ]


def _check_retry_timeout(value: object) -> list[str]:
    if value is None:
        return []
    seconds = value.to_seconds(integral=False) if isinstance(value, cdk.Duration) else None
    if seconds is not None and _is_token(seconds):
        return []
    top = MAX_CONFIGURATION_RETRY_TIMEOUT.to_seconds()
    if seconds is not None and 1 <= seconds <= top:
        return []
    shown = value.to_human_string() if isinstance(value, cdk.Duration) else repr(value)
    return [
        f"configuration_retry_timeout: {shown} is not allowed; give a Duration from 1 second "
        f"to {int(top // 60)} minutes (the function runs for at most 15 minutes)"
    ]


def _validate(
    *,
    path: str,
    stack: cdk.Stack,
    retention: object,
    log_retention: object,
    key_prefix: object,
    large_data_key_prefix: object,
    flags: dict[str, object],
    masked_data_identifiers: object,
    configuration_role_name: object,
    configuration_retry_timeout: object,
) -> None:
    """Check every prop; raise one ValueError listing all problems."""
    problems = [
        *_check_one_per_stack(stack),
        *_check_role_name(configuration_role_name),
        *_check_retry_timeout(configuration_retry_timeout),
        *_check_retention(retention),
        *_check_log_retention(log_retention),
        *_check_prefix("key_prefix", key_prefix, optional=False),
        *_check_prefix("large_data_key_prefix", large_data_key_prefix, optional=True),
        *_check_flags(flags),
        *_check_identifiers(masked_data_identifiers),
    ]
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ValueError(
            f"InvocationLogging {path!r}: invalid props ({len(problems)} problems):\n{lines}"
        )
