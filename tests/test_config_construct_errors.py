"""A platform built from TOML reports construct errors by TOML key path, all at once."""

from __future__ import annotations

import tomllib
from pathlib import Path

import aws_cdk as cdk
import pytest

from genai_platform import build_platform, parse_config
from genai_platform.stacks.config_problems import ConstructConfigError

DEFAULT = Path(__file__).resolve().parent.parent / "config" / "default.toml"


def test_every_construct_error_is_reported_under_its_toml_key() -> None:
    # GIVEN a config that passes the schema but has three values constructs refuse
    data = tomllib.loads(DEFAULT.read_text("utf-8"))
    data["endpoints"][0]["cpu_cores_per_copy"] = 0.1
    data["endpoints"][1]["schedules"][0]["cron"] = "0 8 * * MON-FRI *"
    data["endpoints"][1]["schedules"][1]["time_zone"] = "Mars/Olympus"
    data["guardrail"]["content_filters"] = [{"type": "GORE"}]
    config = parse_config(data)
    # WHEN the reference platform is built from it
    with pytest.raises(ConstructConfigError) as raised:
        build_platform(cdk.App(), config)
    # THEN every problem is reported, each starting with its TOML key path
    problems = raised.value.problems
    assert any(
        p.startswith("endpoints[0].cpu_cores_per_copy: 0.1 is not allowed") for p in problems
    )
    assert any(
        p.startswith("endpoints[1].schedules['WeekdayMornings']: cron '0 8 * * MON-FRI *' gives")
        for p in problems
    )
    assert any(
        p.startswith("endpoints[1].schedules['WeekdayLateMorning']: time_zone 'Mars/Olympus'")
        for p in problems
    )
    assert any(p.startswith("guardrail.content_filters") and "'GORE'" in p for p in problems)
    assert str(raised.value).startswith(f"{len(problems)} problem(s) in the config's values:")
    assert isinstance(raised.value, ValueError)  # the check command exits 2 with it
