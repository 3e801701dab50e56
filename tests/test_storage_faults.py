"""Faults and configuration: a locked or vanished database, schema upgrades, where the URL comes from."""

from __future__ import annotations

import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from scoring.engine import score
from scoring.sample import generate
from service import submissions
from service.bulk import bulk_load
from storage import SCHEMA_VERSION, Attribution, Store, StoreError, StoreUnavailable, database_url, rollup
from storage import config as storage_config
from storage.schema import responses
from storage.store import token_hash

FULL = {"p1": 4, "p2": 2, "p3": 5, "e1": 4, "e2": 2, "s1": "listen"}


def response_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(responses))


# ----- a locked database ---------------------------------------------------------------------


@contextmanager
def locked(url: str) -> Iterator[None]:
    """Hold the database's write lock from another connection (SQLite) or lock the responses table (PostgreSQL)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        conn = sqlite3.connect(u.database, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("LOCK TABLE responses IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


def test_a_locked_database_is_unavailable_and_nothing_is_half_written(db_url: str, minimal_q: Any) -> None:
    with Store(db_url, lock_timeout=0.2) as store:
        started = store.start(minimal_q)
        store.save_answers(started.resume_token, {"p1": 4}, page=1)
        with locked(db_url):
            with pytest.raises(StoreUnavailable):
                store.save_answers(started.resume_token, {"p1": 1, "p2": 3}, page=2)
            with pytest.raises(StoreUnavailable):
                submissions.submit(store, started.resume_token, FULL)
            with pytest.raises(StoreUnavailable):
                store.start(minimal_q)
            with pytest.raises(StoreUnavailable):
                store.delete(started.delete_token)
        progress = store.progress(started.resume_token)
        assert (progress.answers, progress.page, progress.submitted) == ({"p1": 4}, 1, False)
        assert response_count(store) == 1
        # The retry the UI offers then works.
        store.save_answers(started.resume_token, {"p1": 1, "p2": 3}, page=2)
        assert submissions.submit(store, started.resume_token, FULL).answers == FULL


# ----- a database that goes away -------------------------------------------------------------


class Proxy:
    """A TCP forwarder to the database that can be cut and restored, like a network partition."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.start()

    def start(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        for s in self._sockets:
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        self._sockets.clear()


def test_postgres_going_away_is_unavailable_then_recovers(pg_url: str, minimal_q: Any) -> None:
    u = make_url(pg_url)
    proxy = Proxy((u.host or "127.0.0.1", u.port or 5432))
    via_proxy = u.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        with Store(via_proxy, lock_timeout=2) as store:
            started = store.start(minimal_q)
            store.save_answers(started.resume_token, {"p1": 4})
            proxy.stop()
            with pytest.raises(StoreUnavailable):
                store.save_answers(started.resume_token, {"p2": 2})
            with pytest.raises(StoreUnavailable):
                submissions.submit(store, started.resume_token, FULL)
            with pytest.raises(StoreUnavailable):
                store.progress(started.resume_token)
            proxy.start()
            assert store.progress(started.resume_token).answers == {"p1": 4}
            store.save_answers(started.resume_token, {"p2": 2})
            assert submissions.submit(store, started.resume_token, FULL).answers == FULL
    finally:
        proxy.stop()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_database_at_start_up_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable):
        Store(f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/test", lock_timeout=1)
    with pytest.raises(StoreUnavailable):
        Store(f"sqlite:///{tmp_path}")  # a directory, not a database file


def test_an_unsupported_database_is_refused() -> None:
    with pytest.raises(StoreError, match="unsupported"):
        Store("mysql://user@localhost/db")


# ----- schema versions -----------------------------------------------------------------------


def v1_schema(dialect: str) -> list[str]:
    """The version-1 tables as that code created them: scores in a response_scores table."""
    id_type = "INTEGER" if dialect == "sqlite" else "BIGSERIAL"
    ts = "DATETIME" if dialect == "sqlite" else "TIMESTAMP WITH TIME ZONE"
    ref = "INTEGER" if dialect == "sqlite" else "BIGINT"
    return [
        f"CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at {ts} NOT NULL)",
        "CREATE TABLE questionnaires (content_hash VARCHAR(64) PRIMARY KEY, questionnaire_id VARCHAR(48) NOT NULL,"
        f" version VARCHAR(20) NOT NULL, definition TEXT NOT NULL, registered_at {ts} NOT NULL)",
        f"CREATE TABLE responses (id {id_type} PRIMARY KEY, public_id VARCHAR(32) NOT NULL UNIQUE,"
        " resume_token_hash VARCHAR(64) NOT NULL UNIQUE, delete_token_hash VARCHAR(64) NOT NULL UNIQUE,"
        " content_hash VARCHAR(64) NOT NULL REFERENCES questionnaires (content_hash),"
        f" recruiter_id VARCHAR(200), campaign VARCHAR(200), role VARCHAR(200), started_at {ts} NOT NULL,"
        f" last_saved_at {ts} NOT NULL, submitted_at {ts}, duration_seconds FLOAT, page INTEGER DEFAULT 0 NOT NULL,"
        " overall FLOAT, band VARCHAR(48), near_boundary BOOLEAN, flags TEXT, shared BOOLEAN DEFAULT false NOT NULL,"
        f" shared_at {ts}, contact_name VARCHAR(200), contact_email VARCHAR(254),"
        " CHECK (shared OR (contact_name IS NULL AND contact_email IS NULL)))",
        f"CREATE TABLE answers (response_id {ref} NOT NULL REFERENCES responses (id) ON DELETE CASCADE,"
        " item_id VARCHAR(48) NOT NULL, value_int BIGINT, value_text TEXT, PRIMARY KEY (response_id, item_id))",
        f"CREATE TABLE response_scores (response_id {ref} NOT NULL REFERENCES responses (id) ON DELETE CASCADE,"
        " dimension VARCHAR(48) NOT NULL, score FLOAT, PRIMARY KEY (response_id, dimension))",
        f"CREATE TABLE deletion_log (id {id_type} PRIMARY KEY, deleted_at {ts} NOT NULL, count INTEGER NOT NULL,"
        " reason VARCHAR(20) NOT NULL)",
    ]


def test_a_version_1_database_is_upgraded_and_keeps_its_data(fresh_db_url: str, minimal_q: Any) -> None:
    engine = create_engine(fresh_db_url)
    dialect = engine.dialect.name
    when, later = (
        ("2025-01-02 10:00:00.000000", "2025-01-02 10:07:00.000000")
        if dialect == "sqlite"
        else ("2025-01-02 10:00:00+00", "2025-01-02 10:07:00+00")
    )
    done, open_ = "T" * 32, "U" * 32
    expected = score(minimal_q, FULL)
    with engine.begin() as conn:
        for ddl in v1_schema(dialect):
            conn.exec_driver_sql(ddl)
        conn.execute(text("INSERT INTO schema_version VALUES (1, :t)"), {"t": when})
        conn.execute(
            text("INSERT INTO questionnaires VALUES (:h, 'mini', '1.0', :d, :t)"),
            {"h": minimal_q.content_hash, "d": minimal_q.canonical_json(), "t": when},
        )
        insert_response = text(
            "INSERT INTO responses (id, public_id, resume_token_hash, delete_token_hash, content_hash,"
            " recruiter_id, campaign, role, started_at, last_saved_at, submitted_at, overall, band, near_boundary,"
            " flags, page) VALUES (:id, :pid, :r, :d, :h, 'rec-1', 'winter', 'analyst', :t, :ls, :s, :o, :b, :nb,"
            " :f, 1)"
        )
        submitted = {"s": later, "ls": later, "o": expected.overall, "b": expected.band, "f": "[]"}
        unfinished = {"s": None, "ls": when, "o": None, "b": None, "f": None}
        common = {"h": minimal_q.content_hash, "t": when}
        conn.execute(
            insert_response,
            {
                "id": 1,
                "pid": "old-done",
                "r": token_hash(done),
                "d": token_hash("D" * 32),
                "nb": expected.near_boundary,
                **submitted,
                **common,
            },
        )
        conn.execute(
            insert_response,
            {
                "id": 2,
                "pid": "old-open",
                "r": token_hash(open_),
                "d": token_hash("E" * 32),
                "nb": None,
                **unfinished,
                **common,
            },
        )
        for item, value in FULL.items():
            column = "value_int" if isinstance(value, int) else "value_text"
            statement = text(f"INSERT INTO answers (response_id, item_id, {column}) VALUES (1, :i, :v)")
            conn.execute(statement, {"i": item, "v": value})
        conn.execute(text("INSERT INTO answers (response_id, item_id, value_int) VALUES (2, 'p1', 4), (2, 'p2', 2)"))
        for dim, value in expected.scores().items():
            conn.execute(text("INSERT INTO response_scores VALUES (1, :d, :s)"), {"d": dim, "s": value})
        if dialect == "postgresql":
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('responses', 'id'), 2)")
    engine.dispose()

    with Store(fresh_db_url) as store:
        assert store.schema_version == SCHEMA_VERSION == 6
        with store.engine.connect() as conn:
            versions = conn.execute(text("SELECT version FROM schema_version ORDER BY version")).scalars().all()
            insp = inspect(conn)
            tables, views = set(insp.get_table_names()), set(insp.get_view_names())
            by_name = conn.execute(text("SELECT dimension, score FROM response_scores WHERE response_id = 1")).all()
        assert versions == [1, 2, 3, 4, 5, 6]
        assert {"sign_in_failures", "sign_in_budget"} <= tables
        assert "response_scores" in views and "response_scores" not in tables
        assert dict(by_name) == expected.scores()
        kept = store.result(done)
        assert kept.answers == FULL
        assert kept.dimension_scores == expected.scores()
        assert kept.overall == expected.overall
        assert kept.attribution == Attribution("rec-1", "winter", "analyst")
        assert (kept.shared, kept.share_scores, kept.brief) == (False, False, None)
        progress = store.progress(open_)
        assert (progress.answers, progress.page, progress.submitted) == ({"p1": 4, "p2": 2}, 1, False)
        assert progress.started_at == datetime(2025, 1, 2, 10, tzinfo=UTC)
        assert (
            submissions.submit(store, open_, {"p3": 5, "e1": 4, "e2": 2, "s1": "listen"}).dimension_scores
            == expected.scores()
        )
        assert store.aggregate(group_by="campaign", content_hash=minimal_q.content_hash)["n"].tolist() == [2]
        new = store.start(minimal_q, Attribution(role="analyst"))
        assert store.progress(new.resume_token).attribution.role == "analyst"
    with Store(fresh_db_url) as again:  # a second start-up changes nothing
        assert again.result(done).answers == FULL
        with again.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM schema_version")) == 6


def drop_version_5(conn: Any) -> None:
    """Undo versions 6 and 5: no rollup; no scoring key or language per questionnaire, no retake link per response."""
    rollup.drop(conn)
    conn.exec_driver_sql("DROP INDEX ix_responses_previous")
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_responses_cohort")  # SQLite's covering index holds superseded
    conn.exec_driver_sql("ALTER TABLE responses DROP COLUMN superseded")
    conn.exec_driver_sql("DROP INDEX ix_questionnaires_scoring_key")
    conn.exec_driver_sql("ALTER TABLE responses DROP COLUMN previous_id")
    conn.exec_driver_sql("ALTER TABLE questionnaires DROP COLUMN scoring_key")
    conn.exec_driver_sql("ALTER TABLE questionnaires DROP COLUMN language")


def test_a_version_4_database_gets_scoring_keys_and_retake_links(fresh_db_url: str, minimal_q: Any) -> None:
    with Store(fresh_db_url) as store:
        started = store.start(minimal_q, Attribution("rec-1", "winter"))
        with store.engine.begin() as conn:
            drop_version_5(conn)
            conn.exec_driver_sql("UPDATE schema_version SET version = 4")  # a fresh store records only its own
    with Store(fresh_db_url) as store:
        with store.engine.connect() as conn:
            key, language = conn.execute(text("SELECT scoring_key, language FROM questionnaires")).one()
            previous = conn.scalar(text("SELECT previous_id FROM responses"))
            versions = conn.execute(text("SELECT version FROM schema_version ORDER BY version")).scalars().all()
        assert (key, language, previous) == (minimal_q.scoring_key, minimal_q.meta.language, None)
        assert versions[-1] == store.schema_version == 6
        assert store.progress(started.resume_token).attribution == Attribution("rec-1", "winter")


def test_a_version_2_database_gets_the_sign_in_tables(fresh_db_url: str, minimal_q: Any) -> None:
    with Store(fresh_db_url) as store:
        started = store.start(minimal_q, Attribution("rec-1", "winter"))
        with store.engine.begin() as conn:  # back to version 2: no sign-in tables, no version-3 row
            conn.exec_driver_sql("DROP TABLE sign_in_failures")
            conn.exec_driver_sql("DROP TABLE sign_in_budget")
            conn.exec_driver_sql("ALTER TABLE responses DROP COLUMN share_brief")
            conn.exec_driver_sql("ALTER TABLE responses DROP COLUMN share_scores")
            drop_version_5(conn)
            conn.exec_driver_sql("DELETE FROM schema_version WHERE version >= 3")
            conn.exec_driver_sql("INSERT INTO schema_version VALUES (2, CURRENT_TIMESTAMP)")
    with Store(fresh_db_url) as store:
        with store.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            versions = conn.execute(text("SELECT version FROM schema_version ORDER BY version")).scalars().all()
        assert {"sign_in_failures", "sign_in_budget"} <= tables
        assert versions == [2, 3, 4, 5, 6] and store.schema_version == 6
        assert store.progress(started.resume_token).attribution == Attribution("rec-1", "winter")


def test_a_new_database_records_the_current_version(fresh_db_url: str) -> None:
    with Store(fresh_db_url) as store, store.engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM schema_version")).scalars().all() == [SCHEMA_VERSION]


@pytest.mark.parametrize(
    "dropped",
    [
        ("ix_responses_attribution",),
        ("ix_responses_attribution", "ix_responses_last_saved", "ix_responses_hash_submitted"),
    ],
)
def test_missing_indexes_are_created_at_start_up_without_a_version_step(
    fresh_db_url: str, minimal_q: Any, dropped: tuple[str, ...]
) -> None:
    with Store(fresh_db_url) as store:
        started = store.start(minimal_q, Attribution("rec-1", "winter"))
        with store.engine.begin() as conn:
            for name in dropped:
                conn.exec_driver_sql(f"DROP INDEX {name}")
            assert not {ix["name"] for ix in inspect(conn).get_indexes("responses")} & set(dropped)
    with Store(fresh_db_url) as store:
        with store.engine.connect() as conn:
            present = {ix["name"] for ix in inspect(conn).get_indexes("responses")}
            versions = conn.execute(text("SELECT version FROM schema_version")).scalars().all()
        assert set(dropped) <= present
        assert versions == [SCHEMA_VERSION]
        assert store.progress(started.resume_token).attribution == Attribution("rec-1", "winter")


def test_an_index_added_to_an_analysed_sqlite_database_gets_statistics(tmp_path: Path, minimal_q: Any) -> None:
    url = f"sqlite:///{tmp_path / 'stats.sqlite3'}"
    with Store(url) as store:
        bulk_load(store, minimal_q, generate(minimal_q, 30, seed=1))  # runs ANALYZE
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX ix_responses_attribution")
            conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE idx = 'ix_responses_attribution'")
    with Store(url) as store, store.engine.connect() as conn:
        stat = conn.scalar(text("SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_responses_attribution'"))
    assert stat is not None and stat.split()[0] == "30"


def test_the_cohort_index_is_sqlite_only_and_comes_back_when_dropped(fresh_db_url: str) -> None:
    def present(url: str) -> set[str]:
        with Store(url) as store, store.engine.connect() as conn:
            return {ix["name"] for ix in inspect(conn).get_indexes("responses")}

    sqlite = make_url(fresh_db_url).get_backend_name() == "sqlite"
    assert ("ix_responses_cohort" in present(fresh_db_url)) is sqlite
    if sqlite:
        engine = create_engine(fresh_db_url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX ix_responses_cohort")
        engine.dispose()
        assert "ix_responses_cohort" in present(fresh_db_url)


def test_a_v1_upgrade_gets_every_declared_index(fresh_db_url: str) -> None:
    engine = create_engine(fresh_db_url)
    with engine.begin() as conn:
        for ddl in v1_schema(engine.dialect.name):
            conn.exec_driver_sql(ddl)
        conn.execute(text("INSERT INTO schema_version VALUES (1, :t)"), {"t": datetime.now(UTC)})
    engine.dispose()
    with Store(fresh_db_url) as store, store.engine.connect() as conn:
        present = {ix["name"] for ix in inspect(conn).get_indexes("responses")}
    assert {ix.name for ix in responses.indexes} <= present


def test_a_newer_schema_is_refused(fresh_db_url: str) -> None:
    with Store(fresh_db_url) as store, store.engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_version VALUES (99, :t)"), {"t": datetime.now(UTC)})
    with pytest.raises(StoreError, match="version 99"):
        Store(fresh_db_url)


def test_unversioned_tables_are_refused(fresh_db_url: str) -> None:
    engine = create_engine(fresh_db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE responses (id INTEGER PRIMARY KEY)")
    engine.dispose()
    with pytest.raises(StoreError, match="no schema_version"):
        Store(fresh_db_url)


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'x.sqlite3'}", lock_timeout=3) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 3000


# ----- where the URL comes from --------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "secrets", "expected"),
    [
        ("sqlite:///env.db", {"database_url": "sqlite:///secret.db"}, "sqlite:///env.db"),
        ("  ", {"database_url": "sqlite:///secret.db"}, "sqlite:///secret.db"),
        (
            None,
            {"database_url": "sqlite:///secret.db", "connections": {"sql": {"url": "sqlite:///conn.db"}}},
            "sqlite:///secret.db",
        ),
        (None, {"connections": {"sql": {"url": "postgresql+psycopg://h/db"}}}, "postgresql+psycopg://h/db"),
        (None, {"connections": {"sql": {"dialect": "sqlite"}}}, "DEFAULT"),
        (None, {"database_url": ""}, "DEFAULT"),
        (None, {}, "DEFAULT"),
    ],
)
def test_database_url_precedence(
    monkeypatch: pytest.MonkeyPatch, env: str | None, secrets: dict, expected: str
) -> None:
    if env is None:
        monkeypatch.delenv(storage_config.ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(storage_config.ENV_VAR, env)
    default = f"sqlite:///{storage_config.ROOT / 'data' / 'career_radar.sqlite3'}"
    assert database_url(secrets) == (default if expected == "DEFAULT" else expected)


def test_database_url_reads_the_secrets_file_when_not_given(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(storage_config.ENV_VAR, raising=False)
    secrets_file = tmp_path / "secrets.toml"
    monkeypatch.setattr(storage_config, "SECRETS_FILE", secrets_file)
    assert database_url() == f"sqlite:///{storage_config.DEFAULT_SQLITE}"
    secrets_file.write_text('[connections.sql]\nurl = "sqlite:///from-file.db"\n', encoding="utf-8")
    assert database_url() == "sqlite:///from-file.db"


def test_the_default_database_is_an_absolute_path_in_the_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(storage_config.ENV_VAR, raising=False)
    path = Path(make_url(database_url({})).database)
    assert path.is_absolute()
    assert path.parent == storage_config.ROOT / "data"


def test_the_sqlite_folder_is_created_on_first_use(tmp_path: Path, minimal_q: Any) -> None:
    target = tmp_path / "nested" / "deeper" / "store.sqlite3"
    with Store(f"sqlite:///{target}") as store:
        store.start(minimal_q)
    assert target.is_file()


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    from storage.engine import normalise_url

    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite"


def test_repr_hides_the_password(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        assert "s.db" in repr(store)
    from storage.engine import normalise_url

    assert "secret" not in normalise_url("postgresql://u:secret@h/db").render_as_string(hide_password=True)
