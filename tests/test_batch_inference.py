"""BatchInference: state machine, service role permissions, KMS, metrics, nag, refusals."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from genai_platform.checks import lint_template
from genai_platform.compliance import NagReport, add_nag_packs, synth_and_report
from genai_platform.constructs.batch_inference import METRIC_NAMESPACE, BatchInference
from genai_platform.constructs.model_catalog import ModelCatalog
from genai_platform.constructs.private_network import PrivateNetwork, pin_availability_zones
from tests.conftest import TEST_ENV, TEST_ZONES

FOUNDATION_MODEL = "amazon.nova-lite-v1:0"
PROFILE = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
JOBS_ARN = {
    "Fn::Join": [
        "",
        [
            "arn:",
            {"Ref": "AWS::Partition"},
            ":bedrock:us-east-1:222222222222:model-invocation-job/*",
        ],
    ]
}


@dataclass
class Synth:
    batch: BatchInference
    template: Template
    report: NagReport
    template_file: Path

    def only(self, resource_type: str) -> dict[str, Any]:
        resources = self.template.find_resources(resource_type)
        assert len(resources) == 1, resources
        resource: dict[str, Any] = next(iter(resources.values()))
        return resource

    def definition(self) -> dict[str, Any]:
        """The state machine's definition, intrinsics replaced by ``<Ref>`` placeholders."""
        joined = self.only("AWS::StepFunctions::StateMachine")["Properties"]["DefinitionString"]
        text = "".join(
            part
            if isinstance(part, str)
            else f"<{json.dumps(part, sort_keys=True)}>".replace('"', "'")
            for part in joined["Fn::Join"][1]
        )
        parsed: dict[str, Any] = json.loads(text)
        return parsed

    def policy(self, description_start: str) -> dict[str, dict[str, Any]]:
        """Statements by Sid of the managed policy whose description starts so."""
        for resource in self.template.find_resources("AWS::IAM::ManagedPolicy").values():
            props = resource["Properties"]
            if props["Description"].startswith(description_start):
                return {s["Sid"]: s for s in props["PolicyDocument"]["Statement"]}
        raise AssertionError(f"no managed policy described {description_start!r}")


def _catalog(stack: cdk.Stack) -> ModelCatalog:
    return ModelCatalog(
        stack, "Models", models=[PROFILE, FOUNDATION_MODEL], aliases={"cheap": FOUNDATION_MODEL}
    )


def _synth(tmp: Path, build: Any) -> Synth:
    app = cdk.App(outdir=str(tmp))
    add_nag_packs(app)
    stack = cdk.Stack(app, "Test", env=TEST_ENV)
    pin_availability_zones(stack, TEST_ZONES)
    batch = build(stack)
    assembly, report = synth_and_report(app)
    template_file = assembly / "Test.template.json"
    template = Template.from_json(json.loads(template_file.read_text("utf-8")))
    return Synth(batch, template, report, template_file)


@pytest.fixture(scope="module")
def defaults(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """A foundation model by alias, every other prop at its default."""

    def build(stack: cdk.Stack) -> BatchInference:
        return BatchInference(stack, "Batch", catalog=_catalog(stack), model="cheap")

    return _synth(tmp_path_factory.mktemp("batch-defaults"), build)


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """An inference profile, in the private network's isolated subnets."""

    def build(stack: cdk.Stack) -> BatchInference:
        network = PrivateNetwork(stack, "Network", availability_zones=TEST_ZONES)
        return BatchInference(
            stack,
            "Batch",
            catalog=_catalog(stack),
            model=PROFILE,
            vpc=network.vpc,
            input_prefix="jobs/in/",
            output_prefix="jobs/out/",
            job_timeout_hours=24,
        )

    return _synth(tmp_path_factory.mktemp("batch-private"), build)


# --------------------------------------------------------------------------- state machine


def test_state_machine_checks_the_input_then_submits_the_job(defaults: Synth) -> None:
    definition = defaults.definition()
    assert definition["StartAt"] == "CheckInput"
    states = definition["States"]
    check = states["CheckInput"]
    assert check["Default"] == "InvalidInput"
    assert states["InvalidInput"]["Type"] == "Fail"
    assert check["Choices"][0]["Next"] == "SubmitJob"
    submit = states["SubmitJob"]
    assert submit["Resource"].endswith(":states:::aws-sdk:bedrock:createModelInvocationJob")
    params = submit["Parameters"]
    assert params["ModelId"] == FOUNDATION_MODEL
    assert params["JobName.$"] == "$$.Execution.Name"
    assert params["TimeoutDurationInHours"] == 72
    assert params["InputDataConfig"]["S3InputDataConfig"]["S3InputFormat"] == "JSONL"
    assert "batch-input/{}" in params["InputDataConfig"]["S3InputDataConfig"]["S3Uri.$"]
    output = params["OutputDataConfig"]["S3OutputDataConfig"]
    assert "batch-output/{}/" in output["S3Uri.$"]
    assert "BatchKey" in output["S3EncryptionKeyId"]  # the construct's KMS key
    assert "VpcConfig" not in params


def test_state_machine_waits_with_doubling_back_off_until_the_job_ends(defaults: Synth) -> None:
    states = defaults.definition()["States"]
    assert states["SubmitJob"]["Next"] == "StartWaiting"
    assert states["StartWaiting"]["Result"] == {"Seconds": 300}
    assert states["WaitForJob"] == {
        "Type": "Wait",
        "SecondsPath": "$.wait.Seconds",
        "Next": "GetJobStatus",
    }
    assert states["GetJobStatus"]["Resource"].endswith(":aws-sdk:bedrock:getModelInvocationJob")
    outcome = states["JobOutcome"]
    succeeded = {c["StringEquals"] for c in outcome["Choices"][0]["Or"]}
    failed = {c["StringEquals"] for c in outcome["Choices"][1]["Or"]}
    assert succeeded == {"Completed", "PartiallyCompleted"}
    assert failed == {"Failed", "Stopped", "Expired"}
    assert outcome["Default"] == "BackOff"
    assert states["BackOff"]["Parameters"] == {
        "Seconds.$": "States.MathAdd($.wait.Seconds, $.wait.Seconds)"
    }
    assert states["WaitAboveMaximum"]["Choices"][0]["NumericGreaterThan"] == 3600
    assert states["CapTheWait"]["Result"] == {"Seconds": 3600}


def test_failures_are_caught_recorded_and_end_in_a_fail_state(defaults: Synth) -> None:
    states = defaults.definition()["States"]
    for task in ("SubmitJob", "GetJobStatus"):
        (catch,) = states[task]["Catch"]
        assert catch == {
            "ErrorEquals": ["States.ALL"],
            "ResultPath": "$.error",
            "Next": "RecordJobFailed",
        }
        assert states[task]["Retry"][0]["ErrorEquals"] == [
            "Bedrock.ThrottlingException",
            "Bedrock.InternalServerException",
        ]
    record = states["RecordJobFailed"]
    assert record["Resource"].endswith(":aws-sdk:cloudwatch:putMetricData")
    assert record["Parameters"]["MetricData"][0]["MetricName"] == "JobsFailed"
    assert record["Next"] == "JobFailed"
    assert states["JobFailed"]["Type"] == "Fail"
    assert states["JobFailed"]["Error"] == "BatchInferenceJobFailed"


def test_success_records_jobs_and_record_counts(defaults: Synth) -> None:
    states = defaults.definition()["States"]
    data = states["RecordJobSucceeded"]["Parameters"]
    assert data["Namespace"] == METRIC_NAMESPACE
    by_name = {m["MetricName"]: m for m in data["MetricData"]}
    assert by_name["JobsSucceeded"]["Value"] == 1
    assert by_name["RecordsProcessed"]["Value.$"] == "$.status.ProcessedRecordCount"
    assert by_name["RecordsFailed"]["Value.$"] == "$.status.ErrorRecordCount"
    assert by_name["RecordsFailed"]["Dimensions"] == [
        {"Name": "BatchInference", "Value": "Test-Batch"}
    ]
    assert states["RecordJobSucceeded"]["Next"] == "JobSucceeded"


def test_state_machine_logs_everything_encrypted_and_traces(defaults: Synth) -> None:
    machine = defaults.only("AWS::StepFunctions::StateMachine")["Properties"]
    assert machine["StateMachineType"] == "STANDARD"
    assert machine["TracingConfiguration"] == {"Enabled": True}
    assert machine["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["LoggingConfiguration"]["IncludeExecutionData"] is True
    defaults.template.has_resource_properties(
        "AWS::Logs::LogGroup",
        {
            "LogGroupName": "/aws/vendedlogs/states/Test-Batch",
            "RetentionInDays": 365,
            "KmsKeyId": Match.any_value(),
        },
    )


def test_job_runs_in_the_private_subnets_when_a_vpc_is_given(private: Synth) -> None:
    params = private.definition()["States"]["SubmitJob"]["Parameters"]
    assert len(params["VpcConfig"]["SubnetIds"]) == 2
    assert len(params["VpcConfig"]["SecurityGroupIds"]) == 1
    assert params["ModelId"] == PROFILE
    assert params["TimeoutDurationInHours"] == 24
    assert "jobs/in/{}" in params["InputDataConfig"]["S3InputDataConfig"]["S3Uri.$"]
    private.template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "GroupDescription": "Bedrock batch inference jobs: no ingress, HTTPS egress",
            "SecurityGroupEgress": [Match.object_like({"FromPort": 443, "ToPort": 443})],
        },
    )


# --------------------------------------------------------------------------- roles


def test_service_role_is_assumed_only_by_bedrock_jobs_of_this_account(defaults: Synth) -> None:
    defaults.template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "bedrock.amazonaws.com"},
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": "222222222222"},
                            "ArnEquals": {"aws:SourceArn": JOBS_ARN},
                        },
                    }
                ],
                "Version": "2012-10-17",
            }
        },
    )


def test_service_role_reads_only_the_input_and_writes_only_the_output(defaults: Synth) -> None:
    statements = defaults.policy("Least privilege of the batch inference jobs")
    assert set(statements) == {
        "ReadTheInput",
        "ListTheInputAndOutputPrefixes",
        "WriteTheOutput",
        "UseTheKeyThroughS3",
    }
    assert statements["ReadTheInput"]["Action"] == "s3:GetObject"
    assert statements["ReadTheInput"]["Resource"]["Fn::Join"][1][-1] == "/batch-input/*"
    assert statements["WriteTheOutput"]["Action"] == "s3:PutObject"
    assert statements["WriteTheOutput"]["Resource"]["Fn::Join"][1][-1] == "/batch-output/*"
    assert statements["ListTheInputAndOutputPrefixes"]["Condition"]["StringLike"] == {
        "s3:prefix": ["batch-input/*", "batch-output/*"]
    }
    for sid in ("ReadTheInput", "WriteTheOutput", "ListTheInputAndOutputPrefixes"):
        assert statements[sid]["Condition"]["StringEquals"] == {
            "aws:ResourceAccount": "222222222222"
        }
    key = statements["UseTheKeyThroughS3"]
    assert key["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert key["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}


def test_service_role_may_invoke_only_the_approved_profile_and_its_model(private: Synth) -> None:
    statements = private.policy("Least privilege of the batch inference jobs")
    invoke = statements["InvokeTheApprovedModelThroughItsProfile"]
    assert invoke["Action"] == "bedrock:InvokeModel"
    arns = json.dumps(invoke["Resource"])
    assert "inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0" in arns
    assert "foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0" in arns
    assert "nova" not in arns
    assert "ManageJobNetworkInterfacesInTheVpc" in statements


def test_state_machine_submits_only_the_approved_model_and_passes_only_its_role(
    defaults: Synth,
) -> None:
    statements = defaults.policy("Least privilege of the batch inference state machine")
    submit = statements["SubmitJobsForTheApprovedModel"]
    assert submit["Action"] == "bedrock:CreateModelInvocationJob"
    assert json.dumps(submit["Resource"]).count("foundation-model/") == 1
    assert "foundation-model/amazon.nova-lite-v1:0" in json.dumps(submit["Resource"])
    assert statements["WatchJobs"]["Resource"] == JOBS_ARN
    passing = statements["PassTheServiceRoleToBedrock"]
    assert passing["Action"] == "iam:PassRole"
    assert passing["Condition"] == {
        "StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}
    }
    assert statements["PublishBatchMetrics"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": METRIC_NAMESPACE}
    }
    # no inline default policy: every statement is in the managed policy
    defaults.template.resource_count_is("AWS::IAM::Policy", 0)


def test_default_bucket_is_kms_encrypted_versioned_and_tls_only(defaults: Synth) -> None:
    defaults.template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like(
                        {
                            "ServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": Match.any_value(),
                            }
                        }
                    )
                ]
            },
            "VersioningConfiguration": {"Status": "Enabled"},
        },
    )
    defaults.template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_metrics_name_the_construct(defaults: Synth) -> None:
    batch = defaults.batch
    for metric, name in (
        (batch.metric_jobs_failed(), "JobsFailed"),
        (batch.metric_jobs_succeeded(), "JobsSucceeded"),
        (batch.metric_records_failed(), "RecordsFailed"),
        (batch.metric_records_processed(), "RecordsProcessed"),
    ):
        assert metric.namespace == METRIC_NAMESPACE
        assert metric.metric_name == name
        assert metric.dimensions == {"BatchInference": "Test-Batch"}


def test_grants_cover_the_prefixes_and_the_key() -> None:
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    batch = BatchInference(stack, "Batch", catalog=_catalog(stack), model="cheap")
    role = iam.Role(stack, "Producer", assumed_by=iam.AccountRootPrincipal())
    batch.grant_write_input(role)
    batch.grant_start(role)
    # the grants land in a customer-managed policy attached to the team's role (no inline one)
    template = Template.from_stack(stack)
    assert template.find_resources("AWS::IAM::Policy") == {}
    role_id = stack.resolve(role.node.default_child.logical_id)
    attached = {
        k: v
        for k, v in template.find_resources("AWS::IAM::ManagedPolicy").items()
        if {"Ref": role_id} in v["Properties"].get("Roles", [])
    }
    statements = json.dumps(attached)
    assert "states:StartExecution" in statements
    assert "/batch-input/*" in statements
    assert "kms:GenerateDataKey*" in statements or "kms:Encrypt" in statements


# --------------------------------------------------------------------------- nag and lint


@pytest.mark.parametrize("scenario", ["defaults", "private"])
def test_no_unacknowledged_nag_findings(scenario: str, request: pytest.FixtureRequest) -> None:
    synth: Synth = request.getfixturevalue(scenario)
    assert synth.report.findings == [], synth.report.describe()


@pytest.mark.parametrize("scenario", ["defaults", "private"])
def test_no_cfn_lint_errors(scenario: str, request: pytest.FixtureRequest) -> None:
    synth: Synth = request.getfixturevalue(scenario)
    errors = [i for i in lint_template(synth.template_file, region="us-east-1") if i.is_error]
    assert errors == []


# --------------------------------------------------------------------------- refusals


def _build(stack: cdk.Stack | None = None, **props: Any) -> BatchInference:
    stack = stack or cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    defaults: dict[str, Any] = {"catalog": _catalog(stack), "model": "cheap"}
    return BatchInference(stack, "Batch", **{**defaults, **props})


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"model": "anthropic.claude-3-opus-20240229-v1:0"},
            r"model: 'anthropic\.claude-3-opus-20240229-v1:0' is not an approved model of the "
            r"catalogue; approved: us\.anthropic\..*, amazon\.nova-lite-v1:0; aliases: cheap",
        ),
        (
            {"input_prefix": "/in/"},
            r"input_prefix: '/in/' is not allowed; give a key prefix ending in '/'",
        ),
        ({"input_prefix": "in"}, r"input_prefix: 'in' is not allowed"),
        ({"output_prefix": "out//x/"}, r"output_prefix: 'out//x/' is not allowed"),
        ({"output_prefix": "o u t/"}, r"output_prefix: 'o u t/' is not allowed"),
        (
            {"input_prefix": "data/", "output_prefix": "data/results/"},
            r"output_prefix: 'data/results/' overlaps input_prefix 'data/'",
        ),
        (
            {"job_timeout_hours": 12},
            r"job_timeout_hours: 12 is not allowed; Bedrock accepts an integer from 24 to 168",
        ),
        ({"poll_interval": cdk.Duration.seconds(5)}, r"poll_interval: '5 seconds' is not allowed"),
        (
            {
                "poll_interval": cdk.Duration.minutes(30),
                "max_poll_interval": cdk.Duration.minutes(10),
            },
            r"max_poll_interval: '10 minutes' is shorter than poll_interval '30 minutes'",
        ),
        ({"vpc_subnets": ec2.SubnetSelection()}, r"vpc_subnets: given without vpc"),
        (
            {"log_retention": logs.RetentionDays.INFINITE},
            r"log_retention: RetentionDays\.INFINITE keeps logs forever",
        ),
    ],
)
def test_fails_on_bad_props(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _build(**props)


def test_fails_when_output_retention_is_given_with_an_existing_bucket() -> None:
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    bucket = s3.Bucket.from_bucket_name(stack, "Data", "genai-data-333333333333")
    with pytest.raises(ValueError, match=r"output_retention: given with an existing bucket"):
        _build(stack, bucket=bucket, output_retention=cdk.Duration.days(30))


def test_fails_before_building_anything() -> None:
    # GIVEN an unapproved model and a bad prefix WHEN built THEN one error, nothing created
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    with pytest.raises(ValueError, match=r"\(2 problems\)"):
        _build(stack, model="nope", input_prefix="")
    assert stack.node.try_find_child("Batch") is None
