"""`genai-platform check --app / --assembly` on a team's own app, and SARIF 2.1.0 output."""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from genai_platform import cli
from genai_platform.checks import Annotation, CheckResult, LintIssue, StackSummary
from genai_platform.compliance import NagReport
from genai_platform.sarif import to_sarif

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SCHEMA = json.loads((DATA / "sarif-2.1.0-subset.schema.json").read_text("utf-8"))
TEAM_APP = f"{sys.executable} {DATA / 'team_app.py'}"


@dataclass
class Run:
    code: int
    out: str
    err: str


def _main(argv: list[str], **env: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with (
        pytest.MonkeyPatch.context() as patch,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        patch.setenv("PYTHONPATH", str(ROOT))  # the app imports this tree's genai_platform
        for key, value in env.items():
            patch.setenv(key, value)
        code = cli.main(argv)
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def team_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("team")


@pytest.fixture(scope="module")
def sarif_run(team_dir: Path) -> Run:
    """The team app synthesized once, checked with SARIF output."""
    return _main(["check", "--app", TEAM_APP, "--out", str(team_dir), "--format", "sarif"])


def _validate(log: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(
        SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    ).validate(log)


def test_sarif_of_a_team_app_is_valid_and_names_the_deliberate_finding(
    sarif_run: Run, team_dir: Path
) -> None:
    # GIVEN a team app with an unencrypted topic (no KMS key) WHEN checked with --app --format sarif
    log = json.loads(sarif_run.out)
    # THEN exit 1, a valid SARIF 2.1.0 log
    assert sarif_run.code == 1, sarif_run.err
    _validate(log)
    assert log["version"] == "2.1.0"
    # AND one error result for the finding, located on the template, resource and construct
    results = log["runs"][0]["results"]
    (sns2,) = [r for r in results if r["ruleId"] == "NIST.800.53.R5-SNSEncryptedKMS"]
    assert sns2["level"] == "error"
    location = sns2["locations"][0]
    template = team_dir / "TeamApp.template.json"
    uri = location["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("/TeamApp.template.json")
    logical_id = next(iter(json.loads(template.read_text("utf-8"))["Resources"]))
    assert logical_id.startswith("Unencrypted")
    names = {loc.get("kind"): loc for loc in location["logicalLocations"]}
    assert names["resource"]["name"] == logical_id
    assert names[None]["fullyQualifiedName"] == "TeamApp/Unencrypted/Resource"
    line = location["physicalLocation"]["region"]["startLine"]
    assert f'"{logical_id}"' in template.read_text("utf-8").splitlines()[line - 1]
    # AND the rule is described once in the driver's rules, which the result indexes
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert rules[sns2["ruleIndex"]]["id"] == "NIST.800.53.R5-SNSEncryptedKMS"
    assert len({r["id"] for r in rules}) == len(rules)
    # AND the other pack's finding on the same topic is its own result
    assert {r["ruleId"] for r in results} == {
        "NIST.800.53.R5-SNSEncryptedKMS",
        "HIPAA.Security-SNSEncryptedKMS",
    }


def test_check_app_prints_progress_to_stderr(sarif_run: Run) -> None:
    assert "genai-platform check: synthesizing:" in sarif_run.err
    assert "cfn-lint: stack 1 of 1: TeamApp" in sarif_run.err


def test_assembly_gives_the_same_findings_as_app(sarif_run: Run, team_dir: Path) -> None:
    # GIVEN the assembly the app wrote WHEN checked with --assembly --format json
    run = _main(["check", "--assembly", str(team_dir), "--format", "json"])
    # THEN the same findings, exit 1
    assert run.code == 1
    stack = json.loads(run.out)["stacks"][0]
    sarif_rules = {r["ruleId"] for r in json.loads(sarif_run.out)["runs"][0]["results"]}
    assert {f["rule"] for f in stack["findings"]} == sarif_rules
    assert stack["stack"] == "TeamApp"


def test_exits_2_naming_the_one_line_call_when_the_app_attaches_no_packs(
    tmp_path: Path,
) -> None:
    # GIVEN the app without add_nag_packs WHEN checked
    run = _main(["check", "--app", TEAM_APP, "--out", str(tmp_path)], TEAM_APP_NO_NAG="1")
    # THEN exit 2 naming the call to add, no result printed
    assert run.code == 2
    assert "genai_platform.add_nag_packs(app)" in run.err
    assert run.out == ""


def test_exits_2_when_the_app_fails(tmp_path: Path) -> None:
    app = tmp_path / "broken.py"
    app.write_text("raise SystemExit('cannot read my settings')\n")
    run = _main(["check", "--app", f"{sys.executable} {app}", "--out", str(tmp_path / "out")])
    assert run.code == 2
    assert "exited with status 1" in run.err and "cannot read my settings" in run.err


def test_exits_2_when_the_assembly_directory_is_no_assembly(tmp_path: Path) -> None:
    run = _main(["check", "--assembly", str(tmp_path)])
    assert run.code == 2
    assert f"--assembly: {str(tmp_path)!r} is not a cloud assembly" in run.err


def test_app_assembly_and_config_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["check", "--app", "python app.py", "--assembly", "cdk.out"])
    assert caught.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


# ------------------------------------------------------------------ SARIF without synthesis


@pytest.fixture
def nested_result(tmp_path: Path) -> Iterator[CheckResult]:
    template = tmp_path / "S.template.json"
    template.write_text(
        json.dumps({"Resources": {"TopicA1": {"Type": "AWS::SNS::Topic"}}}, indent=1)
    )
    (tmp_path / "Child.nested.template.json").write_text("{}")
    stack = StackSummary(
        stack="S",
        template_file=template,
        resources=1,
        findings=[],
        acknowledged=0,
        lint=[
            LintIssue("E3002", "error", "bad property", "Resources/TopicA1/Properties/X", 3),
            LintIssue("W3005", "warning", "obsolete", "Child.nested.template.json:Resources/Q", 7),
            LintIssue("I3011", "informational", "fyi", "Resources/TopicA1", 2),
        ],
        annotations=[Annotation("warning", "S/Topic", "check this [ack: team:topic]")],
        logical_ids={"S/Topic/Resource": "TopicA1"},
    )
    yield CheckResult(tmp_path, NagReport(), [stack], strict=True)


def test_sarif_maps_lint_issues_and_annotations_to_files_and_resources(
    nested_result: CheckResult, tmp_path: Path
) -> None:
    # GIVEN a result with a lint error, a nested template's warning and a warning annotation
    log = to_sarif(nested_result)
    _validate(log)
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    # THEN informational matches are left out
    assert set(results) == {"E3002", "W3005", "team:topic"}
    # AND a lint error points at its line, resource and construct
    e3002 = results["E3002"]
    assert e3002["level"] == "error"
    assert e3002["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}
    assert e3002["properties"]["constructPath"] == "S/Topic/Resource"
    # AND a nested template's issue points at the nested file
    w3005 = results["W3005"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert w3005.endswith("Child.nested.template.json")
    # AND an annotation keeps its level and is located on its resource's line
    annotation = results["team:topic"]
    assert annotation["level"] == "warning"
    assert annotation["properties"]["logicalId"] == "TopicA1"
    assert annotation["locations"][0]["physicalLocation"]["region"]["startLine"] == 3


def test_schema_subset_refuses_what_sarif_refuses(nested_result: CheckResult) -> None:
    # GIVEN a valid log WHEN a level SARIF does not define is written THEN the schema refuses it
    log = to_sarif(nested_result)
    log["runs"][0]["results"][0]["level"] = "critical"
    with pytest.raises(jsonschema.ValidationError, match="critical"):
        _validate(log)


# ------------------------------------------------------------------ Node version


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("v24.19.0", None),
        ("v22.3.0", None),
        ("v20.20.2", "Node.js v20.20.2 is end-of-life since 2026-04-30"),
        ("v23.1.0", "Node.js v23.1.0 is end-of-life;"),
        ("v16.0.0", "Node.js v16.0.0 is end-of-life;"),
    ],
)
def test_node_problem_names_end_of_life_releases(version: str, expected: str | None) -> None:
    problem = cli.node_problem(version, datetime.date(2026, 12, 3))
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and problem.startswith(expected)
        assert "supported LTS release: 22, 24" in problem


def test_an_end_of_life_node_stops_the_check_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # GIVEN Node 18 on PATH WHEN checked THEN exit 2 with one line, nothing synthesized
    monkeypatch.setattr(cli, "_node_version", lambda: "v18.20.0")
    monkeypatch.setattr(cli, "_today", lambda: datetime.date(2026, 12, 3))
    code = cli.main(["check", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [
        "genai-platform check: Node.js v18.20.0 is end-of-life since 2025-04-30; the AWS CDK "
        "(jsii) needs a supported LTS release: 22, 24 (make setup puts Node 24 in .venv/bin)"
    ]
    assert not (tmp_path / "out").exists()
