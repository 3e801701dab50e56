"""The type checker passes: CI runs mypy through this test, with the settings in pyproject.toml ([tool.mypy])."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # 30–50 s with a cold cache (CI), ~3 s warm; runs in the normal suite (nothing deselects slow)
def test_mypy_passes() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "mypy"],  # the files and strictness come from pyproject.toml
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"mypy failed (exit {run.returncode}):\n{output}"
    assert "Success: no issues found" in output, output
