"""Concurrency benchmark: many candidates saving and submitting at once, on SQLite and PostgreSQL.

Each writer thread is one candidate: start → 30 progress saves (one answer each, some items answered
twice so last-write-wins is exercised) → submit with the remaining answers. The writers wait for each
other before submitting, so all submits arrive as one burst and "submissions/second" is that burst's
rate; every third candidate double-clicks: two threads submit at the same instant. Afterwards the
database is checked: exactly one submitted response per candidate, every answer present with its
last value, one score row per dimension, both submits of a double-click returned the same result,
and no errors (a ``StoreUnavailable`` counts as an error; nothing retries).

    python bench/bench_storage.py                      # 50 writers on SQLite, 200 on PostgreSQL
    python bench/bench_storage.py --sqlite-writers 20 --pg-writers 0

PostgreSQL: ``--pg-url`` or BENCH_DATABASE_URL or TEST_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test; the run uses a fresh schema and drops it.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from scoring.loader import load  # noqa: E402
from scoring.models import ChoiceItem, LikertItem, Questionnaire, TextItem  # noqa: E402
from service import submissions  # noqa: E402
from storage import Attribution, Store  # noqa: E402
from storage.schema import answers, responses, score_column  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class Candidate:
    index: int
    token: str = ""
    expected: dict[str, Any] = field(default_factory=dict)
    results: list[Any] = field(default_factory=list)
    save_seconds: list[float] = field(default_factory=list)


def value_for(q: Questionnaire, item: Any, rng: random.Random) -> Any:
    if isinstance(item, LikertItem):
        return rng.choice(q.scales[item.scale].values())
    if isinstance(item, ChoiceItem):
        return rng.choice(item.options).id
    assert isinstance(item, TextItem)
    return f"note {rng.randint(0, 10**6)}"


def run_candidate(
    store: Store, q: Questionnaire, c: Candidate, saves: int, errors: list[str], ready: threading.Barrier
) -> None:
    rng = random.Random(c.index)
    items = q.items()
    try:
        started = store.start(q, Attribution(recruiter_id=f"rec-{c.index % 5}", campaign=f"camp-{c.index % 7}"))
        c.token = started.resume_token
        for k in range(saves):
            # Walk the items from a per-candidate offset; wrapping round re-answers a few (last write wins).
            item = items[(c.index + k * 7) % len(items)]
            value = value_for(q, item, rng)
            t = time.perf_counter()
            store.save_answers(c.token, {item.id: value}, page=k % len(q.sections))
            c.save_seconds.append(time.perf_counter() - t)
            c.expected[item.id] = value
        final = {i.id: value_for(q, i, rng) for i in q.scored_items() if i.id not in c.expected}
        c.expected.update(final)
        ready.wait()  # everyone submits in one burst, so the submit phase can be timed on its own
        if c.index % 3 == 0:
            barrier = threading.Barrier(2)

            def click() -> None:
                try:
                    barrier.wait()
                    c.results.append(submissions.submit(store, c.token, final))
                except Exception as exc:
                    errors.append(f"candidate {c.index} second click: {type(exc).__name__}: {exc}")

            other = threading.Thread(target=click)
            other.start()
            barrier.wait()
            c.results.append(submissions.submit(store, c.token, final))
            other.join()
        else:
            c.results.append(submissions.submit(store, c.token, final))
    except threading.BrokenBarrierError:
        errors.append(f"candidate {c.index}: gave up waiting (another writer failed before submitting)")
    except Exception as exc:
        errors.append(f"candidate {c.index}: {type(exc).__name__}: {exc}")
        ready.abort()


def verify(store: Store, q: Questionnaire, candidates: list[Candidate]) -> list[str]:
    problems: list[str] = []
    with store.engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(responses))
        submitted = conn.scalar(
            select(func.count()).select_from(responses).where(responses.c.submitted_at.is_not(None))
        )
        answer_rows = conn.scalar(select(func.count()).select_from(answers))
        score_rows = sum(
            conn.scalar(select(func.count(responses.c[score_column(slot)]))) for slot in range(1, len(q.dimensions) + 1)
        )
    n = len(candidates)
    if total != n or submitted != n:
        problems.append(f"{total} responses, {submitted} submitted, for {n} candidates")
    if answer_rows != sum(len(c.expected) for c in candidates):
        problems.append(f"{answer_rows} answer rows, expected {sum(len(c.expected) for c in candidates)}")
    if score_rows != n * len(q.dimensions):
        problems.append(f"{score_rows} dimension scores, expected {n * len(q.dimensions)}")
    for c in candidates:
        stored = store.result(c.token) if c.token else None
        if stored is None:
            problems.append(f"candidate {c.index}: no submitted result")
            continue
        if stored.answers != c.expected:
            problems.append(f"candidate {c.index}: answers differ from the last values written")
        if any(r != stored for r in c.results):
            problems.append(f"candidate {c.index}: a submit returned something other than the stored result")
        if len(c.results) != (2 if c.index % 3 == 0 else 1):
            problems.append(f"candidate {c.index}: {len(c.results)} submit results")
    return problems


def bench(label: str, url: str, q: Questionnaire, writers: int, saves: int, **store_options: Any) -> bool:
    store = Store(url, **store_options)
    store.register(q)
    candidates = [Candidate(i) for i in range(writers)]
    errors: list[str] = []
    burst: list[float] = []
    ready = threading.Barrier(writers, action=lambda: burst.append(time.perf_counter()))
    threads = [threading.Thread(target=run_candidate, args=(store, q, c, saves, errors, ready)) for c in candidates]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    end = time.perf_counter()
    wall = end - t0
    submit_wall = end - burst[0] if burst else float("nan")
    problems = verify(store, q, candidates)
    store.close()
    saves_all = [s for c in candidates for s in c.save_seconds]
    submits = sum(len(c.results) for c in candidates)
    transactions = writers + len(saves_all) + submits
    quantiles = statistics.quantiles(saves_all, n=100) if len(saves_all) > 1 else [0.0] * 99
    print(f"\n== {label}: {writers} concurrent writers, {saves} saves each, every third submits twice")
    print(f"wall time            {wall:8.2f} s   (submit burst {submit_wall:.2f} s)")
    rate = writers / submit_wall
    print(f"submissions/second   {rate:8.1f}   ({submits} submit calls for {writers} responses, in one burst)")
    print(f"candidates/second    {writers / wall:8.1f}   (whole flow: start, {saves} saves, submit)")
    print(f"write transactions/s {transactions / wall:8.1f}   (start + saves + submits)")
    print(f"save latency         p50 {1000 * quantiles[49]:.1f} ms   p95 {1000 * quantiles[94]:.1f} ms")
    print(f"errors               {len(errors):8d}")
    for e in errors[:10]:
        print(f"  {e}")
    print(f"integrity problems   {len(problems):8d}")
    for p in problems[:10]:
        print(f"  {p}")
    ok = not errors and not problems
    verdict = "ok: one submitted response per candidate, all answers present" if ok else "FAILED"
    print(f"RESULT               {verdict}")
    return ok


def pg_schema_url(base: str) -> tuple[str, Any, str]:
    """(URL bound to a fresh schema, admin engine, schema name)."""
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
        max_conn = conn.exec_driver_sql("SHOW max_connections").scalar()
        in_use = conn.exec_driver_sql("SELECT count(*) FROM pg_stat_activity").scalar()
    print(f"PostgreSQL max_connections = {max_conn}, {in_use} in use before the run")
    url = make_url(base).update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(hide_password=False)
    return url, admin, name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite-writers", type=int, default=50)
    parser.add_argument("--pg-writers", type=int, default=200)
    parser.add_argument("--saves", type=int, default=30)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--pg-pool", type=int, default=40, help="pool size (+10 overflow) shared by the writers")
    parser.add_argument("--questionnaire", default=str(ROOT / "questions" / "strategic-candidate.yaml"))
    args = parser.parse_args(argv)
    q = load(args.questionnaire)
    print(f"questionnaire {q.meta.id} {q.meta.version}: {len(q.items())} items, {len(q.dimensions)} dimensions")
    ok = True
    if args.sqlite_writers > 0:
        with tempfile.TemporaryDirectory() as tmp:
            ok &= bench("SQLite (WAL)", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", q, args.sqlite_writers, args.saves)
    if args.pg_writers > 0:
        url, admin, name = pg_schema_url(args.pg_url or DEFAULT_PG)
        try:
            ok &= bench(
                "PostgreSQL",
                url,
                q,
                args.pg_writers,
                args.saves,
                pool_size=args.pg_pool,
                max_overflow=10,
                lock_timeout=30,
            )
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
            admin.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
