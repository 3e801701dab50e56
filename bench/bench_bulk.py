"""Bulk benchmark: load N submitted synthetic responses, then time the dashboard aggregates.

Responses come from ``scoring.sample.generate`` on the real questionnaire, with 50 campaigns, 20
recruiters and submission times spread over 52 weeks. For each backend the script reports the load
time (``Store.bulk_load``: validation, vectorised scoring and flags, inserts with answers and scores),
then times ``Store.aggregate`` (count, mean overall and mean per dimension, grouped by campaign and by
week) against hand-written SQL for the same numbers on a raw DB-API cursor, checks the numbers
agree, and prints the ratio (medians of ``--repeat`` alternating runs after one warm-up each).

    python bench/bench_bulk.py --n 1000000
    python bench/bench_bulk.py --n 20000 --backends sqlite

PostgreSQL: ``--pg-url`` or BENCH_DATABASE_URL or TEST_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test; a fresh schema is used and dropped afterwards.
SQLite: a file under bench/out/ (git-ignored), deleted afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench.backends import pg_schema, sqlite_file  # noqa: E402
from scoring.loader import load  # noqa: E402
from scoring.models import Questionnaire  # noqa: E402
from scoring.sample import generate  # noqa: E402
from service.bulk import bulk_load  # noqa: E402
from storage import Filters, Store  # noqa: E402

START = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday

# The hand-written baseline: the numbers Store.aggregate returns, in the SQL one would write by hand.
WEEK_SQL = {
    "sqlite": "date(r.submitted_at, '-6 days', 'weekday 1')",
    "postgresql": "date_trunc('week', r.submitted_at AT TIME ZONE 'UTC')::date",
}
# Dimension k of a questionnaire version is in column score_0k (storage.schema).
AGGREGATE_SQL = """
SELECT {key} AS key, count(*), avg(r.overall), {means}
FROM responses r
WHERE r.content_hash = {p} AND r.submitted_at IS NOT NULL
GROUP BY 1
"""


def synthetic(q: Questionnaire, n: int, seed: int) -> pd.DataFrame:
    """n generated responses with attribution and submission times."""
    frame = generate(q, n, seed=seed)
    rng = np.random.default_rng(seed + 1)
    frame["campaign"] = np.array([f"campaign-{i:02d}" for i in range(50)], dtype=object)[rng.integers(0, 50, n)]
    frame["recruiter_id"] = np.array([f"recruiter-{i:02d}" for i in range(20)], dtype=object)[rng.integers(0, 20, n)]
    offsets = pd.to_timedelta(rng.integers(0, 52 * 7 * 24 * 3600, n), unit="s")
    frame["submitted_at"] = pd.Timestamp(START) + offsets
    return frame


def raw_aggregate(store: Store, group_by: str, q: Questionnaire) -> dict[Any, dict[str, Any]]:
    """The same numbers through a raw DB-API cursor: {key: {"n", "overall", dim: mean}}."""
    dialect = store.dialect
    key = {"campaign": "r.campaign", "week": WEEK_SQL[dialect]}[group_by]
    p = "?" if dialect == "sqlite" else "%s"
    dims = [d.id for d in q.dimensions]
    means = ", ".join(f"avg(r.score_{slot:02d})" for slot in range(1, len(dims) + 1))
    conn = store.engine.raw_connection()
    try:
        cur = conn.cursor()
        out: dict[Any, dict[str, Any]] = {}
        cur.execute(AGGREGATE_SQL.format(key=key, means=means, p=p), (q.content_hash,))
        for k, n, overall, *values in cur.fetchall():
            out[k] = {"n": n, "overall": overall, **dict(zip(dims, values, strict=True))}
        cur.close()
        conn.rollback()
    finally:
        conn.close()
    return out


def timed_pair(a: Callable[[], Any], b: Callable[[], Any], repeat: int) -> tuple[float, Any, float, Any]:
    """Median seconds of a and of b over repeat runs, alternating a and b so that load from other
    processes falls on both alike; one warm-up each first. Returns (a seconds, a result, b seconds, b result)."""
    results = [a(), b()]
    times: list[list[float]] = [[], []]
    for _ in range(repeat):
        for k, fn in enumerate((a, b)):
            t = time.perf_counter()
            results[k] = fn()
            times[k].append(time.perf_counter() - t)
    return statistics.median(times[0]), results[0], statistics.median(times[1]), results[1]


def same_numbers(frame: pd.DataFrame, raw: dict[Any, dict[str, Any]], group_by: str, dims: list[str]) -> bool:
    if len(frame) != len(raw):
        return False
    for row in frame.to_dict("records"):
        key = row[group_by]
        if group_by == "week":
            key = next((k for k in raw if pd.Timestamp(k) == key), None)
        expected = raw.get(key)
        if expected is None or int(row["n"]) != int(expected["n"]):
            return False
        for col in ["overall", *dims]:
            a, b = row[col], expected.get(col)
            if not (a is None and b is None) and not math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9):
                return False
    return True


def run(label: str, url: str, q: Questionnaire, frame: pd.DataFrame, repeat: int, chunk: int) -> bool:
    print(f"\n== {label}")
    with Store(url) as store:
        t = time.perf_counter()
        loaded = bulk_load(store, q, frame, chunk=chunk)
        load_s = time.perf_counter() - t
        print(f"load      {loaded:,} responses in {load_s:.1f} s ({loaded / load_s:,.0f} responses/s)")
        dims = [d.id for d in q.dimensions]
        ok = True
        for group_by in ("campaign", "week"):
            store_s, result, raw_s, raw = timed_pair(
                lambda g=group_by: store.aggregate(g, Filters(content_hash=q.content_hash)),
                lambda g=group_by: raw_aggregate(store, g, q),
                repeat,
            )
            agree = same_numbers(result, raw, group_by, dims)
            ok &= agree
            print(
                f"by {group_by:<8} {len(result):3d} groups   Store.aggregate {store_s * 1000:8.1f} ms   "
                f"raw SQL {raw_s * 1000:8.1f} ms   ratio {store_s / raw_s:5.2f}   "
                f"numbers {'agree' if agree else 'DIFFER'}"
            )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="responses to load (1000000 for the issue's figure)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file and PostgreSQL schema")
    parser.add_argument("--questionnaire", default=str(ROOT / "questions" / "strategic-candidate.yaml"))
    args = parser.parse_args(argv)
    q = load(args.questionnaire)
    t = time.perf_counter()
    frame = synthetic(q, args.n, args.seed)
    print(
        f"questionnaire {q.meta.id} {q.meta.version} ({len(q.items())} items, {len(q.dimensions)} dimensions); "
        f"generated {len(frame):,} responses in {time.perf_counter() - t:.1f} s"
    )
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    ok = True
    if "sqlite" in backends:
        with sqlite_file(f"bulk-{uuid.uuid4().hex[:8]}", keep=args.keep) as url:
            ok &= run("SQLite (WAL)", url, q, frame, args.repeat, args.chunk)
    if "postgresql" in backends:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with pg_schema(args.pg_url, schema, keep=args.keep) as (url, admin):
            ok &= run("PostgreSQL", url, q, frame, args.repeat, args.chunk)
            with admin.connect() as conn:
                size = conn.exec_driver_sql(
                    "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n"
                    " ON n.oid = c.relnamespace WHERE n.nspname = %(s)s AND c.relkind = 'r'",
                    {"s": schema},
                ).scalar()
            print(f"schema size {int(size or 0) / 1e9:.2f} GB")
    print("\nRESULT " + ("ok: aggregates agree with the raw SQL" if ok else "FAILED: numbers differ"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
