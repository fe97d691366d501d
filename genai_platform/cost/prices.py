"""The dated price table the cost estimator (and, later, the gateway's cost metric) reads.

One source of prices for the whole platform: on-demand list prices in USD for the regions in
:data:`REGIONS`, for the Bedrock models of the catalogue's table
(:data:`genai_platform.constructs.model_catalog.KNOWN_MODELS`), the SageMaker instance types the
inference endpoint accepts (:mod:`genai_platform.constructs.accelerators`) and the services the
platform's stacks create. The lookup API is small and stable::

    model_token_price("us-east-1", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    # TokenPrice(input_usd_per_million=3.3, output_usd_per_million=16.5)
    instance_hour_price("eu-central-1", "ml.inf2.xlarge")   # USD per instance-hour
    service_price("us-east-1", "interface_endpoint_hour")   # USD per endpoint per zone-hour

An unknown region, model, instance type or service raises :class:`PriceLookupError` (a
``ValueError``) naming the value and what the table knows.

Sources (public price pages, read for :data:`PRICE_TABLE_DATE`), see :data:`SOURCES`. What could
not be confirmed on those pages is listed in :data:`UNCONFIRMED` and printed by the estimator:

* Amazon Bedrock, https://aws.amazon.com/bedrock/pricing/ : cross-region inference is charged
  at the source region's price of the model. Claude 4.5 models cost 10 % more through a
  regional (geography) profile or in-region than through the ``global.`` profile (third-party
  summary of the Bedrock page; not confirmed on the page itself).
* AWS PrivateLink, https://aws.amazon.com/privatelink/pricing/ : interface endpoints are billed
  per endpoint per availability zone-hour, data processed 0.01 USD/GB for the first PB.
* AWS Budgets, "Managing your costs with AWS Budgets" in the AWS Billing user guide: the first
  two budgets are free, each further budget 0.02 USD per day.
* Amazon SageMaker AI, https://aws.amazon.com/sagemaker/ai/pricing/ (real-time inference), Amazon
  VPC (NAT gateway), AWS KMS, AWS Secrets Manager, AWS WAF, Amazon CloudWatch, AWS Lambda,
  Amazon API Gateway, Amazon DynamoDB, Amazon S3 and AWS AppConfig pricing pages (see
  :data:`SOURCES`).

Months are :data:`HOURS_PER_MONTH` (730) hours, as AWS's pricing calculator counts them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = [
    "HOURS_PER_MONTH",
    "PRICE_TABLE_DATE",
    "REGIONS",
    "SERVICE_PRICE_KEYS",
    "SOURCES",
    "UNCONFIRMED",
    "PriceLookupError",
    "PriceTable",
    "TokenPrice",
    "default_price_table",
    "instance_hour_price",
    "model_token_price",
    "service_price",
]

#: The day the figures below were read from the price pages (ISO date).
PRICE_TABLE_DATE = "2026-12-03"

#: Hours in a billing month, as AWS's pricing calculator counts them.
HOURS_PER_MONTH = 730.0

#: Regions the table prices.
REGIONS: tuple[str, ...] = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")

#: The public price page of each part of the table.
SOURCES: Mapping[str, str] = MappingProxyType(
    {
        "bedrock": "https://aws.amazon.com/bedrock/pricing/",
        "sagemaker": "https://aws.amazon.com/sagemaker/ai/pricing/",
        "privatelink": "https://aws.amazon.com/privatelink/pricing/",
        "nat_gateway": "https://aws.amazon.com/vpc/pricing/",
        "kms": "https://aws.amazon.com/kms/pricing/",
        "secretsmanager": "https://aws.amazon.com/secrets-manager/pricing/",
        "waf": "https://aws.amazon.com/waf/pricing/",
        "cloudwatch": "https://aws.amazon.com/cloudwatch/pricing/",
        "budgets": "https://aws.amazon.com/aws-cost-management/aws-budgets/pricing/",
        "lambda": "https://aws.amazon.com/lambda/pricing/",
        "apigateway": "https://aws.amazon.com/api-gateway/pricing/",
        "dynamodb": "https://aws.amazon.com/dynamodb/pricing/on-demand/",
        "s3": "https://aws.amazon.com/s3/pricing/",
        "appconfig": "https://aws.amazon.com/systems-manager/pricing/",
        "price_list_api": "https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-price-list-query-api.html",
    }
)

#: Figures not confirmed on the public page when the table was dated: taken from third-party
#: summaries of those pages, or derived (other regions' instance prices scale us-east-1's by
#: a regional factor). ``genai-platform cost --refresh-prices`` replaces the instance and
#: service figures with the Price List API's.
UNCONFIRMED: tuple[str, ...] = (
    "SageMaker instance-hour prices: us-east-1 figures from third-party summaries of the "
    "SageMaker AI pricing page; other regions are us-east-1 times a regional factor "
    "(us-west-2 1.0, eu-west-1 1.12, eu-central-1 1.2, ap-southeast-2 1.25)",
    "Bedrock token prices outside us-east-1 are taken equal to us-east-1's",
    "Bedrock Claude 4.5 regional-profile premium (10 %) from a third-party summary",
    "Interface endpoint, NAT gateway, CloudWatch Logs, API Gateway and S3 prices outside "
    "us-east-1 and us-west-2",
    "Claude 3.5 Sonnet (extended-access price 6/30 USD per million tokens)",
    "ml.p4de and ml.p5 instance prices",
)

#: What each service price means (the unit) — the keys :func:`service_price` accepts.
SERVICE_PRICE_KEYS: Mapping[str, str] = MappingProxyType(
    {
        "interface_endpoint_hour": "USD per interface endpoint per availability zone-hour",
        "endpoint_data_gb": "USD per GB processed by interface endpoints",
        "nat_gateway_hour": "USD per NAT gateway-hour",
        "nat_gateway_data_gb": "USD per GB processed by a NAT gateway",
        "kms_key_month": "USD per customer-managed KMS key per month",
        "kms_requests_10k": "USD per 10,000 KMS requests",
        "secret_month": "USD per Secrets Manager secret per month",
        "waf_web_acl_month": "USD per WAF web ACL per month",
        "waf_rule_month": "USD per WAF rule per month",
        "waf_requests_million": "USD per million requests inspected by WAF",
        "alarm_month": "USD per standard-resolution metric alarm per month",
        "alarms_free": "metric alarms free per account",
        "composite_alarm_month": "USD per composite alarm per month",
        "dashboard_month": "USD per CloudWatch dashboard per month",
        "dashboards_free": "dashboards free per account",
        "budget_day": "USD per budget per day beyond the free ones",
        "budgets_free": "budgets free per account",
        "lambda_requests_million": "USD per million Lambda requests",
        "lambda_gb_second_x86": "USD per Lambda GB-second (x86_64)",
        "lambda_gb_second_arm": "USD per Lambda GB-second (arm64)",
        "apigateway_rest_million": "USD per million REST API calls (first 333 million)",
        "dynamodb_write_million": "USD per million on-demand write request units",
        "dynamodb_read_million": "USD per million on-demand read request units",
        "dynamodb_storage_gb_month": "USD per GB-month of DynamoDB Standard storage",
        "logs_ingest_gb": "USD per GB ingested by CloudWatch Logs (standard)",
        "logs_storage_gb_month": "USD per GB-month archived in CloudWatch Logs",
        "s3_storage_gb_month": "USD per GB-month of S3 Standard (first 50 TB)",
        "appconfig_requests_million": "USD per million AppConfig configuration requests",
    }
)


class PriceLookupError(ValueError):
    """A region, model, instance type or service the price table does not know."""


@dataclass(frozen=True)
class TokenPrice:
    """Bedrock on-demand price of a model, in USD per million tokens."""

    input_usd_per_million: float
    output_usd_per_million: float

    def cost(self, input_tokens: float, output_tokens: float) -> float:
        """USD for ``input_tokens`` and ``output_tokens``."""
        return (
            input_tokens * self.input_usd_per_million + output_tokens * self.output_usd_per_million
        ) / 1_000_000


# --------------------------------------------------------------------------- the figures

# Bedrock on-demand, us-east-1, USD per million (input, output) tokens; embeddings: output 0.
# In-region / global price; see _REGIONAL_PREMIUM for the geography-profile premium.
_MODELS: dict[str, tuple[float, float]] = {
    "anthropic.claude-3-haiku-20240307-v1:0": (0.25, 1.25),
    "anthropic.claude-3-5-sonnet-20240620-v1:0": (6.0, 30.0),
    "anthropic.claude-3-5-sonnet-20241022-v2:0": (6.0, 30.0),
    "anthropic.claude-3-5-haiku-20241022-v1:0": (0.80, 4.0),
    "anthropic.claude-3-7-sonnet-20250219-v1:0": (3.0, 15.0),
    "anthropic.claude-sonnet-4-20250514-v1:0": (3.0, 15.0),
    "anthropic.claude-opus-4-20250514-v1:0": (15.0, 75.0),
    "anthropic.claude-opus-4-1-20250805-v1:0": (15.0, 75.0),
    "anthropic.claude-sonnet-4-5-20250929-v1:0": (3.0, 15.0),
    "anthropic.claude-haiku-4-5-20251001-v1:0": (1.0, 5.0),
    "anthropic.claude-opus-4-5-20251101-v1:0": (5.0, 25.0),
    "amazon.nova-micro-v1:0": (0.035, 0.14),
    "amazon.nova-lite-v1:0": (0.06, 0.24),
    "amazon.nova-pro-v1:0": (0.80, 3.20),
    "amazon.nova-premier-v1:0": (2.50, 12.50),
    "amazon.titan-embed-text-v1": (0.10, 0.0),
    "amazon.titan-embed-text-v2:0": (0.02, 0.0),
    "meta.llama3-8b-instruct-v1:0": (0.30, 0.60),
    "meta.llama3-70b-instruct-v1:0": (2.65, 3.50),
    "meta.llama3-1-8b-instruct-v1:0": (0.22, 0.22),
    "meta.llama3-1-70b-instruct-v1:0": (0.72, 0.72),
    "meta.llama3-2-1b-instruct-v1:0": (0.10, 0.10),
    "meta.llama3-2-3b-instruct-v1:0": (0.15, 0.15),
    "meta.llama3-2-11b-instruct-v1:0": (0.16, 0.16),
    "meta.llama3-2-90b-instruct-v1:0": (0.72, 0.72),
    "meta.llama3-3-70b-instruct-v1:0": (0.72, 0.72),
    "mistral.mistral-7b-instruct-v0:2": (0.15, 0.20),
    "mistral.mixtral-8x7b-instruct-v0:1": (0.45, 0.70),
    "mistral.mistral-small-2402-v1:0": (1.0, 3.0),
    "mistral.mistral-large-2402-v1:0": (4.0, 12.0),
    "mistral.mistral-large-2407-v1:0": (2.0, 6.0),
    "mistral.pixtral-large-2502-v1:0": (2.0, 6.0),
    "cohere.embed-english-v3": (0.10, 0.0),
    "cohere.embed-multilingual-v3": (0.10, 0.0),
    "cohere.embed-v4:0": (0.12, 0.0),
}

#: Models priced 10 % higher through a geography profile (us., eu., ...) than through global.
_REGIONAL_PREMIUM: frozenset[str] = frozenset(
    {
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        "anthropic.claude-opus-4-5-20251101-v1:0",
    }
)
_REGIONAL_PREMIUM_FACTOR = 1.10
_PROFILE_PREFIXES = ("us", "eu", "apac", "jp", "au", "ca", "us-gov", "global", "geo")

# SageMaker real-time inference, us-east-1, USD per instance-hour.
_INSTANCES_US_EAST_1: dict[str, float] = {
    "ml.inf2.xlarge": 0.99,
    "ml.inf2.8xlarge": 2.36,
    "ml.inf2.24xlarge": 7.79,
    "ml.inf2.48xlarge": 15.58,
    "ml.trn1.2xlarge": 1.34,
    "ml.trn1.32xlarge": 21.50,
    "ml.trn1n.32xlarge": 24.78,
    "ml.g5.xlarge": 1.408,
    "ml.g5.2xlarge": 1.515,
    "ml.g5.4xlarge": 2.03,
    "ml.g5.8xlarge": 3.06,
    "ml.g5.12xlarge": 7.09,
    "ml.g5.16xlarge": 5.12,
    "ml.g5.24xlarge": 10.18,
    "ml.g5.48xlarge": 20.36,
    "ml.g6.xlarge": 1.006,
    "ml.g6.2xlarge": 1.222,
    "ml.g6.4xlarge": 1.654,
    "ml.g6.8xlarge": 2.518,
    "ml.g6.12xlarge": 5.752,
    "ml.g6.16xlarge": 4.246,
    "ml.g6.24xlarge": 8.344,
    "ml.g6.48xlarge": 16.688,
    "ml.g6e.xlarge": 2.326,
    "ml.g6e.2xlarge": 2.803,
    "ml.g6e.4xlarge": 3.755,
    "ml.g6e.8xlarge": 5.661,
    "ml.g6e.12xlarge": 13.116,
    "ml.g6e.16xlarge": 9.471,
    "ml.g6e.24xlarge": 18.832,
    "ml.g6e.48xlarge": 37.664,
    "ml.p4d.24xlarge": 37.688,
    "ml.p4de.24xlarge": 47.11,
    "ml.p5.48xlarge": 113.07,
}
_REGION_FACTOR = {
    "us-east-1": 1.0,
    "us-west-2": 1.0,
    "eu-west-1": 1.12,
    "eu-central-1": 1.2,
    "ap-southeast-2": 1.25,
}

_SERVICES_US_EAST_1: dict[str, float] = {
    "interface_endpoint_hour": 0.01,
    "endpoint_data_gb": 0.01,
    "nat_gateway_hour": 0.045,
    "nat_gateway_data_gb": 0.045,
    "kms_key_month": 1.0,
    "kms_requests_10k": 0.03,
    "secret_month": 0.40,
    "waf_web_acl_month": 5.0,
    "waf_rule_month": 1.0,
    "waf_requests_million": 0.60,
    "alarm_month": 0.10,
    "alarms_free": 10,
    "composite_alarm_month": 0.50,
    "dashboard_month": 3.0,
    "dashboards_free": 3,
    "budget_day": 0.02,
    "budgets_free": 2,
    "lambda_requests_million": 0.20,
    "lambda_gb_second_x86": 0.0000166667,
    "lambda_gb_second_arm": 0.0000133334,
    "apigateway_rest_million": 3.50,
    "dynamodb_write_million": 0.625,
    "dynamodb_read_million": 0.125,
    "dynamodb_storage_gb_month": 0.25,
    "logs_ingest_gb": 0.50,
    "logs_storage_gb_month": 0.03,
    "s3_storage_gb_month": 0.023,
    "appconfig_requests_million": 0.20,
}
_SERVICE_OVERRIDES: dict[str, dict[str, float]] = {
    "us-west-2": {},
    "eu-west-1": {
        "interface_endpoint_hour": 0.011,
        "nat_gateway_hour": 0.048,
        "nat_gateway_data_gb": 0.048,
        "logs_ingest_gb": 0.57,
        "alarm_month": 0.10,
    },
    "eu-central-1": {
        "interface_endpoint_hour": 0.012,
        "nat_gateway_hour": 0.052,
        "nat_gateway_data_gb": 0.052,
        "logs_ingest_gb": 0.63,
        "logs_storage_gb_month": 0.0324,
        "apigateway_rest_million": 3.70,
        "s3_storage_gb_month": 0.0245,
        "dynamodb_write_million": 0.7625,
        "dynamodb_read_million": 0.1525,
        "dynamodb_storage_gb_month": 0.306,
    },
    "ap-southeast-2": {
        "interface_endpoint_hour": 0.013,
        "nat_gateway_hour": 0.059,
        "nat_gateway_data_gb": 0.059,
        "logs_ingest_gb": 0.57,
        "logs_storage_gb_month": 0.033,
        "apigateway_rest_million": 3.50,
        "s3_storage_gb_month": 0.025,
        "dynamodb_write_million": 0.7125,
        "dynamodb_read_million": 0.1425,
        "dynamodb_storage_gb_month": 0.285,
    },
}


@dataclass(frozen=True)
class PriceTable:
    """A whole price table: per region, instance-hour and service prices; per model, tokens.

    ``date`` is the day the figures were read; ``sources`` names where (page or API).
    """

    date: str
    models: Mapping[str, tuple[float, float]]
    instances: Mapping[str, Mapping[str, float]]
    services: Mapping[str, Mapping[str, float]]
    sources: Mapping[str, str] = field(default_factory=lambda: dict(SOURCES))
    unconfirmed: tuple[str, ...] = UNCONFIRMED

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions the table prices."""
        return tuple(self.services)

    def _region(self, region: str) -> None:
        if region not in self.services:
            raise PriceLookupError(
                f"region {region!r} is not in the price table of {self.date}; "
                f"known regions: {', '.join(self.regions)}"
            )

    def model_token_price(self, region: str, model_id: str) -> TokenPrice:
        """Price of ``model_id`` (a foundation model id or an inference profile id such as
        ``us.anthropic...`` or ``global.anthropic...``) invoked from ``region``: a cross-region
        profile costs its model's price in the source region."""
        self._region(region)
        prefix, _, rest = model_id.partition(".")
        base = rest if prefix in _PROFILE_PREFIXES and rest else model_id
        price = self.models.get(base)
        if price is None:
            raise PriceLookupError(
                f"model {model_id!r} is not in the price table of {self.date}; "
                f"known models: {', '.join(sorted(self.models))}"
            )
        factor = 1.0
        if base in _REGIONAL_PREMIUM and prefix != "global":
            factor = _REGIONAL_PREMIUM_FACTOR
        return TokenPrice(round(price[0] * factor, 6), round(price[1] * factor, 6))

    def instance_hour_price(self, region: str, instance_type: str) -> float:
        """USD per hour of one SageMaker real-time inference instance in ``region``."""
        self._region(region)
        prices = self.instances.get(region, {})
        if instance_type not in prices:
            raise PriceLookupError(
                f"instance type {instance_type!r} is not in the price table of {self.date} "
                f"for {region}; known: {', '.join(sorted(prices))}"
            )
        return prices[instance_type]

    def service_price(self, region: str, key: str) -> float:
        """A service price (see :data:`SERVICE_PRICE_KEYS` for each key's unit)."""
        self._region(region)
        prices = self.services[region]
        if key not in prices:
            raise PriceLookupError(
                f"service price {key!r} is not in the price table; known: "
                f"{', '.join(sorted(prices))}"
            )
        return prices[key]

    def to_dict(self) -> dict[str, Any]:
        """The table as JSON-ready data."""
        return {
            "date": self.date,
            "sources": dict(self.sources),
            "unconfirmed": list(self.unconfirmed),
            "models": {k: list(v) for k, v in self.models.items()},
            "instances": {r: dict(v) for r, v in self.instances.items()},
            "services": {r: dict(v) for r, v in self.services.items()},
        }

    def to_json(self) -> str:
        """The table as JSON text (what ``--refresh-prices`` writes)."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)


def _build_default() -> PriceTable:
    instances = {
        region: {k: round(v * factor, 4) for k, v in _INSTANCES_US_EAST_1.items()}
        for region, factor in _REGION_FACTOR.items()
    }
    services = {
        region: {**_SERVICES_US_EAST_1, **_SERVICE_OVERRIDES.get(region, {})} for region in REGIONS
    }
    return PriceTable(
        date=PRICE_TABLE_DATE, models=dict(_MODELS), instances=instances, services=services
    )


_DEFAULT = _build_default()


def default_price_table() -> PriceTable:
    """The table shipped in the package, dated :data:`PRICE_TABLE_DATE`."""
    return _DEFAULT


def model_token_price(region: str, model_id: str) -> TokenPrice:
    """Bedrock on-demand price of ``model_id`` (model or inference profile id) from ``region``.

    Raises :class:`PriceLookupError` naming the known regions or models."""
    return _DEFAULT.model_token_price(region, model_id)


def instance_hour_price(region: str, instance_type: str) -> float:
    """USD per hour of one SageMaker real-time instance (``ml.inf2.xlarge``) in ``region``."""
    return _DEFAULT.instance_hour_price(region, instance_type)


def service_price(region: str, key: str) -> float:
    """A service price of ``region``; ``key`` from :data:`SERVICE_PRICE_KEYS`."""
    return _DEFAULT.service_price(region, key)
