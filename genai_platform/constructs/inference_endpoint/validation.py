"""Validation of :class:`InferenceEndpoint`'s props: every problem collected, each naming the prop,
the value and what is allowed, before anything is built."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager

from genai_platform import regions
from genai_platform.constructs import accelerators, serving
from genai_platform.constructs.accelerators import AcceleratorKind, InstanceSpec
from genai_platform.constructs.inference_endpoint.props import (
    _ECR_IMAGE,
    _ENV_KEY,
    _HF_MODEL_ID,
    _NAME,
    _RESERVED_ENV,
    _S3_URI,
    _SCHEDULE_NAME,
    _TP_DEGREE,
    DEFAULT_MEMORY_SHARE,
    MAX_ASYNC_CONCURRENCY,
    MAX_NAME_LENGTH,
    MIN_CPU_CORES_PER_COPY,
    STARTUP_TIMEOUT_RANGE_S,
    CapacitySchedule,
    DataCapture,
    EndpointMode,
    _Plan,
)
from genai_platform.constructs.schedule_checks import cron_problems, time_zone_problems
from genai_platform.constructs.serving import ServingOptions


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
