"""The estimate's entry point: :func:`estimate_assembly` prices a synthesized assembly and
states the assumptions behind its figures."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from genai_platform.cost.estimate.assembly import _stacks
from genai_platform.cost.estimate.pricer import _Pricer
from genai_platform.cost.estimate.result import CostEstimate
from genai_platform.cost.prices import HOURS_PER_MONTH, PriceTable, default_price_table
from genai_platform.cost.usage import UsageProfile, UsageProfileError

__all__ = ["estimate_assembly"]


def estimate_assembly(
    assembly_dir: str | Path,
    *,
    usage: UsageProfile | None = None,
    prices: PriceTable | None = None,
    model_aliases: Mapping[str, str] | None = None,
    self_hosted_aliases: Mapping[str, str] | None = None,
) -> CostEstimate:
    """Price every resource of a synthesized assembly (see the module docstring).

    :param assembly_dir: The cloud assembly directory (``cdk.out``).
    :param usage: The month of traffic to price "at usage". Default: none, so the usage
        figures equal the idle ones.
    :param prices: The price table. Default: the table shipped in the package.
    :param model_aliases: Model alias to model id (the config's ``[models.aliases]``), used for
        usage entries without ``model_id``. Default: none, every usage entry names its model.
    :param self_hosted_aliases: Alias to endpoint name of self-hosted models (priced as
        instance-hours, not tokens). Default: none.
    :raises ValueError: an assembly that cannot be read, a region or instance type the table
        does not know, or usage entries naming unknown models or endpoints (all listed).
    """
    table = prices or default_price_table()
    pricer = _Pricer(
        _stacks(Path(assembly_dir)),
        table,
        usage,
        dict(model_aliases or {}),
        dict(self_hosted_aliases or {}),
    )
    pricer.run()
    if pricer.problems:
        raise UsageProfileError(sorted(pricer.problems))
    assumptions = [
        f"prices: the package's table dated {table.date} (on-demand list prices, USD); "
        f"months of {HOURS_PER_MONTH:g} hours",
        "free tiers: 10 alarms, 3 dashboards and 2 budgets per account; the Lambda, "
        "DynamoDB and S3 free tiers are not deducted",
        "stacks without an explicit region are priced in us-east-1",
        "scale-to-zero endpoints: one instance per warm copy while a schedule keeps copies "
        "warm; 0 otherwise at idle",
        "always on: every SageMaker endpoint at its minimum or one instance all month, and a "
        "NAT gateway in each zone of each VPC",
        "not modelled: data transfer, interface endpoint and NAT data processing, KMS and "
        "Secrets Manager requests, guardrail text units, custom metrics, X-Ray traces",
    ]
    if usage is not None:
        assumptions.append(
            f"usage: {usage.requests_per_month:g} API requests a month, "
            f"{usage.lambda_average_duration_ms:g} ms per Lambda invocation, "
            f"{usage.gb_logged_per_month:g} GB logged and {usage.gb_stored:g} GB stored"
        )
    return CostEstimate(
        tuple(pricer.rows),
        tuple(assumptions),
        table.date,
        tuple(table.unconfirmed),
        usage is not None,
    )
