"""Synth-and-nag-and-lint checks over the reference app, shared by the CLI and the tests.

:func:`run_checks` synthesizes the reference app for a config into an output directory with the
three nag packs attached, reads the nag report, runs cfn-lint over every stack template and
returns one :class:`StackSummary` per stack.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genai_platform.compliance import NagFinding, NagReport
from genai_platform.config import PlatformConfig

__all__ = ["CheckResult", "LintIssue", "StackSummary", "lint_template", "run_checks"]


@dataclass(frozen=True)
class LintIssue:
    """One cfn-lint match."""

    rule_id: str
    severity: str  # "error", "warning" or "informational"
    message: str
    path: str
    line: int

    @property
    def is_error(self) -> bool:
        """True for cfn-lint errors (rule ids starting with E)."""
        return self.severity == "error"


@dataclass
class StackSummary:
    """What the checks found in one synthesized stack."""

    stack: str
    template_file: Path
    resources: int
    findings: list[NagFinding]
    acknowledged: int
    lint: list[LintIssue]
    warnings: list[str] = field(default_factory=list)

    @property
    def lint_errors(self) -> int:
        """Number of cfn-lint errors."""
        return sum(1 for issue in self.lint if issue.is_error)

    @property
    def lint_warnings(self) -> int:
        """Number of cfn-lint warnings."""
        return sum(1 for issue in self.lint if issue.severity == "warning")

    @property
    def ok(self) -> bool:
        """No unacknowledged nag finding and no cfn-lint error."""
        return not self.findings and self.lint_errors == 0


@dataclass
class CheckResult:
    """The outcome of :func:`run_checks`."""

    assembly_dir: Path
    report: NagReport
    stacks: list[StackSummary]

    @property
    def ok(self) -> bool:
        """True when every stack passed."""
        return all(s.ok for s in self.stacks)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (used by ``--format json``)."""
        return {
            "ok": self.ok,
            "assembly": str(self.assembly_dir),
            "stacks": [
                {
                    "stack": s.stack,
                    "template": str(s.template_file),
                    "resources": s.resources,
                    "unacknowledged": len(s.findings),
                    "acknowledged": s.acknowledged,
                    "lint_errors": s.lint_errors,
                    "lint_warnings": s.lint_warnings,
                    "findings": [
                        {"rule": f.rule_id, "severity": f.severity, "path": f.construct_path}
                        for f in s.findings
                    ],
                    "lint": [
                        {"rule": i.rule_id, "severity": i.severity, "message": i.message}
                        for i in s.lint
                    ],
                    "warnings": s.warnings,
                }
                for s in self.stacks
            ],
        }


_SEVERITY = {"E": "error", "W": "warning", "I": "informational"}


def lint_template(template_file: Path, *, region: str) -> list[LintIssue]:
    """Run cfn-lint (all default rules) on one template for ``region``."""
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(template_file, config=ManualArgs(regions=[region]))
    return [
        LintIssue(
            rule_id=m.rule.id,
            severity=_SEVERITY.get(m.rule.id[:1], "error"),
            message=m.message,
            path="/".join(str(p) for p in (m.path or [])),
            line=m.linenumber,
        )
        for m in matches
    ]


def _stack_artifacts(assembly_dir: Path) -> list[dict[str, Any]]:
    manifest = json.loads((assembly_dir / "manifest.json").read_text("utf-8"))
    stacks = []
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") == "aws:cloudformation:stack":
            stacks.append({"id": artifact_id, **artifact})
    return stacks


def _warnings(assembly_dir: Path, artifact: dict[str, Any]) -> list[str]:
    out = []
    for entries in artifact.get("metadata", {}).values():
        for entry in entries:
            if entry.get("type") == "aws:cdk:warning":
                out.append(str(entry.get("data")))
    return out


def summarize(assembly_dir: Path, report: NagReport) -> list[StackSummary]:
    """One summary per stack of a synthesized assembly (lints each template)."""
    summaries = []
    for artifact in _stack_artifacts(assembly_dir):
        name = artifact.get("displayName", artifact["id"])
        template_file = assembly_dir / artifact["properties"]["templateFile"]
        template = json.loads(template_file.read_text("utf-8"))
        region = str(artifact.get("environment", "")).rsplit("/", 1)[-1]
        summaries.append(
            StackSummary(
                stack=name,
                template_file=template_file,
                resources=len(template.get("Resources", {})),
                findings=report.for_stack(name),
                acknowledged=len(report.acknowledged_in(name)),
                lint=lint_template(template_file, region=region or "us-east-1"),
                warnings=_warnings(assembly_dir, artifact),
            )
        )
    return summaries


def run_checks(config: PlatformConfig, outdir: str | Path) -> CheckResult:
    """Synthesize the reference app for ``config`` into ``outdir`` and check every stack."""
    from genai_platform.compliance import synth_and_report
    from genai_platform.reference_app import build_reference_app

    app = build_reference_app(config, outdir=str(outdir), nag=True)
    assembly_dir, report = synth_and_report(app)
    return CheckResult(assembly_dir, report, summarize(assembly_dir, report))
