"""A team app's network never makes `cdk synth` look zones up without saying so."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
from aws_cdk.assertions import Annotations, Match

from genai_platform import PrivateNetwork, pin_availability_zones
from genai_platform.constructs.private_network import UNPINNED_ZONES_WARNING_ID
from tests.conftest import TEST_ENV, TEST_ZONES


def test_warns_naming_the_call_when_zones_are_not_pinned() -> None:
    # GIVEN a stack with an explicit environment WHEN a network is added without pinning
    stack = cdk.Stack(cdk.App(), "Test", env=TEST_ENV)
    PrivateNetwork(stack, "Network", availability_zones=TEST_ZONES)
    # THEN a warning with an id says which call keeps synth offline
    found = Annotations.from_stack(stack).find_warning(
        "/Test/Network",
        Match.string_like_regexp(
            r"pin_availability_zones\(stack, \['us-east-1a', 'us-east-1b'\]\).*"
            + UNPINNED_ZONES_WARNING_ID
        ),
    )
    assert len(found) == 1


def test_no_warning_and_no_lookup_when_zones_are_pinned() -> None:
    # GIVEN pinned zones WHEN the network is added
    app = cdk.App()
    stack = cdk.Stack(app, "Test", env=TEST_ENV)
    pin_availability_zones(stack, TEST_ZONES)
    PrivateNetwork(stack, "Network", availability_zones=TEST_ZONES)
    # THEN no warning, and the assembly records no missing context (nothing to look up)
    Annotations.from_stack(stack).has_no_warning("*", Match.any_value())
    manifest = Path(app.synth().directory) / "manifest.json"
    assert "missing" not in json.loads(manifest.read_text("utf-8"))
