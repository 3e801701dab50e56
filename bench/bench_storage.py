"""Concurrency benchmark: many candidates saving and submitting at once, on SQLite and PostgreSQL.

Two arms do the same work on the same database schema, through the same engine (same pool, same
SQLite pragmas, writer queue and ``BEGIN IMMEDIATE``), with the same candidates (same seeds, answers and
barriers):

- **store**: the project's path — ``Store.start``, ``Store.save_answers``, ``service.submissions.submit``;
- **raw**: the baseline — the same transactions as hand-written SQL (``sqlalchemy.text``): INSERT the
  response; per save lock the row (``FOR UPDATE`` / ``BEGIN IMMEDIATE``), upsert the answer
  (``ON CONFLICT … DO UPDATE``), update the page; on submit lock the row, upsert the final answers,
  read them back, score and flag them with the same pure functions (``service.submissions.evaluate``),
  ``UPDATE … WHERE submitted_at IS NULL`` and read the stored row and answers back. No answer checks,
  no questionnaire lookup, no ``Stored`` object, no error translation: the floor of these writes.

Every scale runs ``--reps`` repetitions of both arms, alternating (the order rotates every repetition),
each on a fresh database (SQLite: a new file; PostgreSQL: a new schema, dropped afterwards); figures are
median (min–max) over the repetitions (``bench/timing.py``).

Each writer thread is one candidate: start → 30 progress saves (one answer each, some items answered
twice so last-write-wins is exercised) → submit with the remaining answers. The writers wait for each
other before submitting, so all submits arrive as one burst and "submissions/second" is that burst's
rate; every third candidate double-clicks: two threads submit at the same instant. Afterwards the
database is checked: exactly one submitted response per candidate, every answer present with its
last value, one score row per dimension, both submits of a double-click returned the same result,
and no errors (a ``StoreUnavailable`` counts as an error; nothing retries).

    python bench/bench_storage.py                      # SQLite 10,50 writers; PostgreSQL 50,200; 3 reps
    python bench/bench_storage.py --sqlite-writers 20 --pg-writers 0 --reps 5

PostgreSQL: ``--pg-url`` or BENCH_DATABASE_URL or TEST_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test; the run uses a fresh schema and drops it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import bindparam, create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from timing import spread  # noqa: E402

from scoring.loader import load  # noqa: E402
from scoring.models import ChoiceItem, ClaimItem, LikertItem, Questionnaire, TextItem  # noqa: E402
from service import submissions  # noqa: E402
from storage import Attribution, Store  # noqa: E402
from storage._db import new_public_id, new_token, token_hash  # noqa: E402
from storage.engine import WRITE  # noqa: E402
from storage.schema import UTCDateTime, answers, responses, score_column  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class Candidate:
    index: int
    token: str = ""
    expected: dict[str, Any] = field(default_factory=dict)
    results: list[Any] = field(default_factory=list)
    save_seconds: list[float] = field(default_factory=list)


def value_for(q: Questionnaire, item: Any, rng: random.Random) -> Any:
    if isinstance(item, (LikertItem, ClaimItem)):
        return rng.choice(q.scales[item.scale].values())
    if isinstance(item, ChoiceItem):
        return rng.choice(item.options).id
    assert isinstance(item, TextItem)
    return f"note {rng.randint(0, 10**6)}"


def project(stored: Any, q: Questionnaire) -> tuple:
    """What both arms must agree on for one submitted response (a ``Stored`` or the raw arm's dict)."""
    if isinstance(stored, dict):
        return stored["public_id"], stored["overall"], stored["scores"], stored["answers"]
    return stored.public_id, stored.overall, {d.id: stored.dimension_scores[d.id] for d in q.dimensions}, stored.answers


class StoreArm:
    """The project's path."""

    def __init__(self, store: Store, q: Questionnaire) -> None:
        self.store, self.q = store, q

    def start(self, attribution: Attribution) -> str:
        return self.store.start(self.q, attribution).resume_token

    def save(self, token: str, answers: dict[str, Any], page: int) -> None:
        self.store.save_answers(token, answers, page=page)

    def submit(self, token: str, final: dict[str, Any]) -> Any:
        return submissions.submit(self.store, token, final)


def _ts(sql: str, *names: str) -> Any:
    """Hand-written SQL; the named parameters are bound as the schema's UTC timestamps."""
    return text(sql).bindparams(*(bindparam(n, type_=UTCDateTime()) for n in names))


class RawArm:
    """The baseline: the same transactions as hand-written SQL on the store's own engine."""

    def __init__(self, store: Store, q: Questionnaire) -> None:
        self.engine, self.q = store.engine, q
        self.pg = self.engine.dialect.name == "postgresql"
        lock = " FOR UPDATE" if self.pg else ""
        self.lock = text(f"SELECT id, submitted_at, started_at FROM responses WHERE resume_token_hash = :h{lock}")
        self.insert = _ts(
            "INSERT INTO responses (public_id, resume_token_hash, delete_token_hash, content_hash, recruiter_id, "
            "campaign, role, started_at, last_saved_at, page, shared) VALUES (:public_id, :h, :dh, :content_hash, "
            ":recruiter_id, :campaign, NULL, :now, :now, 0, :f)",
            "now",
        )
        self.upsert = text(
            "INSERT INTO answers (response_id, item_id, value_int, value_text) VALUES (:rid, :item, :vi, :vt) "
            "ON CONFLICT (response_id, item_id) DO UPDATE SET value_int = excluded.value_int, "
            "value_text = excluded.value_text"
        )
        self.page = _ts("UPDATE responses SET last_saved_at = :now, page = :page WHERE id = :rid", "now")
        self.read_answers = text("SELECT item_id, value_int, value_text FROM answers WHERE response_id = :rid")
        slots = [(score_column(n), d.id) for n, d in enumerate(q.dimensions, 1)]
        self.slots = slots
        self.finish = _ts(
            "UPDATE responses SET submitted_at = :now, last_saved_at = :now, duration_seconds = :dur, "
            "overall = :overall, band = :band, near_boundary = :nb, flags = :flags, "
            + ", ".join(f"{col} = :{col}" for col, _ in slots)
            + " WHERE id = :rid AND submitted_at IS NULL",
            "now",
        )
        self.read_row = text(
            "SELECT public_id, overall, " + ", ".join(col for col, _ in slots) + " FROM responses WHERE id = :rid"
        )
        self.scale_items = {i.id for i in q.items() if isinstance(i, (LikertItem, ClaimItem))}

    def _value(self, item_id: str, value: Any) -> dict[str, Any]:
        if item_id in self.scale_items:
            return {"item": item_id, "vi": int(value), "vt": None}
        return {"item": item_id, "vi": None, "vt": value}

    def _tx(self) -> Any:
        conn = self.engine.connect()
        conn.execution_options(**{WRITE: True})
        return conn

    def start(self, attribution: Attribution) -> str:
        token = new_token()
        with self._tx() as conn, conn.begin():
            conn.execute(
                self.insert,
                {
                    "public_id": new_public_id(),
                    "h": token_hash(token),
                    "dh": token_hash(new_token()),
                    "content_hash": self.q.content_hash,
                    "recruiter_id": attribution.recruiter_id,
                    "campaign": attribution.campaign,
                    "now": datetime.now(UTC),
                    "f": False,
                },
            )
        return token

    def save(self, token: str, answers: dict[str, Any], page: int) -> None:
        with self._tx() as conn, conn.begin():
            rid, submitted, _ = conn.execute(self.lock, {"h": token_hash(token)}).one()
            if submitted is not None:
                raise RuntimeError("already submitted")
            conn.execute(self.upsert, [{"rid": rid, **self._value(k, v)} for k, v in sorted(answers.items())])
            conn.execute(self.page, {"now": datetime.now(UTC), "page": page, "rid": rid})

    def submit(self, token: str, final: dict[str, Any]) -> dict[str, Any]:
        with self._tx() as conn, conn.begin():
            rid, submitted, started = conn.execute(self.lock, {"h": token_hash(token)}).one()
            if submitted is None:
                if final:
                    conn.execute(self.upsert, [{"rid": rid, **self._value(k, v)} for k, v in sorted(final.items())])
                stored = {r.item_id: r.value_int if r.value_int is not None else r.value_text for r in conn.execute(
                    self.read_answers, {"rid": rid})}  # fmt: skip
                now = datetime.now(UTC)
                started = started if isinstance(started, datetime) else datetime.fromisoformat(str(started))
                started = started if started.tzinfo else started.replace(tzinfo=UTC)
                duration = max(0.0, (now - started).total_seconds())
                found = submissions.evaluate(self.q, stored, duration)
                scores = found.result.scores()
                done = conn.execute(
                    self.finish,
                    {
                        "now": now, "dur": duration, "overall": found.result.overall, "band": found.result.band,
                        "nb": found.result.near_boundary, "flags": json.dumps(list(found.flags)), "rid": rid,
                        **{col: scores.get(dim) for col, dim in self.slots},
                    },
                )  # fmt: skip
                if done.rowcount != 1:
                    raise RuntimeError("lost a submit race")
            row = conn.execute(self.read_row, {"rid": rid}).one()
            got = {r.item_id: r.value_int if r.value_int is not None else r.value_text for r in conn.execute(
                self.read_answers, {"rid": rid})}  # fmt: skip
        return {
            "public_id": row.public_id,
            "overall": row.overall,
            "scores": {dim: getattr(row, col) for col, dim in self.slots},
            "answers": got,
        }


ARMS = {"store": StoreArm, "raw": RawArm}


def run_candidate(
    arm: Any, q: Questionnaire, c: Candidate, saves: int, errors: list[str], ready: threading.Barrier
) -> None:
    rng = random.Random(c.index)
    items = q.items()
    try:
        c.token = arm.start(Attribution(recruiter_id=f"rec-{c.index % 5}", campaign=f"camp-{c.index % 7}"))
        for k in range(saves):
            # Walk the items from a per-candidate offset; wrapping round re-answers a few (last write wins).
            item = items[(c.index + k * 7) % len(items)]
            value = value_for(q, item, rng)
            t = time.perf_counter()
            arm.save(c.token, {item.id: value}, k % len(q.sections))
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
                    c.results.append(arm.submit(c.token, final))
                except Exception as exc:
                    errors.append(f"candidate {c.index} second click: {type(exc).__name__}: {exc}")

            other = threading.Thread(target=click)
            other.start()
            barrier.wait()
            c.results.append(arm.submit(c.token, final))
            other.join()
        else:
            c.results.append(arm.submit(c.token, final))
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
        if any(project(r, q) != project(stored, q) for r in c.results):
            problems.append(f"candidate {c.index}: a submit returned something other than the stored result")
        if len(c.results) != (2 if c.index % 3 == 0 else 1):
            problems.append(f"candidate {c.index}: {len(c.results)} submit results")
    return problems


def bench(arm_name: str, url: str, q: Questionnaire, writers: int, saves: int, **store_options: Any) -> dict:
    """One run of one arm on a fresh database: its figures, errors and integrity problems."""
    store = Store(url, **store_options)
    store.register(q)
    arm = ARMS[arm_name](store, q)
    candidates = [Candidate(i) for i in range(writers)]
    errors: list[str] = []
    burst: list[float] = []
    ready = threading.Barrier(writers, action=lambda: burst.append(time.perf_counter()))
    threads = [threading.Thread(target=run_candidate, args=(arm, q, c, saves, errors, ready)) for c in candidates]
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
    quantiles = statistics.quantiles(saves_all, n=100) if len(saves_all) > 1 else [0.0] * 99
    return {
        "burst": writers / submit_wall,
        "flows": writers / wall,
        "p50": 1000 * quantiles[49],
        "p95": 1000 * quantiles[94],
        "errors": errors,
        "problems": problems,
    }


def fresh_sqlite(run: Any) -> Any:
    with tempfile.TemporaryDirectory() as tmp:
        return run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", {})


def fresh_pg(base: str, pool: int) -> Any:
    def go(run: Any) -> Any:
        url, admin, name = pg_schema_url(base)
        try:
            return run(url, {"pool_size": pool, "max_overflow": 10, "lock_timeout": 30})
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
            admin.dispose()

    return go


def scale(label: str, fresh: Any, q: Questionnaire, writers: int, saves: int, reps: int) -> bool:
    """Both arms, ``reps`` times each, alternating; print median (min–max) per figure and the ratios."""
    arms = list(ARMS)
    runs: dict[str, list[dict]] = {a: [] for a in arms}
    for r in range(reps):
        for arm in arms[r % 2 :] + arms[: r % 2]:
            runs[arm].append(fresh(lambda url, opts, arm=arm: bench(arm, url, q, writers, saves, **opts)))
    print(f"\n== {label}: {writers} concurrent writers, {saves} saves each, every third submits twice; {reps} reps")
    print(f"{'':22}{'store':>26}{'raw SQL (baseline)':>26}{'store / raw':>14}")
    ok = True
    for key, name, fmt in (
        ("burst", "submissions/s (burst)", ".1f"),
        ("flows", "whole flows/s", ".1f"),
        ("p50", "save p50 (ms)", ".1f"),
        ("p95", "save p95 (ms)", ".1f"),
    ):
        # A run with an error stopped its burst early (the barrier breaks): its figures are left out.
        a, b = ([x[key] for x in runs[arm] if not x["errors"] and not x["problems"]] for arm in ("store", "raw"))
        cells = [spread(v, fmt=fmt) if v else "no clean run" for v in (a, b)]
        times = f"{statistics.median(a) / statistics.median(b):>13.2f}×" if a and b else f"{'—':>14}"
        print(f"{name:22}{cells[0]:>26}{cells[1]:>26}{times}")
    for arm in arms:
        errors = [e for x in runs[arm] for e in x["errors"]]
        problems = [p for x in runs[arm] for p in x["problems"]]
        failed = sum(bool(x["errors"] or x["problems"]) for x in runs[arm])
        print(f"{arm}: {reps - failed} of {reps} runs clean; errors {len(errors)}, integrity problems {len(problems)}")
        for e in (errors + problems)[:10]:
            print(f"  {e}")
        ok &= not errors and not problems
    print("RESULT " + ("ok: one submitted response per candidate, all answers present, both arms" if ok else "FAILED"))
    return ok


def pg_schema_url(base: str) -> tuple[str, Any, str]:
    """(URL bound to a fresh schema, admin engine, schema name)."""
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    url = make_url(base).update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(hide_password=False)
    return url, admin, name


def max_connections(base: str) -> str:
    admin = create_engine(base)
    try:
        with admin.connect() as conn:
            limit = conn.exec_driver_sql("SHOW max_connections").scalar()
            in_use = conn.exec_driver_sql("SELECT count(*) FROM pg_stat_activity").scalar()
    finally:
        admin.dispose()
    return f"{limit}, {in_use} in use before the run"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite-writers", default="10,50", help="comma-separated scales ('' or 0: skip)")
    parser.add_argument("--pg-writers", default="50,200", help="comma-separated scales ('' or 0: skip)")
    parser.add_argument("--saves", type=int, default=30)
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each arm at each scale")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--pg-pool", type=int, default=40, help="pool size (+10 overflow) shared by the writers")
    parser.add_argument("--questionnaire", default=str(ROOT / "questions" / "strategic-candidate.yaml"))
    args = parser.parse_args(argv)
    q = load(args.questionnaire)
    print(f"questionnaire {q.meta.id} {q.meta.version}: {len(q.items())} items, {len(q.dimensions)} dimensions")
    ok = True
    for writers in (int(x) for x in args.sqlite_writers.split(",") if x.strip() and int(x) > 0):
        ok &= scale("SQLite (WAL)", fresh_sqlite, q, writers, args.saves, args.reps)
    for writers in (int(x) for x in args.pg_writers.split(",") if x.strip() and int(x) > 0):
        print(f"PostgreSQL max_connections = {max_connections(args.pg_url or DEFAULT_PG)}")
        pg = fresh_pg(args.pg_url or DEFAULT_PG, args.pg_pool)
        ok &= scale(f"PostgreSQL (pool {args.pg_pool} + 10)", pg, q, writers, args.saves, args.reps)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
