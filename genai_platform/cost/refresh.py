"""Rebuild the price table's SageMaker instance prices from the AWS Price List Query API.

``genai-platform cost --refresh-prices`` (with AWS credentials) calls ``pricing:GetProducts``
(service code ``AmazonSageMaker``, one paginated query per region of the table, filtered on
``regionCode``) and takes the on-demand USD price of each real-time hosting usage type
(``...Host:<instance type>``) the table knows. Everything else keeps the shipped figure; the
refreshed table is dated today and names the API as its source. The Price List Query API is
served from us-east-1 (and ap-south-1, eu-central-1); see
https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-price-list-query-api.html
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from genai_platform.cost.prices import SOURCES, UNCONFIRMED, PriceTable, default_price_table

__all__ = ["PRICE_LIST_REGION", "refresh_price_table"]

#: Region whose Price List Query API endpoint the refresh calls.
PRICE_LIST_REGION = "us-east-1"


def _on_demand_usd(product: dict[str, Any]) -> float | None:
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        for dimension in term.get("priceDimensions", {}).values():
            usd = dimension.get("pricePerUnit", {}).get("USD")
            if usd is not None and float(usd) > 0:
                return float(usd)
    return None


def refresh_price_table(
    client: Any, *, base: PriceTable | None = None, today: datetime.date | None = None
) -> tuple[PriceTable, list[str]]:
    """A table with the instance prices ``client`` (a boto3 ``pricing`` client) returns.

    Returns the table and one line per figure changed. Figures the API does not return keep
    their shipped value.
    """
    table = base or default_price_table()
    instances = {region: dict(prices) for region, prices in table.instances.items()}
    changes: list[str] = []
    for region in table.regions:
        known = instances.setdefault(region, {})
        token: str | None = None
        while True:
            request: dict[str, Any] = {
                "ServiceCode": "AmazonSageMaker",
                "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
                "FormatVersion": "aws_v1",
                "MaxResults": 100,
            }
            if token:
                request["NextToken"] = token
            response = client.get_products(**request)
            for item in response.get("PriceList", []):
                product = json.loads(item) if isinstance(item, str) else item
                usage_type = str(product.get("product", {}).get("attributes", {}).get("usagetype"))
                _, _, instance_type = usage_type.rpartition("Host:")
                if not usage_type.count("Host:") or instance_type not in known:
                    continue
                usd = _on_demand_usd(product)
                if usd is not None and usd != known[instance_type]:
                    changes.append(f"{region} {instance_type}: {known[instance_type]:g} -> {usd:g}")
                    known[instance_type] = usd
            token = response.get("NextToken")
            if not token:
                break
    date = (today or datetime.date.today()).isoformat()
    refreshed = PriceTable(
        date=date,
        models=table.models,
        instances=instances,
        services=table.services,
        sources={**SOURCES, "sagemaker": SOURCES["price_list_api"]},
        unconfirmed=tuple(u for u in UNCONFIRMED if not u.startswith("SageMaker instance")),
    )
    return refreshed, changes
