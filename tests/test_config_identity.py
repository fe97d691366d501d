"""``[[tenants]]`` retrieval settings: knowledge bases, classification ceiling, identity."""

from __future__ import annotations

import copy
import re
import tomllib
from typing import Any

import pytest

from genai_platform.config import ConfigError, IdentityConfig, default_config_text, parse_config
from genai_platform.stacks.genai_account import _tenant_retrieval

IDENTITY = {
    "issuer": "https://login.example.com/",
    "audience": "api://assistant",
    "jwks_url": "https://login.example.com/.well-known/jwks.json",
}


@pytest.fixture
def data() -> dict[str, Any]:
    return copy.deepcopy(tomllib.loads(default_config_text()))


def test_a_tenant_with_knowledge_bases_and_identity_is_valid_with_documented_defaults(
    data: dict[str, Any],
) -> None:
    # GIVEN a tenant with knowledge bases and only the required identity keys
    data["tenants"][0].update(knowledge_bases=["handbook"], identity=dict(IDENTITY))

    # WHEN parsed
    tenant = parse_config(data).tenants[0]

    # THEN the defaults apply: internal ceiling, groups claim, header, RS256, 60 s leeway
    assert tenant.max_classification == "internal"
    assert tenant.identity == IdentityConfig(
        **IDENTITY,
        groups_claim="groups",
        header="x-user-token",
        algorithms=["RS256"],
        leeway_seconds=60,
    )
    # AND the generative-AI stack turns it into the API's props
    retrieval = _tenant_retrieval(tenant)
    assert retrieval is not None and retrieval.identity is not None
    assert list(retrieval.knowledge_bases) == ["handbook"]
    assert retrieval.identity.jwks_url == IDENTITY["jwks_url"]


def test_a_tenant_without_knowledge_bases_gets_no_retrieval(data: dict[str, Any]) -> None:
    data["tenants"][0].pop("knowledge_bases", None)
    assert _tenant_retrieval(parse_config(data).tenants[0]) is None


BAD: list[tuple[str, Any, str]] = [
    ("knowledge_bases", ["Hand Book"], r"tenants\[0\].knowledge_bases: \['Hand Book'\] are not"),
    ("knowledge_bases", ["hr", "hr"], r"tenants\[0\].knowledge_bases: .*\['hr'\] listed more"),
    ("max_classification", "secret", r"tenants\[0\].max_classification: 'secret' is not allowed"),
    ("identity.issuer", "http://x", r"identity.issuer: 'http://x' is not an https:// URL"),
    ("identity.jwks_url", "ftp://k", r"identity.jwks_url: 'ftp://k' is not an https:// URL"),
    ("identity.audience", "", r"identity.audience: '' is not allowed"),
    ("identity.header", "authorization", r"identity.header: 'authorization' is not allowed"),
    ("identity.algorithms", ["HS256"], r"identity.algorithms\[0\]: 'HS256' is not allowed"),
    ("identity.leeway_seconds", 900, r"identity.leeway_seconds: 900 is not allowed"),
    ("identity.groups_claim", "a b", r"identity.groups_claim: 'a b' is not allowed"),
    ("identity.tenant", "team-b", r"identity.tenant: .*(not permitted|unknown)"),
]


@pytest.mark.parametrize(("key", "value", "expected"), BAD, ids=[f"{k}={v!r}" for k, v, _ in BAD])
def test_fails_when_a_retrieval_setting_is_bad(
    data: dict[str, Any], key: str, value: Any, expected: str
) -> None:
    # GIVEN a tenant with valid retrieval settings and one bad value
    tenant = data["tenants"][0]
    tenant.update(knowledge_bases=["handbook"], identity=dict(IDENTITY))
    if key.startswith("identity."):
        tenant["identity"][key.split(".", 1)[1]] = value
    else:
        tenant[key] = value

    # WHEN parsed THEN a problem names the key path, the value and what is allowed
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert any(re.search(expected, p) for p in caught.value.problems), caught.value.problems


def test_fails_when_an_identity_is_given_without_knowledge_bases(data: dict[str, Any]) -> None:
    data["tenants"][0].pop("knowledge_bases", None)
    data["tenants"][0]["identity"] = dict(IDENTITY)
    with pytest.raises(ConfigError, match=r"\[0\].identity: an identity provider only scopes"):
        parse_config(data)
