"""The SageMaker image catalogue is an optional extra: runtime installs work without it."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import aws_cdk as cdk
import pytest

from genai_platform.constructs import accelerators
from genai_platform.constructs.inference_endpoint import InferenceEndpoint
from tests.conftest import TEST_ENV

ROOT = Path(__file__).resolve().parent.parent
MODEL_DATA = "s3://genai-models-222222222222/m/model.tar.gz"


@pytest.fixture
def without_sagemaker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulate an install without the ``sagemaker`` extra: importing it fails, nothing cached."""
    for module in [m for m in sys.modules if m == "sagemaker" or m.startswith("sagemaker.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "sagemaker", None)
    monkeypatch.setitem(sys.modules, "sagemaker.core", None)

    def no_distribution(name: str) -> str:
        raise accelerators.importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(accelerators.importlib.metadata, "version", no_distribution)
    for cached in (accelerators.known_frameworks, accelerators.known_versions):
        cached.cache_clear()
    accelerators.resolve_image.cache_clear()
    yield
    for cached in (accelerators.known_frameworks, accelerators.known_versions):
        cached.cache_clear()
    accelerators.resolve_image.cache_clear()


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Test", env=TEST_ENV)


@pytest.mark.usefixtures("without_sagemaker")
def test_fails_naming_the_extra_when_an_endpoint_needs_the_catalogue() -> None:
    # GIVEN no sagemaker-core WHEN an endpoint needs its image from the catalogue
    with pytest.raises(accelerators.ImageCatalogueUnavailableError) as raised:
        InferenceEndpoint(
            _stack(), "Endpoint", instance_type="ml.inf2.xlarge", model_data_uri=MODEL_DATA
        )
    # THEN the error names the extra to install and the alternative, not a bare module name
    message = str(raised.value)
    assert "pip install 'genai-platform[sagemaker]'" in message
    assert "sagemaker-core" in message and "image_uri" in message
    assert isinstance(raised.value, ImportError)


@pytest.mark.usefixtures("without_sagemaker")
def test_an_explicit_image_needs_no_catalogue() -> None:
    # GIVEN no sagemaker-core WHEN an endpoint is given its image
    image = "763104351884.dkr.ecr.us-east-1.amazonaws.com/custom-neuronx:1.0"
    endpoint = InferenceEndpoint(
        _stack(),
        "Endpoint",
        instance_type="ml.inf2.xlarge",
        model_data_uri=MODEL_DATA,
        image_uri=image,
    )
    # THEN it builds with that image
    assert endpoint.image_uri == image


def test_sagemaker_core_is_an_extra_that_make_installs() -> None:
    # GIVEN the project metadata and the Makefile
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    makefile = (ROOT / "Makefile").read_text("utf-8")
    # THEN sagemaker-core is not a runtime requirement, only the `sagemaker` extra's
    assert not any(d.startswith("sagemaker") for d in project["dependencies"])
    assert any(
        d.startswith("sagemaker-core") for d in project["optional-dependencies"]["sagemaker"]
    )
    assert "-e '.[dev,sagemaker]'" in makefile
