"""``genai-platform diagram``: the synthesized platform as Mermaid, and the README's copy.

When the platform's resources change on purpose, refresh the README's copy with
``genai-platform diagram --readme README.md`` (the test below says so when it is stale).
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from genai_platform.cli import main
from genai_platform.diagram import (
    README_END,
    README_START,
    diagram_from_assembly,
    readme_with_diagram,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def assembly(reference_assembly: Path) -> Path:
    return reference_assembly


@pytest.fixture(scope="module")
def diagram(assembly: Path) -> str:
    return diagram_from_assembly(assembly)


def test_each_account_and_stack_is_a_subgraph(diagram: str) -> None:
    assert diagram.startswith("flowchart LR\n")
    for account, stack in (
        ("111111111111", "ApplicationAccount"),
        ("222222222222", "GenAiAccount"),
        ("333333333333", "DataAccount"),
    ):
        assert f'subgraph acct_{account}["account {account}: {stack}"]' in diagram
        assert f'subgraph {stack}["{stack} stack"]' in diagram


def test_main_resources_are_drawn_and_cdk_helpers_are_not(diagram: str) -> None:
    for label in (
        "InferenceApi<br/>(REST API)",
        "InferenceApiInvokeFunction<br/>(Lambda function)",
        "Guardrail<br/>(Bedrock guardrail)",
        "Endpointllamainf2<br/>(SageMaker endpoint)",
        "Documents<br/>(S3 bucket)",
        "MonitoringDashboardsDashboard<br/>(dashboard)",
        "CallerRolesupportbot<br/>(IAM role)",
    ):
        assert label in diagram
    assert "CustomResourceProvider" not in diagram


def test_caller_roles_invoke_the_api_across_accounts(diagram: str) -> None:
    for tenant in ("supportbot", "search"):
        assert any(
            line.startswith(f"  ApplicationAccount_CallerRole{tenant}")
            and '==>|"execute-api:Invoke"| GenAiAccount_InferenceApi' in line
            for line in diagram.splitlines()
        ), tenant


def test_default_knowledge_base_reads_the_data_accounts_documents_and_gets_its_changes(
    diagram: str,
) -> None:
    # GIVEN the default config's knowledge base "handbook" over the data account's bucket
    lines = diagram.splitlines()
    # THEN the knowledge base reads the data account's documents bucket (its data source's
    # bucket owner) and the data account forwards the bucket's changes to the ingestion bus
    assert any(
        line.startswith("  GenAiAccount_KnowledgeBasehandbook")
        and '==>|"reads documents"| DataAccount_Documents' in line
        for line in lines
    )
    assert any(
        line.startswith("  DataAccount_DocumentEventshandbookRule")
        and '==>|"forwards events"| GenAiAccount_KnowledgeBaseIngestionhandbookEventBus' in line
        for line in lines
    )


def test_budget_alerts_flow_into_the_cost_guard(diagram: str) -> None:
    lines = diagram.splitlines()
    assert any(
        line.startswith("  GenAiAccount_Budget")
        and '-->|"budget alert"| GenAiAccount_BudgetTopic' in line
        for line in lines
    )
    assert any(
        line.startswith("  GenAiAccount_BudgetTopic")
        and '-->|"notifies"| GenAiAccount_CostGuardFunction' in line
        for line in lines
    )


def test_readme_carries_the_current_diagram(diagram: str) -> None:
    # GIVEN the README's copy between the markers
    readme = (ROOT / "README.md").read_text("utf-8")
    # THEN it is the default config's diagram (refresh: genai-platform diagram --readme README.md)
    assert readme_with_diagram(readme, diagram) == readme, (
        "README.md's diagram is stale: run `genai-platform diagram --readme README.md`"
    )


def test_readme_update_needs_the_markers() -> None:
    with pytest.raises(ValueError, match=r"no .*diagram:start"):
        readme_with_diagram("# no markers\n", "flowchart LR\n")
    updated = readme_with_diagram(f"a\n{README_START}\nold\n{README_END}\nb\n", "flowchart LR\n")
    assert updated == f"a\n{README_START}\n```mermaid\nflowchart LR\n```\n{README_END}\nb\n"


def _write_assembly(root: Path, stacks: dict[str, tuple[str, dict[str, Any]]]) -> Path:
    artifacts = {}
    for name, (account, resources) in stacks.items():
        (root / f"{name}.template.json").write_text(json.dumps({"Resources": resources}))
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "environment": f"aws://{account}/us-east-1",
            "properties": {"templateFile": f"{name}.template.json"},
        }
    (root / "manifest.json").write_text(json.dumps({"version": "1", "artifacts": artifacts}))
    return root


def test_retrieval_and_event_forwarding_are_drawn_when_the_templates_carry_them(
    tmp_path: Path,
) -> None:
    # GIVEN a generative-AI stack whose retrieval role reads a knowledge base in the data
    # account, and a data stack forwarding events to the generative-AI account's bus
    kb_arn = "arn:aws:bedrock:us-east-1:333333333333:knowledge-base/KB123"
    genai = {
        "RetrieveRoleABCDEF12": {"Type": "AWS::IAM::Role", "Properties": {}},
        "RetrievePolicy12345678": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "Roles": [{"Ref": "RetrieveRoleABCDEF12"}],
                "PolicyDocument": {
                    "Statement": [
                        {"Effect": "Allow", "Action": "bedrock:Retrieve", "Resource": kb_arn}
                    ]
                },
            },
        },
        "PlatformBus0A1B2C3D": {"Type": "AWS::Events::EventBus", "Properties": {}},
    }
    data = {
        "KnowledgeBase9F8E7D6C": {"Type": "AWS::Bedrock::KnowledgeBase", "Properties": {}},
        "ForwardRule11223344": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Targets": [
                    {"Arn": "arn:aws:events:us-east-1:222222222222:event-bus/platform", "Id": "t"}
                ]
            },
        },
    }
    assembly = _write_assembly(
        tmp_path, {"GenAi": ("222222222222", genai), "Data": ("333333333333", data)}
    )
    # WHEN it is drawn
    text = diagram_from_assembly(assembly)
    # THEN retrieval crosses into the data account's knowledge base, events into the bus
    assert '  GenAi_RetrieveRoleABCDEF12 ==>|"bedrock:Retrieve"| Data_KnowledgeBase9F8E7D6C' in text
    assert '  Data_ForwardRule11223344 ==>|"forwards events"| GenAi_PlatformBus0A1B2C3D' in text


def test_cli_prints_the_diagram_of_an_assembly(assembly: Path, diagram: str) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["diagram", "--assembly", str(assembly)])
    assert (code, out.getvalue()) == (0, diagram)


def test_cli_refuses_a_directory_without_an_assembly(tmp_path: Path) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["diagram", "--assembly", str(tmp_path)])
    assert code == 2
    assert "no manifest.json there" in err.getvalue()
