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


PUBLIC_MODULES = (
    "genai_platform.config",
    "genai_platform.cost",
    "genai_platform.compliance",
    "genai_platform.checks",
    "genai_platform.constructs.accelerators",
    "genai_platform.constructs.budget",
    "genai_platform.constructs.cost_guard",
    "genai_platform.constructs.guardrail",
    "genai_platform.constructs.inference_endpoint",
    "genai_platform.constructs.invocation_logging",
    "genai_platform.constructs.model_catalog",
    "genai_platform.constructs.monitoring",
    "genai_platform.constructs.private_network",
    "genai_platform.constructs.knowledge_base",
    "genai_platform.constructs.knowledge_base.metrics",
    "genai_platform.patterns.guarded_inference_api",
    "genai_platform.stacks",
    "genai_platform.stacks.governance",
    "genai_platform.reference_app",
    "genai_platform.client",
    "genai_platform.delivery.config",
    "genai_platform.delivery.smoke_test",
    "genai_platform.stacks.delivery",
    "genai_platform.constructs.github_roles",
    "genai_platform.retrieval_docs",
)


def test_every_public_type_is_exported_from_the_package_root() -> None:
    # GIVEN every class a public module lists in __all__ (props, results, constructs)
    import importlib
    import inspect

    missing = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            value = getattr(module, name)
            # THEN the package root exports the same object under the same name
            if inspect.isclass(value) and getattr(genai_platform, name, None) is not value:
                missing.append(f"{module_name}.{name}")
    assert missing == []
