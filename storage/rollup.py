"""The cohort rollup (schema version 6): counts and sums per cohort key, kept by the database's own triggers.

``response_rollup`` holds one row per (content_hash, started_day, submitted_day, recruiter_id, campaign,
band, shared, superseded) — days are UTC dates, ``submitted_day`` NULL while unsubmitted — with ``n``
(responses) and, for overall and each score slot, ``n_<measure>`` (non-NULL values) and ``sum_<measure>``.
A mean over any set of keys is then ``sum(sum_x) / sum(n_x)``: ``avg`` up to float rounding. The
dashboard's exact figures (``storage.reads``: grouped means, per-version counts, the filter lists) read
these few thousand rows instead of scanning every response; any filter the key cannot express (a bound
that is not a UTC midnight) falls back to the scan.

**Maintained by triggers**, so every write path is covered — the store's statements, ``storage.bulk``'s
COPY and executemany, a retention purge, a chain deletion, hand-written SQL:

* PostgreSQL: statement-level AFTER INSERT and AFTER DELETE triggers with transition tables (one grouped
  upsert per statement: a 50,000-row COPY chunk costs one aggregate, not 50,000 upserts), a row-level
  AFTER UPDATE OF *the key and score columns only* with a WHEN clause (an answer's save, which sets
  ``last_saved_at`` and ``page``, does not fire it), and AFTER TRUNCATE (empties the rollup).
* SQLite: row-level AFTER INSERT / UPDATE OF … WHEN … / DELETE triggers (SQLite has no statement triggers).

**Uniqueness with NULLs.** recruiter_id, campaign, band and submitted_day may be NULL, and a unique index
treats NULLs as distinct on both backends (PostgreSQL's NULLS NOT DISTINCT needs 15+). The unique index is
on expressions instead — ``coalesce(x, '')`` together with ``x IS NULL`` — which is injective (NULL and ''
stay apart) and works on SQLite ≥ 3.24 and any supported PostgreSQL; the upserts name the same expressions.

**Locks and deadlocks (PostgreSQL).** An upsert locks the rollup rows it touches until the transaction
commits; every trigger statement aggregates its rows first and upserts them in key order (``ORDER BY``),
so two statements never take two rollup rows in opposite orders, and a row moving between two keys (an
UPDATE) is one statement, not two. A transaction of several statements (a retake's submit, which also marks
the attempt it follows superseded) could still meet another in the opposite order: PostgreSQL then aborts
one with a deadlock error, which the store reports as ``StoreUnavailable`` (retryable; nothing half-written).
Concurrent writers to the same key (say, submits of one campaign on one day) queue on its row for the
rest of their transaction, which for the store's writes is one statement and a commit. A bulk load holds
its keys' rows until it commits: a maintenance operation, as its docstring says.

Zero rows (every response of a key deleted or moved) are kept with ``n = 0``; reads skip them and
``rebuild`` removes them. ``check`` and ``rebuild`` are for operators: ``python -m storage rollup``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, time
from typing import Any

from sqlalchemy import Connection, Float, Integer, case, cast, extract, func, literal_column, select

from storage._db import as_datetime
from storage.filters import Filters
from storage.schema import SCORE_COLUMNS, questionnaires, response_rollup

MEASURES = ["overall", *SCORE_COLUMNS]
KEY = ["content_hash", "started_day", "submitted_day", "recruiter_id", "campaign", "band", "shared", "superseded"]
# The columns whose change moves a response between keys or changes a sum: the UPDATE trigger's list.
WATCHED = ["content_hash", "started_at", "submitted_at", "recruiter_id", "campaign", "band", "shared", "superseded"]
WATCHED += MEASURES
# The unique index's expressions, which the upserts' ON CONFLICT names again (see the module docstring).
_UNIQUE = [
    "content_hash",
    "started_day",
    "(coalesce(submitted_day, started_day))",
    "(submitted_day IS NULL)",
    *(f"(coalesce({c}, ''))" for c in ("recruiter_id", "campaign", "band")),
    *(f"({c} IS NULL)" for c in ("recruiter_id", "campaign", "band")),
    "shared",
    "superseded",
]
INDEX = "ux_response_rollup_key"
_COLUMNS = [*KEY, "n", *(f"{p}_{m}" for m in MEASURES for p in ("n", "sum"))]
_FUNCTIONS = ("response_rollup_insert", "response_rollup_update", "response_rollup_delete", "response_rollup_truncate")


def _day(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"(({column}) AT TIME ZONE 'UTC')::date"
    return f"date({column})"  # SQLite keeps UTC text (storage.schema.UTCDateTime)


def _key_select(prefix: str, dialect: str) -> list[str]:
    """The key's expressions over a responses row (``prefix``: "", "NEW." or "OLD.")."""
    return [
        f"{prefix}content_hash",
        _day(f"{prefix}started_at", dialect),
        _day(f"{prefix}submitted_at", dialect),
        *(f"{prefix}{c}" for c in ("recruiter_id", "campaign", "band", "shared", "superseded")),
    ]


def _sums(sign: str) -> list[str]:
    """n, then n_x and sum_x per measure, over rows of ``sign`` +1, -1 or a per-row ``sign`` column."""
    if sign in ("1", "-1"):
        neg = "-" if sign == "-1" else ""
        out = [f"{neg}count(*)"]
        for m in MEASURES:
            out += [f"{neg}count({m})", f"{neg}coalesce(sum({m}), 0)"]
        return out
    out = ["sum(sign)"]
    for m in MEASURES:
        out += [f"sum(CASE WHEN {m} IS NULL THEN 0 ELSE sign END)", f"coalesce(sum(sign * {m}), 0)"]
    return out


def _grouped(source: str, sign: str, dialect: str, prefix: str = "") -> str:
    """SELECT key, sums FROM source GROUP BY key ORDER BY key (the order every upsert locks its rows in)."""
    keys = _key_select(prefix, dialect) if prefix != "-" else KEY
    positions = ", ".join(str(i) for i in range(1, len(KEY) + 1))
    return (
        f"SELECT {', '.join(keys)}, {', '.join(_sums(sign))} FROM {source} WHERE true"  # noqa: S608 (constants)
        f" GROUP BY {positions} ORDER BY {positions}"
    )


def _upsert(select_sql: str, table: str = "response_rollup") -> str:
    # A schema-qualified table gets an alias (PostgreSQL); SQLite refuses one inside a trigger.
    into, cur = (table, table) if table == "response_rollup" else (f"{table} AS cur", "cur")
    adds = ", ".join(f"{c} = {cur}.{c} + excluded.{c}" for c in _COLUMNS[len(KEY) :])
    return (
        f"INSERT INTO {into} ({', '.join(_COLUMNS)}) {select_sql}"
        f" ON CONFLICT ({', '.join(_UNIQUE)}) DO UPDATE SET {adds}"
    )


def _row(prefix: str, sign: str, dialect: str) -> str:
    """One row of the trigger's OLD or NEW, as a source with a sign column (for the UPDATE trigger)."""
    keys = _key_select(prefix, dialect)
    cols = [f"{sign} AS sign", *(f"{k} AS {name}" for k, name in zip(keys, KEY, strict=True))]
    cols += [f"{prefix}{m} AS {m}" for m in MEASURES]
    return f"SELECT {', '.join(cols)}"


def _moved(dialect: str, old: str = "OLD.", new: str = "NEW.", table: str = "response_rollup") -> str:
    """The UPDATE trigger's upsert: the old key loses the row and the new key gains it, in one statement."""
    rows = f"({_row(old, '-1', dialect)} UNION ALL {_row(new, '1', dialect)}) AS moved"
    return _upsert(_grouped(rows, "sign", dialect, prefix="-"), table)


def _changed() -> str:
    op = "IS DISTINCT FROM"
    return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in WATCHED)


def ddl(dialect: str) -> list[str]:
    """The unique index and the triggers (the table itself is ``storage.schema.response_rollup``)."""
    out = [f"CREATE UNIQUE INDEX {INDEX} ON response_rollup ({', '.join(_UNIQUE)})"]
    watched = ", ".join(WATCHED)
    if dialect == "postgresql":
        # Dynamic SQL on the rollup of the responses table's own schema (TG_TABLE_SCHEMA), whatever the
        # writer's search_path: a session writing "other_schema.responses" updates that schema's rollup.
        here = "%1$I.response_rollup"
        bodies = {
            "response_rollup_insert": (_upsert(_grouped("new_rows", "1", dialect), here), ""),
            "response_rollup_delete": (_upsert(_grouped("old_rows", "-1", dialect), here), ""),
            "response_rollup_update": (_moved(dialect, "($1).", "($2).", here), " USING OLD, NEW"),
            "response_rollup_truncate": (f"DELETE FROM {here}", ""),  # noqa: S608 (constants)
        }
        for name, (body, using) in bodies.items():
            out.append(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                f" EXECUTE format($f${body}$f$, TG_TABLE_SCHEMA){using}; RETURN NULL; END $$"
            )
        out += [
            "CREATE TRIGGER response_rollup_insert AFTER INSERT ON responses REFERENCING NEW TABLE AS new_rows"
            " FOR EACH STATEMENT EXECUTE FUNCTION response_rollup_insert()",
            "CREATE TRIGGER response_rollup_delete AFTER DELETE ON responses REFERENCING OLD TABLE AS old_rows"
            " FOR EACH STATEMENT EXECUTE FUNCTION response_rollup_delete()",
            f"CREATE TRIGGER response_rollup_update AFTER UPDATE OF {watched} ON responses FOR EACH ROW"
            f" WHEN ({_changed()}) EXECUTE FUNCTION response_rollup_update()",
            "CREATE TRIGGER response_rollup_truncate AFTER TRUNCATE ON responses"
            " FOR EACH STATEMENT EXECUTE FUNCTION response_rollup_truncate()",
        ]
        return out
    insert = _upsert(_grouped(f"({_row('NEW.', '1', dialect)}) AS r", "sign", dialect, prefix="-"))
    remove = _upsert(_grouped(f"({_row('OLD.', '-1', dialect)}) AS r", "sign", dialect, prefix="-"))
    changed = _changed().replace("IS DISTINCT FROM", "IS NOT")
    out += [
        f"CREATE TRIGGER response_rollup_insert AFTER INSERT ON responses BEGIN {insert}; END",
        f"CREATE TRIGGER response_rollup_update AFTER UPDATE OF {watched} ON responses"
        f" WHEN {changed} BEGIN {_moved(dialect)}; END",
        f"CREATE TRIGGER response_rollup_delete AFTER DELETE ON responses BEGIN {remove}; END",
    ]
    return out


def _grouping(conn: Connection) -> str:
    """The grouping of every response by key, planned as a hash aggregate on PostgreSQL (see ``_hashed``)."""
    return _grouped("responses", "1", conn.dialect.name).split(" ORDER BY ")[0]


@contextmanager
def _hashed(conn: Connection) -> Iterator[None]:
    """PostgreSQL: prefer a hash aggregate for the statements inside (then restore the settings).

    Without statistics on the day expressions the planner expects a group per response and sorts the
    whole table (26–29 s for the backfill over 1M responses on this machine); there are a few thousand
    keys, and hashing takes 6 s.
    """
    if conn.dialect.name != "postgresql":
        yield
        return
    saved = conn.exec_driver_sql("SELECT current_setting('enable_sort'), current_setting('work_mem')").one()
    conn.exec_driver_sql("SET LOCAL enable_sort = off")
    conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    try:
        yield
    finally:
        conn.exec_driver_sql(
            "SELECT set_config('enable_sort', %(s)s, true), set_config('work_mem', %(w)s, true)",
            {"s": saved[0], "w": saved[1]},
        )


def backfill(conn: Connection) -> None:
    """Fill the (empty) rollup from the responses: one INSERT … SELECT … GROUP BY."""
    with _hashed(conn):
        conn.exec_driver_sql(f"INSERT INTO response_rollup ({', '.join(_COLUMNS)}) {_grouping(conn)}")


def create(conn: Connection) -> None:
    """Index and triggers, then the backfill (schema step 6; ``ensure`` on a new database)."""
    for statement in ddl(conn.dialect.name):
        # Creating a trigger on PostgreSQL takes a lock that waits for, then blocks, writers to responses
        # until this transaction commits: the backfill below sees every committed row and misses none.
        conn.exec_driver_sql(statement.replace("%", "%%") if conn.dialect.name == "postgresql" else statement)
    backfill(conn)


def drop(conn: Connection) -> None:
    """Remove the triggers, their functions and the table (tests that rebuild an older schema)."""
    for name in ("response_rollup_insert", "response_rollup_update", "response_rollup_delete"):
        on = " ON responses" if conn.dialect.name == "postgresql" else ""
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}{on}")
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS response_rollup_truncate ON responses")
        for name in _FUNCTIONS:
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")
    conn.exec_driver_sql("DROP TABLE IF EXISTS response_rollup")


def rebuild(conn: Connection) -> int:
    """Recompute the rollup from the responses (writers wait meanwhile); returns the rows it now has."""
    if conn.dialect.name == "postgresql":  # readers go on (they see the old rollup until the commit)
        conn.exec_driver_sql("LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE")
    conn.exec_driver_sql("DELETE FROM response_rollup")
    backfill(conn)
    return int(conn.exec_driver_sql("SELECT count(*) FROM response_rollup").scalar_one())


def check(conn: Connection, *, tolerance: float = 1e-9) -> list[str]:
    """Differences between the rollup and a fresh grouping of the responses (empty: consistent).

    Counts must match exactly; sums within ``tolerance`` relative (float rounding of added and removed
    values). Run it in one snapshot (PostgreSQL: REPEATABLE READ) so writers in between cannot show up.
    """
    width = len(KEY)
    with _hashed(conn):
        fresh = {tuple(r[:width]): r[width:] for r in conn.exec_driver_sql(_grouping(conn))}
    stored_sql = f"SELECT {', '.join(_COLUMNS)} FROM response_rollup"  # noqa: S608 (constants)
    stored = {tuple(_day_key(r[:width])): r[width:] for r in conn.exec_driver_sql(stored_sql)}
    fresh = {tuple(_day_key(k)): v for k, v in fresh.items()}
    problems = []
    zero = (0,) * (1 + 2 * len(MEASURES))
    for key in sorted(set(fresh) | set(stored), key=repr):
        want, got = fresh.get(key, zero), stored.get(key, zero)
        labels = _COLUMNS[width:]
        for label, w, g in zip(labels, want, got, strict=True):
            if label.startswith("sum_"):
                ok = math.isclose(float(w), float(g), rel_tol=tolerance, abs_tol=tolerance)
            else:
                ok = int(w) == int(g)
            if not ok:
                problems.append(f"{key}: {label} is {g} in the rollup, {w} in the responses")
    return problems


def _day_key(key: Sequence[Any]) -> list[Any]:
    """A key with its days as ISO text (SQLite returns text, PostgreSQL dates) and booleans as bools."""
    out = list(key)
    for i in (1, 2):
        out[i] = None if out[i] is None else str(out[i])[:10]
    for i in (6, 7):
        out[i] = bool(out[i])
    return out


# ----- reads ---------------------------------------------------------------------------------------


def _midnight(value: Any) -> bool:
    return value is None or as_datetime(value).time() == time(0)


def answers(filters: Filters) -> bool:
    """Whether the rollup answers a read with these filters exactly (its bounds fall on UTC days)."""
    return _midnight(filters.since) and _midnight(filters.until)


def conditions(filters: Filters) -> list[Any]:
    """The WHERE clauses on ``response_rollup`` equivalent to ``storage.filters.conditions`` for ``filters``."""
    r = response_rollup.c
    day = r.submitted_day if filters.submitted_only else r.started_day
    conds: list[Any] = []
    if filters.content_hash is not None:
        conds.append(r.content_hash == filters.content_hash)
    if filters.scoring_key is not None:
        same_key = select(questionnaires.c.content_hash).where(questionnaires.c.scoring_key == filters.scoring_key)
        conds.append(r.content_hash.in_(same_key))
    if filters.submitted_only:
        conds.append(r.submitted_day.is_not(None))
    if filters.since is not None:
        conds.append(day >= as_datetime(filters.since).astimezone(UTC).date())
    if filters.until is not None:
        conds.append(day < as_datetime(filters.until).astimezone(UTC).date())
    if filters.recruiter_id is not None:
        conds.append(r.recruiter_id == filters.recruiter_id)
    if filters.campaign is not None:
        conds.append(r.campaign == filters.campaign)
    if filters.shared_only:
        conds.append(r.shared.is_(True))
    if filters.latest_only:
        conds.append(r.superseded.is_(False))
    return conds


def group_key(group_by: str, submitted_only: bool, dialect: str) -> Any:
    """The rollup's expression for a ``storage.reads`` grouping (the same values the scan groups by)."""
    r = response_rollup.c
    if group_by in ("campaign", "band"):
        return r[group_by]
    if group_by == "recruiter":
        return r.recruiter_id
    if group_by == "language":
        return questionnaires.c.language
    if group_by == "week":  # the Monday of the day's week
        day = r.submitted_day if submitted_only else r.started_day
        if dialect == "postgresql":
            return day - (cast(extract("isodow", day), Integer) - 1)
        return func.date(day, literal_column("'-6 days'"), literal_column("'weekday 1'"))
    raise ValueError(f"unknown grouping {group_by!r}")


def aggregate_select(group_by: str, filters: Filters, columns: Sequence[str], *, counts: bool, dialect: str) -> Any:
    """Per group: key, n, the mean of each of ``columns`` (overall, score slots), then their counts."""
    r = response_rollup.c
    key = group_key(group_by, filters.submitted_only, dialect).label("key")
    means = [cast(func.sum(r[f"sum_{c}"]), Float) / func.nullif(func.sum(r[f"n_{c}"]), 0) for c in columns]
    source: Any = response_rollup
    if group_by == "language":
        source = response_rollup.join(questionnaires, questionnaires.c.content_hash == r.content_hash)
    return (
        select(key, func.sum(r.n).label("n"), *means, *([func.sum(r[f"n_{c}"]) for c in columns] if counts else []))
        .select_from(source)
        .where(*conditions(filters))
        .group_by(key)
        .having(func.sum(r.n) > 0)
    )


def version_counts() -> Any:
    """(content_hash, started, submitted) per version: a subquery for ``questionnaire_versions``."""
    r = response_rollup.c
    return (
        select(
            r.content_hash,
            func.sum(r.n).label("started"),
            func.sum(_when(r.submitted_day.is_not(None), r.n)).label("submitted"),
        )
        .group_by(r.content_hash)
        .subquery("counts")
    )


def campaign_select(recruiter_id: str | None) -> Any:
    """(recruiter_id, campaign, started, completed, shared) per pair with a response, as ``campaign_counts``."""
    r = response_rollup.c
    stmt = (
        select(
            r.recruiter_id,
            r.campaign,
            func.sum(r.n).label("started"),
            func.sum(_when(r.submitted_day.is_not(None), r.n)).label("completed"),
            func.sum(_when(r.shared.is_(True), r.n)).label("shared"),
        )
        .group_by(r.recruiter_id, r.campaign)
        .having(func.sum(r.n) > 0)
    )
    return stmt if recruiter_id is None else stmt.where(r.recruiter_id == recruiter_id)


def _when(condition: Any, value: Any) -> Any:
    return case((condition, value), else_=0)
