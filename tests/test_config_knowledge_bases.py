"""``[[knowledge_bases]]``: the schema's errors (key path, value, what is allowed), the construct
errors reported under their TOML keys, and the default config's knowledge base."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import aws_cdk as cdk
import pytest

from genai_platform.config import ConfigError, default_config_text, load_config, parse_config
from genai_platform.reference_app import build_platform
from genai_platform.stacks.config_problems import ConstructConfigError


@pytest.fixture
def data() -> dict[str, Any]:
    """The embedded default config as parsed TOML (a fresh copy per test)."""
    return copy.deepcopy(tomllib.loads(default_config_text()))


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        parse_config(data)
    return raised.value.problems


def test_default_config_has_one_knowledge_base_over_the_handbook_prefix() -> None:
    (kb,) = load_config().knowledge_bases
    assert (kb.alias, kb.embedding_model, kb.prefixes) == ("handbook", "embed", ["handbook/"])
    assert kb.ingest_on_change and kb.full_sync_schedule == "rate(1 day)"
    assert kb.chunking.strategy == "fixed_size"


def test_an_empty_schedule_switches_the_full_sync_off(data: dict[str, Any]) -> None:
    data["knowledge_bases"][0]["full_sync_schedule"] = ""
    assert parse_config(data).knowledge_bases[0].full_sync_schedule is None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"alias": "Hand Book"},
            "knowledge_bases[0].alias: 'Hand Book' is not a knowledge base alias: 1-32 lowercase",
        ),
        (
            {"embedding_model": "cohere.embed-english-v3"},
            "knowledge_bases: [0].embedding_model: 'cohere.embed-english-v3' is neither a "
            "[models.aliases] name nor an id in models.approved",
        ),
        (
            {"parsing_model": "vision"},
            "knowledge_bases: [0].parsing_model: 'vision' is neither a [models.aliases] name",
        ),
        (
            {"prefixes": ["docs/", "docs/hr/"]},
            "knowledge_bases[0].prefixes: 'docs/hr/' lies inside 'docs/'; its documents would "
            "be ingested twice",
        ),
        (
            {"prefixes": ["/docs"]},
            "knowledge_bases[0].prefixes: '/docs' is not a key prefix: 1 to 300 characters, no "
            "leading '/'",
        ),
        (
            {"full_sync_schedule": "every day"},
            "knowledge_bases[0].full_sync_schedule: 'every day' is not an EventBridge schedule "
            "expression",
        ),
        (
            {"dimensions": 5000},
            "knowledge_bases[0].dimensions: 5000 is not allowed; S3 Vectors takes 1 to 4096",
        ),
        (
            {"distance_metric": "dotproduct"},
            "knowledge_bases[0].distance_metric: 'dotproduct' is not allowed",
        ),
        (
            {"chunking": {"strategy": "paragraphs"}},
            "knowledge_bases[0].chunking.strategy: 'paragraphs' is not allowed",
        ),
        ({"sync": True}, "knowledge_bases[0].sync: unknown key (value True); allowed keys: alias"),
    ],
)
def test_fails_when_a_knowledge_base_value_is_bad(
    data: dict[str, Any], change: dict[str, Any], expected: str
) -> None:
    data["knowledge_bases"][0].update(change)
    problems = problems_of(data)
    assert any(p.startswith(expected) for p in problems), problems


def test_fails_when_two_knowledge_bases_share_an_alias(data: dict[str, Any]) -> None:
    data["knowledge_bases"].append(dict(data["knowledge_bases"][0], prefixes=["other/"]))
    problems = problems_of(data)
    assert any(
        p == "knowledge_bases: ['handbook'] used by more than one knowledge base; aliases must "
        "be unique"
        for p in problems
    ), problems


def test_construct_errors_are_reported_under_the_knowledge_base_keys(
    data: dict[str, Any],
) -> None:
    # GIVEN values the schema accepts but the knowledge base refuses
    data["knowledge_bases"][0]["dimensions"] = 768
    data["knowledge_bases"][0]["chunking"] = {"strategy": "fixed_size", "overlap_percentage": 150}
    data["models"]["approved"].append("amazon.nova-micro-v1:0")
    data["knowledge_bases"][0]["parsing_model"] = "amazon.nova-micro-v1:0"
    config = parse_config(data)
    # WHEN the reference platform is built
    with pytest.raises(ConstructConfigError) as raised:
        build_platform(cdk.App(), config)
    # THEN each problem names its TOML key, the value and what is allowed
    problems = raised.value.problems
    assert (
        "knowledge_bases[0].dimensions: 768 is not an output size of "
        "amazon.titan-embed-text-v2:0; allowed: [256, 512, 1024]"
    ) in problems, problems
    assert (
        "knowledge_bases[0].chunking.overlap_percentage: 150 is not allowed; give 1 to 99"
    ) in problems, problems
    assert (
        "knowledge_bases[0].parsing_model: model 'amazon.nova-micro-v1:0' "
        "(amazon.nova-micro-v1:0) is a text model; Bedrock parses documents with multimodal "
        "models only"
    ) in problems, problems


def test_a_text_model_is_refused_as_embedding_model_under_its_key(data: dict[str, Any]) -> None:
    data["knowledge_bases"][0]["embedding_model"] = "chat"
    with pytest.raises(ConstructConfigError) as raised:
        build_platform(cdk.App(), parse_config(data))
    assert any(
        p.startswith("knowledge_bases[0].embedding_model: 'chat'") and "not an embedding model" in p
        for p in raised.value.problems
    ), raised.value.problems


def test_fails_when_the_region_has_no_knowledge_bases(data: dict[str, Any]) -> None:
    data["region"] = "us-west-1"
    data["availability_zones"] = ["us-west-1a", "us-west-1c"]
    problems = problems_of(data)
    assert any(
        "knowledge_bases: region 'us-west-1' has no Bedrock knowledge bases" in p for p in problems
    ), problems
