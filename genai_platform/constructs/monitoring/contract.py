"""The metric contract the monitoring reads: the handlers' own constants, never retyped.

The gateway and feedback handlers name their metrics in ``lambda/shared/python/
platform_metrics.py`` (stdlib only, shipped in the gateway's shared layer). The handler
folders are not an importable package, so the library loads that module by file path, once.

The ingestion metrics are the one exception: they are written by the knowledge base's
ingestion function (``lambda/ingestion/``), which is not part of the package yet.
:data:`INGESTION_METRICS` below is the ONE place that names them; point it at the ingestion
module's constants when that module lands (tests/test_monitoring.py lists them as pending
until then).
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType

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


# ---------------------------------------------------------------- ingestion (pending module)
# TODO(merge): replace these four lines with imports of the ingestion module's constants.
INGESTION_JOBS_STARTED = "IngestionJobsStarted"
INGESTION_JOBS_FAILED = "IngestionJobsFailed"
INGESTION_DOCUMENTS_FAILED = "DocumentsFailed"
INGESTION_DIMENSIONS = ("KnowledgeBase",)
INGESTION_METRICS = (INGESTION_JOBS_STARTED, INGESTION_JOBS_FAILED, INGESTION_DOCUMENTS_FAILED)
