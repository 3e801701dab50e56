"""Dependencies point inward. Read the imports with ast and fail on outward reaches.

app.py / ui/  →  service/  →  storage/
                     ↓           ↓
    reports/ → cohort/, access/ → scoring/   (the pure core)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


SHELL = {"streamlit", "sqlalchemy", "psycopg", "storage", "service", "ui", "app"}
FORBIDDEN = {
    # the questionnaire-and-scoring core reaches nothing of the project but itself
    "scoring": SHELL | {"reports", "access", "cohort"},
    "access": SHELL | {"reports", "cohort"},
    "cohort": SHELL | {"reports", "access"},
    "reports": SHELL,
    # storage records results: it never reaches the UI or the service that calls it
    "storage": {"streamlit", "ui", "app", "service"},
}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_does_not_reach_outward(package: str) -> None:
    files = python_files(package)
    assert files, f"{package}/ must exist"
    offenders = {str(f.relative_to(ROOT)): sorted(imports_of(f) & FORBIDDEN[package]) for f in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_storage_imports_sqlalchemy() -> None:
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in {".venv", "storage", "tests", "bench"} or "site-packages" in rel.parts:
            continue
        if {"sqlalchemy", "psycopg"} & imports_of(path):
            offenders.append(str(rel))
    assert offenders == []


def test_the_checker_sees_imports(tmp_path: Path) -> None:
    """Guard the guard: the ast reader must notice both import forms."""
    sample = tmp_path / "x.py"
    sample.write_text("import streamlit as st\nfrom sqlalchemy.orm import Session\nfrom . import sibling\n")
    assert imports_of(sample) == {"streamlit", "sqlalchemy"}
