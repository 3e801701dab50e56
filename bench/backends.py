"""The two databases a storage benchmark runs against: a SQLite file under bench/out, a PostgreSQL schema.

Each is a context manager that yields the URL to use and removes the database afterwards unless asked to keep it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def sqlite_file(name: str, *, keep: bool) -> Iterator[str]:
    """URL of bench/out/NAME.sqlite3; its size printed after a run that succeeded; deleted (WAL too) unless keep."""
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.sqlite3"
    try:
        yield f"sqlite:///{path}"
        print(f"database file {path.stat().st_size / 1e9:.2f} GB")
    finally:
        if not keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def pg_schema(base: str | None, schema: str, *, keep: bool) -> Iterator[tuple[str, Any]]:
    """(URL whose search_path is SCHEMA, an autocommit admin engine); the schema is created if missing and
    dropped afterwards unless keep."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = base or DEFAULT_PG
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
        try:
            yield url, admin
        finally:
            if not keep:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        admin.dispose()
