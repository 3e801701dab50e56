"""Bulk load on PostgreSQL: the project's COPY path against a bare psycopg COPY of the same rows (issue 12).

Each repetition loads the same N synthetic responses (``bench.bench_bulk.synthetic``: the real bank,
50 campaigns, 20 recruiters, 52 weeks) with their answers into a fresh schema (tables, indexes and
constraints created by ``Store``, the questionnaire registered; neither timed), once per variant, in
an order that rotates every repetition; every variant gets the same number of repetitions. Variants:

* **A, store** — ``storage.bulk.bulk_insert`` with scores and flags computed beforehand (scoring *outside*
  the timing): tokens, COPY text, ids from the sequence, its setting aside and rebuilding of the indexes
  and keys of a table the load at least doubles (every load here: the schema is fresh), and the
  ``VACUUM (ANALYZE)`` it runs after a load;
* **S, service + store** — ``service.bulk.bulk_load``: answer checks, scoring and flags (*inside* the
  timing), then the same store load;
* **B, bare COPY** — no project code: psycopg's ``Copy.write_row`` in chunks of the same size, ids
  reserved with one ``nextval`` query per chunk, from the same rows already in Python lists (tokens,
  scores, flags and the answer rows prepared *outside* the timing, so B does strictly less work), into
  the same tables, one transaction, with what the PostgreSQL manual advises for loading an empty table
  (``_set_aside``): the foreign keys and indexes (primary keys and unique constraints included) dropped
  before the COPY and rebuilt from their catalog definitions after it, ``maintenance_work_mem`` 256MB for
  the rebuild — what the store does for a load that at least doubles a table, as every load here does;
  then the same ``VACUUM (ANALYZE)`` and ``ANALYZE`` the store runs;
* **B0, floor** — COPY of text built beforehand by the store's own formatting functions, indexes and keys
  set aside as in B: the database's side of the load alone;
* **Afk**, **Bfk** — A and B as they were before indexes were set aside too: only the answers foreign key
  dropped and re-added (Afk patches ``storage.bulk._set_aside`` with that earlier rule), every index
  maintained row by row. ``--variants A,B,Afk,Bfk`` measures the change in one alternation.

Every schema is version 6, so each variant's COPY fires the cohort rollup's statement trigger
(``storage.rollup``) like the store's own loads. **A-**, **S-**, **B-**, **B0-** are the same loads into a
schema whose rollup (triggers and table) was dropped before the timing: ``--variants A,B,A-,B-`` measures
what keeping the rollup costs, in the same alternation.

Figures: median (min–max) seconds; responses/s and rows/s (responses + answers) from the median; ratios
of medians with the per-repetition range. ``/proc/loadavg`` is printed before and after each scale.

    python bench/bench_copy.py --n 100000,1000000 --repeat 3
    python bench/bench_copy.py --n 1000000 --repeat 1 --variants A,B --rotate 1   # the second half of a split run
    python bench/bench_copy.py --n 100000 --variants A,B --no-answers             # responses without answers
    python bench/bench_copy.py --n 1000000 --repeat 2 --variants A,B --lock FILE  # flock FILE per load only

PostgreSQL: ``--pg-url`` or BENCH_DATABASE_URL or TEST_DATABASE_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test); every schema is dropped after its run.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from unittest import mock  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import storage.bulk  # noqa: E402
import storage.bulk_indexes  # noqa: E402
from bench.backends import pg_schema  # noqa: E402
from bench.bench_bulk import synthetic  # noqa: E402
from bench.timing import ratio, spread  # noqa: E402
from scoring.engine import score_frame  # noqa: E402
from scoring.loader import load  # noqa: E402
from scoring.models import Questionnaire  # noqa: E402
from service.bulk import bulk_load, flag_json  # noqa: E402
from storage import Store, rollup  # noqa: E402
from storage.bulk import _answer_columns, _answer_rows, _hex_column, bulk_insert  # noqa: E402
from storage.schema import score_column  # noqa: E402

CHUNK = 50_000
NOW = datetime(2026, 1, 5, tzinfo=UTC)


@contextmanager
def held(path: str | None) -> Iterator[None]:
    """An exclusive flock on ``path`` meanwhile (nothing without one): ``--lock`` holds a shared benchmark
    lock for each load only, so preparing a million rows (a minute or two) does not hold it."""
    if path is None:
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def loadavg() -> str:
    """The first three fields of /proc/loadavg."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def definitions(conn: Any, schema: str) -> set[tuple[Any, ...]]:
    """Every index and constraint in the schema, by name and definition (each load must leave them as found)."""
    indexes = conn.exec_driver_sql(
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %(s)s", {"s": schema}
    ).all()
    constraints = conn.exec_driver_sql(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE connamespace = to_regnamespace(%(s)s)",
        {"s": schema},
    ).all()
    return {("index", *r) for r in indexes} | {("constraint", *r) for r in constraints}


def bare_rows(q: Questionnaire, frame: pd.DataFrame, scores: pd.DataFrame, flags: np.ndarray) -> dict[str, Any]:
    """The rows the store writes, as plain Python lists per chunk (built outside the timing).

    The answer rows follow the store's rule for what counts as an answer (``storage.bulk._answer_columns``),
    so both arms write exactly the same rows.
    """
    n = len(frame)
    submitted = pd.to_datetime(frame["submitted_at"], utc=True)
    duration = frame["duration_seconds"].to_numpy(dtype=float)
    started = submitted - pd.to_timedelta(np.nan_to_num(duration), unit="s")

    def nullable(values: np.ndarray) -> list[Any]:
        out = values.astype(object)
        out[np.isnan(values.astype(float))] = None
        return out.tolist()

    cols: dict[str, list[Any]] = {
        "public_id": _hex_column(n, 12).tolist(),
        "resume_token_hash": _hex_column(n, 32).tolist(),
        "delete_token_hash": _hex_column(n, 32).tolist(),
        "content_hash": [q.content_hash] * n,
        "recruiter_id": frame["recruiter_id"].tolist(),
        "campaign": frame["campaign"].tolist(),
        "role": [None] * n,
        "started_at": started.dt.to_pydatetime().tolist(),
        "last_saved_at": submitted.dt.to_pydatetime().tolist(),
        "submitted_at": submitted.dt.to_pydatetime().tolist(),
        "duration_seconds": nullable(duration),
        "page": [0] * n,
        "overall": nullable(scores["overall"].to_numpy(dtype=float)),
        "band": scores["band"].tolist(),
        "near_boundary": scores["near_boundary"].astype(bool).tolist(),
        "flags": list(flags),
        "shared": [False] * n,
        **{score_column(s): nullable(scores[d.id].to_numpy(dtype=float)) for s, d in enumerate(q.dimensions, 1)},
    }
    item_order = sorted(_answer_columns(q, frame), key=lambda c: c[0])
    chunks = []
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        offset, items, ints, texts = _answer_rows(item_order, lo, hi)
        chunks.append(
            {
                "responses": [c[lo:hi] for c in cols.values()],
                "offset": offset,
                "answers": [items.tolist(), ints.tolist(), texts.tolist()],
            }
        )
    answers = sum(len(c["offset"]) for c in chunks)
    return {"columns": list(cols), "full": cols, "chunks": chunks, "answers": answers}


def _set_aside(cur: Any, with_answers: bool) -> list[str]:
    """Drop what the PostgreSQL manual advises dropping for a bulk load into an empty table ("Populating a
    Database": indexes and foreign keys), capturing each definition from the catalog first; return the
    statements that recreate them, in order. The tables it loads lose every foreign key and index; the
    responses primary key only when answers are loaded too (without them the answers foreign key, which
    needs it, stays: the store keeps it in the same case)."""
    tables = ["responses", "answers"] if with_answers else ["responses"]
    cur.execute(
        "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = ANY(%s::regclass[]) AND contype = 'f'",
        (tables,),
    )
    keys = cur.fetchall()
    cur.execute(
        "SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),"
        " quote_ident(con.conname), pg_get_constraintdef(con.oid) FROM pg_index i"
        " LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid"
        " AND con.contype IN ('p', 'u')"
        " WHERE i.indrelid = ANY(%s::regclass[]) AND (%s OR i.indexrelid <> 'responses_pkey'::regclass)"
        " ORDER BY con.contype = 'p' DESC NULLS LAST",
        (tables, with_answers),
    )
    indexes = cur.fetchall()
    for table, name, _ in keys:
        cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    restore = []
    for table, index, index_def, constraint, constraint_def in indexes:
        if constraint is None:
            cur.execute(f"DROP INDEX {index}")
            restore.append(index_def)
        else:
            cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
            restore.append(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {constraint_def}")
    return restore + [f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}" for table, name, definition in keys]


def _answers_keys_dropped(cur: Any) -> list[str]:
    """Bfk, the bare baseline before: only the answers foreign key dropped (re-added after the COPY)."""
    cur.execute(
        "SELECT quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = 'answers'::regclass AND contype = 'f'"
    )
    keys = cur.fetchall()
    for name, _ in keys:
        cur.execute(f"ALTER TABLE answers DROP CONSTRAINT {name}")
    return [f"ALTER TABLE answers ADD CONSTRAINT {name} {definition}" for name, definition in keys]


def _restore(cur: Any, statements: list[str]) -> None:
    """Rebuild what ``_set_aside`` dropped, with the store's maintenance_work_mem for this transaction."""
    cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for statement in statements:
        cur.execute(statement)


def _maintain(conn: Any, with_answers: bool) -> None:
    conn.autocommit = True
    conn.execute("VACUUM (ANALYZE) responses")
    conn.execute("ANALYZE questionnaires")
    if with_answers:
        conn.execute("ANALYZE answers")


def _answers_keys_only(conn: Any, loads: Any) -> list[str]:
    """Afk: the store's rule before indexes were set aside too — drop only the answers foreign keys (when
    the load at least doubles answers); patched over ``storage.bulk._set_aside`` for the timing."""
    doubled = (
        loads["answers"]
        and conn.exec_driver_sql(storage.bulk._DOUBLED, {"rows": loads["answers"], "table": "answers"}).scalar()
    )
    if not doubled:
        return []
    keys = conn.exec_driver_sql(storage.bulk_indexes._FOREIGN_KEYS, {"table": "answers"}).all()
    for _, owner, name, _ in keys:
        conn.exec_driver_sql(f"ALTER TABLE {owner} DROP CONSTRAINT {name}")
    return [f"ALTER TABLE {owner} ADD CONSTRAINT {name} {definition}" for _, owner, name, definition in keys]


def bare_copy(url: str, rows: dict[str, Any], *, keys_only: bool = False) -> None:
    """B: psycopg alone, one transaction, foreign keys and indexes dropped and rebuilt (``_set_aside``), a
    COPY per table and chunk with write_row, then the same VACUUM (ANALYZE) and ANALYZE the store runs."""
    import psycopg

    with_answers = rows["answers"] > 0
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        with conn.transaction(), conn.cursor() as cur:
            restore = _answers_keys_dropped(cur) if keys_only else _set_aside(cur, with_answers)
            names = ", ".join(["id", *rows["columns"]])
            for ch in rows["chunks"]:
                k = len(ch["responses"][0])
                cur.execute(
                    "SELECT nextval(pg_get_serial_sequence('responses', 'id')) FROM generate_series(1, %s)", (k,)
                )
                ids = np.sort(np.array([r[0] for r in cur.fetchall()], dtype=np.int64))
                with cur.copy(f"COPY responses ({names}) FROM STDIN") as copy:
                    for row in zip(ids.tolist(), *ch["responses"], strict=True):
                        copy.write_row(row)
                if len(ch["offset"]):
                    with cur.copy("COPY answers (response_id, item_id, value_int, value_text) FROM STDIN") as copy:
                        for row in zip(ids[ch["offset"]].tolist(), *ch["answers"], strict=True):
                            copy.write_row(row)
            _restore(cur, restore)
        _maintain(conn, with_answers)


def prebuilt_text(q: Questionnaire, frame: pd.DataFrame, scores: pd.DataFrame, flags: np.ndarray) -> list[Any]:
    """B0's input: the COPY text of every chunk, ids 1..n, built before the timing (by the store's own
    formatting functions: B0 times the database's side alone)."""
    from storage.bulk import _answer_lines, _response_lines

    rows = bare_rows(q, frame, scores, flags)
    table = pd.DataFrame(rows["full"])
    for col in ("started_at", "last_saved_at", "submitted_at"):
        table[col] = pd.to_datetime(table[col], utc=True)
    for col in ("duration_seconds", "overall", *(c for c in table.columns if c.startswith("score_"))):
        table[col] = pd.to_numeric(table[col], errors="coerce").astype(float)
    item_order = sorted(_answer_columns(q, frame), key=lambda c: c[0])
    out = []
    n = len(frame)
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        ids = np.arange(lo + 1, hi + 1, dtype=np.int64)
        out.append((_response_lines(ids, table.iloc[lo:hi]), _answer_lines(ids, item_order, lo, hi)))
    return [rows["columns"], out, n]


def floor_copy(url: str, built: list[Any]) -> None:
    """B0: COPY of text built beforehand (ids 1..n, the sequence moved past them), foreign keys and indexes
    dropped and rebuilt as in B, the same VACUUM (ANALYZE): the database's side of the load, no client
    formatting."""
    import psycopg

    columns, texts, n = built
    with_answers = any(answers_text for _, answers_text in texts)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        with conn.transaction(), conn.cursor() as cur:
            restore = _set_aside(cur, with_answers)
            cur.execute("SELECT setval(pg_get_serial_sequence('responses', 'id'), %s)", (n,))
            names = ", ".join(["id", *columns])
            for responses_text, answers_text in texts:
                with cur.copy(f"COPY responses ({names}) FROM STDIN") as copy:
                    copy.write(responses_text)
                if answers_text:
                    with cur.copy("COPY answers (response_id, item_id, value_int, value_text) FROM STDIN") as copy:
                        copy.write(answers_text)
            _restore(cur, restore)
        _maintain(conn, with_answers)


def run_scale(
    base: str | None,
    q: Questionnaire,
    n: int,
    repeat: int,
    variants: list[str],
    *,
    no_answers: bool = False,
    lock: str | None = None,
    rotate: int = 0,
) -> dict[str, Any]:
    """Alternate the variants ``repeat`` times at scale n (the order rotated by ``rotate`` more, so a run
    split in two can start each half with a different variant); seconds per variant and the rows written.
    ``no_answers``: the responses alone (scored from their answers, which are then left out)."""
    t = time.perf_counter()
    frame = synthetic(q, n, seed=1)
    scores, flags = score_frame(q, frame), flag_json(q, frame)
    if no_answers:
        if any(v.startswith("S") for v in variants):
            raise SystemExit("--no-answers: the service variant S needs the answers")
        frame = frame.drop(columns=[item.id for item in q.items() if item.id in frame.columns])
    rows = bare_rows(q, frame, scores, flags)
    built = prebuilt_text(q, frame, scores, flags) if "B0" in variants else None
    print(f"\n== {n:,} responses, {rows['answers']:,} answers (prepared in {time.perf_counter() - t:.0f} s)")
    print(f"load average before: {loadavg()}", flush=True)

    def store_load(url: str) -> None:
        with Store(url) as store:
            bulk_insert(store.database, q, frame, scores, flags, chunk=CHUNK, now=NOW)

    def service_load(url: str) -> None:
        with Store(url) as store:
            bulk_load(store, q, frame, chunk=CHUNK, now=NOW)

    def store_load_keys_only(url: str) -> None:
        with mock.patch.object(storage.bulk, "_set_aside", _answers_keys_only):
            store_load(url)

    fns: dict[str, Callable[[str], None]] = {
        "A": store_load,
        "S": service_load,
        "B": lambda url: bare_copy(url, rows),
        "B0": lambda url: floor_copy(url, built),
        # The rule before indexes were set aside too (2026-12-01): only the answers foreign key.
        "Afk": store_load_keys_only,
        "Bfk": lambda url: bare_copy(url, rows, keys_only=True),
    }
    # "A-", "B-": the same loads into a schema without the cohort rollup's triggers (storage.rollup), to
    # measure what maintaining it costs, alternated in the same run.
    fns.update({f"{v}-": fns[v] for v in ("A", "S", "B", "B0")})
    times: dict[str, list[float]] = {v: [] for v in variants}
    for r in range(repeat):
        k = (r + rotate) % len(variants)
        for name in variants[k:] + variants[:k]:
            schema = f"bench_copy_{uuid.uuid4().hex[:8]}"
            with held(lock), pg_schema(base, schema, keep=False) as (url, admin):
                with Store(url) as store:  # tables, indexes, constraints; the questionnaire registered
                    store.register(q)
                    if name.endswith("-"):
                        with store.engine.begin() as conn:
                            rollup.drop(conn)
                with admin.connect() as conn:
                    before = definitions(conn, schema)
                t = time.perf_counter()
                fns[name](url)
                times[name].append(time.perf_counter() - t)
                with admin.connect() as conn:
                    if definitions(conn, schema) != before:
                        raise SystemExit(f"{name} left other indexes or constraints than it found")
                    got = conn.exec_driver_sql(
                        f'SELECT (SELECT count(*) FROM "{schema}".responses), (SELECT count(*) FROM "{schema}".answers)'
                    ).one()
                if tuple(got) != (n, rows["answers"]):
                    raise SystemExit(f"{name} wrote {tuple(got)}, expected {(n, rows['answers'])}")
            print(f"  rep {r + 1} {name:<4} {times[name][-1]:7.1f} s   load {loadavg()}", flush=True)
    print(f"load average after: {loadavg()}")
    total = n + rows["answers"]
    for name in variants:
        med = statistics.median(times[name])
        rates = f"{n / med:9,.0f} responses/s   {total / med:11,.0f} rows/s"
        print(f"{name:<4} {spread(times[name], 1.0, '.1f', ' s')}   {rates}")
    pairs = [("A", "B"), ("A", "B0"), ("B", "B0"), ("S", "B"), ("S", "A"), ("A", "A-"), ("B", "B-"), ("A-", "B-")]
    pairs += [("Afk", "Bfk"), ("A", "Afk"), ("B", "Bfk")]
    for a, b in pairs:
        if a in times and b in times:
            print(f"{a}/{b:<4} {ratio(times[a], times[b], '.2f')}")
    return {"n": n, "answers": rows["answers"], "times": times}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", default="100000", help="responses per load, comma-separated scales")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of every variant (default 3)")
    parser.add_argument("--variants", default="A,S,B,B0")
    parser.add_argument("--no-answers", action="store_true", help="load the responses without their answers")
    parser.add_argument("--lock", help="a file to flock around each load (not around the preparation)")
    parser.add_argument("--rotate", type=int, default=0, help="start the alternation this many variants later")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--questionnaire", default=str(ROOT / "questions" / "strategic-candidate.yaml"))
    args = parser.parse_args(argv)
    q = load(args.questionnaire)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    for n in (int(x) for x in args.n.split(",")):
        run_scale(
            args.pg_url, q, n, args.repeat, variants, no_answers=args.no_answers, rotate=args.rotate, lock=args.lock
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
