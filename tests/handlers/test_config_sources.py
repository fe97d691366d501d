"""Where both functions read the gateway config from (gw_common): the file in their code, the
deploy-time values, ``GATEWAY_CONFIG``; their precedence and errors; and the tenant registry
both functions share."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import fb_config
import gw_common
import gw_config
import pytest

from tests.handlers.conftest import (
    APP_ACCOUNT,
    EXAMPLE_CONFIG,
    FEEDBACK_TABLE_NAME,
    KILL_SWITCH_PARAMETER,
    QUOTA_TABLE_NAME,
    RESPONSE_ID_TEST_KEY,
)

FILE_NAME = "gateway_config.json"


def _split(config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The example config as the construct ships it: the file without the guardrail, and the
    guardrail as deploy-time values."""
    static = copy.deepcopy(config)
    guardrail = static.pop("guardrail")
    return static, {"guardrail": guardrail}


def _write(directory: Path, document: Any) -> Path:
    path = directory / FILE_NAME
    path.write_text(json.dumps(document, sort_keys=True, separators=(",", ":")), "utf-8")
    return path


def _lambda_env(
    task_root: Path, deploy: dict[str, Any] | None = None, **extra: str
) -> dict[str, str]:
    env = {
        "LAMBDA_TASK_ROOT": str(task_root),
        "GATEWAY_CONFIG_FILE": FILE_NAME,
        "QUOTA_TABLE_NAME": QUOTA_TABLE_NAME,
        "KILL_SWITCH_PARAMETER": KILL_SWITCH_PARAMETER,
        "FEEDBACK_TABLE_NAME": FEEDBACK_TABLE_NAME,
        "RESPONSE_ID_TEST_KEY": RESPONSE_ID_TEST_KEY,
        **extra,
    }
    if deploy is not None:
        env["GATEWAY_DEPLOY_VALUES"] = json.dumps(deploy)
    return env


# --- merging --------------------------------------------------------------------------------


def test_merge_config_merges_objects_and_replaces_everything_else() -> None:
    # GIVEN a base and an override with a nested object, a list and a scalar
    base = {"guardrail": {"identifier": "a", "version": "1"}, "features": ["x"], "n": 1}
    override = {"guardrail": {"version": "2"}, "features": ["y"], "n": 2}
    # WHEN merged
    merged = gw_common.merge_config(base, override)
    # THEN objects merge key by key, lists and scalars are replaced, the inputs are unchanged
    assert merged == {"guardrail": {"identifier": "a", "version": "2"}, "features": ["y"], "n": 2}
    assert base["guardrail"] == {"identifier": "a", "version": "1"}


# --- the invoke function --------------------------------------------------------------------


def test_invoke_settings_come_from_the_file_and_the_deploy_values(tmp_path: Path) -> None:
    # GIVEN the config split the way the construct ships it
    static, deploy = _split(EXAMPLE_CONFIG)
    _write(tmp_path, static)
    # WHEN the settings are loaded from LAMBDA_TASK_ROOT/gateway_config.json + the deploy values
    settings = gw_config.load_settings(_lambda_env(tmp_path, deploy))
    # THEN they equal the settings of the whole config given at once
    assert settings.config == gw_config.parse_gateway_config(json.dumps(EXAMPLE_CONFIG))
    assert settings.config.guardrail.identifier == "abc123"


def test_relative_file_is_found_beside_the_module_without_lambda_task_root(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN no LAMBDA_TASK_ROOT and a file named relative to the handler module's directory
    static, deploy = _split(EXAMPLE_CONFIG)
    _write(tmp_path, static)
    module_dir = Path(gw_config.__file__).parent
    relative = os.path.relpath(tmp_path / FILE_NAME, module_dir)
    env = _lambda_env(tmp_path, deploy, GATEWAY_CONFIG_FILE=relative)
    del env["LAMBDA_TASK_ROOT"]
    # WHEN loaded THEN the file is read from there
    assert gw_config.load_settings(env).config.default_alias == "chat"


def test_gateway_config_variable_wins_over_the_file_and_deploy_values(tmp_path: Path) -> None:
    # GIVEN a file, deploy values, and GATEWAY_CONFIG changing the blocked message
    static, deploy = _split(EXAMPLE_CONFIG)
    _write(tmp_path, static | {"blocked_message": "from the file"})
    env = _lambda_env(
        tmp_path,
        {"guardrail": deploy["guardrail"] | {"version": "7"}},
        GATEWAY_CONFIG=json.dumps({"blocked_message": "from GATEWAY_CONFIG"}),
    )
    # WHEN loaded
    config = gw_config.load_settings(env).config
    # THEN GATEWAY_CONFIG beats the file, and the deploy values beat the file
    assert config.blocked_message == "from GATEWAY_CONFIG"
    assert config.guardrail.version == "7"


def test_whole_gateway_config_variable_works_without_a_file() -> None:
    # GIVEN only GATEWAY_CONFIG (local runs and tests)
    env = {
        "GATEWAY_CONFIG": json.dumps(EXAMPLE_CONFIG),
        "QUOTA_TABLE_NAME": QUOTA_TABLE_NAME,
        "KILL_SWITCH_PARAMETER": KILL_SWITCH_PARAMETER,
        "RESPONSE_ID_TEST_KEY": RESPONSE_ID_TEST_KEY,
    }
    # WHEN / THEN it is the whole config
    assert gw_config.load_settings(env).config.tenant_for(f"{APP_ACCOUNT}:role:app-a-workload")


def test_fails_when_the_config_file_is_missing(tmp_path: Path) -> None:
    # GIVEN a file name with no file behind it
    env = _lambda_env(tmp_path, _split(EXAMPLE_CONFIG)[1])
    # WHEN / THEN the cold start fails naming the variable and the path
    with pytest.raises(gw_config.ConfigError) as raised:
        gw_config.load_settings(env)
    message = str(raised.value)
    assert f"GATEWAY_CONFIG_FILE ({tmp_path / FILE_NAME}): cannot be read" in message
    assert "FileNotFoundError" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [("{oops", "is not valid JSON"), ("[1, 2]", "got [1, 2]; must be a JSON object")],
    ids=["not_json", "not_an_object"],
)
def test_fails_when_the_config_file_is_invalid(tmp_path: Path, content: str, expected: str) -> None:
    # GIVEN a file that is not a JSON object
    (tmp_path / FILE_NAME).write_text(content, "utf-8")
    # WHEN / THEN the error names the file and says what is wrong
    with pytest.raises(gw_config.ConfigError, match=r"GATEWAY_CONFIG_FILE \(") as raised:
        gw_config.load_settings(_lambda_env(tmp_path, _split(EXAMPLE_CONFIG)[1]))
    assert expected in str(raised.value)


def test_fails_with_every_source_problem_at_once(tmp_path: Path) -> None:
    # GIVEN a missing file, deploy values that are not JSON and no quota table
    env = _lambda_env(tmp_path, None, GATEWAY_DEPLOY_VALUES="{bad", QUOTA_TABLE_NAME="")
    # WHEN / THEN one error lists all three
    with pytest.raises(gw_config.ConfigError) as raised:
        gw_config.load_settings(env)
    problems = raised.value.problems
    assert len(problems) == 3
    assert any(p.startswith("GATEWAY_CONFIG_FILE (") for p in problems)
    assert any(p.startswith("GATEWAY_DEPLOY_VALUES: is not valid JSON") for p in problems)
    assert any(p.startswith("QUOTA_TABLE_NAME: got ''") for p in problems)


def test_fails_when_neither_the_file_nor_the_variable_is_set() -> None:
    # GIVEN deploy values only
    env = {"GATEWAY_DEPLOY_VALUES": json.dumps(_split(EXAMPLE_CONFIG)[1])}
    # WHEN / THEN the error says which variables give the config
    with pytest.raises(
        gw_config.ConfigError, match=r"GATEWAY_CONFIG_FILE: is not set \(nor GATEWAY_CONFIG\)"
    ):
        gw_config.load_settings(env)


def test_fails_when_the_merged_config_lacks_the_deploy_values(tmp_path: Path) -> None:
    # GIVEN the file without the guardrail and no deploy values
    _write(tmp_path, _split(EXAMPLE_CONFIG)[0])
    # WHEN / THEN the merged document is validated as a whole
    with pytest.raises(gw_config.ConfigError, match=r"GATEWAY_CONFIG\.guardrail: is required"):
        gw_config.load_settings(_lambda_env(tmp_path))


# --- the feedback function ------------------------------------------------------------------


def test_feedback_settings_come_from_the_file(tmp_path: Path) -> None:
    # GIVEN the file alone (the feedback function gets no deploy values)
    _write(tmp_path, _split(EXAMPLE_CONFIG)[0])
    # WHEN loaded THEN the tenants are mapped from it
    settings = fb_config.load_settings(_lambda_env(tmp_path))
    assert settings.tenant_for(f"{APP_ACCOUNT}:role:app-b-workload") == "team-b"


def test_feedback_fails_when_the_config_file_is_missing(tmp_path: Path) -> None:
    # GIVEN no file WHEN / THEN the cold start fails naming the variable, with the other problems
    with pytest.raises(fb_config.ConfigError) as raised:
        fb_config.load_settings(_lambda_env(tmp_path, FEEDBACK_TTL_DAYS="0"))
    message = str(raised.value)
    assert "GATEWAY_CONFIG_FILE (" in message and "cannot be read" in message
    assert "FEEDBACK_TTL_DAYS: got '0'" in message


# --- the shared tenant registry -------------------------------------------------------------


def test_tenant_registry_maps_principals_to_tenants() -> None:
    # GIVEN the example tenants WHEN parsed THEN each principal key maps to its tenant
    registry = gw_common.parse_tenant_registry(EXAMPLE_CONFIG["tenants"])
    assert registry.problems == ()
    assert registry.by_principal == {
        f"{APP_ACCOUNT}:role:app-a-workload": "team-a",
        f"{APP_ACCOUNT}:role:app-b-workload": "team-b",
    }
    assert [t.id for t in registry.tenants] == ["team-a", "team-b"]


def test_fails_when_tenant_ids_repeat_in_the_registry() -> None:
    # GIVEN two tenants with one id
    tenants = copy.deepcopy(EXAMPLE_CONFIG["tenants"])
    tenants[1]["id"] = "team-a"
    # WHEN / THEN the second is named
    registry = gw_common.parse_tenant_registry(tenants)
    assert registry.problems == ("tenants[1].id: got 'team-a'; tenant ids must be unique",)


def test_both_functions_report_a_bad_principal_the_same_way(tmp_path: Path) -> None:
    # GIVEN a tenant principal written as an ARN instead of a principal key
    static, deploy = _split(EXAMPLE_CONFIG)
    static["tenants"][0]["principals"] = ["arn:aws:iam::111111111111:role/app"]
    _write(tmp_path, static)
    expected = (
        "tenants[0].principals[0]: got 'arn:aws:iam::111111111111:role/app'; must be "
        "'<account>:role:<name>' or '<account>:user:<name>'"
    )
    # WHEN each function loads it THEN both name the same key with the same words
    with pytest.raises(gw_config.ConfigError) as invoke:
        gw_config.load_settings(_lambda_env(tmp_path, deploy))
    with pytest.raises(fb_config.ConfigError) as feedback:
        fb_config.load_settings(_lambda_env(tmp_path))
    assert expected in invoke.value.problems
    assert f"GATEWAY_CONFIG.{expected}" in feedback.value.problems
