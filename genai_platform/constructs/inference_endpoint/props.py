"""Props, constants and the validated plan of :class:`InferenceEndpoint`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import aws_cdk as cdk

from genai_platform.constructs.accelerators import InstanceSpec

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
