"""Ingestion on change: document changes in the data account start (few) ingestion jobs in the
generative-AI account.

The flow::

    data account                              generative-AI account
    documents bucket (EventBridge on)         event bus <name> (policy: only the data account,
      -> default bus -> rule: Object Created/    within the organization when one is set)
         Deleted under the prefixes            -> rule: same pattern, from that account only
      -> target: the generative-AI bus           -> SQS queue (KMS, TLS-only, dead-letter queue)
         (role allowed PutEvents on it only)        -> starter function (batching window)
                                                    -> bedrock-agent:StartIngestionJob
                                              schedule (default daily) -> same queue: full sync

* :class:`DocumentEventForwarding` (data account): turns on S3's EventBridge notifications on
  the documents bucket (``NotificationConfiguration.EventBridgeConfiguration``; Amazon S3 user
  guide, "Using EventBridge") and forwards the changes under the prefixes to the generative-AI
  account's bus. Cross-account targets need the sender to be admitted by the target bus's
  resource policy and a role for the rule (Amazon EventBridge user guide, "Sending and receiving
  events between AWS accounts").
* :class:`KnowledgeBaseIngestion` (generative-AI account): the bus, its policy, the rule, the
  queue and its dead-letter queue, the starter function
  (``genai_platform/lambda/ingestion``; how it debounces is in ``ks_starter``'s notes), and
  the scheduled full sync as a safety net (it also recovers changes whose messages ended in
  the dead-letter queue).

Debouncing: the function reads the queue with a batching window (default 5 minutes; at most
300 seconds, Lambda developer guide, "Using Lambda with Amazon SQS": batch size up to 10,000
for standard queues) and at most two concurrent batches (the event source mapping's
``MaximumConcurrency``, minimum 2). A burst of uploads becomes one batch and one job; messages
arriving while a job runs come back after the queue's visibility timeout (``retry_interval``,
default 15 minutes) and start at most one more job once it finished. After
``max_receive_count`` attempts (default 96: a day at 15 minutes) a message moves to the
dead-letter queue, which keeps it 14 days.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import aws_cdk as cdk
import jsii
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces import aws_events as events_refs
from constructs import Construct

from genai_platform.compliance import acknowledge
from genai_platform.constructs.keys import logs_may_use_key
from genai_platform.constructs.knowledge_base.knowledge_base import KnowledgeBase

__all__ = [
    "CHANGE_DETAIL_TYPES",
    "DocumentEventForwarding",
    "KnowledgeBaseIngestion",
    "ingestion_event_bus_arn",
]

#: The S3 EventBridge event types that change what a knowledge base should hold.
CHANGE_DETAIL_TYPES: tuple[str, ...] = ("Object Created", "Object Deleted")
#: Where the starter's sources live (package data).
_CODE_DIR = Path(__file__).resolve().parent.parent.parent / "lambda" / "ingestion"
_ASSET_EXCLUDES = ["__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache"]
#: Lambda's SQS batching window limit, and the batch size limit of standard queues.
MAX_BATCHING_WINDOW = cdk.Duration.seconds(300)
MAX_BATCH_SIZE = 10_000
#: Actions the starter needs on the knowledge base (ingestion jobs are authorized on it).
STARTER_ACTIONS: tuple[str, ...] = ("bedrock:StartIngestionJob", "bedrock:ListIngestionJobs")


def ingestion_event_bus_arn(
    account: str, region: str, event_bus_name: str, *, partition: str = "aws"
) -> str:
    """``arn:<partition>:events:<region>:<account>:event-bus/<name>``: the bus a
    :class:`KnowledgeBaseIngestion` of that account creates with ``event_bus_name``."""
    return f"arn:{partition}:events:{region}:{account}:event-bus/{event_bus_name}"


def _change_pattern(
    bucket_name: str, prefixes: Sequence[str], account: str | None = None
) -> events.EventPattern:
    detail: dict[str, object] = {"bucket": {"name": [bucket_name]}}
    if prefixes:
        detail["object"] = {"key": [{"prefix": p} for p in prefixes]}
    return events.EventPattern(
        source=["aws.s3"],
        detail_type=list(CHANGE_DETAIL_TYPES),
        account=[account] if account else None,
        detail=detail,
    )


class DocumentEventForwarding(Construct):
    """Data account: forward created/deleted documents under ``prefixes`` of ``bucket`` to the
    generative-AI account's ingestion bus."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket: s3.IBucket,
        target_event_bus_arn: str,
        prefixes: Sequence[str] = (),
    ) -> None:
        """Enable EventBridge notifications on ``bucket`` and add the forwarding rule.

        Args:
            bucket: The documents bucket (a bucket of this stack: its notification setting is
                changed).
            target_event_bus_arn: The generative-AI account's bus
                (:func:`ingestion_event_bus_arn`).
            prefixes: Key prefixes whose changes are forwarded. Default: every key.

        Raises:
            ValueError: the bucket is not a bucket of this stack, or the ARN is not an event
                bus ARN.
        """
        problems = []
        resource = bucket.node.default_child
        if not isinstance(resource, s3.CfnBucket):
            problems.append(
                f"bucket: {bucket.node.path!r} is not a bucket of this stack; its EventBridge "
                "notifications cannot be turned on here"
            )
        parts = target_event_bus_arn.split(":") if isinstance(target_event_bus_arn, str) else []
        if len(parts) != 6 or parts[2] != "events" or not parts[5].startswith("event-bus/"):
            problems.append(
                f"target_event_bus_arn: {target_event_bus_arn!r} is not an event bus ARN "
                "(arn:<partition>:events:<region>:<account>:event-bus/<name>)"
            )
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__(scope, id)
        assert isinstance(resource, s3.CfnBucket)
        resource.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            event_bridge_configuration=s3.CfnBucket.EventBridgeConfigurationProperty(
                event_bridge_enabled=True
            )
        )
        stack = cdk.Stack.of(self)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "events.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
            description="Forwards document changes to the generative-AI account's bus",
        )
        self.policy = iam.ManagedPolicy(
            self,
            "RolePolicy",
            description="Put events on the generative-AI account's ingestion bus only",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(actions=["events:PutEvents"], resources=[target_event_bus_arn])
            ],
        )
        self.rule = events.Rule(
            self,
            "Rule",
            description="Documents created or deleted: to the knowledge base's ingestion",
            event_pattern=_change_pattern(bucket.bucket_name, prefixes),
            targets=[_BusTarget(target_event_bus_arn, self.role)],
        )
        self.rule.node.add_dependency(self.policy)


class KnowledgeBaseIngestion(Construct):
    """Generative-AI account: the bus, queue, starter function and scheduled full sync that keep
    a :class:`KnowledgeBase` in step with its documents (see the module notes)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        knowledge_base: KnowledgeBase,
        source_account: str | None = None,
        event_bus_name: str | None = None,
        organization_id: str | None = None,
        full_sync: bool = True,
        full_sync_schedule: events.Schedule | None = None,
        batching_window: cdk.Duration | None = None,
        retry_interval: cdk.Duration | None = None,
        max_receive_count: int = 96,
        encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
    ) -> None:
        """Build the ingestion path of ``knowledge_base``.

        Args:
            knowledge_base: The knowledge base to keep in sync.
            source_account: The account whose documents bucket sends change events (the
                bucket's owner). Default: none; only the scheduled full sync starts jobs
                (no bus is created).
            event_bus_name: Name of the bus the source account sends to (give one, so the
                source account can address it). Default: ``<knowledge base name>-documents``.
            organization_id: When set, the bus admits the source account only from within
                this organization (``aws:PrincipalOrgID``). Default: the account alone.
            full_sync: Whether to run the scheduled full sync. Default: on.
            full_sync_schedule: Schedule of the full sync. Default: once a day
                (``rate(1 day)``).
            batching_window: How long changes are gathered before a batch is handled (at most
                5 minutes). Default: 5 minutes.
            retry_interval: The queue's visibility timeout: how long a change waits when a job
                is running (at least 6 times the function's 60-second timeout). Default:
                15 minutes.
            max_receive_count: Attempts before a change moves to the dead-letter queue (1 to
                1000). Default: 96 (a day at 15 minutes).
            encryption_key: Key of the queues and the log group. Default: the knowledge
                base's key.
            log_retention: Retention of the function's log group. Default: one year.

        Raises:
            ValueError: listing every invalid prop, its value and what is allowed.
        """
        batching_window = batching_window or MAX_BATCHING_WINDOW
        retry_interval = retry_interval or cdk.Duration.minutes(15)
        _validate(
            path="/".join(p for p in (scope.node.path, id) if p),
            source_account=source_account,
            event_bus_name=event_bus_name,
            organization_id=organization_id,
            batching_window=batching_window,
            retry_interval=retry_interval,
            max_receive_count=max_receive_count,
        )
        super().__init__(scope, id)
        self._kb = knowledge_base
        key = encryption_key or knowledge_base.encryption_key
        self._key = key
        name = knowledge_base.knowledge_base_name[:60]
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            queue_name=f"{name}-dlq",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        acknowledge(
            self.dead_letter_queue.node.default_child or self.dead_letter_queue,
            "AwsSolutions-SQS3",
            "This queue is the dead-letter queue of the ingestion queue; changes that land "
            "here are also picked up by the scheduled full sync",
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=f"{name}-changes",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            visibility_timeout=retry_interval,
            retention_period=cdk.Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=max_receive_count
            ),
        )
        self.function = self._build_function(key, log_retention, batching_window)
        self.event_bus: events.EventBus | None = None
        rules: list[events.Rule] = []
        if source_account is not None:
            self.event_bus = self._build_bus(
                event_bus_name or f"{knowledge_base.knowledge_base_name}-documents",
                source_account,
                organization_id,
            )
            change_rule = events.Rule(
                self,
                "ChangeRule",
                event_bus=self.event_bus,
                description=f"Document changes for {knowledge_base.knowledge_base_name}",
                event_pattern=_change_pattern(
                    knowledge_base.documents_bucket.bucket_name,
                    [s.prefix for s in knowledge_base.data_sources if s.prefix],
                    source_account,
                ),
                targets=[_QueueTarget(self.queue, self.dead_letter_queue)],
            )
            rules.append(change_rule)
        if full_sync:
            rules.append(
                events.Rule(
                    self,
                    "FullSyncRule",
                    description=f"Scheduled full sync of {knowledge_base.knowledge_base_name}",
                    schedule=full_sync_schedule or events.Schedule.rate(cdk.Duration.days(1)),
                    targets=[_QueueTarget(self.queue, self.dead_letter_queue)],
                )
            )
        self._admit_rules(rules, [f"{name}-changes", f"{name}-dlq"])

    # --------------------------------------------------------------------- building

    def _admit_rules(self, rules: list[events.Rule], queue_names: list[str]) -> None:
        """EventBridge may send to the queues only for these rules, and use the key only for
        these queues (SQS's encryption context ``aws:sqs:arn``; the ARNs are written out, as
        the queues already reference the key)."""
        stack = cdk.Stack.of(self)
        for queue in (self.queue, self.dead_letter_queue):
            queue.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="EventRulesOfThisKnowledgeBase",
                    principals=[iam.ServicePrincipal("events.amazonaws.com")],
                    actions=["sqs:SendMessage"],
                    resources=[queue.queue_arn],
                    conditions={"ArnEquals": {"aws:SourceArn": [r.rule_arn for r in rules]}},
                )
            )
        arns = [
            f"arn:{stack.partition}:sqs:{stack.region}:{stack.account}:{n}" for n in queue_names
        ]
        self._key.add_to_resource_policy(
            iam.PolicyStatement(
                sid=f"AllowEventBridgeToIngestionQueues{self.node.addr[:12]}",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"ArnEquals": {"kms:EncryptionContext:aws:sqs:arn": arns}},
            ),
            allow_no_op=True,
        )

    def _build_bus(
        self, name: str, source_account: str, organization_id: str | None
    ) -> events.EventBus:
        bus = events.EventBus(
            self,
            "EventBus",
            event_bus_name=name,
            description="Document change events from the data account",
        )
        conditions = (
            {"StringEquals": {"aws:PrincipalOrgID": organization_id}} if organization_id else None
        )
        bus.add_to_resource_policy(
            iam.PolicyStatement(
                sid="DocumentChangesFromTheDataAccount",
                principals=[iam.AccountPrincipal(source_account)],
                actions=["events:PutEvents"],
                resources=[bus.event_bus_arn],
                conditions=conditions,
            )
        )
        return bus

    def _build_function(
        self, key: kms.IKey, log_retention: logs.RetentionDays, batching_window: cdk.Duration
    ) -> lambda_.Function:
        stack = cdk.Stack.of(self)
        kb = self._kb
        key.add_to_resource_policy(
            logs_may_use_key(stack, sid=f"AllowLogsForIngestion{self.node.addr[:12]}"),
            allow_no_op=True,
        )
        log_group = logs.LogGroup(
            self,
            "LogGroup",
            encryption_key=key,
            retention=log_retention,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        role = _StarterRole(
            self, "StarterRole", description=f"Ingestion starter of {kb.knowledge_base_name}"
        )
        policy = role.managed_policy
        policy.add_statements(
            iam.PolicyStatement(
                sid="IngestionJobs",
                actions=list(STARTER_ACTIONS),
                resources=[kb.knowledge_base_arn],
            ),
            iam.PolicyStatement(
                sid="Logs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            ),
        )
        data_sources = [{"id": s.data_source_id, "prefix": s.prefix} for s in kb.data_sources]
        function = lambda_.Function(
            self,
            "Function",
            description=f"Starts ingestion jobs of {kb.knowledge_base_name} on document changes",
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            handler="ingestion_app.lambda_handler",
            code=lambda_.Code.from_asset(str(_CODE_DIR), exclude=_ASSET_EXCLUDES),
            role=role,
            timeout=cdk.Duration.seconds(60),
            memory_size=256,
            log_group=log_group,
            environment={
                "KNOWLEDGE_BASE_ID": kb.knowledge_base_id,
                "KNOWLEDGE_BASE_ALIAS": kb.alias,
                "DATA_SOURCES": stack.to_json_string(data_sources),
            },
        )
        function.node.add_dependency(policy)
        function.add_event_source(
            event_sources.SqsEventSource(
                self.queue,
                batch_size=MAX_BATCH_SIZE,
                max_batching_window=batching_window,
                report_batch_item_failures=True,
                max_concurrency=2,
            )
        )
        resource = function.node.default_child or function
        for pack in ("NIST.800.53.R5", "HIPAA.Security"):
            acknowledge(
                resource,
                f"{pack}-LambdaInsideVPC",
                "The starter only calls the Bedrock agent API (StartIngestionJob, "
                "ListIngestionJobs) over TLS with IAM; the private network has no "
                "bedrock-agent endpoint, so it runs in Lambda's network",
            )
            acknowledge(
                resource,
                f"{pack}-LambdaConcurrency",
                "The SQS event source mapping caps the starter at two concurrent batches "
                "(MaximumConcurrency); reserving concurrency would take from the account's "
                "unreserved pool",
            )
            acknowledge(
                resource,
                f"{pack}-LambdaDLQ",
                "The starter is invoked synchronously by its SQS event source mapping; failed "
                "messages move to the ingestion queue's dead-letter queue after the redrive "
                "policy's attempts",
            )
        return function


@jsii.implements(events.IRuleTarget)
class _BusTarget:
    """Another account's event bus, put to with ``role`` (whose customer-managed policy allows
    exactly that; CDK's ``EventBus`` target would add an inline policy to the role)."""

    def __init__(self, event_bus_arn: str, role: iam.IRole) -> None:
        self._arn = event_bus_arn
        self._role = role

    def bind(self, rule: events_refs.IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        return events.RuleTargetConfig(arn=self._arn, role=self._role)


@jsii.implements(events.IRuleTarget)
class _QueueTarget:
    """An SQS target whose permissions :meth:`KnowledgeBaseIngestion._admit_rules` writes
    (CDK's ``SqsQueue`` target admits EventBridge without conditions on a KMS-encrypted queue)."""

    def __init__(self, queue: sqs.IQueue, dead_letter_queue: sqs.IQueue) -> None:
        self._queue = queue
        self._dead_letter_queue = dead_letter_queue

    def bind(self, rule: events_refs.IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        return events.RuleTargetConfig(
            arn=self._queue.queue_arn,
            dead_letter_config=events.CfnRule.DeadLetterConfigProperty(
                arn=self._dead_letter_queue.queue_arn
            ),
            retry_policy=events.CfnRule.RetryPolicyProperty(
                maximum_event_age_in_seconds=86_400, maximum_retry_attempts=185
            ),
        )


class _StarterRole(iam.Role):
    """The starter's execution role; every grant to it (the queue's, from the event source)
    lands in one customer-managed policy, never an inline one."""

    def __init__(self, scope: Construct, id: str, *, description: str) -> None:
        super().__init__(
            scope,
            id,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=description,
        )
        self.managed_policy = iam.ManagedPolicy(
            scope, f"{id}Policy", description=f"Permissions of the {description}", roles=[self]
        )

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        self.managed_policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(
            statement_added=True, policy_dependable=self.managed_policy
        )


def _validate(
    *,
    path: str,
    source_account: object,
    event_bus_name: object,
    organization_id: object,
    batching_window: cdk.Duration,
    retry_interval: cdk.Duration,
    max_receive_count: object,
) -> None:
    import re

    problems = []
    if source_account is not None and (
        not isinstance(source_account, str) or not re.fullmatch(r"\d{12}", source_account)
    ):
        problems.append(f"source_account: {source_account!r} is not a 12-digit AWS account id")
    if event_bus_name is not None and (
        not isinstance(event_bus_name, str)
        or not re.fullmatch(r"[A-Za-z0-9._-]{1,256}", event_bus_name)
        or event_bus_name == "default"
    ):
        problems.append(
            f"event_bus_name: {event_bus_name!r} is not allowed; 1-256 letters, digits, '.', "
            "'_' and '-', not 'default'"
        )
    if organization_id is not None and (
        not isinstance(organization_id, str)
        or not re.fullmatch(r"o-[a-z0-9]{10,32}", organization_id)
    ):
        problems.append(f"organization_id: {organization_id!r} is not an AWS Organizations id")
    if batching_window.to_seconds() > MAX_BATCHING_WINDOW.to_seconds() or (
        batching_window.to_seconds() < 1
    ):
        problems.append(
            f"batching_window: {batching_window.to_seconds()} seconds is not allowed; 1 to 300"
        )
    if retry_interval.to_seconds() < 360 or retry_interval.to_seconds() > 43_200:
        problems.append(
            f"retry_interval: {retry_interval.to_seconds()} seconds is not allowed; 360 (six "
            "times the starter's timeout) to 43200 (SQS's visibility timeout limit)"
        )
    if (
        not isinstance(max_receive_count, int)
        or isinstance(max_receive_count, bool)
        or not 1 <= max_receive_count <= 1000
    ):
        problems.append(f"max_receive_count: {max_receive_count!r} is not allowed; 1 to 1000")
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ValueError(
            f"KnowledgeBaseIngestion {path!r}: invalid props ({len(problems)} problems):\n{lines}"
        )
