"""The default config with only `region` and its zones changed: each region either checks clean
with models that can be invoked there, or is refused naming what the region lacks.

Kept cheap: the config refusal needs no synthesis; four regions build and synthesize only the
generative-AI account stack (where the models, endpoints and zones live) without nag; one
non-default region, eu-central-1, goes through the real check command in strict mode.
"""

from __future__ import annotations

import contextlib
import io
import json
import tomllib
from pathlib import Path

import aws_cdk as cdk
import pytest

from genai_platform.checks import read_annotations
from genai_platform.cli import main
from genai_platform.config import ConfigError, PlatformConfig, default_config_text, parse_config
from genai_platform.stacks import GenAiAccountStack

SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"
NOVA_LITE = "amazon.nova-lite-v1:0"
TITAN = "amazon.titan-embed-text-v2:0"

#: Region -> the approved models the default config resolves to there.
CLEAN = {
    "us-east-1": (f"us.{SONNET}", f"us.{NOVA_LITE}", TITAN),
    "us-west-2": (f"us.{SONNET}", f"us.{NOVA_LITE}", TITAN),
    "eu-west-1": (f"eu.{SONNET}", f"eu.{NOVA_LITE}", TITAN),
    # Sydney: Claude's Australian profile, Nova's Asia-Pacific one.
    "ap-southeast-2": (f"au.{SONNET}", f"apac.{NOVA_LITE}", TITAN),
}
#: Paris has SageMaker endpoints but no inference components: the default endpoints cannot
#: run there in real-time (scale-to-zero) mode.
LACKING = "eu-west-3"


def _config_text(region: str) -> str:
    text = default_config_text()
    old_region, old_zones = 'region = "us-east-1"', '["us-east-1a", "us-east-1b"]'
    assert old_region in text and old_zones in text
    return text.replace(old_region, f'region = "{region}"').replace(
        old_zones, f'["{region}a", "{region}b"]'
    )


def _config(region: str) -> PlatformConfig:
    return parse_config(tomllib.loads(_config_text(region)), source=f"default config in {region}")


@pytest.mark.parametrize("region", list(CLEAN))
def test_default_config_moved_to_region_builds_with_models_invokable_there(
    region: str, tmp_path: Path
) -> None:
    # GIVEN the default config with only region and zones changed
    config = _config(region)
    # WHEN the generative-AI account stack is built and synthesized
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = GenAiAccountStack(app, "GenAiAccount", config=config)
    assembly = app.synth()
    artifact = json.loads((Path(assembly.directory) / "manifest.json").read_text("utf-8"))[
        "artifacts"
    ]["GenAiAccount"]
    annotations = read_annotations(Path(assembly.directory), artifact)
    # THEN the approved models are the region's profiles, and nothing warns or errs
    models = stack.model_catalog.models
    print(f"{region}: ok; models {', '.join(models)}; {len(annotations)} annotations")
    assert models == CLEAN[region]
    assert annotations == []


def test_default_config_in_eu_central_1_passes_the_strict_check(tmp_path: Path) -> None:
    # GIVEN the default config moved to Frankfurt
    path = tmp_path / "eu-central-1.toml"
    path.write_text(_config_text("eu-central-1"))
    out = io.StringIO()
    # WHEN the real check runs (synth, nag packs, cfn-lint, annotations) in strict mode
    with contextlib.redirect_stdout(out):
        out_dir = str(tmp_path / "out")
        code = main(["check", "--config", str(path), "--out", out_dir, "--format=json", "--strict"])
    result = json.loads(out.getvalue())
    template = json.loads((tmp_path / "out" / "GenAiAccount.template.json").read_text("utf-8"))
    profiles = sorted(
        {
            arn.rsplit("/", 1)[1]
            for arn in _strings(template)
            if ":inference-profile/" in arn and "eu-central-1" in arn
        }
    )
    print(f"eu-central-1: exit {code}; summary {result['summary']}; profiles {profiles}")
    # THEN it passes with no warning, and the IAM names the EU profiles
    assert code == 0, json.dumps(result, indent=1)[:3000]
    assert result["summary"]["warnings"] == 0 and result["summary"]["errors"] == 0
    assert profiles == [f"eu.{NOVA_LITE}", f"eu.{SONNET}"]


def test_default_config_in_a_region_without_inference_components_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the default config moved to Paris
    with pytest.raises(ConfigError) as caught:
        _config(LACKING)
    # THEN the config is refused naming each endpoint's key and what the region lacks
    [problem] = caught.value.problems
    assert problem.startswith(
        f"endpoints[0].mode: region '{LACKING}' has no SageMaker inference components"
    )
    assert f"endpoints[1].mode: region '{LACKING}' has no SageMaker inference components" in problem
    # AND the check command exits 2 with that message, before synthesizing anything
    path = tmp_path / f"{LACKING}.toml"
    path.write_text(_config_text(LACKING))
    code = main(["check", "--config", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    with capsys.disabled():
        print(f"\n{LACKING}: exit {code}; {err.strip().splitlines()[-1][:160]}...")
    assert code == 2 and "has no SageMaker inference components" in err
    assert not (tmp_path / "out").exists()


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
