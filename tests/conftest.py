"""Shared fixtures.

Database fixtures: ``db_url`` (and ``store`` on top of it) run each test on SQLite (a temporary file)
and, when ``TEST_DATABASE_URL`` names a PostgreSQL server, on PostgreSQL too, each test in a fresh
schema that is dropped afterwards. Without ``TEST_DATABASE_URL`` the PostgreSQL cases are skipped —
unless ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = ROOT / "tests" / "data"
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(autouse=True)
def _pages_raise_under_test(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make the app's friendly error guard (ui/guard.py) re-raise, so AppTest's ``at.exception`` sees crashes.

    Tests of the guard itself turn it back off with ``monkeypatch.setattr(ui.guard, "RERAISE", False)``.
    The crash's message and stack trace are kept (.streamlit/config.toml redacts them for visitors).
    """
    from streamlit import config

    import ui.guard

    monkeypatch.setattr(ui.guard, "RERAISE", True)
    details = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    yield
    config.set_option("client.showErrorDetails", details)


def with_search_path(url: str, schema: str) -> str:
    """The same PostgreSQL URL with every connection's search_path set to one schema."""
    from sqlalchemy.engine import make_url

    u = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return u.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Any]:
    """TEST_DATABASE_URL (``.url``) and an autocommit engine on it (``.engine``) for per-test schemas."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL storage tests must run in CI")
        pytest.skip("TEST_DATABASE_URL is not set (PostgreSQL cases skipped)")
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:  # set but unreachable: an error, never a skip
        conn.exec_driver_sql("SELECT 1")
    yield SimpleNamespace(engine=engine, url=url)
    engine.dispose()


@contextmanager
def pg_schema(admin: Any) -> Iterator[str]:
    """A fresh schema on the test server; yields a URL whose connections use only that schema."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with admin.engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    try:
        yield with_search_path(admin.url, name)
    finally:
        with admin.engine.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')


# Children first, so foreign keys never object; DELETE beats TRUNCATE on a handful of rows.
_EMPTY_ORDER = (
    "answers",
    "responses",
    "deletion_log",
    "questionnaire_dimensions",
    "questionnaires",
    "sign_in_failures",
    "sign_in_budget",
)


def _empty(admin: Any, url: str) -> None:
    """Delete every row of the schema behind url, keeping the tables and the recorded schema version."""
    from sqlalchemy.engine import make_url

    schema = make_url(url).query["options"].split("=", 1)[1]
    with admin.engine.connect() as conn:
        conn.exec_driver_sql("SET lock_timeout = '5s'")  # a leaked connection fails the test, not hangs it
        present = set(
            conn.exec_driver_sql("SELECT tablename FROM pg_tables WHERE schemaname = %(s)s", {"s": schema}).scalars()
        )
        for name in _EMPTY_ORDER:
            if name in present:
                conn.exec_driver_sql(f'DELETE FROM "{schema}"."{name}"')


@pytest.fixture(scope="module")
def _pg_module_url(pg_admin: Any) -> Iterator[str]:
    # One schema per test module; tables are created once and emptied after every test (much
    # cheaper than a schema per test).
    with pg_schema(pg_admin) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no rows: a new SQLite file, or (with TEST_DATABASE_URL) this module's PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    url = request.getfixturevalue("_pg_module_url")
    _empty(request.getfixturevalue("pg_admin"), url)
    yield url


@pytest.fixture(params=BACKENDS)
def fresh_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all (for schema creation and upgrade tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    with pg_schema(request.getfixturevalue("pg_admin")) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def module_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database shared by one module's tests (for read-only tests over one expensive data set)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('module-db') / 'store.sqlite3'}"
        return
    with pg_schema(request.getfixturevalue("pg_admin")) as url:
        yield url


@pytest.fixture
def pg_url(pg_admin: Any) -> Iterator[str]:
    """A fresh PostgreSQL schema only (for tests that need a server, e.g. a dropped connection)."""
    with pg_schema(pg_admin) as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Any]:
    """A Store on ``db_url``, closed afterwards."""
    from storage import Store

    s = Store(db_url)
    yield s
    s.close()


@pytest.fixture(scope="session")
def minimal_q() -> Any:
    """The small two-dimension questionnaire in tests/data/good/minimal.yaml."""
    from scoring.loader import load

    return load(TEST_DATA / "good" / "minimal.yaml")
