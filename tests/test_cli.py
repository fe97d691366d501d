"""The check command's usage errors, config errors and summary output (synthesis faked)."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest

from genai_platform import checks, cli
from genai_platform.checks import Annotation, CheckResult, LintIssue, StackSummary
from genai_platform.compliance import (
    Acknowledgement,
    NagFinding,
    NagReport,
    acknowledge_warning,
    read_acknowledgements,
)

BAD_CONFIGS = {
    "account id": ('genai = "222222222222"', 'genai = "12345"', "accounts.genai: '12345'"),
    "zone": ('"us-east-1b"]', '"eu-west-1b"]', "availability_zones: ['eu-west-1b'] not in"),
    "email": ('["finops@example.com"]', '["finops"]', "alert_emails[0]: 'finops'"),
    "unknown key": ("[network]", "[network]\nnat = true", "network.nat: unknown key"),
    "endpoint": ("flow_log_retention_days = 365", 'interface_endpoints = ["bedrok"]',
                 "network.interface_endpoints: ['bedrok'] unknown"),
}  # fmt: skip


CONSTRUCT_REFUSALS = {
    "unknown model": (
        '"geo.amazon.nova-lite-v1:0",',
        '"us.amazon.nova-ultra-v9:0",',
        # the TOML key path, not the construct's prop name (models)
        "models.approved: 'us.amazon.nova-ultra-v9:0' names the unknown foundation model",
    ),
    "unknown content filter": (
        "[guardrail]\n",
        '[guardrail]\ncontent_filters = [{ type = "GORE" }]\n',
        "'GORE'",
    ),
}


@pytest.mark.parametrize("case", CONSTRUCT_REFUSALS)
def test_exits_2_and_names_the_prop_when_a_construct_refuses_a_config_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    # GIVEN a config whose value passes the schema but not the construct it builds
    old, new, expected = CONSTRUCT_REFUSALS[case]
    path = _write_bad_config(tmp_path, old, new)
    # WHEN checked THEN exit 2 with the construct's message, no traceback
    code = cli.main(["check", "--config", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err and "Traceback" not in err


def _write_bad_config(tmp_path: Path, old: str, new: str) -> Path:
    text = (Path(__file__).parent.parent / "config" / "default.toml").read_text("utf-8")
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_exits_2_and_prints_the_problem_when_config_is_bad(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    # GIVEN a config with one bad value
    old, new, expected = BAD_CONFIGS[case]
    path = _write_bad_config(tmp_path, old, new)
    # WHEN checked
    code = cli.main(["check", "--config", str(path), "--out", str(tmp_path / "out")])
    # THEN exit 2, the problem on stderr, no traceback, nothing synthesized
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err and str(path) in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_exits_2_on_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["check", "--format", "yaml"])
    assert caught.value.code == 2
    assert "invalid choice: 'yaml'" in capsys.readouterr().err


def test_exits_2_without_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main([])
    assert caught.value.code == 2


def _fake_result(tmp_path: Path, *, finding: bool, lint_error: bool) -> CheckResult:
    findings = (
        [NagFinding("AwsSolutions", "AwsSolutions-S10", "error", "S/B/Resource", "S", "no TLS")]
        if finding
        else []
    )
    lint = [LintIssue("W3005", "warning", "obsolete DependsOn", "Resources/B", 3)]
    if lint_error:
        lint.append(LintIssue("E3002", "error", "bad property", "Resources/B/Properties", 4))
    summary = StackSummary("S", tmp_path / "S.template.json", 7, findings, 2, lint)
    return CheckResult(tmp_path, NagReport(findings=findings), [summary])


@pytest.mark.parametrize(
    ("finding", "lint_error", "expected_code"),
    [(False, False, 0), (True, False, 1), (False, True, 1)],
)
def test_exit_code_follows_findings_and_lint_errors(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    finding: bool,
    lint_error: bool,
    expected_code: int,
) -> None:
    # GIVEN a synthesis result with or without a finding / lint error
    result = _fake_result(tmp_path, finding=finding, lint_error=lint_error)
    monkeypatch.setattr(checks, "run_checks", lambda config, outdir, strict: result)
    # WHEN the check command prints its table
    code = cli.main(["check", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    # THEN the row shows resources, unacknowledged, acknowledged, lint errors and warnings
    header, _, row = out.splitlines()[:3]
    assert header.split()[:3] == ["stack", "resources", "unacknowledged"]
    assert row.split()[:6] == ["S", "7", str(int(finding)), "2", str(int(lint_error)), "1"]
    assert code == expected_code
    if finding:
        assert "AwsSolutions-S10 at S/B/Resource" in out


def test_exits_2_when_a_construct_refuses_a_config_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a config value that passes the schema but a construct refuses at synth
    def refuse(config: object, outdir: object, strict: bool) -> CheckResult:
        raise ValueError("invalid PrivateNetwork 'GenAiAccount/Network': vpc_cidr: 'x' ...")

    monkeypatch.setattr(checks, "run_checks", refuse)
    # WHEN checked THEN exit 2 with the construct's message and no traceback
    code = cli.main(["check", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "vpc_cidr: 'x'" in err and "Traceback" not in err


# --------------------------------------------------------------------------- annotations, strict

WARNING = Annotation(
    "warning",
    "S/Models",
    "us.amazon.nova-lite-v1:0 cannot be invoked from eu-central-1 [ack: acme:model-region]",
)


def _result_with(
    tmp_path: Path,
    *annotations: Annotation,
    acknowledged: tuple[Acknowledgement, ...] = (),
) -> CheckResult:
    summary = StackSummary(
        "S",
        tmp_path / "S.template.json",
        7,
        [],
        0,
        [],
        annotations=list(annotations),
        acknowledged_warnings=list(acknowledged),
    )
    return CheckResult(tmp_path, NagReport(), [summary])


def _run(
    monkeypatch: pytest.MonkeyPatch, result: CheckResult, *argv: str
) -> tuple[int, CheckResult]:
    seen: dict[str, CheckResult] = {}

    def fake(config: object, outdir: object, *, strict: bool) -> CheckResult:
        result.strict = strict
        seen["result"] = result
        return result

    monkeypatch.setattr(checks, "run_checks", fake)
    code = cli.main(["check", "--out", str(result.assembly_dir), *argv])
    return code, seen["result"]


@pytest.mark.parametrize(
    ("argv", "ci", "expected_code", "expected_result"),
    [
        ((), None, 0, "warn"),
        (("--strict",), None, 1, "FAIL"),
        ((), "true", 1, "FAIL"),
        (("--no-strict",), "true", 0, "warn"),
        ((), "false", 0, "warn"),
    ],
)
def test_warnings_fail_only_in_strict_mode_which_ci_turns_on(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: tuple[str, ...],
    ci: str | None,
    expected_code: int,
    expected_result: str,
) -> None:
    # GIVEN a stack with one unacknowledged warning, and CI set or not
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    # WHEN checked
    code, _ = _run(monkeypatch, _result_with(tmp_path, WARNING), *argv)
    out = capsys.readouterr().out
    # THEN the exit code follows strict mode, and the warning is printed with its path
    assert code == expected_code
    lines = out.splitlines()
    assert lines[2].split()[-4:] == ["1", "0", "0", expected_result]  # warnings, ack., errors
    assert lines[3].split()[0] == "total" and lines[3].split()[-4:-1] == ["1", "0", "0"]
    assert f"S: warning at S/Models: {WARNING.message}" in out
    assert "acknowledge_warning(construct, '<id>', '<reason>')" in out


def test_error_annotations_fail_without_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    error = Annotation("error", "S/Endpoint", "no such instance type")
    code, _ = _run(monkeypatch, _result_with(tmp_path, error))
    assert code == 1
    assert "S: error at S/Endpoint: no such instance type" in capsys.readouterr().out


def test_acknowledged_warnings_pass_strict_and_show_their_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a warning acknowledged with a reason (so the assembly holds no warning)
    ack = Acknowledgement(
        "S", "S/Models", "acme:model-region", "the account has a private offer", annotation=True
    )
    # WHEN checked strictly
    code, _ = _run(monkeypatch, _result_with(tmp_path, acknowledged=(ack,)), "--strict")
    out = capsys.readouterr().out
    # THEN it passes, counts the acknowledgement and prints the reason
    assert code == 0
    assert out.splitlines()[2].split()[-4:] == ["0", "1", "0", "ok"]
    assert "acknowledged warning acme:model-region at S/Models: the account has a private" in out


def test_json_lists_annotations_and_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    code, _ = _run(monkeypatch, _result_with(tmp_path, WARNING), "--format", "json", "--strict")
    output = json.loads(capsys.readouterr().out)
    assert code == 1
    assert output["ok"] is False and output["strict"] is True
    assert output["summary"]["warnings"] == 1 and output["summary"]["errors"] == 0
    assert output["stacks"][0]["warnings"] == [
        {"path": "S/Models", "message": WARNING.message, "id": "acme:model-region"}
    ]


def test_reads_annotations_and_warning_acknowledgements_from_a_real_assembly(
    tmp_path: Path,
) -> None:
    # GIVEN a synthesized stack with a warning, an acknowledged warning and an error
    app = cdk.App(outdir=str(tmp_path / "out"))
    stack = cdk.Stack(app, "S", env=cdk.Environment(account="111111111111", region="us-east-1"))
    left, kept = (
        cdk.CfnResource(stack, "A", type="AWS::SNS::Topic"),
        cdk.CfnResource(stack, "B", type="AWS::SNS::Topic"),
    )
    cdk.Annotations.of(left).add_warning_v2("acme:left", "left unacknowledged")
    cdk.Annotations.of(kept).add_warning_v2("acme:kept", "acknowledged below")
    acknowledge_warning(kept, "acme:kept", "this topic is replaced by the next release anyway")
    cdk.Annotations.of(kept).add_error("broken")
    assembly_dir = Path(app.synth().directory)
    # WHEN summarized
    [summary] = checks.summarize(assembly_dir, read_nag_report_or_empty(assembly_dir))
    # THEN the warning and the error are read with their paths, the acknowledgement with its reason
    assert [(a.level, a.construct_path, a.warning_id) for a in summary.annotations] == [
        ("warning", "S/A", "acme:left"),
        ("error", "S/B", None),
    ]
    assert [(a.finding_id, a.reason) for a in summary.acknowledged_warnings] == [
        ("acme:kept", "this topic is replaced by the next release anyway")
    ]
    assert not summary.passed(strict=False)  # the error


def read_nag_report_or_empty(assembly_dir: Path) -> NagReport:
    """A report of the acknowledgements only (this assembly ran no nag pack)."""
    return NagReport(acknowledgements=read_acknowledgements(assembly_dir))
