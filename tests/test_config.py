"""Config loading and validation: every bad value is reported with its key path."""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from genai_platform.config import (
    ConfigError,
    PlatformConfig,
    default_config_text,
    load_config,
    parse_config,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data() -> dict[str, Any]:
    """The default config as a mutable dict."""
    return copy.deepcopy(tomllib.loads(default_config_text()))


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    return caught.value.problems


def test_default_config_is_valid_and_offline_ready() -> None:
    # GIVEN the embedded default WHEN loaded
    config = load_config()
    # THEN it has three separate dummy accounts and explicit zones in its region
    assert isinstance(config, PlatformConfig)
    assert len(set(config.accounts.roles().values())) == 3
    assert config.availability_zones == ["us-east-1a", "us-east-1b"]
    assert {"CostCenter", "Owner"} <= set(config.tags)
    assert not config.shared_accounts


def test_embedded_default_is_the_repository_default() -> None:
    # GIVEN the file under config/ WHEN compared with what the package embeds THEN equal
    assert default_config_text() == (ROOT / "config" / "default.toml").read_text("utf-8")


def test_every_example_config_is_valid() -> None:
    # GIVEN each example config WHEN loaded THEN no error
    for path in sorted((ROOT / "config").glob("*.toml")):
        assert load_config(path).name


def test_budget_defaults_apply_when_omitted(data: dict[str, Any]) -> None:
    # GIVEN a budget with only the required keys
    data["budgets"]["data"] = {"monthly_limit_usd": 10, "alert_emails": ["a@example.com"]}
    # WHEN parsed
    budget = parse_config(data).budgets.data
    # THEN thresholds default to 50/80/100 actual and 100 forecast
    assert budget.actual_thresholds_percent == [50, 80, 100]
    assert budget.forecast_threshold_percent == 100


def test_sandbox_allows_one_account_for_all_roles(data: dict[str, Any]) -> None:
    # GIVEN one account for every role and sandbox on
    data["sandbox"] = True
    for role in ("application", "genai", "data"):
        data["accounts"][role] = "123456789012"
    # WHEN parsed THEN it is accepted and flagged as shared
    assert parse_config(data).shared_accounts


# --------------------------------------------------------------------------- bad configs

BAD_CASES: list[tuple[str, Any, str]] = [
    ("accounts.genai", "12345", "accounts.genai: '12345' is not a 12-digit AWS account id"),
    ("accounts.data", 333333333333, "accounts.data: 333333333333 is a number"),
    ("accounts.organization_id", "org-1", "accounts.organization_id: 'org-1' is not an AWS Org"),
    ("accounts.management", "abc", "accounts.management: 'abc' is not a 12-digit"),
    ("name", "GenAI", "name: 'GenAI' is not a platform name"),
    ("name", "ab", "name: 'ab' is not a platform name"),
    ("name", "a" * 25, "name: 'a{25}' is not a platform name"),
    ("region", "us-east-9", "region: 'us-east-9' is not an AWS region"),
    ("availability_zones", ["us-east-1a"], r"availability_zones: \['us-east-1a'\] has 1 zones"),
    (
        "availability_zones",
        ["us-east-1a", "eu-west-1b"],
        r"availability_zones: \['eu-west-1b'\] not in region 'us-east-1'",
    ),
    ("budgets.genai.monthly_limit_usd", -5, "budgets.genai.monthly_limit_usd: -5 is not allowed"),
    ("budgets.genai.monthly_limit_usd", "lots", "budgets.genai.monthly_limit_usd: 'lots'"),
    ("budgets.data.alert_emails", ["finops"], r"budgets.data.alert_emails\[0\]: 'finops' is not"),
    ("budgets.data.alert_emails", [], "budgets.data.alert_emails: .* is not allowed"),
    (
        "budgets.application.actual_thresholds_percent",
        [50, 1500],
        r"budgets.application.actual_thresholds_percent: \[1500.0\] outside",
    ),
    (
        "budgets.application.actual_thresholds_percent",
        [10, 20, 30, 40, 50],
        "has 5 thresholds; at most 4",
    ),
    ("budgets.genai.anomaly_monitor_arn", "arn:nope", "anomaly_monitor_arn: 'arn:nope' is not"),
    ("network.vpc_cidr", "8.8.0.0/16", "network.vpc_cidr: '8.8.0.0/16' must be a private range"),
    ("network.vpc_cidr", "10.0.0.0/8", "network.vpc_cidr: '10.0.0.0/8' must be"),
    ("network.interface_endpoints", ["bedrok"], r"network.interface_endpoints: \['bedrok'\] unkn"),
    ("network.gateway_endpoints", ["s4"], r"network.gateway_endpoints: \['s4'\] unknown"),
    ("network.flow_log_retention_days", 42, "network.flow_log_retention_days: 42 is not a Cl"),
    ("tags.aws:owner", "x", "tags: .*tag key 'aws:owner' is not allowed"),
    ("tags.Owner", "aws:team", "tags: .*tag Owner = 'aws:team' is not allowed"),
    ("tags.Owner", "équipe-ml", "tags: .*the value 'équipe-ml' is refused by Amazon Bedrock"),
    ("sandbox", "yes please", "sandbox: 'yes please' is not allowed"),
    ("models.approved", [], "models.approved: \\[\\] is not allowed"),
    ("logging.log_retention_days", 31, "logging.log_retention_days: 31 is not a CloudWatch"),
    ("logging.key_prefix", "a//b", "logging.key_prefix: 'a//b' is not allowed"),
    ("guardrail.tier", 3, "guardrail.tier: 3 is not allowed"),
]


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


@pytest.mark.parametrize(("key", "value", "expected"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_fails_when_a_value_is_bad(
    data: dict[str, Any], key: str, value: Any, expected: str
) -> None:
    # GIVEN the default config with one bad value
    _set(data, key, value)
    # WHEN parsed THEN one problem names the key path and the bad value
    problems = problems_of(data)
    assert any(re.search(expected, p) for p in problems), problems


def test_fails_when_a_key_is_unknown_and_lists_allowed_keys(data: dict[str, Any]) -> None:
    # GIVEN a misspelt key
    data["budgets"]["genai"]["monthly_limit"] = 5
    # WHEN parsed THEN the key path and the allowed keys are named
    problems = problems_of(data)
    assert any(
        p.startswith("budgets.genai.monthly_limit: unknown key") and "monthly_limit_usd" in p
        for p in problems
    ), problems


def test_fails_when_required_keys_are_missing(data: dict[str, Any]) -> None:
    # GIVEN a config without the data account and without budgets
    del data["accounts"]["data"]
    del data["budgets"]
    # WHEN parsed THEN both are named
    problems = problems_of(data)
    assert "accounts.data: required key is missing" in problems
    assert "budgets: required key is missing" in problems


def test_fails_when_required_cost_allocation_tag_is_missing(data: dict[str, Any]) -> None:
    # GIVEN tags without Owner
    del data["tags"]["Owner"]
    # WHEN parsed THEN the missing tag is named
    assert any(
        "tags: missing required cost-allocation tags ['Owner']" in p for p in problems_of(data)
    )


def test_fails_when_accounts_are_shared_without_sandbox(data: dict[str, Any]) -> None:
    # GIVEN genai and data in the same account, sandbox off
    data["accounts"]["data"] = data["accounts"]["genai"]
    # WHEN parsed THEN the shared roles and the account are named, with the way out
    problems = problems_of(data)
    assert any(
        "accounts: genai and data share '222222222222'" in p and "sandbox = true" in p
        for p in problems
    ), problems


def test_collects_every_problem_at_once(data: dict[str, Any]) -> None:
    # GIVEN three independent mistakes
    data["accounts"]["genai"] = "1"
    data["region"] = "mars-1"
    data["network"]["vpc_cidr"] = "nope"
    # WHEN parsed THEN all three are reported together
    problems = problems_of(data)
    assert [p.split(":")[0] for p in problems] == ["region", "accounts.genai", "network.vpc_cidr"]


def test_fails_when_file_is_not_toml(tmp_path: Path) -> None:
    # GIVEN a broken TOML file
    path = tmp_path / "broken.toml"
    path.write_text("name = \n")
    # WHEN loaded THEN the error names the file and says it is not TOML
    with pytest.raises(ConfigError, match=r"(?s)broken.toml.*not valid TOML"):
        load_config(path)


def test_fails_when_file_is_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "absent.toml")


def test_fails_when_a_tenant_names_an_unknown_alias(data: dict[str, Any]) -> None:
    data["tenants"][0]["aliases"] = ["chat", "gpt-9"]
    assert any(
        p.startswith("tenants: [0].aliases: ['gpt-9'] are not model aliases")
        for p in problems_of(data)
    ), problems_of(data)


@pytest.mark.parametrize(
    ("budget", "expected"),
    [
        (0, "greater than 0"),
        (-10, "greater than 0"),
        (float("inf"), "finite number"),
        (float("nan"), "finite number"),
        ("lots", "valid number"),
        (2e9, "less than or equal to 1000000000"),
    ],
)
def test_fails_when_a_tenant_budget_is_not_a_positive_finite_amount(
    data: dict[str, Any], budget: Any, expected: str
) -> None:
    # GIVEN [[tenants]] monthly_budget_usd set to a bad value
    data["tenants"][0]["monthly_budget_usd"] = budget
    # THEN the problem names the key and says what is allowed
    found = [p for p in problems_of(data) if "monthly_budget_usd" in p]
    assert found and expected in found[0], problems_of(data)


def test_a_tenant_budget_is_optional(data: dict[str, Any]) -> None:
    data["tenants"][0]["monthly_budget_usd"] = 120.5
    assert parse_config(data).tenants[0].monthly_budget_usd == 120.5
    assert parse_config(copy.deepcopy(tomllib.loads(default_config_text()))).tenants[0]


def test_fails_when_tenant_ids_repeat(data: dict[str, Any]) -> None:
    data["tenants"][1]["id"] = data["tenants"][0]["id"]
    assert any("['support-bot'] used by more than one tenant" in p for p in problems_of(data))


def test_fails_when_a_self_hosted_alias_names_no_endpoint(data: dict[str, Any]) -> None:
    data["api"]["self_hosted"] = {"llama": "llama-gpu"}
    assert any(
        "api: self_hosted.llama: 'llama-gpu' is not an [[endpoints]] name" in p
        for p in problems_of(data)
    )


def test_fails_when_a_fallback_is_unknown_or_itself(data: dict[str, Any]) -> None:
    data["api"]["fallbacks"] = {"chat": "chat", "fast": "nope"}
    problems = problems_of(data)
    assert any("fallbacks.chat: 'chat' cannot fall back to itself" in p for p in problems)
    assert any("fallbacks.fast: 'nope' is not a model alias" in p for p in problems)


def test_fails_when_endpoint_names_repeat(data: dict[str, Any]) -> None:
    data["endpoints"][1]["name"] = data["endpoints"][0]["name"]
    assert any(
        "endpoints: ['llama-inf2'] used by more than one endpoint" in p for p in problems_of(data)
    )


def test_fails_when_an_endpoint_model_uri_is_not_s3(data: dict[str, Any]) -> None:
    data["endpoints"][0]["model_data_uri"] = "https://example.com/model.tar.gz"
    assert any(
        "endpoints[0].model_data_uri: 'https://example.com/model.tar.gz' is not an S3 model" in p
        for p in problems_of(data)
    )


def test_an_endpoint_may_name_its_host_ami_version(data: dict[str, Any]) -> None:
    # GIVEN [[endpoints]] inference_ami_version WHEN parsed THEN kept for InferenceEndpoint,
    # which checks it against botocore's list and the image when the stack is built
    data["endpoints"][1]["inference_ami_version"] = "al2023-ami-sagemaker-inference-gpu-4-1"
    config = parse_config(data)
    assert config.endpoints[1].inference_ami_version == "al2023-ami-sagemaker-inference-gpu-4-1"
    assert config.endpoints[0].inference_ami_version is None


# --------------------------------------------------------------------------- regions


@pytest.mark.parametrize(
    ("region", "zones", "bad"),
    [
        ("us-east-1", ["us-east-1a", "us-east-1g"], "us-east-1g"),
        ("eu-central-1", ["eu-central-1a", "eu-central-1d"], "eu-central-1d"),
        ("ca-central-1", ["ca-central-1a", "ca-central-1c"], "ca-central-1c"),
    ],
)
def test_fails_when_a_zone_is_not_a_real_zone_of_the_region(
    data: dict[str, Any], region: str, zones: list[str], bad: str
) -> None:
    # GIVEN zones that look like the region's but do not exist there
    data["region"], data["availability_zones"] = region, zones
    data["endpoints"] = []
    data["api"]["self_hosted"] = {}
    data["api"]["fallbacks"] = {"chat": "fast"}
    data["tenants"][0]["aliases"] = ["chat", "fast"]
    # THEN refused, naming the zone and the region's real zones
    [problem] = problems_of(data)
    assert problem.startswith(f"availability_zones: [{bad!r}] not in region {region!r}; ")
    assert f"the zones of {region} are {region}a" in problem


def test_fails_when_real_time_endpoints_meet_a_region_without_inference_components(
    data: dict[str, Any],
) -> None:
    # GIVEN the default config moved to Paris (no SageMaker inference components)
    data["region"], data["availability_zones"] = "eu-west-3", ["eu-west-3a", "eu-west-3b"]
    # THEN each real-time endpoint is refused by its key, and nothing else is reported
    [problem] = problems_of(data)
    assert problem.startswith(
        "endpoints[0].mode: region 'eu-west-3' has no SageMaker inference components "
        "(AWS::SageMaker::InferenceComponent); regions that have it: "
    )
    assert "endpoints[1].mode: region 'eu-west-3'" in problem
    assert "use mode = 'async' there" in problem


def test_async_endpoints_are_allowed_where_inference_components_are_not(
    data: dict[str, Any],
) -> None:
    data["region"], data["availability_zones"] = "eu-west-3", ["eu-west-3a", "eu-west-3b"]
    for endpoint in data["endpoints"]:
        endpoint["mode"] = "async"
        endpoint.pop("max_copies", None)
        endpoint.pop("schedules", None)
    config = parse_config(data)
    assert [e.mode for e in config.endpoints] == ["async", "async"]


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        # Stockholm: CloudFormation has no AWS::Budgets::Budget there.
        ("eu-north-1", ["budgets: region 'eu-north-1' has no AWS Budgets in CloudFormation"]),
        # Calgary: no guardrails, no enforcement, no budgets, no inference components.
        (
            "ca-west-1",
            [
                "guardrail: region 'ca-west-1' has no Bedrock guardrails",
                "guardrail.enforcement.enabled: region 'ca-west-1' has no Bedrock account-level",
                "budgets: region 'ca-west-1' has no AWS Budgets in CloudFormation",
                "endpoints[0].mode: region 'ca-west-1' has no SageMaker inference components",
            ],
        ),
    ],
)
def test_fails_naming_each_platform_resource_the_region_lacks(
    data: dict[str, Any], region: str, expected: list[str]
) -> None:
    data["region"], data["availability_zones"] = region, [f"{region}a", f"{region}b"]
    [problem] = problems_of(data)
    for fragment in expected:
        assert fragment in problem
