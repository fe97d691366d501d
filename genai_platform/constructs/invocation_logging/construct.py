"""The :class:`InvocationLogging` construct: its destinations, delivery role, account-wide
configuration, attributes and grants; :func:`_validate` gathers every prop check."""

from __future__ import annotations

import copy
from collections.abc import Sequence
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
from genai_platform.constructs.invocation_logging.props import (
    _ACCESS_LOG_PREFIX,
    _ASSET_EXCLUDES,
    _BEDROCK_OBJECT_PATH,
    _FUNCTION_TIMEOUT,
    _HANDLER_DIR,
    BEDROCK_LOG_STREAM,
    BEDROCK_SERVICE,
    DEFAULT_CONFIGURATION_RETRY_TIMEOUT,
    DEFAULT_KEY_PREFIX,
    DEFAULT_LOG_RETENTION_DAYS,
    DEFAULT_MASKED_DATA_IDENTIFIERS,
    DEFAULT_RETENTION_DAYS,
    IMPORTED_KEY_WARNING_ID,
)
from genai_platform.constructs.invocation_logging.support import (
    _acknowledge_configuration_function,
    _bedrock_source_conditions,
    _days,
    _expiry_rules,
)
from genai_platform.constructs.invocation_logging.validation import (
    _check_flags,
    _check_identifiers,
    _check_log_retention,
    _check_prefix,
    _check_retention,
    _check_retry_timeout,
    _check_role_name,
)
from genai_platform.constructs.keys import logs_may_use_key
from genai_platform.constructs.retention import retention_from_days


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


def _check_one_per_stack(stack: cdk.Stack) -> list[str]:
    others = [c.node.path for c in stack.node.find_all() if isinstance(c, InvocationLogging)]
    if not others:
        return []
    return [
        f"scope: stack {stack.node.path!r} already has InvocationLogging {others[0]!r}; model "
        "invocation logging is one configuration per account and region, so create it once"
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
