"""A SageMaker inference endpoint on Inferentia2/Trainium or GPUs that scales to zero.

:class:`InferenceEndpoint` serves one model (from S3, or from the Hugging Face hub) on an
accelerated instance type and, by default, costs nothing while nobody calls it:

* **real-time mode** (default): a SageMaker endpoint whose production variant uses managed
  instance scaling (minimum 0 instances) and hosts the model as an *inference component*.
  Application Auto Scaling tracks concurrent requests per model copy and scales the copies
  between ``min_copies`` (0) and ``max_copies``; with no copy left SageMaker releases the
  instances. A request that arrives while there is no copy fails with a
  ``NoCapacityInvocationFailures`` metric point, whose alarm runs a step policy that adds one
  copy: the endpoint wakes in a few minutes (callers retry meanwhile).
* **async mode**: a SageMaker asynchronous endpoint (requests queue, results land in a
  KMS-encrypted S3 bucket and notifications on KMS-encrypted SNS topics) whose instances
  scale on the backlog per instance down to zero, and up from zero on the
  ``HasBacklogWithoutCapacity`` metric.

The serving container is resolved offline from the SageMaker image catalogue for the
framework, version and the stack's region (see :mod:`genai_platform.constructs.accelerators`),
and must fit the instance: a Neuron image on a GPU instance, or a CUDA image on Inferentia2,
is refused before anything is built. Every prop is checked first and all problems are
reported in one ValueError.

Logs: SageMaker writes the endpoint's logs to ``/aws/sagemaker/Endpoints/<endpoint name>``
and, in real-time mode, the model container's logs (model download, loading, crashes) to the
inference component's own group, ``/aws/sagemaker/InferenceComponents/<component name>``. The
construct creates both groups (KMS-encrypted, with a retention) before the endpoint and the
component, and the execution role may write exactly these two groups.

Security: a least-privilege execution role (its model object or prefix, its image
repository, its log groups, its key), network isolation for S3 models, optional VPC placement
with a security group that admits nothing, a customer-managed KMS key for the storage volume
(where the instance type allows one), logs, outputs, captures and notifications.

Example::

    endpoint = InferenceEndpoint(
        stack, "Llama",
        instance_type="ml.inf2.xlarge",
        model_bucket=models, model_key="llama-3-8b/neuron/",   # an uncompressed prefix
        max_instances=2,
        vpc=network.vpc,
    )
    endpoint.grant_invoke(gateway_function)
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from constructs import Construct

from genai_platform import regions
from genai_platform.compliance import acknowledge
from genai_platform.constructs import accelerators, serving
from genai_platform.constructs import rollout as safe_rollout
from genai_platform.constructs.accelerators import AcceleratorKind, InstanceSpec
from genai_platform.constructs.buckets import (
    access_log_bucket,
    acknowledge_no_replication,
    log_accesses,
)
from genai_platform.constructs.grants import managed_policy_grantee
from genai_platform.constructs.interfaces import IInferenceEndpoint
from genai_platform.constructs.keys import logs_may_use_key
from genai_platform.constructs.rollout import RolloutOptions
from genai_platform.constructs.schedule_checks import cron_problems, time_zone_problems
from genai_platform.constructs.serving import ServingOptions

__all__ = [
    "DEFAULT_STARTUP_TIMEOUT",
    "VARIANT_NAME",
    "CapacitySchedule",
    "DataCapture",
    "EndpointMode",
    "InferenceEndpoint",
]

#: The one production variant of the endpoint.
VARIANT_NAME = "AllTraffic"
#: Model download and container health-check timeout when none is given (large models).
DEFAULT_STARTUP_TIMEOUT = cdk.Duration.minutes(30)
#: Startup timeouts SageMaker accepts, in seconds.
STARTUP_TIMEOUT_RANGE_S = (60, 3600)
#: Share of the host memory reserved per model copy when ``memory_per_copy_mib`` is not given
#: (the rest is left to the operating system and the SageMaker agent).
DEFAULT_MEMORY_SHARE = 0.75
#: SageMaker resource names: 1-63 letters, digits and hyphens, no leading/trailing hyphen.
MAX_NAME_LENGTH = 63
#: Async endpoints accept 1-1000 concurrent invocations per instance.
MAX_ASYNC_CONCURRENCY = 1000
#: Warning id added when an imported key's policy could not be extended.
IMPORTED_KEY_WARNING_ID = "genai-platform:inference-endpoint-imported-key"

_NAME = re.compile(r"[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}")
_HF_MODEL_ID = re.compile(r"[A-Za-z0-9][\w.-]{0,95}/[\w.-]{1,96}")
_S3_URI = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(.+)")
_ECR_IMAGE = re.compile(
    r"(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repository>[a-z0-9][a-z0-9._/-]*?)(?::[\w.-]{1,128}|@sha256:[0-9a-f]{64})?"
)
#: SageMaker's smallest CPU reservation per inference-component copy
#: (``InferenceComponentComputeResourceRequirements.NumberOfCpuCoresRequired``, min 0.25 in
#: the SageMaker API model botocore ships).
MIN_CPU_CORES_PER_COPY = 0.25
_SCHEDULE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")
_ENV_KEY = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]{0,1023}")
#: Environment entries set only through their own props (never as plaintext).
_RESERVED_ENV = ("HF_MODEL_ID", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
_TP_DEGREE = "OPTION_TENSOR_PARALLEL_DEGREE"
_LOG_GROUP_PREFIX = "/aws/sagemaker/Endpoints/"
#: Where SageMaker writes the container logs of an inference component (not in the SageMaker
#: developer guide's table of log groups; the name AWS's own samples read the logs of a
#: component from, ``/aws/sagemaker/InferenceComponents/<inference component name>``).
_COMPONENT_LOG_GROUP_PREFIX = "/aws/sagemaker/InferenceComponents/"
_ASYNC_OUTPUT_PREFIX = "async-output/"
_ASYNC_FAILURE_PREFIX = "async-failures/"
_CAPTURE_PREFIX = "data-capture/"
_ACCESS_LOG_PREFIX = "access-logs/"


class EndpointMode(StrEnum):
    """How requests reach the model."""

    REAL_TIME = "real-time"
    """Synchronous requests (and response streams) to an inference component."""
    ASYNC = "async"
    """Queued requests whose results are written to S3 (SageMaker asynchronous inference)."""


@dataclass(frozen=True)
class CapacitySchedule:
    """A scheduled change of the scaling bounds, e.g. keep one copy warm on weekdays.

    The capacity is counted in model copies (real-time mode) or instances (async mode).
    Two schedules make a window: ``CapacitySchedule("WorkdayStart", "0 8 ? * MON-FRI *",
    min_capacity=1)`` and ``CapacitySchedule("WorkdayEnd", "0 19 ? * MON-FRI *",
    min_capacity=0)``.
    """

    name: str
    """Identifies the schedule: a letter, then letters or digits (at most 64)."""
    cron: str
    """Six-field Application Auto Scaling cron expression (minutes hours day-of-month month
    day-of-week year), without the ``cron( )`` wrapper, such as ``"0 8 ? * MON-FRI *"``."""
    min_capacity: int | None = None
    """The new lower bound. Default: the lower bound is left as it is."""
    max_capacity: int | None = None
    """The new upper bound. Default: the upper bound is left as it is."""
    time_zone: cdk.TimeZone | None = None
    """Time zone the cron expression is read in. Default: UTC."""


@dataclass(frozen=True)
class DataCapture:
    """Capture of requests and responses to the construct's KMS-encrypted output bucket."""

    sampling_percentage: int = 100
    """Percentage (0-100) of requests captured. Default: all of them."""
    capture_input: bool = True
    """Capture request payloads. Default: yes."""
    capture_output: bool = True
    """Capture response payloads. Default: yes."""
    json_content_types: Sequence[str] = field(default=("application/json",))
    """Content types captured as JSON text rather than base64. Default: application/json."""


@dataclass(frozen=True)
class _Plan:
    """What validation resolved, used to build."""

    spec: InstanceSpec
    mode: EndpointMode
    image_uri: str
    framework: str | None
    framework_version: str | None
    devices_per_copy: int
    copies_per_instance: int
    memory_per_copy_mib: int
    min_copies: int
    max_copies: int
    network_isolation: bool
    volume_key_supported: bool
    wakes_from_zero: bool
    inference_ami_version: str | None = None
    serving_environment: Mapping[str, str] = field(default_factory=dict)


class InferenceEndpoint(Construct):
    """A SageMaker endpoint on Inferentia2/Trainium or GPU instances that scales to zero.

    Give exactly one model source: ``model_bucket`` with ``model_key``, ``model_data_uri``,
    or ``hf_model_id``. A key or URI ending in ``.tar.gz`` is a compressed archive SageMaker
    unpacks; one ending in ``/`` is an uncompressed prefix SageMaker copies as is (faster for
    large models).

    The volume KMS key: SageMaker refuses ``KmsKeyId`` on instance types with local NVMe
    instance storage, whose volumes are encrypted by the instance's own hardware module. Of
    the supported types only ``ml.inf2.*`` are EBS-only and get the key; on ``ml.trn1*``,
    ``ml.g5``, ``ml.g6``, ``ml.g6e``, ``ml.p4d``, ``ml.p4de`` and ``ml.p5`` the endpoint
    configuration has no ``KmsKeyId`` and the nag findings about it are acknowledged with
    that reason.

    Hugging Face tokens: SageMaker containers read ``HF_TOKEN`` from their environment only
    and cannot fetch a secret themselves. The token is therefore put in the model's
    environment as a CloudFormation dynamic reference to ``hf_token_secret``: the template
    holds no plaintext, CloudFormation resolves it while deploying, and the value is stored
    in the SageMaker model, where principals allowed ``sagemaker:DescribeModel`` can read it.
    The execution role gets no access to the secret (nothing on the instance reads it). A
    rotated token takes effect when the model is next replaced.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        instance_type: str,
        model_bucket: s3.IBucket | None = None,
        model_key: str | None = None,
        model_data_uri: str | None = None,
        model_encryption_key: kms.IKey | None = None,
        hf_model_id: str | None = None,
        hf_token_secret: secretsmanager.ISecret | None = None,
        framework: str | None = None,
        framework_version: str | None = None,
        image_uri: str | None = None,
        inference_ami_version: str | None = None,
        environment: Mapping[str, str] | None = None,
        serving_options: ServingOptions | None = None,
        rollout: RolloutOptions | None = None,
        mode: EndpointMode = EndpointMode.REAL_TIME,
        min_instances: int = 0,
        max_instances: int = 1,
        devices_per_copy: int | None = None,
        memory_per_copy_mib: int | None = None,
        cpu_cores_per_copy: float | None = None,
        min_copies: int | None = None,
        max_copies: int | None = None,
        model_download_timeout: cdk.Duration | None = None,
        startup_health_check_timeout: cdk.Duration | None = None,
        target_concurrent_requests_per_copy: float | None = None,
        target_backlog_per_instance: float | None = None,
        max_concurrent_invocations_per_instance: int | None = None,
        scale_in_cooldown: cdk.Duration | None = None,
        scale_out_cooldown: cdk.Duration | None = None,
        schedules: Sequence[CapacitySchedule] = (),
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        network_isolation: bool | None = None,
        encryption_key: kms.IKey | None = None,
        data_capture: DataCapture | None = None,
        output_retention: cdk.Duration | None = None,
        log_retention: logs.RetentionDays | None = None,
        endpoint_name: str | None = None,
    ) -> None:
        """Validate every prop, then build the endpoint and its scaling.

        Args:
            instance_type: Accelerated SageMaker instance type, a key of
                ``accelerators.INSTANCE_TYPES`` (``ml.inf2.*``, ``ml.trn1*``, ``ml.g5.*``,
                ``ml.g6.*``, ``ml.g6e.*``, ``ml.p4d/p4de.24xlarge``, ``ml.p5.48xlarge``).
            model_bucket: Bucket holding the model (with ``model_key``). Default: the model
                comes from ``model_data_uri`` or ``hf_model_id``.
            model_key: Key of a ``.tar.gz`` archive, or a prefix ending in ``/`` of an
                uncompressed model, in ``model_bucket``. Default: none (see model_bucket).
            model_data_uri: ``s3://bucket/key.tar.gz`` or ``s3://bucket/prefix/`` of a bucket
                defined elsewhere. Default: the model comes from ``model_bucket`` or
                ``hf_model_id``.
            model_encryption_key: KMS key the model objects are encrypted with; the execution
                role may decrypt with it. Default: ``model_bucket``'s own key when it has
                one, otherwise none (SSE-S3).
            hf_model_id: Hugging Face hub model id (``org/name``) the container downloads at
                start-up (``HF_MODEL_ID``); needs network access, so not with network
                isolation and not in isolated subnets. Default: the model comes from S3.
            hf_token_secret: Secret whose string is the hub token of a gated model, passed as
                ``HF_TOKEN`` through a dynamic reference (see the class notes). Default: no
                token (public models only).
            framework: Serving framework of the SageMaker image catalogue:
                ``accelerators.NEURON_FRAMEWORKS`` on Neuron instances,
                ``accelerators.CUDA_FRAMEWORKS`` on GPU instances. Default: ``djl-neuronx``
                on Neuron instances, ``djl-lmi`` on GPU instances (unless ``image_uri``).
            framework_version: Version of ``framework`` in the catalogue. Default: the
                newest version the installed ``sagemaker-core`` knows; pin it, or an SDK
                upgrade changes the image and replaces the model.
            image_uri: ECR image URI to serve with instead of a catalogue image; a Neuron
                image (name with ``neuron``) only on Neuron instances, a CUDA image (name
                with ``cuNNN``/``gpu``) only on GPU instances. Default: resolved from
                ``framework`` and ``framework_version`` for the stack's region.
            inference_ami_version: SageMaker host AMI version of the instances
                (``ProductionVariant.InferenceAmiVersion``), one of the values the installed
                botocore's SageMaker model lists (``accelerators.inference_ami_versions()``);
                refused when its driver cannot run the image (a ``cu130`` image needs CUDA
                13.0, which only ``al2023-ami-sagemaker-inference-gpu-4-1`` carries) or it is
                for the other accelerator kind. Default: chosen from the image: on Neuron
                instances ``al2-ami-sagemaker-inference-neuron-2``; on GPU instances the AMI
                version with the oldest driver that runs the CUDA version in the image's tag
                (``cu124`` -> ``al2-ami-sagemaker-inference-gpu-3-1``, ``cu130`` ->
                ``al2023-ami-sagemaker-inference-gpu-4-1``); for an image whose name states no
                CUDA version, none (SageMaker's default host driver, which may be too old:
                set it then). See ``accelerators.INFERENCE_AMIS`` for drivers and sources.
            environment: Extra container environment (e.g. ``OPTION_TENSOR_PARALLEL_DEGREE``,
                which is checked against the NeuronCores or GPUs of one copy). Default: only
                what the model source sets (``HF_MODEL_ID``/``HF_TOKEN``). A variable that
                ``serving_options`` manages for the container may not be set here too.
            serving_options: Continuous batching, batch size, longest sequence,
                quantization, tensor-parallel degree and dtype, rendered into the container's
                own variables (see :mod:`genai_platform.constructs.serving`; catalogue
                frameworks ``djl-lmi``, ``djl-tensorrtllm``, ``huggingface-llm``, ``vllm``,
                ``djl-neuronx`` only). Default: none; the container's own defaults apply.
            rollout: How a change of the model, image or environment rolls out: a rolling
                update of the inference component and a blue/green update of the endpoint,
                both rolled back automatically when a rollback alarm fires (see
                :class:`~genai_platform.constructs.rollout.RolloutOptions`). Default:
                ``RolloutOptions()``: batches of 50 % of the copies, 10 minutes of baking per
                step, rollback on the construct's 5xx-error and latency alarms.
            mode: ``EndpointMode.REAL_TIME`` or ``EndpointMode.ASYNC``. Default: real-time
                with an inference component.
            min_instances: Lower bound of instances (0 releases them all when idle).
                Default: 0.
            max_instances: Upper bound of instances (>= 1). Default: 1.
            devices_per_copy: Accelerator devices (Neuron devices or GPUs) per model copy.
                Real-time only. Default: every device of the instance, one copy per instance.
            memory_per_copy_mib: Host memory reserved per copy. Real-time only. Default:
                75 % of the instance memory in proportion to the copy's devices.
            cpu_cores_per_copy: vCPUs reserved per copy. Real-time only. Default: none
                reserved (SageMaker shares the CPUs).
            min_copies: Lower bound of copies; above 0 keeps the model warm (and paid for).
                Real-time only. Default: 0 (scale to zero, wake on demand).
            max_copies: Upper bound of copies; copies x ``devices_per_copy`` must fit on
                ``max_instances``. Real-time only. Default: as many as ``max_instances``
                hold.
            model_download_timeout: Time allowed to download the model (60 s to 1 hour).
                Default: 30 minutes.
            startup_health_check_timeout: Time allowed for the container to pass its first
                health check, including Neuron compilation (60 s to 1 hour). Default:
                30 minutes.
            target_concurrent_requests_per_copy: Concurrent requests per copy that target
                tracking aims at (> 0). Real-time only. Default: 5.
            target_backlog_per_instance: Queued requests per instance that target tracking
                aims at (> 0). Async only. Default: 5.
            max_concurrent_invocations_per_instance: Requests an async instance works on at
                once (1-1000). Async only. Default: SageMaker chooses.
            scale_in_cooldown: Wait after a scale-in before the next one. Default: 10 minutes.
            scale_out_cooldown: Wait after a scale-out (and after a wake-up) before the next
                one; model copies take minutes to load. Default: 5 minutes.
            schedules: Scheduled changes of the scaling bounds. Default: none.
            vpc: VPC to run the instances in. Default: no VPC; the instances use SageMaker's
                network (with network isolation the container has no network at all).
            vpc_subnets: Subnets in ``vpc``. Default: the isolated subnets.
            security_groups: Security groups of the instances in ``vpc``. Default: a new
                group with no ingress and egress only on TCP 443 (to VPC endpoints and the
                S3 gateway endpoint, whose prefix-list addresses are unknown at synth).
            network_isolation: Whether the container may make no network calls. Default: on
                for S3 models, off for hub models (which download at start-up).
            encryption_key: Customer-managed KMS key for the storage volume (where the
                instance type allows), the log group, the output bucket and the topics.
                Default: a new key with yearly rotation, kept when the stack is deleted.
            data_capture: Capture requests/responses to the output bucket. Default: off.
            output_retention: How long async results and captures are kept. Default: 90
                days (noncurrent versions 30 days).
            log_retention: Retention of the endpoint's log group and the inference component's
                log group (not INFINITE). Default: one year; the groups are deleted with the
                stack, since SageMaker fixes their names and a kept group would block
                re-creating the endpoint.
            endpoint_name: Endpoint name (1-63 letters, digits, hyphens). Default: derived
                from the construct path, stable across deployments.

        Raises:
            ValueError: listing every invalid prop, its value and what is allowed.
        """
        path = "/".join(p for p in (scope.node.path, id) if p)
        stack = cdk.Stack.of(scope)
        plan, problems = _plan(
            stack,
            instance_type=instance_type,
            model_bucket=model_bucket,
            model_key=model_key,
            model_data_uri=model_data_uri,
            model_encryption_key=model_encryption_key,
            hf_model_id=hf_model_id,
            hf_token_secret=hf_token_secret,
            framework=framework,
            framework_version=framework_version,
            image_uri=image_uri,
            inference_ami_version=inference_ami_version,
            environment=environment,
            serving_options=serving_options,
            mode=mode,
            min_instances=min_instances,
            max_instances=max_instances,
            devices_per_copy=devices_per_copy,
            memory_per_copy_mib=memory_per_copy_mib,
            cpu_cores_per_copy=cpu_cores_per_copy,
            min_copies=min_copies,
            max_copies=max_copies,
            model_download_timeout=model_download_timeout,
            startup_health_check_timeout=startup_health_check_timeout,
            target_concurrent_requests_per_copy=target_concurrent_requests_per_copy,
            target_backlog_per_instance=target_backlog_per_instance,
            max_concurrent_invocations_per_instance=max_concurrent_invocations_per_instance,
            schedules=schedules,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            security_groups=security_groups,
            network_isolation=network_isolation,
            data_capture=data_capture,
            output_retention=output_retention,
            log_retention=log_retention,
            endpoint_name=endpoint_name,
        )
        if rollout is not None:
            problems += safe_rollout.check(rollout)
        if problems or plan is None:
            lines = "\n".join(f"  - {p}" for p in problems)
            raise ValueError(
                f"InferenceEndpoint {path!r}: invalid props ({len(problems)} problems):\n{lines}"
            )
        super().__init__(scope, id)
        self._plan = plan
        self._stack = stack

        self._endpoint_name = endpoint_name or self._default_endpoint_name()
        self._inference_component_name: str | None = (
            _component_name(self._endpoint_name, self)
            if plan.mode is EndpointMode.REAL_TIME
            else None
        )

        # ---- key and log group
        self._encryption_key = encryption_key or kms.Key(
            self,
            "Key",
            description=f"Encrypts the inference endpoint {self.node.path}",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self._allow_logs_to_use_key()
        self._log_group = logs.LogGroup(
            self,
            "LogGroup",
            log_group_name=f"{_LOG_GROUP_PREFIX}{self._endpoint_name}",
            encryption_key=self._encryption_key,
            retention=log_retention or logs.RetentionDays.ONE_YEAR,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self._component_log_group: logs.LogGroup | None = None
        if self._inference_component_name is not None:
            self._component_log_group = logs.LogGroup(
                self,
                "ComponentLogGroup",
                log_group_name=f"{_COMPONENT_LOG_GROUP_PREFIX}{self._inference_component_name}",
                encryption_key=self._encryption_key,
                retention=log_retention or logs.RetentionDays.ONE_YEAR,
                removal_policy=cdk.RemovalPolicy.DESTROY,
            )

        # ---- output bucket (async results, data capture) and topics
        self._output_bucket: s3.Bucket | None = None
        self._success_topic: sns.Topic | None = None
        self._error_topic: sns.Topic | None = None
        if plan.mode is EndpointMode.ASYNC or data_capture is not None:
            self._output_bucket = self._build_output_bucket(
                output_retention or cdk.Duration.days(90)
            )
        if plan.mode is EndpointMode.ASYNC:
            self._success_topic = self._topic("SuccessTopic", "Async inference results")
            self._error_topic = self._topic("ErrorTopic", "Async inference failures")

        # ---- model source
        model_read = _ModelSource.of(
            self,
            model_bucket=model_bucket,
            model_key=model_key,
            model_data_uri=model_data_uri,
            model_encryption_key=model_encryption_key,
        )

        # ---- execution role (permissions in a managed policy, no inline policy)
        self._execution_role = iam.Role(
            self,
            "ExecutionRole",
            description=f"Runs the model of the inference endpoint {self._endpoint_name}",
            assumed_by=iam.ServicePrincipal(
                "sagemaker.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
        )
        self._policy = iam.ManagedPolicy(
            self,
            "ExecutionPolicy",
            description=f"Least privilege of the inference endpoint {self._endpoint_name}",
            roles=[self._execution_role],
        )

        # ---- network
        self._security_groups: list[ec2.ISecurityGroup] = []
        vpc_config: dict[str, list[str]] | None = None
        if vpc is not None:
            self._security_groups = list(security_groups or [self._security_group(vpc)])
            selection = vpc_subnets or ec2.SubnetSelection(
                subnet_type=ec2.SubnetType.PRIVATE_ISOLATED
            )
            vpc_config = {
                "subnets": vpc.select_subnets(
                    availability_zones=selection.availability_zones,
                    one_per_az=selection.one_per_az,
                    subnet_filters=selection.subnet_filters,
                    subnet_group_name=selection.subnet_group_name,
                    subnets=selection.subnets,
                    subnet_type=selection.subnet_type,
                ).subnet_ids,
                "security_group_ids": [g.security_group_id for g in self._security_groups],
            }

        self._grant_execution(model_read, vpc, data_capture is not None)

        # ---- model, endpoint configuration, endpoint
        env = dict(environment or {})
        env.update(plan.serving_environment)
        if hf_model_id is not None:
            env["HF_MODEL_ID"] = hf_model_id
            if hf_token_secret is not None:
                env["HF_TOKEN"] = hf_token_secret.secret_value.unsafe_unwrap()
        self._model = sagemaker.CfnModel(
            self,
            "Model",
            execution_role_arn=self._execution_role.role_arn,
            enable_network_isolation=plan.network_isolation,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=plan.image_uri,
                environment=env or None,
                model_data_url=model_read.data_url(),
                model_data_source=model_read.data_source(),
            ),
            vpc_config=(sagemaker.CfnModel.VpcConfigProperty(**vpc_config) if vpc_config else None),
        )
        self._model.node.add_dependency(self._policy)

        self._endpoint_config = self._build_endpoint_config(
            vpc_config,
            data_capture,
            max_concurrent_invocations_per_instance,
            min_instances,
            max_instances,
            model_download_timeout,
            startup_health_check_timeout,
        )
        self._endpoint = sagemaker.CfnEndpoint(
            self,
            "Resource",
            endpoint_name=self._endpoint_name,
            endpoint_config_name=self._endpoint_config.attr_endpoint_config_name,
        )
        self._endpoint.node.add_dependency(self._log_group)

        self._inference_component: sagemaker.CfnInferenceComponent | None = None
        if plan.mode is EndpointMode.REAL_TIME:
            self._inference_component = self._build_inference_component(
                cpu_cores_per_copy,
                model_download_timeout or DEFAULT_STARTUP_TIMEOUT,
                startup_health_check_timeout or DEFAULT_STARTUP_TIMEOUT,
            )
            assert self._component_log_group is not None
            # The group must exist (encrypted, with retention) before the container logs.
            self._inference_component.node.add_dependency(self._component_log_group)

        # ---- scaling
        self._scalable_target = self._build_scaling(
            min_instances=min_instances,
            max_instances=max_instances,
            target_concurrency=target_concurrent_requests_per_copy or 5,
            target_backlog=target_backlog_per_instance or 5,
            scale_in_cooldown=scale_in_cooldown or cdk.Duration.minutes(10),
            scale_out_cooldown=scale_out_cooldown or cdk.Duration.minutes(5),
            schedules=schedules,
        )

        # ---- safe rollouts: rolling (component) and blue/green (endpoint) with rollback
        self._rollback_alarms = safe_rollout.apply(
            self,
            rollout or RolloutOptions(),
            endpoint=self._endpoint,
            component=self._inference_component,
            error_metric=self.metric_invocation_5xx_errors(),
            latency_metric=self.metric_model_latency(),
            subject=self._endpoint_name,
        )

    # --------------------------------------------------------------------- attributes

    @property
    def rollback_alarms(self) -> Sequence[cloudwatch.IAlarm]:
        """The alarms that roll a model deployment back: the construct's 5xx-error and
        latency alarms, then ``rollout.additional_alarms``, then those added later."""
        return self._rollback_alarms.alarms

    def add_rollback_alarm(self, alarm: cloudwatch.IAlarm) -> None:
        """Also roll deployments back when ``alarm`` fires, e.g. the gateway's 5xx alarm built
        after the endpoint. Raises ValueError past SageMaker's 10 rollback alarms."""
        self._rollback_alarms.add(alarm, owner=f"add_rollback_alarm of {self.node.path!r}")

    @property
    def endpoint(self) -> sagemaker.CfnEndpoint:
        """The SageMaker endpoint."""
        return self._endpoint

    @property
    def endpoint_name(self) -> str:
        """The endpoint's name."""
        return self._endpoint_name

    @property
    def endpoint_arn(self) -> str:
        """The endpoint's ARN."""
        return self._endpoint.attr_endpoint_arn

    @property
    def inference_component(self) -> sagemaker.CfnInferenceComponent | None:
        """The inference component (real-time mode); None in async mode."""
        return self._inference_component

    @property
    def inference_component_name(self) -> str | None:
        """Name of the inference component callers pass to InvokeEndpoint; None in async mode."""
        return self._inference_component_name

    @property
    def inference_component_arn(self) -> str | None:
        """ARN of the inference component; None in async mode."""
        component = self._inference_component
        return component.attr_inference_component_arn if component is not None else None

    @property
    def account(self) -> str:
        """The account the endpoint lives in (its stack's)."""
        return cdk.Stack.of(self).account

    @property
    def region(self) -> str:
        """The Region the endpoint lives in (its stack's)."""
        return cdk.Stack.of(self).region

    # --------------------------------------------------------------------- import

    @staticmethod
    def from_endpoint_attributes(
        scope: Construct,
        id: str,
        *,
        endpoint_arn: str,
        inference_component_arn: str | None = None,
    ) -> IInferenceEndpoint:
        """Reference a SageMaker endpoint this stack does not own (by its ARNs).

        Nothing is created. The names callers pass to InvokeEndpoint are the last parts of the
        ARNs; :meth:`~IInferenceEndpoint.grant_invoke` grants
        ``sagemaker:InvokeEndpoint`` and ``sagemaker:InvokeEndpointWithResponseStream`` on
        exactly the ARNs given, and the ``metric_*`` methods name the component (or the
        endpoint and its ``AllTraffic`` variant). What only the owner knows (scaling, wake-up
        from zero, logs, keys) is not done for an import: the owning stack keeps it.

        Args:
            scope: Parent construct.
            id: Construct id.
            endpoint_arn: ``arn:<partition>:sagemaker:<region>:<account>:endpoint/<name>``,
                or a deploy-time token.
            inference_component_arn: ``arn:<partition>:sagemaker:<region>:<account>:
                inference-component/<name>`` in the endpoint's account and Region, or a token.
                Default: no component (the guarded inference API then refuses the endpoint:
                it calls inference components only).

        Raises:
            ValueError: listing every invalid attribute, its value and what is allowed.
        """
        problems = _validate_import(endpoint_arn, inference_component_arn)
        if problems:
            path = "/".join(p for p in (scope.node.path, id) if p)
            lines = "\n".join(f"  - {p}" for p in problems)
            raise ValueError(
                f"InferenceEndpoint.from_endpoint_attributes {path!r}: invalid attributes "
                f"({len(problems)} problems):\n{lines}"
            )
        return _ImportedEndpoint(
            scope, id, endpoint_arn=endpoint_arn, inference_component_arn=inference_component_arn
        )

    @property
    def mode(self) -> EndpointMode:
        """Real-time or async."""
        return self._plan.mode

    @property
    def model(self) -> sagemaker.CfnModel:
        """The SageMaker model."""
        return self._model

    @property
    def endpoint_config(self) -> sagemaker.CfnEndpointConfig:
        """The endpoint configuration."""
        return self._endpoint_config

    @property
    def execution_role(self) -> iam.IRole:
        """The role SageMaker runs the model with."""
        return self._execution_role

    @property
    def encryption_key(self) -> kms.IKey:
        """The KMS key of the volume (where allowed), log group, output bucket and topics."""
        return self._encryption_key

    @property
    def image_uri(self) -> str:
        """The serving image (resolved from the catalogue, or as given)."""
        return self._plan.image_uri

    @property
    def inference_ami_version(self) -> str | None:
        """The host AMI version of the instances (chosen from the image, or as given); None
        leaves SageMaker's default."""
        return self._plan.inference_ami_version

    @property
    def framework(self) -> str | None:
        """The catalogue framework served; None with an explicit ``image_uri``."""
        return self._plan.framework

    @property
    def copies_per_instance(self) -> int:
        """Model copies one instance holds (real-time); 1 in async mode."""
        return self._plan.copies_per_instance

    @property
    def framework_version(self) -> str | None:
        """The catalogue framework version served; None with an explicit ``image_uri``."""
        return self._plan.framework_version

    @property
    def instance_spec(self) -> InstanceSpec:
        """Devices, memory and storage of the instance type."""
        return self._plan.spec

    @property
    def volume_encrypted_with_key(self) -> bool:
        """Whether the storage volume uses :attr:`encryption_key` (EBS-only instance types)."""
        return self._plan.volume_key_supported

    @property
    def log_group(self) -> logs.ILogGroup:
        """The endpoint's container log group (``/aws/sagemaker/Endpoints/<name>``)."""
        return self._log_group

    @property
    def component_log_group(self) -> logs.ILogGroup | None:
        """The inference component's container log group
        (``/aws/sagemaker/InferenceComponents/<component name>``); None in async mode."""
        return self._component_log_group

    @property
    def output_bucket(self) -> s3.IBucket | None:
        """Bucket of async results and captured data; None when neither is on."""
        return self._output_bucket

    @property
    def success_topic(self) -> sns.ITopic | None:
        """Topic notified of async results; None in real-time mode."""
        return self._success_topic

    @property
    def error_topic(self) -> sns.ITopic | None:
        """Topic notified of async failures; None in real-time mode."""
        return self._error_topic

    @property
    def async_output_uri(self) -> str | None:
        """S3 URI async results are written under; None in real-time mode."""
        if self._output_bucket is None or self._plan.mode is not EndpointMode.ASYNC:
            return None
        return self._output_bucket.s3_url_for_object(_ASYNC_OUTPUT_PREFIX)

    @property
    def security_groups(self) -> Sequence[ec2.ISecurityGroup]:
        """Security groups of the instances; empty without a VPC."""
        return tuple(self._security_groups)

    @property
    def scalable_target(self) -> appscaling.IScalableTarget:
        """The Application Auto Scaling target (copies, or async instances)."""
        return self._scalable_target

    @property
    def connections(self) -> ec2.Connections:
        """Network connections of the instances (empty without a VPC)."""
        return ec2.Connections(security_groups=self._security_groups)

    # --------------------------------------------------------------------- grants

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` call the model.

        Real-time: ``sagemaker:InvokeEndpoint`` and
        ``sagemaker:InvokeEndpointWithResponseStream`` on this endpoint and its inference
        component (IAM authorizes both ARNs when a request names the component). Async:
        ``sagemaker:InvokeEndpointAsync`` on this endpoint (the caller also needs read
        access to the S3 object it passes as input, and to :attr:`output_bucket` with
        :attr:`encryption_key` to read results).

        A role, user or group gets the statements in a customer-managed policy this endpoint
        creates and attaches (no inline policy); other principals as CDK grants usually do.
        """
        grantee = managed_policy_grantee(self, grantee, description="Invoke the model endpoint")
        if self._plan.mode is EndpointMode.ASYNC:
            return iam.Grant.add_to_principal(
                grantee=grantee,
                actions=["sagemaker:InvokeEndpointAsync"],
                resource_arns=[self.endpoint_arn],
            )
        assert self._inference_component is not None
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"],
            resource_arns=[
                self.endpoint_arn,
                self._inference_component.attr_inference_component_arn,
            ],
        )

    def grant_read_results(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read async results and failures (s3:GetObject under the two
        prefixes, kms:Decrypt on the key). Async mode only. Like :meth:`grant_invoke`, into a
        customer-managed policy for a role, user or group."""
        if self._output_bucket is None or self._plan.mode is not EndpointMode.ASYNC:
            raise ValueError(
                f"grant_read_results: {self.node.path!r} is a {self._plan.mode.value} "
                "endpoint; only async endpoints write results"
            )
        grantee = managed_policy_grantee(self, grantee, description="Read async results")
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["s3:GetObject"],
            resource_arns=[
                self._output_bucket.arn_for_objects(f"{_ASYNC_OUTPUT_PREFIX}*"),
                self._output_bucket.arn_for_objects(f"{_ASYNC_FAILURE_PREFIX}*"),
            ],
        )
        self._encryption_key.grant_decrypt(grantee)
        return grant

    # --------------------------------------------------------------------- metrics

    def metric(
        self,
        metric_name: str,
        *,
        statistic: str = "Average",
        period: cdk.Duration | None = None,
    ) -> cloudwatch.Metric:
        """A metric of the ``AWS/SageMaker`` namespace for this model: dimension
        ``InferenceComponentName`` (real-time) or ``EndpointName`` + ``VariantName`` (async)."""
        return cloudwatch.Metric(
            namespace="AWS/SageMaker",
            metric_name=metric_name,
            dimensions_map=self._dimensions(),
            statistic=statistic,
            period=period or cdk.Duration.minutes(1),
        )

    def metric_model_latency(
        self, *, statistic: str = "Average", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``ModelLatency``: time the model took to answer, in microseconds."""
        return self.metric("ModelLatency", statistic=statistic, period=period)

    def metric_invocations(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``Invocations``: requests sent to the model."""
        return self.metric("Invocations", statistic=statistic, period=period)

    def metric_invocation_4xx_errors(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``Invocation4XXErrors``: requests the model answered with a 4xx status."""
        return self.metric("Invocation4XXErrors", statistic=statistic, period=period)

    def metric_invocation_5xx_errors(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``Invocation5XXErrors``: requests the model answered with a 5xx status."""
        return self.metric("Invocation5XXErrors", statistic=statistic, period=period)

    def metric_no_capacity_invocation_failures(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``NoCapacityInvocationFailures``: requests refused while no copy was running
        (what wakes the endpoint). Real-time only."""
        self._require(EndpointMode.REAL_TIME, "metric_no_capacity_invocation_failures")
        return self.metric("NoCapacityInvocationFailures", statistic=statistic, period=period)

    def metric_concurrent_requests_per_copy(
        self, *, statistic: str = "Maximum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``ConcurrentRequestsPerCopy``: in-flight requests per copy (what target tracking
        follows). Real-time only."""
        self._require(EndpointMode.REAL_TIME, "metric_concurrent_requests_per_copy")
        return self.metric("ConcurrentRequestsPerCopy", statistic=statistic, period=period)

    def metric_approximate_backlog_size_per_instance(
        self, *, statistic: str = "Average", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``ApproximateBacklogSizePerInstance``: queued requests per instance. Async only."""
        self._require(EndpointMode.ASYNC, "metric_approximate_backlog_size_per_instance")
        return cloudwatch.Metric(
            namespace="AWS/SageMaker",
            metric_name="ApproximateBacklogSizePerInstance",
            dimensions_map={"EndpointName": self._endpoint_name},
            statistic=statistic,
            period=period or cdk.Duration.minutes(1),
        )

    def metric_has_backlog_without_capacity(
        self, *, statistic: str = "Average", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``HasBacklogWithoutCapacity``: 1 while requests wait and no instance runs (what
        wakes an async endpoint). Async only."""
        self._require(EndpointMode.ASYNC, "metric_has_backlog_without_capacity")
        return cloudwatch.Metric(
            namespace="AWS/SageMaker",
            metric_name="HasBacklogWithoutCapacity",
            dimensions_map={"EndpointName": self._endpoint_name},
            statistic=statistic,
            period=period or cdk.Duration.minutes(1),
        )

    def _require(self, mode: EndpointMode, method: str) -> None:
        if self._plan.mode is not mode:
            raise ValueError(
                f"{method}: {self.node.path!r} is a {self._plan.mode.value} endpoint; the "
                f"metric exists for {mode.value} endpoints only"
            )

    def _dimensions(self) -> dict[str, str]:
        if self._inference_component_name is not None:
            return {"InferenceComponentName": self._inference_component_name}
        return {"EndpointName": self._endpoint_name, "VariantName": VARIANT_NAME}

    # --------------------------------------------------------------------- building

    def _default_endpoint_name(self) -> str:
        raw = cdk.Names.unique_resource_name(self, max_length=MAX_NAME_LENGTH - 3, separator="-")
        name = re.sub(r"-+", "-", re.sub(r"[^A-Za-z0-9-]", "", raw)).strip("-")
        return name.lower()

    def _allow_logs_to_use_key(self) -> None:
        stack = self._stack
        groups = [("EndpointLogGroup", f"{_LOG_GROUP_PREFIX}{self._endpoint_name}")]
        if self._inference_component_name is not None:
            groups.append(
                (
                    "ComponentLogGroup",
                    f"{_COMPONENT_LOG_GROUP_PREFIX}{self._inference_component_name}",
                )
            )
        for label, log_group in groups:
            added = self._encryption_key.add_to_resource_policy(
                logs_may_use_key(
                    stack,
                    # unique per endpoint: several endpoints may share one key
                    sid=f"AllowCloudWatchLogsFor{label}{self.node.addr[:12]}",
                    log_group=log_group,
                ),
                allow_no_op=True,
            )
            if not added.statement_added:
                cdk.Annotations.of(self).add_warning_v2(
                    IMPORTED_KEY_WARNING_ID
                    if label == "EndpointLogGroup"
                    else f"{IMPORTED_KEY_WARNING_ID}:component",
                    "encryption_key is imported, so its key policy was not changed: allow "
                    f"logs.{stack.region}.amazonaws.com to use it for the log group "
                    f"{log_group}, or the log group cannot be created",
                )

    def _build_output_bucket(self, retention: cdk.Duration) -> s3.Bucket:
        """KMS-encrypted, versioned, TLS-only bucket for results and captures, access-logged."""
        access_logs = access_log_bucket(
            self,
            "AccessLogBucket",
            source="the output bucket",
            lifecycle_rules=[_expiry(retention)],
        )
        bucket = s3.Bucket(
            self,
            "OutputBucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self._encryption_key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[_expiry(retention)],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        log_accesses(bucket, to=access_logs, prefix=_ACCESS_LOG_PREFIX)
        acknowledge_no_replication(bucket, "async inference results and captured payloads")
        return bucket

    def _topic(self, id: str, display_name: str) -> sns.Topic:
        return sns.Topic(
            self,
            id,
            display_name=f"{display_name} of {self._endpoint_name}"[:100],
            master_key=self._encryption_key,
            enforce_ssl=True,
        )

    def _security_group(self, vpc: ec2.IVpc) -> ec2.SecurityGroup:
        group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description=f"Inference endpoint {self._endpoint_name}: no ingress, HTTPS egress",
            allow_all_outbound=False,
        )
        group.add_egress_rule(
            ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(443), "HTTPS to VPC endpoints"
        )
        group.add_egress_rule(
            ec2.Peer.any_ipv4(),
            ec2.Port.tcp(443),
            "HTTPS to the S3 gateway endpoint (prefix list) and routes the subnets have",
        )
        return group

    def _grant_execution(
        self, model: _ModelSource, vpc: ec2.IVpc | None, captures_data: bool
    ) -> None:
        """Everything the execution role may do, in its managed policy."""
        stack, policy, plan = self._stack, self._policy, self._plan
        for statement in model.statements():
            policy.add_statements(statement)

        repository_arn, exact_repository = _repository_arn(stack, plan.image_uri)
        policy.add_statements(
            iam.PolicyStatement(
                sid="PullTheServingImage",
                actions=[
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                resources=[repository_arn],
            ),
            iam.PolicyStatement(
                sid="GetEcrAuthorizationToken",
                actions=["ecr:GetAuthorizationToken"],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="WriteTheEndpointLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[
                    group.log_group_arn
                    for group in (self._log_group, self._component_log_group)
                    if group is not None
                ],
            ),
            iam.PolicyStatement(
                sid="PublishSageMakerMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
            ),
        )
        if vpc is not None:
            vpc_arn = stack.format_arn(service="ec2", resource="vpc", resource_name=vpc.vpc_id)
            policy.add_statements(
                iam.PolicyStatement(
                    sid="ManageNetworkInterfacesInTheVpc",
                    actions=[
                        "ec2:CreateNetworkInterface",
                        "ec2:CreateNetworkInterfacePermission",
                        "ec2:DeleteNetworkInterface",
                        "ec2:DeleteNetworkInterfacePermission",
                    ],
                    resources=[
                        stack.format_arn(service="ec2", resource=kind, resource_name="*")
                        for kind in ("network-interface", "subnet", "security-group")
                    ],
                    conditions={"ArnEquals": {"ec2:Vpc": vpc_arn}},
                ),
                iam.PolicyStatement(
                    sid="DescribeTheNetwork",
                    actions=[
                        "ec2:DescribeDhcpOptions",
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeVpcs",
                    ],
                    resources=["*"],
                ),
            )
        uses_key = plan.volume_key_supported or plan.mode is EndpointMode.ASYNC or captures_data
        if uses_key:
            policy.add_statements(
                iam.PolicyStatement(
                    sid="UseTheEndpointKey",
                    actions=[
                        "kms:Decrypt",
                        "kms:DescribeKey",
                        "kms:Encrypt",
                        "kms:GenerateDataKey",
                        "kms:GenerateDataKeyWithoutPlaintext",
                        "kms:ReEncryptFrom",
                        "kms:ReEncryptTo",
                    ],
                    resources=[self._encryption_key.key_arn],
                ),
                iam.PolicyStatement(
                    sid="GrantTheKeyToTheVolume",
                    actions=["kms:CreateGrant"],
                    resources=[self._encryption_key.key_arn],
                    conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
                ),
            )
        if self._output_bucket is not None:
            prefixes = [_CAPTURE_PREFIX] if captures_data else []
            if plan.mode is EndpointMode.ASYNC:
                prefixes += [_ASYNC_OUTPUT_PREFIX, _ASYNC_FAILURE_PREFIX]
            policy.add_statements(
                iam.PolicyStatement(
                    sid="WriteResultsAndCaptures",
                    actions=["s3:PutObject"],
                    resources=[self._output_bucket.arn_for_objects(f"{p}*") for p in prefixes],
                )
            )
        if self._success_topic is not None and self._error_topic is not None:
            policy.add_statements(
                iam.PolicyStatement(
                    sid="NotifyAsyncResults",
                    actions=["sns:Publish"],
                    resources=[self._success_topic.topic_arn, self._error_topic.topic_arn],
                )
            )
        _acknowledge_execution_policy(
            policy, model, exact_repository, self._output_bucket, captures_data, plan.mode, vpc
        )

    def _build_endpoint_config(
        self,
        vpc_config: dict[str, list[str]] | None,
        data_capture: DataCapture | None,
        async_concurrency: int | None,
        min_instances: int,
        max_instances: int,
        download_timeout: cdk.Duration | None,
        health_timeout: cdk.Duration | None,
    ) -> sagemaker.CfnEndpointConfig:
        plan = self._plan
        real_time = plan.mode is EndpointMode.REAL_TIME
        variant = sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name=VARIANT_NAME,
            instance_type=plan.spec.instance_type,
            inference_ami_version=plan.inference_ami_version,
            initial_instance_count=max(min_instances, 1),
            # With inference components the model belongs to the component, not the variant.
            model_name=None if real_time else self._model.attr_model_name,
            managed_instance_scaling=(
                sagemaker.CfnEndpointConfig.ManagedInstanceScalingProperty(
                    status="ENABLED",
                    min_instance_count=min_instances,
                    max_instance_count=max_instances,
                )
                if real_time
                else None
            ),
            routing_config=(
                sagemaker.CfnEndpointConfig.RoutingConfigProperty(
                    routing_strategy="LEAST_OUTSTANDING_REQUESTS"
                )
                if real_time
                else None
            ),
            model_data_download_timeout_in_seconds=(
                None if real_time else _seconds(download_timeout or DEFAULT_STARTUP_TIMEOUT)
            ),
            container_startup_health_check_timeout_in_seconds=(
                None if real_time else _seconds(health_timeout or DEFAULT_STARTUP_TIMEOUT)
            ),
        )
        async_config = None
        if not real_time:
            assert self._output_bucket is not None
            assert self._success_topic is not None and self._error_topic is not None
            async_config = sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty(
                output_config=sagemaker.CfnEndpointConfig.AsyncInferenceOutputConfigProperty(
                    s3_output_path=self._output_bucket.s3_url_for_object(_ASYNC_OUTPUT_PREFIX),
                    s3_failure_path=self._output_bucket.s3_url_for_object(_ASYNC_FAILURE_PREFIX),
                    kms_key_id=self._encryption_key.key_arn,
                    notification_config=(
                        sagemaker.CfnEndpointConfig.AsyncInferenceNotificationConfigProperty(
                            success_topic=self._success_topic.topic_arn,
                            error_topic=self._error_topic.topic_arn,
                        )
                    ),
                ),
                client_config=(
                    sagemaker.CfnEndpointConfig.AsyncInferenceClientConfigProperty(
                        max_concurrent_invocations_per_instance=async_concurrency
                    )
                    if async_concurrency is not None
                    else None
                ),
            )
        capture_config = None
        if data_capture is not None:
            assert self._output_bucket is not None
            modes = [
                m
                for m, on in (
                    ("Input", data_capture.capture_input),
                    ("Output", data_capture.capture_output),
                )
                if on
            ]
            capture_config = sagemaker.CfnEndpointConfig.DataCaptureConfigProperty(
                enable_capture=True,
                initial_sampling_percentage=data_capture.sampling_percentage,
                destination_s3_uri=self._output_bucket.s3_url_for_object(_CAPTURE_PREFIX),
                kms_key_id=self._encryption_key.key_arn,
                capture_options=[
                    sagemaker.CfnEndpointConfig.CaptureOptionProperty(capture_mode=m) for m in modes
                ],
                capture_content_type_header=(
                    sagemaker.CfnEndpointConfig.CaptureContentTypeHeaderProperty(
                        json_content_types=list(data_capture.json_content_types)
                    )
                    if data_capture.json_content_types
                    else None
                ),
            )
        config = sagemaker.CfnEndpointConfig(
            self,
            "EndpointConfig",
            production_variants=[variant],
            execution_role_arn=self._execution_role.role_arn if real_time else None,
            vpc_config=(
                sagemaker.CfnEndpointConfig.VpcConfigProperty(**vpc_config)
                if real_time and vpc_config
                else None
            ),
            enable_network_isolation=plan.network_isolation if real_time else None,
            kms_key_id=self._encryption_key.key_arn if plan.volume_key_supported else None,
            async_inference_config=async_config,
            data_capture_config=capture_config,
        )
        config.node.add_dependency(self._policy)
        if not plan.volume_key_supported:
            _acknowledge_no_volume_key(config, plan.spec.instance_type)
        return config

    def _build_inference_component(
        self,
        cpu_cores_per_copy: float | None,
        download_timeout: cdk.Duration,
        health_timeout: cdk.Duration,
    ) -> sagemaker.CfnInferenceComponent:
        plan = self._plan
        assert self._inference_component_name is not None
        component = sagemaker.CfnInferenceComponent(
            self,
            "InferenceComponent",
            inference_component_name=self._inference_component_name,
            endpoint_name=self._endpoint.attr_endpoint_name,
            variant_name=VARIANT_NAME,
            specification=sagemaker.CfnInferenceComponent.InferenceComponentSpecificationProperty(
                model_name=self._model.attr_model_name,
                compute_resource_requirements=(
                    sagemaker.CfnInferenceComponent.InferenceComponentComputeResourceRequirementsProperty(
                        number_of_accelerator_devices_required=plan.devices_per_copy,
                        min_memory_required_in_mb=plan.memory_per_copy_mib,
                        number_of_cpu_cores_required=cpu_cores_per_copy,
                    )
                ),
                startup_parameters=(
                    sagemaker.CfnInferenceComponent.InferenceComponentStartupParametersProperty(
                        model_data_download_timeout_in_seconds=_seconds(download_timeout),
                        container_startup_health_check_timeout_in_seconds=_seconds(health_timeout),
                    )
                ),
            ),
            runtime_config=sagemaker.CfnInferenceComponent.InferenceComponentRuntimeConfigProperty(
                copy_count=max(plan.min_copies, 1)
            ),
        )
        return component  # after the endpoint: its EndpointName is the endpoint's attribute

    def _build_scaling(
        self,
        *,
        min_instances: int,
        max_instances: int,
        target_concurrency: float,
        target_backlog: float,
        scale_in_cooldown: cdk.Duration,
        scale_out_cooldown: cdk.Duration,
        schedules: Sequence[CapacitySchedule],
    ) -> appscaling.ScalableTarget:
        plan = self._plan
        # Application Auto Scaling acts through its service-linked role for SageMaker (created
        # on first use); no role of our own is needed.
        service_role = iam.Role.from_role_arn(
            self,
            "AutoScalingServiceRole",
            self._stack.format_arn(
                service="iam",
                region="",
                resource="role",
                resource_name=(
                    "aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
                    "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
                ),
            ),
            mutable=False,
        )
        if plan.mode is EndpointMode.REAL_TIME:
            assert self._inference_component is not None
            target = appscaling.ScalableTarget(
                self,
                "CopyScaling",
                service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
                resource_id=f"inference-component/{self._inference_component_name}",
                scalable_dimension="sagemaker:inference-component:DesiredCopyCount",
                min_capacity=plan.min_copies,
                max_capacity=plan.max_copies,
                role=service_role,
            )
            target.node.add_dependency(self._inference_component)
            target.scale_to_track_metric(
                "ConcurrencyTracking",
                target_value=target_concurrency,
                predefined_metric=(
                    appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_CONCURRENT_REQUESTS_PER_COPY_HIGH_RESOLUTION
                ),
                scale_in_cooldown=scale_in_cooldown,
                scale_out_cooldown=scale_out_cooldown,
            )
            wake_metric = cloudwatch.Metric(
                namespace="AWS/SageMaker",
                metric_name="NoCapacityInvocationFailures",
                dimensions_map={"InferenceComponentName": str(self._inference_component_name)},
                statistic="Sum",
                period=cdk.Duration.minutes(1),
            )
            wake_datapoints = 1
            aggregation = appscaling.MetricAggregationType.MAXIMUM
        else:
            target = appscaling.ScalableTarget(
                self,
                "InstanceScaling",
                service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
                resource_id=f"endpoint/{self._endpoint.attr_endpoint_name}/variant/{VARIANT_NAME}",
                scalable_dimension="sagemaker:variant:DesiredInstanceCount",
                min_capacity=min_instances,
                max_capacity=max_instances,
                role=service_role,
            )
            # The resource id reads the endpoint's name attribute: created after the endpoint.
            target.scale_to_track_metric(
                "BacklogTracking",
                target_value=target_backlog,
                custom_metric=cloudwatch.Metric(
                    namespace="AWS/SageMaker",
                    metric_name="ApproximateBacklogSizePerInstance",
                    dimensions_map={"EndpointName": self._endpoint_name},
                    statistic="Average",
                    period=cdk.Duration.minutes(1),
                ),
                scale_in_cooldown=scale_in_cooldown,
                scale_out_cooldown=scale_out_cooldown,
            )
            wake_metric = cloudwatch.Metric(
                namespace="AWS/SageMaker",
                metric_name="HasBacklogWithoutCapacity",
                dimensions_map={"EndpointName": self._endpoint_name},
                statistic="Average",
                period=cdk.Duration.minutes(1),
            )
            wake_datapoints = 2
            aggregation = appscaling.MetricAggregationType.AVERAGE

        if plan.wakes_from_zero:
            wake = appscaling.StepScalingAction(
                self,
                "WakeFromZero",
                scaling_target=target,
                adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
                metric_aggregation_type=aggregation,
                cooldown=scale_out_cooldown,
            )
            wake.add_adjustment(adjustment=1, lower_bound=0)
            alarm = cloudwatch.Alarm(
                self,
                "WakeFromZeroAlarm",
                alarm_description=(
                    f"{self._endpoint_name}: requests arrive while no capacity runs; adds one "
                    f"{'copy' if plan.mode is EndpointMode.REAL_TIME else 'instance'}"
                ),
                metric=wake_metric,
                threshold=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                evaluation_periods=wake_datapoints,
                datapoints_to_alarm=wake_datapoints,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(cloudwatch_actions.ApplicationScalingAction(wake))

        for schedule in schedules:
            target.scale_on_schedule(
                f"Schedule{schedule.name}",
                schedule=appscaling.Schedule.expression(f"cron({schedule.cron})"),
                min_capacity=schedule.min_capacity,
                max_capacity=schedule.max_capacity,
                time_zone=schedule.time_zone,
            )
        return target


# ---------------------------------------------------------------------------- model source


class _ImportedEndpoint(Construct):
    """A SageMaker endpoint referenced by its ARNs (:meth:`InferenceEndpoint.
    from_endpoint_attributes`)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        endpoint_arn: str,
        inference_component_arn: str | None,
    ) -> None:
        super().__init__(scope, id)
        self._endpoint_arn = endpoint_arn
        self._component_arn = inference_component_arn
        parts = cdk.Arn.split(endpoint_arn, cdk.ArnFormat.SLASH_RESOURCE_NAME)
        self._endpoint_name = parts.resource_name or ""
        self._account = parts.account or ""
        self._region = parts.region or ""
        self._component_name = (
            cdk.Arn.split(inference_component_arn, cdk.ArnFormat.SLASH_RESOURCE_NAME).resource_name
            or ""
            if inference_component_arn is not None
            else None
        )

    @property
    def account(self) -> str:
        """The account of the endpoint's ARN."""
        return self._account

    @property
    def region(self) -> str:
        """The Region of the endpoint's ARN."""
        return self._region

    @property
    def endpoint_name(self) -> str:
        """The last part of the endpoint's ARN."""
        return self._endpoint_name

    @property
    def endpoint_arn(self) -> str:
        """The ARN given."""
        return self._endpoint_arn

    @property
    def inference_component_name(self) -> str | None:
        """The last part of the component's ARN; None without one."""
        return self._component_name

    @property
    def inference_component_arn(self) -> str | None:
        """The component ARN given; None without one."""
        return self._component_arn

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """``sagemaker:InvokeEndpoint`` and ``sagemaker:InvokeEndpointWithResponseStream`` on
        the endpoint ARN and the component ARN given."""
        arns = [self._endpoint_arn]
        if self._component_arn is not None:
            arns.append(self._component_arn)
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"],
            resource_arns=arns,
        )

    def metric(
        self,
        metric_name: str,
        *,
        statistic: str = "Average",
        period: cdk.Duration | None = None,
    ) -> cloudwatch.Metric:
        """A metric of the ``AWS/SageMaker`` namespace: dimension ``InferenceComponentName``,
        or ``EndpointName`` + ``VariantName`` (``AllTraffic``) without a component."""
        dimensions = (
            {"InferenceComponentName": self._component_name}
            if self._component_name is not None
            else {"EndpointName": self._endpoint_name, "VariantName": VARIANT_NAME}
        )
        return cloudwatch.Metric(
            namespace="AWS/SageMaker",
            metric_name=metric_name,
            dimensions_map=dimensions,
            statistic=statistic,
            period=period or cdk.Duration.minutes(1),
        )

    def metric_model_latency(
        self, *, statistic: str = "Average", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``ModelLatency``: time the model took to answer, in microseconds."""
        return self.metric("ModelLatency", statistic=statistic, period=period)

    def metric_invocations(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``Invocations``: requests sent to the model."""
        return self.metric("Invocations", statistic=statistic, period=period)

    def metric_invocation_4xx_errors(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``Invocation4XXErrors``: requests the model answered with a 4xx status."""
        return self.metric("Invocation4XXErrors", statistic=statistic, period=period)

    def metric_invocation_5xx_errors(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``Invocation5XXErrors``: requests the model answered with a 5xx status."""
        return self.metric("Invocation5XXErrors", statistic=statistic, period=period)


_ARN_NAME = r"[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}"
_ENDPOINT_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):sagemaker:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d{1,2}):"
    rf"(?P<account>\d{{12}}):endpoint/{_ARN_NAME}"
)
_COMPONENT_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):sagemaker:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d{1,2}):"
    rf"(?P<account>\d{{12}}):inference-component/{_ARN_NAME}"
)


def _validate_import(endpoint_arn: object, component_arn: object) -> list[str]:
    """Every problem with the attributes of an imported endpoint."""
    problems = []
    token = isinstance(endpoint_arn, str) and cdk.Token.is_unresolved(endpoint_arn)
    endpoint = _ENDPOINT_ARN.fullmatch(endpoint_arn) if isinstance(endpoint_arn, str) else None
    if not token and endpoint is None:
        problems.append(
            f"endpoint_arn: {endpoint_arn!r} is not a SageMaker endpoint ARN; give "
            "arn:<partition>:sagemaker:<region>:<12-digit account>:endpoint/<name> (name: 1-63 "
            "letters, digits and hyphens)"
        )
    if component_arn is None:
        return problems
    if isinstance(component_arn, str) and cdk.Token.is_unresolved(component_arn):
        return problems
    component = _COMPONENT_ARN.fullmatch(component_arn) if isinstance(component_arn, str) else None
    if component is None:
        problems.append(
            f"inference_component_arn: {component_arn!r} is not an inference component ARN; "
            "give arn:<partition>:sagemaker:<region>:<12-digit account>:inference-component/"
            "<name> (name: 1-63 letters, digits and hyphens)"
        )
    elif endpoint is not None:
        for part in ("partition", "region", "account"):
            if component.group(part) != endpoint.group(part):
                problems.append(
                    f"inference_component_arn: {component_arn!r} is in {part} "
                    f"{component.group(part)!r} but endpoint_arn in {endpoint.group(part)!r}; a "
                    "component lives on an endpoint of its own account and Region"
                )
    return problems


@dataclass(frozen=True)
class _ModelSource:
    """Where the model comes from, and what the execution role needs to read it."""

    bucket: s3.IBucket | None
    key: str | None
    encryption_key: kms.IKey | None

    @staticmethod
    def of(
        scope: Construct,
        *,
        model_bucket: s3.IBucket | None,
        model_key: str | None,
        model_data_uri: str | None,
        model_encryption_key: kms.IKey | None,
    ) -> _ModelSource:
        bucket, key = model_bucket, model_key
        if model_data_uri is not None:
            match = _S3_URI.fullmatch(model_data_uri)
            assert match is not None  # validated
            bucket = s3.Bucket.from_bucket_name(scope, "ModelBucket", match.group(1))
            key = match.group(2)
        encryption_key = model_encryption_key or (
            model_bucket.encryption_key if model_bucket is not None else None
        )
        return _ModelSource(bucket, key, encryption_key)

    @property
    def is_prefix(self) -> bool:
        return self.key is not None and self.key.endswith("/")

    def uri(self) -> str:
        assert self.bucket is not None and self.key is not None
        return f"s3://{self.bucket.bucket_name}/{self.key}"

    def data_url(self) -> str | None:
        """``ModelDataUrl`` of a compressed archive (None for a prefix or a hub model)."""
        if self.bucket is None or self.is_prefix:
            return None
        return self.uri()

    def data_source(self) -> sagemaker.CfnModel.ModelDataSourceProperty | None:
        """``ModelDataSource`` of an uncompressed prefix (None otherwise)."""
        if self.bucket is None or not self.is_prefix:
            return None
        return sagemaker.CfnModel.ModelDataSourceProperty(
            s3_data_source=sagemaker.CfnModel.S3DataSourceProperty(
                s3_uri=self.uri(), s3_data_type="S3Prefix", compression_type="None"
            )
        )

    def statements(self) -> list[iam.PolicyStatement]:
        if self.bucket is None or self.key is None:
            return []
        statements = [
            iam.PolicyStatement(
                sid="ReadTheModel",
                actions=["s3:GetObject"],
                resources=[self.bucket.arn_for_objects(self.object_pattern)],
            )
        ]
        if self.is_prefix:
            statements.append(
                iam.PolicyStatement(
                    sid="ListTheModelPrefix",
                    actions=["s3:ListBucket"],
                    resources=[self.bucket.bucket_arn],
                    conditions={"StringLike": {"s3:prefix": [f"{self.key}*"]}},
                )
            )
        if self.encryption_key is not None:
            statements.append(
                iam.PolicyStatement(
                    sid="DecryptTheModel",
                    actions=["kms:Decrypt"],
                    resources=[self.encryption_key.key_arn],
                )
            )
        return statements

    @property
    def object_pattern(self) -> str:
        assert self.key is not None
        return f"{self.key}*" if self.is_prefix else self.key


# ---------------------------------------------------------------------------- helpers


def _seconds(duration: cdk.Duration) -> int:
    return int(duration.to_seconds())


def _expiry(retention: cdk.Duration) -> s3.LifecycleRule:
    return s3.LifecycleRule(
        expiration=retention,
        noncurrent_version_expiration=cdk.Duration.days(30),
        abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
    )


def _component_name(endpoint_name: str, scope: Construct) -> str:
    """``<endpoint>-ic``, shortened with a hash when longer than 63 characters."""
    if cdk.Token.is_unresolved(endpoint_name):
        raw = cdk.Names.unique_resource_name(scope, max_length=MAX_NAME_LENGTH, separator="-")
        return re.sub(r"[^A-Za-z0-9-]", "", raw).strip("-").lower()
    name = f"{endpoint_name}-ic"
    if len(name) <= MAX_NAME_LENGTH:
        return name
    digest = hashlib.sha256(endpoint_name.encode("utf-8")).hexdigest()[:8]
    return f"{endpoint_name[: MAX_NAME_LENGTH - 12].rstrip('-')}-{digest}-ic"


def _repository_arn(stack: cdk.Stack, image_uri: str) -> tuple[str, bool]:
    """The ECR repository ARN of an image URI, and whether it is exact.

    An image URI known only at deploy time yields this account's repositories in the region.
    """
    match = None if cdk.Token.is_unresolved(image_uri) else _ECR_IMAGE.fullmatch(image_uri)
    if match is None:
        return (
            stack.format_arn(service="ecr", resource="repository", resource_name="*"),
            False,
        )
    return (
        f"arn:{stack.partition}:ecr:{match['region']}:{match['account']}:"
        f"repository/{match['repository']}",
        True,
    )


# ---------------------------------------------------------------------------- acknowledgements


def _acknowledge_no_volume_key(config: sagemaker.CfnEndpointConfig, instance_type: str) -> None:
    reason = (
        f"{instance_type} has local NVMe instance storage, which the instance encrypts with "
        "its own hardware module; SageMaker rejects KmsKeyId for such instance types, so the "
        "endpoint configuration cannot name a volume key."
    )
    for finding_id in (
        "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured",
        "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured",
    ):
        acknowledge(config, finding_id, reason)


def _acknowledge_execution_policy(
    policy: iam.ManagedPolicy,
    model: _ModelSource,
    exact_repository: bool,
    output_bucket: s3.Bucket | None,
    captures_data: bool,
    mode: EndpointMode,
    vpc: ec2.IVpc | None,
) -> None:
    """Acknowledge each wildcard of the execution policy, one finding per call."""
    stack = cdk.Stack.of(policy)
    resource = policy.node.default_child or policy  # the AWS::IAM::ManagedPolicy itself
    acknowledge(
        resource,
        "AwsSolutions-IAM5[Resource::*]",
        "ecr:GetAuthorizationToken has no resource-level permissions, ec2:Describe* "
        "calls for the VPC placement have none either, and cloudwatch:PutMetricData is "
        "limited by the cloudwatch:namespace condition to SageMaker namespaces.",
    )
    if not exact_repository:
        repository = stack.format_arn(service="ecr", resource="repository", resource_name="*")
        acknowledge(
            resource,
            f"AwsSolutions-IAM5[Resource::{_nag_arn(stack, repository)}]",
            "The image URI is resolved only at deploy time, so the pull permission covers "
            "this account's repositories in this region; it allows image reads only.",
        )
    if vpc is not None:
        for kind in ("network-interface", "subnet", "security-group"):
            arn = stack.format_arn(service="ec2", resource=kind, resource_name="*")
            acknowledge(
                resource,
                f"AwsSolutions-IAM5[Resource::{_nag_arn(stack, arn)}]",
                "SageMaker creates and deletes the endpoint's network interfaces with ids "
                "unknown in advance; the ec2:Vpc condition confines it to this VPC.",
            )
    if model.bucket is not None and model.is_prefix:
        objects = model.bucket.arn_for_objects(model.object_pattern)
        acknowledge(
            resource,
            f"AwsSolutions-IAM5[Resource::{_nag_arn(stack, objects)}]",
            "The model is an uncompressed prefix of many files SageMaker copies; the role may "
            "read only objects under that prefix of the model bucket.",
        )
    if output_bucket is not None:
        prefixes = [_CAPTURE_PREFIX] if captures_data else []
        if mode is EndpointMode.ASYNC:
            prefixes += [_ASYNC_OUTPUT_PREFIX, _ASYNC_FAILURE_PREFIX]
        for prefix in prefixes:
            written = output_bucket.arn_for_objects(f"{prefix}*")
            acknowledge(
                resource,
                f"AwsSolutions-IAM5[Resource::{_nag_arn(stack, written)}]",
                "SageMaker writes result and capture objects with request-specific names; "
                "the role may only put objects under this prefix of the output bucket.",
            )


def _nag_arn(stack: cdk.Stack, arn: str) -> str:
    """How cdk-nag spells a resource ARN in a finding id (intrinsics as ``<Id.Attr>``)."""
    resolved = stack.resolve(arn)
    if isinstance(resolved, str):
        return resolved
    parts = resolved.get("Fn::Join", ["", []])[1] if isinstance(resolved, dict) else []
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif "Ref" in part:
            out.append(f"<{part['Ref']}>")
        elif "Fn::GetAtt" in part:
            out.append(f"<{part['Fn::GetAtt'][0]}.{part['Fn::GetAtt'][1]}>")
    return "".join(out)


# ---------------------------------------------------------------------------- validation


def _is_token(value: object) -> bool:
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return isinstance(value, (str, int, float)) and cdk.Token.is_unresolved(value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _plan(
    stack: cdk.Stack,
    *,
    instance_type: str,
    model_bucket: s3.IBucket | None,
    model_key: str | None,
    model_data_uri: str | None,
    model_encryption_key: kms.IKey | None,
    hf_model_id: str | None,
    hf_token_secret: secretsmanager.ISecret | None,
    framework: str | None,
    framework_version: str | None,
    image_uri: str | None,
    inference_ami_version: str | None,
    environment: Mapping[str, str] | None,
    serving_options: ServingOptions | None,
    mode: EndpointMode,
    min_instances: int,
    max_instances: int,
    devices_per_copy: int | None,
    memory_per_copy_mib: int | None,
    cpu_cores_per_copy: float | None,
    min_copies: int | None,
    max_copies: int | None,
    model_download_timeout: cdk.Duration | None,
    startup_health_check_timeout: cdk.Duration | None,
    target_concurrent_requests_per_copy: float | None,
    target_backlog_per_instance: float | None,
    max_concurrent_invocations_per_instance: int | None,
    schedules: Sequence[CapacitySchedule],
    vpc: ec2.IVpc | None,
    vpc_subnets: ec2.SubnetSelection | None,
    security_groups: Sequence[ec2.ISecurityGroup] | None,
    network_isolation: bool | None,
    data_capture: DataCapture | None,
    output_retention: cdk.Duration | None,
    log_retention: logs.RetentionDays | None,
    endpoint_name: str | None,
) -> tuple[_Plan | None, list[str]]:
    """Check every prop; return the build plan (None when a problem prevents one) and the
    problems, one line each naming the prop, the bad value and what is allowed."""
    problems: list[str] = []

    spec = (
        accelerators.INSTANCE_TYPES.get(instance_type) if isinstance(instance_type, str) else None
    )
    if spec is None:
        problems.append(
            f"instance_type: {instance_type!r} is not a known accelerated instance type; "
            f"known families: {', '.join(accelerators.instance_families())} "
            f"(sizes in accelerators.INSTANCE_TYPES)"
        )

    if not isinstance(mode, EndpointMode):
        problems.append(
            f"mode: {mode!r} is not allowed; use EndpointMode.REAL_TIME or EndpointMode.ASYNC"
        )
        mode = EndpointMode.REAL_TIME
    real_time = mode is EndpointMode.REAL_TIME

    # ---- model source
    from_hub = hf_model_id is not None
    sources = [
        name
        for name, given in (
            ("model_bucket/model_key", model_bucket is not None or model_key is not None),
            ("model_data_uri", model_data_uri is not None),
            ("hf_model_id", from_hub),
        )
        if given
    ]
    if len(sources) != 1:
        problems.append(
            f"model source: {sources or 'none'} given; give exactly one of model_bucket with "
            "model_key, model_data_uri, or hf_model_id"
        )
    if (model_bucket is None) != (model_key is None):
        given, missing = (
            ("model_bucket", "model_key") if model_key is None else ("model_key", "model_bucket")
        )
        problems.append(f"{missing}: None while {given} is given; give both or neither")
    if model_key is not None and not _is_token(model_key) and not _model_key_ok(model_key):
        problems.append(
            f"model_key: {model_key!r} is not allowed; give the key of a '.tar.gz' archive or "
            "an uncompressed prefix ending in '/' (not starting with '/')"
        )
    if model_data_uri is not None and not _is_token(model_data_uri):
        match = _S3_URI.fullmatch(model_data_uri)
        if match is None or not _model_key_ok(match.group(2)):
            problems.append(
                f"model_data_uri: {model_data_uri!r} is not allowed; give "
                "'s3://<bucket>/<key>.tar.gz' or 's3://<bucket>/<prefix>/' with a bucket name of "
                "3-63 lowercase letters, digits, dots and hyphens"
            )
    elif model_data_uri is not None:
        problems.append(
            f"model_data_uri: {model_data_uri!r} is resolved only at deploy time; pass "
            "model_bucket and model_key instead, so the role can be scoped to the model"
        )
    if from_hub and not (
        isinstance(hf_model_id, str)
        and (_is_token(hf_model_id) or _HF_MODEL_ID.fullmatch(hf_model_id))
    ):
        problems.append(
            f"hf_model_id: {hf_model_id!r} is not a Hugging Face hub id; expected "
            "'<organization>/<model>', e.g. 'meta-llama/Llama-3.1-8B-Instruct'"
        )
    if hf_token_secret is not None and not from_hub:
        problems.append(
            f"hf_token_secret: {hf_token_secret.node.path!r} given without hf_model_id; a hub "
            "token is only used to download a hub model"
        )
    if model_encryption_key is not None and from_hub:
        problems.append(
            f"model_encryption_key: {model_encryption_key.node.path!r} given with "
            "hf_model_id; the key decrypts S3 model objects only"
        )
    if from_hub and network_isolation is True:
        problems.append(
            f"network_isolation: True with hf_model_id {hf_model_id!r}: an isolated container "
            "has no network and cannot download the model from the hub; upload the model to "
            "S3 (model_bucket/model_key) or set network_isolation=False"
        )
    if from_hub and vpc is not None and _selects_isolated(vpc_subnets):
        problems.append(
            f"vpc_subnets: {_describe_selection(vpc_subnets)} with hf_model_id "
            f"{hf_model_id!r}: isolated subnets have no route to the Hugging Face hub; choose "
            "subnets with egress (SubnetType.PRIVATE_WITH_EGRESS) or load the model from S3"
        )

    # ---- environment
    env = dict(environment or {})
    for key, value in env.items():
        if not isinstance(key, str) or not _ENV_KEY.fullmatch(key):
            problems.append(
                f"environment: key {key!r} is not allowed (letters, digits and '_', not "
                "starting with a digit, at most 1024 characters)"
            )
        elif key in _RESERVED_ENV:
            problems.append(
                f"environment: {key!r} may not be set directly (a token must never be a "
                "plaintext template value); use hf_model_id and hf_token_secret"
            )
        if not isinstance(value, str) or (not _is_token(value) and len(value) > 1024):
            problems.append(
                f"environment: value of {key!r} ({value!r}) is not allowed; give a string of "
                "at most 1024 characters"
            )

    # ---- container image
    image: str | None = None
    resolved_version: str | None = None
    chosen_framework: str | None = None
    if image_uri is not None:
        if framework is not None or framework_version is not None:
            problems.append(
                f"image_uri: {image_uri!r} given together with framework {framework!r} / "
                f"framework_version {framework_version!r}; give an explicit image or a "
                "catalogue framework, not both"
            )
        if not isinstance(image_uri, str):
            problems.append(f"image_uri: {image_uri!r} is not allowed; give an ECR image URI")
        elif not _is_token(image_uri):
            ecr = _ECR_IMAGE.fullmatch(image_uri)
            if not ecr:
                problems.append(
                    f"image_uri: {image_uri!r} is not an ECR image URI; expected "
                    "'<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]'"
                )
            elif not _is_token(stack.region) and ecr["region"] != stack.region:
                problems.append(
                    f"image_uri: {image_uri!r} is in region {ecr['region']}, the stack in "
                    f"{stack.region}; SageMaker pulls model images from its own region's ECR "
                    f"only: replicate the image to {stack.region} (ECR replication) and give "
                    "that URI"
                )
            kind = accelerators.image_kind(image_uri)
            if spec is not None and kind is not None and kind is not spec.kind:
                problems.append(
                    f"image_uri: {image_uri!r} is a {kind.value} image and cannot run on "
                    f"{instance_type} ({spec.kind.value} devices); catalogue frameworks that fit: "
                    f"{', '.join(accelerators.frameworks_for(spec.kind))}"
                )
        image = image_uri
    elif spec is not None:
        image, chosen_framework, resolved_version = _resolve_catalogue_image(
            stack, spec, framework, framework_version, problems
        )
    ami = _check_inference_ami(inference_ami_version, spec, image, problems)

    # ---- capacity
    problems += _check_counts("min_instances", min_instances, minimum=0)
    problems += _check_counts("max_instances", max_instances, minimum=1)
    if _is_int(min_instances) and _is_int(max_instances) and min_instances > max_instances:
        problems.append(
            f"min_instances: {min_instances} is greater than max_instances {max_instances}; "
            "min_instances must be <= max_instances"
        )

    problems += _region_problems(stack.region, real_time=real_time, min_instances=min_instances)

    real_time_only = {
        "devices_per_copy": devices_per_copy,
        "memory_per_copy_mib": memory_per_copy_mib,
        "cpu_cores_per_copy": cpu_cores_per_copy,
        "min_copies": min_copies,
        "max_copies": max_copies,
        "target_concurrent_requests_per_copy": target_concurrent_requests_per_copy,
    }
    if not real_time:
        for prop, given_value in real_time_only.items():
            if given_value is not None:
                problems.append(
                    f"{prop}: {given_value!r} applies to inference components, which async "
                    "endpoints do not use; remove it or use EndpointMode.REAL_TIME"
                )
    else:
        for prop, async_value in (
            ("target_backlog_per_instance", target_backlog_per_instance),
            ("max_concurrent_invocations_per_instance", max_concurrent_invocations_per_instance),
        ):
            if async_value is not None:
                problems.append(
                    f"{prop}: {async_value!r} applies to async endpoints only; remove it or use "
                    "EndpointMode.ASYNC"
                )

    dpc = spec.devices if spec is not None else 1
    per_instance = 1
    memory = 0
    lo_copies, hi_copies = 0, 0
    if spec is not None and real_time:
        dpc, per_instance, memory, lo_copies, hi_copies = _check_copies(
            spec,
            env,
            devices_per_copy,
            memory_per_copy_mib,
            cpu_cores_per_copy,
            min_copies,
            max_copies,
            max_instances,
            problems,
        )
    serving_env: dict[str, str] = {}
    if serving_options is not None and spec is not None and image is not None:
        serving_env = serving.render(
            serving_options,
            framework=chosen_framework if image_uri is None else None,
            spec=spec,
            devices_per_copy=dpc,
            environment=env,
            problems=problems,
        )

    for name, timeout in (
        ("model_download_timeout", model_download_timeout),
        ("startup_health_check_timeout", startup_health_check_timeout),
    ):
        if timeout is None:
            continue
        low, high = STARTUP_TIMEOUT_RANGE_S
        seconds = timeout.to_seconds() if isinstance(timeout, cdk.Duration) else None
        if seconds is None or not (low <= seconds <= high):
            shown = timeout.to_human_string() if isinstance(timeout, cdk.Duration) else timeout
            problems.append(
                f"{name}: {shown!r} is not allowed; give a Duration from {low} seconds to "
                f"{high // 60} minutes"
            )

    for name, target in (
        ("target_concurrent_requests_per_copy", target_concurrent_requests_per_copy),
        ("target_backlog_per_instance", target_backlog_per_instance),
    ):
        if target is not None and not _is_token(target) and not (_is_number(target) and target > 0):
            problems.append(f"{name}: {target!r} is not allowed; give a number > 0")
    if (
        max_concurrent_invocations_per_instance is not None
        and not _is_token(max_concurrent_invocations_per_instance)
        and not (
            _is_int(max_concurrent_invocations_per_instance)
            and 1 <= max_concurrent_invocations_per_instance <= MAX_ASYNC_CONCURRENCY
        )
    ):
        problems.append(
            "max_concurrent_invocations_per_instance: "
            f"{max_concurrent_invocations_per_instance!r} is not allowed; give an integer from "
            f"1 to {MAX_ASYNC_CONCURRENCY}"
        )

    # ---- schedules
    bounds = (lo_copies, hi_copies) if real_time else (0, max_instances)
    problems += _check_schedules(schedules, bounds, "copies" if real_time else "instances")

    # ---- network, data, names
    if vpc is None:
        for prop, network_value in (
            ("vpc_subnets", vpc_subnets),
            ("security_groups", security_groups),
        ):
            if network_value is not None:
                problems.append(f"{prop}: given without vpc; pass vpc too, or remove it")
    elif security_groups is not None and not list(security_groups):
        problems.append("security_groups: [] is empty; give at least one group or None")
    if data_capture is not None:
        problems += _check_data_capture(data_capture)
    if output_retention is not None and (
        not isinstance(output_retention, cdk.Duration) or output_retention.to_days() < 1
    ):
        problems.append(
            f"output_retention: {output_retention!r} is not allowed; give a Duration of at "
            "least one day"
        )
    if log_retention == logs.RetentionDays.INFINITE:
        problems.append(
            "log_retention: RetentionDays.INFINITE keeps logs forever; choose a finite "
            "retention such as RetentionDays.ONE_YEAR"
        )
    if (
        endpoint_name is not None
        and not _is_token(endpoint_name)
        and not (isinstance(endpoint_name, str) and _NAME.fullmatch(endpoint_name))
    ):
        problems.append(
            f"endpoint_name: {endpoint_name!r} is not allowed; 1-{MAX_NAME_LENGTH} letters, "
            "digits and hyphens, starting and ending with a letter or digit"
        )

    if spec is None or image is None or problems:
        return None, problems
    isolation = (not from_hub) if network_isolation is None else network_isolation
    # The wake-up path is needed whenever the scaling floor can reach zero.
    floor = lo_copies if real_time else min_instances
    wakes = floor == 0 or any(s.min_capacity == 0 for s in schedules)
    return (
        _Plan(
            spec=spec,
            mode=mode,
            image_uri=image,
            framework=chosen_framework,
            framework_version=resolved_version,
            devices_per_copy=dpc,
            copies_per_instance=per_instance,
            memory_per_copy_mib=memory,
            min_copies=lo_copies,
            max_copies=hi_copies,
            network_isolation=isolation,
            volume_key_supported=not spec.local_nvme,
            wakes_from_zero=wakes,
            inference_ami_version=ami,
            serving_environment=serving_env,
        ),
        problems,
    )


def _region_problems(region: str, *, real_time: bool, min_instances: object) -> list[str]:
    """Inference components and scale to zero exist only in some regions (see
    ``genai_platform.regions.INFERENCE_COMPONENTS`` and ``SCALE_TO_ZERO``)."""
    if cdk.Token.is_unresolved(region) or not real_time:
        return []
    problem = regions.feature_problem(
        regions.INFERENCE_COMPONENTS,
        region,
        prop="mode",
        hint="EndpointMode.REAL_TIME hosts the model as an inference component; use "
        "EndpointMode.ASYNC there, or one of those regions",
    )
    if problem is None and min_instances == 0:
        problem = regions.feature_problem(
            regions.SCALE_TO_ZERO, region, prop="min_instances", hint="set min_instances >= 1"
        )
    return [problem] if problem else []


def _model_key_ok(key: str) -> bool:
    return (
        not key.startswith("/")
        and len(key) <= 1024
        and (key.endswith(".tar.gz") or (key.endswith("/") and len(key) > 1))
    )


def _selects_isolated(selection: ec2.SubnetSelection | None) -> bool:
    return selection is None or selection.subnet_type == ec2.SubnetType.PRIVATE_ISOLATED


def _describe_selection(selection: ec2.SubnetSelection | None) -> str:
    if selection is None:
        return "None (the isolated subnets)"
    return f"SubnetSelection(subnet_type={selection.subnet_type})"


def _resolve_catalogue_image(
    stack: cdk.Stack,
    spec: InstanceSpec,
    framework: str | None,
    framework_version: str | None,
    problems: list[str],
) -> tuple[str | None, str | None, str | None]:
    """Resolve a catalogue image, appending problems; (image, framework, version)."""
    fitting = ", ".join(accelerators.frameworks_for(spec.kind))
    name = framework if framework is not None else accelerators.DEFAULT_FRAMEWORK[spec.kind]
    if not isinstance(name, str):
        problems.append(f"framework: {name!r} is not allowed; give one of {fitting}")
        return None, None, None
    known = accelerators.known_frameworks()
    if name not in known:
        problems.append(
            f"framework: {name!r} is unknown to the SageMaker image catalogue (sagemaker-core "
            f"{accelerators.sdk_version()}); frameworks for {spec.instance_type}: {fitting}"
        )
        return None, None, None
    kind = accelerators.framework_kind(name)
    if kind is None:
        problems.append(
            f"framework: {name!r} is not a model-serving framework for accelerators; "
            f"frameworks for {spec.instance_type}: {fitting}"
        )
        return None, None, None
    if cdk.Token.is_unresolved(stack.region):
        problems.append(
            "image_uri: None while the stack's region is unresolved (an environment-agnostic "
            "stack); give the stack an explicit region so the image can be resolved offline, "
            "or pass image_uri"
        )
        return None, None, None
    if framework_version is not None and not isinstance(framework_version, str):
        problems.append(f"framework_version: {framework_version!r} is not allowed; give a string")
        return None, None, None
    version = framework_version or accelerators.newest_version(name)
    try:
        image = accelerators.resolve_image(name, version, stack.region, spec.instance_type)
    except accelerators.ImageResolutionError as error:
        known_versions = accelerators.known_versions(name)
        if version not in known_versions:
            problems.append(
                f"framework_version: {version!r} is not a version of {name} in the SageMaker "
                f"image catalogue (sagemaker-core {accelerators.sdk_version()}); known: "
                f"{', '.join(known_versions)}"
            )
        else:
            problems.append(
                f"framework: {name!r} {version} has no image for {spec.instance_type} in "
                f"{stack.region} ({error})"
            )
        return None, None, None
    if kind is not spec.kind:
        problems.append(
            f"framework: {name!r} resolves to the {kind.value} image {image} and cannot run "
            f"on {spec.instance_type} ({spec.kind.value} devices); frameworks that fit: "
            f"{fitting}"
        )
        return None, None, None
    return image, name, version


def _check_inference_ami(
    version: str | None, spec: InstanceSpec | None, image: str | None, problems: list[str]
) -> str | None:
    """The AMI version to set (given, or chosen from the image), appending problems."""
    if version is not None and _is_token(version):
        return version
    if version is not None:
        allowed = accelerators.inference_ami_versions()
        if not isinstance(version, str) or version not in allowed:
            problems.append(
                f"inference_ami_version: {version!r} is not an inference AMI version SageMaker "
                f"offers (botocore's list); give one of {', '.join(allowed)}"
            )
            return None
        if spec is None:
            return version
        reason = accelerators.inference_ami_problem(version, spec.kind, image)
        if reason is not None:
            fitting = _fitting_amis(spec, image)
            problems.append(
                f"inference_ami_version: {version!r} {reason}; it cannot host image {image} on "
                f"{spec.instance_type}; use {fitting or 'an image your AMI can run'}, or leave "
                "it unset to have it chosen from the image"
            )
        return version
    if spec is None or image is None or _is_token(image):
        return None
    try:
        return accelerators.choose_inference_ami(spec.kind, image)
    except ValueError as error:
        problems.append(
            f"image_uri: {error}; choose an image (or framework_version) built for an older "
            "CUDA version"
        )
        return None


def _fitting_amis(spec: InstanceSpec, image: str | None) -> str:
    """The AMI versions that can host ``image`` on ``spec``, comma-separated."""
    return ", ".join(
        v
        for v in accelerators.inference_ami_versions()
        if accelerators.inference_ami_problem(v, spec.kind, image) is None
        and v in accelerators.INFERENCE_AMIS
    )


def _check_counts(name: str, value: object, *, minimum: int) -> list[str]:
    if _is_token(value) or (isinstance(value, int) and _is_int(value) and value >= minimum):
        return []
    return [f"{name}: {value!r} is not allowed; give an integer >= {minimum}"]


def _check_copies(
    spec: InstanceSpec,
    env: Mapping[str, str],
    devices_per_copy: int | None,
    memory_per_copy_mib: int | None,
    cpu_cores_per_copy: float | None,
    min_copies: int | None,
    max_copies: int | None,
    max_instances: int,
    problems: list[str],
) -> tuple[int, int, int, int, int]:
    """Devices, copies per instance, memory per copy and copy bounds of an inference component."""
    dpc = spec.devices if devices_per_copy is None else devices_per_copy
    if not _is_int(dpc) or not 1 <= dpc <= spec.devices:
        problems.append(
            f"devices_per_copy: {devices_per_copy!r} is not allowed on {spec.instance_type}, "
            f"which has {spec.devices} accelerator device(s); give an integer from 1 to "
            f"{spec.devices}"
        )
        dpc = spec.devices
    per_instance = spec.devices // dpc

    tp = env.get(_TP_DEGREE)
    if isinstance(tp, str) and tp.isdigit():
        degree = int(tp)
        units = dpc * spec.cores_per_device if spec.kind is AcceleratorKind.NEURON else dpc
        unit_name = "NeuronCores" if spec.kind is AcceleratorKind.NEURON else "GPUs"
        if not 1 <= degree <= units:
            problems.append(
                f"environment: {_TP_DEGREE}={tp!r} needs {degree} {unit_name} but one copy has "
                f"{units} ({dpc} device(s) of {spec.instance_type}); raise devices_per_copy "
                f"or lower the degree to at most {units}"
            )

    default_memory = int(spec.memory_mib * dpc / spec.devices * DEFAULT_MEMORY_SHARE) // 1024 * 1024
    memory = default_memory if memory_per_copy_mib is None else memory_per_copy_mib
    if not _is_int(memory) or memory < 128 or memory * per_instance > spec.memory_mib:
        problems.append(
            f"memory_per_copy_mib: {memory_per_copy_mib!r} is not allowed; {per_instance} "
            f"copies share the {spec.memory_mib} MiB of {spec.instance_type}, so give an "
            f"integer from 128 to {spec.memory_mib // per_instance}"
        )
        memory = default_memory
    if cpu_cores_per_copy is not None and not (
        _is_number(cpu_cores_per_copy)
        and cpu_cores_per_copy >= MIN_CPU_CORES_PER_COPY
        and cpu_cores_per_copy * per_instance <= spec.vcpus
    ):
        problems.append(
            f"cpu_cores_per_copy: {cpu_cores_per_copy!r} is not allowed; {per_instance} copies "
            f"share the {spec.vcpus} vCPUs of {spec.instance_type}, so give a number from "
            f"{MIN_CPU_CORES_PER_COPY} (SageMaker's minimum) to {spec.vcpus / per_instance:g}"
        )

    capacity = max_instances * per_instance if _is_int(max_instances) and max_instances > 0 else 0
    lo = 0 if min_copies is None else min_copies
    hi = capacity if max_copies is None else max_copies
    if max_copies is None and _is_token(max_instances):
        problems.append(
            "max_copies: None while max_instances is resolved only at deploy time; give "
            "max_copies explicitly"
        )
        hi = 1
    if not _is_int(lo) or lo < 0:
        problems.append(f"min_copies: {min_copies!r} is not allowed; give an integer >= 0")
        lo = 0
    if not _is_int(hi) or hi < 1:
        problems.append(f"max_copies: {max_copies!r} is not allowed; give an integer >= 1")
        hi = max(capacity, 1)
    if lo > hi:
        problems.append(
            f"min_copies: {lo} is greater than max_copies {hi}; min_copies must be <= max_copies"
        )
    if capacity and hi > capacity:
        problems.append(
            f"max_copies: {hi} copies x {dpc} device(s) do not fit on max_instances "
            f"{max_instances} x {spec.instance_type} ({spec.devices} device(s) each, "
            f"{per_instance} copies per instance); give max_copies <= {capacity} or raise "
            "max_instances"
        )
    return dpc, per_instance, memory, lo, hi


def _check_schedules(
    schedules: Sequence[CapacitySchedule], bounds: tuple[int, int], unit: str
) -> list[str]:
    problems: list[str] = []
    if isinstance(schedules, (str, CapacitySchedule)):
        return [f"schedules: {schedules!r} is not a list; pass a list of CapacitySchedule"]
    names = [s.name for s in schedules if isinstance(s, CapacitySchedule)]
    for schedule in schedules:
        if not isinstance(schedule, CapacitySchedule):
            problems.append(f"schedules: {schedule!r} is not a CapacitySchedule")
            continue
        label = f"schedules[{schedule.name!r}]"
        if not isinstance(schedule.name, str) or not _SCHEDULE_NAME.fullmatch(schedule.name):
            problems.append(
                f"{label}: name {schedule.name!r} is not allowed (a letter, then letters or "
                "digits, at most 64)"
            )
        if names.count(schedule.name) > 1:
            problems.append(f"{label}: name {schedule.name!r} is used more than once")
        # fields, ranges, and exactly one of the day fields (schedule_checks names sources)
        problems += cron_problems(f"{label}: cron", schedule.cron)
        if schedule.time_zone is not None:
            problems += time_zone_problems(f"{label}: time_zone", schedule.time_zone.timezone_name)
        low, high = bounds
        for attr in ("min_capacity", "max_capacity"):
            value = getattr(schedule, attr)
            if value is not None and (not _is_int(value) or not low <= value <= high):
                problems.append(
                    f"{label}: {attr} {value!r} is outside the scaling bounds; give an integer "
                    f"from {low} to {high} {unit}"
                )
        if schedule.min_capacity is None and schedule.max_capacity is None:
            problems.append(f"{label}: sets neither min_capacity nor max_capacity; set one")
        if (
            _is_int(schedule.min_capacity)
            and _is_int(schedule.max_capacity)
            and schedule.min_capacity is not None
            and schedule.max_capacity is not None
            and schedule.min_capacity > schedule.max_capacity
        ):
            problems.append(
                f"{label}: min_capacity {schedule.min_capacity} is greater than max_capacity "
                f"{schedule.max_capacity}"
            )
    return problems


def _check_data_capture(capture: DataCapture) -> list[str]:
    problems: list[str] = []
    if not isinstance(capture, DataCapture):
        return [f"data_capture: {capture!r} is not a DataCapture"]
    if not _is_int(capture.sampling_percentage) or not 0 <= capture.sampling_percentage <= 100:
        problems.append(
            f"data_capture: sampling_percentage {capture.sampling_percentage!r} is not "
            "allowed; give an integer from 0 to 100"
        )
    if not (capture.capture_input or capture.capture_output):
        problems.append(
            "data_capture: capture_input and capture_output are both False; capture at least "
            "one, or pass data_capture=None"
        )
    return problems


if TYPE_CHECKING:  # both implement the interface (checked by mypy)
    _OWNED: type[IInferenceEndpoint] = InferenceEndpoint
    _IMPORTED: type[IInferenceEndpoint] = _ImportedEndpoint
