"""The example GitHub Actions workflow is valid YAML and names only commands that exist."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import yaml

from genai_platform.cli import _parser

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "examples" / "github-actions" / "deploy.yml"


def _workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _run_lines() -> list[str]:
    lines = []
    for job in _workflow()["jobs"].values():
        for step in job["steps"]:
            for line in str(step.get("run", "")).splitlines():
                if line.strip():
                    lines.append(line.strip())
    return lines


def _make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text("utf-8")
    return set(re.findall(r"^([a-z][a-z-]*):", text, flags=re.MULTILINE))


def test_workflow_is_valid_yaml_with_test_check_and_two_gated_deploy_jobs() -> None:
    # GIVEN the example workflow WHEN it is parsed
    workflow = _workflow()
    jobs = workflow["jobs"]
    # THEN it tests, then deploys staging, then production, each in its GitHub environment
    assert list(jobs) == ["test", "staging", "production"]
    assert jobs["staging"]["needs"] == "test" and jobs["production"]["needs"] == "staging"
    assert jobs["staging"]["environment"] == "staging"
    assert jobs["production"]["environment"] == "production"
    # AND only the deploy jobs may request an OIDC token
    assert "id-token" not in jobs["test"]["permissions"]
    assert jobs["production"]["permissions"]["id-token"] == "write"
    # AND the check's SARIF is uploaded to code scanning
    uploads = [s for s in jobs["test"]["steps"] if "upload-sarif" in s.get("uses", "")]
    assert uploads and uploads[0]["if"] == "always()"


def test_every_command_exists_in_the_project() -> None:
    targets = _make_targets()
    cdk_cli = json.loads((ROOT / "package.json").read_text("utf-8"))["devDependencies"]
    reference_app = (ROOT / "genai_platform" / "reference_app.py").read_text("utf-8")
    lines = _run_lines()
    assert lines
    for line in lines:
        command = shlex.split(line.split(">")[0])
        # THEN each line is a make target, the check command, the pinned CDK CLI or an echo
        if command[0] == "make":
            assert set(command[1:]) <= targets, line
        elif command[0] == ".venv/bin/genai-platform":
            args = _parser().parse_args(command[1:])  # exits on an unknown option
            if args.config is not None:
                assert (ROOT / args.config).is_file(), line
        elif command[:2] == ["npx", "cdk"]:
            assert "aws-cdk" in cdk_cli
            assert command[2] == "deploy"
            stack = command[3]
            assert f'"{stack}"' in reference_app, f"{stack} is no stack of the reference app"
            context = command[command.index("-c") + 1]
            assert context == "config=$CONFIG", line
        elif command[0] == "echo":
            continue
        else:
            raise AssertionError(f"unknown command in the workflow: {line}")


def test_every_config_the_deploy_jobs_use_exists() -> None:
    for name in ("staging", "production"):
        config = _workflow()["jobs"][name]["env"]["CONFIG"]
        assert (ROOT / config).is_file(), config
