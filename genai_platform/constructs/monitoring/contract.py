"""The metric contract the monitoring reads: the handlers' own constants, never retyped.

The gateway and feedback handlers name their metrics in ``lambda/shared/python/
platform_metrics.py`` (stdlib only, shipped in the gateway's shared layer). The handler
folders are not an importable package, so the library loads that module by file path, once.

The ingestion metrics are written by the knowledge base's ingestion function
(``lambda/ingestion/ks_metrics.py``) and named for the library in
:mod:`genai_platform.constructs.knowledge_base.metrics` (a test keeps the two equal); the
ones the dashboard and alarms read are re-exported here.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType

from genai_platform.constructs.knowledge_base.metrics import DIMENSION as KNOWLEDGE_BASE_DIMENSION
from genai_platform.constructs.knowledge_base.metrics import (
    INGESTION_DOCUMENTS_FAILED,
    INGESTION_JOBS_FAILED,
    INGESTION_JOBS_STARTED,
)

__all__ = [
    "INGESTION_DIMENSIONS",
    "INGESTION_DOCUMENTS_FAILED",
    "INGESTION_JOBS_FAILED",
    "INGESTION_JOBS_STARTED",
    "INGESTION_METRICS",
    "platform_metrics",
]

#: The shared module's file inside the package.
PLATFORM_METRICS_FILE = (
    Path(__file__).resolve().parents[2] / "lambda" / "shared" / "python" / "platform_metrics.py"
)


@cache
def platform_metrics() -> ModuleType:
    """The handlers' ``platform_metrics`` module, loaded by file path (stdlib only)."""
    spec = importlib.util.spec_from_file_location(
        "genai_platform._platform_metrics", PLATFORM_METRICS_FILE
    )
    if spec is None or spec.loader is None:  # pragma: no cover - the file ships in the wheel
        raise ImportError(f"cannot load {PLATFORM_METRICS_FILE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------ ingestion
# The knowledge base's library-side names (a test keeps them equal to lambda/ingestion/ks_metrics).
INGESTION_DIMENSIONS = (KNOWLEDGE_BASE_DIMENSION,)
INGESTION_METRICS = (INGESTION_JOBS_STARTED, INGESTION_JOBS_FAILED, INGESTION_DOCUMENTS_FAILED)
