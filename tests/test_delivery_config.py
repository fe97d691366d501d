"""``[delivery]``: the example loads; every bad value is named with what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from genai_platform.config import ConfigError
from genai_platform.delivery.config import load_delivery_config

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config" / "environments" / "delivery.toml"


def _write(tmp_path: Path, text: str) -> Path:
    for env in ("staging", "production"):
        source = (ROOT / "config" / "environments" / f"{env}.toml").read_text("utf-8")
        (tmp_path / f"{env}.toml").write_text(source, "utf-8")
    path = tmp_path / "delivery.toml"
    path.write_text(text, "utf-8")
    return path


def _example(**replace: str) -> str:
    text = EXAMPLE.read_text("utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_example_lists_staging_then_production_with_approval_before_production() -> None:
    # GIVEN the example delivery file WHEN it is loaded
    delivery, platforms = load_delivery_config(EXAMPLE)
    # THEN the environments keep their order and production needs an approval
    assert [e.name for e in delivery.environments] == ["staging", "production"]
    assert [delivery.needs_approval(e) for e in delivery.environments] == [False, True]
    # AND each environment's platform config is loaded, in its own accounts
    assert platforms["staging"].accounts.genai != platforms["production"].accounts.genai


def test_fails_on_a_bad_repository_and_a_wildcard_branch(tmp_path: Path) -> None:
    # GIVEN a repository without owner and a branch pattern
    path = _write(
        tmp_path,
        _example(
            **{
                'repository = "acme/genai-platform"\nbranch = "main"\n# An': (
                    'repository = "genai platform"\nbranch = "release/*"\n# An'
                )
            }
        ),
    )
    # WHEN it is loaded THEN both keys are named with the bad value
    with pytest.raises(ConfigError) as error:
        load_delivery_config(path)
    message = str(error.value)
    assert "delivery.source.repository: 'genai platform' is not a GitHub repository" in message
    assert "delivery.source.branch: 'release/*' is a pattern" in message


def test_fails_with_both_a_github_and_an_s3_source(tmp_path: Path) -> None:
    # GIVEN a source with a connection and a bucket
    path = _write(
        tmp_path,
        _example(**{'# bucket = "acme': 'bucket = "acme', "# object_key": "object_key"}),
    )
    # WHEN it is loaded THEN the source section says to give one of them
    with pytest.raises(ConfigError, match=r"delivery\.source: give either connection_arn"):
        load_delivery_config(path)


def test_fails_when_the_smoke_tenant_does_not_trust_the_smoke_test_role(tmp_path: Path) -> None:
    # GIVEN a staging config whose smoke tenant trusts another principal
    path = _write(tmp_path, EXAMPLE.read_text("utf-8"))
    staging = tmp_path / "staging.toml"
    staging.write_text(
        staging.read_text("utf-8").replace("role/genai-delivery-smoke-test", "role/someone-else"),
        "utf-8",
    )
    # WHEN it is loaded THEN the problem names the tenant and the role it must trust
    with pytest.raises(ConfigError) as error:
        load_delivery_config(path)
    assert (
        "delivery.environments[0].config (staging.toml): tenants 'smoke'"
        ".trusted_principal_arn is 'arn:aws:iam::999999999999:role/someone-else'"
    ) in str(error.value)
    assert "'arn:aws:iam::999999999999:role/genai-delivery-smoke-test'" in str(error.value)


def test_fails_on_an_unknown_smoke_tenant_and_a_bad_environment_config(tmp_path: Path) -> None:
    # GIVEN an unknown smoke tenant and a production config with a bad account id
    path = _write(
        tmp_path,
        _example(**{'smoke_test_tenant = "smoke"\n': 'smoke_test_tenant = "ghost"\n'}),
    )
    production = tmp_path / "production.toml"
    production.write_text(
        production.read_text("utf-8").replace('data = "633333333333"', 'data = "6333"'), "utf-8"
    )
    # WHEN it is loaded THEN every problem is listed at once
    with pytest.raises(ConfigError) as error:
        load_delivery_config(path)
    problems = error.value.problems
    assert any("environments[0].smoke_test_tenant: 'ghost' is not a tenant" in p for p in problems)
    assert any(
        "environments[1].config (production.toml): accounts.data: '6333'" in p for p in problems
    )
