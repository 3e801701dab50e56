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
    # languages and catalogues: a leaf every layer may use
    "i18n": SHELL | {"scoring", "reports", "access", "cohort"},
    # storage records results: it never reaches the UI or the service that calls it
    "storage": {"streamlit", "ui", "app", "service"},
    # the service checks, scores and records submissions: no Streamlit, no UI
    "service": {"streamlit", "ui", "app"},
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


def modules_of(path: Path) -> set[str]:
    """Full dotted names of the project modules a file imports (``from a.b import c`` gives a.b and a.b.c)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_storage_records_scores_but_never_computes_them() -> None:
    offenders = {
        str(f.relative_to(ROOT)): sorted(
            m for m in modules_of(f) if m.startswith(("scoring.engine", "scoring.quality"))
        )
        for f in python_files("storage")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


PRODUCTION = ("app.py", "ui", "service", "storage", "reports", "cohort", "access", "i18n")


def test_a_submission_is_scored_in_one_place() -> None:
    """Only ``service.submissions`` imports ``scoring.engine.score`` (the batch CLI and tests aside)."""
    files = [ROOT / "app.py"] + [f for package in PRODUCTION[1:] for f in python_files(package)]
    importers = sorted(str(f.relative_to(ROOT)) for f in files if "scoring.engine.score" in modules_of(f))
    assert importers == ["service/submissions.py"]


def test_the_module_reader_sees_names_and_submodules(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import scoring.quality\nfrom scoring.engine import score, plan\n")
    assert modules_of(sample) == {"scoring.quality", "scoring.engine", "scoring.engine.score", "scoring.engine.plan"}
