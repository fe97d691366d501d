"""``genai-platform guard release``: undo an engagement of the cost guard.

Reads the record the guard wrote (item ``pk = "current"`` of its DynamoDB table, see
``genai_platform/lambda/cost_guard/cg_guard.py`` for the format), restores every recorded
scalable target's minimum, maximum and suspended state exactly, sets each desired count back
(inference component copies, async endpoint instances), puts the kill switch's previous value
back, and then moves the record to a history item (``pk = "released#<time>"``) in one
transaction, so the guard can engage again on the next alert.

The caller's credentials need ``dynamodb:GetItem``/``PutItem``/``DeleteItem`` on the table,
``application-autoscaling:RegisterScalableTarget``,
``sagemaker:UpdateInferenceComponentRuntimeConfig`` / ``UpdateEndpointWeightsAndCapacities``
(and the ``Describe*`` permissions Application Auto Scaling checks on the target service),
and ``ssm:PutParameter`` on the kill switch.

When the engagement recorded a Budgets action (the native second line: a deny policy attached
to the gateway's invoke role), the release also reverses every action of that budget that
attached exactly that policy and has run (status ``EXECUTION_SUCCESS``), with
``ExecuteBudgetAction`` ``REVERSE_BUDGET_ACTION`` (AWS Budgets API reference); that needs
``budgets:DescribeBudgetActionsForBudget`` and ``budgets:ExecuteBudgetAction``. An action that
has not run (or ran after the release) is left alone: reverse it in the Budgets console.

``guard release --tenant <id>`` (:func:`release_tenant`) undoes a tenant engagement (a
per-tenant budget switched one tenant off): in one transaction it deletes the tenant's switch
item from the gateway's quota table (named in the record), writes the record to history
(``pk = "released#<time>#tenant#<id>"``) and deletes it, so the tenant's next alert engages
again. It needs ``dynamodb:GetItem``/``PutItem``/``DeleteItem`` on the guard's table and
``dynamodb:DeleteItem`` on the quota table (and the tables' KMS keys). A second release
changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["ReleaseResult", "TenantReleaseResult", "release", "release_tenant"]

CURRENT_KEY = "current"


@dataclass
class ReleaseResult:
    """What a release did: nothing (no engagement in force) or the restored capacities."""

    released: bool
    restored: list[dict[str, Any]] = field(default_factory=list)
    kill_switch: dict[str, str] | None = None
    engaged_at: str | None = None
    reversed_budget_actions: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line per restored target, for the terminal."""
        if not self.released:
            return "nothing to release: the cost guard is not engaged"
        lines = [f"released the engagement of {self.engaged_at}:"]
        lines += [
            f"  {t['resource_id']} ({t['scalable_dimension']}): min {t['min_capacity']}, "
            f"max {t['max_capacity']}, desired {t['desired']}"
            for t in self.restored
        ]
        if self.kill_switch:
            lines.append(
                f"  kill switch {self.kill_switch['name']}: {self.kill_switch['previous']!r}"
            )
        lines += [f"  Budgets action {a}: reversed" for a in self.reversed_budget_actions]
        return "\n".join(lines)


def _set_desired(sagemaker: Any, target: dict[str, Any], count: int) -> None:
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


def _reverse_budget_actions(budgets: Any, recorded: dict[str, str]) -> list[str]:
    """Reverse the budget's actions that attached the recorded deny policy and ran."""
    policy_arn = recorded["policy_arn"]
    account = policy_arn.split(":")[4]  # arn:aws:iam::<account>:policy/...
    reversed_ids = []
    token: str | None = None
    while True:
        page = budgets.describe_budget_actions_for_budget(
            AccountId=account,
            BudgetName=recorded["budget_name"],
            **({"NextToken": token} if token else {}),
        )
        for action in page.get("Actions", []):
            definition = action.get("Definition", {}).get("IamActionDefinition", {})
            if definition.get("PolicyArn") == policy_arn and (
                action.get("Status") == "EXECUTION_SUCCESS"
            ):
                budgets.execute_budget_action(
                    AccountId=account,
                    BudgetName=recorded["budget_name"],
                    ActionId=action["ActionId"],
                    ExecutionType="REVERSE_BUDGET_ACTION",
                )
                reversed_ids.append(str(action["ActionId"]))
        token = page.get("NextToken")
        if not token:
            return reversed_ids


def release(
    *,
    table_name: str,
    dynamodb: Any,
    autoscaling: Any,
    sagemaker: Any,
    ssm: Any,
    budgets: Any = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ReleaseResult:
    """Restore exactly what the recorded engagement changed; no record: change nothing."""
    item = dynamodb.get_item(
        TableName=table_name, Key={"pk": {"S": CURRENT_KEY}}, ConsistentRead=True
    ).get("Item")
    if not item:
        return ReleaseResult(released=False)
    snapshot = json.loads(item["snapshot"]["S"])
    for target in snapshot["targets"]:
        autoscaling.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=target["resource_id"],
            ScalableDimension=target["scalable_dimension"],
            MinCapacity=int(target["min_capacity"]),
            MaxCapacity=int(target["max_capacity"]),
            SuspendedState=dict(target["suspended_state"]),
        )
        _set_desired(sagemaker, target, int(target["desired"]))
    kill_switch = snapshot.get("kill_switch")
    if kill_switch:
        ssm.put_parameter(
            Name=kill_switch["name"], Value=kill_switch["previous"], Type="String", Overwrite=True
        )
    reversed_ids: list[str] = []
    if snapshot.get("budget_action") and budgets is not None:
        reversed_ids = _reverse_budget_actions(budgets, snapshot["budget_action"])
    released_at = now().isoformat()
    dynamodb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": table_name,
                    "Item": {
                        "pk": {"S": f"released#{released_at}"},
                        "status": {"S": "released"},
                        "snapshot": item["snapshot"],
                        "released_at": {"S": released_at},
                    },
                }
            },
            {
                "Delete": {
                    "TableName": table_name,
                    "Key": {"pk": {"S": CURRENT_KEY}},
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ]
    )
    return ReleaseResult(
        released=True,
        restored=list(snapshot["targets"]),
        kill_switch=kill_switch,
        engaged_at=snapshot.get("engaged_at"),
        reversed_budget_actions=reversed_ids,
    )


@dataclass
class TenantReleaseResult:
    """What a tenant release did: nothing (the tenant is not switched off) or cleared it."""

    tenant: str
    released: bool
    engaged_at: str | None = None
    switch_table: str | None = None

    def summary(self) -> str:
        """One line for the terminal."""
        if not self.released:
            return f"nothing to release: the cost guard has not switched tenant {self.tenant} off"
        return (
            f"released tenant {self.tenant} (switched off at {self.engaged_at}): its switch in "
            f"{self.switch_table} is cleared"
        )


def release_tenant(
    *,
    table_name: str,
    tenant_id: str,
    dynamodb: Any,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> TenantReleaseResult:
    """Clear the tenant's switch and move its record to history; no record: change nothing."""
    key = {"pk": {"S": f"tenant#{tenant_id}"}}
    item = dynamodb.get_item(TableName=table_name, Key=key, ConsistentRead=True).get("Item")
    if not item:
        return TenantReleaseResult(tenant=tenant_id, released=False)
    snapshot = json.loads(item["snapshot"]["S"])
    switch = snapshot["switch"]
    released_at = now().isoformat()
    dynamodb.transact_write_items(
        TransactItems=[
            {"Delete": {"TableName": switch["table"], "Key": {"pk": {"S": switch["pk"]}}}},
            {
                "Put": {
                    "TableName": table_name,
                    "Item": {
                        "pk": {"S": f"released#{released_at}#tenant#{tenant_id}"},
                        "status": {"S": "released"},
                        "snapshot": item["snapshot"],
                        "released_at": {"S": released_at},
                    },
                }
            },
            {
                "Delete": {
                    "TableName": table_name,
                    "Key": key,
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ]
    )
    return TenantReleaseResult(
        tenant=tenant_id,
        released=True,
        engaged_at=snapshot.get("engaged_at"),
        switch_table=switch["table"],
    )
