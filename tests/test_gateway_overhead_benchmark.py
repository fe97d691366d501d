"""The gateway overhead benchmark keeps working: a tiny run (no timing assertions)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "gateway_overhead.py"


def _load() -> Any:
    spec = importlib.util.spec_from_file_location("gateway_overhead", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gateway_overhead"] = module
    spec.loader.exec_module(module)
    return module


def test_benchmark_runs_a_tiny_case_and_reports_every_figure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the benchmark script WHEN it runs 3 requests per case and 1 import each
    results = _load().main(["--requests", "3", "--store-latency-ms", "0,4", "--imports", "1"])

    # THEN every handler call was served, with one store call per request when refunds are
    # piggybacked and two when they are applied at once, and every figure was printed
    cases = {(case["latency_ms"], case["defer_refunds"]): case for case in results["cases"]}
    assert set(cases) == {(0.0, True), (4.0, True), (4.0, False)}
    assert all(case["statuses"] == [200, 200, 200] for case in cases.values())
    assert cases[(4.0, True)]["store_calls_per_request"] == 1
    assert cases[(4.0, False)]["store_calls_per_request"] == 2
    assert set(results["imports"]) == {"invoke_app", "feedback_app"}
    printed = capsys.readouterr().out
    for text in ("added p50", "target 4 ms", "Cold import", "invoke_app", "feedback_app"):
        assert text in printed
