"""InferenceEndpoint: both modes, both accelerator kinds, scale to zero, security, validation."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Match, Template

from genai_platform.checks import lint_template
from genai_platform.compliance import NagReport, add_nag_packs, synth_and_report
from genai_platform.constructs import accelerators
from genai_platform.constructs.inference_endpoint import (
    CapacitySchedule,
    DataCapture,
    EndpointMode,
    InferenceEndpoint,
)
from genai_platform.constructs.private_network import PrivateNetwork, pin_availability_zones
from tests.conftest import TEST_ENV, TEST_ZONES

MODEL_BUCKET = "genai-models-222222222222"
NEURON_IMAGE_ACCOUNT = "763104351884"
HF_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:222222222222:secret:hf-token-AbCdEf"
WEEKDAYS = (
    CapacitySchedule("WorkdayStart", "0 8 ? * MON-FRI *", min_capacity=1),
    CapacitySchedule("WorkdayEnd", "0 19 ? * MON-FRI *", min_capacity=0),
)


@dataclass
class Synth:
    """One scenario synthesized once with the three nag packs."""

    endpoint: InferenceEndpoint
    template: Template
    report: NagReport
    template_file: Path

    def only(self, resource_type: str) -> dict[str, Any]:
        resources = self.template.find_resources(resource_type)
        assert len(resources) == 1, resources
        resource: dict[str, Any] = next(iter(resources.values()))
        return resource

    def logical_id(self, resource_type: str) -> str:
        resources = self.template.find_resources(resource_type)
        assert len(resources) == 1, resources
        return next(iter(resources))


def _stack(region: str = "us-east-1") -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Test", env=cdk.Environment(account="222222222222", region=region))


def _models(stack: cdk.Stack) -> s3.IBucket:
    return s3.Bucket.from_bucket_name(stack, "Models", MODEL_BUCKET)


def _synth(tmp: Path, build: Any) -> Synth:
    app = cdk.App(outdir=str(tmp))
    add_nag_packs(app)
    stack = cdk.Stack(app, "Test", env=TEST_ENV)
    pin_availability_zones(stack, TEST_ZONES)
    endpoint = build(stack)
    assembly, report = synth_and_report(app)
    template_file = assembly / "Test.template.json"
    template = Template.from_json(json.loads(template_file.read_text("utf-8")))
    return Synth(endpoint, template, report, template_file)


# --------------------------------------------------------------------------- scenarios


@pytest.fixture(scope="module")
def inf2(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Defaults on Inferentia2: an uncompressed model prefix from an existing bucket."""

    def build(stack: cdk.Stack) -> InferenceEndpoint:
        return InferenceEndpoint(
            stack,
            "Endpoint",
            instance_type="ml.inf2.xlarge",
            model_bucket=_models(stack),
            model_key="llama-3-8b/neuron/",
        )

    return _synth(tmp_path_factory.mktemp("inf2"), build)


@pytest.fixture(scope="module")
def gpu(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Defaults on a GPU instance: a compressed archive by URI."""

    def build(stack: cdk.Stack) -> InferenceEndpoint:
        return InferenceEndpoint(
            stack,
            "Endpoint",
            instance_type="ml.g5.xlarge",
            model_data_uri=f"s3://{MODEL_BUCKET}/mistral-7b/model.tar.gz",
        )

    return _synth(tmp_path_factory.mktemp("gpu"), build)


@pytest.fixture(scope="module")
def gpu_vpc(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Two copies per ml.g6.12xlarge, vLLM, in a private network, data capture, schedules."""

    def build(stack: cdk.Stack) -> InferenceEndpoint:
        network = PrivateNetwork(
            stack,
            "Network",
            availability_zones=TEST_ZONES,
            interface_endpoints=["sagemaker.runtime"],
        )
        return InferenceEndpoint(
            stack,
            "Endpoint",
            instance_type="ml.g6.12xlarge",
            model_bucket=_models(stack),
            model_key="qwen-32b/",
            framework="vllm",
            framework_version="0.29.0",
            environment={"OPTION_TENSOR_PARALLEL_DEGREE": "2"},
            devices_per_copy=2,
            max_instances=2,
            cpu_cores_per_copy=8,
            model_download_timeout=cdk.Duration.minutes(45),
            startup_health_check_timeout=cdk.Duration.minutes(20),
            target_concurrent_requests_per_copy=8,
            scale_in_cooldown=cdk.Duration.minutes(15),
            scale_out_cooldown=cdk.Duration.minutes(3),
            schedules=WEEKDAYS,
            vpc=network.vpc,
            data_capture=DataCapture(sampling_percentage=20),
            endpoint_name="qwen-32b",
        )

    return _synth(tmp_path_factory.mktemp("gpu_vpc"), build)


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Kept warm: one copy and one instance at all times."""

    def build(stack: cdk.Stack) -> InferenceEndpoint:
        return InferenceEndpoint(
            stack,
            "Endpoint",
            instance_type="ml.inf2.24xlarge",
            model_data_uri=f"s3://{MODEL_BUCKET}/llama-3-70b/neuron/",
            min_instances=1,
            max_instances=2,
            min_copies=1,
        )

    return _synth(tmp_path_factory.mktemp("warm"), build)


@pytest.fixture(scope="module")
def async_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Async mode with defaults on a GPU instance."""

    def build(stack: cdk.Stack) -> InferenceEndpoint:
        return InferenceEndpoint(
            stack,
            "Endpoint",
            instance_type="ml.g6.2xlarge",
            model_data_uri=f"s3://{MODEL_BUCKET}/whisper/model.tar.gz",
            mode=EndpointMode.ASYNC,
            max_instances=3,
            max_concurrent_invocations_per_instance=4,
        )

    return _synth(tmp_path_factory.mktemp("async"), build)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """A gated hub model with its token in Secrets Manager."""

    def build(stack: cdk.Stack) -> InferenceEndpoint:
        return InferenceEndpoint(
            stack,
            "Endpoint",
            instance_type="ml.g6e.xlarge",
            hf_model_id="meta-llama/Llama-3.1-8B-Instruct",
            hf_token_secret=secretsmanager.Secret.from_secret_complete_arn(
                stack, "HfToken", HF_SECRET_ARN
            ),
            framework="huggingface-llm",
            framework_version="3.3.6",
        )

    return _synth(tmp_path_factory.mktemp("hub"), build)


ALL = ["inf2", "gpu", "gpu_vpc", "warm", "async_endpoint", "hub"]


# --------------------------------------------------------------------------- model and image


def test_uncompressed_prefix_is_an_s3_prefix_model_data_source(inf2: Synth) -> None:
    # GIVEN a key ending in "/" WHEN synthesized THEN an uncompressed S3Prefix data source
    inf2.template.has_resource_properties(
        "AWS::SageMaker::Model",
        {
            "PrimaryContainer": Match.object_like(
                {
                    "ModelDataSource": {
                        "S3DataSource": {
                            "S3Uri": f"s3://{MODEL_BUCKET}/llama-3-8b/neuron/",
                            "S3DataType": "S3Prefix",
                            "CompressionType": "None",
                        }
                    },
                    "ModelDataUrl": Match.absent(),
                }
            )
        },
    )


def test_archive_is_a_model_data_url(gpu: Synth) -> None:
    # GIVEN a .tar.gz URI WHEN synthesized THEN the classic ModelDataUrl
    gpu.template.has_resource_properties(
        "AWS::SageMaker::Model",
        {
            "PrimaryContainer": Match.object_like(
                {
                    "ModelDataUrl": f"s3://{MODEL_BUCKET}/mistral-7b/model.tar.gz",
                    "ModelDataSource": Match.absent(),
                }
            )
        },
    )


def test_default_neuron_image_is_the_newest_djl_neuronx(inf2: Synth) -> None:
    # GIVEN no framework on Inferentia2 WHEN resolved THEN the newest djl-neuronx image
    version = accelerators.newest_version("djl-neuronx")
    image = accelerators.resolve_image("djl-neuronx", version, "us-east-1", "ml.inf2.xlarge")
    assert "neuronx" in image
    assert inf2.endpoint.framework_version == version
    inf2.template.has_resource_properties(
        "AWS::SageMaker::Model", {"PrimaryContainer": Match.object_like({"Image": image})}
    )


def test_default_gpu_image_is_the_newest_djl_lmi(gpu: Synth) -> None:
    # GIVEN no framework on a GPU instance WHEN resolved THEN a CUDA djl-lmi image
    assert gpu.endpoint.framework_version == accelerators.newest_version("djl-lmi")
    assert accelerators.image_kind(gpu.endpoint.image_uri) is accelerators.AcceleratorKind.CUDA
    assert "djl-inference" in gpu.endpoint.image_uri


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-southeast-2"])
def test_image_uris_equal_the_sagemaker_catalogue(region: str) -> None:
    # GIVEN stacks in three regions WHEN images are resolved THEN they equal the SDK's answer
    from sagemaker.core import image_uris  # type: ignore[import-untyped]

    stack = _stack(region)
    neuron = InferenceEndpoint(
        stack,
        "Neuron",
        instance_type="ml.inf2.xlarge",
        model_data_uri=f"s3://{MODEL_BUCKET}/a/model.tar.gz",
        framework="djl-neuronx",
        framework_version="0.29.0",
    )
    cuda = InferenceEndpoint(
        stack,
        "Cuda",
        instance_type="ml.g5.2xlarge",
        model_data_uri=f"s3://{MODEL_BUCKET}/b/model.tar.gz",
        framework="huggingface-llm",
        framework_version="3.3.6",
    )
    assert neuron.image_uri == image_uris.retrieve(
        framework="djl-neuronx", region=region, version="0.29.0", instance_type="ml.inf2.xlarge"
    )
    assert cuda.image_uri == image_uris.retrieve(
        framework="huggingface-llm", region=region, version="3.3.6", instance_type="ml.g5.2xlarge"
    )
    assert f".{region}." in neuron.image_uri and f".{region}." in cuda.image_uri


def test_explicit_image_uri_is_used_as_given() -> None:
    # GIVEN an explicit Neuron image WHEN built THEN it is the model's image, no lookup needed
    image = f"{NEURON_IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/custom-neuronx:1.0"
    endpoint = InferenceEndpoint(
        _stack(),
        "Endpoint",
        instance_type="ml.trn1.2xlarge",
        model_data_uri=f"s3://{MODEL_BUCKET}/m/model.tar.gz",
        image_uri=image,
    )
    assert endpoint.image_uri == image
    assert endpoint.framework_version is None


def test_neuron_image_resolves_on_trainium() -> None:
    # GIVEN Trainium (the catalogue admits only PyTorch there) WHEN built THEN the Neuron image
    endpoint = InferenceEndpoint(
        _stack(),
        "Endpoint",
        instance_type="ml.trn1.32xlarge",
        model_data_uri=f"s3://{MODEL_BUCKET}/m/",
        devices_per_copy=8,
    )
    assert accelerators.image_kind(endpoint.image_uri) is accelerators.AcceleratorKind.NEURON


# --------------------------------------------------------------------------- host AMI

GPU4 = "al2023-ami-sagemaker-inference-gpu-4-1"
GPU3 = "al2-ami-sagemaker-inference-gpu-3-1"
NEURON2 = "al2-ami-sagemaker-inference-neuron-2"


def _variant(synth: Synth) -> dict[str, Any]:
    variants = synth.only("AWS::SageMaker::EndpointConfig")["Properties"]["ProductionVariants"]
    assert len(variants) == 1
    variant: dict[str, Any] = variants[0]
    return variant


def test_cuda_13_image_runs_on_the_ami_with_a_cuda_13_driver(
    gpu: Synth, async_endpoint: Synth
) -> None:
    # GIVEN the default djl-lmi image on ml.g5 / ml.g6, built for CUDA 13.0 ("-cu130")
    for synth in (gpu, async_endpoint):
        assert accelerators.image_cuda_version(synth.endpoint.image_uri) == (13, 0)
        # THEN the variant runs on the AMI whose NVIDIA 580 driver runs CUDA 13.0
        assert _variant(synth)["InferenceAmiVersion"] == GPU4
        assert synth.endpoint.inference_ami_version == GPU4


def test_cuda_12_4_image_gets_the_oldest_driver_that_runs_it(hub: Synth) -> None:
    # GIVEN TGI 3.3.6, built for CUDA 12.4 THEN the NVIDIA 550 / CUDA 12.4 AMI
    assert accelerators.image_cuda_version(hub.endpoint.image_uri) == (12, 4)
    assert _variant(hub)["InferenceAmiVersion"] == GPU3


def test_neuron_image_runs_on_the_neuron_ami(inf2: Synth, warm: Synth) -> None:
    assert _variant(inf2)["InferenceAmiVersion"] == NEURON2
    assert _variant(warm)["InferenceAmiVersion"] == NEURON2


def test_given_ami_version_is_used() -> None:
    endpoint = _build(
        instance_type="ml.g6.2xlarge",
        framework="huggingface-llm",
        framework_version="3.3.6",
        inference_ami_version=GPU4,
    )
    assert endpoint.inference_ami_version == GPU4
    variant = cdk.Stack.of(endpoint).resolve(endpoint.endpoint_config.production_variants)
    assert variant[0]["inferenceAmiVersion"] == GPU4


def test_image_without_a_cuda_version_leaves_the_default_ami() -> None:
    image = f"{NEURON_IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/custom-server:1.0"
    endpoint = _build(instance_type="ml.g5.xlarge", image_uri=image)
    assert endpoint.inference_ami_version is None


def test_every_known_ami_version_is_one_botocore_lists() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    enum = model.shape_for("ProductionVariantInferenceAmiVersion").enum
    assert set(accelerators.INFERENCE_AMIS) <= set(enum)
    assert accelerators.inference_ami_versions() == tuple(enum)


@pytest.mark.parametrize(
    ("tag", "version"),
    [
        ("0.36.0-lmi27.0.0-cu130", (13, 0)),
        ("2.7.0-tgi3.3.6-gpu-py311-cu124-ubuntu22.04", (12, 4)),
        ("2.0.1-tei1.8.2-gpu-py310-cu122-ubuntu22.04", (12, 2)),
        ("1.13-gpu-cu118", (11, 8)),
        ("0.29.0-neuronx-sdk2.19.1", None),
        ("custom:1.0", None),
    ],
)
def test_cuda_version_is_read_from_the_image_tag(tag: str, version: tuple[int, int] | None) -> None:
    uri = f"{NEURON_IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/repo:{tag}"
    assert accelerators.image_cuda_version(uri) == version


def test_s3_models_run_with_network_isolation(inf2: Synth) -> None:
    # GIVEN an S3 model WHEN synthesized THEN the model and the endpoint config isolate it
    inf2.template.has_resource_properties("AWS::SageMaker::Model", {"EnableNetworkIsolation": True})
    inf2.template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig", {"EnableNetworkIsolation": True}
    )


def test_hub_model_gets_its_id_and_a_token_reference_not_plaintext(hub: Synth) -> None:
    # GIVEN a hub id and a token secret WHEN synthesized THEN HF_TOKEN is a dynamic reference
    environment = hub.only("AWS::SageMaker::Model")["Properties"]["PrimaryContainer"]["Environment"]
    assert environment["HF_MODEL_ID"] == "meta-llama/Llama-3.1-8B-Instruct"
    token = json.dumps(environment["HF_TOKEN"])
    assert "{{resolve:secretsmanager:" in token and HF_SECRET_ARN in token
    hub.template.has_resource_properties("AWS::SageMaker::Model", {"EnableNetworkIsolation": False})


def test_hub_model_role_gets_no_secret_access(hub: Synth) -> None:
    # GIVEN a token secret WHEN synthesized THEN the execution role cannot read the secret
    assert "secretsmanager" not in json.dumps(_statements(hub))


# --------------------------------------------------------------------------- serving


def test_endpoint_config_has_managed_instance_scaling_to_zero(inf2: Synth) -> None:
    # GIVEN defaults WHEN synthesized THEN one variant, no model, scaling 0..1, LOR routing
    inf2.template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "ExecutionRoleArn": {"Fn::GetAtt": [Match.any_value(), "Arn"]},
            "ProductionVariants": [
                {
                    "VariantName": "AllTraffic",
                    "InstanceType": "ml.inf2.xlarge",
                    "InferenceAmiVersion": "al2-ami-sagemaker-inference-neuron-2",
                    "InitialInstanceCount": 1,
                    "ManagedInstanceScaling": {
                        "Status": "ENABLED",
                        "MinInstanceCount": 0,
                        "MaxInstanceCount": 1,
                    },
                    "RoutingConfig": {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"},
                }
            ],
        },
    )


def test_inf2_volume_is_encrypted_with_the_key(inf2: Synth) -> None:
    # GIVEN an EBS-only instance type WHEN synthesized THEN the endpoint config names the key
    key = inf2.logical_id("AWS::KMS::Key")
    inf2.template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig", {"KmsKeyId": {"Fn::GetAtt": [key, "Arn"]}}
    )
    assert inf2.endpoint.volume_encrypted_with_key


def test_gpu_with_instance_storage_names_no_volume_key(gpu: Synth) -> None:
    # GIVEN ml.g5 (local NVMe) WHEN synthesized THEN no KmsKeyId, which SageMaker would refuse
    gpu.template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig", {"KmsKeyId": Match.absent()}
    )
    assert not gpu.endpoint.volume_encrypted_with_key


def test_inference_component_has_a_deterministic_name_and_requirements(inf2: Synth) -> None:
    # GIVEN defaults on ml.inf2.xlarge WHEN synthesized THEN one device, 75 % memory, 30 min
    name = inf2.endpoint.inference_component_name
    assert name == f"{inf2.endpoint.endpoint_name}-ic" and len(name) <= 63
    inf2.template.has_resource_properties(
        "AWS::SageMaker::InferenceComponent",
        {
            "InferenceComponentName": name,
            "VariantName": "AllTraffic",
            "Specification": {
                "ModelName": {"Fn::GetAtt": [Match.any_value(), "ModelName"]},
                "ComputeResourceRequirements": {
                    "NumberOfAcceleratorDevicesRequired": 1,
                    "MinMemoryRequiredInMb": 12288,
                },
                "StartupParameters": {
                    "ModelDataDownloadTimeoutInSeconds": 1800,
                    "ContainerStartupHealthCheckTimeoutInSeconds": 1800,
                },
            },
            "RuntimeConfig": {"CopyCount": 1},
        },
    )


def test_copies_share_a_multi_gpu_instance(gpu_vpc: Synth) -> None:
    # GIVEN 2 of 4 GPUs per copy, 8 vCPUs, custom timeouts WHEN synthesized THEN as configured
    gpu_vpc.template.has_resource_properties(
        "AWS::SageMaker::InferenceComponent",
        {
            "InferenceComponentName": "qwen-32b-ic",
            "Specification": Match.object_like(
                {
                    "ComputeResourceRequirements": {
                        "NumberOfAcceleratorDevicesRequired": 2,
                        "MinMemoryRequiredInMb": 73728,
                        "NumberOfCpuCoresRequired": 8,
                    },
                    "StartupParameters": {
                        "ModelDataDownloadTimeoutInSeconds": 2700,
                        "ContainerStartupHealthCheckTimeoutInSeconds": 1200,
                    },
                }
            ),
        },
    )


def test_vpc_placement_uses_isolated_subnets_and_a_closed_group(gpu_vpc: Synth) -> None:
    # GIVEN a private network WHEN synthesized THEN model and config run in its subnets
    group = gpu_vpc.template.find_resources(
        "AWS::EC2::SecurityGroup",
        {"Properties": {"GroupDescription": Match.string_like_regexp("Inference endpoint")}},
    )
    assert len(group) == 1
    group_id, resource = next(iter(group.items()))
    assert "SecurityGroupIngress" not in resource["Properties"]
    assert {r["FromPort"] for r in resource["Properties"]["SecurityGroupEgress"]} == {443}
    vpc_config = {
        "SecurityGroupIds": [{"Fn::GetAtt": [group_id, "GroupId"]}],
        "Subnets": Match.array_with([{"Ref": Match.string_like_regexp("Isolated")}]),
    }
    gpu_vpc.template.has_resource_properties("AWS::SageMaker::Model", {"VpcConfig": vpc_config})
    gpu_vpc.template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig", {"VpcConfig": vpc_config}
    )


def test_data_capture_goes_to_the_encrypted_output_bucket(gpu_vpc: Synth) -> None:
    # GIVEN DataCapture(20 %) WHEN synthesized THEN input and output captured under a prefix
    gpu_vpc.template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "DataCaptureConfig": {
                "EnableCapture": True,
                "InitialSamplingPercentage": 20,
                "DestinationS3Uri": {
                    "Fn::Join": ["", ["s3://", {"Ref": Match.any_value()}, "/data-capture/"]]
                },
                "KmsKeyId": {"Fn::GetAtt": [Match.any_value(), "Arn"]},
                "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
                "CaptureContentTypeHeader": {"JsonContentTypes": ["application/json"]},
            }
        },
    )


def test_log_group_is_named_for_sagemaker_encrypted_and_retained_a_year(inf2: Synth) -> None:
    # GIVEN defaults WHEN synthesized THEN /aws/sagemaker/Endpoints/<name>, KMS, 365 days
    inf2.template.has_resource_properties(
        "AWS::Logs::LogGroup",
        {
            "LogGroupName": f"/aws/sagemaker/Endpoints/{inf2.endpoint.endpoint_name}",
            "KmsKeyId": {"Fn::GetAtt": [inf2.logical_id("AWS::KMS::Key"), "Arn"]},
            "RetentionInDays": 365,
        },
    )


def _endpoint_key_id(synth: Synth) -> str:
    key = synth.endpoint.encryption_key.node.default_child
    assert isinstance(key, cdk.CfnResource)
    return cdk.Stack.of(key).get_logical_id(key)


def _log_group_id(synth: Synth, name: str) -> str:
    groups = synth.template.find_resources(
        "AWS::Logs::LogGroup", {"Properties": {"LogGroupName": name}}
    )
    assert len(groups) == 1, groups
    return next(iter(groups))


def test_inference_component_logs_have_their_own_encrypted_group(gpu_vpc: Synth) -> None:
    # GIVEN a real-time endpoint WHEN synthesized THEN the component's container log group,
    # named as SageMaker writes it, KMS-encrypted, with the retention, deleted with the stack
    name = "/aws/sagemaker/InferenceComponents/qwen-32b-ic"
    assert gpu_vpc.endpoint.inference_component_name == "qwen-32b-ic"
    group_id = _log_group_id(gpu_vpc, name)
    group = gpu_vpc.template.find_resources("AWS::Logs::LogGroup")[group_id]
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [_endpoint_key_id(gpu_vpc), "Arn"]}
    assert group["Properties"]["RetentionInDays"] == 365
    assert group["DeletionPolicy"] == "Delete"
    # AND the component is created after it
    component = gpu_vpc.only("AWS::SageMaker::InferenceComponent")
    assert group_id in component["DependsOn"]


def test_key_policy_lets_cloudwatch_logs_encrypt_the_component_log_group(gpu_vpc: Synth) -> None:
    key = gpu_vpc.template.find_resources("AWS::KMS::Key")[_endpoint_key_id(gpu_vpc)]
    contexts = [
        json.dumps(s["Condition"])
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Principal") == {"Service": "logs.us-east-1.amazonaws.com"}
    ]
    assert any("log-group:/aws/sagemaker/InferenceComponents/qwen-32b-ic" in c for c in contexts)
    assert any("log-group:/aws/sagemaker/Endpoints/qwen-32b" in c for c in contexts)


def test_role_writes_exactly_the_endpoint_and_component_log_groups(gpu_vpc: Synth) -> None:
    statements = _statements(gpu_vpc)
    assert statements["WriteTheEndpointLogs"]["Resource"] == [
        {"Fn::GetAtt": [_log_group_id(gpu_vpc, "/aws/sagemaker/Endpoints/qwen-32b"), "Arn"]},
        {
            "Fn::GetAtt": [
                _log_group_id(gpu_vpc, "/aws/sagemaker/InferenceComponents/qwen-32b-ic"),
                "Arn",
            ]
        },
    ]


def test_async_endpoint_has_no_component_log_group(async_endpoint: Synth) -> None:
    async_endpoint.template.resource_count_is("AWS::Logs::LogGroup", 1)
    assert async_endpoint.endpoint.component_log_group is None


# --------------------------------------------------------------------------- execution role


def _statements(synth: Synth) -> dict[str, dict[str, Any]]:
    policies = synth.template.find_resources(
        "AWS::IAM::ManagedPolicy",
        {"Properties": {"Description": Match.string_like_regexp("^Least privilege")}},
    )
    assert len(policies) == 1, policies
    document = next(iter(policies.values()))["Properties"]["PolicyDocument"]
    return {s["Sid"]: s for s in document["Statement"]}


def test_role_is_assumed_by_sagemaker_of_this_account_only(inf2: Synth) -> None:
    # GIVEN defaults WHEN synthesized THEN sagemaker.amazonaws.com with aws:SourceAccount
    inf2.template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": Match.object_like(
                {
                    "Statement": [
                        Match.object_like(
                            {
                                "Principal": {"Service": "sagemaker.amazonaws.com"},
                                "Condition": {
                                    "StringEquals": {"aws:SourceAccount": "222222222222"}
                                },
                            }
                        )
                    ]
                }
            )
        },
    )


def test_role_reads_only_its_model_prefix(inf2: Synth) -> None:
    # GIVEN a prefix model WHEN synthesized THEN GetObject under it, ListBucket for it only
    statements = _statements(inf2)
    assert statements["ReadTheModel"]["Action"] == "s3:GetObject"
    assert json.dumps(statements["ReadTheModel"]["Resource"]).endswith(
        f':s3:::{MODEL_BUCKET}/llama-3-8b/neuron/*"]]}}'
    )
    assert statements["ListTheModelPrefix"]["Condition"] == {
        "StringLike": {"s3:prefix": ["llama-3-8b/neuron/*"]}
    }


def test_role_reads_exactly_its_model_archive(gpu: Synth) -> None:
    # GIVEN an archive WHEN synthesized THEN the one object, no listing
    statements = _statements(gpu)
    assert json.dumps(statements["ReadTheModel"]["Resource"]).endswith(
        f':s3:::{MODEL_BUCKET}/mistral-7b/model.tar.gz"]]}}'
    )
    assert "ListTheModelPrefix" not in statements


def test_role_pulls_only_the_image_repository(inf2: Synth) -> None:
    # GIVEN the catalogue image WHEN synthesized THEN its repository, token on "*"
    statements = _statements(inf2)
    assert json.dumps(statements["PullTheServingImage"]["Resource"]).endswith(
        f':ecr:us-east-1:{NEURON_IMAGE_ACCOUNT}:repository/djl-inference"]]}}'
    )
    assert statements["GetEcrAuthorizationToken"]["Resource"] == "*"


def test_role_writes_only_its_log_group_and_sagemaker_metrics(inf2: Synth) -> None:
    # GIVEN defaults WHEN synthesized THEN its own log group; metrics by namespace condition
    statements = _statements(inf2)
    assert statements["WriteTheEndpointLogs"]["Resource"] == [
        {"Fn::GetAtt": [_log_group_id(inf2, f"/aws/sagemaker/{kind}/{name}"), "Arn"]}
        for kind, name in (
            ("Endpoints", inf2.endpoint.endpoint_name),
            ("InferenceComponents", inf2.endpoint.inference_component_name),
        )
    ]
    assert statements["PublishSageMakerMetrics"]["Condition"] == {
        "StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}
    }


def test_role_manages_network_interfaces_only_in_its_vpc(gpu_vpc: Synth) -> None:
    # GIVEN a VPC WHEN synthesized THEN ENI permissions with an ec2:Vpc condition
    statement = _statements(gpu_vpc)["ManageNetworkInterfacesInTheVpc"]
    assert "ec2:CreateNetworkInterface" in statement["Action"]
    assert list(statement["Condition"]) == ["ArnEquals"]
    assert "ec2:Vpc" in statement["Condition"]["ArnEquals"]


def test_role_uses_the_key_only_where_it_encrypts_something(inf2: Synth, gpu: Synth) -> None:
    # GIVEN inf2 (volume key) and g5 without outputs WHEN synthesized THEN key use on inf2 only
    assert "UseTheEndpointKey" in _statements(inf2)
    assert "UseTheEndpointKey" not in _statements(gpu)


# --------------------------------------------------------------------------- scaling


def test_copies_scale_from_zero_on_the_inference_component(inf2: Synth) -> None:
    # GIVEN defaults WHEN synthesized THEN a target on DesiredCopyCount, 0..1 copies
    name = inf2.endpoint.inference_component_name
    inf2.template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ServiceNamespace": "sagemaker",
            "ResourceId": f"inference-component/{name}",
            "ScalableDimension": "sagemaker:inference-component:DesiredCopyCount",
            "MinCapacity": 0,
            "MaxCapacity": 1,
            "RoleARN": Match.object_like(
                {
                    "Fn::Join": Match.array_with(
                        [
                            Match.array_with(
                                [
                                    Match.string_like_regexp(
                                        "AWSServiceRoleForApplicationAutoScaling_SageMaker"
                                    )
                                ]
                            )
                        ]
                    )
                }
            ),
        },
    )
    target = inf2.template.find_resources("AWS::ApplicationAutoScaling::ScalableTarget")
    assert next(iter(target.values()))["DependsOn"] == [
        inf2.logical_id("AWS::SageMaker::InferenceComponent")
    ]


def test_copies_track_concurrent_requests_per_copy(inf2: Synth, gpu_vpc: Synth) -> None:
    # GIVEN defaults / custom targets WHEN synthesized THEN high-resolution concurrency tracking
    for synth, target, scale_in, scale_out in ((inf2, 5, 600, 300), (gpu_vpc, 8, 900, 180)):
        synth.template.has_resource_properties(
            "AWS::ApplicationAutoScaling::ScalingPolicy",
            {
                "PolicyType": "TargetTrackingScaling",
                "TargetTrackingScalingPolicyConfiguration": {
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": (
                            "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution"
                        )
                    },
                    "TargetValue": target,
                    "ScaleInCooldown": scale_in,
                    "ScaleOutCooldown": scale_out,
                },
            },
        )


def test_no_capacity_alarm_adds_one_copy(inf2: Synth) -> None:
    # GIVEN scale to zero WHEN synthesized THEN alarm on NoCapacityInvocationFailures -> +1
    step = inf2.template.find_resources(
        "AWS::ApplicationAutoScaling::ScalingPolicy", {"Properties": {"PolicyType": "StepScaling"}}
    )
    assert len(step) == 1
    step_id, policy = next(iter(step.items()))
    assert policy["Properties"]["StepScalingPolicyConfiguration"] == {
        "AdjustmentType": "ChangeInCapacity",
        "Cooldown": 300,
        "MetricAggregationType": "Maximum",
        "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}],
    }
    inf2.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/SageMaker",
            "MetricName": "NoCapacityInvocationFailures",
            "Dimensions": [
                {
                    "Name": "InferenceComponentName",
                    "Value": inf2.endpoint.inference_component_name,
                }
            ],
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Threshold": 1,
            "Period": 60,
            "EvaluationPeriods": 1,
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": step_id}],
        },
    )


def test_warm_endpoint_keeps_a_copy_and_has_no_wake_path(warm: Synth) -> None:
    # GIVEN min_copies=1, min_instances=1 WHEN synthesized THEN floor 1 and no wake-up alarm
    warm.template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {"MinCapacity": 1, "MaxCapacity": 2},
    )
    warm.template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "ProductionVariants": [
                Match.object_like(
                    {
                        "InitialInstanceCount": 1,
                        "ManagedInstanceScaling": {
                            "Status": "ENABLED",
                            "MinInstanceCount": 1,
                            "MaxInstanceCount": 2,
                        },
                    }
                )
            ]
        },
    )
    wake_alarms = warm.template.find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "NoCapacityInvocationFailures"}}
    )
    assert wake_alarms == {}


def test_default_max_copies_fill_max_instances(warm: Synth, gpu_vpc: Synth) -> None:
    # GIVEN all 6 devices per copy x 2 instances / 2 of 4 GPUs x 2 instances THEN 2 / 4 copies
    assert warm.endpoint.scalable_target is not None
    gpu_vpc.template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget", {"MinCapacity": 0, "MaxCapacity": 4}
    )


def test_schedules_become_scheduled_actions(gpu_vpc: Synth) -> None:
    # GIVEN weekday schedules WHEN synthesized THEN two cron actions on the copy target
    target = gpu_vpc.only("AWS::ApplicationAutoScaling::ScalableTarget")
    actions = {a["ScheduledActionName"]: a for a in target["Properties"]["ScheduledActions"]}
    start = next(a for n, a in actions.items() if "WorkdayStart" in n)
    end = next(a for n, a in actions.items() if "WorkdayEnd" in n)
    assert start["Schedule"] == "cron(0 8 ? * MON-FRI *)"
    assert start["ScalableTargetAction"] == {"MinCapacity": 1}
    assert end["Schedule"] == "cron(0 19 ? * MON-FRI *)"
    assert end["ScalableTargetAction"] == {"MinCapacity": 0}


# --------------------------------------------------------------------------- async mode


def test_async_endpoint_has_no_inference_component(async_endpoint: Synth) -> None:
    # GIVEN async mode WHEN synthesized THEN the variant names the model; no component
    async_endpoint.template.resource_count_is("AWS::SageMaker::InferenceComponent", 0)
    async_endpoint.template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "ProductionVariants": [
                Match.object_like(
                    {
                        "ModelName": {"Fn::GetAtt": [Match.any_value(), "ModelName"]},
                        "ManagedInstanceScaling": Match.absent(),
                        "ContainerStartupHealthCheckTimeoutInSeconds": 1800,
                    }
                )
            ],
            "ExecutionRoleArn": Match.absent(),
        },
    )
    assert async_endpoint.endpoint.inference_component_name is None


def test_async_output_is_encrypted_with_encrypted_notifications(async_endpoint: Synth) -> None:
    # GIVEN async mode WHEN synthesized THEN S3 output/failure paths, key, two topics
    key = async_endpoint.logical_id("AWS::KMS::Key")
    async_endpoint.template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "AsyncInferenceConfig": {
                "OutputConfig": {
                    "S3OutputPath": {
                        "Fn::Join": ["", ["s3://", {"Ref": Match.any_value()}, "/async-output/"]]
                    },
                    "S3FailurePath": {
                        "Fn::Join": [
                            "",
                            ["s3://", {"Ref": Match.any_value()}, "/async-failures/"],
                        ]
                    },
                    "KmsKeyId": {"Fn::GetAtt": [key, "Arn"]},
                    "NotificationConfig": {
                        "SuccessTopic": {"Ref": Match.any_value()},
                        "ErrorTopic": {"Ref": Match.any_value()},
                    },
                },
                "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 4},
            }
        },
    )
    topics = async_endpoint.template.find_resources("AWS::SNS::Topic")
    assert len(topics) == 2
    for topic in topics.values():
        assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key, "Arn"]}


def test_async_output_bucket_is_versioned_kms_and_access_logged(async_endpoint: Synth) -> None:
    # GIVEN async mode WHEN synthesized THEN the output bucket logs to a second bucket
    async_endpoint.template.resource_count_is("AWS::S3::Bucket", 2)
    async_endpoint.template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like(
                        {
                            "ServerSideEncryptionByDefault": Match.object_like(
                                {"SSEAlgorithm": "aws:kms"}
                            )
                        }
                    )
                ]
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "LoggingConfiguration": Match.object_like({"LogFilePrefix": "access-logs/"}),
        },
    )


def test_async_instances_scale_on_backlog_from_zero(async_endpoint: Synth) -> None:
    # GIVEN async mode WHEN synthesized THEN variant target 0..3, backlog tracking
    async_endpoint.template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ResourceId": {
                "Fn::Join": [
                    "",
                    [
                        "endpoint/",
                        {"Fn::GetAtt": [Match.any_value(), "EndpointName"]},
                        "/variant/AllTraffic",
                    ],
                ]
            },
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "MinCapacity": 0,
            "MaxCapacity": 3,
        },
    )
    async_endpoint.template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "TargetTrackingScalingPolicyConfiguration": Match.object_like(
                {
                    "CustomizedMetricSpecification": Match.object_like(
                        {
                            "MetricName": "ApproximateBacklogSizePerInstance",
                            "Namespace": "AWS/SageMaker",
                            "Statistic": "Average",
                            "Dimensions": [
                                {
                                    "Name": "EndpointName",
                                    "Value": async_endpoint.endpoint.endpoint_name,
                                }
                            ],
                        }
                    ),
                    "TargetValue": 5,
                }
            )
        },
    )


def test_async_backlog_without_capacity_adds_one_instance(async_endpoint: Synth) -> None:
    # GIVEN async mode WHEN synthesized THEN HasBacklogWithoutCapacity alarm -> +1 instance
    step_id = next(
        iter(
            async_endpoint.template.find_resources(
                "AWS::ApplicationAutoScaling::ScalingPolicy",
                {
                    "Properties": {
                        "PolicyType": "StepScaling",
                        "StepScalingPolicyConfiguration": Match.object_like(
                            {
                                "AdjustmentType": "ChangeInCapacity",
                                "StepAdjustments": [
                                    {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}
                                ],
                            }
                        ),
                    }
                },
            )
        )
    )
    async_endpoint.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "HasBacklogWithoutCapacity",
            "Namespace": "AWS/SageMaker",
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Threshold": 1,
            "AlarmActions": [{"Ref": step_id}],
        },
    )


def test_async_role_writes_results_and_notifies(async_endpoint: Synth) -> None:
    # GIVEN async mode WHEN synthesized THEN PutObject under the two prefixes, Publish on topics
    statements = _statements(async_endpoint)
    written = json.dumps(statements["WriteResultsAndCaptures"]["Resource"])
    assert "/async-output/*" in written and "/async-failures/*" in written
    assert statements["NotifyAsyncResults"]["Action"] == "sns:Publish"


# --------------------------------------------------------------------------- grants and metrics


def _granted(endpoint_mode: EndpointMode) -> tuple[InferenceEndpoint, dict[str, Any]]:
    stack = _stack()
    endpoint = InferenceEndpoint(
        stack,
        "Endpoint",
        instance_type="ml.inf2.xlarge",
        model_data_uri=f"s3://{MODEL_BUCKET}/m/model.tar.gz",
        mode=endpoint_mode,
    )
    caller = iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal())
    endpoint.grant_invoke(caller)
    statement: dict[str, Any] = _granted_policy(stack, caller)["Statement"][0]
    return endpoint, statement


def _granted_policy(stack: cdk.Stack, role: iam.Role) -> dict[str, Any]:
    """The policy document of the one customer-managed policy attached to ``role`` alone (a
    grant adds no inline policy to someone else's role)."""
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Policy", 0)
    role_ref = {"Ref": stack.get_logical_id(role.node.default_child)}  # type: ignore[arg-type]
    (policy,) = [
        p
        for p in template.find_resources("AWS::IAM::ManagedPolicy").values()
        if p["Properties"].get("Roles") == [role_ref]
    ]
    document: dict[str, Any] = policy["Properties"]["PolicyDocument"]
    return document


def test_grant_invoke_scopes_real_time_to_endpoint_and_component() -> None:
    # GIVEN a real-time endpoint WHEN granted THEN invoke + stream on both ARNs
    _, statement = _granted(EndpointMode.REAL_TIME)
    assert statement["Action"] == [
        "sagemaker:InvokeEndpoint",
        "sagemaker:InvokeEndpointWithResponseStream",
    ]
    assert sorted(r["Fn::GetAtt"][1] for r in statement["Resource"]) == [
        "EndpointArn",
        "InferenceComponentArn",
    ]


def test_grant_invoke_async_allows_only_invoke_endpoint_async() -> None:
    # GIVEN an async endpoint WHEN granted THEN InvokeEndpointAsync on the endpoint only
    _, statement = _granted(EndpointMode.ASYNC)
    assert statement["Action"] == "sagemaker:InvokeEndpointAsync"
    assert statement["Resource"]["Fn::GetAtt"][1] == "EndpointArn"


def test_grant_read_results_reads_both_prefixes_and_decrypts() -> None:
    # GIVEN an async endpoint WHEN a reader is granted THEN GetObject on results + kms:Decrypt
    stack = _stack()
    endpoint = InferenceEndpoint(
        stack,
        "Endpoint",
        instance_type="ml.g5.xlarge",
        model_data_uri=f"s3://{MODEL_BUCKET}/m/model.tar.gz",
        mode=EndpointMode.ASYNC,
    )
    reader = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    endpoint.grant_read_results(reader)
    document = json.dumps(_granted_policy(stack, reader))
    assert "/async-output/*" in document and "/async-failures/*" in document
    assert '"kms:Decrypt"' in document


def test_grant_read_results_fails_on_a_real_time_endpoint() -> None:
    endpoint = _build()
    with pytest.raises(ValueError, match=r"grant_read_results: 'Test/Endpoint' is a real-time"):
        endpoint.grant_read_results(iam.AccountRootPrincipal())


def test_long_endpoint_names_give_a_bounded_component_name() -> None:
    # GIVEN a 63-character endpoint name WHEN built THEN the component name stays <= 63
    name = "e" * 63
    endpoint = _build(endpoint_name=name)
    component = endpoint.inference_component_name
    assert component is not None and len(component) <= 63 and component.endswith("-ic")
    assert component == _build(endpoint_name=name).inference_component_name


def test_default_endpoint_name_is_stable_and_valid() -> None:
    first, second = _build().endpoint_name, _build().endpoint_name
    assert first == second
    assert re.fullmatch(r"[a-z0-9](-*[a-z0-9]){0,62}", first)


def test_metrics_are_the_official_names_per_component() -> None:
    # GIVEN a real-time endpoint WHEN metrics are asked THEN AWS/SageMaker by component name
    stack = _stack()
    endpoint = InferenceEndpoint(
        stack,
        "Endpoint",
        instance_type="ml.inf2.xlarge",
        model_data_uri=f"s3://{MODEL_BUCKET}/m/model.tar.gz",
    )
    dims = {"InferenceComponentName": endpoint.inference_component_name}
    for metric, name, statistic in (
        (endpoint.metric_model_latency(), "ModelLatency", "Average"),
        (endpoint.metric_invocations(), "Invocations", "Sum"),
        (endpoint.metric_invocation_4xx_errors(), "Invocation4XXErrors", "Sum"),
        (endpoint.metric_invocation_5xx_errors(), "Invocation5XXErrors", "Sum"),
        (
            endpoint.metric_no_capacity_invocation_failures(),
            "NoCapacityInvocationFailures",
            "Sum",
        ),
        (endpoint.metric_concurrent_requests_per_copy(), "ConcurrentRequestsPerCopy", "Maximum"),
    ):
        assert (metric.namespace, metric.metric_name, metric.statistic) == (
            "AWS/SageMaker",
            name,
            statistic,
        )
        assert metric.dimensions == dims


def test_async_metrics_use_endpoint_and_variant() -> None:
    # GIVEN an async endpoint WHEN metrics are asked THEN endpoint/variant dims, backlog metrics
    endpoint = InferenceEndpoint(
        _stack(),
        "Endpoint",
        instance_type="ml.g5.xlarge",
        model_data_uri=f"s3://{MODEL_BUCKET}/m/model.tar.gz",
        mode=EndpointMode.ASYNC,
    )
    assert endpoint.metric_invocations().dimensions == {
        "EndpointName": endpoint.endpoint_name,
        "VariantName": "AllTraffic",
    }
    assert endpoint.metric_has_backlog_without_capacity().metric_name == (
        "HasBacklogWithoutCapacity"
    )
    assert endpoint.metric_approximate_backlog_size_per_instance().dimensions == {
        "EndpointName": endpoint.endpoint_name
    }
    with pytest.raises(ValueError, match=r"real-time endpoints only"):
        endpoint.metric_no_capacity_invocation_failures()


# --------------------------------------------------------------------------- nag and lint


@pytest.mark.parametrize("scenario", ALL)
def test_no_unacknowledged_nag_findings(scenario: str, request: pytest.FixtureRequest) -> None:
    # GIVEN each scenario WHEN synthesized with the three packs THEN nothing is left open
    synth: Synth = request.getfixturevalue(scenario)
    assert synth.report.findings == [], synth.report.describe()


@pytest.mark.parametrize("scenario", ALL)
def test_no_cfn_lint_errors(scenario: str, request: pytest.FixtureRequest) -> None:
    # GIVEN each scenario WHEN linted THEN no cfn-lint error
    synth: Synth = request.getfixturevalue(scenario)
    errors = [i for i in lint_template(synth.template_file, region="us-east-1") if i.is_error]
    assert errors == []


def test_acknowledgements_sit_on_the_policy_config_and_log_bucket(gpu: Synth) -> None:
    # GIVEN a GPU endpoint WHEN synthesized THEN acknowledgements only on narrow resources
    paths = {a.construct_path for a in gpu.report.acknowledged_in("Test")}
    assert paths <= {
        "Test/Endpoint/ExecutionPolicy/Resource",
        "Test/Endpoint/EndpointConfig",
        "Test/Endpoint/RollbackOnErrorsAlarm/Resource",
        "Test/Endpoint/RollbackOnLatencyAlarm/Resource",
    }
    ids = {a.finding_id for a in gpu.report.acknowledged_in("Test")}
    assert "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured" in ids


# --------------------------------------------------------------------------- validation


def _build(**props: Any) -> InferenceEndpoint:
    defaults: dict[str, Any] = {
        "instance_type": "ml.inf2.xlarge",
        "model_data_uri": f"s3://{MODEL_BUCKET}/m/model.tar.gz",
    }
    return InferenceEndpoint(_stack(), "Endpoint", **{**defaults, **props})


def test_fails_when_a_neuron_framework_targets_a_gpu_instance() -> None:
    with pytest.raises(ValueError, match=r"framework: 'djl-neuronx'.*ml\.g5\.xlarge.*djl-lmi"):
        _build(instance_type="ml.g5.xlarge", framework="djl-neuronx")


def test_fails_when_a_cuda_image_targets_inferentia() -> None:
    image = f"{NEURON_IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/vllm:0.30.0-gpu-cu130"
    with pytest.raises(ValueError, match=r"image_uri: '.*vllm:0\.30\.0-gpu-cu130'.*ml\.inf2"):
        _build(image_uri=image)


def test_fails_when_the_ami_driver_is_too_old_for_the_cuda_13_image() -> None:
    # GIVEN djl-lmi 0.36.0 (cu130) on ml.g6.2xlarge with the NVIDIA 550 / CUDA 12.4 AMI
    with pytest.raises(ValueError) as failure:
        _build(
            instance_type="ml.g6.2xlarge",
            framework="djl-lmi",
            framework_version="0.36.0",
            inference_ami_version=GPU3,
        )
    # THEN refused, naming the AMI, the image and the AMI that fits
    message = str(failure.value)
    assert (
        f"inference_ami_version: '{GPU3}' carries NVIDIA driver 550, CUDA 12.4, too old" in message
    )
    assert "djl-inference:0.36.0-lmi27.0.0-cu130, which is built for CUDA 13.0" in message
    assert f"use {GPU4}" in message


def test_fails_when_a_neuron_ami_is_given_for_a_gpu_instance() -> None:
    with pytest.raises(
        ValueError, match=rf"inference_ami_version: '{NEURON2}' is an AMI for neuron devices"
    ):
        _build(instance_type="ml.g5.xlarge", inference_ami_version=NEURON2)


def test_fails_when_a_gpu_ami_is_given_for_inferentia() -> None:
    with pytest.raises(
        ValueError, match=rf"inference_ami_version: '{GPU4}' is an AMI for cuda devices.*ml\.inf2"
    ):
        _build(inference_ami_version=GPU4)


def test_fails_when_the_ami_version_is_unknown() -> None:
    with pytest.raises(
        ValueError,
        match=r"inference_ami_version: 'al2-ami-gpu-9' is not an inference AMI version .*"
        r"al2-ami-sagemaker-inference-gpu-2, ",
    ):
        _build(instance_type="ml.g5.xlarge", inference_ami_version="al2-ami-gpu-9")


def test_fails_when_no_ami_driver_runs_the_image() -> None:
    image = f"{NEURON_IMAGE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/vllm:1.0-gpu-cu141"
    with pytest.raises(
        ValueError,
        match=r"image_uri: .*vllm:1\.0-gpu-cu141 is built for CUDA 14\.1, newer than the driver "
        r"of every inference AMI version",
    ):
        _build(instance_type="ml.g5.xlarge", image_uri=image)


def test_fails_when_a_hub_model_runs_network_isolated() -> None:
    with pytest.raises(ValueError, match=r"network_isolation: True with hf_model_id 'org/m'.*"):
        _build(model_data_uri=None, hf_model_id="org/m", network_isolation=True)


def test_fails_when_a_hub_model_sits_in_isolated_subnets() -> None:
    stack = _stack()
    pin_availability_zones(stack, TEST_ZONES)
    network = PrivateNetwork(stack, "Net", availability_zones=TEST_ZONES, interface_endpoints=[])
    with pytest.raises(ValueError, match=r"vpc_subnets: None \(the isolated subnets\)"):
        InferenceEndpoint(
            stack, "Endpoint", instance_type="ml.g5.xlarge", hf_model_id="org/m", vpc=network.vpc
        )


def test_fails_when_min_instances_exceed_max_instances() -> None:
    with pytest.raises(ValueError, match=r"min_instances: 3 is greater than max_instances 2"):
        _build(min_instances=3, max_instances=2)


def test_fails_when_min_copies_exceed_max_copies() -> None:
    with pytest.raises(ValueError, match=r"min_copies: 2 is greater than max_copies 1"):
        _build(min_copies=2, max_copies=1)


def test_fails_when_copies_do_not_fit_on_max_instances() -> None:
    with pytest.raises(ValueError, match=r"max_copies: 3 copies x 1 device.*max_copies <= 2"):
        _build(max_copies=3, max_instances=2)


def test_fails_when_devices_per_copy_exceed_the_instance() -> None:
    with pytest.raises(ValueError, match=r"devices_per_copy: 2 .*ml\.inf2\.xlarge.*1 accelerator"):
        _build(devices_per_copy=2)


def test_fails_when_tensor_parallel_degree_exceeds_neuron_cores() -> None:
    with pytest.raises(ValueError, match=r"OPTION_TENSOR_PARALLEL_DEGREE='4' needs 4 NeuronCores"):
        _build(environment={"OPTION_TENSOR_PARALLEL_DEGREE": "4"})


def test_fails_when_the_framework_is_unknown() -> None:
    with pytest.raises(ValueError, match=r"framework: 'tgi-magic' is unknown.*djl-neuronx"):
        _build(framework="tgi-magic")


def test_fails_when_the_framework_version_is_unknown() -> None:
    with pytest.raises(ValueError, match=r"framework_version: '9\.9\.9' .*known: .*0\.29\.0"):
        _build(framework="djl-neuronx", framework_version="9.9.9")


def test_fails_when_a_timeout_is_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"model_download_timeout: '30 seconds'.*60 seconds"):
        _build(model_download_timeout=cdk.Duration.seconds(30))


def test_fails_when_the_instance_type_is_unknown() -> None:
    with pytest.raises(ValueError, match=r"instance_type: 'ml\.m5\.large'.*ml\.g5.*ml\.inf2"):
        _build(instance_type="ml.m5.large")


def test_fails_when_the_s3_uri_is_malformed() -> None:
    with pytest.raises(ValueError, match=r"model_data_uri: 'https://bucket/model\.bin'"):
        _build(model_data_uri="https://bucket/model.bin")


def test_fails_when_the_endpoint_name_is_invalid() -> None:
    with pytest.raises(ValueError, match=r"endpoint_name: 'bad_name!'"):
        _build(endpoint_name="bad_name!")


def test_fails_when_async_gets_inference_component_options() -> None:
    with pytest.raises(ValueError, match=r"devices_per_copy: 1 applies to inference components"):
        _build(mode=EndpointMode.ASYNC, devices_per_copy=1)


def test_fails_when_real_time_gets_async_options() -> None:
    with pytest.raises(ValueError, match=r"target_backlog_per_instance: 3 applies to async"):
        _build(target_backlog_per_instance=3)


def test_fails_when_two_model_sources_are_given() -> None:
    with pytest.raises(ValueError, match=r"model source: \['model_data_uri', 'hf_model_id'\]"):
        _build(hf_model_id="org/m")


def test_fails_when_a_token_is_put_in_the_environment() -> None:
    with pytest.raises(ValueError, match=r"environment: 'HF_TOKEN' may not be set directly"):
        _build(environment={"HF_TOKEN": "hf_plaintext"})


def test_fails_when_a_schedule_is_malformed() -> None:
    bad = CapacitySchedule("Morning", "cron(0 8 * * ? *)", min_capacity=5)
    with pytest.raises(ValueError, match=r"schedules\['Morning'\]: cron 'cron\(0 8"):
        _build(schedules=[bad])


def test_fails_when_the_stack_region_is_unresolved_without_image() -> None:
    stack = cdk.Stack(cdk.App(), "Agnostic")
    with pytest.raises(ValueError, match=r"image_uri: None while the stack's region"):
        InferenceEndpoint(
            stack,
            "Endpoint",
            instance_type="ml.inf2.xlarge",
            model_data_uri=f"s3://{MODEL_BUCKET}/m/model.tar.gz",
        )


def test_fails_with_one_error_listing_every_problem() -> None:
    # GIVEN several bad props WHEN built THEN one ValueError counting all of them
    with pytest.raises(ValueError, match=r"invalid props \(3 problems\)") as error:
        _build(min_instances=-1, memory_per_copy_mib=10, endpoint_name="-x")
    message = str(error.value)
    assert "min_instances: -1" in message
    assert "memory_per_copy_mib: 10" in message
    assert "endpoint_name: '-x'" in message


def test_failed_construct_leaves_nothing_behind() -> None:
    stack = _stack()
    with pytest.raises(ValueError):
        InferenceEndpoint(stack, "Endpoint", instance_type="ml.nope.xlarge")
    assert stack.node.try_find_child("Endpoint") is None


def test_endpoints_sharing_one_key_add_distinct_key_policy_statements() -> None:
    # GIVEN two endpoints encrypted with one shared key
    from aws_cdk import aws_kms as kms

    stack = _stack()
    key = kms.Key(stack, "Shared", enable_key_rotation=True)
    for name in ("One", "Two"):
        InferenceEndpoint(
            stack,
            name,
            instance_type="ml.inf2.xlarge",
            model_data_uri=f"s3://{MODEL_BUCKET}/{name.lower()}/",
            framework="djl-neuronx",
            framework_version="0.29.0",
            encryption_key=key,
        )
    # WHEN synthesized THEN every statement id in the key policy is unique (cfn-lint E3512)
    (resource,) = Template.from_stack(stack).find_resources("AWS::KMS::Key").values()
    sids = [s["Sid"] for s in resource["Properties"]["KeyPolicy"]["Statement"] if "Sid" in s]
    assert len(sids) == len(set(sids)) >= 2
