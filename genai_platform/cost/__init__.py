"""Cost as a design constraint: a dated price table and a synth-time estimator.

* :mod:`genai_platform.cost.prices`: the price table and its lookups
  (``model_token_price``, ``instance_hour_price``, ``service_price``);
* :mod:`genai_platform.cost.usage`: the usage profile (TOML) the "at usage" figures assume;
* :mod:`genai_platform.cost.estimate`: :func:`estimate_assembly`, which prices a synthesized
  assembly idle, at usage and "always on";
* :mod:`genai_platform.cost.refresh`: rebuilds the table from the AWS Price List Query API.

Imports no CDK code.
"""

from genai_platform.cost.estimate import CostEstimate, CostRow, estimate_assembly
from genai_platform.cost.prices import (
    PRICE_TABLE_DATE,
    PriceLookupError,
    PriceTable,
    TokenPrice,
    default_price_table,
    instance_hour_price,
    model_token_price,
    service_price,
)
from genai_platform.cost.usage import (
    ModelUsage,
    UsageProfile,
    UsageProfileError,
    load_usage_profile,
)

__all__ = [
    "PRICE_TABLE_DATE",
    "CostEstimate",
    "CostRow",
    "ModelUsage",
    "PriceLookupError",
    "PriceTable",
    "TokenPrice",
    "UsageProfile",
    "UsageProfileError",
    "default_price_table",
    "estimate_assembly",
    "instance_hour_price",
    "load_usage_profile",
    "model_token_price",
    "service_price",
]
