"""The package's public API resolves, and importing it starts no CDK runtime."""

from __future__ import annotations

import subprocess
import sys

import genai_platform


def test_every_export_resolves() -> None:
    for name in genai_platform.__all__:
        assert getattr(genai_platform, name) is not None, name


def test_import_and_config_validation_do_not_load_the_cdk() -> None:
    # GIVEN a fresh interpreter WHEN the package is imported and the default config loaded
    code = (
        "import sys, genai_platform; genai_platform.load_config(); "
        "print('aws_cdk' in sys.modules, 'jsii' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # THEN neither aws_cdk nor jsii was imported
    assert out.stdout.split() == ["False", "False"]
