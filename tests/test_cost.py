"""The cost estimator: price table, usage profile, assembly estimate, ``cost`` and ``check``.

The reference app (default config) is synthesized once for this module, without the nag packs;
a small team app is synthesized from raw resources.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import tomllib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aws_cdk as cdk
import botocore.session
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from botocore.stub import Stubber

from genai_platform.cli import main
from genai_platform.config import ConfigError, default_config_text, load_config, parse_config
from genai_platform.constructs.accelerators import INSTANCE_TYPES
from genai_platform.constructs.model_catalog import KNOWN_MODELS
from genai_platform.constructs.private_network import PrivateNetwork, pin_availability_zones
from genai_platform.cost import (
    CostEstimate,
    PriceLookupError,
    estimate_assembly,
    instance_hour_price,
    model_token_price,
)
from genai_platform.cost.ceilings import (
    ceiling_problems,
    estimate_platform,
    usage_profile_path,
)
from genai_platform.cost.prices import HOURS_PER_MONTH, REGIONS, service_price
from genai_platform.cost.refresh import refresh_price_table
from genai_platform.cost.usage import load_usage_profile, parse_usage_profile

USAGE_FILE = Path(__file__).resolve().parents[1] / "config" / "profiles" / "usage.toml"


@pytest.fixture(scope="module")
def reference(reference_assembly: Path) -> Path:
    """The reference app's assembly for the default config (synthesized once per session)."""
    return reference_assembly


@pytest.fixture(scope="module")
def estimate(reference: Path) -> CostEstimate:
    return estimate_platform(reference, load_config())


@pytest.fixture(scope="module")
def team_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A team app: a one-endpoint network, a key, a scale-to-zero endpoint warm 08-10 on
    weekdays, and a resource type the estimator does not know."""
    out = tmp_path_factory.mktemp("cost-team") / "cdk.out"
    app = cdk.App(outdir=str(out))
    stack = cdk.Stack(
        app, "TeamApp", env=cdk.Environment(account="111111111111", region="eu-central-1")
    )
    zones = ["eu-central-1a", "eu-central-1b"]
    pin_availability_zones(stack, zones)
    PrivateNetwork(stack, "Network", availability_zones=zones, interface_endpoints=["sts"])
    kms.Key(stack, "Key", enable_key_rotation=True)
    config = sagemaker.CfnEndpointConfig(
        stack,
        "Config",
        production_variants=[
            sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                variant_name="AllTraffic",
                instance_type="ml.g5.xlarge",
                initial_instance_count=1,
                managed_instance_scaling=sagemaker.CfnEndpointConfig.ManagedInstanceScalingProperty(
                    min_instance_count=0, max_instance_count=1, status="ENABLED"
                ),
            )
        ],
    )
    endpoint = sagemaker.CfnEndpoint(
        stack, "Endpoint", endpoint_config_name=config.attr_endpoint_config_name,
        endpoint_name="team-chat",
    )  # fmt: skip
    cdk.CfnResource(
        stack,
        "Scaling",
        type="AWS::ApplicationAutoScaling::ScalableTarget",
        properties={
            "MaxCapacity": 1,
            "MinCapacity": 0,
            "ResourceId": "inference-component/team-chat-ic",
            "ScalableDimension": "sagemaker:inference-component:DesiredCopyCount",
            "ServiceNamespace": "sagemaker",
            "ScheduledActions": [
                {"ScheduledActionName": "On", "Schedule": "cron(0 8 ? * MON-FRI *)",
                 "ScalableTargetAction": {"MinCapacity": 1}},
                {"ScheduledActionName": "Off", "Schedule": "cron(0 10 ? * MON-FRI *)",
                 "ScalableTargetAction": {"MinCapacity": 0}},
            ],
        },
    )  # fmt: skip
    cdk.CfnResource(
        stack,
        "Component",
        type="AWS::SageMaker::InferenceComponent",
        properties={
            "EndpointName": endpoint.attr_endpoint_name,
            "InferenceComponentName": "team-chat-ic",
            "VariantName": "AllTraffic",
            "Specification": {"ComputeResourceRequirements": {"MinMemoryRequiredInMb": 1024}},
            "RuntimeConfig": {"CopyCount": 1},
        },
    )
    cdk.CfnResource(stack, "Catalog", type="AWS::Glue::Database", properties={})
    return Path(app.synth().directory)


def _types_in(assembly: Path) -> set[str]:
    types: set[str] = set()
    for template in assembly.glob("*.template.json"):
        data = json.loads(template.read_text("utf-8"))
        types.update(r["Type"] for r in data.get("Resources", {}).values())
    return types


def _rows(estimate: CostEstimate, type_: str) -> list[Any]:
    return [r for r in estimate.rows if r.resource_type == type_]


# --------------------------------------------------------------------------- reference assembly


def test_every_resource_type_of_the_reference_assembly_is_accounted_for(
    reference: Path, estimate: CostEstimate
) -> None:
    # GIVEN the reference assembly (nested templates included) WHEN estimated
    types = _types_in(reference)
    # THEN every type has rows, each priced, no charge or not priced, and no-charge rows say why
    assert types <= set(estimate.types())
    assert {r.status for r in estimate.rows} <= {"priced", "no charge", "not priced"}
    assert all(r.note for r in estimate.rows if r.status == "no charge")
    assert "AWS::SecretsManager::Secret" in types  # from the nested tenant stacks
    assert len(estimate.rows) >= sum(
        len(json.loads(t.read_text("utf-8"))["Resources"])
        for t in reference.glob("*.template.json")
    )
    # AND the reference uses nothing the estimator cannot price
    assert [r for r in estimate.rows if r.status == "not priced"] == []


def test_idle_usage_and_always_on_totals_equal_the_sum_of_their_rows(
    estimate: CostEstimate,
) -> None:
    # GIVEN the reference estimate WHEN totals are read THEN they are the sums of the rows
    assert estimate.idle_usd == pytest.approx(sum(r.idle_usd for r in estimate.rows))
    assert estimate.usage_usd == pytest.approx(sum(r.usage_usd for r in estimate.rows))
    assert estimate.always_on_usd == pytest.approx(sum(r.always_on_usd for r in estimate.rows))
    # AND the per-stack sums add up to the totals
    stacks = estimate.stacks().values()
    assert sum(s[0] for s in stacks) == pytest.approx(estimate.idle_usd)
    assert sum(s[1] for s in stacks) == pytest.approx(estimate.usage_usd)


def test_scale_to_zero_endpoint_is_free_idle_and_priced_in_warm_windows(
    estimate: CostEstimate,
) -> None:
    # GIVEN llama-inf2 (no schedule) and mistral-gpu (warm 09-11 on weekdays) scaling to zero
    configs = {r.note.split(":")[0]: r for r in _rows(estimate, "AWS::SageMaker::EndpointConfig")}
    llama, mistral = configs["genai-llama-inf2"], configs["genai-mistral-gpu"]
    # THEN llama costs nothing idle, and its 120 profile hours at usage
    assert llama.idle_usd == 0
    assert llama.usage_usd == pytest.approx(
        120 * instance_hour_price("us-east-1", "ml.inf2.xlarge")
    )
    # AND mistral's idle cost is its weekly warm window: 2 h x 5 days, 730/168 weeks a month
    warm_hours = 2 * 5 * HOURS_PER_MONTH / 168
    assert mistral.idle_usd == pytest.approx(
        warm_hours * instance_hour_price("us-east-1", "ml.g6.2xlarge")
    )


def test_always_on_puts_every_endpoint_at_one_instance_and_a_nat_gateway_per_zone(
    estimate: CostEstimate,
) -> None:
    # GIVEN the reference estimate WHEN always on
    endpoint_hours = HOURS_PER_MONTH * (
        instance_hour_price("us-east-1", "ml.inf2.xlarge")
        + instance_hour_price("us-east-1", "ml.g6.2xlarge")
    )
    nat = 2 * HOURS_PER_MONTH * service_price("us-east-1", "nat_gateway_hour")
    # THEN it adds both endpoints all month and two NAT gateways to what is fixed
    endpoints = sum(r.always_on_usd for r in _rows(estimate, "AWS::SageMaker::EndpointConfig"))
    vpc = sum(r.always_on_usd for r in _rows(estimate, "AWS::EC2::VPC"))
    assert endpoints == pytest.approx(endpoint_hours)
    assert vpc == pytest.approx(nat)


def test_default_config_idle_cost_is_at_most_ten_percent_of_always_on(
    estimate: CostEstimate,
) -> None:
    # GIVEN the default config WHEN estimated THEN idle <= 10 % of always on (issue 10 part 3)
    assert estimate.idle_usd <= 0.10 * estimate.always_on_usd, (
        estimate.idle_usd,
        estimate.always_on_usd,
    )
    # AND the default ceilings hold
    assert ceiling_problems(estimate, load_config()) == []


def test_default_network_has_only_the_interface_endpoints_the_platform_calls(
    estimate: CostEstimate,
) -> None:
    # GIVEN the default config THEN 6 interface endpoints (4 network + AppConfig + the
    # knowledge bases' bedrock-agent-runtime) in 2 zones
    interfaces = [r for r in _rows(estimate, "AWS::EC2::VPCEndpoint") if r.status == "priced"]
    services = sorted(r.note.split()[2] for r in interfaces)
    assert services == [
        "appconfigdata",
        "bedrock-agent-runtime",
        "bedrock-runtime",
        "kms",
        "runtime",
        "ssm",
    ]
    assert all("2 zone(s)" in r.note for r in interfaces)


def test_usage_prices_bedrock_tokens_by_alias_at_the_model_price(estimate: CostEstimate) -> None:
    # GIVEN the usage profile's 60M input and 12M output tokens on "chat" (a us. profile)
    chat = next(r for r in estimate.rows if r.logical_id == "tokens:chat")
    price = model_token_price("us-east-1", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    # THEN the row is the profile's model price, and nothing idle
    assert chat.usage_usd == pytest.approx(price.cost(60e6, 12e6))
    assert chat.idle_usd == 0


# --------------------------------------------------------------------------- team app


def test_team_app_lists_unknown_types_as_not_priced_and_prices_its_parts(team_app: Path) -> None:
    # GIVEN a team app in eu-central-1 WHEN estimated without a usage profile
    estimate = estimate_assembly(team_app)
    # THEN the unknown type is "not priced" and counted in no total
    glue = _rows(estimate, "AWS::Glue::Database")
    assert [(r.status, r.idle_usd) for r in glue] == [("not priced", 0.0)]
    # AND the one interface endpoint in two zones and the key are priced in eu-central-1
    [endpoint] = [r for r in _rows(estimate, "AWS::EC2::VPCEndpoint") if r.status == "priced"]
    hourly = service_price("eu-central-1", "interface_endpoint_hour")
    assert endpoint.idle_usd == pytest.approx(2 * hourly * HOURS_PER_MONTH)
    assert _rows(estimate, "AWS::KMS::Key")[0].idle_usd == 1.0
    # AND its scale-to-zero endpoint costs its weekday 08-10 warm window idle
    [config] = _rows(estimate, "AWS::SageMaker::EndpointConfig")
    warm = 2 * 5 * HOURS_PER_MONTH / 168
    assert config.idle_usd == pytest.approx(
        warm * instance_hour_price("eu-central-1", "ml.g5.xlarge")
    )
    assert estimate.usage_usd == pytest.approx(estimate.idle_usd)


# --------------------------------------------------------------------------- the cost command


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_cost_command_json_output_shape(team_app: Path, tmp_path: Path) -> None:
    # GIVEN a usage profile naming its model
    usage = tmp_path / "usage.toml"
    usage.write_text(
        'requests_per_month = 1000\n[models.chat]\nmodel_id = "eu.amazon.nova-lite-v1:0"\n'
        "input_tokens_per_month = 1000000\n",
        "utf-8",
    )
    # WHEN cost --assembly --usage --format json
    code, out, _ = _run(
        ["cost", "--assembly", str(team_app), "--usage", str(usage), "--format", "json"]
    )
    data = json.loads(out)
    # THEN exit 0, and totals, stacks, rows, not_priced, assumptions and the table's date
    assert code == 0
    assert set(data) == {
        "price_table_date", "usage_profile", "totals", "stacks", "rows", "not_priced",
        "assumptions", "unconfirmed_prices",
    }  # fmt: skip
    assert set(data["totals"]) == {
        "idle_usd", "usage_usd", "always_on_usd", "idle_share_of_always_on",
    }  # fmt: skip
    assert set(data["rows"][0]) == {
        "stack", "logical_id", "type", "status", "idle_usd", "usage_usd", "always_on_usd", "note",
    }  # fmt: skip
    assert data["not_priced"] == ["AWS::Glue::Database"]
    assert data["usage_profile"] is True
    tokens = next(r for r in data["rows"] if r["logical_id"] == "tokens:chat")
    assert tokens["usage_usd"] == pytest.approx(0.06)


def test_cost_command_table_prints_totals_comparison_and_assumptions(team_app: Path) -> None:
    # GIVEN the team app WHEN cost --assembly (table)
    code, out, _ = _run(["cost", "--assembly", str(team_app)])
    # THEN a total row, the idle share of always on, what is not priced and the assumptions
    assert code == 0
    assert "\ntotal " in out
    assert "of always on" in out
    assert "not priced (not in the totals): AWS::Glue::Database" in out
    assert "assumptions:" in out


def test_cost_command_refuses_a_directory_without_manifest(tmp_path: Path) -> None:
    code, _, err = _run(["cost", "--assembly", str(tmp_path)])
    assert code == 2
    assert f"--assembly {tmp_path}: no manifest.json there" in err


def test_refresh_prices_without_credentials_says_so(
    team_app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no credentials WHEN cost --refresh-prices THEN exit 2 saying credentials are needed
    monkeypatch.setattr("genai_platform.cli._pricing_client", lambda: None)
    code, _, err = _run(["cost", "--assembly", str(team_app), "--refresh-prices"])
    assert code == 2
    assert "--refresh-prices needs AWS credentials" in err


# --------------------------------------------------------------------------- check and ceilings


def _config_with(tmp_path: Path, cost: str) -> Path:
    text = default_config_text()
    start = text.index("\n[cost]\n") + 1
    end = text.index("\n\n", start)
    path = tmp_path / "platform.toml"
    path.write_text(text[:start] + cost + text[end:], "utf-8")
    (tmp_path / "usage.toml").write_text(USAGE_FILE.read_text("utf-8"), "utf-8")  # beside it
    return path


def _check_with_config(
    config: Path, assembly: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, dict[str, Any], str]:
    # the nag-and-lint part is the check command's own tests' business: stand it in with a
    # clean result on the module's assembly, so only the cost hook runs here
    clean = SimpleNamespace(ok=True, assembly_dir=assembly, to_dict=lambda: {"ok": True})
    monkeypatch.setattr("genai_platform.checks.run_checks", lambda *a, **k: clean)
    code, out, err = _run(["check", "--config", str(config), "--format", "json"])
    assert out, err
    return code, json.loads(out), err


def test_check_exits_1_past_a_ceiling_naming_three_drivers(
    reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an idle ceiling of 50 USD, below the reference's idle cost
    config = _config_with(tmp_path, '[cost]\nidle_ceiling_usd = 50\nusage_profile = "usage.toml"')
    # WHEN checked
    code, data, err = _check_with_config(config, reference, monkeypatch)
    # THEN exit 1 naming the ceiling and the three largest idle drivers
    assert code == 1
    [problem] = data["cost"]["ceiling_problems"]
    assert problem.startswith("cost.idle_ceiling_usd: idle cost ")
    assert "exceeds the ceiling 50; largest drivers: " in problem
    assert "EndpointmistralgpuEndpointConfig" in problem
    assert problem.count(" USD") == 4  # the total and three drivers
    assert problem in err


def test_check_exits_1_past_the_usage_ceiling(
    reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config_with(tmp_path, '[cost]\nusage_ceiling_usd = 300\nusage_profile = "usage.toml"')
    code, data, _ = _check_with_config(config, reference, monkeypatch)
    assert code == 1
    [problem] = data["cost"]["ceiling_problems"]
    assert problem.startswith("cost.usage_ceiling_usd: cost at the usage profile ")
    assert "tokens:chat" in problem  # Bedrock tokens are the largest driver at usage


def test_check_exits_0_under_the_ceilings_and_reports_the_figures(
    reference: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the default ceilings WHEN checked THEN exit 0 with idle and at-usage USD
    config = _config_with(
        tmp_path,
        '[cost]\nidle_ceiling_usd = 200\nusage_ceiling_usd = 1500\nusage_profile = "usage.toml"',
    )
    code, data, _ = _check_with_config(config, reference, monkeypatch)
    assert code == 0
    assert data["cost"]["ceiling_problems"] == []
    assert 0 < data["cost"]["idle_usd"] <= 200
    assert data["cost"]["idle_usd"] < data["cost"]["usage_usd"] <= 1500


def test_a_copied_config_finds_the_shipped_usage_profile(tmp_path: Path) -> None:
    # GIVEN the default config copied alone to another directory
    copy = tmp_path / "mine.toml"
    copy.write_text(default_config_text(), "utf-8")
    # WHEN its usage profile is resolved THEN the package's profile is used
    path = usage_profile_path(load_config(copy), copy)
    assert path is not None and path.read_text("utf-8") == USAGE_FILE.read_text("utf-8")
    # AND a profile beside the config wins
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "usage.toml").write_text("requests_per_month = 1\n", "utf-8")
    assert usage_profile_path(load_config(copy), copy) == tmp_path / "profiles" / "usage.toml"


# --------------------------------------------------------------------------- the price table


@pytest.mark.parametrize("region", REGIONS)
def test_every_catalogue_model_and_endpoint_instance_is_priced(region: str) -> None:
    # GIVEN every model of the catalogue's table and every instance type the endpoint accepts
    for model in KNOWN_MODELS:
        price = model_token_price(region, model)
        assert price.input_usd_per_million > 0, model
    for instance_type in INSTANCE_TYPES:
        assert instance_hour_price(region, instance_type) > 0, instance_type


def test_cross_region_profile_costs_its_model_price() -> None:
    # GIVEN Nova Lite in-region and through the us. profile THEN one price
    assert model_token_price("us-east-1", "us.amazon.nova-lite-v1:0") == model_token_price(
        "us-east-1", "amazon.nova-lite-v1:0"
    )
    # AND Claude Sonnet 4.5 costs 10 % more through a geography profile than through global
    geo = model_token_price("us-east-1", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    world = model_token_price("us-east-1", "global.anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert (world.input_usd_per_million, world.output_usd_per_million) == (3.0, 15.0)
    assert geo.input_usd_per_million == pytest.approx(3.3)


def _product(usage_type: str, usd: str) -> str:
    return json.dumps(
        {
            "product": {"attributes": {"usagetype": usage_type}},
            "terms": {
                "OnDemand": {
                    "T1": {"priceDimensions": {"D1": {"unit": "Hrs", "pricePerUnit": {"USD": usd}}}}
                }
            },
        }
    )


def test_refresh_rebuilds_instance_prices_from_the_price_list_api() -> None:
    # GIVEN a Price List API answering one page for us-east-1 (two pages) and the other regions
    client = botocore.session.get_session().create_client(
        "pricing", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(client)

    def expect(region: str, products: list[str], token: str | None, next_token: str | None) -> None:
        params: dict[str, Any] = {
            "ServiceCode": "AmazonSageMaker",
            "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
            "FormatVersion": "aws_v1",
            "MaxResults": 100,
        }
        if token:
            params["NextToken"] = token
        response: dict[str, Any] = {"FormatVersion": "aws_v1", "PriceList": products}
        if next_token:
            response["NextToken"] = next_token
        stubber.add_response("get_products", response, params)

    expect("us-east-1", [_product("USE1-Host:ml.inf2.xlarge", "0.9800000000")], None, "page2")
    expect("us-east-1", [_product("USE1-Training:ml.g5.xlarge", "9.0")], "page2", None)
    expect("us-west-2", [_product("USW2-Host:ml.g6.2xlarge", "1.3000000000")], None, None)
    for region in REGIONS[2:]:
        expect(region, [_product("Host:ml.unknown.xlarge", "1.0")], None, None)
    # WHEN refreshed
    with stubber:
        table, changes = refresh_price_table(client, today=datetime.date(2027, 1, 2))
        stubber.assert_no_pending_responses()
    # THEN hosting prices changed, training prices and unknown types ignored, table re-dated
    assert table.instance_hour_price("us-east-1", "ml.inf2.xlarge") == 0.98
    assert table.instance_hour_price("us-east-1", "ml.g5.xlarge") == instance_hour_price(
        "us-east-1", "ml.g5.xlarge"
    )
    assert table.instance_hour_price("us-west-2", "ml.g6.2xlarge") == 1.3
    assert changes == [
        "us-east-1 ml.inf2.xlarge: 0.99 -> 0.98",
        "us-west-2 ml.g6.2xlarge: 1.222 -> 1.3",
    ]
    assert table.date == "2027-01-02"
    assert "pricing" in table.sources["sagemaker"] or "price" in table.sources["sagemaker"]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ("requests_per_month = -5", "requests_per_month: -5 is out of range; allowed: 0 or more"),
        ('requests_per_month = "lots"', "requests_per_month: 'lots' is not a number"),
        ("request_per_month = 5", "request_per_month: unknown key (value 5); allowed keys: req"),
        (
            "lambda_average_duration_ms = 1000000",
            "lambda_average_duration_ms: 1000000 is out of range; allowed: from 0 to 900000",
        ),
        (
            "[models.chat]\ninput_tokens_per_month = -1",
            "models.chat.input_tokens_per_month: -1 is out of range",
        ),
        (
            "[models.chat]\ntokens = 5",
            "models.chat.tokens: unknown key (value 5); allowed keys: input_tokens_per_month",
        ),
        ("[models.chat]\nmodel_id = 7", "models.chat.model_id: 7 is not a model id string"),
        ("models = 3", "models: 3 is not a table of model aliases"),
        (
            "[endpoints.llama-inf2]\nhours_warm_per_month = 800",
            "endpoints.llama-inf2.hours_warm_per_month: 800 is out of range; allowed: from 0 to "
            "744",
        ),
        ("[storage]\ngb_stored = -2", "storage.gb_stored: -2 is out of range"),
        ("storage = 1", "storage: 1 is not a table; expected keys: gb_stored, gb_logged_per_month"),
    ],
)
def test_fails_when_usage_profile_has_a_bad_value(profile: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_usage_profile(tomllib.loads(profile), source="usage.toml")
    assert any(p.startswith(message) for p in raised.value.problems), raised.value.problems


def test_fails_when_usage_file_is_not_toml(tmp_path: Path) -> None:
    bad = tmp_path / "usage.toml"
    bad.write_text("requests_per_month = = 3", "utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_usage_profile(bad)


@pytest.mark.parametrize(
    ("usage", "message"),
    [
        (
            "[models.chatty]\ninput_tokens_per_month = 5",
            "models.chatty: 'chatty' is not a model alias of the config (known: ['chat', "
            "'embed', 'fast']); name the model with model_id",
        ),
        (
            '[models.x]\nmodel_id = "acme.unknown-v1"\ninput_tokens_per_month = 5',
            "models.x.model_id: model 'acme.unknown-v1' is not in the price table",
        ),
        (
            "[endpoints.lama]\nhours_warm_per_month = 5",
            "endpoints.lama: 'lama' is not an endpoint of the assembly; known: "
            "['genai-llama-inf2', 'genai-mistral-gpu']",
        ),
        (
            "[models.llama]\ninput_tokens_per_month = 5",
            "models.llama: 'llama' is self-hosted (endpoint 'llama-inf2')",
        ),
    ],
)
def test_fails_when_usage_names_an_unknown_model_or_endpoint(
    reference: Path, usage: str, message: str
) -> None:
    profile = parse_usage_profile(tomllib.loads(usage))
    with pytest.raises(ConfigError) as raised:
        estimate_platform(reference, load_config(), usage=profile)
    assert any(p.startswith(message) for p in raised.value.problems), raised.value.problems


@pytest.mark.parametrize(
    ("cost", "message"),
    [
        ({"idle_ceiling_usd": -1}, "cost.idle_ceiling_usd: -1 is negative; give a monthly amount"),
        (
            {"usage_ceiling_usd": 10},
            "cost.usage_ceiling_usd: 10 needs cost.usage_profile",
        ),
        ({"usage_profile": "usage.json"}, "cost.usage_profile: 'usage.json' is not a TOML file"),
        ({"idle_ceiling": 5}, "cost.idle_ceiling: unknown key (value 5); allowed keys: "),
        ({"idle_ceiling_usd": "cheap"}, "cost.idle_ceiling_usd: 'cheap' is not allowed"),
    ],
)
def test_fails_when_cost_config_is_bad(cost: dict[str, Any], message: str) -> None:
    data = tomllib.loads(default_config_text())
    data["cost"] = cost
    with pytest.raises(ConfigError) as raised:
        parse_config(data)
    assert any(message in p for p in raised.value.problems), raised.value.problems


def test_fails_when_region_or_instance_type_is_unknown() -> None:
    with pytest.raises(PriceLookupError, match=r"region 'mars-east-1' .*known regions: us-east-1"):
        instance_hour_price("mars-east-1", "ml.g5.xlarge")
    with pytest.raises(PriceLookupError, match=r"instance type 'ml.g9.xlarge' .*known: ml.g5"):
        instance_hour_price("us-east-1", "ml.g9.xlarge")
    with pytest.raises(PriceLookupError, match=r"model 'acme.x' .*known models: amazon"):
        model_token_price("us-east-1", "acme.x")
