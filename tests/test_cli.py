"""The check command's usage errors, config errors and summary output (synthesis faked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from genai_platform import checks, cli
from genai_platform.checks import CheckResult, LintIssue, StackSummary
from genai_platform.compliance import NagFinding, NagReport

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
        '"us.amazon.nova-lite-v1:0",',
        '"us.amazon.nova-ultra-v9:0",',
        "models: 'us.amazon.nova-ultra-v9:0' names the unknown foundation model",
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
    monkeypatch.setattr(checks, "run_checks", lambda config, outdir: result)
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
    def refuse(config: object, outdir: object) -> CheckResult:
        raise ValueError("invalid PrivateNetwork 'GenAiAccount/Network': vpc_cidr: 'x' ...")

    monkeypatch.setattr(checks, "run_checks", refuse)
    # WHEN checked THEN exit 2 with the construct's message and no traceback
    code = cli.main(["check", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "vpc_cidr: 'x'" in err and "Traceback" not in err
