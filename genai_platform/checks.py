"""Synth-and-nag-and-lint checks over the reference app or any CDK app, shared by the CLI and
the tests.

:func:`run_checks` synthesizes the reference app for a config into an output directory with the
three nag packs attached, reads the nag report, runs cfn-lint over every stack template, reads
every warning and error annotation the constructs left in the assembly, and returns one
:class:`StackSummary` per stack. :func:`check_app` does the same for a team's own CDK app run as
a command (as ``cdk synth`` runs it: ``CDK_OUTDIR`` names the output directory), and
:func:`check_assembly` for an assembly already synthesized. Both need the nag packs attached in
the app: one line, ``genai_platform.add_nag_packs(app)``, before ``app.synth()``.

A stack passes with no unacknowledged nag finding, no cfn-lint error and no error annotation;
in strict mode also with no unacknowledged warning annotation. A warning acknowledged with
:func:`genai_platform.compliance.acknowledge_warning` is not in the assembly's warnings: it is
counted, with its reason, among the acknowledged warnings.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from genai_platform.compliance import (
    NAG_PACKS_MARKER,
    Acknowledgement,
    NagFinding,
    NagReport,
    read_nag_report,
)
from genai_platform.config import PlatformConfig

__all__ = [
    "Annotation",
    "AppCheckError",
    "CheckResult",
    "LintIssue",
    "StackSummary",
    "check_app",
    "check_assembly",
    "lint_template",
    "read_annotations",
    "read_logical_ids",
    "run_checks",
]

#: Receives one line per long step (the CLI prints them to stderr).
Progress = Callable[[str], None]


class AppCheckError(Exception):
    """A team app or assembly could not be checked (not a finding: the input is unusable)."""


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


@dataclass(frozen=True)
class Annotation:
    """One warning or error a construct added (``cdk.Annotations``) to the assembly."""

    level: str  # "warning" or "error"
    construct_path: str
    message: str

    @property
    def warning_id(self) -> str | None:
        """The id to acknowledge the warning with (``[ack: <id>]`` in the message), if any."""
        match = _ACK_TAG.search(self.message)
        return match["id"] if match else None


_ACK_TAG = re.compile(r"\[ack: (?P<id>[^\]\s]+)\]\s*$")


@dataclass
class StackSummary:
    """What the checks found in one synthesized stack."""

    stack: str
    template_file: Path
    resources: int
    findings: list[NagFinding]
    acknowledged: int
    lint: list[LintIssue]
    annotations: list[Annotation] = field(default_factory=list)
    acknowledged_warnings: list[Acknowledgement] = field(default_factory=list)
    logical_ids: dict[str, str] = field(default_factory=dict)
    """Construct path (without the leading ``/``) to the CloudFormation logical id."""

    @property
    def warnings(self) -> list[Annotation]:
        """Unacknowledged warning annotations."""
        return [a for a in self.annotations if a.level == "warning"]

    @property
    def errors(self) -> list[Annotation]:
        """Error annotations."""
        return [a for a in self.annotations if a.level == "error"]

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
        """No unacknowledged nag finding, no cfn-lint error and no error annotation."""
        return not self.findings and self.lint_errors == 0 and not self.errors

    def passed(self, *, strict: bool) -> bool:
        """:attr:`ok`, and in strict mode also no unacknowledged warning."""
        return self.ok and not (strict and self.warnings)


@dataclass
class CheckResult:
    """The outcome of :func:`run_checks`; ``strict`` makes unacknowledged warnings fail."""

    assembly_dir: Path
    report: NagReport
    stacks: list[StackSummary]
    strict: bool = False

    @property
    def ok(self) -> bool:
        """True when every stack passed (in strict mode, warnings included)."""
        return all(s.passed(strict=self.strict) for s in self.stacks)

    def totals(self) -> dict[str, int]:
        """The summary row: each count summed over the stacks."""
        return {
            "resources": sum(s.resources for s in self.stacks),
            "unacknowledged": sum(len(s.findings) for s in self.stacks),
            "acknowledged": sum(s.acknowledged for s in self.stacks),
            "lint_errors": sum(s.lint_errors for s in self.stacks),
            "lint_warnings": sum(s.lint_warnings for s in self.stacks),
            "warnings": sum(len(s.warnings) for s in self.stacks),
            "acknowledged_warnings": sum(len(s.acknowledged_warnings) for s in self.stacks),
            "errors": sum(len(s.errors) for s in self.stacks),
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (used by ``--format json``)."""
        return {
            "ok": self.ok,
            "strict": self.strict,
            "assembly": str(self.assembly_dir),
            "summary": self.totals(),
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
                    "warnings": [_annotation_dict(a) for a in s.warnings],
                    "errors": [_annotation_dict(a) for a in s.errors],
                    "acknowledged_warnings": [
                        {"id": a.finding_id, "path": a.construct_path, "reason": a.reason}
                        for a in s.acknowledged_warnings
                    ],
                    "ok": s.passed(strict=self.strict),
                }
                for s in self.stacks
            ],
        }


def _annotation_dict(annotation: Annotation) -> dict[str, Any]:
    return {
        "path": annotation.construct_path,
        "message": annotation.message,
        "id": annotation.warning_id,
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


def nested_templates(assembly_dir: Path, artifact_id: str) -> list[Path]:
    """The templates of a stack's nested stacks: the ``*.nested.template.json`` file assets of
    the stack's asset manifest (``<artifact id>.assets.json``), nested ones of those included."""
    manifest = assembly_dir / f"{artifact_id}.assets.json"
    if not manifest.is_file():
        return []
    files = json.loads(manifest.read_text("utf-8")).get("files", {})
    found = []
    for entry in files.values():
        path = entry.get("source", {}).get("path", "")
        nested = isinstance(path, str) and path.endswith(".nested.template.json")
        if nested and (assembly_dir / path).is_file():
            found.append(assembly_dir / path)
    return sorted(found)


def _lint_labelled(file: Path, stack_file: Path, region: str) -> list[LintIssue]:
    """cfn-lint issues of ``file``; a nested template's paths start with its file name."""
    issues = lint_template(file, region=region)
    if file == stack_file:
        return issues
    return [replace(issue, path=f"{file.name}:{issue.path}") for issue in issues]


def _stack_artifacts(assembly_dir: Path) -> list[dict[str, Any]]:
    manifest = json.loads((assembly_dir / "manifest.json").read_text("utf-8"))
    stacks = []
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") == "aws:cloudformation:stack":
            stacks.append({"id": artifact_id, **artifact})
    return stacks


_ANNOTATION_LEVELS = {"aws:cdk:warning": "warning", "aws:cdk:error": "error"}


def read_annotations(assembly_dir: Path, artifact: dict[str, Any]) -> list[Annotation]:
    """The warning and error annotations of one stack artifact of a manifest, whether the
    metadata is inline or in the stack's ``additionalMetadataFile``."""
    metadata: dict[str, list[dict[str, Any]]] = dict(artifact.get("metadata", {}))
    extra = artifact.get("additionalMetadataFile")
    if extra and (assembly_dir / extra).exists():
        for path, entries in json.loads((assembly_dir / extra).read_text("utf-8")).items():
            metadata.setdefault(path, []).extend(entries)
    return [
        Annotation(_ANNOTATION_LEVELS[entry["type"]], path.lstrip("/"), str(entry.get("data")))
        for path, entries in metadata.items()
        for entry in entries
        if entry.get("type") in _ANNOTATION_LEVELS
    ]


def read_logical_ids(assembly_dir: Path, artifact: dict[str, Any]) -> dict[str, str]:
    """Construct path to logical id (``aws:cdk:logicalId`` metadata) of one stack artifact."""
    metadata: dict[str, list[dict[str, Any]]] = dict(artifact.get("metadata", {}))
    extra = artifact.get("additionalMetadataFile")
    if extra and (assembly_dir / extra).exists():
        for path, entries in json.loads((assembly_dir / extra).read_text("utf-8")).items():
            metadata.setdefault(path, []).extend(entries)
    return {
        path.lstrip("/"): str(entry["data"])
        for path, entries in metadata.items()
        for entry in entries
        if entry.get("type") == "aws:cdk:logicalId"
    }


def summarize(
    assembly_dir: Path, report: NagReport, *, progress: Progress | None = None
) -> list[StackSummary]:
    """One summary per stack of a synthesized assembly (lints each template)."""
    summaries = []
    artifacts = _stack_artifacts(assembly_dir)
    for n, artifact in enumerate(artifacts, 1):
        name = artifact.get("displayName", artifact["id"])
        if progress is not None:
            progress(f"cfn-lint: stack {n} of {len(artifacts)}: {name}")
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
                lint=[
                    issue
                    for file in (template_file, *nested_templates(assembly_dir, artifact["id"]))
                    for issue in _lint_labelled(file, template_file, region or "us-east-1")
                ],
                annotations=read_annotations(assembly_dir, artifact),
                acknowledged_warnings=report.acknowledged_warnings_in(name),
                logical_ids=read_logical_ids(assembly_dir, artifact),
            )
        )
    return summaries


def run_checks(config: PlatformConfig, outdir: str | Path, *, strict: bool = False) -> CheckResult:
    """Synthesize the reference app for ``config`` into ``outdir`` and check every stack.

    ``strict`` makes unacknowledged warning annotations fail the result (default off).
    """
    from genai_platform.compliance import synth_and_report
    from genai_platform.reference_app import build_reference_app

    app = build_reference_app(config, outdir=str(outdir), nag=True)
    assembly_dir, report = synth_and_report(app)
    return CheckResult(assembly_dir, report, summarize(assembly_dir, report), strict=strict)


_ADD_PACKS = (
    "attach the nag packs in the app with one line before app.synth(): "
    "genai_platform.add_nag_packs(app)"
)


def _has_marker(node: Any) -> bool:
    children = node.get("children", {}) if isinstance(node, dict) else {}
    return NAG_PACKS_MARKER in children or any(_has_marker(c) for c in children.values())


def packs_attached(assembly_dir: Path) -> bool:
    """Whether :func:`~genai_platform.compliance.add_nag_packs` ran on the app that wrote
    ``assembly_dir`` (its marker construct is in ``tree.json``, and a report was written)."""
    tree_file = assembly_dir / "tree.json"
    if not (assembly_dir / "validation-report.json").is_file() or not tree_file.is_file():
        return False
    return _has_marker(json.loads(tree_file.read_text("utf-8")).get("tree", {}))


def check_assembly(
    assembly_dir: str | Path, *, strict: bool = False, progress: Progress | None = None
) -> CheckResult:
    """Check an assembly already synthesized (``cdk.out``) with the nag packs attached.

    Raises :class:`AppCheckError` when ``assembly_dir`` is no cloud assembly or holds no nag
    report (the packs were not attached).
    """
    root = Path(assembly_dir)
    if not (root / "manifest.json").is_file():
        raise AppCheckError(
            f"--assembly: {str(root)!r} is not a cloud assembly (no manifest.json); give the "
            "directory `cdk synth` wrote (cdk.out by default)"
        )
    if not packs_attached(root):
        raise AppCheckError(
            f"--assembly: {str(root)!r} was synthesized without the nag packs (no "
            f"{NAG_PACKS_MARKER} in tree.json, or no validation-report.json); {_ADD_PACKS}"
        )
    report = read_nag_report(root)
    return CheckResult(root, report, summarize(root, report, progress=progress), strict=strict)


def check_app(
    command: str,
    outdir: str | Path,
    *,
    strict: bool = False,
    progress: Progress | None = None,
    timeout_seconds: float = 900.0,
) -> CheckResult:
    """Run a CDK app ``command`` (``"python my_app.py"``) as ``cdk synth`` does, then check the
    assembly it writes to ``outdir`` (passed as ``CDK_OUTDIR``).

    The app must attach the nag packs (``add_nag_packs(app)``). An app that fails because nag
    findings are unacknowledged still wrote its assembly: that is a result, not an error. Raises
    :class:`AppCheckError` when the command cannot run, fails otherwise, or writes no assembly.
    """
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("manifest.json", "validation-report.json"):
        (out / stale).unlink(missing_ok=True)  # never read a previous run's results
    env = {**os.environ, "CDK_OUTDIR": str(out)}
    try:
        argv = shlex.split(command)
    except ValueError as error:
        raise AppCheckError(f"--app: {command!r} is not a command line: {error}") from error
    if not argv:
        raise AppCheckError("--app: '' is empty; give the app's command, e.g. 'python app.py'")
    if progress is not None:
        progress(f"synthesizing: {command} (CDK_OUTDIR={out})")
    try:
        completed = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=timeout_seconds, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise AppCheckError(f"--app: {command!r} could not run: {error}") from error
    failed_on_findings = "ValidationFailed" in completed.stderr or (
        "Validation failed" in completed.stderr
    )
    if completed.returncode != 0 and not (
        failed_on_findings and (out / "validation-report.json").is_file()
    ):
        tail = "\n".join(completed.stderr.strip().splitlines()[-20:])
        raise AppCheckError(
            f"--app: {command!r} exited with status {completed.returncode}:\n{tail}"
        )
    if not (out / "manifest.json").is_file():
        raise AppCheckError(
            f"--app: {command!r} wrote no cloud assembly to {out}; the app must call "
            "app.synth() (a cdk.App() reads CDK_OUTDIR)"
        )
    if not packs_attached(out):
        raise AppCheckError(f"--app: {command!r} synthesized without the nag packs; {_ADD_PACKS}")
    return check_assembly(out, strict=strict, progress=progress)
