"""How :class:`InferenceEndpoint` builds its resources: keys and logs, the output bucket and
topics, the execution role's permissions, the endpoint configuration, the inference component
and scaling (a mixin of the construct)."""

from __future__ import annotations

import re
from collections.abc import Sequence

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
from aws_cdk import aws_sns as sns

from genai_platform.constructs.buckets import (
    access_log_bucket,
    acknowledge_no_replication,
    log_accesses,
)
from genai_platform.constructs.inference_endpoint.metrics import _EndpointMetrics
from genai_platform.constructs.inference_endpoint.model_source import (
    _ModelSource,
)
from genai_platform.constructs.inference_endpoint.props import (
    _ACCESS_LOG_PREFIX,
    _ASYNC_FAILURE_PREFIX,
    _ASYNC_OUTPUT_PREFIX,
    _CAPTURE_PREFIX,
    _COMPONENT_LOG_GROUP_PREFIX,
    _LOG_GROUP_PREFIX,
    DEFAULT_STARTUP_TIMEOUT,
    IMPORTED_KEY_WARNING_ID,
    MAX_NAME_LENGTH,
    VARIANT_NAME,
    CapacitySchedule,
    DataCapture,
    EndpointMode,
)
from genai_platform.constructs.inference_endpoint.support import (
    _acknowledge_execution_policy,
    _acknowledge_no_volume_key,
    _expiry,
    _repository_arn,
    _seconds,
)
from genai_platform.constructs.keys import logs_may_use_key
from genai_platform.constructs.network_access import vpc_access_statements


class _EndpointBuilder(_EndpointMetrics):
    """The building steps of an owned endpoint (the base of :class:`InferenceEndpoint`, whose
    ``__init__`` calls them in order and sets these attributes)."""

    _stack: cdk.Stack
    _encryption_key: kms.IKey
    _log_group: logs.LogGroup
    _component_log_group: logs.LogGroup | None
    _output_bucket: s3.Bucket | None
    _success_topic: sns.Topic | None
    _error_topic: sns.Topic | None
    _execution_role: iam.Role
    _policy: iam.ManagedPolicy
    _model: sagemaker.CfnModel
    _endpoint: sagemaker.CfnEndpoint
    _inference_component: sagemaker.CfnInferenceComponent | None

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
            policy.add_statements(
                *vpc_access_statements(stack, vpc, manage_sid="ManageNetworkInterfacesInTheVpc")
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
