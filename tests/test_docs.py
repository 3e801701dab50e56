"""Docs stay true: CI runs the README's test command, and the README's CLI commands work."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def fenced(after_heading: str) -> str:
    section = README.split(after_heading, 1)[1]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1).strip()


def test_ci_runs_the_readme_test_command() -> None:
    command = fenced("## Run the tests")
    assert "pytest" in command
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_app_command_installs_runtime_requirements_and_runs_app() -> None:
    command = fenced("## Run the app")
    assert "-r requirements.txt" in command
    assert command.endswith("streamlit run app.py")


def test_readme_cli_commands_run(tmp_path: Path) -> None:
    (tmp_path / "questions").symlink_to(ROOT / "questions")  # commands use repo-relative paths
    lines = [line.split("#")[0].strip() for line in fenced("## Command line").splitlines()]
    for line in filter(None, lines):
        args = shlex.split(line)
        assert args[:3] == ["python", "-m", "scoring"], line
        args = [sys.executable, *args[1:]]
        if args[3] == "sample":
            args[args.index("-n") + 1] = "200"
        done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=_env())
        assert done.returncode == 0, f"{line}\n{done.stderr}"
        assert "Traceback" not in done.stderr


def _env() -> dict[str, str]:
    import os

    # Run from a scratch folder (outputs land there) while importing the project and reading questions/.
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_readme_states_how_the_percentile_is_rounded_and_bounded() -> None:
    """The page shows "about 1 %" for a low score: the README must not promise multiples of 5 only."""
    from cohort.norms import STEP, shown_percentile

    text = " ".join(README.split())
    low, high = shown_percentile(0.0), shown_percentile(100.0)
    assert f"rounded to the nearest {STEP} % and kept between {low} % and {high} %" in text
    assert low % STEP and high % STEP  # the bounds are not multiples of the step: hence the sentence
