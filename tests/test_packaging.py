"""The wheel carries the whole library, package data included."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_every_module_and_package_data(tmp_path: Path) -> None:
    # GIVEN the source tree WHEN a wheel is built
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("genai_platform-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    # THEN every source module, the typing marker and the embedded default config are in it
    expected = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "genai_platform").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert expected <= names, sorted(expected - names)
    assert "genai_platform/py.typed" in names
    default = zipfile.ZipFile(wheel).read("genai_platform/default.toml").decode()
    assert default == (ROOT / "config" / "default.toml").read_text("utf-8")
    assert not any(n.startswith(("tests/", "config/")) for n in names)
