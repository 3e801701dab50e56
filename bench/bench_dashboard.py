"""Dashboard benchmark: first render (cold caches) and a filter change (warm) over N submitted responses.

For each backend the script loads N synthetic submitted responses with ``service.demo.load_demo`` (the
store's bulk loader, plus a few hundred shared and unfinished ones through the candidate's path), then
runs the page in a fresh child process under AppTest, signed in as a coach:

* **first render** — ``AppTest.run()`` of ``ui/pages/dashboard.py`` with empty Streamlit caches and no
  store opened yet (library modules are imported before the clock starts);
* **filter change** — the recruiter filter set to one recruiter: a warm process, but new filter values,
  so every read is a cache miss; median of three (the cache is cleared between repeats);
* **raw SQL** — hand-written queries for the same figures (headline counts, median duration, band
  split, overall and per-dimension histograms, for the same recruiter) on a raw DB-API connection in
  the same child, median of three after a warm-up; the ratio is filter change / raw SQL;
* **peak memory** — ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of the child at the end.

Targets (issue 6): first render ≤ 3 s, ratio ≤ 3, peak memory ≤ 500 MB.

    python bench/bench_dashboard.py --n 1000000
    python bench/bench_dashboard.py --n 20000 --backends sqlite

SQLite: bench/out/dashboard-N.sqlite3 (git-ignored); ``--reuse`` keeps and reuses it across runs.
PostgreSQL: ``--pg-url`` or BENCH_DATABASE_URL or TEST_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test, in schema bench_dashboard_N (dropped afterwards
unless ``--reuse``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.backends import pg_schema, sqlite_file  # noqa: E402

PAGE = ROOT / "ui" / "pages" / "dashboard.py"
PASSWORD_HASH_N = 2**4  # cheap scrypt parameters: the benchmark is not about sign-in
TARGET_FIRST_S, TARGET_RATIO, TARGET_MB = 3.0, 3.0, 500.0

# ----- the hand-written baseline ------------------------------------------------------------------------
# The figures the Scores tab and the headline show after the filter change, as one would write them.
WHERE = "r.content_hash = {p} AND r.recruiter_id = {p} AND r.started_at >= {p} AND r.started_at < {p}"
RAW_SQL = {
    "counts": "SELECT count(*), count(r.submitted_at), "
    "sum(CASE WHEN r.shared AND r.submitted_at IS NOT NULL THEN 1 ELSE 0 END) FROM responses r WHERE " + WHERE,
    "bands": "SELECT r.band, count(*) FROM responses r WHERE " + WHERE + " AND r.submitted_at IS NOT NULL "
    "AND r.flags = '[]' GROUP BY r.band",
    "overall_bins": "SELECT CAST(r.overall / 5 AS INTEGER) AS bin, count(*) FROM responses r WHERE "
    + WHERE
    + " AND r.submitted_at IS NOT NULL AND r.flags = '[]' GROUP BY 1",
}
# Per-dimension bins: the scores sit on the response row, one column per dimension slot
# (storage.schema, version 2); the slots of a version are listed in questionnaire_dimensions.
SLOTS_SQL = "SELECT slot, dimension FROM questionnaire_dimensions WHERE content_hash = {p} ORDER BY slot"
SLOT_BINS_SQL = (
    "SELECT CAST(r.{col} / 5 AS INTEGER) AS bin, count(*) FROM responses r WHERE "
    + WHERE
    + " AND r.submitted_at IS NOT NULL AND r.flags = '[]' AND r.{col} IS NOT NULL GROUP BY 1"
)
MEDIAN_SQL = {
    "sqlite": "SELECT r.duration_seconds FROM responses r WHERE " + WHERE + " AND r.submitted_at IS NOT NULL "
    "AND r.duration_seconds IS NOT NULL ORDER BY r.duration_seconds LIMIT 1 OFFSET "
    "(SELECT count(*) / 2 FROM responses r WHERE " + WHERE + " AND r.submitted_at IS NOT NULL "
    "AND r.duration_seconds IS NOT NULL)",
    "postgresql": "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.duration_seconds) FROM responses r "
    "WHERE " + WHERE + " AND r.submitted_at IS NOT NULL",
}


def raw_figures(url: str, content_hash: str, recruiter: str, since: datetime, until: datetime) -> dict[str, Any]:
    """Run the baseline queries once on a raw DB-API connection; return their rows."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    dialect = engine.dialect.name
    p = "?" if dialect == "sqlite" else "%s"
    if dialect == "sqlite":  # stored as UTC text without an offset (storage.schema.UTCDateTime)
        bounds = [t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") for t in (since, until)]
    else:
        bounds = [since, until]
    params = (content_hash, recruiter, *bounds)
    out: dict[str, Any] = {}
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        for name, sql in RAW_SQL.items():
            cur.execute(sql.format(p=p), params)
            out[name] = cur.fetchall()
        cur.execute(SLOTS_SQL.format(p=p), (content_hash,))
        for slot, dimension in cur.fetchall():
            cur.execute(SLOT_BINS_SQL.format(p=p, col=f"score_{int(slot):02d}"), params)
            out[f"bins:{dimension}"] = cur.fetchall()
        median = MEDIAN_SQL[dialect]
        cur.execute(median.format(p=p), params * median.count("WHERE"))
        out["median_duration"] = cur.fetchall()
        cur.close()
        conn.rollback()
    finally:
        conn.close()
        engine.dispose()
    return out


def _vm_hwm_mb() -> float | None:
    """Peak resident set of this process image from /proc (Linux), as a cross-check of ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


# ----- child: one backend, one fresh process --------------------------------------------------------------


def child(url: str, repeat: int) -> dict[str, Any]:
    """Time the page (cold, then a warm filter change) and the raw SQL; report peak memory."""
    os.environ["CAREER_RADAR_DATABASE_URL"] = url
    # Libraries the page uses, imported before the clock: "cold" means empty caches, not cold imports.
    import plotly.graph_objects  # noqa: F401
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    import scoring.reliability  # noqa: F401
    import storage  # noqa: F401
    from access.accounts import hash_password

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    accounts = {"coach": {"password_hash": hash_password("benchmark-password", n=PASSWORD_HASH_N), "role": "coach"}}
    at = AppTest.from_file(str(PAGE), default_timeout=900)
    at.secrets["accounts"] = accounts
    at.session_state["cr_staff_username"] = "coach"
    t = time.perf_counter()
    at.run()
    first = time.perf_counter() - t
    if at.exception:
        raise RuntimeError(f"the page failed: {at.exception}")
    metrics = {m.label: m.value for m in at.metric}
    box = at.selectbox(key="cr_dash_recruiter")
    recruiter = next(o for o in box.options if o != "All recruiters")
    content_hash = at.selectbox(key="cr_dash_version").value
    warnings = [w.value for w in at.warning]

    changes = []
    for i in range(repeat):
        if i:
            st.cache_data.clear()  # the same filter change again, every read a miss again
            box = at.selectbox(key="cr_dash_recruiter").select("All recruiters").run()
            st.cache_data.clear()
            box = at.selectbox(key="cr_dash_recruiter")
        t = time.perf_counter()
        box.select(recruiter).run()
        changes.append(time.perf_counter() - t)
        if at.exception:
            raise RuntimeError(f"the page failed after the filter change: {at.exception}")
    after = {m.label: m.value for m in at.metric}

    today = datetime.now(UTC).date()
    since = datetime.combine(today - timedelta(days=180), datetime.min.time(), UTC)
    until = datetime.combine(today + timedelta(days=1), datetime.min.time(), UTC)
    raw_figures(url, content_hash, recruiter, since, until)  # warm-up
    raw_times = []
    for _ in range(repeat):
        t = time.perf_counter()
        raw = raw_figures(url, content_hash, recruiter, since, until)
        raw_times.append(time.perf_counter() - t)
    raw_completed = raw["counts"][0][1]
    return {
        "first_render_s": first,
        "filter_change_s": statistics.median(changes),
        "filter_change_runs_s": changes,
        "raw_sql_s": statistics.median(raw_times),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_hwm_mb": _vm_hwm_mb(),
        "rss_after_imports_mb": rss_before,
        "metrics_all": metrics,
        "metrics_recruiter": after,
        "raw_completed": raw_completed,
        "recruiter": recruiter,
        "warnings": warnings,
    }


# ----- parent: load, then measure in a child --------------------------------------------------------------


def _count(url: str) -> int:
    from storage import Store

    with Store(url) as store:
        versions = store.questionnaire_versions()
    return int(versions["submitted"].sum()) if len(versions) else 0


def load_data(url: str, n: int, seed: int) -> float | None:
    """Load n responses unless the database already holds them; seconds taken (None when reused)."""
    from scoring.loader import load
    from service.demo import DEFAULT_QUESTIONNAIRE, load_demo
    from storage import Store

    have = _count(url)
    if have >= n:
        print(f"reusing {have:,} submitted responses already in the database")
        return None
    if have:
        raise SystemExit(f"the database holds {have:,} responses, not {n:,}: remove it or pass another --n")
    q = load(DEFAULT_QUESTIONNAIRE)
    t = time.perf_counter()
    with Store(url) as store:
        load_demo(store, q, n, seed=seed, weeks=12, max_slow=200, progress=lambda m: print("  " + m, flush=True))
    took = time.perf_counter() - t
    print(f"load          {n:,} responses in {took:.1f} s ({n / took:,.0f} responses/s)", flush=True)
    return took


def _run_child(args: list[str], capture: bool) -> subprocess.CompletedProcess[str]:
    # A fresh process per phase: the loader's memory must not count towards the page's peak
    # (Linux keeps ru_maxrss across fork and exec, so the parent stays small too).
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    return subprocess.run(cmd, capture_output=capture, text=True, env=env, check=False)


def measure(label: str, url: str, n: int, seed: int, repeat: int) -> dict[str, Any]:
    print(f"\n== {label}", flush=True)
    loaded = _run_child(["--load", url, "--n", str(n), "--seed", str(seed)], capture=False)
    if loaded.returncode:
        raise SystemExit(f"loading failed ({loaded.returncode})")
    done = _run_child(["--child", url, "--repeat", str(repeat)], capture=True)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if done.returncode or line is None:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
        raise SystemExit(f"the child process failed ({done.returncode})")
    r = json.loads(line.removeprefix("RESULT "))
    ratio = r["filter_change_s"] / r["raw_sql_s"]
    print(f"first render  {r['first_render_s']:.2f} s   (target ≤ {TARGET_FIRST_S:.0f} s)")
    runs = ", ".join(f"{x:.2f}" for x in r["filter_change_runs_s"])
    print(f"filter change {r['filter_change_s']:.2f} s   (median of {runs} s; recruiter = {r['recruiter']})")
    print(f"raw SQL       {r['raw_sql_s']:.3f} s   (same figures, hand-written)")
    print(f"ratio         {ratio:.1f}×   (target ≤ {TARGET_RATIO:.0f}×)")
    print(
        f"peak memory   {r['peak_rss_mb']:.0f} MB   (target ≤ {TARGET_MB:.0f} MB; "
        f"{r['rss_after_imports_mb']:.0f} MB after importing Streamlit, pandas, plotly and the app; "
        f"VmHWM {r['peak_hwm_mb'] or 0:.0f} MB)"
    )
    print(f"headline      all: {r['metrics_all']}")
    print(f"              {r['recruiter']}: {r['metrics_recruiter']} (raw SQL completed: {r['raw_completed']:,})")
    for w in r["warnings"]:
        print(f"page note     {w}")
    r["ratio"] = ratio
    return r


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="submitted responses (default 1,000,000)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--reuse", action="store_true", help="keep the loaded databases and reuse them next time")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--load", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.load:
        load_data(args.load, args.n, args.seed)
        return 0
    if args.child:
        print("RESULT " + json.dumps(child(args.child, args.repeat)), flush=True)
        return 0

    results: dict[str, dict[str, Any]] = {}
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if "sqlite" in backends:
        with sqlite_file(f"dashboard-{args.n}", keep=args.reuse) as url:
            results["SQLite"] = measure("SQLite (WAL)", url, args.n, args.seed, args.repeat)
    if "postgresql" in backends:
        with pg_schema(args.pg_url, f"bench_dashboard_{args.n}", keep=args.reuse) as (url, _):
            results["PostgreSQL"] = measure("PostgreSQL", url, args.n, args.seed, args.repeat)

    print(f"\n== summary ({args.n:,} submitted responses)")
    ok = True
    for name, r in results.items():
        passed = {
            "first render": r["first_render_s"] <= TARGET_FIRST_S,
            "ratio": r["ratio"] <= TARGET_RATIO,
            "memory": r["peak_rss_mb"] <= TARGET_MB,
        }
        ok &= all(passed.values())
        verdict = ", ".join(f"{k} {'ok' if v else 'MISSED'}" for k, v in passed.items())
        print(
            f"{name:<11} first render {r['first_render_s']:6.2f} s | filter change {r['filter_change_s']:6.2f} s | "
            f"raw SQL {r['raw_sql_s']:6.3f} s | ratio {r['ratio']:5.1f}× | peak {r['peak_rss_mb']:5.0f} MB | {verdict}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
