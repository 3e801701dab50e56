"""Engines configured for the store: SQLite with WAL (``synchronous=NORMAL``), busy timeout, foreign keys
and write-first transactions; PostgreSQL with pre-ping and a lock timeout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from storage.records import StoreError

WRITE = "career_radar_write"  # execution option: this transaction will write (SQLite: BEGIN IMMEDIATE)


def normalise_url(url: str) -> URL:
    u = make_url(url)
    # Plain postgresql:// would pick psycopg2; this project ships psycopg 3.
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u


def make_engine(
    url: str, *, lock_timeout: float = 10.0, pool_size: int | None = None, max_overflow: int | None = None
) -> Engine:
    """An engine configured for the store: SQLite with WAL, busy timeout and foreign keys; PostgreSQL with pre-ping."""
    u = normalise_url(url)
    backend = u.get_backend_name()
    wait_ms = max(1, int(lock_timeout * 1000))
    if backend == "sqlite":
        memory = u.database in (None, "", ":memory:")
        pool: dict[str, Any] = {}
        if memory:
            pool["poolclass"] = StaticPool  # one shared in-memory database, not one per connection
        else:
            assert u.database is not None
            if not u.database.startswith("file:"):
                Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            pool = {"pool_size": pool_size or 5, "max_overflow": 10 if max_overflow is None else max_overflow}
        engine = create_engine(u, connect_args={"check_same_thread": False}, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # pysqlite's own BEGIN handling is off; see _sqlite_begin
            cur = dbapi_conn.cursor()
            for pragma in (f"busy_timeout = {wait_ms}", "foreign_keys = ON"):
                cur.execute(f"PRAGMA {pragma}")
            mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode == "wal":
                # Each answer is committed in its click (so a refresh cannot lose it); with the default
                # synchronous=FULL every such commit waits for an fsync of the WAL (3-8 ms on the shared
                # machine, most of an answer click's cost). In WAL mode NORMAL still writes every commit
                # to the WAL file before COMMIT returns: the commit is visible to every connection at once
                # and survives the app crashing or being killed, a browser refresh, a dropped connection.
                # What it gives up is the fsync: a power cut or OS crash can roll back the last commits
                # (never corrupt the database). That is the same class of loss as the disk itself failing,
                # which backups, not this pragma, cover; production runs PostgreSQL (DEPLOY.md).
                cur.execute("PRAGMA synchronous = NORMAL")
            # Any other mode (":memory:" reports "memory"; a filesystem without shared memory keeps
            # "delete") keeps SQLite's default synchronous=FULL: NORMAL is only weakened safely in WAL.
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # A write transaction takes the write lock up front: a deferred one that reads first and
            # writes later fails at once with "database is locked" when another writer got in between,
            # instead of waiting out the busy timeout.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

        return engine
    if backend == "postgresql":
        engine = create_engine(
            u,
            pool_pre_ping=True,
            pool_size=pool_size or 5,
            max_overflow=10 if max_overflow is None else max_overflow,
            connect_args={"connect_timeout": max(1, int(lock_timeout))},
        )

        @event.listens_for(engine, "connect")
        def _pg_connect(dbapi_conn: Any, _record: Any) -> None:
            # A row or table lock held elsewhere becomes StoreUnavailable after this wait, not a hang.
            with dbapi_conn.cursor() as cur:
                cur.execute(f"SET lock_timeout = {wait_ms}")
            dbapi_conn.commit()

        return engine
    raise StoreError(f"unsupported database {backend!r}: use sqlite or postgresql")
