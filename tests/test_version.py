"""The version is set in one place (pyproject.toml) and the changelog records it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import genai_platform

ROOT = Path(__file__).resolve().parents[1]


def test_package_version_is_the_pyproject_version() -> None:
    # GIVEN the project's declared version
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    # THEN the package reports it (read from the installed distribution's metadata)
    assert genai_platform.__version__ == declared


def test_changelog_follows_keep_a_changelog_and_records_the_version() -> None:
    # GIVEN the changelog
    text = (ROOT / "CHANGELOG.md").read_text("utf-8")
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    # THEN it has an Unreleased section, and every release heading is "[version] - date"
    assert "## [Unreleased]" in text
    releases = re.findall(r"^## \[(?!Unreleased\])(.+)$", text, re.M)
    assert all(re.fullmatch(r"\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}", r) for r in releases)
    # AND the declared version is either released there or the one still unreleased
    assert declared in text
    # AND only Keep a Changelog's change types head its subsections
    kinds = set(re.findall(r"^### (.+)$", text, re.M))
    assert kinds <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
