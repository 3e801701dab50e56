"""PostgreSQL bulk load: a load that at least doubles a table sets its indexes and keys aside and rebuilds
them exactly, in the load's one transaction (``storage.bulk._load_postgresql_all``).

PostgreSQL only (TEST_DATABASE_URL), each test in a fresh schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, event
from sqlalchemy.exc import IntegrityError

import storage.bulk
from scoring.engine import score_frame
from scoring.sample import generate
from service.bulk import bulk_load, flag_json
from storage import Store
from storage.bulk import bulk_insert
from tests.test_storage_rollup import assert_rollup_equals_scan

TABLES = "('responses', 'answers')"


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    s = Store(pg_url)
    yield s
    s.close()


def catalog(conn: Connection) -> dict[str, set[tuple[Any, ...]]]:
    """Every index, constraint and trigger on responses and answers (and foreign keys to them), by name and
    definition."""
    indexes = conn.exec_driver_sql(
        "SELECT x.tablename, x.indexname, x.indexdef, i.indisprimary, i.indisunique, i.indisvalid"
        " FROM pg_indexes x JOIN pg_index i ON i.indexrelid = to_regclass(quote_ident(x.indexname))"
        f" WHERE x.schemaname = current_schema() AND x.tablename IN {TABLES}"
    ).all()
    constraints = conn.exec_driver_sql(
        "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid), convalidated,"
        " conindid::regclass::text FROM pg_constraint"
        " WHERE conrelid IN (to_regclass('responses'), to_regclass('answers'))"
        " OR confrelid IN (to_regclass('responses'), to_regclass('answers'))"  # other tables' foreign keys too
    ).all()
    triggers = conn.exec_driver_sql(
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal"
        " AND tgrelid IN (to_regclass('responses'), to_regclass('answers'))"
    ).all()
    return {"indexes": set(map(tuple, indexes)), "constraints": set(map(tuple, constraints)), "triggers": set(triggers)}


def contents(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of responses, answers and the rollup, in a fixed order."""
    return {
        "responses": [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM responses ORDER BY id")],
        "answers": [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM answers ORDER BY response_id, item_id")],
        "rollup": sorted((tuple(r) for r in conn.exec_driver_sql("SELECT * FROM response_rollup")), key=repr),
    }


def state(store: Store) -> tuple[dict[str, Any], dict[str, Any]]:
    with store.engine.connect() as conn:
        return catalog(conn), contents(conn)


@contextmanager
def statements(store: Store) -> Iterator[list[str]]:
    """Every SQL statement the store's engine sends meanwhile (COPY's data goes by the driver, unseen)."""
    seen: list[str] = []

    def spy(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", spy)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", spy)


def dropped(seen: list[str]) -> list[str]:
    """The statements that dropped an index or a constraint."""
    return [s for s in seen if s.startswith("DROP INDEX") or (s.startswith("ALTER TABLE") and " DROP CONSTRAINT " in s)]


def test_a_doubling_load_rebuilds_every_index_and_constraint_as_it_was(pg_store: Store, minimal_q: Any) -> None:
    pg_store.register(minimal_q)
    before, _ = state(pg_store)
    assert len(before["indexes"]) == 10 and len(before["constraints"]) == 9  # the schema this test knows
    with statements(pg_store) as seen:
        bulk_load(pg_store, minimal_q, generate(minimal_q, 40, seed=1), chunk=15)  # into an empty table
    gone = " ".join(dropped(seen))
    # Everything went: both tables' foreign keys (so the responses primary key is free), every index.
    for name in ("answers_response_id_fkey", "responses_content_hash_fkey", "responses_pkey", "answers_pkey"):
        assert f"DROP CONSTRAINT {name}" in gone
    for name in ("ix_responses_attribution", "ix_responses_last_saved", "ix_responses_previous"):
        assert name in gone
    assert any("maintenance_work_mem" in s for s in seen)
    after, rows = state(pg_store)
    assert after == before
    assert len(rows["responses"]) == 40 and len(rows["answers"]) > 40

    # A second load into the analysed table of 40 doubles it again: the same, with rows already there.
    with statements(pg_store) as seen:
        bulk_load(pg_store, minimal_q, generate(minimal_q, 45, seed=2), chunk=20)
    assert "DROP CONSTRAINT responses_pkey" in " ".join(dropped(seen))
    after, rows = state(pg_store)
    assert after == before
    assert len(rows["responses"]) == 85 and len({r[0] for r in rows["responses"]}) == 85
    assert_rollup_equals_scan(pg_store, minimal_q)


def test_a_small_load_into_a_big_table_drops_nothing(pg_store: Store, minimal_q: Any) -> None:
    bulk_load(pg_store, minimal_q, generate(minimal_q, 50, seed=1))  # analysed afterwards: 50 rows known
    before, _ = state(pg_store)
    with statements(pg_store) as seen:
        bulk_load(pg_store, minimal_q, generate(minimal_q, 5, seed=2))
    assert dropped(seen) == []
    assert not any("maintenance_work_mem" in s or "ADD CONSTRAINT" in s or "CREATE" in s for s in seen)
    after, rows = state(pg_store)
    assert after == before and len(rows["responses"]) == 55
    assert pg_store.check_rollup() == []


def test_what_something_else_depends_on_is_kept(pg_store: Store, minimal_q: Any) -> None:
    """A load without answers keeps the responses primary key (the answers foreign key needs it); so does
    another table's foreign key; an index with a comment is kept (recreating it would lose the comment)."""
    bulk_load(pg_store, minimal_q, generate(minimal_q, 10, seed=1))
    with pg_store.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (response_id integer REFERENCES responses (id))")
        conn.exec_driver_sql("COMMENT ON INDEX ix_responses_last_saved IS 'kept'")
        conn.exec_driver_sql("CREATE INDEX ix_responses_band_partial ON responses (band) WHERE shared")
    before, _ = state(pg_store)
    frame = generate(minimal_q, 30, seed=2)
    scores, flags = score_frame(minimal_q, frame), flag_json(minimal_q, frame)
    items = [i.id for i in minimal_q.items()]
    with statements(pg_store) as seen:
        bulk_insert(pg_store.database, minimal_q, frame.drop(columns=items), scores, flags)
    gone = " ".join(dropped(seen))
    assert "responses_pkey" not in gone and "ix_responses_last_saved" not in gone
    assert "answers" not in gone  # no answers loaded: that table is not doubled
    assert "DROP CONSTRAINT responses_public_id_key" in gone and "ix_responses_band_partial" in gone
    after, rows = state(pg_store)
    assert after == before and len(rows["responses"]) == 40
    with pg_store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT obj_description('ix_responses_last_saved'::regclass)").scalar() == "kept"
    assert pg_store.check_rollup() == []


def failed_load_changes_nothing(store: Store, q: Any, error: type[Exception], match: str, set_aside: str) -> Any:
    """Load 30 responses (in chunks of 10) expecting ``error``; check that ``set_aside`` had been dropped and that
    the schema, rows and rollup are as before. Returns the state before."""
    before, rows_before = state(store)
    with statements(store) as seen, pytest.raises(error, match=match):
        bulk_load(store, q, generate(q, 30, seed=2), chunk=10)
    assert set_aside in " ".join(dropped(seen))  # it was set aside, then put back by the rollback
    after, rows_after = state(store)
    assert after == before and rows_after == rows_before
    assert store.check_rollup() == []
    return before


def test_a_duplicate_found_by_the_rebuild_rolls_everything_back(
    pg_store: Store, minimal_q: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk_load(pg_store, minimal_q, generate(minimal_q, 20, seed=1))
    real = storage.bulk._hex_column

    def clashing(n: int, nbytes: int) -> Any:  # every resume token the same: only the rebuild can tell
        out = real(n, nbytes)
        if nbytes == 32:
            out[:] = out[0]
        return out

    monkeypatch.setattr(storage.bulk, "_hex_column", clashing)
    clash, dropped_key = r"(resume|delete)_token_hash", "DROP CONSTRAINT responses_resume_token_hash_key"
    failed_load_changes_nothing(pg_store, minimal_q, IntegrityError, clash, dropped_key)


def test_a_failing_chunk_rolls_everything_back(
    pg_store: Store, minimal_q: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk_load(pg_store, minimal_q, generate(minimal_q, 20, seed=1))
    real = storage.bulk._copy
    calls = []

    def failing(conn: Any, table: str, columns: Any, data: str) -> None:
        calls.append(table)
        if len(calls) == 5:  # the third chunk's responses, after two chunks went in
            raise RuntimeError("chunk failed")
        real(conn, table, columns, data)

    monkeypatch.setattr(storage.bulk, "_copy", failing)
    dropped_key = "DROP CONSTRAINT answers_pkey"
    before = failed_load_changes_nothing(pg_store, minimal_q, RuntimeError, "chunk failed", dropped_key)
    monkeypatch.setattr(storage.bulk, "_copy", real)
    bulk_load(pg_store, minimal_q, generate(minimal_q, 30, seed=2), chunk=10)  # and the same load then works
    after, rows_after = state(pg_store)
    assert after == before and len(rows_after["responses"]) == 50
    assert_rollup_equals_scan(pg_store, minimal_q)
