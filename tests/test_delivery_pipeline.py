"""The delivery pipeline app: synthesized once, offline, then read like a reviewer would."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from genai_platform.checks import CheckResult, check_assembly
from genai_platform.delivery.app import build_delivery_app
from genai_platform.delivery.config import load_delivery_config
from genai_platform.stacks.delivery import DeliveryPipeline

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config" / "environments" / "delivery.toml"
STAGING = {"application": "511111111111", "genai": "522222222222", "data": "533333333333"}
PARTITION = {"Ref": "AWS::Partition"}
PRODUCTION = {"application": "611111111111", "genai": "622222222222", "data": "633333333333"}


class Synthesized:
    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        self.template: dict[str, Any] = json.loads(
            (outdir / "DeliveryPipeline.template.json").read_text("utf-8")
        )
        self.check: CheckResult = check_assembly(outdir, strict=True)

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.template["Resources"].items() if r["Type"] == kind}

    @property
    def stages(self) -> list[dict[str, Any]]:
        [pipeline] = self.resources("AWS::CodePipeline::Pipeline").values()
        stages: list[dict[str, Any]] = pipeline["Properties"]["Stages"]
        return stages

    def stage(self, name: str) -> dict[str, Any]:
        return next(s for s in self.stages if s["Name"] == name)

    def buildspec(self, path_part: str) -> dict[str, Any]:
        for logical_id, project in self.resources("AWS::CodeBuild::Project").items():
            if path_part in logical_id:
                text = project["Properties"]["Source"]["BuildSpec"]
                if isinstance(text, dict):  # Fn::Join around the partition: render it as aws
                    text = "".join(
                        p if isinstance(p, str) else "aws" if p == PARTITION else json.dumps(p)
                        for p in text["Fn::Join"][1]
                    )
                spec: dict[str, Any] = json.loads(text)
                return spec
        raise AssertionError(f"no CodeBuild project like {path_part}")


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    outdir = tmp_path_factory.mktemp("delivery") / "cdk.out"
    build_delivery_app(
        str(EXAMPLE), repository_path="config/environments/delivery.toml", outdir=str(outdir)
    ).synth()
    return Synthesized(outdir)


def test_source_is_the_github_branch_through_codeconnections(synthesized: Synthesized) -> None:
    # GIVEN the example delivery file WHEN the pipeline is synthesized
    [action] = synthesized.stage("Source")["Actions"]
    # THEN the source is the configured repository and branch through the connection
    assert action["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    config = action["Configuration"]
    assert config["FullRepositoryId"] == "acme/genai-platform"
    assert config["BranchName"] == "main"
    assert config["ConnectionArn"].startswith("arn:aws:codeconnections:us-east-1:999999999999:")


def test_synth_step_installs_the_project_and_runs_the_strict_check(
    synthesized: Synthesized,
) -> None:
    # GIVEN the synth step's build spec
    spec = synthesized.buildspec("Synth")
    # THEN it installs the project, checks each environment's config strictly, then the app
    assert spec["phases"]["install"]["commands"] == ["make setup"]
    assert spec["phases"]["build"]["commands"] == [
        ".venv/bin/genai-platform check --strict --config config/environments/staging.toml "
        "--out cdk.check/staging",
        ".venv/bin/genai-platform check --strict --config config/environments/production.toml "
        "--out cdk.check/production",
        ".venv/bin/genai-platform check --strict --app '.venv/bin/python -m "
        "genai_platform.delivery.app config/environments/delivery.toml' --out cdk.out",
    ]
    assert spec["artifacts"]["base-directory"] == "cdk.out"


def test_self_mutation_comes_before_the_waves_which_keep_their_order(
    synthesized: Synthesized,
) -> None:
    # GIVEN the pipeline's stages THEN self-mutation precedes staging, which precedes production
    names = [s["Name"] for s in synthesized.stages]
    assert names.index("UpdatePipeline") < names.index("Staging") < names.index("Production")


@pytest.mark.parametrize(("wave", "accounts"), [("Staging", STAGING), ("Production", PRODUCTION)])
def test_each_wave_deploys_data_then_genai_then_application(
    synthesized: Synthesized, wave: str, accounts: dict[str, str]
) -> None:
    # GIVEN a wave's deploy actions
    actions = synthesized.stage(wave)["Actions"]
    order = {}
    for action in actions:
        if action["ActionTypeId"]["Category"] == "Deploy":
            role = action["RoleArn"]["Fn::Join"][1][2]
            match = re.search(r":iam::(\d{12}):", role)
            assert match is not None
            order.setdefault(match[1], action["RunOrder"])
    # THEN the data account's stack runs first, then the genai one, then the application one
    assert order[accounts["data"]] < order[accounts["genai"]] < order[accounts["application"]]
    # AND every deploy action runs through that account's CDK bootstrap deploy role
    for action in actions:
        if action["ActionTypeId"]["Category"] == "Deploy":
            assert "role/cdk-hnb659fds-deploy-role-" in action["RoleArn"]["Fn::Join"][1][2]


def test_production_waits_for_a_manual_approval_and_staging_does_not(
    synthesized: Synthesized,
) -> None:
    # GIVEN the two waves
    def approvals(wave: str) -> list[dict[str, Any]]:
        return [
            a
            for a in synthesized.stage(wave)["Actions"]
            if a["ActionTypeId"]["Category"] == "Approval"
        ]

    # THEN production's first action is a manual approval notifying the topic
    [approval] = approvals("Production")
    first = min(a["RunOrder"] for a in synthesized.stage("Production")["Actions"])
    assert approval["RunOrder"] == first
    assert "NotificationArn" in approval["Configuration"]
    # AND staging deploys without one
    assert approvals("Staging") == []


def test_artifacts_use_a_rotated_kms_key_shared_with_the_target_accounts(
    synthesized: Synthesized,
) -> None:
    # GIVEN the cross-account artifact key
    keys = [
        k
        for k in synthesized.resources("AWS::KMS::Key").values()
        if "ArtifactsBucketEncryptionKey" in json.dumps(k)
        or k["Properties"].get("EnableKeyRotation")
    ]
    policy = json.dumps([k["Properties"]["KeyPolicy"] for k in keys])
    # THEN it rotates and admits each target account's deploy role
    assert all(k["Properties"]["EnableKeyRotation"] for k in keys)
    for account in (*STAGING.values(), *PRODUCTION.values()):
        assert f"cdk-hnb659fds-deploy-role-{account}-us-east-1" in policy


@pytest.mark.parametrize(("wave", "accounts"), [("Staging", STAGING), ("Production", PRODUCTION)])
def test_a_smoke_test_follows_each_wave(
    synthesized: Synthesized, wave: str, accounts: dict[str, str]
) -> None:
    # GIVEN the wave's actions
    actions = synthesized.stage(wave)["Actions"]
    smoke = next(a for a in actions if a["Name"].startswith("SmokeTest"))
    deploys = [a["RunOrder"] for a in actions if a["ActionTypeId"]["Category"] == "Deploy"]
    # THEN the smoke test runs after every deploy of the wave, with the API URL from its output
    assert smoke["RunOrder"] > max(deploys)
    assert "API_URL" in smoke["Configuration"]["EnvironmentVariables"]
    # AND it calls the smoke tenant's caller role in the wave's application account
    name = "genai-stag" if wave == "Staging" else "genai-prod"
    spec = synthesized.buildspec(f"SmokeTest{wave}")
    [command] = spec["phases"]["build"]["commands"]
    assert command.startswith('python3 -m genai_platform.delivery.smoke_test --url "$API_URL"')
    assert (
        f"--role-arn arn:aws:iam::{accounts['application']}:role/{name}-smoke-gateway-caller"
    ) in command


def test_smoke_test_role_may_assume_only_the_smoke_caller_roles(synthesized: Synthesized) -> None:
    # GIVEN the smoke-test role's managed policy
    [policy] = [
        p
        for k, p in synthesized.resources("AWS::IAM::ManagedPolicy").items()
        if k.startswith("SmokeTestPolicy")
    ]
    # THEN its only permission is sts:AssumeRole on the two environments' smoke caller roles
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert [s["Action"] for s in statements] == ["sts:AssumeRole", "sts:AssumeRole"]
    resources = sorted(json.dumps(s["Resource"]) for s in statements)
    assert "511111111111:role/genai-stag-smoke-gateway-caller" in resources[0]
    assert "611111111111:role/genai-prod-smoke-gateway-caller" in resources[1]


def test_pipeline_events_notify_the_encrypted_topic(synthesized: Synthesized) -> None:
    template = Template.from_json(synthesized.template)
    # THEN failures, successes and approvals are notified to the pipeline's topic
    template.has_resource_properties(
        "AWS::CodeStarNotifications::NotificationRule",
        {
            "EventTypeIds": Match.array_with(
                [
                    "codepipeline-pipeline-pipeline-execution-failed",
                    "codepipeline-pipeline-manual-approval-needed",
                ]
            ),
            "Targets": [{"TargetType": "SNS", "TargetAddress": {"Ref": Match.any_value()}}],
        },
    )
    # AND the topic is KMS-encrypted with a key CodeStar Notifications may use
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    assert "codestar-notifications.amazonaws.com" in json.dumps(
        [k["Properties"]["KeyPolicy"] for k in synthesized.resources("AWS::KMS::Key").values()]
    )


def test_artifact_bucket_is_versioned_and_access_logged(synthesized: Synthesized) -> None:
    Template.from_json(synthesized.template).has_resource_properties(
        "AWS::S3::Bucket",
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "LoggingConfiguration": {
                "LogFilePrefix": "artifacts/",
                "DestinationBucketName": Match.any_value(),
            },
        },
    )


def test_every_stack_passes_the_strict_check(synthesized: Synthesized) -> None:
    # GIVEN the pipeline app checked like the synth step does (nag packs, cfn-lint, strict)
    result = synthesized.check
    # THEN the pipeline stack and the GitHub role stacks have no finding and no lint error
    names = {s.stack for s in result.stacks}
    assert "DeliveryPipeline" in names
    assert {n for n in names if n.startswith("GitHub-")} == {
        f"GitHub-{env}-{role}"
        for env in ("staging", "production")
        for role in ("data", "genai", "application")
    }
    for stack in result.stacks:
        assert stack.findings == [], stack.stack
        assert stack.lint_errors == 0, stack.stack
    assert result.ok


def test_acknowledgements_name_one_finding_of_what_cdk_pipelines_generates(
    synthesized: Synthesized,
) -> None:
    from genai_platform.compliance import read_acknowledgements

    acknowledged = [
        a
        for a in read_acknowledgements(synthesized.outdir)
        if a.is_nag and a.stack == "DeliveryPipeline"
    ]
    # THEN each sits on what CDK Pipelines generates (a default policy, a CodeBuild project,
    # the artifact bucket) or on the artifact bucket's access-log bucket, with its own reason
    assert acknowledged
    for ack in acknowledged:
        path = ack.construct_path
        generated = path.startswith("DeliveryPipeline/Pipeline/") or "/DefaultPolicy/" in path
        assert generated or path.startswith("DeliveryPipeline/ArtifactAccessLogs/"), path
        assert len(ack.reason.split()) >= 6, ack


def test_stages_hold_the_version_outputs_and_synthesize_offline(synthesized: Synthesized) -> None:
    # GIVEN the staging stage's assembly
    stage_dir = synthesized.outdir / "assembly-DeliveryPipeline-Staging"
    manifest = json.loads((stage_dir / "manifest.json").read_text("utf-8"))
    # THEN no context lookup was needed
    assert "missing" not in manifest
    # AND the genai stack outputs the guardrail version and the API URL
    [genai] = [
        a
        for n, a in manifest["artifacts"].items()
        if "GenAiAccount" in n and a["type"] == "aws:cloudformation:stack"
    ]
    template = json.loads((stage_dir / genai["properties"]["templateFile"]).read_text("utf-8"))
    assert {"GuardrailId", "GuardrailVersion", "InferenceApiUrl"} <= set(template["Outputs"])
    # AND the application stack depends on the genai stack, which depends on the data stack
    stacks = {
        n: a.get("dependencies", [])
        for n, a in manifest["artifacts"].items()
        if a["type"] == "aws:cloudformation:stack"
    }

    def named(part: str) -> str:
        return next(n for n in stacks if part in n)

    app_name, genai_name, data_name = (
        named("ApplicationAccount"),
        named("GenAiAccount"),
        named("DataAccount"),
    )
    deps = stacks
    assert genai_name in deps[app_name]
    assert data_name in deps[genai_name]


def test_fails_before_building_when_an_environment_has_no_config() -> None:
    # GIVEN the example delivery and only the staging platform
    delivery, platforms = load_delivery_config(EXAMPLE)
    app = cdk.App()
    # WHEN the pipeline is built THEN the missing environment is named
    with pytest.raises(
        ValueError, match="platforms: no platform config for environment 'production'"
    ):
        DeliveryPipeline(app, "P", delivery=delivery, platforms={"staging": platforms["staging"]})
    # AND nothing was added to the app
    assert app.node.try_find_child("P") is None


def test_an_s3_source_for_air_gapped_teams() -> None:
    # GIVEN the example delivery with a zipped source tree in S3 instead of GitHub
    from genai_platform.delivery.config import DeliverySourceConfig

    delivery, platforms = load_delivery_config(EXAMPLE)
    s3_source = DeliverySourceConfig(bucket="acme-genai-source", object_key="genai/source.zip")
    delivery = delivery.model_copy(update={"source": s3_source})
    # WHEN the pipeline is built
    stack = DeliveryPipeline(cdk.App(), "P", delivery=delivery, platforms=platforms)
    # THEN its source action reads that object
    Template.from_stack(stack).has_resource_properties(
        "AWS::CodePipeline::Pipeline",
        {
            "Stages": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": "Source",
                            "Actions": [
                                Match.object_like(
                                    {
                                        "ActionTypeId": Match.object_like({"Provider": "S3"}),
                                        "Configuration": Match.object_like(
                                            {
                                                "S3Bucket": "acme-genai-source",
                                                "S3ObjectKey": "genai/source.zip",
                                            }
                                        ),
                                    }
                                )
                            ],
                        }
                    )
                ]
            )
        },
    )
