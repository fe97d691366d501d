"""A cost guard that cuts the generative-AI account's spend when its budget breaks.

:class:`CostGuard` builds, in the generative-AI account:

- a function (``genai_platform/lambda/cost_guard``, stdlib + boto3) subscribed to the account
  budget's SNS topic. On an ACTUAL alert at or above ``trigger_threshold_percent`` it sets every
  given endpoint's Application Auto Scaling target to minimum 0 / maximum 0 with dynamic and
  scheduled scaling suspended, sets the desired count to 0 (inference component copies through
  ``UpdateInferenceComponentRuntimeConfig``, async endpoint instances through
  ``UpdateEndpointWeightsAndCapacities``), flips the gateway's kill switch to ``on``, records
  what it changed and notifies a topic. It engages once: a second alert changes nothing. The
  message format it relies on, and why a bad message is ignored rather than retried, are
  described in ``cg_guard``'s module notes;
- with ``tenant_budgets`` (per-tenant AWS Budgets, :class:`~genai_platform.TenantBudgets`),
  a tenant budget's ACTUAL alert switches only that tenant off: the item
  ``tenant-switch#<id>`` in the gateway's quota table, which the gateway reads per tenant;
  ``genai-platform guard release --tenant <id>`` clears it;
- a DynamoDB table (KMS, point-in-time recovery, deletion protection) holding that record.
  DynamoDB rather than an SSM parameter: a conditional write makes the engagement idempotent
  under SNS's at-least-once delivery and concurrent threshold alerts, and the record has no
  parameter size ceiling. ``genai-platform guard release --table <name>`` restores exactly the
  recorded capacities and the kill switch's previous value;
- optionally, the native second line: an ``AWS::Budgets::BudgetsAction`` that, at the same
  threshold, attaches a deny policy (model invocation: Bedrock and SageMaker runtime) to the
  gateway's invoke role, run by Budgets with an execution role that may attach and detach only
  that policy on only that role. It holds even if the gateway cannot read the kill switch
  (the gateway fails open). CloudFormation shape: AWS CloudFormation template reference,
  ``AWS::Budgets::BudgetsAction`` (``ActionType`` ``APPLY_IAM_POLICY``, ``Definition.
  IamActionDefinition`` with ``PolicyArn`` and ``Roles``, ``ExecutionRoleArn``,
  ``ApprovalModel``, ``Subscribers``). ``guard release`` reverses the action when it ran
  (``ExecuteBudgetAction`` with ``REVERSE_BUDGET_ACTION``). Execution role: AWS Cost
  Management user guide,
  "Setting up a role for AWS Budgets to run budget actions" (a role trusted by
  ``budgets.amazonaws.com``; its example policy allows the ``iam:Attach*Policy`` /
  ``iam:Detach*Policy`` actions on ``*``, narrowed here to ``AttachRolePolicy`` and
  ``DetachRolePolicy`` on the one role, with ``iam:PolicyARN`` limited to the deny policy; that
  Budgets needs nothing beyond these two calls could not be verified without deploying).

Least privilege: the function may register (change) scalable targets --
``application-autoscaling:RegisterScalableTarget`` and ``DescribeScalableTargets`` take no
resource narrower than ``*`` for targets registered by CloudFormation, whose ARNs carry
generated ids -- but Application Auto Scaling also requires the caller's permission on the
target service (Application Auto Scaling user guide, "Identity-based policy examples": users
need permissions for the target service), and those SageMaker permissions
(``Describe``/``Update`` of the inference components and endpoints) name only the given
endpoints. It may read and write only the kill-switch parameter, and get, put and update
items only in its own table.

Scaling to zero needs managed instance scaling with a minimum of 0 instances on the endpoint
(which :class:`~genai_platform.constructs.inference_endpoint.InferenceEndpoint` configures); that
SageMaker accepts a desired copy count of 0 relies on that scale-to-zero support and could not
be verified without deploying.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from genai_platform.compliance import acknowledge
from genai_platform.constructs.budget import AccountBudget
from genai_platform.constructs.inference_endpoint import (
    VARIANT_NAME,
    EndpointMode,
    InferenceEndpoint,
)
from genai_platform.constructs.keys import logs_may_use_key

__all__ = ["CostGuard"]

#: Where the handler's sources live (package data).
_CODE_DIR = Path(__file__).resolve().parent.parent / "lambda" / "cost_guard"
_ASSET_EXCLUDES = ["__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache"]
#: Value of the ``origin`` message attribute on the guard's own notifications (cg_guard).
NOTIFICATION_ORIGIN = "genai-platform-cost-guard"
#: Warning id added when an imported key's policy cannot admit CloudWatch Logs.
IMPORTED_KEY_WARNING_ID = "genai-platform:cost-guard-imported-key"
#: Budgets notification thresholds are 0.1-1000 percent (see budget.py).
MIN_TRIGGER_PERCENT = 0.1
MAX_TRIGGER_PERCENT = 1000.0
#: DynamoDB table names: 3-255 characters of letters, digits, ``_``, ``-`` and ``.``.
_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_TENANT = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
#: What the deny policy of the Budgets action denies the gateway's invoke role. Converse and
#: ConverseStream have no IAM actions of their own: they are authorized as
#: ``bedrock:InvokeModel`` / ``bedrock:InvokeModelWithResponseStream`` (Amazon Bedrock API
#: reference, Converse: "requires permission for the bedrock:InvokeModel action").
DENIED_INVOKE_ACTIONS = (
    "bedrock:InvokeModel",
    "bedrock:InvokeModelWithResponseStream",
    "sagemaker:InvokeEndpoint",
    "sagemaker:InvokeEndpointAsync",
    "sagemaker:InvokeEndpointWithResponseStream",
)


class CostGuard(Construct):
    """Scales the platform's endpoints to zero and flips the kill switch when the budget breaks.

    Put it in the generative-AI account's stack, beside the :class:`AccountBudget` whose alerts
    it acts on. Release an engagement with ``genai-platform guard release --table
    <record table name>`` (the name is in the guard's notification and :attr:`table`).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        budget: AccountBudget,
        endpoints: Sequence[InferenceEndpoint] = (),
        kill_switch: ssm.IStringParameter | None = None,
        trigger_threshold_percent: float = 100,
        gateway_role: iam.IRole | None = None,
        budget_action: bool = True,
        notification_topic: sns.ITopic | None = None,
        record_table_name: str | None = None,
        encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        tenant_budgets: Mapping[str, str] | None = None,
        tenant_switch_table: dynamodb.ITable | None = None,
    ) -> None:
        """Build the guard function, its record table and, optionally, the Budgets action.

        Args:
            budget: The account budget whose ACTUAL alerts engage the guard; the function
                subscribes to its topic and acts only on alerts of this budget.
            endpoints: The platform's endpoints to scale to zero (inference components in
                real-time mode, instances in async mode). Default: none (only the kill switch).
            kill_switch: The gateway's kill-switch parameter (``/<prefix>/gateway/kill-switch``,
                ``GuardedInferenceApi.kill_switch``), set to ``on`` when the guard engages.
                Default: no kill switch is flipped.
            trigger_threshold_percent: The guard engages on an ACTUAL alert whose threshold is
                at least this percentage of the budget (0.1 to 1000, at most the budget's
                highest ACTUAL threshold, or it could never fire). Default: 100 percent.
            gateway_role: The gateway's invoke role (``GuardedInferenceApi.invoke_function.
                role``), which the Budgets action denies model invocation. Default: no
                Budgets action (the guard function is the only line).
            budget_action: Whether to add the Budgets action when ``gateway_role`` is given.
                Default: added.
            notification_topic: Where the guard reports what it changed. Default: the
                budget's alert topic (its own notifications carry the message attribute
                ``origin`` = ``genai-platform-cost-guard``, which the function ignores when it reads
                them back).
            record_table_name: Name of the record table (give one so ``guard release`` can
                be pointed at it from config). Default: a name CloudFormation generates.
            encryption_key: Customer-managed KMS key for the table and the log group.
                Default: a new key with yearly rotation.
            log_retention: Retention of the function's log group. Default: one year.
            tenant_budgets: Budget name -> tenant id of per-tenant budgets alerting the same
                topic (``TenantBudgets.budget_names``): such an alert at or above the trigger
                switches only that tenant off (an item ``tenant-switch#<id>`` in
                ``tenant_switch_table``, which the gateway reads); endpoints and the global
                switch stay as they are. Default: none; every alert of another budget is
                ignored.
            tenant_switch_table: The gateway's quota table (``GuardedInferenceApi.
                quota_table``), where the per-tenant switches live; required with
                ``tenant_budgets``. The guard may put and read only ``tenant-switch#*`` items
                there (``dynamodb:LeadingKeys``). Default: none.

        Raises:
            ValueError: listing every invalid prop, its value and what is allowed.
        """
        _validate(
            path="/".join(p for p in (scope.node.path, id) if p),
            budget=budget,
            endpoints=endpoints,
            kill_switch=kill_switch,
            trigger_threshold_percent=trigger_threshold_percent,
            gateway_role=gateway_role,
            budget_action=budget_action,
            record_table_name=record_table_name,
            tenant_budgets=tenant_budgets,
            tenant_switch_table=tenant_switch_table,
        )
        super().__init__(scope, id)
        self._tenant_budgets = dict(tenant_budgets or {})
        self._tenant_switch_table = tenant_switch_table
        self._endpoints = tuple(endpoints)
        self._key = encryption_key or kms.Key(
            self,
            "Key",
            description=f"Encrypts the cost guard's record and logs ({self.node.path})",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self._notification_topic = notification_topic or budget.topic
        self._table = self._build_table(record_table_name)
        self._role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Execution role of the cost guard",
        )
        self._policy = iam.ManagedPolicy(
            self, "RolePolicy", description="Permissions of the cost guard", roles=[self._role]
        )
        self._function = self._build_function(
            budget, kill_switch, trigger_threshold_percent, log_retention
        )
        self._grant(budget, kill_switch)
        self._budget_action: budgets.CfnBudgetsAction | None = None
        if gateway_role is not None and budget_action:
            self._budget_action, deny = self._build_budget_action(
                budget, gateway_role, trigger_threshold_percent
            )
            # Recorded with an engagement, so that `guard release` reverses the action too.
            self._function.add_environment("DENY_POLICY_ARN", deny.managed_policy_arn)

    # --------------------------------------------------------------------- attributes

    @property
    def function(self) -> lambda_.IFunction:
        """The guard function."""
        return self._function

    @property
    def role(self) -> iam.IRole:
        """The guard function's execution role."""
        return self._role

    @property
    def table(self) -> dynamodb.ITable:
        """The table recording the engagement in force and past releases."""
        return self._table

    @property
    def notification_topic(self) -> sns.ITopic:
        """The topic the guard reports to."""
        return self._notification_topic

    @property
    def budget_action(self) -> budgets.CfnBudgetsAction | None:
        """The Budgets action denying the gateway model invocation; None when not built."""
        return self._budget_action

    # --------------------------------------------------------------------- building

    def _build_table(self, name: str | None) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            "Record",
            table_name=name,
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self._key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        reason = (
            "Point-in-time recovery gives 35 days of continuous restore for this table of a "
            "few cost-guard records; no separate AWS Backup plan is added for it"
        )
        for pack in ("NIST.800.53.R5", "HIPAA.Security"):
            acknowledge(table.node.default_child or table, f"{pack}-DynamoDBInBackupPlan", reason)
        return table

    def _targets(self) -> list[dict[str, str]]:
        targets = []
        for endpoint in self._endpoints:
            if endpoint.mode is EndpointMode.REAL_TIME:
                component = str(endpoint.inference_component_name)
                targets.append(
                    {
                        "kind": "inference-component",
                        "resource_id": f"inference-component/{component}",
                        "scalable_dimension": "sagemaker:inference-component:DesiredCopyCount",
                        "name": component,
                    }
                )
            else:
                targets.append(
                    {
                        "kind": "async-endpoint",
                        "resource_id": f"endpoint/{endpoint.endpoint_name}/variant/{VARIANT_NAME}",
                        "scalable_dimension": "sagemaker:variant:DesiredInstanceCount",
                        "name": endpoint.endpoint_name,
                        "variant": VARIANT_NAME,
                    }
                )
        return targets

    def _build_function(
        self,
        budget: AccountBudget,
        kill_switch: ssm.IStringParameter | None,
        trigger: float,
        log_retention: logs.RetentionDays,
    ) -> lambda_.Function:
        stack = cdk.Stack.of(self)
        added = self._key.add_to_resource_policy(
            logs_may_use_key(stack, sid="AllowCloudWatchLogsForTheCostGuardLogs"),
            allow_no_op=True,
        )
        if not added.statement_added:
            cdk.Annotations.of(self).add_warning_v2(
                IMPORTED_KEY_WARNING_ID,
                "encryption_key is imported, so its key policy was not changed: allow "
                f"logs.{stack.region}.amazonaws.com kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, "
                "kms:GenerateDataKey* and kms:Describe* for this account's log groups, or the "
                "guard's log group cannot be created",
            )
        log_group = logs.LogGroup(
            self,
            "LogGroup",
            encryption_key=self._key,
            retention=log_retention,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        function = lambda_.Function(
            self,
            "Function",
            description="Cost guard: scales the platform's endpoints to zero on a budget alert",
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            handler="cost_guard_app.lambda_handler",
            code=lambda_.Code.from_asset(str(_CODE_DIR), exclude=_ASSET_EXCLUDES),
            role=self._role,
            timeout=cdk.Duration.minutes(2),
            memory_size=256,
            log_group=log_group,
            environment={
                "TARGETS": cdk.Stack.of(self).to_json_string(self._targets()),
                "RECORD_TABLE": self._table.table_name,
                "NOTIFY_TOPIC_ARN": self._notification_topic.topic_arn,
                "TRIGGER_PERCENT": _number_text(trigger),
                "KILL_SWITCH_PARAMETER": kill_switch.parameter_name if kill_switch else "",
                "BUDGET_NAME": budget.budget_name,
                "TENANT_BUDGETS": json.dumps(self._tenant_budgets, sort_keys=True),
                "TENANT_SWITCH_TABLE": (
                    self._tenant_switch_table.table_name if self._tenant_switch_table else ""
                ),
            },
        )
        function.node.add_dependency(self._policy)
        # No filter policy: an ``"exists": false`` filter on the guard's ``origin`` attribute
        # would also drop every Budgets notification, because SNS matches it only when the
        # message has at least one attribute (Amazon SNS developer guide, "Key matching"), and
        # Budgets sends none. The function ignores its own notifications instead.
        function.add_event_source(event_sources.SnsEventSource(budget.topic))
        resource = function.node.default_child or function
        for pack in ("NIST.800.53.R5", "HIPAA.Security"):
            acknowledge(
                resource,
                f"{pack}-LambdaInsideVPC",
                "The guard calls Application Auto Scaling, SageMaker, SSM, DynamoDB and SNS "
                "over TLS with IAM; the platform's isolated subnets have no Application Auto "
                "Scaling endpoint, so it runs in Lambda's network",
            )
            acknowledge(
                resource,
                f"{pack}-LambdaConcurrency",
                "Concurrent alerts are made safe by the record's conditional write (one "
                "engagement wins, the others change nothing); reserving concurrency would take "
                "from the account's unreserved pool and fail on accounts with a low quota",
            )
            acknowledge(
                resource,
                f"{pack}-LambdaDLQ",
                "SNS invokes the guard asynchronously; malformed messages are logged and "
                "ignored, AWS errors are retried by Lambda, and the alert stays in the "
                "budget's e-mail notifications, so a dead-letter queue would add nothing",
            )
        return function

    def _grant(self, budget: AccountBudget, kill_switch: ssm.IStringParameter | None) -> None:
        policy = self._policy
        policy.add_statements(
            iam.PolicyStatement(
                sid="ScalableTargets",
                actions=[
                    "application-autoscaling:DescribeScalableTargets",
                    "application-autoscaling:RegisterScalableTarget",
                ],
                resources=["*"],
            )
        )
        acknowledge(
            policy,
            "AwsSolutions-IAM5[Resource::*]",
            "Scalable targets registered by CloudFormation have ARNs with generated ids, so "
            "Application Auto Scaling's describe and register calls are granted on every "
            "target; Application Auto Scaling also checks the caller's SageMaker permissions, "
            "which name only the guarded endpoints",
        )
        components = [e for e in self._endpoints if e.mode is EndpointMode.REAL_TIME]
        async_endpoints = [e for e in self._endpoints if e.mode is EndpointMode.ASYNC]
        if components:
            policy.add_statements(
                iam.PolicyStatement(
                    sid="InferenceComponents",
                    actions=[
                        "sagemaker:DescribeInferenceComponent",
                        "sagemaker:UpdateInferenceComponentRuntimeConfig",
                    ],
                    resources=[str(e.inference_component_arn) for e in components],
                )
            )
        if self._endpoints:
            policy.add_statements(
                iam.PolicyStatement(
                    sid="Endpoints",
                    actions=["sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig"],
                    resources=[
                        *(e.endpoint_arn for e in self._endpoints),
                        *(e.endpoint_config.ref for e in self._endpoints),
                    ],
                )
            )
        if async_endpoints:
            policy.add_statements(
                iam.PolicyStatement(
                    sid="AsyncEndpointCapacity",
                    actions=["sagemaker:UpdateEndpointWeightsAndCapacities"],
                    resources=[e.endpoint_arn for e in async_endpoints],
                )
            )
        if kill_switch is not None:
            policy.add_statements(
                iam.PolicyStatement(
                    sid="KillSwitch",
                    actions=["ssm:GetParameter", "ssm:PutParameter"],
                    resources=[kill_switch.parameter_arn],
                )
            )
        policy.add_statements(
            iam.PolicyStatement(
                sid="Record",
                actions=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                resources=[self._table.table_arn],
            ),
            iam.PolicyStatement(
                sid="RecordKey",
                actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                resources=[self._key.key_arn],
            ),
            iam.PolicyStatement(
                sid="Notify",
                actions=["sns:Publish"],
                resources=[self._notification_topic.topic_arn],
            ),
        )
        switches = self._tenant_switch_table
        if switches is not None and self._tenant_budgets:
            policy.add_statements(
                iam.PolicyStatement(
                    sid="TenantSwitches",
                    actions=["dynamodb:PutItem"],
                    resources=[switches.table_arn],
                    conditions={
                        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["tenant-switch#*"]}
                    },
                )
            )
            if switches.encryption_key is not None:
                policy.add_statements(
                    iam.PolicyStatement(
                        sid="TenantSwitchesKey",
                        actions=["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
                        resources=[switches.encryption_key.key_arn],
                    )
                )
        if self._notification_topic is budget.topic:
            policy.add_statements(
                iam.PolicyStatement(
                    sid="NotifyKey",
                    actions=["kms:Decrypt", "kms:GenerateDataKey"],
                    resources=[budget.encryption_key.key_arn],
                )
            )

    def _build_budget_action(
        self, budget: AccountBudget, gateway_role: iam.IRole, trigger: float
    ) -> tuple[budgets.CfnBudgetsAction, iam.ManagedPolicy]:
        stack = cdk.Stack.of(self)
        deny = iam.ManagedPolicy(
            self,
            "DenyModelInvocation",
            description=(
                "Attached by the AWS Budgets action when the budget breaks: denies the gateway "
                "model invocation"
            ),
            statements=[
                iam.PolicyStatement(
                    sid="DenyModelInvocation",
                    effect=iam.Effect.DENY,
                    actions=list(DENIED_INVOKE_ACTIONS),
                    resources=["*"],
                )
            ],
        )
        execution_role = iam.Role(
            self,
            "BudgetActionRole",
            assumed_by=iam.ServicePrincipal(
                "budgets.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
            description="Lets AWS Budgets attach the cost guard's deny policy to the gateway",
        )
        iam.ManagedPolicy(
            self,
            "BudgetActionPolicy",
            description="Attach and detach only the deny policy, only on the gateway's role",
            roles=[execution_role],
            statements=[
                iam.PolicyStatement(
                    sid="AttachDenyPolicy",
                    actions=["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
                    resources=[gateway_role.role_arn],
                    conditions={"ArnEquals": {"iam:PolicyARN": deny.managed_policy_arn}},
                )
            ],
        )
        action = budgets.CfnBudgetsAction(
            self,
            "BudgetAction",
            budget_name=budget.budget_name,
            notification_type="ACTUAL",
            action_type="APPLY_IAM_POLICY",
            action_threshold=budgets.CfnBudgetsAction.ActionThresholdProperty(
                type="PERCENTAGE", value=trigger
            ),
            execution_role_arn=execution_role.role_arn,
            approval_model="AUTOMATIC",
            definition=budgets.CfnBudgetsAction.DefinitionProperty(
                iam_action_definition=budgets.CfnBudgetsAction.IamActionDefinitionProperty(
                    policy_arn=deny.managed_policy_arn, roles=[gateway_role.role_name]
                )
            ),
            subscribers=[
                budgets.CfnBudgetsAction.SubscriberProperty(
                    type="SNS", address=budget.topic.topic_arn
                )
            ],
        )
        # The budget is referenced by name, not by a token: create it first.
        action.node.add_dependency(budget.budget)
        action.node.add_dependency(execution_role)
        return action, deny


def _number_text(value: float) -> str:
    return format(value, "g")


# ------------------------------------------------------------------------- validation


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _validate(
    *,
    path: str,
    budget: object,
    endpoints: object,
    kill_switch: object,
    trigger_threshold_percent: object,
    gateway_role: object,
    budget_action: object,
    record_table_name: object,
    tenant_budgets: object = None,
    tenant_switch_table: object = None,
) -> None:
    """Check every prop; raise one ValueError listing all problems."""
    problems = []
    if tenant_budgets is not None:
        if not isinstance(tenant_budgets, Mapping) or not all(
            isinstance(k, str)
            and 1 <= len(k) <= 100
            and isinstance(v, str)
            and _TENANT.fullmatch(v)
            for k, v in tenant_budgets.items()
        ):
            problems.append(
                f"tenant_budgets: {tenant_budgets!r} is not allowed; give {{'<budget name>': "
                "'<tenant id>'}} (TenantBudgets.budget_names)"
            )
        elif tenant_budgets and tenant_switch_table is None:
            problems.append(
                "tenant_switch_table: None with tenant_budgets; give the gateway's quota table "
                "(GuardedInferenceApi.quota_table), where the per-tenant switches live"
            )
    if tenant_switch_table is not None and not hasattr(tenant_switch_table, "table_arn"):
        problems.append(
            f"tenant_switch_table: {tenant_switch_table!r} is not allowed; give a dynamodb.ITable"
        )
    if not isinstance(budget, AccountBudget):
        problems.append(f"budget: {budget!r} is not allowed; give the account's AccountBudget")
    if isinstance(endpoints, (str, bytes)) or not isinstance(endpoints, Sequence):
        problems.append(
            f"endpoints: {endpoints!r} is not allowed; give a list of InferenceEndpoint"
        )
        endpoints = ()
    else:
        bad = [e for e in endpoints if not isinstance(e, InferenceEndpoint)]
        if bad:
            problems.append(
                f"endpoints: {bad!r} are not InferenceEndpoint constructs; give the platform's "
                "InferenceEndpoint objects (their scalable targets are what the guard changes)"
            )
        paths = [e.node.path for e in endpoints if isinstance(e, InferenceEndpoint)]
        duplicates = sorted({p for p in paths if paths.count(p) > 1})
        if duplicates:
            problems.append(f"endpoints: {duplicates!r} listed more than once; list each once")
    if kill_switch is not None and not hasattr(kill_switch, "parameter_arn"):
        problems.append(
            f"kill_switch: {kill_switch!r} is not allowed; give an ssm.IStringParameter "
            "(GuardedInferenceApi.kill_switch) or None"
        )
    if not (
        _is_number(trigger_threshold_percent)
        and MIN_TRIGGER_PERCENT <= trigger_threshold_percent <= MAX_TRIGGER_PERCENT  # type: ignore[operator]
    ):
        problems.append(
            f"trigger_threshold_percent: {trigger_threshold_percent!r} is not allowed; give a "
            f"percentage from {MIN_TRIGGER_PERCENT} to {MAX_TRIGGER_PERCENT:g}"
        )
    elif isinstance(budget, AccountBudget):
        known = [t for t in budget.actual_thresholds_percent if not cdk.Token.is_unresolved(t)]
        if known and trigger_threshold_percent > max(known):  # type: ignore[operator]
            problems.append(
                f"trigger_threshold_percent: {trigger_threshold_percent!r} is above every ACTUAL "
                f"alert of the budget ({', '.join(f'{t:g}' for t in known)}), so the guard "
                "could never engage; give at most the highest threshold"
            )
    if gateway_role is not None and not hasattr(gateway_role, "role_arn"):
        problems.append(f"gateway_role: {gateway_role!r} is not allowed; give an iam.IRole or None")
    if not isinstance(budget_action, bool):
        problems.append(f"budget_action: {budget_action!r} is not allowed; give True or False")
    if (
        record_table_name is not None
        and not (isinstance(record_table_name, str) and cdk.Token.is_unresolved(record_table_name))
        and not (isinstance(record_table_name, str) and _TABLE_NAME.fullmatch(record_table_name))
    ):
        problems.append(
            f"record_table_name: {record_table_name!r} is not allowed (3-255 letters, digits, "
            "'_', '-' and '.')"
        )
    if not endpoints and kill_switch is None and gateway_role is None and not tenant_budgets:
        problems.append(
            "endpoints: [] with kill_switch None and gateway_role None leaves the guard nothing "
            "to act on; give the endpoints to scale to zero, the kill switch, or the gateway role"
        )
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ValueError(f"CostGuard {path!r}: invalid props ({len(problems)} problems):\n{lines}")
