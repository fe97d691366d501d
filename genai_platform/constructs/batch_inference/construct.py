"""The :class:`BatchInference` construct (see the package notes)."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from genai_platform.compliance import acknowledge, nag_value
from genai_platform.constructs.batch_inference import permissions, workflow
from genai_platform.constructs.batch_inference.validation import subnet_ids, validate
from genai_platform.constructs.batch_inference.workflow import METRIC_NAMESPACE
from genai_platform.constructs.buckets import (
    access_log_bucket,
    acknowledge_no_replication,
    log_accesses,
)
from genai_platform.constructs.grants import managed_policy_grantee, managed_policy_of
from genai_platform.constructs.keys import logs_may_use_key
from genai_platform.constructs.model_catalog import ModelCatalog

__all__ = ["BatchInference"]

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
            encryption_key: KMS key of the input objects and the results
                (``s3EncryptionKeyId``), the new bucket and the state machine's log group; the
                service role may use it through S3 only. Default: ``bucket``'s own key when it
                has one, otherwise a new key with yearly rotation, retained.
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
        problems = validate(
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
        self._acknowledged: dict[str, set[str]] = {}
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
            self._subnet_ids = subnet_ids(vpc, vpc_subnets)

        self._service_role = permissions.service_role(
            self,
            bucket=self._bucket,
            key=self._encryption_key,
            input_prefix=input_prefix,
            output_prefix=output_prefix,
            catalog=catalog,
            model_id=self._model_id,
            vpc=vpc,
        )
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
        """Let ``grantee`` start jobs (``states:StartExecution`` on the state machine).

        Like every ``grant_*`` here: a role, user or group gets the statements in a
        customer-managed policy this construct creates and attaches (no inline policy, which
        the NIST and HIPAA IAMNoInlinePolicy rules flag)."""
        return self._state_machine.grant_start_execution(self._policy_grantee(grantee))

    def grant_write_input(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` put input objects under the input prefix (``s3:PutObject``; and
        ``kms:GenerateDataKey`` / ``kms:Encrypt`` on the key)."""
        writer = self._policy_grantee(grantee)
        objects = self._bucket.arn_for_objects(f"{self._input_prefix}*")
        grant = iam.Grant.add_to_principal(
            grantee=writer, actions=["s3:PutObject"], resource_arns=[objects]
        )
        iam.Grant.add_to_principal(
            grantee=writer,
            actions=["kms:GenerateDataKey", "kms:Encrypt"],
            resource_arns=[self._encryption_key.key_arn],
        )
        self._acknowledge_prefix(writer, objects, "writes input objects under the input prefix")
        return grant

    def grant_read_results(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read results under the output prefix (``s3:GetObject``; and
        ``kms:Decrypt`` on the key)."""
        reader = self._policy_grantee(grantee)
        objects = self._bucket.arn_for_objects(f"{self._output_prefix}*")
        grant = iam.Grant.add_to_principal(
            grantee=reader, actions=["s3:GetObject"], resource_arns=[objects]
        )
        iam.Grant.add_to_principal(
            grantee=reader, actions=["kms:Decrypt"], resource_arns=[self._encryption_key.key_arn]
        )
        self._acknowledge_prefix(reader, objects, "reads the job results under the output prefix")
        return grant

    def _policy_grantee(self, grantee: iam.IGrantable) -> iam.IGrantable:
        return managed_policy_grantee(self, grantee, description="Batch inference access")

    def _acknowledge_prefix(self, grantee: iam.IGrantable, objects: str, what: str) -> None:
        """The object-prefix wildcard on the policy this construct created (its own resource)."""
        policy = managed_policy_of(grantee)
        if policy is None:
            return
        stack = cdk.Stack.of(self)
        finding = f"AwsSolutions-IAM5[Resource::{nag_value(stack, objects)}]"
        if finding not in self._acknowledged.setdefault(policy.node.path, set()):
            self._acknowledged[policy.node.path].add(finding)
            acknowledge(
                policy,
                finding,
                f"the grantee {what}: object keys are named per job at run time, so the "
                "prefix is the narrowest resource, in this construct's own bucket",
            )

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
        jobs = permissions.jobs_arn(self._stack)
        # the foundation model or the profile the job names
        invoked_arn = self._catalog.model_arns(self._model_id)[0]
        states = workflow.definition(
            self,
            bucket=self._bucket,
            key=self._encryption_key,
            input_prefix=self._input_prefix,
            output_prefix=self._output_prefix,
            model_id=self._model_id,
            invoked_arn=invoked_arn,
            jobs=jobs,
            service_role=self._service_role,
            subnet_ids=self._subnet_ids,
            security_groups=self._security_groups,
            timeout_hours=timeout_hours,
            first_wait_s=first_wait_s,
            max_wait_s=max_wait_s,
            dimension=self._name,
        )
        role, policy = permissions.state_machine_role(
            self, invoked_arn=invoked_arn, jobs=jobs, service_role=self._service_role
        )
        machine = sfn.StateMachine(
            self,
            "Resource",
            definition_body=sfn.DefinitionBody.from_chainable(states),
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
