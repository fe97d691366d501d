"""The check's result as SARIF 2.1.0, the format code-scanning services read.

One run, tool ``genai-platform``; one result per unacknowledged nag finding, per cfn-lint error
or warning, and per error or unacknowledged warning annotation (these also decide the exit
status). Every result names its rule id, level, message, the template file (with the line of the
resource, or of the cfn-lint match), the resource's logical id and its construct path.

Levels: nag errors and cfn-lint errors (``E*``) are ``error``; nag warnings and cfn-lint
warnings (``W*``) are ``warning``; construct annotations keep their level. cfn-lint's
informational matches are left out, as in the table.

The format is the OASIS SARIF 2.1.0 standard
(https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html); code scanning reads
``physicalLocation.artifactLocation.uri`` relative to the repository, so template files under
the working directory are given relative to it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from genai_platform.checks import CheckResult, StackSummary

__all__ = ["SARIF_SCHEMA_URI", "SARIF_VERSION", "dumps", "to_sarif"]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_ANNOTATION_RULE = "genai-platform-annotation"


def _uri(path: Path) -> str:
    """Relative to the working directory when under it (what code scanning expects)."""
    absolute = path.resolve()
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return absolute.as_uri()


def _resource_lines(template_file: Path) -> dict[str, int]:
    """Logical id to the line its resource starts on in a (pretty-printed) template."""
    lines: dict[str, int] = {}
    try:
        text = template_file.read_text("utf-8")
    except OSError:
        return lines
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r'\s*"([A-Za-z0-9]+)": \{\s*$', line)
        if match and match[1] not in lines:
            lines[match[1]] = number
    return lines


def _resource_path(construct_path: str, logical_ids: dict[str, str]) -> str | None:
    """The logical id of a construct path, or of its ``Resource``/``Default`` child."""
    for candidate in (construct_path, f"{construct_path}/Resource", f"{construct_path}/Default"):
        if candidate in logical_ids:
            return logical_ids[candidate]
    return None


class _Builder:
    def __init__(self) -> None:
        self.rules: dict[str, dict[str, Any]] = {}
        self.results: list[dict[str, Any]] = []

    def rule(self, rule_id: str, description: str) -> int:
        if rule_id not in self.rules:
            self.rules[rule_id] = {
                "id": rule_id,
                "shortDescription": {"text": description or rule_id},
            }
        return list(self.rules).index(rule_id)

    def add(
        self,
        *,
        rule_id: str,
        description: str,
        level: str,
        message: str,
        stack: StackSummary,
        template_file: Path,
        line: int | None,
        logical_id: str | None,
        construct_path: str | None,
    ) -> None:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(template_file)}}
        if line:
            physical["region"] = {"startLine": line}
        location: dict[str, Any] = {"physicalLocation": physical}
        logical = []
        if logical_id:
            logical.append({"name": logical_id, "kind": "resource"})
        if construct_path:
            logical.append(
                {"name": construct_path.rsplit("/", 1)[-1], "fullyQualifiedName": construct_path}
            )
        if logical:
            location["logicalLocations"] = logical
        self.results.append(
            {
                "ruleId": rule_id,
                "ruleIndex": self.rule(rule_id, description),
                "level": level,
                "message": {"text": message},
                "locations": [location],
                "properties": {
                    "stack": stack.stack,
                    "logicalId": logical_id,
                    "constructPath": construct_path,
                },
            }
        )


def _nested_file(stack: StackSummary, lint_path: str) -> tuple[Path, str]:
    """A nested template's lint path starts with ``<file>:``; split it off."""
    head, sep, rest = lint_path.partition(":")
    if sep and head.endswith(".json"):
        return stack.template_file.parent / head, rest
    return stack.template_file, lint_path


def to_sarif(result: CheckResult, *, tool_version: str | None = None) -> dict[str, Any]:
    """The SARIF 2.1.0 log of a check result (a JSON-serialisable dict)."""
    from genai_platform import __version__

    builder = _Builder()
    for stack in result.stacks:
        by_logical = {v: k for k, v in stack.logical_ids.items()}
        lines = _resource_lines(stack.template_file)
        for finding in stack.findings:
            logical_id = _resource_path(finding.construct_path, stack.logical_ids)
            builder.add(
                rule_id=finding.rule_id,
                description=f"cdk-nag {finding.pack} rule {finding.rule_id}",
                level="warning" if finding.severity == "warning" else "error",
                message=f"{finding.rule_id}: {finding.description}".strip(),
                stack=stack,
                template_file=stack.template_file,
                line=lines.get(logical_id or ""),
                logical_id=logical_id,
                construct_path=finding.construct_path,
            )
        for issue in stack.lint:
            if issue.severity not in ("error", "warning"):
                continue
            file, path = _nested_file(stack, issue.path)
            parts = path.split("/")
            logical_id = parts[1] if len(parts) > 1 and parts[0] == "Resources" else None
            builder.add(
                rule_id=issue.rule_id,
                description=f"cfn-lint rule {issue.rule_id}",
                level=issue.severity,
                message=f"{issue.rule_id}: {issue.message} ({path})",
                stack=stack,
                template_file=file,
                line=issue.line or None,
                logical_id=logical_id,
                construct_path=by_logical.get(logical_id or "")
                if file == stack.template_file
                else None,
            )
        for annotation in [*stack.errors, *stack.warnings]:
            logical_id = _resource_path(annotation.construct_path, stack.logical_ids)
            builder.add(
                rule_id=annotation.warning_id or _ANNOTATION_RULE,
                description="a warning or error a genai-platform construct reported at synth",
                level=annotation.level,
                message=annotation.message,
                stack=stack,
                template_file=stack.template_file,
                line=lines.get(logical_id or ""),
                logical_id=logical_id,
                construct_path=annotation.construct_path,
            )
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "genai-platform",
                        "version": tool_version or __version__,
                        "rules": list(builder.rules.values()),
                    }
                },
                "results": builder.results,
                "invocations": [{"executionSuccessful": True}],
                "properties": {"ok": result.ok, "strict": result.strict},
            }
        ],
    }


def dumps(result: CheckResult) -> str:
    """:func:`to_sarif` as indented JSON text."""
    return json.dumps(to_sarif(result), indent=2)
