"""The :class:`InferenceEndpoint` construct: props, attributes, imports and grants (building
and metrics come from :mod:`.building` and :mod:`.metrics`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from constructs import Construct

from genai_platform.constructs import rollout as safe_rollout
from genai_platform.constructs.accelerators import InstanceSpec
from genai_platform.constructs.grants import managed_policy_grantee
from genai_platform.constructs.inference_endpoint.building import (
    _EndpointBuilder,
)
from genai_platform.constructs.inference_endpoint.imported import (
    _ImportedEndpoint,
    _validate_import,
)
from genai_platform.constructs.inference_endpoint.model_source import (
    _ModelSource,
)
from genai_platform.constructs.inference_endpoint.props import (
    _ASYNC_FAILURE_PREFIX,
    _ASYNC_OUTPUT_PREFIX,
    _COMPONENT_LOG_GROUP_PREFIX,
    _LOG_GROUP_PREFIX,
    DEFAULT_STARTUP_TIMEOUT,
    CapacitySchedule,
    DataCapture,
    EndpointMode,
)
from genai_platform.constructs.inference_endpoint.support import (
    _component_name,
)
from genai_platform.constructs.inference_endpoint.validation import (
    _plan,
)
from genai_platform.constructs.interfaces import IInferenceEndpoint
from genai_platform.constructs.rollout import RolloutOptions
from genai_platform.constructs.serving import ServingOptions


class InferenceEndpoint(_EndpointBuilder):
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


if TYPE_CHECKING:  # both implement the interface (checked by mypy)
    _OWNED: type[IInferenceEndpoint] = InferenceEndpoint
    _IMPORTED: type[IInferenceEndpoint] = _ImportedEndpoint
