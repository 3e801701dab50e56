"""Fast path for many submitted responses at once: synthetic data for benchmarks and demos, or imports.

The store records what it is given: ``service.bulk.bulk_load`` checks the answers and computes the
scores and flags with the vectorised core (the same numbers a one-by-one submission records), then
calls ``bulk_insert``. Rows go in by chunk, sorted in primary-key order: on SQLite with
``executemany``, one transaction per chunk; on PostgreSQL with ``COPY`` (text format, built column by
column with numpy rather than cell by cell; ids reserved from the sequence in one query per chunk), all
chunks in one transaction (all or nothing); a load that at least doubles a table sets that table's indexes
and keys aside and rebuilds them before the commit, holding an exclusive lock on it meanwhile
(``_load_postgresql_all``). The responses get fresh random tokens that nobody holds (so they can only be
purged, not resumed), and public ids of their own.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from scoring.models import ChoiceItem, ClaimItem, LikertItem, Questionnaire
from storage._db import Database, guard, now_utc
from storage.bulk_indexes import DOUBLED as _DOUBLED  # noqa: F401  (bench/bench_copy.py reads it here)
from storage.bulk_indexes import set_aside as _set_aside
from storage.engine import WRITE
from storage.schema import score_column

TIME_COLUMNS = ("started_at", "submitted_at")
SQLITE_BULK_CACHE_KIB = 256 * 1024
# maintenance_work_mem for rebuilding the indexes a doubling PostgreSQL load set aside (this transaction
# only, and only raised): PostgreSQL's default 64 MB spills a 1M-row token index's sort to disk. One
# index is built at a time, so this is the load's peak beyond the server's usual memory.
REBUILD_WORK_MEM = 256 << 20
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's SQLite DATETIME text format (UTC, see UTCDateTime)


def _attribution_map(frame: pd.DataFrame, columns: Sequence[str] | Mapping[str, str]) -> dict[str, str]:
    """{database column: frame column} for the attribution columns present in the frame."""
    pairs = columns.items() if isinstance(columns, Mapping) else ((c, c) for c in columns)
    out = {}
    for db_col, frame_col in pairs:
        if db_col not in ("recruiter_id", "campaign", "role"):
            raise ValueError(f"unknown attribution column {db_col!r}")
        if frame_col in frame.columns:
            out[db_col] = frame_col
    return out


def _utc(values: Any, n: int) -> pd.Series:
    return pd.Series(pd.to_datetime(values, utc=True), index=range(n))


def _hex_column(n: int, nbytes: int) -> np.ndarray:
    blob = secrets.token_bytes(n * nbytes).hex()
    width = 2 * nbytes
    return np.array([blob[i : i + width] for i in range(0, len(blob), width)], dtype=object)


def _text_or_none(values: pd.Series) -> np.ndarray:
    missing = pd.isna(values).to_numpy()
    return np.array([None if m else str(v) for v, m in zip(values.tolist(), missing, strict=True)], dtype=object)


def _answer_columns(q: Questionnaire, frame: pd.DataFrame) -> list[tuple[str, bool, np.ndarray, np.ndarray]]:
    """Per item present: (item id, is_int, mask of answered rows, values) — blanks are unanswered."""
    out = []
    for item in q.items():
        if item.id not in frame.columns:
            continue
        col = frame[item.id]
        if isinstance(item, (LikertItem, ClaimItem)):
            values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            mask = ~np.isnan(values)
            out.append((item.id, True, mask, values))
        else:
            raw = col.astype(object).to_numpy()
            present = col.notna().to_numpy()
            strings = np.array(
                ["" if not p else str(v).strip() for v, p in zip(raw, present, strict=True)], dtype=object
            )
            mask = strings != ""
            if isinstance(item, ChoiceItem):
                mask &= np.isin(strings, [o.id for o in item.options])
            out.append((item.id, False, mask, strings))
    return out


def bulk_insert(
    db: Database,
    q: Questionnaire,
    frame: pd.DataFrame,
    scores: pd.DataFrame,
    flags: Sequence[str] | np.ndarray,
    *,
    attribution_columns: Sequence[str] | Mapping[str, str] = ("recruiter_id", "campaign", "role"),
    chunk: int = 50_000,
    now: datetime | None = None,
) -> int:
    """Insert every row of ``frame`` (item columns, duration_seconds, optional started_at/submitted_at and
    attribution columns) as a submitted response of ``q``, with the caller's ``scores`` (overall, band,
    near_boundary and a column per dimension, row for row) and ``flags`` (JSON list per row); return
    the number inserted. The answers are expected checked and ``q`` registered (``service.bulk``)."""
    if chunk < 1:
        raise ValueError("chunk must be positive")
    frame = frame.reset_index(drop=True)
    n = len(frame)
    if len(scores) != n or len(flags) != n:
        raise ValueError("scores and flags must have one row per response")
    if n == 0:
        return 0
    scores = scores.reset_index(drop=True)
    flag_json = np.asarray(flags, dtype=object)
    attribution = _attribution_map(frame, attribution_columns)

    when = now_utc(now)
    duration = (
        pd.to_numeric(frame["duration_seconds"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if "duration_seconds" in frame.columns
        else np.full(n, np.nan)
    )
    submitted = _utc(frame["submitted_at"], n) if "submitted_at" in frame.columns else _utc(np.full(n, when), n)
    if "started_at" in frame.columns:
        started = _utc(frame["started_at"], n)
    else:
        started = submitted - pd.to_timedelta(np.nan_to_num(duration, nan=0.0), unit="s")

    def attributed(name: str) -> np.ndarray | None:
        return _text_or_none(frame[attribution[name]]) if name in attribution else None

    table = pd.DataFrame(
        {
            "public_id": _hex_column(n, 12),
            "resume_token_hash": _hex_column(n, 32),
            "delete_token_hash": _hex_column(n, 32),
            "content_hash": q.content_hash,
            "recruiter_id": attributed("recruiter_id"),
            "campaign": attributed("campaign"),
            "role": attributed("role"),
            "started_at": started,
            "last_saved_at": submitted,
            "submitted_at": submitted,
            "duration_seconds": duration,
            "page": 0,
            "overall": scores["overall"].to_numpy(dtype=float),
            "band": scores["band"].to_numpy(dtype=object),
            "near_boundary": scores["near_boundary"].to_numpy(dtype=bool),
            "flags": flag_json,
            "shared": False,
            **{score_column(slot): scores[d.id].to_numpy(dtype=float) for slot, d in enumerate(q.dimensions, 1)},
        }
    )
    answer_cols = _answer_columns(q, frame)

    item_order = sorted(answer_cols, key=lambda col: col[0])  # the answers primary key's order
    chunks = [(lo, min(n, lo + chunk)) for lo in range(0, n, chunk)]

    def load_chunk(conn: Connection, lo: int, hi: int) -> None:
        if db.dialect == "postgresql":
            _load_postgresql(conn, table.iloc[lo:hi], item_order, lo, hi)
        else:
            _load_sqlite(conn, table.iloc[lo:hi], _answer_rows(item_order, lo, hi))

    with guard(), db.engine.connect() as conn:
        conn.execution_options(**{WRITE: True})
        if db.dialect == "postgresql":
            answers = sum(int(col[2].sum()) for col in answer_cols)
            _load_postgresql_all(conn, chunks, load_chunk, n, answers)
        else:
            _load_sqlite_all(conn, chunks, load_chunk)
    return n


def _load_postgresql_all(
    conn: Connection, chunks: list[tuple[int, int]], load_chunk: Any, responses: int, answers: int
) -> None:
    """One transaction: for each table the load at least doubles, set its foreign keys and indexes aside,
    COPY every chunk, then rebuild what was set aside exactly as it was, and commit.

    Maintaining the B-trees entry by entry (three unique indexes of random hex tokens and five more on
    responses, the answers primary key) and checking a foreign key row by row cost more than building
    each index from the loaded table in one sort and re-checking a foreign key in one join ("Populating a
    Database" in the PostgreSQL manual): a 100k-response load into an empty table took 0.74× the time of
    the earlier rule, which dropped only the answers foreign key (BENCHMARKS.md, "Bulk load"). But a
    rebuild reads the whole table, so repeated loads into a large table (``service.demo``
    loads by batch) would grow quadratically: a table's keys and indexes are only set aside when the
    load at least doubles it (responses and answers judged separately, by the planner's estimate), which
    keeps the rebuilding within twice the rows loaded over any series of loads. What is set aside (see
    ``_set_aside``): the table's foreign keys, its plain indexes, and its primary-key, unique and
    exclusion constraints, each only if nothing else still depends on it (the answers foreign key
    needs the responses primary key unless it is set aside too, so a load without answers keeps it);
    indexes with anything the recreation would lose (a comment, a tablespace, clustering, replica
    identity, per-column statistics, an invalid build) are kept. The definitions are read from the
    catalog (``pg_get_indexdef``, ``pg_get_constraintdef``) before dropping, and the rebuild runs with
    ``maintenance_work_mem`` raised to ``REBUILD_WORK_MEM`` for this transaction only (never lowered).

    DDL is transactional: a failure anywhere (a chunk, or a duplicate token when a unique index is
    rebuilt) rolls everything back, rows, indexes and constraints as they were. The price is locks:
    setting aside a table's indexes takes an ACCESS EXCLUSIVE lock on it until the load commits, so
    even readers (the dashboard) wait for a doubling load; dropping a foreign key also blocks writers to
    the table it references (questionnaires, responses). A load that does not double a table keeps its
    indexes and keys (checked and maintained row by row) and takes only ordinary row-insert locks. A
    doubling load is a maintenance operation, not for live traffic.
    """
    with conn.begin():
        restore = _set_aside(conn, {"responses": responses, "answers": answers})
        for lo, hi in chunks:
            load_chunk(conn, lo, hi)
        if restore:
            conn.exec_driver_sql(
                "SELECT set_config('maintenance_work_mem', %(mem)s, true) FROM pg_settings"
                " WHERE name = 'maintenance_work_mem' AND setting::bigint * 1024 < %(bytes)s",
                {"mem": f"{REBUILD_WORK_MEM >> 20}MB", "bytes": REBUILD_WORK_MEM},
            )
        for statement in restore:
            conn.exec_driver_sql(statement)
    # Fresh planner statistics (without them the first dashboard query can pick a poor plan), and a
    # VACUUM of responses, as the manual advises after a bulk load: it sets the hint bits and the
    # visibility map once, so the dashboard's first scans neither write every page nor miss index-only
    # scans (about 0.5 s against 0.3 s per aggregate over a million rows). VACUUM skips pages already
    # all-visible, so repeated loads do not re-scan the table. Autovacuum would get there eventually,
    # but may be off or behind. VACUUM cannot run inside a transaction block.
    conn.execution_options(isolation_level="AUTOCOMMIT")
    conn.exec_driver_sql("VACUUM (ANALYZE) responses")
    # The few questionnaire rows never reach autovacuum's threshold: unanalysed, the planner takes the table
    # for 140 rows, a version for 1/140 of the responses, and the dashboard's first-rows frame reads every
    # response of the version and sorts (13 s at 1M) instead of walking the primary key.
    conn.exec_driver_sql("ANALYZE questionnaires")
    if answers:
        conn.exec_driver_sql("ANALYZE answers")


def _driver(conn: Connection) -> Any:
    """The DB-API connection under ``conn`` (sqlite3 or psycopg); SQLAlchemy types it as optional."""
    raw = conn.connection.driver_connection
    if raw is None:  # only once the connection is closed, which ``conn`` is not
        raise RuntimeError("the database connection is closed")
    return raw


def _load_sqlite_all(conn: Connection, chunks: list[tuple[int, int]], load_chunk: Any) -> None:
    """One transaction per chunk (the WAL stays small), this connection's foreign-key checks off meanwhile.

    SQLite only toggles foreign keys outside a transaction and per connection: the app's other
    connections keep enforcing them. Every child row refers to an id inserted by the same transaction,
    so the unchecked rows are valid by construction (the tests run ``PRAGMA foreign_key_check``).
    """
    raw = _driver(conn)
    # The unique token-hash indexes take random keys: a larger page cache keeps them in memory.
    raw.execute(f"PRAGMA cache_size = -{SQLITE_BULK_CACHE_KIB}")
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        for lo, hi in chunks:
            with conn.begin():
                load_chunk(conn, lo, hi)
        with conn.begin():
            # Exact statistics for responses (so the planner knows one version is most of the table and
            # scans it in order instead of hopping through an index); sampled ones for the big answers.
            conn.exec_driver_sql("PRAGMA analysis_limit = 0")
            conn.exec_driver_sql("ANALYZE responses")
            conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
            conn.exec_driver_sql("ANALYZE answers")
    finally:
        raw.execute("PRAGMA foreign_keys = ON")
        raw.execute("PRAGMA cache_size = -2000")  # back to SQLite's default before the pool reuses it


def _answer_rows(
    item_order: list[tuple[str, bool, np.ndarray, np.ndarray]], lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(row offset in chunk, item id, int value or None, text value or None), sorted by (offset, item id)."""
    offsets, items, ints, texts = [], [], [], []
    for item_id, is_int, mask, values in item_order:
        chosen = np.flatnonzero(mask[lo:hi])
        picked = values[lo:hi][chosen]
        offsets.append(chosen)
        items.append(np.full(len(chosen), item_id, dtype=object))
        nothing = np.full(len(chosen), None, dtype=object)
        ints.append(picked.astype(np.int64).astype(object) if is_int else nothing)
        texts.append(nothing if is_int else picked.astype(object))
    if not offsets:
        empty = np.empty(0, dtype=object)
        return np.empty(0, dtype=np.int64), empty, empty, empty
    offset = np.concatenate(offsets)
    # Items were appended in id order, so a stable sort by offset gives primary-key order: inserts
    # then append to the B-trees instead of splitting pages all over them.
    order = np.argsort(offset, kind="stable")
    return offset[order], np.concatenate(items)[order], np.concatenate(ints)[order], np.concatenate(texts)[order]


def _sqlite_nullable(values: np.ndarray) -> list[Any]:
    out = values.astype(object)
    out[np.isnan(values)] = None
    return out.tolist()


def _load_sqlite(
    conn: Connection,
    table: pd.DataFrame,
    answer_rows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    base: int = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM responses").scalar_one()
    ids = np.arange(base + 1, base + 1 + len(table), dtype=np.int64)
    names = ["id", *table.columns]
    columns: dict[str, list[Any]] = {"id": ids.tolist()}
    for col in table.columns:
        values = table[col]
        if col in ("started_at", "last_saved_at", "submitted_at"):
            columns[col] = values.dt.strftime(_SQLITE_TIME).tolist()
        elif col in ("duration_seconds", "overall") or col.startswith("score_"):
            columns[col] = _sqlite_nullable(values.to_numpy(dtype=float))
        elif col in ("near_boundary", "shared"):
            columns[col] = values.to_numpy(dtype=bool).astype(int).tolist()
        elif col == "page":
            columns[col] = [0] * len(table)
        else:
            columns[col] = values.astype(object).where(values.notna(), None).tolist()
    marks = ", ".join("?" * len(names))
    conn.exec_driver_sql(
        f"INSERT INTO responses ({', '.join(names)}) VALUES ({marks})",  # noqa: S608 (our column names)
        list(zip(*(columns[c] for c in names), strict=True)),
    )
    offset, items, ints, texts = answer_rows
    if len(offset):  # an empty parameter list would run the statement once, unbound
        conn.exec_driver_sql(
            "INSERT INTO answers (response_id, item_id, value_int, value_text) VALUES (?, ?, ?, ?)",
            list(zip(ids[offset].tolist(), items.tolist(), ints.tolist(), texts.tolist(), strict=True)),
        )


_NULL = "\\N"  # COPY's text format: NULL
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: object) -> str:
    """One field in COPY's text format (backslash, tab, newline and carriage return escaped)."""
    return str(value).translate(_ESCAPES)


def _text_field(values: Any) -> list[str]:
    """COPY fields of a text column, each distinct value escaped once (attribution has few of them)."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    lookup = np.array([*(_copy_text(u) for u in uniques), _NULL], dtype=object)
    return list(lookup[codes])  # code -1 (missing) picks the last entry, NULL


def _float_field(values: np.ndarray) -> list[str]:
    # numpy prints the shortest string that reads back as the same double, as PostgreSQL's float8 input does.
    out = values.astype(float).astype(str).astype(object)
    out[np.isnan(values.astype(float))] = _NULL
    return list(out)


def _time_field(values: pd.Series) -> list[str]:
    utc = values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    out = np.char.add(np.datetime_as_string(utc, unit="us"), "+00").astype(object)
    out[np.isnat(utc)] = _NULL
    return list(out)


def _response_lines(ids: np.ndarray, table: pd.DataFrame) -> str:
    """The chunk's responses as COPY text, column by column (no per-cell Python formatting calls)."""
    fields: list[list[str]] = [list(ids.astype(str).astype(object))]
    for col in table.columns:
        values = table[col]
        if col in ("started_at", "last_saved_at", "submitted_at"):
            fields.append(_time_field(values))
        elif col in ("duration_seconds", "overall") or col.startswith("score_"):
            fields.append(_float_field(values.to_numpy(dtype=float)))
        elif col in ("near_boundary", "shared"):
            fields.append(list(np.where(values.to_numpy(dtype=bool), "t", "f").astype(object)))
        elif col == "page":
            fields.append(["0"] * len(table))
        else:
            fields.append(_text_field(values.to_numpy(dtype=object)))
    return "".join(line + "\n" for line in map("\t".join, zip(*fields, strict=True)))


def _answer_lines(ids: np.ndarray, item_order: list[tuple[str, bool, np.ndarray, np.ndarray]], lo: int, hi: int) -> str:
    """The chunk's answers as COPY text in primary-key order.

    An answer line is its response id followed by a tail that depends only on (item, value), of which a
    questionnaire has a few hundred: each tail is formatted once and the lines are string concatenations.
    """
    offsets, tails = [], []
    for item_id, is_int, mask, values in item_order:
        chosen = np.flatnonzero(mask[lo:hi])
        if not len(chosen):
            continue
        picked = values[lo:hi][chosen]
        distinct, which = np.unique(picked.astype(np.int64) if is_int else picked.astype(str), return_inverse=True)
        item = _copy_text(item_id)
        lookup = np.array(
            [f"\t{item}\t{v}\t{_NULL}\n" if is_int else f"\t{item}\t{_NULL}\t{_copy_text(v)}\n" for v in distinct],
            dtype=object,
        )
        offsets.append(chosen)
        tails.append(lookup[which.reshape(-1)])
    if not offsets:
        return ""
    offset = np.concatenate(offsets)
    # Items come in id order, so a stable sort by response gives primary-key order: the index is
    # appended to instead of split all over.
    order = np.argsort(offset, kind="stable")
    heads = ids.astype(str).astype(object)[offset[order]]
    return "".join((heads + np.concatenate(tails)[order]).tolist())


def _copy(conn: Connection, table: str, columns: Sequence[str], data: str) -> None:
    raw = _driver(conn)  # psycopg connection, inside the same transaction
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(data)


def _load_postgresql(
    conn: Connection,
    table: pd.DataFrame,
    item_order: list[tuple[str, bool, np.ndarray, np.ndarray]],
    lo: int,
    hi: int,
) -> None:
    # Ids from the sequence itself, in one round trip, so concurrent start() calls never collide with them.
    reserved = conn.exec_driver_sql(
        "SELECT nextval(pg_get_serial_sequence('responses', 'id')) FROM generate_series(1, %(n)s)",
        {"n": len(table)},
    )
    ids = np.sort(np.fromiter((r[0] for r in reserved), dtype=np.int64, count=len(table)))
    _copy(conn, "responses", ["id", *table.columns], _response_lines(ids, table))
    answers = _answer_lines(ids, item_order, lo, hi)
    if answers:
        _copy(conn, "answers", ("response_id", "item_id", "value_int", "value_text"), answers)
