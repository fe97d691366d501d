"""ServingOptions rendered per container family, and safe rollouts with rollback alarms."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.assertions import Capture, Match, Template

from genai_platform.constructs.inference_endpoint import EndpointMode, InferenceEndpoint
from genai_platform.constructs.rollout import RolloutOptions
from genai_platform.constructs.serving import ServingOptions
from tests.conftest import TEST_ENV

MODEL_URI = "s3://genai-models-222222222222/m/model.tar.gz"
IMAGE = "222222222222.dkr.ecr.us-east-1.amazonaws.com/custom-server:1"


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Test", env=TEST_ENV)


def _endpoint(stack: cdk.Stack | None = None, **props: Any) -> InferenceEndpoint:
    defaults: dict[str, Any] = {"instance_type": "ml.g5.12xlarge", "model_data_uri": MODEL_URI}
    return InferenceEndpoint(stack or _stack(), "Endpoint", **{**defaults, **props})


def _environment(**props: Any) -> dict[str, str]:
    stack = _stack()
    _endpoint(stack, **props)
    models = Template.from_stack(stack).find_resources("AWS::SageMaker::Model")
    (model,) = models.values()
    environment: dict[str, str] = model["Properties"]["PrimaryContainer"]["Environment"]
    return environment


# --------------------------------------------------------------------------- each family


def test_lmi_with_vllm_gets_rolling_batch_and_option_variables() -> None:
    # GIVEN djl-lmi on 4 GPUs, 2 per copy WHEN every option is set
    env = _environment(
        framework="djl-lmi",
        devices_per_copy=2,
        serving_options=ServingOptions(
            max_batch_size=64, max_model_length_tokens=8192, quantization="fp8", dtype="bf16"
        ),
    )
    # THEN LMI's OPTION_ variables, vLLM rolling batch, one copy sharded over its 2 GPUs
    assert env == {
        "OPTION_ROLLING_BATCH": "vllm",
        "OPTION_MAX_ROLLING_BATCH_SIZE": "64",
        "OPTION_MAX_MODEL_LEN": "8192",
        "OPTION_QUANTIZE": "fp8",
        "OPTION_DTYPE": "bf16",
        "OPTION_TENSOR_PARALLEL_DEGREE": "2",
    }


def test_lmi_with_tensorrt_llm_maps_the_length_to_max_output_len() -> None:
    env = _environment(
        framework="djl-tensorrtllm",
        serving_options=ServingOptions(max_model_length_tokens=4096, quantization="smoothquant"),
    )
    assert env == {
        "OPTION_ROLLING_BATCH": "trtllm",
        "OPTION_MAX_OUTPUT_LEN": "4096",
        "OPTION_QUANTIZE": "smoothquant",
        "OPTION_TENSOR_PARALLEL_DEGREE": "4",
    }


def test_tgi_gets_launcher_variables() -> None:
    env = _environment(
        framework="huggingface-llm",
        serving_options=ServingOptions(
            max_batch_size=32,
            max_model_length_tokens=4096,
            quantization="awq",
            tensor_parallel_degree=2,
            dtype="float16",
        ),
    )
    assert env == {
        "MAX_BATCH_SIZE": "32",
        "MAX_TOTAL_TOKENS": "4096",
        "QUANTIZE": "awq",
        "DTYPE": "float16",
        "NUM_SHARD": "2",
    }


def test_vllm_gets_sm_vllm_arguments() -> None:
    env = _environment(
        framework="vllm",
        serving_options=ServingOptions(
            max_batch_size=128, max_model_length_tokens=32768, quantization="gptq", dtype="auto"
        ),
    )
    assert env == {
        "SM_VLLM_MAX_NUM_SEQS": "128",
        "SM_VLLM_MAX_MODEL_LEN": "32768",
        "SM_VLLM_QUANTIZATION": "gptq",
        "SM_VLLM_DTYPE": "auto",
        "SM_VLLM_TENSOR_PARALLEL_SIZE": "4",
    }


def test_neuron_lmi_counts_parallelism_in_neuron_cores() -> None:
    # GIVEN ml.inf2.24xlarge (6 devices, 2 NeuronCores each), 2 devices per copy
    env = _environment(
        instance_type="ml.inf2.24xlarge",
        devices_per_copy=2,
        serving_options=ServingOptions(
            max_batch_size=8, max_model_length_tokens=4096, quantization="static_int8"
        ),
    )
    # THEN Transformers NeuronX variables, 4 NeuronCores per copy
    assert env == {
        "OPTION_ROLLING_BATCH": "auto",
        "OPTION_MAX_ROLLING_BATCH_SIZE": "8",
        "OPTION_N_POSITIONS": "4096",
        "OPTION_QUANTIZE": "static_int8",
        "OPTION_TENSOR_PARALLEL_DEGREE": "4",
    }


def test_lmi_turns_continuous_batching_off_when_asked() -> None:
    env = _environment(serving_options=ServingOptions(continuous_batching=False))
    assert env["OPTION_ROLLING_BATCH"] == "disable"


def test_explicit_environment_is_kept_beside_the_options() -> None:
    env = _environment(
        serving_options=ServingOptions(max_batch_size=16),
        environment={"OPTION_GPU_MEMORY_UTILIZATION": "0.9"},
    )
    assert env["OPTION_GPU_MEMORY_UTILIZATION"] == "0.9"
    assert env["OPTION_MAX_ROLLING_BATCH_SIZE"] == "16"


def test_without_options_the_container_keeps_its_defaults() -> None:
    stack = _stack()
    _endpoint(stack)
    Template.from_stack(stack).has_resource_properties(
        "AWS::SageMaker::Model",
        {"PrimaryContainer": Match.object_like({"Environment": Match.absent()})},
    )


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {
                "instance_type": "ml.inf2.xlarge",
                "serving_options": ServingOptions(quantization="awq"),
            },
            r"serving_options\.quantization: 'awq' is not supported by djl-neuronx on "
            r"ml\.inf2\.xlarge; djl-neuronx accepts static_int8",
        ),
        (
            {"devices_per_copy": 1, "serving_options": ServingOptions(tensor_parallel_degree=2)},
            r"serving_options\.tensor_parallel_degree: 2 is not allowed on ml\.g5\.12xlarge: one "
            r"copy has 1 GPUs \(1 device\(s\)\); give an integer from 1 to 1",
        ),
        (
            {
                "instance_type": "ml.inf2.xlarge",
                "serving_options": ServingOptions(tensor_parallel_degree=4),
            },
            r"tensor_parallel_degree: 4 .* one copy has 2 NeuronCores",
        ),
        (
            {
                "framework": "huggingface-llm",
                "serving_options": ServingOptions(continuous_batching=False),
            },
            r"serving_options\.continuous_batching: False is not possible with huggingface-llm",
        ),
        (
            {"framework": "vllm", "serving_options": ServingOptions(continuous_batching=False)},
            r"continuous_batching: False is not possible with vllm",
        ),
        (
            {
                "framework": "djl-tensorrtllm",
                "serving_options": ServingOptions(quantization="gptq"),
            },
            r"quantization: 'gptq' is not supported by djl-tensorrtllm .* accepts awq, "
            r"smoothquant, fp8",
        ),
        (
            {"framework": "huggingface-llm", "serving_options": ServingOptions(dtype="bf16")},
            r"serving_options\.dtype: 'bf16' is not supported by huggingface-llm .* accepts "
            r"float16, bfloat16",
        ),
        (
            {"serving_options": ServingOptions(max_batch_size=0)},
            r"serving_options\.max_batch_size: 0 is not allowed; give an integer from 1 to 1,024",
        ),
        (
            {"serving_options": ServingOptions(max_model_length_tokens=2_000_000)},
            r"max_model_length_tokens: 2000000 is not allowed; give an integer from 16 to "
            r"1,048,576",
        ),
        (
            {"serving_options": ServingOptions(continuous_batching=False, max_batch_size=8)},
            r"serving_options\.max_batch_size: 8 needs continuous batching",
        ),
        (
            {
                "instance_type": "ml.inf2.xlarge",
                "framework": "huggingface-llm-neuronx",
                "serving_options": ServingOptions(),
            },
            r"serving_options: not mapped for 'huggingface-llm-neuronx'",
        ),
        (
            {"image_uri": IMAGE, "serving_options": ServingOptions()},
            r"serving_options: not mapped for 'an explicit image_uri'",
        ),
        (
            {
                "serving_options": ServingOptions(max_model_length_tokens=4096),
                "environment": {"OPTION_MAX_MODEL_LEN": "8192"},
            },
            r"environment: 'OPTION_MAX_MODEL_LEN' is managed by serving_options for djl-lmi",
        ),
        (
            {"serving_options": ServingOptions(), "environment": {"TENSOR_PARALLEL_DEGREE": "max"}},
            r"environment: 'TENSOR_PARALLEL_DEGREE' is managed by serving_options",
        ),
        (
            {
                "framework": "vllm",
                "serving_options": ServingOptions(),
                "environment": {"SM_VLLM_DTYPE": "half"},
            },
            r"environment: 'SM_VLLM_DTYPE' is managed by serving_options for vllm",
        ),
    ],
)
def test_fails_when_serving_options_cannot_be_honoured(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _endpoint(**props)


def test_fails_with_every_serving_problem_at_once() -> None:
    # GIVEN three bad options WHEN built THEN one error lists all three
    with pytest.raises(ValueError) as failure:
        _endpoint(
            framework="huggingface-llm",
            serving_options=ServingOptions(
                continuous_batching=False, quantization="int4", tensor_parallel_degree=8
            ),
        )
    text = str(failure.value)
    assert "(3 problems)" in text
    for option in ("continuous_batching", "quantization", "tensor_parallel_degree"):
        assert f"serving_options.{option}" in text


# --------------------------------------------------------------------------- rollouts


@pytest.fixture(scope="module")
def rollout_template() -> Template:
    stack = _stack()
    gateway_5xx = cloudwatch.Alarm.from_alarm_name(stack, "Gateway5xx", "gateway-5xx-errors")
    _endpoint(
        stack,
        rollout=RolloutOptions(
            batch_percent=25,
            rollback_batch_percent=100,
            wait_interval=cdk.Duration.minutes(15),
            maximum_execution_timeout=cdk.Duration.hours(4),
            additional_alarms=[gateway_5xx],
        ),
    )
    return Template.from_stack(stack)


def test_model_changes_roll_out_in_batches_with_rollback_alarms(rollout_template: Template) -> None:
    errors, latency = Capture(), Capture()
    rollout_template.has_resource_properties(
        "AWS::SageMaker::InferenceComponent",
        {
            "DeploymentConfig": {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 25},
                    "RollbackMaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 100},
                    "WaitIntervalInSeconds": 900,
                    "MaximumExecutionTimeoutInSeconds": 14400,
                },
                "AutoRollbackConfiguration": {
                    "Alarms": [
                        {"AlarmName": {"Ref": errors}},
                        {"AlarmName": {"Ref": latency}},
                        {"AlarmName": "gateway-5xx-errors"},
                    ]
                },
            }
        },
    )
    alarms = rollout_template.find_resources("AWS::CloudWatch::Alarm")
    error_alarm = alarms[errors.as_string()]["Properties"]
    assert error_alarm["MetricName"] == "Invocation5XXErrors"
    assert error_alarm["Statistic"] == "Sum"
    assert error_alarm["Threshold"] == 5
    assert [d["Name"] for d in error_alarm["Dimensions"]] == ["InferenceComponentName"]
    latency_alarm = alarms[latency.as_string()]["Properties"]
    assert latency_alarm["MetricName"] == "ModelLatency"
    assert latency_alarm["ExtendedStatistic"] == "p90"
    assert latency_alarm["Threshold"] == 60_000_000  # microseconds


def test_endpoint_changes_deploy_blue_green_with_the_same_alarms(
    rollout_template: Template,
) -> None:
    rollout_template.has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {
            "DeploymentConfig": {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "ALL_AT_ONCE",
                        "WaitIntervalInSeconds": 900,
                    },
                    "MaximumExecutionTimeoutInSeconds": 14400,
                },
                "AutoRollbackConfiguration": {
                    "Alarms": Match.array_with([{"AlarmName": "gateway-5xx-errors"}])
                },
            }
        },
    )


def test_default_rollout_uses_half_the_copies_and_ten_minutes_of_baking() -> None:
    stack = _stack()
    endpoint = _endpoint(stack)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::SageMaker::InferenceComponent",
        {
            "DeploymentConfig": Match.object_like(
                {
                    "RollingUpdatePolicy": {
                        "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
                        "WaitIntervalInSeconds": 600,
                        "MaximumExecutionTimeoutInSeconds": 10800,
                    }
                }
            )
        },
    )
    assert len(endpoint.rollback_alarms) == 2


def test_async_endpoint_rolls_back_on_variant_alarms() -> None:
    # GIVEN an async endpoint (no inference component) WHEN synthesized
    stack = _stack()
    _endpoint(stack, mode=EndpointMode.ASYNC)
    template = Template.from_stack(stack)
    # THEN the endpoint's blue/green update names the alarms, on the variant's metrics
    template.has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {"DeploymentConfig": Match.object_like({"BlueGreenUpdatePolicy": Match.any_value()})},
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "Invocation5XXErrors",
            "Dimensions": Match.array_with([{"Name": "VariantName", "Value": "AllTraffic"}]),
        },
    )


@pytest.mark.parametrize(
    ("rollout", "message"),
    [
        (
            RolloutOptions(batch_percent=60),
            r"rollout\.batch_percent: 60 is not allowed; SageMaker takes 5 to 50",
        ),
        (RolloutOptions(batch_percent=4), r"rollout\.batch_percent: 4 is not allowed"),
        (
            RolloutOptions(rollback_batch_percent=0),
            r"rollout\.rollback_batch_percent: 0 is not allowed; give an integer from 1 to 100",
        ),
        (
            RolloutOptions(wait_interval=cdk.Duration.hours(2)),
            r"rollout\.wait_interval: '2 hours' is not allowed; give a whole-second Duration "
            r"from 0 to 3600",
        ),
        (
            RolloutOptions(maximum_execution_timeout=cdk.Duration.minutes(5)),
            r"rollout\.maximum_execution_timeout: '5 minutes' is not allowed; .* from 600 to 28800",
        ),
        (
            RolloutOptions(error_threshold=0),
            r"rollout\.error_threshold: 0 is not allowed; give an integer >= 1",
        ),
        (
            RolloutOptions(latency_threshold=cdk.Duration.millis(10)),
            r"rollout\.latency_threshold: '10 millis' is not allowed",
        ),
        (
            RolloutOptions(additional_alarms=["gateway-5xx"]),
            r"rollout\.additional_alarms: 'gateway-5xx' is not a CloudWatch alarm",
        ),
    ],
)
def test_fails_when_rollout_options_are_out_of_range(rollout: RolloutOptions, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _endpoint(rollout=rollout)


def test_fails_when_more_rollback_alarms_than_sagemaker_takes() -> None:
    stack = _stack()
    alarms = [cloudwatch.Alarm.from_alarm_name(stack, f"A{i}", f"alarm-{i}") for i in range(9)]
    with pytest.raises(
        ValueError, match=r"rollout\.additional_alarms: 9 alarms given; .* at most 8"
    ):
        _endpoint(stack, rollout=RolloutOptions(additional_alarms=alarms))


def test_alarms_added_later_join_both_deployment_configurations() -> None:
    # GIVEN an endpoint WHEN the gateway's alarm is added after it was built
    stack = _stack()
    endpoint = _endpoint(stack)
    gateway = cloudwatch.Alarm.from_alarm_name(stack, "Gateway5xx", "gateway-5xx-errors")
    endpoint.add_rollback_alarm(gateway)
    template = Template.from_stack(stack)
    # THEN the component and the endpoint both roll back on it, after the construct's own
    for resource_type in ("AWS::SageMaker::InferenceComponent", "AWS::SageMaker::Endpoint"):
        (resource,) = template.find_resources(resource_type).values()
        alarms = resource["Properties"]["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]
        assert len(alarms) == 3
        assert alarms[-1] == {"AlarmName": "gateway-5xx-errors"}
    assert endpoint.rollback_alarms[-1] is gateway


def test_fails_when_an_added_alarm_passes_sagemakers_limit() -> None:
    stack = _stack()
    alarms = [cloudwatch.Alarm.from_alarm_name(stack, f"A{i}", f"alarm-{i}") for i in range(8)]
    endpoint = _endpoint(stack, rollout=RolloutOptions(additional_alarms=alarms))
    extra = cloudwatch.Alarm.from_alarm_name(stack, "Extra", "one-too-many")
    with pytest.raises(ValueError, match=r"add_rollback_alarm of 'Test/Endpoint': .* at most 10"):
        endpoint.add_rollback_alarm(extra)
