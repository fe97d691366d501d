"""Bedrock batch inference: JSONL records in S3 in, a model invocation job, results in S3 out.

For workloads that tolerate hours (back-fills, nightly classification, evaluation runs),
:class:`BatchInference` runs Amazon Bedrock *batch inference* (``CreateModelInvocationJob``),
which AWS prices below on-demand invocation (the Bedrock pricing page lists batch at 50 % of
the on-demand price for the models that support it; the platform's cost estimator should use
that price for batch traffic). What it builds:

* **A service role Bedrock assumes** for the job, trusted by ``bedrock.amazonaws.com`` only
  with ``aws:SourceAccount`` (this account) and ``aws:SourceArn`` (this account's
  ``model-invocation-job/*``), which may read exactly the objects under the input prefix, write
  exactly under the output prefix, list those prefixes only, use the KMS key(s) through S3 only,
  and, for a cross-region inference profile, invoke that one approved model (AWS user guide,
  "Create a custom service role for batch inference"). CloudFormation has no resource type for
  a model invocation job (a job is a run, not infrastructure), so jobs are started by the state
  machine below.
* **A Step Functions state machine** (standard workflow) that a caller starts with
  ``{"input": "<path under the input prefix>"}`` (anything else ends the execution in the
  ``InvalidInput`` failure before Bedrock is called) and an execution name that becomes the job
  name (1-63 letters, digits and hyphens). It calls ``bedrock:createModelInvocationJob`` through the
  Step Functions AWS SDK integration with the one approved model, the input
  ``s3://<bucket>/<input prefix><input>``, the output ``s3://<bucket>/<output prefix><execution
  name>/`` encrypted with the KMS key, the private network's subnets when given, and a timeout;
  then waits and polls ``bedrock:getModelInvocationJob`` with back-off (the wait doubles from
  ``poll_interval`` up to ``max_poll_interval``) until the job is ``Completed`` or
  ``PartiallyCompleted`` (success) or ``Failed``, ``Stopped`` or ``Expired`` (failure), and
  records the outcome as metrics. A submission Bedrock refuses (validation, quota) takes the
  failure path too. Executions are logged (ALL events, KMS-encrypted group) and traced.
* **Metrics** in the ``GenAiPlatform/BatchInference`` namespace with dimension
  ``BatchInference=<name>``: ``JobsSucceeded``, ``JobsFailed``, ``RecordsProcessed``,
  ``RecordsFailed`` (the job's ``processedRecordCount`` and ``errorRecordCount``).
* **Storage**: by default one new bucket (KMS, versioned, TLS-only, access-logged) holding
  both prefixes; or an existing bucket, e.g. the data account's documents bucket (then its
  bucket policy and key policy must admit this account's service role; the construct sets
  ``s3BucketOwner`` from the bucket's account so Bedrock checks the owner).

The input format (one JSON object per line, ``{"recordId": "...", "modelInput": {...}}`` with
the model's own request body) is described in the Bedrock user guide, "Format and upload your
batch inference data"; ``examples/batch_inference_input.jsonl`` is a sample for an Anthropic
model. Bedrock's job quotas (such as the minimum and maximum records per job and file) are
account- and model-specific and are not checked here.

Only models of the :class:`~genai_platform.constructs.model_catalog.ModelCatalog` run: the
``model`` prop must be an approved id or alias, and both roles name only that model. Not
verified (nothing can be deployed): whether batch jobs honour the account-level enforced
guardrail; Bedrock applies no per-request guardrail to batch records.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from genai_platform.compliance import acknowledge
from genai_platform.constructs.buckets import (
    access_log_bucket,
    acknowledge_no_replication,
    log_accesses,
)
from genai_platform.constructs.keys import logs_may_use_key
from genai_platform.constructs.model_catalog import ModelCatalog

__all__ = ["METRIC_NAMESPACE", "BatchInference"]

#: Namespace of the metrics the state machine publishes.
METRIC_NAMESPACE = "GenAiPlatform/BatchInference"
#: Job timeouts Bedrock accepts (``timeoutDurationInHours``).
JOB_TIMEOUT_RANGE_HOURS = (24, 168)
#: Security groups and subnets a job's VPC configuration may name.
MAX_JOB_SECURITY_GROUPS = 5
MAX_JOB_SUBNETS = 16
#: Longest wait between two status polls Step Functions allows a Wait state to be computed to
#: here (one hour keeps the history small without delaying the outcome much).
MAX_POLL_INTERVAL_S = 3600
_PREFIX = re.compile(r"(?:[-!_*'().a-zA-Z0-9]+/)+")
_MAX_PREFIX_LENGTH = 512
_SUCCEEDED = ("Completed", "PartiallyCompleted")
_FAILED = ("Failed", "Stopped", "Expired")
_ACCESS_LOG_PREFIX = "access-logs/"


class BatchInference(Construct):
    """Bedrock batch inference jobs over JSONL in S3, started and watched by a state machine.

    Example::

        batch = BatchInference(
            stack, "NightlyClassification",
            catalog=catalog, model="us.anthropic.claude-haiku-4-5-20251001-v1:0",
            vpc=network.vpc,
        )
        batch.grant_write_input(producer_role)
        batch.grant_start(scheduler_role)     # start with {"input": "2026-12-03/"}
        batch.grant_read_results(consumer_role)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        catalog: ModelCatalog,
        model: str,
        bucket: s3.IBucket | None = None,
        input_prefix: str = "batch-input/",
        output_prefix: str = "batch-output/",
        encryption_key: kms.IKey | None = None,
        job_timeout_hours: int = 72,
        poll_interval: cdk.Duration | None = None,
        max_poll_interval: cdk.Duration | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        log_retention: logs.RetentionDays | None = None,
        output_retention: cdk.Duration | None = None,
    ) -> None:
        """Validate every prop, then build the roles, the bucket (unless given) and the state
        machine.

        Args:
            catalog: The platform's approved models.
            model: Approved model id or alias of ``catalog`` the jobs run (a foundation model
                or an inference profile that supports batch inference).
            bucket: Bucket holding both prefixes. Default: a new bucket (KMS with
                ``encryption_key``, versioned, TLS-only, access-logged, retained).
            input_prefix: Prefix (ending in ``/``) under which callers put JSONL input; the
                service role may read only here. Default: ``batch-input/``.
            output_prefix: Prefix (ending in ``/``) under which Bedrock writes results, one
                folder per job; the service role may write only here. Must not overlap
                ``input_prefix``. Default: ``batch-output/``.
            encryption_key: KMS key of the results (``s3EncryptionKeyId``), the new bucket and
                the state machine's log group. Default: ``bucket``'s own key when it has one,
                otherwise a new key with yearly rotation, retained.
            job_timeout_hours: Hours after which Bedrock stops a job (24-168). Default: 72.
            poll_interval: First wait between status polls (10 s to 1 hour); it doubles after
                each poll. Default: 5 minutes.
            max_poll_interval: Longest wait between polls (>= poll_interval, at most 1 hour).
                Default: 1 hour.
            vpc: VPC whose subnets Bedrock uses to reach S3 for the job (the private
                network's; it needs the S3 gateway endpoint). Default: no VPC configuration.
            vpc_subnets: Subnets in ``vpc`` (1-16). Default: the isolated subnets.
            security_groups: Security groups of the job's network interfaces (1-5). Default:
                a new group with no ingress and HTTPS egress only.
            log_retention: Retention of the executions' log group (not INFINITE). Default:
                one year.
            output_retention: How long results stay in a bucket the construct creates (input
                expires with the same rule). Default: 90 days.

        Raises:
            ValueError: listing every invalid prop, its value and what is allowed.
        """
        path = "/".join(p for p in (scope.node.path, id) if p)
        problems = _validate(
            catalog=catalog,
            model=model,
            input_prefix=input_prefix,
            output_prefix=output_prefix,
            job_timeout_hours=job_timeout_hours,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            security_groups=security_groups,
            log_retention=log_retention,
            output_retention=output_retention,
            bucket=bucket,
        )
        if problems:
            lines = "\n".join(f"  - {p}" for p in problems)
            raise ValueError(
                f"BatchInference {path!r}: invalid props ({len(problems)} problems):\n{lines}"
            )
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        self._stack = stack
        self._catalog = catalog
        self._model_id = catalog.resolve(model)
        self._input_prefix = input_prefix
        self._output_prefix = output_prefix
        self._name = self.node.path.replace("/", "-")[-255:]

        self._encryption_key: kms.IKey = (
            encryption_key
            or (bucket.encryption_key if bucket is not None else None)
            or kms.Key(
                self,
                "Key",
                description=f"Encrypts batch inference data of {self.node.path}",
                enable_key_rotation=True,
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
        )
        self._bucket: s3.IBucket = bucket or self._build_bucket(
            output_retention or cdk.Duration.days(90)
        )

        self._security_groups: list[ec2.ISecurityGroup] = []
        self._subnet_ids: list[str] = []
        if vpc is not None:
            self._security_groups = list(security_groups or [self._security_group(vpc)])
            self._subnet_ids = _subnet_ids(vpc, vpc_subnets)

        self._service_role = self._build_service_role(vpc)
        self._log_group = self._build_log_group(log_retention or logs.RetentionDays.ONE_YEAR)
        self._state_machine = self._build_state_machine(
            job_timeout_hours,
            int((poll_interval or cdk.Duration.minutes(5)).to_seconds()),
            int((max_poll_interval or cdk.Duration.hours(1)).to_seconds()),
        )

    # --------------------------------------------------------------------- attributes

    @property
    def state_machine(self) -> sfn.IStateMachine:
        """The state machine that starts and watches one job per execution."""
        return self._state_machine

    @property
    def service_role(self) -> iam.IRole:
        """The role Bedrock assumes to read the input and write the results."""
        return self._service_role

    @property
    def bucket(self) -> s3.IBucket:
        """The bucket of the input and output prefixes."""
        return self._bucket

    @property
    def encryption_key(self) -> kms.IKey:
        """The KMS key of the results (and of the bucket the construct created)."""
        return self._encryption_key

    @property
    def model_id(self) -> str:
        """The approved model id the jobs run."""
        return self._model_id

    @property
    def input_prefix(self) -> str:
        """Where callers put JSONL input."""
        return self._input_prefix

    @property
    def output_prefix(self) -> str:
        """Where Bedrock writes results, under ``<output prefix><execution name>/``."""
        return self._output_prefix

    @property
    def log_group(self) -> logs.ILogGroup:
        """The state machine's execution log group."""
        return self._log_group

    # --------------------------------------------------------------------- grants

    def grant_start(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` start jobs (``states:StartExecution`` on the state machine)."""
        return self._state_machine.grant_start_execution(grantee)

    def grant_write_input(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` put input objects under the input prefix (``s3:PutObject``; and
        ``kms:GenerateDataKey`` / ``kms:Encrypt`` on the key)."""
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["s3:PutObject"],
            resource_arns=[self._bucket.arn_for_objects(f"{self._input_prefix}*")],
        )
        self._encryption_key.grant_encrypt(grantee)
        return grant

    def grant_read_results(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read results under the output prefix (``s3:GetObject``; and
        ``kms:Decrypt`` on the key)."""
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["s3:GetObject"],
            resource_arns=[self._bucket.arn_for_objects(f"{self._output_prefix}*")],
        )
        self._encryption_key.grant_decrypt(grantee)
        return grant

    # --------------------------------------------------------------------- metrics

    def metric(
        self, metric_name: str, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """A metric the state machine publishes for this construct (see the module notes)."""
        return cloudwatch.Metric(
            namespace=METRIC_NAMESPACE,
            metric_name=metric_name,
            dimensions_map={"BatchInference": self._name},
            statistic=statistic,
            period=period or cdk.Duration.hours(1),
        )

    def metric_jobs_succeeded(self, **props: object) -> cloudwatch.Metric:
        """``JobsSucceeded``: jobs that ended Completed or PartiallyCompleted."""
        return self.metric("JobsSucceeded", **props)  # type: ignore[arg-type]

    def metric_jobs_failed(self, **props: object) -> cloudwatch.Metric:
        """``JobsFailed``: jobs refused at submission or ended Failed, Stopped or Expired."""
        return self.metric("JobsFailed", **props)  # type: ignore[arg-type]

    def metric_records_processed(self, **props: object) -> cloudwatch.Metric:
        """``RecordsProcessed``: records a finished job processed."""
        return self.metric("RecordsProcessed", **props)  # type: ignore[arg-type]

    def metric_records_failed(self, **props: object) -> cloudwatch.Metric:
        """``RecordsFailed``: records a finished job could not process."""
        return self.metric("RecordsFailed", **props)  # type: ignore[arg-type]

    # --------------------------------------------------------------------- building

    def _build_bucket(self, retention: cdk.Duration) -> s3.Bucket:
        expiry = s3.LifecycleRule(
            expiration=retention,
            noncurrent_version_expiration=cdk.Duration.days(30),
            abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
        )
        access_logs = access_log_bucket(
            self, "AccessLogBucket", source="the batch inference bucket", lifecycle_rules=[expiry]
        )
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
            lifecycle_rules=[expiry],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        log_accesses(bucket, to=access_logs, prefix=_ACCESS_LOG_PREFIX)
        acknowledge_no_replication(bucket, "batch inference input records and model outputs")
        return bucket

    def _security_group(self, vpc: ec2.IVpc) -> ec2.SecurityGroup:
        group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="Bedrock batch inference jobs: no ingress, HTTPS egress",
            allow_all_outbound=False,
        )
        group.add_egress_rule(
            ec2.Peer.any_ipv4(),
            ec2.Port.tcp(443),
            "HTTPS to the S3 gateway endpoint (prefix list) and VPC endpoints",
        )
        return group

    def _build_service_role(self, vpc: ec2.IVpc | None) -> iam.Role:
        stack = self._stack
        jobs = stack.format_arn(
            service="bedrock", resource="model-invocation-job", resource_name="*"
        )
        role = iam.Role(
            self,
            "ServiceRole",
            description=f"Assumed by Bedrock to run the batch inference jobs of {self.node.path}",
            assumed_by=iam.ServicePrincipal(
                "bedrock.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnEquals": {"aws:SourceArn": jobs},
                },
            ),
        )
        policy = iam.ManagedPolicy(
            self,
            "ServicePolicy",
            description=f"Least privilege of the batch inference jobs of {self.node.path}",
            roles=[role],
        )
        bucket, key = self._bucket, self._encryption_key
        owner = {"StringEquals": {"aws:ResourceAccount": _bucket_account(bucket, stack)}}
        policy.add_statements(
            iam.PolicyStatement(
                sid="ReadTheInput",
                actions=["s3:GetObject"],
                resources=[bucket.arn_for_objects(f"{self._input_prefix}*")],
                conditions=owner,
            ),
            iam.PolicyStatement(
                sid="ListTheInputAndOutputPrefixes",
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={
                    **owner,
                    "StringLike": {
                        "s3:prefix": [f"{self._input_prefix}*", f"{self._output_prefix}*"]
                    },
                },
            ),
            iam.PolicyStatement(
                sid="WriteTheOutput",
                actions=["s3:PutObject"],
                resources=[bucket.arn_for_objects(f"{self._output_prefix}*")],
                conditions=owner,
            ),
            iam.PolicyStatement(
                sid="UseTheKeyThroughS3",
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
            ),
        )
        approved = self._catalog.model(self._model_id)
        if approved.is_inference_profile:
            policy.add_statements(
                iam.PolicyStatement(
                    sid="InvokeTheApprovedModelThroughItsProfile",
                    actions=["bedrock:InvokeModel"],
                    resources=self._catalog.model_arns(self._model_id),
                )
            )
        if vpc is not None:
            vpc_arn = stack.format_arn(service="ec2", resource="vpc", resource_name=vpc.vpc_id)
            policy.add_statements(
                iam.PolicyStatement(
                    sid="ManageJobNetworkInterfacesInTheVpc",
                    actions=[
                        "ec2:CreateNetworkInterface",
                        "ec2:CreateNetworkInterfacePermission",
                        "ec2:DeleteNetworkInterface",
                        "ec2:DeleteNetworkInterfacePermission",
                    ],
                    resources=[
                        stack.format_arn(service="ec2", resource=kind, resource_name="*")
                        for kind in ("network-interface", "subnet", "security-group")
                    ],
                    conditions={"ArnEquals": {"ec2:Vpc": vpc_arn}},
                ),
                iam.PolicyStatement(
                    sid="DescribeTheNetwork",
                    actions=[
                        "ec2:DescribeDhcpOptions",
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeVpcs",
                    ],
                    resources=["*"],
                ),
            )
        _acknowledge_service_policy(
            policy,
            bucket,
            self._input_prefix,
            self._output_prefix,
            approved.is_inference_profile,
            self._catalog.model_arns(self._model_id),
            vpc,
        )
        return role

    def _build_log_group(self, retention: logs.RetentionDays) -> logs.LogGroup:
        name = f"/aws/vendedlogs/states/{self._name}"[:512]
        added = self._encryption_key.add_to_resource_policy(
            logs_may_use_key(
                self._stack, sid=f"AllowLogsForBatch{self.node.addr[:12]}", log_group=name
            ),
            allow_no_op=True,
        )
        if not added.statement_added:
            cdk.Annotations.of(self).add_warning_v2(
                "genai-platform:batch-inference-imported-key",
                "encryption_key is imported, so its key policy was not changed: allow "
                f"logs.{self._stack.region}.amazonaws.com to use it for the log group {name}",
            )
        return logs.LogGroup(
            self,
            "LogGroup",
            log_group_name=name,
            encryption_key=self._encryption_key,
            retention=retention,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    def _build_state_machine(
        self, timeout_hours: int, first_wait_s: int, max_wait_s: int
    ) -> sfn.StateMachine:
        stack = self._stack
        bucket = self._bucket
        catalog_arns = self._catalog.model_arns(self._model_id)
        invoked_arn = catalog_arns[0]  # the foundation model or the profile the job names
        jobs = stack.format_arn(
            service="bedrock", resource="model-invocation-job", resource_name="*"
        )

        output_config: dict[str, object] = {
            "S3Uri": sfn.JsonPath.format(
                f"s3://{{}}/{self._output_prefix}{{}}/",
                bucket.bucket_name,
                sfn.JsonPath.string_at("$$.Execution.Name"),
            ),
            "S3EncryptionKeyId": self._encryption_key.key_arn,
        }
        input_config: dict[str, object] = {
            "S3Uri": sfn.JsonPath.format(
                f"s3://{{}}/{self._input_prefix}{{}}",
                bucket.bucket_name,
                sfn.JsonPath.string_at("$.input"),
            ),
            "S3InputFormat": "JSONL",
        }
        owner = _bucket_account(bucket, stack)
        if owner != stack.account:
            input_config["S3BucketOwner"] = owner
            output_config["S3BucketOwner"] = owner
        request: dict[str, object] = {
            "JobName": sfn.JsonPath.string_at("$$.Execution.Name"),
            "RoleArn": self._service_role.role_arn,
            "ModelId": self._model_id,
            "InputDataConfig": {"S3InputDataConfig": input_config},
            "OutputDataConfig": {"S3OutputDataConfig": output_config},
            "TimeoutDurationInHours": timeout_hours,
        }
        if self._subnet_ids:
            request["VpcConfig"] = {
                "SubnetIds": self._subnet_ids,
                "SecurityGroupIds": [g.security_group_id for g in self._security_groups],
            }

        submit = tasks.CallAwsService(
            self,
            "SubmitJob",
            service="bedrock",
            action="createModelInvocationJob",
            iam_action="bedrock:CreateModelInvocationJob",
            iam_resources=[invoked_arn, jobs],
            parameters=request,
            result_selector={"JobArn": sfn.JsonPath.string_at("$.JobArn")},
            result_path="$.job",
        )
        submit.add_retry(
            errors=["Bedrock.ThrottlingException", "Bedrock.InternalServerException"],
            interval=cdk.Duration.seconds(30),
            backoff_rate=2,
            max_attempts=5,
            jitter_strategy=sfn.JitterType.FULL,
        )
        start_waiting = sfn.Pass(
            self,
            "StartWaiting",
            result=sfn.Result.from_object({"Seconds": first_wait_s}),
            result_path="$.wait",
        )
        wait = sfn.Wait(self, "WaitForJob", time=sfn.WaitTime.seconds_path("$.wait.Seconds"))
        poll = tasks.CallAwsService(
            self,
            "GetJobStatus",
            service="bedrock",
            action="getModelInvocationJob",
            iam_action="bedrock:GetModelInvocationJob",
            iam_resources=[jobs],
            parameters={"JobIdentifier": sfn.JsonPath.string_at("$.job.JobArn")},
            result_path="$.status",
        )
        poll.add_retry(
            errors=["Bedrock.ThrottlingException", "Bedrock.InternalServerException"],
            interval=cdk.Duration.seconds(30),
            backoff_rate=2,
            max_attempts=5,
            jitter_strategy=sfn.JitterType.FULL,
        )
        back_off = sfn.Pass(
            self,
            "BackOff",
            parameters={
                "Seconds": sfn.JsonPath.math_add(
                    sfn.JsonPath.number_at("$.wait.Seconds"),
                    sfn.JsonPath.number_at("$.wait.Seconds"),
                )
            },
            result_path="$.wait",
        )
        cap = sfn.Pass(
            self,
            "CapTheWait",
            result=sfn.Result.from_object({"Seconds": max_wait_s}),
            result_path="$.wait",
        )

        record_failure = self._put_metrics("RecordJobFailed", [("JobsFailed", 1)])
        failed = sfn.Fail(
            self,
            "JobFailed",
            error="BatchInferenceJobFailed",
            cause="The model invocation job was refused or ended Failed, Stopped or Expired",
        )
        record_success_counts = self._put_metrics(
            "RecordJobSucceeded",
            [
                ("JobsSucceeded", 1),
                ("RecordsProcessed", "$.status.ProcessedRecordCount"),
                ("RecordsFailed", "$.status.ErrorRecordCount"),
            ],
        )
        record_success = self._put_metrics(
            "RecordJobSucceededWithoutCounts", [("JobsSucceeded", 1)]
        )
        succeeded = sfn.Succeed(self, "JobSucceeded")

        submit.add_catch(record_failure, errors=["States.ALL"], result_path="$.error")
        poll.add_catch(record_failure, errors=["States.ALL"], result_path="$.error")
        record_failure.next(failed)
        record_success_counts.next(succeeded)
        record_success.next(succeeded)

        has_counts = (
            sfn.Choice(self, "HasRecordCounts")
            .when(
                sfn.Condition.and_(
                    sfn.Condition.is_present("$.status.ProcessedRecordCount"),
                    sfn.Condition.is_present("$.status.ErrorRecordCount"),
                ),
                record_success_counts,
            )
            .otherwise(record_success)
        )
        capped = (
            sfn.Choice(self, "WaitAboveMaximum")
            .when(sfn.Condition.number_greater_than("$.wait.Seconds", max_wait_s), cap.next(wait))
            .otherwise(wait)
        )
        outcome = (
            sfn.Choice(self, "JobOutcome")
            .when(
                sfn.Condition.or_(
                    *(sfn.Condition.string_equals("$.status.Status", s) for s in _SUCCEEDED)
                ),
                has_counts,
            )
            .when(
                sfn.Condition.or_(
                    *(sfn.Condition.string_equals("$.status.Status", s) for s in _FAILED)
                ),
                record_failure,
            )
            .otherwise(back_off.next(capped))
        )
        submit.next(start_waiting).next(wait).next(poll).next(outcome)
        bad_input = sfn.Fail(
            self,
            "InvalidInput",
            error="InvalidInput",
            cause='The execution input must be {"input": "<path under the input prefix>"}',
        )
        definition = (
            sfn.Choice(self, "CheckInput")
            .when(
                sfn.Condition.and_(
                    sfn.Condition.is_present("$.input"), sfn.Condition.is_string("$.input")
                ),
                submit,
            )
            .otherwise(bad_input)
        )

        role = iam.Role(
            self,
            "StateMachineRole",
            description=f"Runs the batch inference state machine of {self.node.path}",
            assumed_by=iam.ServicePrincipal(
                "states.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
        )
        policy = iam.ManagedPolicy(
            self,
            "StateMachinePolicy",
            description=f"Least privilege of the batch inference state machine of {self.node.path}",
            roles=[role],
        )
        policy.add_statements(
            iam.PolicyStatement(
                sid="SubmitJobsForTheApprovedModel",
                actions=["bedrock:CreateModelInvocationJob"],
                resources=[invoked_arn, jobs],
            ),
            iam.PolicyStatement(
                sid="WatchJobs",
                actions=["bedrock:GetModelInvocationJob"],
                resources=[jobs],
            ),
            iam.PolicyStatement(
                sid="PassTheServiceRoleToBedrock",
                actions=["iam:PassRole"],
                resources=[self._service_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
            ),
            iam.PolicyStatement(
                sid="PublishBatchMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": METRIC_NAMESPACE}},
            ),
            iam.PolicyStatement(
                sid="DeliverExecutionLogs",
                actions=[
                    "logs:CreateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:DescribeLogGroups",
                    "logs:DescribeResourcePolicies",
                    "logs:GetLogDelivery",
                    "logs:ListLogDeliveries",
                    "logs:PutResourcePolicy",
                    "logs:UpdateLogDelivery",
                ],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="SendTraces",
                actions=[
                    "xray:GetSamplingRules",
                    "xray:GetSamplingTargets",
                    "xray:PutTelemetryRecords",
                    "xray:PutTraceSegments",
                ],
                resources=["*"],
            ),
        )
        _acknowledge_state_machine_policy(policy, jobs)

        machine = sfn.StateMachine(
            self,
            "Resource",
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            # the statements are in the managed policy above; no inline default policy
            role=role.without_policy_updates(),
            state_machine_type=sfn.StateMachineType.STANDARD,
            timeout=cdk.Duration.hours(timeout_hours + 24),
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=self._log_group, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
            comment=f"Bedrock batch inference with {self._model_id}",
        )
        machine.node.add_dependency(policy)
        return machine

    def _put_metrics(
        self, id: str, values: Sequence[tuple[str, int | str]]
    ) -> tasks.CallAwsService:
        data = [
            {
                "MetricName": name,
                "Dimensions": [{"Name": "BatchInference", "Value": self._name}],
                "Unit": "Count",
                "Value": value if isinstance(value, int) else sfn.JsonPath.number_at(value),
            }
            for name, value in values
        ]
        return tasks.CallAwsService(
            self,
            id,
            service="cloudwatch",
            action="putMetricData",
            iam_resources=["*"],
            parameters={"Namespace": METRIC_NAMESPACE, "MetricData": data},
            result_path=sfn.JsonPath.DISCARD,
        )


# ---------------------------------------------------------------------------- helpers


def _bucket_account(bucket: s3.IBucket, stack: cdk.Stack) -> str:
    account = bucket.env.account
    return stack.account if cdk.Token.is_unresolved(account) else account


def _subnet_ids(vpc: ec2.IVpc, selection: ec2.SubnetSelection | None) -> list[str]:
    """The subnet ids ``selection`` (default: the isolated subnets) picks in ``vpc``."""
    chosen = selection or ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    return vpc.select_subnets(
        availability_zones=chosen.availability_zones,
        one_per_az=chosen.one_per_az,
        subnet_filters=chosen.subnet_filters,
        subnet_group_name=chosen.subnet_group_name,
        subnets=chosen.subnets,
        subnet_type=chosen.subnet_type,
    ).subnet_ids


def _nag_arn(stack: cdk.Stack, arn: str) -> str:
    """How cdk-nag spells a resource ARN in a finding id (intrinsics as ``<Id.Attr>``)."""
    resolved = stack.resolve(arn)
    if isinstance(resolved, str):
        return resolved
    parts = resolved.get("Fn::Join", ["", []])[1] if isinstance(resolved, dict) else []
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif "Ref" in part:
            out.append(f"<{part['Ref']}>")
        elif "Fn::GetAtt" in part:
            out.append(f"<{part['Fn::GetAtt'][0]}.{part['Fn::GetAtt'][1]}>")
    return "".join(out)


def _acknowledge_service_policy(
    policy: iam.ManagedPolicy,
    bucket: s3.IBucket,
    input_prefix: str,
    output_prefix: str,
    invokes_profile: bool,
    model_arns: Sequence[str],
    vpc: ec2.IVpc | None,
) -> None:
    stack = cdk.Stack.of(policy)
    resource = policy.node.default_child or policy
    read = _nag_arn(stack, bucket.arn_for_objects(f"{input_prefix}*"))
    written = _nag_arn(stack, bucket.arn_for_objects(f"{output_prefix}*"))
    acknowledge(
        resource,
        f"AwsSolutions-IAM5[Resource::{read}]",
        "Bedrock reads every JSONL file a job names under the input prefix; the role may read "
        "objects under that prefix of this bucket only.",
    )
    acknowledge(
        resource,
        f"AwsSolutions-IAM5[Resource::{written}]",
        "Bedrock writes result and manifest files with job-specific names; the role may put "
        "objects under the output prefix of this bucket only.",
    )
    if vpc is not None:
        acknowledge(
            resource,
            "AwsSolutions-IAM5[Resource::*]",
            "The ec2:Describe* calls Bedrock makes to place the job's network interfaces have "
            "no resource-level permissions.",
        )
        for kind in ("network-interface", "subnet", "security-group"):
            arn = stack.format_arn(service="ec2", resource=kind, resource_name="*")
            acknowledge(
                resource,
                f"AwsSolutions-IAM5[Resource::{_nag_arn(stack, arn)}]",
                "Bedrock creates and deletes the job's network interfaces with ids unknown in "
                "advance; the ec2:Vpc condition confines it to this VPC.",
            )
    if invokes_profile:
        for arn in model_arns:
            if "*" in arn:
                acknowledge(
                    resource,
                    f"AwsSolutions-IAM5[Resource::{_nag_arn(stack, arn)}]",
                    "A cross-region inference profile routes to the approved foundation model "
                    "in the profile's destination regions; only that one model is named.",
                )


def _acknowledge_state_machine_policy(policy: iam.ManagedPolicy, jobs: str) -> None:
    stack = cdk.Stack.of(policy)
    resource = policy.node.default_child or policy
    acknowledge(
        resource,
        f"AwsSolutions-IAM5[Resource::{_nag_arn(stack, jobs)}]",
        "Job ARNs carry ids Bedrock assigns at submission; the state machine may create and "
        "read model invocation jobs of this account and region only.",
    )
    acknowledge(
        resource,
        "AwsSolutions-IAM5[Resource::*]",
        "cloudwatch:PutMetricData (limited by the cloudwatch:namespace condition), the log "
        "delivery calls Step Functions makes and the X-Ray calls have no resource-level "
        "permissions.",
    )


def _validate(
    *,
    catalog: ModelCatalog,
    model: str,
    input_prefix: str,
    output_prefix: str,
    job_timeout_hours: int,
    poll_interval: cdk.Duration | None,
    max_poll_interval: cdk.Duration | None,
    vpc: ec2.IVpc | None,
    vpc_subnets: ec2.SubnetSelection | None,
    security_groups: Sequence[ec2.ISecurityGroup] | None,
    log_retention: logs.RetentionDays | None,
    output_retention: cdk.Duration | None,
    bucket: s3.IBucket | None,
) -> list[str]:
    """Every problem of the props, one line each naming the prop, the value and what is
    allowed."""
    problems: list[str] = []
    if not isinstance(catalog, ModelCatalog):
        problems.append(f"catalog: {catalog!r} is not a ModelCatalog")
    else:
        if not isinstance(model, str) or (
            model not in catalog.aliases and model not in catalog.models
        ):
            problems.append(
                f"model: {model!r} is not an approved model of the catalogue; approved: "
                f"{', '.join(catalog.models)}; aliases: {', '.join(sorted(catalog.aliases))}"
            )
    valid_prefixes = 0
    for prop, prefix in (("input_prefix", input_prefix), ("output_prefix", output_prefix)):
        if (
            isinstance(prefix, str)
            and len(prefix) <= _MAX_PREFIX_LENGTH
            and _PREFIX.fullmatch(prefix)
        ):
            valid_prefixes += 1
        else:
            problems.append(
                f"{prop}: {prefix!r} is not allowed; give a key prefix ending in '/' (not "
                "starting with '/', no empty segment) of letters, digits and -!_*'(). "
                f"(Bedrock's S3 URI characters), at most {_MAX_PREFIX_LENGTH} characters"
            )
    if valid_prefixes == 2 and (
        input_prefix.startswith(output_prefix) or output_prefix.startswith(input_prefix)
    ):
        problems.append(
            f"output_prefix: {output_prefix!r} overlaps input_prefix {input_prefix!r}; results "
            "under the input would be read as input by the next job; give disjoint prefixes"
        )
    low, high = JOB_TIMEOUT_RANGE_HOURS
    if (
        not isinstance(job_timeout_hours, int)
        or isinstance(job_timeout_hours, bool)
        or not low <= job_timeout_hours <= high
    ):
        problems.append(
            f"job_timeout_hours: {job_timeout_hours!r} is not allowed; Bedrock accepts an "
            f"integer from {low} to {high}"
        )
    first = _seconds(poll_interval) if poll_interval is not None else 300.0
    longest = _seconds(max_poll_interval) if max_poll_interval is not None else 3600.0
    if first is None or not 10 <= first <= MAX_POLL_INTERVAL_S:
        problems.append(
            f"poll_interval: {_show(poll_interval)!r} is not allowed; give a Duration from 10 "
            f"seconds to {MAX_POLL_INTERVAL_S // 60} minutes"
        )
    if longest is None or not 10 <= longest <= MAX_POLL_INTERVAL_S:
        problems.append(
            f"max_poll_interval: {_show(max_poll_interval)!r} is not allowed; give a Duration "
            f"from 10 seconds to {MAX_POLL_INTERVAL_S // 60} minutes"
        )
    elif first is not None and longest < first:
        problems.append(
            f"max_poll_interval: {_show(max_poll_interval)!r} is shorter than poll_interval "
            f"{_show(poll_interval)!r}; give max_poll_interval >= poll_interval"
        )
    if vpc is None:
        for prop, value in (("vpc_subnets", vpc_subnets), ("security_groups", security_groups)):
            if value is not None:
                problems.append(f"{prop}: given without vpc; pass vpc too, or remove it")
    else:
        if (
            security_groups is not None
            and not 1 <= len(list(security_groups)) <= MAX_JOB_SECURITY_GROUPS
        ):
            problems.append(
                f"security_groups: {len(list(security_groups))} given; Bedrock takes 1 to "
                f"{MAX_JOB_SECURITY_GROUPS} security groups per job"
            )
        count = len(_subnet_ids(vpc, vpc_subnets))
        if not 1 <= count <= MAX_JOB_SUBNETS:
            problems.append(
                f"vpc_subnets: selects {count} subnets; Bedrock takes 1 to "
                f"{MAX_JOB_SUBNETS} subnets per job"
            )
    if log_retention == logs.RetentionDays.INFINITE:
        problems.append(
            "log_retention: RetentionDays.INFINITE keeps logs forever; choose a finite "
            "retention such as RetentionDays.ONE_YEAR"
        )
    if output_retention is not None:
        if bucket is not None:
            problems.append(
                "output_retention: given with an existing bucket, whose lifecycle the "
                "construct does not change; set it on the bucket or remove it"
            )
        elif _seconds(output_retention) is None or output_retention.to_days() < 1:
            problems.append(
                f"output_retention: {_show(output_retention)!r} is not allowed; give a "
                "Duration of at least one day"
            )
    return problems


def _seconds(value: object) -> float | None:
    return value.to_seconds(integral=False) if isinstance(value, cdk.Duration) else None


def _show(value: object) -> object:
    return value.to_human_string() if isinstance(value, cdk.Duration) else value
