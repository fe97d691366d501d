"""Accelerated SageMaker instance types, their devices, and serving-container images.

What :class:`~genai_platform.constructs.inference_endpoint.InferenceEndpoint` needs to know
about hardware before anything is deployed:

* :data:`INSTANCE_TYPES`: the SageMaker hosting instance types this library serves models
  on, with their accelerator kind (AWS Neuron or NVIDIA CUDA), accelerator devices,
  NeuronCores per device, vCPUs, memory, and whether they carry local NVMe instance storage
  (SageMaker refuses a volume KMS key for those). The SageMaker SDK's own GPU table
  (``instance_gpu_info.json``) lacks ml.g5.xlarge and the whole ml.g6/ml.g6e families, so
  the numbers are kept here, from the EC2 instance-type specifications.
* :data:`NEURON_FRAMEWORKS` / :data:`CUDA_FRAMEWORKS`: the serving frameworks of the
  SageMaker image catalogue that fit each accelerator kind.
* :func:`resolve_image`: the ECR image URI of a framework version in a region, resolved
  offline from the image catalogue that ships with the ``sagemaker-core`` package
  (``sagemaker.core.image_uris.retrieve``). The package takes about two seconds to import,
  so it is imported on first use only, and answers are cached. It is an optional extra
  (``pip install 'genai-platform[sagemaker]'``, which ``make`` installs): without it an
  endpoint that needs the catalogue (no explicit ``image_uri``) fails with
  :class:`ImageCatalogueUnavailableError`, which names the extra.
* :func:`image_kind`: whether an explicit image URI is a Neuron or a CUDA image, when its
  name says so.
* :data:`INFERENCE_AMIS` / :func:`choose_inference_ami` / :func:`inference_ami_problem`: the
  host AMI versions SageMaker offers for inference (``ProductionVariant.InferenceAmiVersion``),
  what driver each carries, and which one an image needs. SageMaker's default host driver for a
  GPU instance is older than recent serving images: a CUDA 13 image (``...-cu130``) on the
  default AMI crashes before it logs, and the endpoint rolls back after its health-check
  timeout. The construct therefore sets the AMI version from the image's CUDA (or Neuron)
  requirement.

  Sources: the driver and CUDA version of each AMI version are those the SageMaker API
  reference lists for ``ProductionVariant.InferenceAmiVersion`` (the documentation string of
  that member in botocore's SageMaker service model, botocore 1.44.8): ``gpu-2`` and
  ``gpu-2-1`` NVIDIA 535 / CUDA 12.2, ``gpu-3-1`` NVIDIA 550 / CUDA 12.4, ``al2023 gpu-4-1``
  NVIDIA 580 / CUDA 13.0 (the ``-1`` versions with CUDA-compat mounting disabled in the NVIDIA
  Container Toolkit), ``neuron-2`` Neuron driver 2.19. The allowed names are read from the
  installed botocore's ``ProductionVariantInferenceAmiVersion`` enum. Not verified here (no
  deployment is possible): which instance families each AMI version admits (an older API
  reference lists ml.g4dn, g5, g6, p3, p4d, p4de and p5 for ``gpu-2``; nothing found for
  ml.g6e) and the minimum Neuron driver of each Neuron SDK release.
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "CUDA_FRAMEWORKS",
    "DEFAULT_FRAMEWORK",
    "INFERENCE_AMIS",
    "INSTANCE_TYPES",
    "NEURON_FRAMEWORKS",
    "AcceleratorKind",
    "ImageCatalogueUnavailableError",
    "ImageResolutionError",
    "InferenceAmi",
    "InstanceSpec",
    "choose_inference_ami",
    "frameworks_for",
    "image_cuda_version",
    "image_kind",
    "inference_ami_problem",
    "inference_ami_versions",
    "instance_families",
    "known_frameworks",
    "known_versions",
    "resolve_image",
    "sdk_version",
]


class AcceleratorKind(StrEnum):
    """The accelerator family of an instance or a serving image."""

    NEURON = "neuron"
    """AWS Inferentia2 / Trainium devices, programmed through the AWS Neuron SDK."""
    CUDA = "cuda"
    """NVIDIA GPUs, programmed through CUDA."""


@dataclass(frozen=True)
class InstanceSpec:
    """One SageMaker hosting instance type with accelerators."""

    instance_type: str
    kind: AcceleratorKind
    devices: int
    """Accelerator devices: Inferentia2/Trainium chips, or GPUs."""
    vcpus: int
    memory_mib: int
    """Host memory (not accelerator memory), in MiB."""
    local_nvme: bool
    """Carries local NVMe instance storage: SageMaker then refuses a volume ``KmsKeyId``
    (the instance store is encrypted by the instance's own hardware module)."""
    cores_per_device: int = 1
    """NeuronCores per Neuron device (2 on Inferentia2 and Trainium); 1 for a GPU."""

    @property
    def family(self) -> str:
        """``"ml.inf2"`` for ``"ml.inf2.xlarge"``."""
        return self.instance_type.rsplit(".", 1)[0]

    @property
    def neuron_cores(self) -> int:
        """NeuronCores on the instance (0 on a GPU instance)."""
        return self.devices * self.cores_per_device if self.kind is AcceleratorKind.NEURON else 0


def _specs() -> dict[str, InstanceSpec]:
    gib = 1024
    table: dict[str, InstanceSpec] = {}

    def add(
        family: str,
        kind: AcceleratorKind,
        nvme: bool,
        sizes: dict[str, tuple[int, int, int]],
        cores: int = 1,
    ) -> None:
        for size, (devices, vcpus, memory_gib) in sizes.items():
            name = f"{family}.{size}"
            table[name] = InstanceSpec(name, kind, devices, vcpus, memory_gib * gib, nvme, cores)

    neuron, cuda = AcceleratorKind.NEURON, AcceleratorKind.CUDA
    # Inferentia2: EBS-only storage, so a volume KMS key is accepted.
    add(
        "ml.inf2",
        neuron,
        False,
        {
            "xlarge": (1, 4, 16),
            "8xlarge": (1, 32, 128),
            "24xlarge": (6, 96, 384),
            "48xlarge": (12, 192, 768),
        },
        cores=2,
    )
    # Trainium: local NVMe instance storage.
    add("ml.trn1", neuron, True, {"2xlarge": (1, 8, 32), "32xlarge": (16, 128, 512)}, cores=2)
    add("ml.trn1n", neuron, True, {"32xlarge": (16, 128, 512)}, cores=2)
    # NVIDIA A10G / L4: every size has local NVMe storage.
    gpu_sizes = {
        "xlarge": (1, 4, 16),
        "2xlarge": (1, 8, 32),
        "4xlarge": (1, 16, 64),
        "8xlarge": (1, 32, 128),
        "12xlarge": (4, 48, 192),
        "16xlarge": (1, 64, 256),
        "24xlarge": (4, 96, 384),
        "48xlarge": (8, 192, 768),
    }
    add("ml.g5", cuda, True, gpu_sizes)
    add("ml.g6", cuda, True, gpu_sizes)
    # NVIDIA L40S: twice the host memory of g5/g6 at each size.
    add("ml.g6e", cuda, True, {k: (d, c, m * 2) for k, (d, c, m) in gpu_sizes.items()})
    # NVIDIA A100 / H100.
    add("ml.p4d", cuda, True, {"24xlarge": (8, 96, 1152)})
    add("ml.p4de", cuda, True, {"24xlarge": (8, 96, 1152)})
    add("ml.p5", cuda, True, {"48xlarge": (8, 192, 2048)})
    return table


#: Instance types an inference endpoint may use, by name.
INSTANCE_TYPES: Mapping[str, InstanceSpec] = MappingProxyType(_specs())

#: Serving frameworks of the SageMaker image catalogue built for AWS Neuron devices.
NEURON_FRAMEWORKS: tuple[str, ...] = ("djl-neuronx", "huggingface-llm-neuronx")
#: Serving frameworks of the SageMaker image catalogue built for NVIDIA GPUs.
CUDA_FRAMEWORKS: tuple[str, ...] = (
    "djl-lmi",
    "djl-tensorrtllm",
    "huggingface-llm",
    "huggingface-tei",
    "huggingface-vllm",
    "sglang",
    "vllm",
)
#: The framework used when none is given: DJL large-model inference for the kind.
DEFAULT_FRAMEWORK: Mapping[AcceleratorKind, str] = MappingProxyType(
    {AcceleratorKind.NEURON: "djl-neuronx", AcceleratorKind.CUDA: "djl-lmi"}
)

_FRAMEWORK_KIND = {
    **{f: AcceleratorKind.NEURON for f in NEURON_FRAMEWORKS},
    **{f: AcceleratorKind.CUDA for f in CUDA_FRAMEWORKS},
}
_CUDA_TAG = re.compile(r"(?:^|[-_:.])(?:cu\d{2,3}|gpu|tensorrt)", re.IGNORECASE)


def instance_families() -> list[str]:
    """The known instance families, such as ``ml.inf2``, sorted."""
    return sorted({spec.family for spec in INSTANCE_TYPES.values()})


def frameworks_for(kind: AcceleratorKind) -> tuple[str, ...]:
    """The serving frameworks that fit an accelerator kind."""
    return NEURON_FRAMEWORKS if kind is AcceleratorKind.NEURON else CUDA_FRAMEWORKS


def framework_kind(framework: str) -> AcceleratorKind | None:
    """The accelerator kind a catalogue framework is built for; None for other frameworks."""
    return _FRAMEWORK_KIND.get(framework)


def image_kind(image_uri: str) -> AcceleratorKind | None:
    """Neuron or CUDA, read from an image URI's repository and tag; None when it does not say.

    AWS Deep Learning Container names carry ``neuron``/``neuronx``/``inf2`` for Neuron images
    and ``cuNNN``/``gpu``/``tensorrt`` for CUDA images; a custom image usually says neither.
    """
    name = image_uri.rsplit("/", 1)[-1].lower()
    if "neuron" in name or re.search(r"(?:^|[-_:.])inf2(?:[-_.]|$)", name):
        return AcceleratorKind.NEURON
    if _CUDA_TAG.search(name):
        return AcceleratorKind.CUDA
    return None


# ---------------------------------------------------------------------- inference AMIs


@dataclass(frozen=True)
class InferenceAmi:
    """One SageMaker inference host AMI version (``ProductionVariant.InferenceAmiVersion``)."""

    version: str
    kind: AcceleratorKind
    driver: str
    """NVIDIA or Neuron driver version on the host."""
    cuda: tuple[int, int] | None = None
    """Newest CUDA version the NVIDIA driver runs (major, minor); None for Neuron."""
    cuda_compat_mounting: bool = True
    """Whether the NVIDIA Container Toolkit mounts the host's CUDA-compat libraries."""

    def describe(self) -> str:
        """``NVIDIA driver 550, CUDA 12.4`` or ``Neuron driver 2.19``."""
        if self.cuda is None:
            return f"Neuron driver {self.driver}"
        return f"NVIDIA driver {self.driver}, CUDA {self.cuda[0]}.{self.cuda[1]}"


def _amis() -> dict[str, InferenceAmi]:
    cuda, neuron = AcceleratorKind.CUDA, AcceleratorKind.NEURON
    table = (
        InferenceAmi("al2-ami-sagemaker-inference-gpu-2", cuda, "535", (12, 2)),
        InferenceAmi("al2-ami-sagemaker-inference-gpu-2-1", cuda, "535", (12, 2), False),
        InferenceAmi("al2-ami-sagemaker-inference-gpu-3-1", cuda, "550", (12, 4), False),
        InferenceAmi("al2023-ami-sagemaker-inference-gpu-4-1", cuda, "580", (13, 0), False),
        InferenceAmi("al2-ami-sagemaker-inference-neuron-2", neuron, "2.19"),
    )
    return {ami.version: ami for ami in table}


#: What each inference AMI version carries (see the module notes for the source).
INFERENCE_AMIS: Mapping[str, InferenceAmi] = MappingProxyType(_amis())

_CUDA_VERSION = re.compile(r"(?:^|[-_:.])cu(\d)(\d{1,2})(?=[-_.]|$)", re.IGNORECASE)


@functools.cache
def inference_ami_versions() -> tuple[str, ...]:
    """The ``InferenceAmiVersion`` values the installed botocore's SageMaker model allows."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    return tuple(model.shape_for("ProductionVariantInferenceAmiVersion").enum)


def image_cuda_version(image_uri: str) -> tuple[int, int] | None:
    """The CUDA version an image is built for, read from its tag (``cu124`` -> (12, 4),
    ``cu130`` -> (13, 0)); None when the name does not say."""
    name = image_uri.rsplit("/", 1)[-1]
    match = _CUDA_VERSION.search(name)
    if match is None:
        return None
    digits = match.group(1) + match.group(2)
    return int(digits[:-1]), int(digits[-1])


def _usable(kind: AcceleratorKind) -> list[InferenceAmi]:
    allowed = inference_ami_versions()
    return [ami for ami in INFERENCE_AMIS.values() if ami.kind is kind and ami.version in allowed]


def choose_inference_ami(kind: AcceleratorKind, image_uri: str) -> str | None:
    """The AMI version an image needs on ``kind`` instances; None when the image does not say.

    Neuron: the Neuron AMI. CUDA: of the AMI versions whose driver runs the image's CUDA
    version, the one with the oldest such driver (the smallest change from what the image was
    built and tested on), preferring the one without CUDA-compat mounting. Raises ValueError
    when no AMI version runs the image.
    """
    if kind is AcceleratorKind.NEURON:
        usable = _usable(kind)
        return usable[0].version if usable else None
    if _is_token(image_uri):
        return None
    needed = image_cuda_version(image_uri)
    if needed is None:
        return None
    fitting = [ami for ami in _usable(kind) if ami.cuda is not None and ami.cuda >= needed]
    if not fitting:
        newest = max(
            (ami for ami in _usable(kind) if ami.cuda is not None),
            key=lambda ami: ami.cuda or (0, 0),
        )
        raise ValueError(
            f"{image_uri} is built for CUDA {needed[0]}.{needed[1]}, newer than the driver of "
            f"every inference AMI version ({newest.version} has {newest.describe()})"
        )
    best = min(fitting, key=lambda ami: (ami.cuda, ami.cuda_compat_mounting))
    return best.version


def inference_ami_problem(version: str, kind: AcceleratorKind, image_uri: str | None) -> str | None:
    """Why AMI ``version`` cannot host ``image_uri`` on ``kind`` instances; None when it can
    (or when the table does not know the version)."""
    ami = INFERENCE_AMIS.get(version)
    if ami is None:
        return None
    if ami.kind is not kind:
        return f"is an AMI for {ami.kind.value} devices ({ami.describe()})"
    if image_uri is None or _is_token(image_uri):
        return None
    if (found := image_kind(image_uri)) is not None and found is not ami.kind:
        return f"is an AMI for {ami.kind.value} devices and {image_uri} is a {found.value} image"
    needed = image_cuda_version(image_uri)
    if ami.cuda is not None and needed is not None and needed > ami.cuda:
        return (
            f"carries {ami.describe()}, too old for {image_uri}, which is built for CUDA "
            f"{needed[0]}.{needed[1]}"
        )
    return None


def _is_token(value: str) -> bool:
    """Whether ``value`` is a CDK token (known only at deploy time)."""
    return "${Token[" in value


# ---------------------------------------------------------------------- image catalogue


class ImageResolutionError(ValueError):
    """The image catalogue has no image for a framework, version, region and instance type."""


#: The optional extra that installs the image catalogue, and the distribution it brings.
CATALOGUE_EXTRA = "sagemaker"
CATALOGUE_DISTRIBUTION = "sagemaker-core"


class ImageCatalogueUnavailableError(ImportError):
    """The SageMaker image catalogue (the ``sagemaker`` extra) is not installed."""

    def __init__(self, cause: str) -> None:
        super().__init__(
            "the SageMaker container-image catalogue is not installed ("
            f"{cause}): an InferenceEndpoint without image_uri resolves its serving image "
            f"from it; install the optional extra with pip install "
            f"'genai-platform[{CATALOGUE_EXTRA}]' (it brings {CATALOGUE_DISTRIBUTION}), "
            "or pass image_uri explicitly"
        )


def sdk_version() -> str:
    """The installed ``sagemaker-core`` version (whose image catalogue is used).

    Raises :class:`ImageCatalogueUnavailableError` when the ``sagemaker`` extra is missing.
    """
    try:
        return importlib.metadata.version(CATALOGUE_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError as error:
        raise ImageCatalogueUnavailableError(f"no {CATALOGUE_DISTRIBUTION} found") from error


def _image_uris() -> Any:
    """``sagemaker.core.image_uris``, imported on first use (the import takes ~2 s).

    Raises :class:`ImageCatalogueUnavailableError` when the ``sagemaker`` extra is missing.
    """
    try:
        from sagemaker.core import image_uris
    except ImportError as error:
        raise ImageCatalogueUnavailableError(str(error)) from error

    return image_uris


@functools.cache
def known_frameworks() -> tuple[str, ...]:
    """Every framework the installed image catalogue knows (imports ``sagemaker-core``)."""
    image_uris = _image_uris()

    return tuple(image_uris.list_frameworks())


@functools.cache
def known_versions(framework: str) -> tuple[str, ...]:
    """The versions (and aliases) of ``framework`` in the image catalogue, oldest first."""
    image_uris = _image_uris()

    return tuple(image_uris.list_versions(framework))


def newest_version(framework: str) -> str:
    """The newest full version of ``framework`` in the catalogue (aliases such as ``latest``
    or ``0.3`` are skipped)."""
    from packaging.version import InvalidVersion, Version

    best: tuple[Version, str] | None = None
    for text in known_versions(framework):
        try:
            parsed = Version(text)
        except InvalidVersion:
            continue
        if len(parsed.release) < 3:
            continue  # "0.3" is an alias of the newest 0.3.x
        if best is None or parsed > best[0]:
            best = (parsed, text)
    if best is None:
        raise ImageResolutionError(f"framework {framework!r} lists no full version")
    return best[1]


@functools.cache
def resolve_image(framework: str, version: str, region: str, instance_type: str) -> str:
    """The ECR image URI of ``framework`` ``version`` for ``instance_type`` in ``region``.

    Offline: read from the catalogue shipped with ``sagemaker-core``. Raises
    :class:`ImageResolutionError` (a ValueError) with the catalogue's explanation when it has
    no such image.
    """
    image_uris = _image_uris()

    # The catalogue admits only PyTorch on Trainium, yet the Neuron serving images are built
    # for Inferentia2 and Trainium alike: look them up as for an Inferentia2 instance.
    lookup_type = "ml.inf2.xlarge" if instance_type.startswith("ml.trn") else instance_type
    try:
        uri: str = image_uris.retrieve(
            framework=framework,
            region=region,
            version=version,
            instance_type=lookup_type,
            image_scope="inference",
        )
    except ValueError as error:
        raise ImageResolutionError(str(error)) from error
    return uri
