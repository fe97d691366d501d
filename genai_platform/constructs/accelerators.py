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
  so it is imported on first use only, and answers are cached.
* :func:`image_kind`: whether an explicit image URI is a Neuron or a CUDA image, when its
  name says so.
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
    "INSTANCE_TYPES",
    "NEURON_FRAMEWORKS",
    "AcceleratorKind",
    "ImageResolutionError",
    "InstanceSpec",
    "frameworks_for",
    "image_kind",
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


# ---------------------------------------------------------------------- image catalogue


class ImageResolutionError(ValueError):
    """The image catalogue has no image for a framework, version, region and instance type."""


def sdk_version() -> str:
    """The installed ``sagemaker-core`` version (whose image catalogue is used)."""
    return importlib.metadata.version("sagemaker-core")


def _image_uris() -> Any:
    """``sagemaker.core.image_uris``, imported on first use (the import takes ~2 s)."""
    from sagemaker.core import image_uris

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
