"""The pricer: one :class:`CostRow` per resource of every template, idle, at usage and always
on, and one per model of the usage profile's tokens."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from genai_platform.cost.estimate.assembly import _resources, _Stack
from genai_platform.cost.estimate.charges import _FLAT_MONTHLY, NO_CHARGE
from genai_platform.cost.estimate.result import CostRow, Status
from genai_platform.cost.estimate.schedules import _scheduled_warm_copy_hours
from genai_platform.cost.prices import HOURS_PER_MONTH, PriceLookupError, PriceTable
from genai_platform.cost.usage import UsageProfile

_DAYS_PER_MONTH = HOURS_PER_MONTH / 24
_DEFAULT_REGION = "us-east-1"


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


#: Resources with an account-wide free tier: the counter, the price-table keys of the free
#: count and the price, the price's periods per month, and the two notes.
_FREE_TIERS: dict[str, tuple[str, str, str, float, str, str]] = {
    "AWS::CloudWatch::Alarm": (
        "alarm",
        "alarms_free",
        "alarm_month",
        1.0,
        "within the account's 10 free alarms",
        "standard-resolution alarm beyond the free 10",
    ),
    "AWS::CloudWatch::Dashboard": (
        "dashboard",
        "dashboards_free",
        "dashboard_month",
        1.0,
        "within the account's 3 free dashboards",
        "dashboard beyond the free 3",
    ),
    "AWS::Budgets::Budget": (
        "budget",
        "budgets_free",
        "budget_day",
        _DAYS_PER_MONTH,
        "within the account's 2 free budgets",
        "budget beyond the free 2",
    ),
}


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
        elif kind in _FREE_TIERS:
            counter, free_key, price_key, per_month, free_note, priced_note = _FREE_TIERS[kind]
            if self.free_tier(stack, counter, free_key):
                self.add(stack, logical_id, kind, "no charge", note=free_note)
            else:
                cost = self.price(stack, price_key) * per_month
                self.add(stack, logical_id, kind, "priced", cost, note=priced_note)
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
