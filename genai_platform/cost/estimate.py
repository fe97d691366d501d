"""Price a synthesized cloud assembly: idle, at a usage profile, and "always on".

:func:`estimate_assembly` reads ``manifest.json``, every stack template and the nested stack
templates of an assembly (the reference app's or any team app's ``cdk.out``) and gives every
resource one row with three monthly figures in USD:

* **idle**: no traffic. Interface endpoints per zone-hour, NAT gateways, KMS keys, secrets, web
  ACLs and rules, alarms and dashboards beyond the free ones, budgets beyond the free ones,
  SageMaker instances at their minimum (zero when the endpoint scales to zero) plus the warm
  windows of scheduled capacity;
* **at usage**: the idle figure plus what the usage profile's traffic adds (Bedrock tokens by
  model, instance-hours, Lambda, API Gateway, WAF requests, DynamoDB, logs, storage);
* **always on**: the same platform with every SageMaker endpoint at one instance or more all
  month and a NAT gateway per zone of each VPC (the comparison for the "cheap when idle" goal).

Every row is ``priced``, ``no charge`` (with the reason) or ``not priced`` (a resource type the
estimator does not know, listed so nothing is silently zero). The assumptions behind the figures
are in :attr:`CostEstimate.assumptions`. Prices come from :mod:`genai_platform.cost.prices`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from genai_platform.cost.prices import (
    HOURS_PER_MONTH,
    PriceLookupError,
    PriceTable,
    default_price_table,
)
from genai_platform.cost.usage import UsageProfile, UsageProfileError

__all__ = ["CostEstimate", "CostRow", "estimate_assembly"]

#: Resources with one flat monthly price: type -> (price key, what the row says).
_FLAT_MONTHLY: dict[str, tuple[str, str]] = {
    "AWS::KMS::Key": ("kms_key_month", "customer-managed key; requests not in the usage profile"),
    "AWS::SecretsManager::Secret": ("secret_month", "one secret"),
    "AWS::CloudWatch::CompositeAlarm": ("composite_alarm_month", "composite alarm"),
}

Status = Literal["priced", "no charge", "not priced"]
_DAYS_PER_MONTH = HOURS_PER_MONTH / 24
_WEEKS_PER_MONTH = HOURS_PER_MONTH / (24 * 7)
_DEFAULT_REGION = "us-east-1"

#: Resource types that cost nothing by themselves, with the reason printed in their row.
NO_CHARGE: Mapping[str, str] = {
    "AWS::IAM::Role": "IAM is free",
    "AWS::IAM::Policy": "IAM is free",
    "AWS::IAM::ManagedPolicy": "IAM is free",
    "AWS::IAM::InstanceProfile": "IAM is free",
    "AWS::IAM::ServiceLinkedRole": "IAM is free",
    "AWS::IAM::OIDCProvider": "IAM is free",
    "AWS::EC2::VPC": "a VPC is free",
    "AWS::EC2::Subnet": "subnets are free",
    "AWS::EC2::RouteTable": "route tables are free",
    "AWS::EC2::Route": "routes are free",
    "AWS::EC2::SubnetRouteTableAssociation": "free",
    "AWS::EC2::SecurityGroup": "security groups are free",
    "AWS::EC2::SecurityGroupIngress": "free",
    "AWS::EC2::SecurityGroupEgress": "free",
    "AWS::EC2::InternetGateway": "free (data transfer billed separately)",
    "AWS::EC2::VPCGatewayAttachment": "free",
    "AWS::EC2::FlowLog": "billed as CloudWatch Logs ingestion on its log group",
    "AWS::KMS::Alias": "aliases are free",
    "AWS::SNS::Topic": "no charge at idle; first million publishes a month free",
    "AWS::SNS::TopicPolicy": "free",
    "AWS::SNS::Subscription": "no charge at idle; e-mail notifications beyond 1,000 a month "
    "billed per 100,000",
    "AWS::SQS::Queue": "no charge at idle; first million requests a month free",
    "AWS::SQS::QueuePolicy": "free",
    "AWS::CE::AnomalyMonitor": "Cost Anomaly Detection is free",
    "AWS::CE::AnomalySubscription": "Cost Anomaly Detection is free",
    "AWS::S3::BucketPolicy": "free",
    "AWS::Logs::ResourcePolicy": "free",
    "AWS::Logs::SubscriptionFilter": "free (billed on the destination)",
    "AWS::Logs::MetricFilter": "free (the metric it writes is billed as a custom metric)",
    "AWS::Lambda::Permission": "free",
    "AWS::Lambda::LayerVersion": "free (storage within the code storage quota)",
    "AWS::Lambda::Alias": "free",
    "AWS::Lambda::Version": "free",
    "AWS::Lambda::EventInvokeConfig": "free",
    "AWS::Lambda::EventSourceMapping": "free (billed as Lambda invocations)",
    "AWS::Lambda::Url": "free",
    "AWS::Events::Rule": "no charge for AWS service events and schedules",
    "AWS::Events::EventBusPolicy": "free",
    "AWS::Scheduler::Schedule": "no charge at idle; first 14 million invocations a month free",
    "AWS::SSM::Parameter": "standard parameters are free",
    "AWS::SSM::Document": "free",
    "AWS::SecretsManager::ResourcePolicy": "free",
    "AWS::SecretsManager::RotationSchedule": "free (billed as Lambda invocations)",
    "AWS::SageMaker::Model": "billed through its endpoint configuration's instances",
    "AWS::SageMaker::Endpoint": "billed through its endpoint configuration's instances",
    "AWS::SageMaker::InferenceComponent": "billed through its endpoint configuration's instances",
    "AWS::ApplicationAutoScaling::ScalableTarget": "free (its schedules are priced on the "
    "endpoint configuration)",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "free",
    "AWS::ApiGateway::Deployment": "billed per API call on the REST API",
    "AWS::ApiGateway::Stage": "billed per API call on the REST API (no cache cluster)",
    "AWS::ApiGateway::Resource": "free",
    "AWS::ApiGateway::Method": "free",
    "AWS::ApiGateway::Model": "free",
    "AWS::ApiGateway::RequestValidator": "free",
    "AWS::ApiGateway::GatewayResponse": "free",
    "AWS::ApiGateway::Account": "free",
    "AWS::ApiGateway::ApiKey": "free",
    "AWS::ApiGateway::UsagePlan": "free",
    "AWS::ApiGateway::UsagePlanKey": "free",
    "AWS::ApiGateway::Authorizer": "free (its Lambda billed per invocation)",
    "AWS::WAFv2::WebACLAssociation": "free (the web ACL is priced)",
    "AWS::WAFv2::LoggingConfiguration": "billed as CloudWatch Logs ingestion",
    "AWS::AppConfig::Application": "AppConfig bills configuration requests only",
    "AWS::AppConfig::Environment": "AppConfig bills configuration requests only",
    "AWS::AppConfig::ConfigurationProfile": "AppConfig bills configuration requests only",
    "AWS::AppConfig::HostedConfigurationVersion": "AppConfig bills configuration requests only",
    "AWS::AppConfig::DeploymentStrategy": "AppConfig bills configuration requests only",
    "AWS::AppConfig::Deployment": "AppConfig bills configuration requests only",
    "AWS::Bedrock::Guardrail": "no charge at idle; text units assessed at usage are not in "
    "the usage profile",
    "AWS::Bedrock::GuardrailVersion": "free",
    "AWS::Bedrock::EnforcedGuardrailConfiguration": "free (assessments billed per text unit)",
    "AWS::Bedrock::ApplicationInferenceProfile": "free (invocations billed as model tokens)",
    "AWS::Bedrock::KnowledgeBase": "no charge at idle (billed on its vector store and tokens)",
    "AWS::Bedrock::DataSource": "free (ingestion billed as embedding tokens)",
    "AWS::S3Vectors::VectorBucket": "no charge at idle; vectors are billed per GB-month stored, "
    "per GB written and per query, which the usage profile does not model",
    "AWS::S3Vectors::Index": "billed through its vector bucket's storage, writes and queries",
    "AWS::S3Vectors::VectorBucketPolicy": "free",
    "AWS::Events::EventBus": "no charge at idle; custom events billed per million published, "
    "which the usage profile does not model",
    "AWS::CloudFormation::Stack": "free (its resources are priced from its template)",
    "AWS::CloudFormation::WaitConditionHandle": "free",
    "AWS::CDK::Metadata": "CDK metadata, not a billed resource",
    "AWS::Organizations::Policy": "free",
    "AWS::Budgets::BudgetsAction": "free",
    "AWS::StepFunctions::StateMachine": "no charge at idle (billed per state transition)",
    "AWS::Events::Archive": "no charge at idle",
    "AWS::CodePipeline::Pipeline": "not part of the runtime platform",
}


@dataclass(frozen=True)
class CostRow:
    """One resource (or one model's tokens) with its monthly USD figures."""

    stack: str
    logical_id: str
    resource_type: str
    status: Status
    idle_usd: float
    usage_usd: float
    always_on_usd: float
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "stack": self.stack,
            "logical_id": self.logical_id,
            "type": self.resource_type,
            "status": self.status,
            "idle_usd": round(self.idle_usd, 2),
            "usage_usd": round(self.usage_usd, 2),
            "always_on_usd": round(self.always_on_usd, 2),
            "note": self.note,
        }


@dataclass(frozen=True)
class CostEstimate:
    """Every row of an assembly, with totals, per-stack sums and the assumptions made."""

    rows: tuple[CostRow, ...]
    assumptions: tuple[str, ...]
    price_date: str
    unconfirmed: tuple[str, ...] = ()
    usage_profile: bool = False

    @property
    def idle_usd(self) -> float:
        """Monthly USD with no traffic."""
        return sum(r.idle_usd for r in self.rows)

    @property
    def usage_usd(self) -> float:
        """Monthly USD at the usage profile (equal to idle without a profile)."""
        return sum(r.usage_usd for r in self.rows)

    @property
    def always_on_usd(self) -> float:
        """Monthly USD with every endpoint at one instance and a NAT gateway per zone."""
        return sum(r.always_on_usd for r in self.rows)

    @property
    def idle_share_of_always_on(self) -> float:
        """Idle cost as a fraction of the always-on cost (0 when always on costs nothing)."""
        return self.idle_usd / self.always_on_usd if self.always_on_usd else 0.0

    def stacks(self) -> dict[str, tuple[float, float, float]]:
        """Per stack: (idle, usage, always on) USD."""
        out: dict[str, tuple[float, float, float]] = {}
        for r in self.rows:
            i, u, a = out.get(r.stack, (0.0, 0.0, 0.0))
            out[r.stack] = (i + r.idle_usd, u + r.usage_usd, a + r.always_on_usd)
        return out

    def drivers(self, kind: Literal["idle", "usage"], count: int = 3) -> list[CostRow]:
        """The ``count`` rows costing the most, idle or at usage."""

        def key(row: CostRow) -> float:
            return row.idle_usd if kind == "idle" else row.usage_usd

        return sorted((r for r in self.rows if key(r) > 0), key=key, reverse=True)[:count]

    def types(self) -> dict[str, Status]:
        """Each resource type in the assembly and how it was treated."""
        return {r.resource_type: r.status for r in self.rows}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (``genai-platform cost --format json``)."""
        return {
            "price_table_date": self.price_date,
            "usage_profile": self.usage_profile,
            "totals": {
                "idle_usd": round(self.idle_usd, 2),
                "usage_usd": round(self.usage_usd, 2),
                "always_on_usd": round(self.always_on_usd, 2),
                "idle_share_of_always_on": round(self.idle_share_of_always_on, 4),
            },
            "stacks": [
                {
                    "stack": name,
                    "idle_usd": round(i, 2),
                    "usage_usd": round(u, 2),
                    "always_on_usd": round(a, 2),
                }
                for name, (i, u, a) in self.stacks().items()
            ],
            "rows": [r.to_dict() for r in self.rows],
            "not_priced": sorted({r.resource_type for r in self.rows if r.status == "not priced"}),
            "assumptions": list(self.assumptions),
            "unconfirmed_prices": list(self.unconfirmed),
        }


# --------------------------------------------------------------------------- assembly reading


@dataclass
class _Stack:
    name: str
    account: str
    region: str
    templates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def _nested(assembly: Path, artifact_id: str) -> Iterable[tuple[str, dict[str, Any]]]:
    """The nested stack templates of a stack: the ``*.nested.template.json`` file assets of its
    asset manifest (``<artifact id>.assets.json``), nested ones of those included."""
    manifest = assembly / f"{artifact_id}.assets.json"
    if not manifest.is_file():
        return
    for entry in _read_json(manifest).get("files", {}).values():
        path = entry.get("source", {}).get("path", "")
        nested = isinstance(path, str) and path.endswith(".nested.template.json")
        if nested and (assembly / path).is_file():
            yield path.removesuffix(".nested.template.json"), _read_json(assembly / path)


def _stacks(assembly: Path) -> list[_Stack]:
    manifest_file = assembly / "manifest.json"
    if not manifest_file.is_file():
        raise ValueError(f"{assembly} is not a cloud assembly: no manifest.json there")
    manifest = _read_json(manifest_file)
    stacks: list[_Stack] = []
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        kind = artifact.get("type")
        if kind == "cdk:cloud-assembly":  # a stage: its own nested assembly
            directory = artifact.get("properties", {}).get("directoryName")
            if directory:
                stacks.extend(_stacks(assembly / directory))
            continue
        if kind != "aws:cloudformation:stack":
            continue
        environment = str(artifact.get("environment", "aws://unknown-account/unknown-region"))
        account, _, region = environment.removeprefix("aws://").partition("/")
        name = artifact.get("displayName", artifact_id)
        template = _read_json(assembly / artifact["properties"]["templateFile"])
        stack = _Stack(str(name), account, region, [("", template)])
        stack.templates.extend(sorted(_nested(assembly, artifact_id)))
        stacks.append(stack)
    return stacks


# --------------------------------------------------------------------------- schedules

_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def _field_values(spec: str, low: int, high: int, names: tuple[str, ...] = ()) -> list[int]:
    def value(text: str) -> int:
        if names and text.upper() in names:
            return names.index(text.upper()) + low
        return int(text)

    out: set[int] = set()
    for part in spec.split(","):
        if part in ("*", "?"):
            out.update(range(low, high + 1))
        elif "-" in part:
            start, end = part.split("-", 1)
            out.update(range(value(start), value(end) + 1))
        else:
            out.add(value(part))
    return sorted(v for v in out if low <= v <= high)


def _weekly_fire_minutes(schedule: str) -> list[int] | None:
    """Minutes of the week (Sunday 00:00 = 0) a ``cron(m h ? * DOW *)`` schedule fires, or
    None for schedules it cannot place in a week (``rate``, ``at``, day-of-month crons)."""
    match = re.fullmatch(r"cron\((\S+) (\S+) (\S+) (\S+) (\S+)(?: (\S+))?\)", schedule.strip())
    if match is None:
        return None
    minute, hour, day_of_month, _month, day_of_week = match.groups()[:5]
    if day_of_month not in ("?", "*"):
        return None
    try:
        minutes = _field_values(minute, 0, 59)
        hours = _field_values(hour, 0, 23)
        days = _field_values(day_of_week, 1, 7, _DAYS)  # AWS cron: 1 = SUN
    except ValueError:
        return None
    return sorted((d - 1) * 1440 + h * 60 + m for d in days for h in hours for m in minutes)


def _scheduled_warm_copy_hours(actions: list[dict[str, Any]]) -> float | None:
    """Copy-hours a month kept warm by scheduled ``MinCapacity`` changes (None: not placeable)."""
    events: list[tuple[int, int]] = []
    for action in actions:
        target = action.get("ScalableTargetAction", {})
        if "MinCapacity" not in target:
            continue
        minutes = _weekly_fire_minutes(str(action.get("Schedule", "")))
        if minutes is None:
            return None
        events.extend((m, int(target["MinCapacity"])) for m in minutes)
    if not events:
        return 0.0
    events.sort()
    week = 7 * 1440
    total = 0.0
    for n, (start, capacity) in enumerate(events):
        end = events[n + 1][0] if n + 1 < len(events) else events[0][0] + week
        total += capacity * (end - start) / 60
    return total * _WEEKS_PER_MONTH


# --------------------------------------------------------------------------- pricing


def _ref(value: Any) -> str | None:
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else target.split(".")[0])
    return None


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)


class _Pricer:
    def __init__(
        self,
        stacks: list[_Stack],
        prices: PriceTable,
        usage: UsageProfile | None,
        model_aliases: Mapping[str, str],
        self_hosted_aliases: Mapping[str, str],
    ) -> None:
        self.stacks = stacks
        self.prices = prices
        self.usage = usage or UsageProfile()
        self.has_usage = usage is not None
        self.model_aliases = model_aliases
        self.self_hosted = self_hosted_aliases
        self.rows: list[CostRow] = []
        self.assumptions: list[str] = []
        self.problems: list[str] = []
        self.free_used: Counter[tuple[str, str]] = Counter()
        self.log_groups = sum(
            1
            for s in stacks
            for _, t in s.templates
            for r in _resources(t)
            if r[1].get("Type") == "AWS::Logs::LogGroup"
        )
        self.buckets = sum(
            1
            for s in stacks
            for _, t in s.templates
            for r in _resources(t)
            if r[1].get("Type") == "AWS::S3::Bucket"
        )
        self.endpoint_names: dict[str, str] = {}  # endpoint config logical id -> endpoint name
        self.used_endpoint_keys: set[str] = set()

    def region(self, stack: _Stack) -> str:
        if stack.region in self.prices.regions:
            return stack.region
        if stack.region.startswith("unknown") or "${" in stack.region:
            return _DEFAULT_REGION
        raise PriceLookupError(
            f"stack {stack.name}: region {stack.region!r} is not in the price table of "
            f"{self.prices.date}; known regions: {', '.join(self.prices.regions)}"
        )

    def price(self, stack: _Stack, key: str) -> float:
        return self.prices.service_price(self.region(stack), key)

    def add(
        self,
        stack: _Stack,
        logical_id: str,
        kind: str,
        status: Status,
        idle: float = 0.0,
        usage: float | None = None,
        always_on: float | None = None,
        note: str = "",
    ) -> None:
        self.rows.append(
            CostRow(
                stack.name,
                logical_id,
                kind,
                status,
                idle,
                idle if usage is None else usage,
                idle if always_on is None else always_on,
                note,
            )
        )

    def free_tier(self, stack: _Stack, what: str, free_key: str) -> bool:
        """True while the account still has one of ``what`` in its free tier."""
        key = (stack.account, what)
        self.free_used[key] += 1
        return self.free_used[key] <= self.price(stack, free_key)

    def run(self) -> None:
        for stack in self.stacks:
            for prefix, template in stack.templates:
                resources = dict(_resources(template))
                for logical_id, resource in resources.items():
                    shown = f"{prefix}/{logical_id}" if prefix else logical_id
                    self.resource(stack, shown, resource, resources)
        self.tokens()
        unknown = sorted(set(self.usage.endpoints) - self.used_endpoint_keys)
        if unknown:
            known = sorted(self.endpoint_names.values())
            self.problems.extend(
                f"endpoints.{name}: {name!r} is not an endpoint of the assembly; known: {known}"
                for name in unknown
            )

    # one resource -------------------------------------------------------------------

    def resource(
        self,
        stack: _Stack,
        logical_id: str,
        resource: dict[str, Any],
        resources: Mapping[str, dict[str, Any]],
    ) -> None:
        kind = str(resource.get("Type", ""))
        props: dict[str, Any] = resource.get("Properties", {}) or {}
        u = self.usage
        if kind in _FLAT_MONTHLY:
            price_key, note = _FLAT_MONTHLY[kind]
            self.add(stack, logical_id, kind, "priced", self.price(stack, price_key), note=note)
        elif kind == "AWS::EC2::VPCEndpoint":
            if props.get("VpcEndpointType", "Gateway") != "Interface":
                self.add(stack, logical_id, kind, "no charge", note="gateway endpoints are free")
                return
            zones = len(props.get("SubnetIds", []) or []) or 1
            cost = zones * self.price(stack, "interface_endpoint_hour") * HOURS_PER_MONTH
            service = str(props.get("ServiceName", "")).rsplit(".", 1)[-1]
            self.add(
                stack,
                logical_id,
                kind,
                "priced",
                cost,
                note=f"interface endpoint {service} in {zones} zone(s)",
            )
        elif kind == "AWS::EC2::NatGateway":
            cost = self.price(stack, "nat_gateway_hour") * HOURS_PER_MONTH
            self.add(stack, logical_id, kind, "priced", cost, note="one NAT gateway all month")
        elif kind == "AWS::EC2::VPC":
            vpc_zones = {
                str(r.get("Properties", {}).get("AvailabilityZone"))
                for r in resources.values()
                if r.get("Type") == "AWS::EC2::Subnet"
                and _ref(r.get("Properties", {}).get("VpcId")) == logical_id.rsplit("/", 1)[-1]
            }
            nat = len(vpc_zones) * self.price(stack, "nat_gateway_hour") * HOURS_PER_MONTH
            self.add(
                stack,
                logical_id,
                kind,
                "no charge",
                0.0,
                always_on=nat,
                note=f"a VPC is free; always on adds a NAT gateway in each of its "
                f"{len(vpc_zones)} zone(s)",
            )
        elif kind == "AWS::WAFv2::WebACL":
            rules = len(props.get("Rules", []) or [])
            idle = self.price(stack, "waf_web_acl_month") + rules * self.price(
                stack, "waf_rule_month"
            )
            requests = u.requests_per_month * self.price(stack, "waf_requests_million") / 1e6
            self.add(
                stack,
                logical_id,
                kind,
                "priced",
                idle,
                idle + requests,
                note=f"web ACL with {rules} rule(s); every API request inspected",
            )
        elif kind == "AWS::CloudWatch::Alarm":
            if self.free_tier(stack, "alarm", "alarms_free"):
                self.add(
                    stack, logical_id, kind, "no charge", note="within the account's 10 free alarms"
                )
            else:
                self.add(
                    stack,
                    logical_id,
                    kind,
                    "priced",
                    self.price(stack, "alarm_month"),
                    note="standard-resolution alarm beyond the free 10",
                )
        elif kind == "AWS::CloudWatch::Dashboard":
            if self.free_tier(stack, "dashboard", "dashboards_free"):
                self.add(
                    stack,
                    logical_id,
                    kind,
                    "no charge",
                    note="within the account's 3 free dashboards",
                )
            else:
                self.add(
                    stack,
                    logical_id,
                    kind,
                    "priced",
                    self.price(stack, "dashboard_month"),
                    note="dashboard beyond the free 3",
                )
        elif kind == "AWS::Budgets::Budget":
            if self.free_tier(stack, "budget", "budgets_free"):
                self.add(
                    stack, logical_id, kind, "no charge", note="within the account's 2 free budgets"
                )
            else:
                cost = self.price(stack, "budget_day") * _DAYS_PER_MONTH
                self.add(stack, logical_id, kind, "priced", cost, note="budget beyond the free 2")
        elif kind == "AWS::SageMaker::EndpointConfig":
            self.endpoint_config(stack, logical_id, props, resources)
        elif kind == "AWS::Lambda::Function":
            self.function(stack, logical_id, props, resources)
        elif kind == "AWS::ApiGateway::RestApi":
            cost = u.requests_per_month * self.price(stack, "apigateway_rest_million") / 1e6
            self.add(
                stack,
                logical_id,
                kind,
                "priced",
                0.0,
                cost,
                note="billed per call: every API request of the usage profile",
            )
        elif kind == "AWS::DynamoDB::Table" or kind == "AWS::DynamoDB::GlobalTable":
            if props.get("BillingMode") != "PAY_PER_REQUEST":
                self.add(
                    stack,
                    logical_id,
                    kind,
                    "not priced",
                    note="provisioned capacity is not priced by the estimator",
                )
                return
            cost = (
                u.requests_per_month
                * (
                    self.price(stack, "dynamodb_write_million")
                    + self.price(stack, "dynamodb_read_million")
                )
                / 1e6
            )
            self.add(
                stack,
                logical_id,
                kind,
                "priced",
                0.0,
                cost,
                note="on demand: one write and one read per API request; storage "
                "assumed under 1 GB",
            )
        elif kind == "AWS::Logs::LogGroup":
            share = u.gb_logged_per_month / max(self.log_groups, 1)
            cost = share * (
                self.price(stack, "logs_ingest_gb") + self.price(stack, "logs_storage_gb_month")
            )
            self.add(
                stack,
                logical_id,
                kind,
                "priced",
                0.0,
                cost,
                note=f"nothing ingested at idle; {share:.3g} GB a month at usage "
                "(ingested and kept a month)",
            )
        elif kind == "AWS::S3::Bucket":
            share = u.gb_stored / max(self.buckets, 1)
            cost = share * self.price(stack, "s3_storage_gb_month")
            self.add(
                stack,
                logical_id,
                kind,
                "priced",
                0.0,
                cost,
                note=f"empty at idle; {share:.3g} GB stored at usage",
            )
        elif kind in NO_CHARGE:
            self.add(stack, logical_id, kind, "no charge", note=NO_CHARGE[kind])
        elif kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
            self.add(
                stack,
                logical_id,
                kind,
                "no charge",
                note="custom resource: its provider Lambda runs at deploy time only",
            )
        else:
            self.add(
                stack, logical_id, kind, "not priced", note="resource type unknown to the estimator"
            )

    def function(
        self,
        stack: _Stack,
        logical_id: str,
        props: dict[str, Any],
        resources: Mapping[str, dict[str, Any]],
    ) -> None:
        kind = "AWS::Lambda::Function"
        own_id = logical_id.rsplit("/", 1)[-1]
        behind_api = any(
            r.get("Type") == "AWS::Lambda::Permission"
            and "apigateway" in json.dumps(r.get("Properties", {}).get("Principal", ""))
            and _ref(r.get("Properties", {}).get("FunctionName")) == own_id
            for r in resources.values()
        )
        if not behind_api:
            self.add(
                stack,
                logical_id,
                kind,
                "no charge",
                note="a Lambda function at zero use; not invoked by the usage profile's "
                "API requests",
            )
            return
        memory_gb = float(props.get("MemorySize", 128)) / 1024
        arm = "arm64" in (props.get("Architectures") or [])
        gb_second = self.price(stack, "lambda_gb_second_arm" if arm else "lambda_gb_second_x86")
        requests = self.usage.requests_per_month
        seconds = self.usage.lambda_average_duration_ms / 1000
        cost = requests * (
            self.price(stack, "lambda_requests_million") / 1e6 + memory_gb * seconds * gb_second
        )
        self.add(
            stack,
            logical_id,
            kind,
            "priced",
            0.0,
            cost,
            note=f"behind the API: every request, {memory_gb * 1024:.0f} MB, {seconds:g} s each",
        )

    def endpoint_config(
        self,
        stack: _Stack,
        logical_id: str,
        props: dict[str, Any],
        resources: Mapping[str, dict[str, Any]],
    ) -> None:
        kind = "AWS::SageMaker::EndpointConfig"
        own_id = logical_id.rsplit("/", 1)[-1]
        region = self.region(stack)
        endpoint_ids = [
            lid
            for lid, r in resources.items()
            if r.get("Type") == "AWS::SageMaker::Endpoint"
            and _ref(r.get("Properties", {}).get("EndpointConfigName")) == own_id
        ]
        names = [
            str(resources[e].get("Properties", {}).get("EndpointName", e)) for e in endpoint_ids
        ]
        name = names[0] if names else own_id
        self.endpoint_names[logical_id] = name
        components = [
            r.get("Properties", {})
            for r in resources.values()
            if r.get("Type") == "AWS::SageMaker::InferenceComponent"
            and _ref(r.get("Properties", {}).get("EndpointName")) in endpoint_ids
        ]
        component_names = {str(c.get("InferenceComponentName")) for c in components}
        idle = usage = always = 0.0
        notes: list[str] = []
        status: Status = "priced"
        for variant in props.get("ProductionVariants", []) or []:
            instance_type = variant.get("InstanceType")
            if not isinstance(instance_type, str):
                status = "not priced"
                notes.append("serverless or token-valued variant: not priced")
                continue
            hourly = self.prices.instance_hour_price(region, instance_type)
            scaling = variant.get("ManagedInstanceScaling") or {}
            if scaling.get("Status") == "ENABLED":
                minimum = int(scaling.get("MinInstanceCount", 0))
                maximum = int(scaling.get("MaxInstanceCount", 1))
            else:
                minimum = maximum = int(variant.get("InitialInstanceCount", 1))
            # scheduled capacity on the variant's copies (or on the variant itself)
            warm_hours = 0.0
            for r in resources.values():
                if r.get("Type") != "AWS::ApplicationAutoScaling::ScalableTarget":
                    continue
                target = r.get("Properties", {})
                mentioned = " ".join(_strings(target.get("ResourceId")))
                if not any(n and n in mentioned for n in (*component_names, *names)):
                    continue
                hours = _scheduled_warm_copy_hours(list(target.get("ScheduledActions", [])))
                if hours is None:
                    status = "not priced"
                    notes.append("a schedule that is not a weekly cron: warm window not priced")
                    continue
                warm_hours += hours
            if minimum > 0:
                warm_hours = 0.0  # the floor already keeps instances up all month
            floor = minimum * HOURS_PER_MONTH
            warm_hours = min(warm_hours, maximum * HOURS_PER_MONTH)
            idle += (floor + warm_hours) * hourly
            profile_hours = self.profile_hours(name)
            usage += (floor + warm_hours + profile_hours) * hourly
            always += max(minimum, 1) * HOURS_PER_MONTH * hourly
            notes.append(
                f"{name}: {instance_type} at {hourly:g} USD/h, {minimum} to {maximum} "
                f"instance(s); {warm_hours:.0f} h/month in scheduled warm windows"
                + (f"; {profile_hours:g} h warm in the usage profile" if profile_hours else "")
            )
        self.add(stack, logical_id, kind, status, idle, usage, always, "; ".join(notes))

    def profile_hours(self, endpoint_name: str) -> float:
        for key, hours in self.usage.endpoints.items():
            if endpoint_name == key or endpoint_name.endswith(f"-{key}"):
                self.used_endpoint_keys.add(key)
                return hours
        return 0.0

    def tokens(self) -> None:
        if not self.usage.models:
            return
        home = next(
            (
                s
                for s in self.stacks
                for _, t in s.templates
                if any(r.get("Type", "").startswith("AWS::Bedrock::") for _, r in _resources(t))
            ),
            self.stacks[0] if self.stacks else None,
        )
        if home is None:
            return
        region = self.region(home)
        for alias, model in self.usage.models.items():
            if alias in self.self_hosted and model.model_id is None:
                self.problems.append(
                    f"models.{alias}: {alias!r} is self-hosted (endpoint "
                    f"{self.self_hosted[alias]!r}); give its hours under "
                    f"[endpoints.{self.self_hosted[alias]}] instead of tokens"
                )
                continue
            model_id = model.model_id or self.model_aliases.get(alias)
            if model_id is None:
                known = sorted(self.model_aliases)
                self.problems.append(
                    f"models.{alias}: {alias!r} is not a model alias of the config "
                    f"(known: {known}); name the model with model_id"
                )
                continue
            try:
                price = self.prices.model_token_price(region, model_id)
            except PriceLookupError as exc:
                self.problems.append(f"models.{alias}.model_id: {exc}")
                continue
            cost = price.cost(model.input_tokens_per_month, model.output_tokens_per_month)
            self.add(
                home,
                f"tokens:{alias}",
                "Bedrock on-demand tokens",
                "priced",
                0.0,
                cost,
                0.0,
                f"{model_id}: {model.input_tokens_per_month:g} input and "
                f"{model.output_tokens_per_month:g} output tokens at "
                f"{price.input_usd_per_million:g}/{price.output_usd_per_million:g} "
                "USD per million",
            )


def _resources(template: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    resources: dict[str, dict[str, Any]] = template.get("Resources", {}) or {}
    return resources.items()


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
