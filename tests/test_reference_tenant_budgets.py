"""The reference app with a tenant budget: the generative-AI stack gets the tenant's AWS Budget
and a cost guard that switches that tenant off, still with zero unacknowledged nag findings
and zero cfn-lint errors (``genai-platform check``)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from genai_platform.cli import main
from genai_platform.config import default_config_text


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], Path]:
    """``check`` on the default config with a 250 USD budget for the search tenant."""
    base = tmp_path_factory.mktemp("reference-tenant-budget")
    text = default_config_text().replace(
        'id = "search"\n', 'id = "search"\nmonthly_budget_usd = 250\n', 1
    )
    assert "monthly_budget_usd = 250" in text
    config = base / "platform.toml"
    config.write_text(text, "utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            ["check", "--config", str(config), "--out", str(base / "cdk.out"), "--format", "json"]
        )
    return code, json.loads(out.getvalue()), base / "cdk.out"


def _genai(checked: tuple[int, dict[str, Any], Path]) -> dict[str, Any]:
    _, output, _ = checked
    row = next(s for s in output["stacks"] if s["stack"] == "GenAiAccount")
    data: dict[str, Any] = json.loads(Path(row["template"]).read_text("utf-8"))
    return data


def test_check_passes_with_zero_findings_and_lint_errors(
    checked: tuple[int, dict[str, Any], Path],
) -> None:
    code, output, _ = checked
    assert code == 0, json.dumps(output, indent=1)[:4000]
    for row in output["stacks"]:
        assert row["unacknowledged"] == 0 and row["lint_errors"] == 0, row["stack"]


def test_the_tenant_gets_a_budget_and_the_guard_maps_it(
    checked: tuple[int, dict[str, Any], Path],
) -> None:
    resources = _genai(checked)["Resources"]
    budgets = [
        r["Properties"]["Budget"]
        for r in resources.values()
        if r["Type"] == "AWS::Budgets::Budget"
        and "Tags" in r["Properties"]["Budget"].get("FilterExpression", {})
    ]
    (budget,) = [
        b for b in budgets if b["FilterExpression"]["Tags"]["Key"] == "genai-platform:tenant"
    ]
    assert budget["FilterExpression"]["Tags"]["Values"] == ["search"]
    assert budget["BudgetLimit"] == {"Amount": 250, "Unit": "USD"}
    guard = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Function"
        and "TENANT_BUDGETS" in r["Properties"].get("Environment", {}).get("Variables", {})
    ]
    (function,) = guard
    mapping = json.loads(function["Properties"]["Environment"]["Variables"]["TENANT_BUDGETS"])
    assert mapping == {budget["BudgetName"]: "search"}
