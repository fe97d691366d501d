"""cdk-nag packs, a guarded acknowledgement helper, and a reader for the nag report.

cdk-nag 3 runs as CDK policy-validation plugins: :func:`add_nag_packs` registers the
AwsSolutions, NIST 800-53 rev 5 and HIPAA Security packs on an app; ``app.synth()`` then writes
``validation-report.json`` into the cloud assembly and raises when any error is left
unacknowledged. :func:`synth_and_report` synthesizes and reads that report back whether or not
synthesis failed, which is what the check command and the tests share.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from constructs import IConstruct

__all__ = [
    "NAG_PACKS",
    "NAG_PACKS_MARKER",
    "Acknowledgement",
    "NagFinding",
    "NagReport",
    "acknowledge",
    "acknowledge_warning",
    "add_nag_packs",
    "nag_value",
    "read_acknowledgements",
    "read_nag_report",
    "synth_and_report",
    "warning_acknowledgement_problems",
]

#: The rule-id prefixes of the packs this library checks against.
NAG_PACKS: tuple[str, ...] = ("AwsSolutions", "NIST.800.53.R5", "HIPAA.Security")

_FINDING_ID = re.compile(
    r"(?:AwsSolutions|NIST\.800\.53\.R5|HIPAA\.Security)-[A-Za-z0-9]+(?:\[[^\]\s][^\]]*\])?"
)
_BOILERPLATE = {
    "acknowledged",
    "by design",
    "false positive",
    "fine",
    "intended",
    "n/a",
    "na",
    "not applicable",
    "not needed",
    "not required",
    "ok",
    "okay",
    "suppressed",
    "tbd",
    "todo",
    "wontfix",
}
_MIN_REASON_WORDS = 6

_ACK_METADATA = "aws:cdk:acknowledged-rules"

#: The id of the empty construct :func:`add_nag_packs` adds to the app or stage, so a check of
#: an assembly can tell (from ``tree.json``) that the packs ran: a clean run writes no report.
NAG_PACKS_MARKER = "GenAiPlatformNagPacks"


def add_nag_packs(scope: cdk.Stage, *, verbose: bool = False) -> None:
    """Register the AwsSolutions, NIST 800-53 rev 5 and HIPAA Security packs on an app or stage.

    ``verbose`` adds each rule's explanation to the report (default off). An empty construct
    with the id :data:`NAG_PACKS_MARKER` records in the assembly's tree that the packs ran
    (``genai-platform check --app/--assembly`` looks for it).
    """
    from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks
    from constructs import Construct

    if scope.node.try_find_child(NAG_PACKS_MARKER) is None:
        Construct(scope, NAG_PACKS_MARKER)

    cdk.Validations.of(scope).add_plugins(
        AwsSolutionsChecks(scope, verbose=verbose),
        NIST80053R5Checks(scope, verbose=verbose),
        HIPAASecurityChecks(scope, verbose=verbose),
    )


def nag_value(stack: cdk.Stack, value: str) -> str:
    """How cdk-nag writes ``value`` (a resource ARN or pattern) in a finding id such as
    ``AwsSolutions-IAM5[Resource::<value>]``: references as ``<LogicalId>`` (pseudo parameters
    as ``<AWS::Partition>``), attributes as ``<LogicalId.Attr>``, ``Fn::Join`` parts joined."""
    resolved = stack.resolve(value)
    if isinstance(resolved, str):
        return resolved
    parts = resolved.get("Fn::Join", ["", [resolved]])[1] if isinstance(resolved, dict) else []
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif "Ref" in part:
            out.append(f"<{part['Ref']}>")
        elif "Fn::GetAtt" in part:
            out.append(f"<{'.'.join(part['Fn::GetAtt'])}>")
        else:
            out.append(json.dumps(part))
    return "".join(out)


def acknowledge(scope: IConstruct, finding_id: str, reason: str) -> None:
    """Acknowledge one nag finding on ``scope`` (put it on the resource that produces it).

    ``finding_id`` names exactly one rule, optionally with its finding in brackets
    (``AwsSolutions-IAM5[Resource::*]``). ``reason`` must say why this resource may keep the
    finding: empty, boilerplate (``"n/a"``, ``"false positive"``...) or reasons under
    six words are refused with a ValueError.
    """
    problems = []
    if not _FINDING_ID.fullmatch(finding_id):
        problems.append(
            f"finding_id: {finding_id!r} is not one nag finding; expected "
            "'<Pack>-<Rule>' or '<Pack>-<Rule>[<finding>]' with pack one of "
            f"{', '.join(NAG_PACKS)}"
        )
    problems += _reason_problems(reason)
    if problems:
        raise ValueError("; ".join(problems))
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=finding_id, reason=reason))


def acknowledge_warning(scope: IConstruct, warning_id: str, reason: str) -> None:
    """Acknowledge one warning annotation on ``scope`` and its children, with a reason.

    ``warning_id`` is the id a construct gave the warning (``Annotations.add_warning_v2``); the
    check command prints it at the end of the message as ``[ack: <id>]``. Put the
    acknowledgement on the construct that warns. The reason follows the rules of
    :func:`acknowledge`. An acknowledged warning is left out of the assembly's warnings,
    recorded with its reason, and does not fail ``genai-platform check --strict``.
    """
    problems = warning_acknowledgement_problems(warning_id, reason)
    if problems:
        raise ValueError("; ".join(problems))
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=warning_id, reason=reason))


def warning_acknowledgement_problems(warning_id: str, reason: str) -> list[str]:
    """Why :func:`acknowledge_warning` would refuse ``warning_id`` and ``reason`` (none: fine)."""
    problems = []
    if (
        not isinstance(warning_id, str)
        or not warning_id.strip()
        or any(c.isspace() for c in warning_id)
    ):
        problems.append(
            f"warning_id: {warning_id!r} is not a warning id; give the id printed as "
            "'[ack: <id>]' after the warning, without spaces"
        )
    elif _FINDING_ID.fullmatch(warning_id):
        problems.append(
            f"warning_id: {warning_id!r} is a nag finding; acknowledge it with acknowledge()"
        )
    return problems + _reason_problems(reason)


def _reason_problems(reason: str) -> list[str]:
    words = reason.split() if isinstance(reason, str) else []
    if (
        not isinstance(reason, str)
        or reason.strip().lower().rstrip(".") in _BOILERPLATE
        or len(words) < _MIN_REASON_WORDS
    ):
        return [
            f"reason: {reason!r} does not explain why this resource may keep the finding; "
            f"write at least {_MIN_REASON_WORDS} words specific to the resource"
        ]
    return []


# --------------------------------------------------------------------------- reading reports


@dataclass(frozen=True)
class NagFinding:
    """One unacknowledged finding of one rule on one resource."""

    pack: str
    rule_id: str
    severity: str
    construct_path: str
    stack: str
    description: str


@dataclass(frozen=True)
class Acknowledgement:
    """One acknowledgement recorded in the assembly's metadata."""

    stack: str
    construct_path: str
    finding_id: str
    reason: str
    annotation: bool = False
    """True when it acknowledges a warning annotation (see :func:`acknowledge_warning`)."""

    @property
    def is_nag(self) -> bool:
        """True when it acknowledges a finding of one of :data:`NAG_PACKS`."""
        return self.finding_id.startswith(tuple(f"{p}-" for p in NAG_PACKS))


@dataclass
class NagReport:
    """The unacknowledged findings and the acknowledgements of one cloud assembly."""

    findings: list[NagFinding] = field(default_factory=list)
    acknowledgements: list[Acknowledgement] = field(default_factory=list)

    def for_stack(self, stack: str) -> list[NagFinding]:
        """Unacknowledged findings in ``stack``."""
        return [f for f in self.findings if f.stack == stack]

    def acknowledged_in(self, stack: str) -> list[Acknowledgement]:
        """Nag acknowledgements in ``stack``."""
        return [a for a in self.acknowledgements if a.stack == stack and a.is_nag]

    def acknowledged_warnings_in(self, stack: str) -> list[Acknowledgement]:
        """Warning acknowledgements (see :func:`acknowledge_warning`) in ``stack``."""
        return [a for a in self.acknowledgements if a.stack == stack and a.annotation]

    def counts_by_rule(self) -> Counter[str]:
        """Unacknowledged findings per rule id."""
        return Counter(f.rule_id for f in self.findings)

    def describe(self) -> str:
        """One line per finding, for assertion messages and the CLI."""
        return "\n".join(
            f"{f.severity.upper()} {f.rule_id} at {f.construct_path}: {f.description[:160]}"
            for f in self.findings
        )


def _stack_paths(assembly_dir: Path) -> dict[str, str]:
    """Construct-path prefix (``Stage/Stack``) to stack display name, from the manifest."""
    manifest = json.loads((assembly_dir / "manifest.json").read_text("utf-8"))
    out: dict[str, str] = {}
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") == "aws:cloudformation:stack":
            display = artifact.get("displayName", artifact_id)
            out[display] = display
        elif artifact.get("type") == "cdk:cloud-assembly":
            nested = assembly_dir / artifact["properties"]["directoryName"]
            out.update(_stack_paths(nested))
    return out


def _owning_stack(path: str, stacks: dict[str, str]) -> str:
    best = ""
    for prefix in stacks:
        if (path == prefix or path.startswith(prefix + "/")) and len(prefix) > len(best):
            best = prefix
    return stacks.get(best, path.split("/", 1)[0])


def read_acknowledgements(assembly_dir: str | Path) -> list[Acknowledgement]:
    """Every acknowledgement recorded in the stacks' metadata files of an assembly."""
    root = Path(assembly_dir)
    stacks = _stack_paths(root)
    found: list[Acknowledgement] = []
    for metadata_file in sorted(root.rglob("*.metadata.json")):
        metadata: dict[str, list[dict[str, Any]]] = json.loads(metadata_file.read_text("utf-8"))
        for node_path, entries in metadata.items():
            path = node_path.lstrip("/")
            for entry in entries:
                if entry.get("type") != _ACK_METADATA:
                    continue
                for key, reason in (entry.get("data") or {}).items():
                    finding_id = re.sub(r"^annotation::", "", key, flags=re.IGNORECASE)
                    found.append(
                        Acknowledgement(
                            _owning_stack(path, stacks),
                            path,
                            finding_id,
                            reason,
                            # CDK records every acknowledgement as Annotation::<id>: a warning
                            # is one whose id is not a nag finding.
                            annotation=finding_id != key and not _FINDING_ID.fullmatch(finding_id),
                        )
                    )
    return found


def read_nag_report(assembly_dir: str | Path) -> NagReport:
    """Read ``validation-report.json`` (and the acknowledgements) of a synthesized assembly.

    Raises FileNotFoundError when the assembly has no report (no plugins were registered).
    """
    root = Path(assembly_dir)
    report = json.loads((root / "validation-report.json").read_text("utf-8"))
    stacks = _stack_paths(root)
    findings: list[NagFinding] = []
    for plugin in report.get("pluginReports", []):
        pack = plugin.get("pluginName", "")
        if pack not in NAG_PACKS:
            continue  # e.g. CDK's built-in CloudFormation validation: cfn-lint covers it
        for violation in plugin.get("violations", []):
            for construct in violation.get("violatingConstructs", []):
                path = construct.get("constructPath", "")
                findings.append(
                    NagFinding(
                        pack=pack,
                        rule_id=violation.get("ruleName", ""),
                        severity=violation.get("severity", "error"),
                        construct_path=path,
                        stack=_owning_stack(path, stacks),
                        description=violation.get("description", ""),
                    )
                )
    return NagReport(findings=findings, acknowledgements=read_acknowledgements(root))


def synth_and_report(app: cdk.App) -> tuple[Path, NagReport]:
    """Synthesize ``app`` and return its assembly directory and nag report.

    Unacknowledged nag errors make CDK raise after writing the assembly; that failure is
    turned into findings in the report. Any other synthesis error propagates.
    """
    try:
        assembly_dir = Path(app.synth().directory)
    except RuntimeError as exc:
        if "ValidationFailed" not in str(exc):
            raise
        assembly_dir = Path(app.outdir)
    return assembly_dir, read_nag_report(assembly_dir)
