"""The cost guard: on a budget's ACTUAL alert, scale the platform's endpoints to zero and flip
the gateway's kill switch, once, recording what it changed.

Plain functions over an explicit :class:`Runtime` (clients injected), so every behaviour is
testable without AWS. ``cost_guard_app`` is the thin Lambda entry.

**The alert.** The function is subscribed to the account budget's SNS topic, which also carries
Cost Anomaly Detection alerts. AWS Budgets sends its SNS notifications as plain text, and AWS
documents no schema for that text (none was found in the AWS Budgets user guide or API
reference; unverified beyond that). The parser relies on labelled lines as budget
notifications carry them (``Budget Name: ...``, ``Alert Type: ACTUAL``, ``Alert Threshold: >
$80.00``, ``Budgeted Amount: $100.00``), and on the SNS-to-Lambda event shape
(``Records[].Sns.Message``, ``MessageId``, ``TopicArn``; AWS Lambda developer guide, "Using
Lambda with Amazon SNS"). The threshold percentage is ``Alert Threshold`` over ``Budgeted
Amount`` (or the threshold itself when it is written with ``%``). Because the text format is
not documented, anything that does not parse -- a changed format, an anomaly alert (JSON), a
FORECASTED alert, a threshold under ``TRIGGER_PERCENT``, another budget's alert -- is logged
and ignored: never an exception, so Lambda's retries of the asynchronous invocation never loop
on a message that can never succeed. Only AWS errors raise (Lambda then retries the
invocation, and a retry resumes where the first attempt stopped).

**What it changes**, for each target (an inference component's copy count or an async
endpoint's variant instance count, both Application Auto Scaling scalable targets in the
``sagemaker`` namespace): the scalable target's minimum and maximum to 0 with dynamic and
scheduled scaling suspended (so neither the wake-from-zero step policy nor a schedule brings
capacity back), then the desired count to 0 (``UpdateInferenceComponentRuntimeConfig``
``CopyCount`` 0, or ``UpdateEndpointWeightsAndCapacities`` ``DesiredInstanceCount`` 0); then the
kill switch to ``on``.

**A tenant's budget** (``TENANT_BUDGETS``: budget name -> tenant id; the per-tenant AWS Budgets
filter on the tenant tag of its application inference profiles) switches only that tenant off:
:func:`engage_tenant` records ``pk = "tenant#<id>"`` (conditional write, so a second alert
changes nothing), then puts ``pk = "tenant-switch#<id>"``, ``state = on`` in the gateway's quota
table (``TENANT_SWITCH_TABLE``), which the gateway reads per tenant (``gw_cost``) and answers
503. Endpoints and the global switch are left alone. ``genai-platform guard release --tenant
<id>`` deletes the switch item and moves the record to history in one transaction.

**The record** is one DynamoDB item (``pk = "current"``) written with a condition before anything
changes: previous minimum, maximum, desired count and suspended state of every target, the
kill switch's previous value, the alert and the time. DynamoDB rather than an SSM parameter:
the conditional write makes engagement idempotent even when SNS delivers twice or two
thresholds fire together, and the record has no 4 KB (8 KB advanced) size ceiling. Status
``engaging`` means changes may be half applied: a retry re-applies the zeroes from the
RECORDED capacities (never re-reads them, they may already be zero) and then marks it
``engaged``. Once ``engaged``, a further alert changes nothing. ``genai-platform guard
release`` restores the recorded capacities and moves the item to history.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "CURRENT_KEY",
    "NOTIFICATION_ORIGIN",
    "Alert",
    "Runtime",
    "Target",
    "handle_event",
    "parse_alert",
    "parse_targets",
]

CURRENT_KEY = "current"
"""Partition key of the item recording the engagement in force."""
NOTIFICATION_ORIGIN = "genai-platform-cost-guard"
"""Value of the ``origin`` message attribute on the guard's own notifications: when the guard
reports to the topic it listens to, it reads them back and ignores them by this attribute."""
KINDS = ("inference-component", "async-endpoint")
_MAX_MESSAGE_CHARS = 20_000
_FIELD = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z ]{2,40}?)\s*:\s*(?P<value>.+?)\s*$", re.M)
_AMOUNT = re.compile(r"\$?\s*(?P<number>\d[\d,]*(?:\.\d+)?)")


@dataclass(frozen=True)
class Target:
    """One scalable target the guard may zero."""

    kind: str
    resource_id: str
    scalable_dimension: str
    name: str
    variant: str = "AllTraffic"


@dataclass(frozen=True)
class Alert:
    """The parts of a budget notification the guard acts on."""

    budget_name: str
    alert_type: str
    threshold_percent: float
    message_id: str
    topic_arn: str


@dataclass
class Runtime:
    """Everything the guard talks to, injected."""

    autoscaling: Any
    sagemaker: Any
    ssm: Any
    dynamodb: Any
    sns: Any
    logger: Any
    table_name: str
    targets: Sequence[Target]
    kill_switch_parameter: str | None
    notify_topic_arn: str
    trigger_percent: float
    budget_name: str | None
    deny_policy_arn: str | None = None
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    tenant_budgets: Mapping[str, str] = field(default_factory=dict)
    """Budget name -> tenant id: a tenant budget's alert switches only that tenant off."""
    tenant_switch_table: str | None = None
    """The gateway's quota table, where the per-tenant switches live (``gw_cost``)."""


# ---------------------------------------------------------------------------- parsing


def parse_targets(text: str) -> list[Target]:
    """``TARGETS`` (a JSON list) as targets; ValueError naming the bad entry."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError(f"TARGETS: got {type(data).__name__}; must be a JSON list")
    targets = []
    for n, entry in enumerate(data):
        if not isinstance(entry, dict) or entry.get("kind") not in KINDS:
            raise ValueError(f"TARGETS[{n}]: {entry!r} needs kind one of {KINDS}")
        try:
            targets.append(Target(**{k: str(v) for k, v in entry.items()}))
        except TypeError as error:
            raise ValueError(f"TARGETS[{n}]: {entry!r}: {error}") from None
    return targets


def _amount(text: str) -> Decimal | None:
    match = _AMOUNT.search(text)
    if match is None:
        return None
    try:
        return Decimal(match["number"].replace(",", ""))
    except InvalidOperation:
        return None


def parse_alert(record: object) -> tuple[Alert | None, str]:
    """One SNS record as an alert, or None and why it is not one (never raises)."""
    if not isinstance(record, Mapping):
        return None, "record is not an object"
    sns = record.get("Sns")
    if not isinstance(sns, Mapping):
        return None, "record has no Sns object"
    attributes = sns.get("MessageAttributes")
    if isinstance(attributes, Mapping):
        origin = attributes.get("origin")
        if isinstance(origin, Mapping) and origin.get("Value") == NOTIFICATION_ORIGIN:
            return None, "the cost guard's own notification"
    message = sns.get("Message")
    if not isinstance(message, str) or not message.strip():
        return None, "Sns.Message is missing or empty"
    if len(message) > _MAX_MESSAGE_CHARS:
        return None, f"Sns.Message is longer than {_MAX_MESSAGE_CHARS} characters"
    fields: dict[str, str] = {}
    for match in _FIELD.finditer(message):
        fields.setdefault(match["key"].strip().lower(), match["value"])
    name = fields.get("budget name", "").strip()
    alert_type = fields.get("alert type", "").strip().upper()
    if not name or not alert_type:
        return None, "not an AWS Budgets notification (no Budget Name / Alert Type line)"
    threshold_text = fields.get("alert threshold", "")
    threshold = _amount(threshold_text)
    budgeted = _amount(fields.get("budgeted amount", ""))
    if threshold is not None and "%" in threshold_text:
        percent = float(threshold)  # a threshold written as a percentage, not in USD
    elif threshold is None or budgeted is None or budgeted <= 0:
        return None, "Alert Threshold or Budgeted Amount missing or not an amount"
    else:
        percent = float(threshold / budgeted * 100)
    return (
        Alert(
            budget_name=name[:100],
            alert_type=alert_type[:20],
            threshold_percent=round(percent, 3),
            message_id=str(sns.get("MessageId", ""))[:100],
            topic_arn=str(sns.get("TopicArn", ""))[:300],
        ),
        "",
    )


def _qualifies(runtime: Runtime, alert: Alert) -> str:
    """Why the alert must not engage the guard ('' when it must)."""
    if alert.alert_type != "ACTUAL":
        return f"alert type {alert.alert_type!r} is not ACTUAL"
    # 0.01 tolerance: the threshold in USD is rounded to cents in the message.
    if alert.threshold_percent + 0.01 < runtime.trigger_percent:
        return (
            f"threshold {alert.threshold_percent:g}% is under the trigger "
            f"{runtime.trigger_percent:g}%"
        )
    if alert.budget_name in runtime.tenant_budgets:
        return "" if runtime.tenant_switch_table else "no tenant switch table is configured"
    if runtime.budget_name and alert.budget_name != runtime.budget_name:
        return f"budget {alert.budget_name!r} is not the guarded budget"
    return ""


# ---------------------------------------------------------------------------- the record


def _get_record(runtime: Runtime) -> dict[str, Any] | None:
    item = runtime.dynamodb.get_item(
        TableName=runtime.table_name, Key={"pk": {"S": CURRENT_KEY}}, ConsistentRead=True
    ).get("Item")
    if not item:
        return None
    return {
        "status": item["status"]["S"],
        "snapshot": json.loads(item["snapshot"]["S"]),
    }


def _put_engaging(runtime: Runtime, snapshot: Mapping[str, Any]) -> bool:
    """Write the record if none is in force; False when another engagement won the race."""
    try:
        runtime.dynamodb.put_item(
            TableName=runtime.table_name,
            Item={
                "pk": {"S": CURRENT_KEY},
                "status": {"S": "engaging"},
                "snapshot": {"S": json.dumps(snapshot, sort_keys=True)},
            },
            ConditionExpression="attribute_not_exists(pk)",
        )
    except runtime.dynamodb.exceptions.ConditionalCheckFailedException:
        return False
    return True


def _mark_engaged(runtime: Runtime) -> None:
    runtime.dynamodb.update_item(
        TableName=runtime.table_name,
        Key={"pk": {"S": CURRENT_KEY}},
        UpdateExpression="SET #s = :engaged",
        ConditionExpression="#s = :engaging",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":engaged": {"S": "engaged"}, ":engaging": {"S": "engaging"}},
    )


# ---------------------------------------------------------------------------- capacities


def _desired(runtime: Runtime, target: Target) -> int:
    if target.kind == "inference-component":
        described = runtime.sagemaker.describe_inference_component(
            InferenceComponentName=target.name
        )
        config = described.get("RuntimeConfig", {})
        return int(config.get("DesiredCopyCount", config.get("CurrentCopyCount", 0)))
    described = runtime.sagemaker.describe_endpoint(EndpointName=target.name)
    for variant in described.get("ProductionVariants", []):
        if variant.get("VariantName") == target.variant:
            return int(variant.get("DesiredInstanceCount", variant.get("CurrentInstanceCount", 0)))
    return 0


def _capture(runtime: Runtime, alert: Alert) -> dict[str, Any]:
    """The current capacities of every target and the kill switch's value."""
    captured = []
    for target in runtime.targets:
        found = runtime.autoscaling.describe_scalable_targets(
            ServiceNamespace="sagemaker",
            ResourceIds=[target.resource_id],
            ScalableDimension=target.scalable_dimension,
        ).get("ScalableTargets", [])
        if not found:
            runtime.logger.warning(
                "scalable target not registered; skipped", extra={"resource": target.resource_id}
            )
            continue
        scalable = found[0]
        suspended = scalable.get("SuspendedState", {})
        captured.append(
            {
                "kind": target.kind,
                "resource_id": target.resource_id,
                "scalable_dimension": target.scalable_dimension,
                "name": target.name,
                "variant": target.variant,
                "min_capacity": int(scalable["MinCapacity"]),
                "max_capacity": int(scalable["MaxCapacity"]),
                "desired": _desired(runtime, target),
                "suspended_state": {
                    key: bool(suspended.get(key, False))
                    for key in (
                        "DynamicScalingInSuspended",
                        "DynamicScalingOutSuspended",
                        "ScheduledScalingSuspended",
                    )
                },
            }
        )
    kill_switch = None
    if runtime.kill_switch_parameter:
        value = runtime.ssm.get_parameter(Name=runtime.kill_switch_parameter)["Parameter"]["Value"]
        kill_switch = {"name": runtime.kill_switch_parameter, "previous": value}
    return {
        "engaged_at": runtime.now().isoformat(),
        "alert": {
            "budget_name": alert.budget_name,
            "alert_type": alert.alert_type,
            "threshold_percent": alert.threshold_percent,
            "message_id": alert.message_id,
            "topic_arn": alert.topic_arn,
        },
        "targets": captured,
        "kill_switch": kill_switch,
        # The Budgets action (second line) attaches this policy; release reverses it.
        "budget_action": (
            {"budget_name": alert.budget_name, "policy_arn": runtime.deny_policy_arn}
            if runtime.deny_policy_arn
            else None
        ),
    }


def set_desired(sagemaker: Any, target: Mapping[str, Any], count: int) -> None:
    """Set a target's desired copies (component) or instances (async endpoint)."""
    if target["kind"] == "inference-component":
        sagemaker.update_inference_component_runtime_config(
            InferenceComponentName=target["name"], DesiredRuntimeConfig={"CopyCount": count}
        )
    else:
        sagemaker.update_endpoint_weights_and_capacities(
            EndpointName=target["name"],
            DesiredWeightsAndCapacities=[
                {"VariantName": target["variant"], "DesiredInstanceCount": count}
            ],
        )


def _apply_zero(runtime: Runtime, snapshot: Mapping[str, Any]) -> None:
    for target in snapshot["targets"]:
        runtime.autoscaling.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=target["resource_id"],
            ScalableDimension=target["scalable_dimension"],
            MinCapacity=0,
            MaxCapacity=0,
            SuspendedState={
                "DynamicScalingInSuspended": True,
                "DynamicScalingOutSuspended": True,
                "ScheduledScalingSuspended": True,
            },
        )
        set_desired(runtime.sagemaker, target, 0)
    if snapshot.get("kill_switch"):
        runtime.ssm.put_parameter(
            Name=snapshot["kill_switch"]["name"], Value="on", Type="String", Overwrite=True
        )


def _notify(runtime: Runtime, snapshot: Mapping[str, Any]) -> None:
    alert = snapshot["alert"]
    lines = [
        f"The cost guard engaged at {snapshot['engaged_at']} on the ACTUAL alert of budget "
        f"{alert['budget_name']} at {alert['threshold_percent']:g}% (SNS message "
        f"{alert['message_id']}).",
        "",
        "Scaled to zero (previous min/max/desired):",
        *(
            f"- {t['resource_id']} ({t['scalable_dimension']}): "
            f"{t['min_capacity']}/{t['max_capacity']}/{t['desired']}"
            for t in snapshot["targets"]
        ),
    ]
    if snapshot.get("kill_switch"):
        lines.append(f"Kill switch {snapshot['kill_switch']['name']} set to 'on'.")
    lines += ["", "Restore with: genai-platform guard release --table " + runtime.table_name]
    runtime.sns.publish(
        TopicArn=runtime.notify_topic_arn,
        Subject="genai-platform cost guard engaged",
        Message="\n".join(lines),
        MessageAttributes={"origin": {"DataType": "String", "StringValue": NOTIFICATION_ORIGIN}},
    )


# ---------------------------------------------------------------------------- entry


def engage(runtime: Runtime, alert: Alert) -> str:
    """Engage once for a qualifying alert: ``engaged``, ``resumed`` or ``unchanged``."""
    record = _get_record(runtime)
    if record is not None and record["status"] == "engaged":
        runtime.logger.info("cost guard already engaged; nothing changed")
        return "unchanged"
    if record is not None:
        snapshot, outcome = record["snapshot"], "resumed"
    else:
        snapshot, outcome = _capture(runtime, alert), "engaged"
        if not _put_engaging(runtime, snapshot):
            runtime.logger.info("another invocation is engaging the guard; nothing changed")
            return "unchanged"
    _apply_zero(runtime, snapshot)
    _mark_engaged(runtime)
    _notify(runtime, snapshot)
    runtime.logger.info(
        "cost guard engaged", extra={"outcome": outcome, "targets": len(snapshot["targets"])}
    )
    return outcome


def handle_event(runtime: Runtime, event: object) -> dict[str, list[str]]:
    """Handle an SNS event: each record engaged, or logged and ignored."""
    records = event.get("Records") if isinstance(event, Mapping) else None
    outcomes: list[str] = []
    if not isinstance(records, list):
        runtime.logger.warning("event ignored: no Records list")
        return {"outcomes": ["ignored"]}
    for record in records:
        alert, reason = parse_alert(record)
        if alert is None:
            runtime.logger.warning("message ignored", extra={"reason": reason})
            outcomes.append("ignored")
            continue
        why_not = _qualifies(runtime, alert)
        if why_not:
            runtime.logger.info("alert ignored", extra={"reason": why_not})
            outcomes.append("ignored")
            continue
        tenant = runtime.tenant_budgets.get(alert.budget_name)
        outcomes.append(
            engage(runtime, alert) if tenant is None else engage_tenant(runtime, alert, tenant)
        )
    return {"outcomes": outcomes}


# ---------------------------------------------------------------------------- one tenant

TENANT_RECORD_PREFIX = "tenant#"
"""Partition-key prefix of a tenant engagement's record in the guard's table."""
TENANT_SWITCH_PREFIX = "tenant-switch#"
"""Partition-key prefix of a tenant's switch item in the gateway's quota table (gw_cost)."""


def engage_tenant(runtime: Runtime, alert: Alert, tenant_id: str) -> str:
    """Switch one tenant off for its budget's alert, once: ``engaged``, ``resumed`` or
    ``unchanged``."""
    table = runtime.tenant_switch_table
    assert table is not None  # _qualifies refused the alert otherwise
    key = {"pk": {"S": f"{TENANT_RECORD_PREFIX}{tenant_id}"}}
    item = runtime.dynamodb.get_item(
        TableName=runtime.table_name, Key=key, ConsistentRead=True
    ).get("Item")
    if item and item["status"]["S"] == "engaged":
        runtime.logger.info(
            "tenant already switched off; nothing changed", extra={"tenant": tenant_id}
        )
        return "unchanged"
    outcome = "resumed" if item else "engaged"
    snapshot: dict[str, Any] = {
        "tenant": tenant_id,
        "engaged_at": runtime.now().isoformat(),
        "alert": {
            "budget_name": alert.budget_name,
            "alert_type": alert.alert_type,
            "threshold_percent": alert.threshold_percent,
            "message_id": alert.message_id,
        },
        "switch": {"table": table, "pk": f"{TENANT_SWITCH_PREFIX}{tenant_id}"},
    }
    if not item:
        try:
            runtime.dynamodb.put_item(
                TableName=runtime.table_name,
                Item={
                    **key,
                    "status": {"S": "engaging"},
                    "snapshot": {"S": json.dumps(snapshot, sort_keys=True)},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except runtime.dynamodb.exceptions.ConditionalCheckFailedException:
            return "unchanged"
    else:
        snapshot = json.loads(item["snapshot"]["S"])
    runtime.dynamodb.put_item(
        TableName=snapshot["switch"]["table"],
        Item={
            "pk": {"S": snapshot["switch"]["pk"]},
            "state": {"S": "on"},
            "engaged_at": {"S": snapshot["engaged_at"]},
            "budget_name": {"S": alert.budget_name},
        },
    )
    runtime.dynamodb.update_item(
        TableName=runtime.table_name,
        Key=key,
        UpdateExpression="SET #s = :engaged",
        ConditionExpression="#s = :engaging",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":engaged": {"S": "engaged"}, ":engaging": {"S": "engaging"}},
    )
    runtime.sns.publish(
        TopicArn=runtime.notify_topic_arn,
        Subject=f"genai-platform cost guard: tenant {tenant_id} switched off"[:100],
        Message=(
            f"The cost guard switched tenant {tenant_id} off at {snapshot['engaged_at']} on the "
            f"ACTUAL alert of its budget {alert.budget_name} at {alert.threshold_percent:g}% "
            f"(SNS message {alert.message_id}); the gateway answers it 503.\n\n"
            f"Restore with: genai-platform guard release --table {runtime.table_name} "
            f"--tenant {tenant_id}"
        ),
        MessageAttributes={"origin": {"DataType": "String", "StringValue": NOTIFICATION_ORIGIN}},
    )
    runtime.logger.info("tenant switched off", extra={"tenant": tenant_id, "outcome": outcome})
    return outcome


def parse_tenant_budgets(text: str) -> dict[str, str]:
    """``TENANT_BUDGETS`` (a JSON object of budget name -> tenant id); ValueError naming the
    bad entry."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"TENANT_BUDGETS: got {type(data).__name__}; must be a JSON object")
    for name, tenant in data.items():
        if not isinstance(tenant, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", tenant):
            raise ValueError(f"TENANT_BUDGETS[{name!r}]: {tenant!r} is not a tenant id")
    return dict(data)
