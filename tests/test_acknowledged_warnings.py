"""[[acknowledged_warnings]] in a platform config: a warning kept on purpose, with a reason."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from genai_platform.checks import read_annotations
from genai_platform.compliance import read_acknowledgements
from genai_platform.config import parse_config
from genai_platform.reference_app import build_platform
from genai_platform.stacks.account_stack import SANDBOX_WARNING_ID

ROOT = Path(__file__).resolve().parent.parent
REASON = "this account is a throw-away trial account that holds no customer data at all"


def _sandbox(**extra: Any) -> dict[str, Any]:
    data = tomllib.loads((ROOT / "config" / "sandbox.toml").read_text("utf-8"))
    data.update(extra)
    return data


def test_acknowledged_sandbox_warning_leaves_only_the_other_stacks_warning(
    tmp_path: Path,
) -> None:
    # GIVEN the sandbox config with the application stack's sandbox warning acknowledged
    config = parse_config(
        _sandbox(
            acknowledged_warnings=[
                {"path": "ApplicationAccount", "id": SANDBOX_WARNING_ID, "reason": REASON}
            ]
        )
    )
    # WHEN the platform is built and synthesized
    app = cdk.App(outdir=str(tmp_path / "out"))
    build_platform(app, config)
    assembly_dir = Path(app.synth().directory)
    manifest = json.loads((assembly_dir / "manifest.json").read_text("utf-8"))["artifacts"]
    warned = {
        name: [a.warning_id for a in read_annotations(assembly_dir, manifest[name])]
        for name in ("ApplicationAccount", "GenAiAccount", "DataAccount")
    }
    # THEN the application stack no longer warns, the others still do, and the reason is kept
    assert warned == {
        "ApplicationAccount": [],
        "GenAiAccount": [SANDBOX_WARNING_ID],
        "DataAccount": [SANDBOX_WARNING_ID],
    }
    acks = [a for a in read_acknowledgements(assembly_dir) if a.annotation]
    assert [(a.stack, a.finding_id, a.reason) for a in acks] == [
        ("ApplicationAccount", SANDBOX_WARNING_ID, REASON)
    ]


def test_fails_when_an_acknowledgement_names_no_construct_or_gives_no_reason() -> None:
    # GIVEN one acknowledgement on a path that does not exist and one with a boilerplate reason
    config = parse_config(
        _sandbox(
            acknowledged_warnings=[
                {"path": "GenAiAccount/Nope", "id": SANDBOX_WARNING_ID, "reason": REASON},
                {"path": "DataAccount", "id": SANDBOX_WARNING_ID, "reason": "n/a"},
            ]
        )
    )
    # WHEN built THEN both are refused at once, by their config keys
    with pytest.raises(ValueError) as caught:
        build_platform(cdk.App(), config)
    message = str(caught.value)
    assert "acknowledged_warnings[0].path: 'GenAiAccount/Nope' names no construct" in message
    assert "acknowledged_warnings[1].reason: 'n/a' does not explain" in message
