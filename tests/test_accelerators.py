"""Instance table, image kinds and offline image resolution (sagemaker-core catalogue)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from genai_platform.constructs import accelerators
from genai_platform.constructs.accelerators import AcceleratorKind


@pytest.mark.parametrize(
    ("instance_type", "devices"),
    [
        ("ml.inf2.xlarge", 1),
        ("ml.inf2.8xlarge", 1),
        ("ml.inf2.24xlarge", 6),
        ("ml.inf2.48xlarge", 12),
    ],
)
def test_inferentia2_devices_have_two_neuron_cores_each(instance_type: str, devices: int) -> None:
    # GIVEN an Inferentia2 size WHEN looked up THEN its chips, 2 NeuronCores each, EBS only
    spec = accelerators.INSTANCE_TYPES[instance_type]
    assert (spec.kind, spec.devices, spec.cores_per_device) == (AcceleratorKind.NEURON, devices, 2)
    assert spec.neuron_cores == 2 * devices
    assert not spec.local_nvme


@pytest.mark.parametrize(
    ("instance_type", "gpus"),
    [
        ("ml.g5.xlarge", 1),
        ("ml.g5.12xlarge", 4),
        ("ml.g6.48xlarge", 8),
        ("ml.g6e.24xlarge", 4),
        ("ml.p4d.24xlarge", 8),
        ("ml.p5.48xlarge", 8),
    ],
)
def test_gpu_instances_have_local_storage_and_their_gpus(instance_type: str, gpus: int) -> None:
    # GIVEN a GPU size WHEN looked up THEN its GPU count and local NVMe (no volume key)
    spec = accelerators.INSTANCE_TYPES[instance_type]
    assert (spec.kind, spec.devices, spec.local_nvme) == (AcceleratorKind.CUDA, gpus, True)
    assert spec.neuron_cores == 0


def test_trainium_is_neuron_with_instance_storage() -> None:
    spec = accelerators.INSTANCE_TYPES["ml.trn1.32xlarge"]
    assert (spec.kind, spec.devices, spec.local_nvme) == (AcceleratorKind.NEURON, 16, True)


def test_families_are_listed_sorted() -> None:
    families = accelerators.instance_families()
    assert families == sorted(families)
    assert {"ml.inf2", "ml.trn1", "ml.g5", "ml.g6", "ml.g6e", "ml.p4d", "ml.p5"} <= set(families)


@pytest.mark.parametrize(
    ("uri", "kind"),
    [
        (
            "763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.29.0-neuronx-sdk2.19.1",
            AcceleratorKind.NEURON,
        ),
        (
            "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:"
            "2.7.0-optimum3.3.6-inf2-py310-ubuntu22.04",
            AcceleratorKind.NEURON,
        ),
        (
            "763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.38.0-lmi29.0.0-cu130",
            AcceleratorKind.CUDA,
        ),
        (
            "763104351884.dkr.ecr.us-east-1.amazonaws.com/vllm:0.30.0-gpu-py312",
            AcceleratorKind.CUDA,
        ),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/my-server:1.4", None),
    ],
)
def test_image_kind_is_read_from_the_image_name(uri: str, kind: AcceleratorKind | None) -> None:
    assert accelerators.image_kind(uri) is kind


def test_every_listed_framework_is_in_the_catalogue() -> None:
    # GIVEN the frameworks this library offers WHEN checked THEN the SDK knows each of them
    known = set(accelerators.known_frameworks())
    assert set(accelerators.NEURON_FRAMEWORKS + accelerators.CUDA_FRAMEWORKS) <= known


def test_newest_version_skips_aliases() -> None:
    # GIVEN versions with aliases ("latest", "0.3") WHEN the newest is asked THEN a full version
    newest = accelerators.newest_version("djl-neuronx")
    assert newest != "latest" and newest.count(".") == 2
    assert newest in accelerators.known_versions("djl-neuronx")


def test_resolution_is_cached() -> None:
    # GIVEN one lookup WHEN repeated THEN answered from the cache
    accelerators.resolve_image("djl-lmi", "0.38.0", "eu-west-1", "ml.g5.xlarge")
    hits = accelerators.resolve_image.cache_info().hits
    accelerators.resolve_image("djl-lmi", "0.38.0", "eu-west-1", "ml.g5.xlarge")
    assert accelerators.resolve_image.cache_info().hits == hits + 1


def test_catalogue_errors_become_image_resolution_errors() -> None:
    with pytest.raises(accelerators.ImageResolutionError, match=r"9\.9\.9"):
        accelerators.resolve_image("djl-lmi", "9.9.9", "us-east-1", "ml.g5.xlarge")


def test_importing_the_constructs_does_not_import_the_sdk() -> None:
    # GIVEN a fresh interpreter WHEN the endpoint module is imported THEN sagemaker is not
    code = (
        "import sys, genai_platform.constructs.inference_endpoint; "
        "print('sagemaker.core' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False"
