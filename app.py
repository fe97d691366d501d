#!/usr/bin/env python3
"""Reference app: load config -> build the account stacks -> tags -> nag packs -> synth.

`npx cdk synth` uses the embedded default config; `-c config=config/other.toml` picks another.
"""

import sys

import aws_cdk as cdk

from genai_platform.compliance import add_nag_packs
from genai_platform.config import ConfigError, load_config
from genai_platform.reference_app import build_platform

app = cdk.App()
config_path = app.node.try_get_context("config")
try:
    config = load_config(config_path or None)
except ConfigError as exc:
    print(exc, file=sys.stderr)
    sys.exit(2)

build_platform(app, config)
add_nag_packs(app)
app.synth()
