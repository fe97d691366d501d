"""Monthly cost budget and cost-anomaly alerts for one AWS account.

:class:`AccountBudget` builds, in the account of the stack it is placed in:

- an AWS Budgets COST budget with a monthly limit in USD, an ACTUAL alert per threshold and
  an optional FORECASTED alert, optionally limited to the costs carrying one cost-allocation tag;
- Cost Anomaly Detection: a monitor (or an existing one) and an IMMEDIATE alert subscription
  for anomalies whose total impact reaches a USD amount;
- one SNS topic, encrypted with a customer-managed KMS key and TLS-only, that both services
  publish to, with e-mail subscriptions for the people to alert.

The topic policy admits ``budgets.amazonaws.com`` and ``costalerts.amazonaws.com`` to publish
only on behalf of the stack's account (``aws:SourceAccount``; Budgets also by
``aws:SourceArn``), as the AWS Budgets user guide ("Creating an Amazon SNS topic for budget
notifications") documents the topic policy. The key policy admits the two services to
``kms:GenerateDataKey*`` and ``kms:Decrypt`` WITHOUT those conditions: that is the shape the
Amazon SNS developer guide documents for AWS services publishing to an encrypted topic ("Enable
compatibility between event sources from AWS services and encrypted topics"), and nothing AWS
documents says the services send ``aws:SourceAccount``/``aws:SourceArn`` with their KMS
requests; a condition on keys that are never sent would deny every data key, and the alerts
would be dropped without an error anywhere. The publishing account is still enforced by the
topic policy, and the key only encrypts this topic.

Cost Anomaly Detection allows monitors over cost-allocation tags (and linked accounts and cost
categories) only in an organization's management account (AWS Cost Management user guide,
"Getting started with AWS Cost Anomaly Detection": "Cost monitors for linked accounts, cost
allocation tags, and cost categories can only be created in the management account"), and an
account may hold only one dimensional SERVICE monitor. A ``cost_allocation_tag`` with anomaly
detection is therefore refused unless ``management_account=True`` or an existing monitor is
given as ``anomaly_monitor_arn``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import TypeGuard

import aws_cdk as cdk
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_ce as ce
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

__all__ = ["AccountBudget"]

#: AWS Budgets allows five notifications per budget; one is kept for the forecast alert.
MAX_ACTUAL_THRESHOLDS = 4
#: Notification thresholds AWS Budgets accepts, in percent of the limit.
MIN_THRESHOLD_PERCENT = 0.1
MAX_THRESHOLD_PERCENT = 1000.0
#: Cost Anomaly Detection accepts threshold values up to ten billion (USD).
MAX_ANOMALY_THRESHOLD_USD = 10_000_000_000
#: Budget names are 1-100 characters.
MAX_BUDGET_NAME_LENGTH = 100

BUDGETS_SERVICE = "budgets.amazonaws.com"
COST_ALERTS_SERVICE = "costalerts.amazonaws.com"

#: Warning ids this construct may add (``cdk.Annotations``).
IMPORTED_KEY_WARNING_ID = "genai-platform:budget-imported-key"
UNUSED_MONITOR_ARN_WARNING_ID = "genai-platform:budget-unused-monitor-arn"

_EMAIL = re.compile(r"[^@\s/]+@[^@\s/]+\.[A-Za-z]{2,}")
_MONITOR_ARN = re.compile(r"arn:aws[a-z-]*:ce::\d{12}:anomalymonitor/[0-9a-f-]{36}")
_TAG_KEY = re.compile(r"[\w .:/=+\-@]{1,128}")
_TAG_VALUE = re.compile(r"[\w .:/=+\-@]{0,256}")
# Room kept for the region in a generated budget name when the stack's region is a token
# (the longest region names, such as ap-southeast-5, have 14 characters).
_REGION_RESERVE = 16


class AccountBudget(Construct):
    """A monthly cost budget with actual/forecast alerts and cost-anomaly alerts.

    Budgets are account-wide: put one ``AccountBudget`` in one stack per account. Alerts go to
    :attr:`topic`; subscribe more endpoints to it as needed (addresses in ``alert_emails`` must
    confirm their subscription before they receive anything).

    Cost Anomaly Detection allows only ONE dimensional ``SERVICE`` monitor per account, and
    many accounts already have one (the Billing console creates it on first use). Without
    ``cost_allocation_tag`` and ``anomaly_monitor_arn`` this construct creates that monitor, so
    deploying fails in an account that already has one (CloudFormation then reports a
    misleading error about the monitor's properties): pass the existing monitor's ARN as
    ``anomaly_monitor_arn`` to subscribe to it instead, or set ``anomaly_detection=False``.
    A monitor over a cost-allocation tag can only be created in the management account.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        monthly_limit_usd: float,
        alert_emails: Sequence[str] = (),
        actual_thresholds_percent: Sequence[float] = (50, 80, 100),
        forecast_threshold_percent: float | None = 100,
        cost_allocation_tag: tuple[str, str] | None = None,
        anomaly_detection: bool = True,
        anomaly_threshold_usd: float = 100,
        anomaly_monitor_arn: str | None = None,
        management_account: bool = False,
        budget_name: str | None = None,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        """Build the budget, the anomaly alerts and their encrypted topic.

        Args:
            monthly_limit_usd: Monthly budget in USD (> 0).
            alert_emails: Addresses subscribed to the alert topic by e-mail. Default: no
                e-mail subscription (subscribe endpoints to :attr:`topic` yourself).
            actual_thresholds_percent: Alert when actual spend passes each of these
                percentages of the limit (0.1 to 1000, distinct, at most four). Default:
                alerts at 50, 80 and 100 percent.
            forecast_threshold_percent: Alert when forecast spend passes this percentage of
                the limit (0.1 to 1000). Default: an alert at 100 percent; ``None`` sends no
                forecast alert.
            cost_allocation_tag: ``(key, value)`` of an activated cost-allocation tag, such as
                ``("CostCenter", "cc-1")``. The budget then counts only costs carrying that
                tag, and the anomaly monitor created is a CUSTOM monitor over that tag, which
                Cost Anomaly Detection allows only in the management account: outside it give
                ``anomaly_monitor_arn`` or ``anomaly_detection=False`` too. Default: the budget
                counts all of the account's costs, and the anomaly monitor created is the
                account's dimensional SERVICE monitor.
            anomaly_detection: Whether to set up cost-anomaly alerts. Default: on; ``False``
                creates no anomaly monitor and no anomaly subscription (for a second budget
                in an account whose anomalies are already alerted on).
            anomaly_threshold_usd: Report cost anomalies whose total impact is at least this
                many USD (> 0). Default: 100 USD.
            anomaly_monitor_arn: ARN of an existing Cost Anomaly Detection monitor to alert on,
                such as the account's existing SERVICE monitor (only one may exist). Default: a
                monitor is created (see ``cost_allocation_tag``). Unused, with a warning, when
                ``anomaly_detection`` is ``False``.
            management_account: Whether the stack's account is its organization's management
                account (or an account in no organization, which pays its own bill): only
                there may a cost-allocation-tag anomaly monitor be created. Default: not, so
                ``cost_allocation_tag`` with anomaly detection and no ``anomaly_monitor_arn``
                is refused.
            budget_name: Name of the budget: unique in the account, 1-100 characters, no ``:``
                or ``\\``. A fixed name makes later threshold changes fail, because
                CloudFormation replaces a budget to change its notifications and cannot
                replace a custom-named resource. Default: a name made of the construct path
                (which includes the stack name), the stack's region and a hash of the alert
                thresholds, so it changes whenever the budget must be replaced.
            encryption_key: Customer-managed KMS key that encrypts the topic. Statements
                admitting Budgets and Cost Anomaly Detection are added to its key policy (an
                imported key's policy cannot be changed: a warning then says what to add).
                Default: a new key with yearly rotation, scheduled for deletion with the stack
                (the topic keeps no messages at rest).

        Raises:
            ValueError: listing every invalid prop, its value and what is allowed.
        """
        # Validate before joining the tree, so a failed construct leaves nothing behind.
        _validate(
            path="/".join(p for p in (scope.node.path, id) if p),
            monthly_limit_usd=monthly_limit_usd,
            alert_emails=alert_emails,
            actual_thresholds_percent=actual_thresholds_percent,
            forecast_threshold_percent=forecast_threshold_percent,
            cost_allocation_tag=cost_allocation_tag,
            anomaly_threshold_usd=anomaly_threshold_usd,
            anomaly_monitor_arn=anomaly_monitor_arn,
            anomaly_detection=anomaly_detection,
            management_account=management_account,
            budget_name=budget_name,
        )
        super().__init__(scope, id)
        tag = (cost_allocation_tag[0], cost_allocation_tag[1]) if cost_allocation_tag else None
        actual = sorted(actual_thresholds_percent)
        self._actual_thresholds_percent = tuple(actual)

        self._budget_name = budget_name or self._default_name(actual, forecast_threshold_percent)
        self._encryption_key = encryption_key or kms.Key(
            self,
            "Key",
            description=f"Encrypts the cost-alert topic of {self.node.path}",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self._topic = self._build_topic(alert_emails)

        self._budget = budgets.CfnBudget(
            self,
            "Resource",
            budget=_budget_data(self._budget_name, monthly_limit_usd, tag),
            notifications_with_subscribers=[
                *(_notification("ACTUAL", t, self._topic.topic_arn) for t in actual),
                *(
                    [_notification("FORECASTED", forecast_threshold_percent, self._topic.topic_arn)]
                    if forecast_threshold_percent is not None
                    else []
                ),
            ],
        )
        self._publish_after_policies(self._budget)

        self._anomaly_monitor: ce.CfnAnomalyMonitor | None = None
        self._anomaly_monitor_arn: str | None = None
        self._anomaly_subscription: ce.CfnAnomalySubscription | None = None
        if anomaly_detection:
            self._build_anomaly_alerts(tag, anomaly_monitor_arn, anomaly_threshold_usd)
        elif anomaly_monitor_arn is not None:
            cdk.Annotations.of(self).add_warning_v2(
                UNUSED_MONITOR_ARN_WARNING_ID,
                f"anomaly_monitor_arn {anomaly_monitor_arn!r} is unused because "
                "anomaly_detection is False: no anomaly subscription is created",
            )

    # --------------------------------------------------------------------- attributes

    @property
    def topic(self) -> sns.ITopic:
        """The encrypted topic Budgets and Cost Anomaly Detection publish alerts to."""
        return self._topic

    @property
    def encryption_key(self) -> kms.IKey:
        """The KMS key that encrypts :attr:`topic`."""
        return self._encryption_key

    @property
    def budget(self) -> budgets.CfnBudget:
        """The AWS Budgets budget."""
        return self._budget

    @property
    def actual_thresholds_percent(self) -> tuple[float, ...]:
        """The ACTUAL alert thresholds, in percent of the limit, ascending."""
        return self._actual_thresholds_percent

    @property
    def budget_name(self) -> str:
        """The budget's name (a token when the stack's region is not known at synth time)."""
        return self._budget_name

    @property
    def anomaly_monitor(self) -> ce.CfnAnomalyMonitor | None:
        """The anomaly monitor created; None when one was given or anomaly detection is off."""
        return self._anomaly_monitor

    @property
    def anomaly_monitor_arn(self) -> str | None:
        """ARN of the anomaly monitor alerted on (created or given); None when detection is off."""
        return self._anomaly_monitor_arn

    @property
    def anomaly_subscription(self) -> ce.CfnAnomalySubscription | None:
        """The anomaly alert subscription publishing to :attr:`topic`; None when off."""
        return self._anomaly_subscription

    # --------------------------------------------------------------------- building

    def _build_topic(self, alert_emails: Sequence[str]) -> sns.Topic:
        """The encrypted, TLS-only topic both services may publish to, for this account only."""
        stack = cdk.Stack.of(self)
        topic = sns.Topic(
            self,
            "Topic",
            display_name="Cost alerts",
            master_key=self._encryption_key,
            enforce_ssl=True,
        )
        budgets_source_arn = stack.format_arn(
            service="budgets",
            region="",
            resource="*",
            arn_format=cdk.ArnFormat.NO_RESOURCE_NAME,
        )
        for sid, service, arn_condition in (
            ("Budgets", BUDGETS_SERVICE, {"ArnLike": {"aws:SourceArn": budgets_source_arn}}),
            ("CostAnomalyDetection", COST_ALERTS_SERVICE, {}),
        ):
            conditions = {"StringEquals": {"aws:SourceAccount": stack.account}, **arn_condition}
            # The documented key-policy shape: no source conditions (see the module notes).
            added = self._encryption_key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"Allow{sid}ToUseKeyForCostAlerts",
                    principals=[iam.ServicePrincipal(service)],
                    actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                    resources=["*"],
                )
            )
            if not added.statement_added:
                cdk.Annotations.of(self).add_warning_v2(
                    f"{IMPORTED_KEY_WARNING_ID}:{sid}",
                    f"encryption_key is imported, so its key policy was not changed: allow "
                    f"{service} kms:GenerateDataKey* and kms:Decrypt (without aws:SourceAccount "
                    "or aws:SourceArn conditions), or its alerts cannot reach the topic",
                )
            topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"Allow{sid}ToPublishCostAlerts",
                    principals=[iam.ServicePrincipal(service)],
                    actions=["sns:Publish"],
                    resources=[topic.topic_arn],
                    conditions=conditions,
                )
            )
        for address in alert_emails:
            topic.add_subscription(subscriptions.EmailSubscription(address))
        return topic

    def _build_anomaly_alerts(
        self, tag: tuple[str, str] | None, monitor_arn: str | None, threshold_usd: float
    ) -> None:
        if monitor_arn is None:
            if tag:
                # A customer-managed monitor over one tag value (management account only).
                self._anomaly_monitor = ce.CfnAnomalyMonitor(
                    self,
                    "AnomalyMonitor",
                    monitor_name=f"{self._budget_name}-tag",
                    monitor_type="CUSTOM",
                    monitor_specification=_compact_json(
                        {"Tags": {"Key": tag[0], "Values": [tag[1]]}}
                    ),
                )
            else:
                # The account's AWS-managed per-service monitor: only one may exist.
                self._anomaly_monitor = ce.CfnAnomalyMonitor(
                    self,
                    "AnomalyMonitor",
                    monitor_name=f"{self._budget_name}-services",
                    monitor_type="DIMENSIONAL",
                    monitor_dimension="SERVICE",
                )
            monitor_arn = self._anomaly_monitor.attr_monitor_arn
        self._anomaly_monitor_arn = monitor_arn
        self._anomaly_subscription = ce.CfnAnomalySubscription(
            self,
            "AnomalySubscription",
            subscription_name=f"{self._budget_name}-anomalies",
            # SNS subscribers are only allowed with IMMEDIATE alerts.
            frequency="IMMEDIATE",
            monitor_arn_list=[monitor_arn],
            subscribers=[
                ce.CfnAnomalySubscription.SubscriberProperty(
                    address=self._topic.topic_arn, type="SNS"
                )
            ],
            threshold_expression=_compact_json(
                {
                    "Dimensions": {
                        "Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                        "MatchOptions": ["GREATER_THAN_OR_EQUAL"],
                        "Values": [_decimal_text(threshold_usd)],
                    }
                },
            ),
        )
        self._publish_after_policies(self._anomaly_subscription)

    def _publish_after_policies(self, resource: cdk.CfnResource) -> None:
        """Create ``resource`` after the topic policy and key policy that let it publish."""
        resource.node.add_dependency(self._topic.node.find_child("Policy"))
        if isinstance(self._encryption_key, kms.Key):
            resource.node.add_dependency(self._encryption_key)

    def _default_name(self, actual: Sequence[float], forecast: float | None) -> str:
        """Unique per account: construct path (with stack name) + region + alert settings."""
        region = cdk.Stack.of(self).region
        settings = {
            "actual": [_decimal_text(t) for t in actual],
            "forecast": None if forecast is None else _decimal_text(forecast),
        }
        fingerprint = hashlib.sha256(
            json.dumps(settings, sort_keys=True).encode("utf-8")
        ).hexdigest()[:8]
        region_length = _REGION_RESERVE if cdk.Token.is_unresolved(region) else len(region)
        base = cdk.Names.unique_resource_name(
            self,
            max_length=MAX_BUDGET_NAME_LENGTH - region_length - len(fingerprint) - 2,
            separator="-",
        )
        return f"{base}-{region}-{fingerprint}"


def _budget_data(
    name: str, monthly_limit_usd: float, tag: tuple[str, str] | None
) -> budgets.CfnBudget.BudgetDataProperty:
    return budgets.CfnBudget.BudgetDataProperty(
        budget_name=name,
        budget_type="COST",
        time_unit="MONTHLY",
        budget_limit=budgets.CfnBudget.SpendProperty(amount=monthly_limit_usd, unit="USD"),
        # FilterExpression + Metrics replace the deprecated CostFilters + CostTypes pair (the
        # two pairs may not be mixed). The tag key is the plain key, as in Cost Explorer.
        filter_expression=(
            budgets.CfnBudget.ExpressionProperty(
                tags=budgets.CfnBudget.TagValuesProperty(
                    key=tag[0], values=[tag[1]], match_options=["EQUALS"]
                )
            )
            if tag
            else None
        ),
        metrics=["UnblendedCost"] if tag else None,
    )


def _notification(
    kind: str, threshold_percent: float, topic_arn: str
) -> budgets.CfnBudget.NotificationWithSubscribersProperty:
    return budgets.CfnBudget.NotificationWithSubscribersProperty(
        notification=budgets.CfnBudget.NotificationProperty(
            notification_type=kind,
            comparison_operator="GREATER_THAN",
            threshold=threshold_percent,
            threshold_type="PERCENTAGE",
        ),
        subscribers=[
            budgets.CfnBudget.SubscriberProperty(address=topic_arn, subscription_type="SNS")
        ],
    )


def _compact_json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _decimal_text(value: float) -> str:
    """``100.0`` -> ``"100"``, ``12.5`` -> ``"12.5"``: plain decimal text, no exponent."""
    if cdk.Token.is_unresolved(value):
        return cdk.Tokenization.stringify_number(value)
    return format(Decimal(str(value)).normalize(), "f")


# ------------------------------------------------------------------------- validation


def _is_token(value: object) -> bool:
    """A deploy-time value. Only strings and finite numbers are asked (jsii cannot send NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return isinstance(value, (str, int, float)) and cdk.Token.is_unresolved(value)


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _in_threshold_range(value: object) -> bool:
    return _is_number(value) and MIN_THRESHOLD_PERCENT <= value <= MAX_THRESHOLD_PERCENT


_THRESHOLD_RANGE = f"> 0 (at least {MIN_THRESHOLD_PERCENT}) and <= {MAX_THRESHOLD_PERCENT:g}"


def _check_limit(value: object) -> list[str]:
    if _is_token(value) or (_is_number(value) and value > 0):
        return []
    return [f"monthly_limit_usd: {value!r} is not allowed; give a number of USD > 0"]


def _check_emails(value: Sequence[str]) -> list[str]:
    if isinstance(value, str):
        return [f"alert_emails: {value!r} is a single string; give a list of e-mail addresses"]
    problems = []
    resolved = [e for e in value if not _is_token(e)]
    bad = [e for e in resolved if not (isinstance(e, str) and _EMAIL.fullmatch(e))]
    if bad:
        problems.append(
            f"alert_emails: {bad!r} are not e-mail addresses (name@domain.tld, no spaces)"
        )
    duplicates = sorted({str(e) for e in resolved if resolved.count(e) > 1})
    if duplicates:
        problems.append(f"alert_emails: {duplicates!r} listed more than once; list each once")
    return problems


def _check_thresholds(actual: Sequence[float], forecast: float | None) -> list[str]:
    problems = []
    if isinstance(actual, str):
        problems.append(
            f"actual_thresholds_percent: {actual!r} is not allowed; give a list of percentages"
        )
        actual = []
    numbers = [t for t in actual if not _is_token(t)]
    bad = [t for t in numbers if not _in_threshold_range(t)]
    if bad:
        problems.append(
            f"actual_thresholds_percent: {bad!r} outside the allowed range; each must be "
            f"{_THRESHOLD_RANGE}"
        )
    if len(set(numbers)) != len(numbers):
        problems.append(
            f"actual_thresholds_percent: {list(actual)!r} has duplicates; each threshold must "
            "be distinct"
        )
    if len(actual) > MAX_ACTUAL_THRESHOLDS:
        problems.append(
            f"actual_thresholds_percent: {list(actual)!r} has {len(actual)} thresholds; at most "
            f"{MAX_ACTUAL_THRESHOLDS} (AWS Budgets allows 5 notifications per budget, one is "
            "the forecast alert)"
        )
    if forecast is None:
        if not actual:
            problems.append(
                "actual_thresholds_percent: [] with forecast_threshold_percent None leaves the "
                "budget without any alert; give at least one threshold"
            )
    elif not _is_token(forecast) and not _in_threshold_range(forecast):
        problems.append(
            f"forecast_threshold_percent: {forecast!r} is not allowed; give a percentage "
            f"{_THRESHOLD_RANGE}, or None for no forecast alert"
        )
    return problems


def _check_anomaly(threshold_usd: object, monitor_arn: object) -> list[str]:
    problems = []
    if not _is_token(threshold_usd) and not (
        _is_number(threshold_usd) and 0 < threshold_usd <= MAX_ANOMALY_THRESHOLD_USD
    ):
        problems.append(
            f"anomaly_threshold_usd: {threshold_usd!r} is not allowed; give a number of USD > 0 "
            f"and <= {MAX_ANOMALY_THRESHOLD_USD:,}"
        )
    if (
        monitor_arn is not None
        and not _is_token(monitor_arn)
        and not (isinstance(monitor_arn, str) and _MONITOR_ARN.fullmatch(monitor_arn))
    ):
        problems.append(
            f"anomaly_monitor_arn: {monitor_arn!r} is not a Cost Anomaly Detection monitor ARN "
            "(arn:aws:ce::<12-digit account>:anomalymonitor/<uuid>)"
        )
    return problems


def _check_tag_monitor(
    tag: object, monitor_arn: object, anomaly_detection: object, management_account: object
) -> list[str]:
    problems = []
    if not isinstance(management_account, bool):
        problems.append(
            f"management_account: {management_account!r} is not allowed; give True or False"
        )
    if (
        tag is not None
        and anomaly_detection is True
        and monitor_arn is None
        and management_account is False
    ):
        problems.append(
            f"cost_allocation_tag: {tag!r} would create a Cost Anomaly Detection monitor over "
            "a cost-allocation tag, which AWS allows only in the organization's management "
            "account; give anomaly_monitor_arn of an existing monitor, set "
            "anomaly_detection=False, or set management_account=True if this stack is "
            "deployed to the management account"
        )
    return problems


def _check_tag(value: object) -> list[str]:
    if value is None:
        return []
    if not (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(part, str) for part in value)
    ):
        return [
            f"cost_allocation_tag: {value!r} is not allowed; give a (key, value) pair of "
            "strings such as ('CostCenter', 'cc-1')"
        ]
    problems = []
    key, tag_value = value
    if not _is_token(key) and (not _TAG_KEY.fullmatch(key) or key.lower().startswith("aws:")):
        problems.append(
            f"cost_allocation_tag: key {key!r} is not allowed (1-128 letters, digits, spaces "
            "and _.:/=+-@, not starting with aws:)"
        )
    if not _is_token(tag_value) and not _TAG_VALUE.fullmatch(tag_value):
        problems.append(
            f"cost_allocation_tag: value {tag_value!r} is not allowed (0-256 letters, digits, "
            "spaces and _.:/=+-@)"
        )
    return problems


def _check_budget_name(value: object) -> list[str]:
    if value is None or _is_token(value):
        return []
    if (
        isinstance(value, str)
        and 1 <= len(value) <= MAX_BUDGET_NAME_LENGTH
        and not re.search(r"[:\\]", value)
        and "/action/" not in value
    ):
        return []
    return [
        f"budget_name: {value!r} is not allowed (1-{MAX_BUDGET_NAME_LENGTH} characters, "
        "no ':' or '\\', not containing '/action/')"
    ]


def _validate(
    *,
    path: str,
    monthly_limit_usd: float,
    alert_emails: Sequence[str],
    actual_thresholds_percent: Sequence[float],
    forecast_threshold_percent: float | None,
    cost_allocation_tag: tuple[str, str] | None,
    anomaly_threshold_usd: float,
    anomaly_monitor_arn: str | None,
    anomaly_detection: bool,
    management_account: bool,
    budget_name: str | None,
) -> None:
    """Check every prop; raise one ValueError listing all problems."""
    problems = [
        *_check_limit(monthly_limit_usd),
        *_check_emails(alert_emails),
        *_check_thresholds(actual_thresholds_percent, forecast_threshold_percent),
        *_check_anomaly(anomaly_threshold_usd, anomaly_monitor_arn),
        *_check_tag(cost_allocation_tag),
        *_check_tag_monitor(
            cost_allocation_tag, anomaly_monitor_arn, anomaly_detection, management_account
        ),
        *_check_budget_name(budget_name),
    ]
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ValueError(
            f"AccountBudget {path!r}: invalid props ({len(problems)} problems):\n{lines}"
        )
