"""The README's Python examples run: every full app synthesizes clean under the three nag packs.

Each ```python block of README.md is preceded by a marker comment saying what it is:
``<!-- python: app -->`` (a complete CDK app: synthesized once here, with zero unacknowledged
nag findings, zero cfn-lint errors, no warning or error annotation and no context lookup),
``<!-- python: fragment -->`` (part of an app, or the reference app that other tests
synthesize: it must compile) or ``<!-- python: script -->`` (a program tested elsewhere).
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from constructs import Construct

import genai_platform
from genai_platform.checks import check_app

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
_MARKER = re.compile(r"<!-- python: (?P<kind>app|fragment|script)\b")


@dataclass(frozen=True)
class Snippet:
    kind: str | None
    line: int
    code: str

    @property
    def name(self) -> str:
        return f"README.md:{self.line}"


def _snippets() -> list[Snippet]:
    snippets: list[Snippet] = []
    kind: str | None = None
    lines = README.read_text("utf-8").splitlines()
    n = 0
    while n < len(lines):
        line = lines[n]
        marker = _MARKER.search(line)
        if marker:
            kind = marker["kind"]
        elif line.startswith("```python"):
            start = n + 1
            n += 1
            while not lines[n].startswith("```"):
                n += 1
            snippets.append(Snippet(kind, start + 1, "\n".join(lines[start:n]) + "\n"))
            kind = None
        elif line.startswith("```"):
            kind = None
            n += 1
            while not lines[n].startswith("```"):
                n += 1
        n += 1
    return snippets


SNIPPETS = _snippets()
APPS = [s for s in SNIPPETS if s.kind == "app"]


def test_every_python_block_is_marked_and_compiles() -> None:
    # GIVEN every ```python block of the README
    assert SNIPPETS
    for snippet in SNIPPETS:
        # THEN it says what it is, and it is valid Python
        assert snippet.kind is not None, f"{snippet.name}: add <!-- python: app|fragment|script -->"
        ast.parse(snippet.code, snippet.name)


def test_every_public_construct_and_prop_type_has_an_example() -> None:
    # GIVEN the public constructs and patterns, and the prop types they take
    constructs_and_patterns = [
        name
        for name in genai_platform.__all__
        if inspect.isclass(value := getattr(genai_platform, name))
        and issubclass(value, Construct)
        and value.__module__.startswith(("genai_platform.constructs", "genai_platform.patterns"))
    ]
    props = [
        "Tenant",
        "ContentFilter",
        "DeniedTopic",
        "PiiEntity",
        "RegexFilter",
        "CallTimeouts",
        "RequestLimits",
        "RetryPolicy",
        "CircuitBreaker",
        "CapacitySchedule",
        "GovernanceStack",
    ]
    used_in_apps = {
        node.id
        for snippet in APPS
        for node in ast.walk(ast.parse(snippet.code))
        if isinstance(node, ast.Name)
    }
    # THEN each is used in a README app that this module synthesizes
    assert sorted(set(constructs_and_patterns + props) - used_in_apps) == []
    # AND the reference stacks appear in an example too
    everything = "".join(s.code for s in SNIPPETS)
    assert "build_platform(app" in everything


@pytest.mark.synth
@pytest.mark.parametrize("snippet", APPS, ids=[s.name for s in APPS])
def test_readme_app_synthesizes_clean_under_the_nag_packs(
    snippet: Snippet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a README app saved as a file (this tree importable, as an install would be)
    app_file = tmp_path / "readme_app.py"
    app_file.write_text(snippet.code, "utf-8")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    # WHEN run once as `genai-platform check --app` runs it (strict: warnings count too)
    result = check_app(f"{sys.executable} {app_file}", tmp_path / "out", strict=True)
    # THEN zero findings, lint errors, warnings and errors
    problems = [
        f"{s.stack}: {item}"
        for s in result.stacks
        for item in [
            *(f"nag {f.rule_id} at {f.construct_path}" for f in s.findings),
            *(f"cfn-lint {i.rule_id} {i.message}" for i in s.lint if i.is_error),
            *(f"{a.level} at {a.construct_path}: {a.message}" for a in s.annotations),
        ]
    ]
    assert problems == []
    assert result.ok and result.stacks
    # AND nothing was looked up (a team's `cdk synth` needs no credentials)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text("utf-8"))
    assert "missing" not in manifest, manifest.get("missing")
