"""The answer click's write, on the driver's own connection (private to the store).

Every answer a candidate gives is committed in its click, so this transaction is the one the app runs
most. Through SQLAlchemy's ``Connection`` (events, execution contexts, result objects) it cost 1.06–1.30 ms
with cold caches, as in a running server between clicks; on the driver's connection, with the same SQL,
0.57 ms (BENCHMARKS.md, "The answer click on the driver's connection"). So the statements are still
SQLAlchemy Core, compiled once per dialect (``DriverStatement``: the SQL text and the order and type
processing of its parameters come from SQLAlchemy), and the transaction is the driver's, with the
engine's own rules: the connection comes from the engine's pool (its connect-time settings and
pre-ping), a SQLite write takes the process's writer queue and ``BEGIN IMMEDIATE`` as
``Database.tx(write=True)`` does, and a connection-level failure is ``StoreUnavailable``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from storage._db import guard, reason
from storage.engine import sqlite_writer_queue
from storage.records import StoreUnavailable


class DriverStatement:
    """A Core statement as SQL text and driver parameters for one dialect, compiled once.

    ``params`` puts the named values in the order (or under the names) the driver's paramstyle wants and
    passes each through its column type's bind processing (so a ``UTCDateTime`` becomes UTC text on
    SQLite, as through a ``Connection``).
    """

    def __init__(self, stmt: ClauseElement, dialect: Dialect, column_keys: Sequence[str] | None = None) -> None:
        compiled = stmt.compile(dialect=dialect, column_keys=list(column_keys) if column_keys else None)
        assert isinstance(compiled, SQLCompiler)  # a statement, not DDL
        self.sql: str = compiled.string
        self._order: tuple[str, ...] | None = tuple(compiled.positiontup) if compiled.positiontup else None
        processors: dict[str, Callable[[Any], Any]] = {}
        for name, bind in compiled.binds.items():
            process = bind.type.bind_processor(dialect)
            if process is not None:
                processors[name] = process
        self._processors = processors

    def params(self, values: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        processed = {k: (self._processors[k](v) if k in self._processors else v) for k, v in values.items()}
        if self._order is None:
            return processed
        return tuple(processed[name] for name in self._order)


class DriverWrites:
    """Write transactions on the DBAPI connections of one engine (see the module's docstring).

    A SQLite file's writers take turns anyway (the process's writer queue, then SQLite's one write
    lock), so these writes keep one connection of their own, taken from the engine's pool once and used
    only while holding the queue: checking a pooled connection out and in cost 0.2 ms of a 0.7 ms save.
    A save through the pool first waited for a free connection (up to the pool's timeout, 30 s), which
    kept at most the pool's size in the queue, and then up to ``lock_timeout`` in it. Without the pool
    every waiting save is in the queue (50 threads saving at once under load overran a 2 s
    ``lock_timeout``, tests/test_storage_contention.py), so a save gives up after ``lock_timeout`` with
    no commit ahead of it, as before, but keeps its place while the queue moves, up to the pool's
    timeout longer: the same bound as before.
    PostgreSQL writes run side by side, each on a pooled connection.
    """

    def __init__(self, engine: Engine, url: str, lock_timeout: float) -> None:
        self._engine = engine
        self.dialect = engine.dialect
        self._dbapi = engine.dialect.loaded_dbapi
        self._unavailable = (self._dbapi.OperationalError, self._dbapi.InterfaceError)
        self._queue = sqlite_writer_queue(url) if self.dialect.name == "sqlite" else None
        self._lock_timeout = lock_timeout
        pool_timeout = getattr(engine.pool, "timeout", None)  # QueuePool: how long a checkout may wait
        self._while_moving = pool_timeout() if callable(pool_timeout) else 0.0
        self._kept: Any = None  # SQLite file: the pool's connection these writes keep (detached from the pool)
        self._statements: dict[int, tuple[ClauseElement, DriverStatement]] = {}

    def prepared(self, stmt: ClauseElement, column_keys: Sequence[str] = ()) -> DriverStatement:
        """``stmt`` compiled for this engine's dialect, once (kept by the statement's identity)."""
        found = self._statements.get(id(stmt))
        if found is None or found[0] is not stmt:
            found = self._statements[id(stmt)] = (stmt, DriverStatement(stmt, self.dialect, column_keys))
        return found[1]

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A write transaction as a DBAPI cursor: committed when the block ends, rolled back if it raises."""
        with self._connection() as (dbapi_conn, drop):
            try:
                cursor = dbapi_conn.cursor()
                if self.dialect.name == "sqlite":  # the write lock up front, as Database.tx(write=True)
                    cursor.execute("BEGIN IMMEDIATE")
                yield cursor
                dbapi_conn.commit()
            except BaseException as exc:
                with suppress(self._dbapi.Error):
                    dbapi_conn.rollback()
                if isinstance(exc, self._unavailable):
                    drop(exc)
                    raise StoreUnavailable(f"the database is unavailable: {reason(exc)}") from exc
                raise

    @contextmanager
    def _connection(self) -> Iterator[tuple[Any, Callable[[BaseException], None]]]:
        """A DBAPI connection for one transaction, and how to drop it after a connection-level failure."""
        if self._queue is None:
            with self._pooled() as pooled:

                def drop(exc: BaseException) -> None:
                    if getattr(pooled.dbapi_connection, "closed", False):  # lost (PostgreSQL): not back to the pool
                        pooled.invalidate(exc)

                yield pooled.dbapi_connection, drop
            return
        if not self._queue.acquire(self._lock_timeout, while_moving=self._while_moving):
            raise StoreUnavailable(
                f"the database is unavailable: database is locked (queued {self._lock_timeout:g} s behind writers)"
            )
        try:
            if self._kept is None:
                kept = self._checkout()
                kept.detach()  # kept until close(), never returned to the pool
                self._kept = kept
            yield self._kept.dbapi_connection, lambda _exc: self.close()  # reopened at the next write
        finally:
            self._queue.release()

    @contextmanager
    def _pooled(self) -> Iterator[Any]:
        pooled = self._checkout()
        try:
            yield pooled
        finally:
            pooled.close()  # back to the pool; closed if invalidated

    def _checkout(self) -> Any:
        try:
            with guard():  # the pool's own failures (its timeout) come as SQLAlchemy's errors
                return self._engine.raw_connection()
        except self._unavailable as exc:  # a refused connection comes as the driver's
            raise StoreUnavailable(f"the database is unavailable: {reason(exc)}") from exc

    def close(self) -> None:
        """Close the connection these writes keep (SQLite); the next write opens another."""
        kept, self._kept = self._kept, None
        if kept is not None:
            with suppress(self._dbapi.Error):
                kept.close()
