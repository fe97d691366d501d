"""Values CloudFormation accepts but the service refuses at deploy are refused at synth."""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk
import pytest

from genai_platform.constructs.inference_endpoint import CapacitySchedule, InferenceEndpoint
from genai_platform.constructs.schedule_checks import cron_problems, time_zone_problems
from tests.conftest import TEST_ENV

MODEL = "s3://genai-models-222222222222/m/model.tar.gz"
IMAGE = "763104351884.dkr.ecr.{region}.amazonaws.com/custom-neuronx:1.0"


def _endpoint(**props: Any) -> InferenceEndpoint:
    defaults: dict[str, Any] = {
        "instance_type": "ml.inf2.xlarge",
        "model_data_uri": MODEL,
        "image_uri": IMAGE.format(region="us-east-1"),
    }
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    return InferenceEndpoint(stack, "Endpoint", **{**defaults, **props})


# --------------------------------------------------------------------------- cron


@pytest.mark.parametrize(
    "expression",
    [
        "0 8 ? * MON-FRI *",
        "30 6 ? * MON *",
        "0 19 1 * ? *",
        "0/15 8-18 ? JAN,JUL 2#1 2026-2030",
        "0 0 L * ? *",
        "0 0 15W * ? *",
        "0 12 ? * 6L *",
    ],
)
def test_accepts_application_auto_scaling_cron_expressions(expression: str) -> None:
    assert cron_problems("cron", expression) == []


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0 8 * * MON-FRI *", "gives both day-of-month '\\*' and day-of-week 'MON-FRI'"),
        ("0 8 ? * ? *", "gives both day-of-month '\\?' and day-of-week '\\?'"),
        ("61 8 ? * MON *", "has minutes '61' out of range; allowed: 0-59"),
        ("0 24 ? * MON *", "has hours '24' out of range; allowed: 0-23"),
        ("0 8 32 * ? *", "has day-of-month '32' out of range"),
        ("0 8 ? 13 MON *", "has month '13' out of range; allowed: 1-12 or JAN-DEC"),
        ("0 8 ? * 8 *", "has day-of-week '8' out of range"),
        ("0 8 ? * MON 2300", "has year '2300' out of range; allowed: 1970-2199"),
        ("0 8 ? * MON", "give six fields"),
    ],
)
def test_refuses_cron_expressions_the_service_refuses(expression: str, expected: str) -> None:
    problems = cron_problems("cron", expression)
    assert problems and all(p.startswith(f"cron {expression!r}") for p in problems)
    assert any(re.search(expected, p) for p in problems), problems


def test_endpoint_names_the_schedule_whose_cron_has_both_day_fields() -> None:
    schedule = CapacitySchedule("Mornings", "0 8 * * MON-FRI *", min_capacity=1)
    with pytest.raises(
        ValueError,
        match=r"schedules\['Mornings'\]: cron '0 8 \* \* MON-FRI \*' gives both day-of-month",
    ):
        _endpoint(schedules=[schedule], max_instances=2)


# --------------------------------------------------------------------------- time zones


def test_refuses_a_time_zone_that_does_not_exist() -> None:
    schedule = CapacitySchedule(
        "Mornings", "0 8 ? * MON-FRI *", min_capacity=1, time_zone=cdk.TimeZone.of("Mars/Base")
    )
    with pytest.raises(
        ValueError, match=r"schedules\['Mornings'\]: time_zone 'Mars/Base' is not an IANA"
    ):
        _endpoint(schedules=[schedule], max_instances=2)


def test_accepts_real_time_zones() -> None:
    assert time_zone_problems("time_zone", "Europe/Berlin") == []
    assert time_zone_problems("time_zone", "UTC") == []
    schedule = CapacitySchedule(
        "Mornings", "0 8 ? * MON-FRI *", min_capacity=1, time_zone=cdk.TimeZone.EUROPE_BERLIN
    )
    assert _endpoint(schedules=[schedule], max_instances=2).node.id == "Endpoint"


# --------------------------------------------------------------------------- endpoint props


def test_refuses_cpu_cores_per_copy_below_sagemakers_minimum() -> None:
    with pytest.raises(
        ValueError, match=r"cpu_cores_per_copy: 0.1 is not allowed; .* from 0.25 \(SageMaker"
    ):
        _endpoint(cpu_cores_per_copy=0.1)


def test_accepts_a_quarter_core_per_copy() -> None:
    assert _endpoint(cpu_cores_per_copy=0.25).node.id == "Endpoint"


def test_refuses_an_image_in_another_region_than_the_stack() -> None:
    image = IMAGE.format(region="eu-west-1")
    with pytest.raises(
        ValueError,
        match=r"image_uri: '.*eu-west-1.*' is in region eu-west-1, the stack in us-east-1; "
        r"SageMaker pulls model images from its own region's ECR only",
    ):
        _endpoint(image_uri=image)


# --------------------------------------------------------------------------- gateway names


def test_refuses_a_second_api_with_the_same_name_prefix_in_one_account_and_region() -> None:
    from genai_platform import GuardedInferenceApi, Guardrail, ModelCatalog, Tenant

    # GIVEN an app whose two stacks deploy to the same account and region, one API each
    app = cdk.App()
    first, second = (cdk.Stack(app, name, env=TEST_ENV) for name in ("First", "Second"))

    def api(stack: cdk.Stack) -> GuardedInferenceApi:
        return GuardedInferenceApi(
            stack,
            "Gateway",
            guardrail=Guardrail(stack, "Guardrail"),
            model_catalog=ModelCatalog(
                stack,
                "Models",
                models=["us.amazon.nova-lite-v1:0"],
                aliases={"fast": "us.amazon.nova-lite-v1:0"},
            ),
            tenants=[
                Tenant(
                    id="team-a",
                    principals=["arn:aws:iam::111111111111:role/team-a"],
                    aliases=["fast"],
                )
            ],
            name_prefix="acme",
        )

    api(first)
    # WHEN the second uses the same name_prefix THEN it is refused naming both and the clash
    with pytest.raises(
        ValueError,
        match=r"name_prefix: 'acme' is already used by the inference API 'First/Gateway' in the "
        r"same account and region; its kill-switch parameter \(/acme/gateway/kill-switch\)",
    ):
        api(second)
