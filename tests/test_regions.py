"""The region availability tables and their checks (genai_platform.regions)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import pytest

from genai_platform import regions
from genai_platform.regions import REGIONAL_FEATURES, RegionalFeature

#: Regions of the partitions a commercial deployment picks from (the snapshot also holds the
#: GovCloud, China, ISO and sovereign partitions, which the tables do not cover).
_OTHER_PARTITIONS = ("us-gov-", "cn-", "-iso", "eusc-")


@cache
def _registry() -> dict[str, frozenset[str]]:
    """Resource types of each commercial region, from cfn-lint's per-region provider schemas."""
    providers = resources.files("cfnlint") / "data" / "schemas" / "providers"
    out = {}
    for entry in providers.iterdir():
        region = entry.name.removesuffix(".json")
        other_partition = any(p in region for p in _OTHER_PARTITIONS)
        if entry.name.endswith(".json") and region != "sam" and not other_partition:
            out[region] = frozenset(json.loads(entry.read_text("utf-8")))
    return out


@pytest.mark.parametrize(
    "key", [k for k, f in REGIONAL_FEATURES.items() if f.resource_type is not None]
)
def test_feature_table_matches_the_cloudformation_registry(key: str) -> None:
    # GIVEN a feature backed by a CloudFormation resource type
    feature = REGIONAL_FEATURES[key]
    # WHEN compared with the regions whose registry has that type
    having = {r for r, types in _registry().items() if feature.resource_type in types}
    # THEN the table lists exactly those regions (update the table when cfn-lint learns more)
    assert set(feature.regions) == having, sorted(set(feature.regions) ^ having)


def test_scale_to_zero_is_offered_exactly_where_inference_components_are() -> None:
    assert regions.SCALE_TO_ZERO.regions == regions.INFERENCE_COMPONENTS.regions


def test_feature_problem_names_the_prop_region_and_where_it_works() -> None:
    feature = RegionalFeature("Widgets", "AWS::Acme::Widget", frozenset({"us-east-1"}), "test")
    assert regions.feature_problem(feature, "us-east-1", prop="widget") is None
    assert regions.feature_problem(feature, "eu-west-3", prop="widget", hint="use gadgets") == (
        "widget: region 'eu-west-3' has no Widgets (AWS::Acme::Widget); regions that have it: "
        "us-east-1; use gadgets"
    )


@pytest.mark.parametrize(
    ("region", "zones", "problem"),
    [
        ("us-east-1", ["us-east-1a", "us-east-1f"], None),
        ("us-west-1", ["us-west-1b", "us-west-1d"], "['us-west-1d'] not in region 'us-west-1'"),
        ("ap-northeast-1", ["ap-northeast-1d"], None),
        ("eu-west-1", ["eu-west-1ab"], "['eu-west-1ab'] not in region 'eu-west-1'"),
        # A region the table does not know is checked by the name pattern.
        ("xx-test-1", ["xx-test-1q", "us-east-1a"], "['us-east-1a'] not in region 'xx-test-1'"),
    ],
)
def test_zone_problems_use_the_regions_real_zones(
    region: str, zones: list[str], problem: str | None
) -> None:
    found = regions.zone_problems(region, zones)
    if problem is None:
        assert found == []
    else:
        [message] = found
        assert message.startswith(problem)


def test_every_table_region_has_zones() -> None:
    # GIVEN every region some feature lists
    listed = set().union(*(f.regions for f in REGIONAL_FEATURES.values()))
    # THEN the zone table knows each (zones are checked by name, not just by prefix)
    assert sorted(r for r in listed if regions.availability_zones(r) is None) == []
