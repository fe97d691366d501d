"""Small helpers shared by the gateway's modules: construct ids and cdk-nag finding ids."""

from __future__ import annotations

import json
import re

import aws_cdk as cdk

__all__ = ["_nag_value", "_pascal"]


def _pascal(name: str) -> str:
    """``"team-a_b"`` -> ``"TeamAB"`` for construct ids."""
    return "".join(part.capitalize() for part in re.split(r"[-_]", name) if part)


_PSEUDO = {
    "AWS::Partition": "<AWS::Partition>",
    "AWS::Region": "<AWS::Region>",
    "AWS::AccountId": "<AWS::AccountId>",
    "AWS::URLSuffix": "<AWS::URLSuffix>",
}


def _nag_value(stack: cdk.Stack, value: str) -> str:
    """How cdk-nag writes a value in a finding id: intrinsics of pseudo parameters as
    ``<AWS::Partition>``, references as ``<LogicalId>``, attributes as ``<LogicalId.Attr>``."""
    resolved = stack.resolve(value)
    if isinstance(resolved, str):
        return resolved
    parts = resolved.get("Fn::Join", ["", [resolved]])[1] if isinstance(resolved, dict) else []
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif "Ref" in part:
            out.append(_PSEUDO.get(part["Ref"], f"<{part['Ref']}>"))
        elif "Fn::GetAtt" in part:
            out.append(f"<{'.'.join(part['Fn::GetAtt'])}>")
        else:
            out.append(json.dumps(part))
    return "".join(out)
