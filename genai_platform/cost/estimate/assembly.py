"""Reading a cloud assembly: its stacks (stages included), their environments and templates,
and the nested stack templates of each."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class _Stack:
    name: str
    account: str
    region: str
    templates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def _nested(assembly: Path, artifact_id: str) -> Iterable[tuple[str, dict[str, Any]]]:
    """The nested stack templates of a stack: the ``*.nested.template.json`` file assets of its
    asset manifest (``<artifact id>.assets.json``), nested ones of those included."""
    manifest = assembly / f"{artifact_id}.assets.json"
    if not manifest.is_file():
        return
    for entry in _read_json(manifest).get("files", {}).values():
        path = entry.get("source", {}).get("path", "")
        nested = isinstance(path, str) and path.endswith(".nested.template.json")
        if nested and (assembly / path).is_file():
            yield path.removesuffix(".nested.template.json"), _read_json(assembly / path)


def _stacks(assembly: Path) -> list[_Stack]:
    manifest_file = assembly / "manifest.json"
    if not manifest_file.is_file():
        raise ValueError(f"{assembly} is not a cloud assembly: no manifest.json there")
    manifest = _read_json(manifest_file)
    stacks: list[_Stack] = []
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        kind = artifact.get("type")
        if kind == "cdk:cloud-assembly":  # a stage: its own nested assembly
            directory = artifact.get("properties", {}).get("directoryName")
            if directory:
                stacks.extend(_stacks(assembly / directory))
            continue
        if kind != "aws:cloudformation:stack":
            continue
        environment = str(artifact.get("environment", "aws://unknown-account/unknown-region"))
        account, _, region = environment.removeprefix("aws://").partition("/")
        name = artifact.get("displayName", artifact_id)
        template = _read_json(assembly / artifact["properties"]["templateFile"])
        stack = _Stack(str(name), account, region, [("", template)])
        stack.templates.extend(sorted(_nested(assembly, artifact_id)))
        stacks.append(stack)
    return stacks


def _resources(template: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    resources: dict[str, dict[str, Any]] = template.get("Resources", {}) or {}
    return resources.items()
