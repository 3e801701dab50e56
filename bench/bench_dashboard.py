"""Dashboard benchmark: the page's data work against one single-scan SQL query for the same figures.

For each backend and scale the script loads N synthetic submitted responses with ``service.demo.load_demo``
(plus a few hundred unfinished ones), then, in a fresh child process, alternates (A, B, B0 rotating
which runs first) ``--repeat`` times each after one warm-up of each:

* **A, the dashboard's data work** — everything the page does before drawing its first render (headline
  and Scores tab) with every data cache empty (``st.cache_data`` and what ``ui.dashboard_first`` holds;
  building the plotly figures is drawing, not data work): ``ui.dashboard_data`` reads (versions, campaign
  counts, and the database's summary of ``storage.summary``: one grouped scan, on SQLite one median
  query, past max_rows one id at an offset — no response rows) and ``cohort.summary`` (routing,
  headline, band split, languages, histograms of overall and each dimension);
* **B, one query** — one SELECT on a raw DB-API connection, one scan of the same rows (started in the
  same period on the same version), computing the same figures: counts (started, completed, shared),
  the band split, the histograms, mean and SD of each measure, the median duration. With the same
  sampling: past ``max_rows`` matching responses the page takes its score figures from the first
  ``large_sample`` rows, so B does too (ids up to the page's last row); band split and counts stay exact.
  SQLite has no median aggregate: its B adds one ORDER BY … LIMIT/OFFSET subquery for the median;
* **B0** — B without the histograms (a lower bound for any query that draws fewer figures).

It prints median and min–max of each, the ratio of medians A/B (target ≤ 3×) and whether A's and B's
figures agree (counts, band split, the overall histogram's bin counts; the medians are printed apart when
they differ: B's SQLite median is the lower middle value, A's pandas' mean of the two). ``--page`` also
times the whole page's first render under AppTest (drawing included) twice — in a fresh process (modules
imported on the way) and then, as on a running server, with modules imported but every data cache
empty (the figure held to the 3 s target) — then a filter change (one recruiter picked; the page's
caches as that render left them).

At 10M, answers for every response (~400M rows) would not fit this machine's disk: ``--answers-upto M``
gives only the first M responses answers, and with ``--reuse`` grows a smaller PostgreSQL database to N
(schema renamed by hand, see BENCHMARKS.md) by adding responses without answers.
The machine may be shared: the alternation keeps ratios honest, single timings are noisy.

    python bench/bench_dashboard.py --n 20000,200000 --repeat 5
    python bench/bench_dashboard.py --n 1000000 --backends sqlite --reuse --page

Databases are set up by ``bench/backends.py``: SQLite in the git-ignored bench/out/dashboard-N.sqlite3,
PostgreSQL (``--pg-url`` or BENCH_DATABASE_URL or TEST_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test) in schema bench_dashscale_N; both are removed
afterwards unless ``--reuse``.
"""

from __future__ import annotations

import argparse
import json
import math
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
sys.path.insert(0, str(ROOT / "bench"))

from timing import spread  # noqa: E402

from bench.backends import pg_schema, sqlite_file  # noqa: E402

PAGE = ROOT / "ui" / "pages" / "dashboard.py"
PASSWORD_HASH_N = 2**4  # cheap scrypt parameters: the benchmark is not about sign-in
TARGET_FIRST_S, TARGET_RATIO = 3.0, 3.0


# ----- A: the dashboard's data work for the first render ----------------------------------------------------


def clear_caches() -> None:
    """Every data cache the page keeps emptied: ``st.cache_data`` and the held first renders."""
    from ui import dashboard_first

    dashboard_first.clear()


def data_work(account: Any, url: str, cfg: dict[str, int]) -> dict[str, Any]:
    """What the page does before it draws the Scores tab, with empty caches; the figures it shows.

    Since issue 12 item 5 that is: the versions and campaign counts (the filter lists), the routing
    (``cohort.figures.plan_reads``), the database's summary (``ui.dashboard_data.read_summary``: one
    grouped scan and one median query; past max_rows one id at an offset, the scan covers the sample's
    id range only, and the exact headline, band split and languages come from the store's grouped
    aggregates, answered by the cohort rollup) and ``cohort.summary.SummaryView`` (headline, band split,
    languages, histograms of overall and each dimension). No response rows are read.
    """

    from cohort import figures as cf
    from ui import dashboard_data as dd
    from ui import resources
    from ui.dashboard_parts import DEFAULT_DAYS

    clear_caches()
    versions = dd.read_versions(account, url)
    content_hash = versions.sort_values("submitted", ascending=False)["content_hash"].iloc[0]
    scoring_key = versions.set_index("content_hash").loc[content_hash, "scoring_key"]  # the page picks a key
    campaigns = dd.read_campaigns(account, url, None)  # the filter lists
    today = datetime.now(UTC).date()
    f = cf.DashboardFilters(scoring_key, today - timedelta(days=DEFAULT_DAYS), today + timedelta(days=1))
    q = resources.questionnaire_by_hash(cf.representative(versions, f.scoring_key))
    plan = cf.plan_reads(campaigns, f, cfg["max_rows"], cfg["large_sample"])
    first = dd.first_view(account, url, q, f, plan, cfg["k"])  # exactly the page's call
    h = first.headline
    drawn = (first.bands, first.languages, first.overall, first.dimensions)  # everything the first render draws
    return {
        "started": h.started,
        "completed": h.completed,
        "median_duration": h.median_duration_seconds,
        "bands": first.bands["n"].fillna(0).astype(int).tolist(),
        "overall_hist": first.overall_counts.astype(int).tolist(),
        "overall_hist_n": int(drawn[2]["n"].fillna(0).sum()),
        "large": first.large,
        "limit": plan.limit,
        "content_hash": content_hash,
        "since": f.since.isoformat(),
        "until": f.until.isoformat(),
    }


# ----- B: one single-scan SQL query for the same figures ------------------------------------------------------


def baseline_sql(
    dialect: str, dims: list[tuple[int, str]], edges: list[float], dim_edges: list[float], hist: bool = True
) -> str:
    """One SELECT, one scan of the responses started in the period: every figure of the first render.

    Rows are grouped by (submitted, quality-flagged, inside the score sample, band): a handful of groups
    whose counts add up to the headline counts and the band split. Per group: shared, and for overall and
    each dimension the cumulative counts at each histogram edge (bins are their differences), the sum,
    the sum of squares and the count (mean and SD). The median duration needs order: PostgreSQL computes
    it in the same scan (``percentile_cont`` over an extra grouping set); SQLite has no median aggregate,
    so there it is one ``ORDER BY … LIMIT 1 OFFSET`` subquery (a second pass over the durations).
    ``:cut`` is the id of the last row the page reads for its score figures (past max_rows), else huge.
    ``hist=False`` leaves the histograms out (B0, a lower bound: counts, bands, means, SDs, median only).
    """
    p = "?" if dialect == "sqlite" else "%s"
    pg = dialect == "postgresql"

    def n_where(cond: str) -> str:
        return f"count(*) FILTER (WHERE {cond})" if pg else f"sum({cond})"

    keys = [
        "r.submitted_at IS NOT NULL",
        "r.flags = '[]'",
        f"r.id <= {p}",
        "r.band",
    ]
    cols = [f"{k} AS k{i}" for i, k in enumerate(keys)] + ["count(*)", n_where("r.shared")]
    for col, e in [("r.overall", edges), *((f"r.score_{slot:02d}", dim_edges) for slot, _ in dims)]:
        if hist:
            cols += [n_where(f"{col} >= {lo}") for lo in e[:-1]] + [n_where(f"{col} > {e[-1]}")]
        cols += [f"sum({col})", f"sum({col} * {col})", f"count({col})"]
    where = f"r.content_hash = {p} AND r.started_at >= {p} AND r.started_at < {p}"
    med_rows = f"r.submitted_at IS NOT NULL AND r.id <= {p}"
    if pg:
        cols.append(f"percentile_cont(0.5) WITHIN GROUP (ORDER BY r.duration_seconds) FILTER (WHERE {med_rows})")
        group = "GROUPING SETS ((k0, k1, k2, k3), ())"
    else:
        med = f"FROM responses r WHERE {where} AND {med_rows} AND r.duration_seconds IS NOT NULL"
        cols.append(
            f"(SELECT r.duration_seconds {med} ORDER BY r.duration_seconds LIMIT 1 OFFSET "
            f"(SELECT (count(*) - 1) / 2 {med}))"
        )
        group = "k0, k1, k2, k3"
    return f"SELECT {', '.join(cols)} FROM responses r WHERE {where} GROUP BY {group}"


def summarise(rows: list[tuple[Any, ...]], band_ids: list[str], sampled: bool, n_edges: int = 0) -> dict[str, Any]:
    """The client side of the baseline: add the few groups up into the page's headline, band split and
    (``n_edges``: the overall histogram's edges, B only) the overall histogram's bin counts."""
    rows = [r for r in rows if r[0] is not None]  # PostgreSQL's grand-total row holds only the median
    started = sum(r[4] for r in rows)
    done = [r for r in rows if r[0]]
    scored = [r for r in done if r[1] and r[2]]
    # Past max_rows the band split is exact over all submitted responses; otherwise over the scored ones.
    band_rows = done if sampled else scored
    return {
        "started": started,
        "completed": sum(r[4] for r in done),
        "shared": sum(r[5] or 0 for r in done),
        "bands": [sum(r[4] for r in band_rows if r[3] == b) for b in band_ids],
        "overall_n": sum(r[4] for r in scored),
        # Columns 6…: the counts at or above each overall edge but the last, then above the last.
        "overall_hist": [sum((r[6 + i] or 0) - (r[7 + i] or 0) for r in scored) for i in range(n_edges - 1)]
        if n_edges
        else [],
    }


def raw_figures(conn: Any, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """Run the baseline query once on a raw DB-API connection; its rows."""
    cur = conn.cursor()
    cur.execute(sql, params)
    rows = [tuple(r) for r in cur.fetchall()]
    cur.close()
    conn.rollback()
    return rows


def _cut(conn: Any, dialect: str, content_hash: str, bounds: list[Any], limit: int) -> int:
    p = "?" if dialect == "sqlite" else "%s"
    cur = conn.cursor()
    cur.execute(
        f"SELECT r.id FROM responses r WHERE r.content_hash = {p} AND r.started_at >= {p} AND r.started_at < {p} "
        f"ORDER BY r.id LIMIT 1 OFFSET {p}",
        (content_hash, *bounds, limit - 1),
    )
    found = cur.fetchone()
    cur.close()
    return int(found[0]) if found else 2**62


def _spread(xs: list[float]) -> str:
    return spread(xs, 1e-3, ",.0f", " ms")


# ----- child: one backend, one fresh process --------------------------------------------------------------


def child(url: str, repeat: int, page: bool) -> dict[str, Any]:
    """A and B alternated ``repeat`` times each (after one warm-up of each); optionally the page's first render."""
    os.environ["CAREER_RADAR_DATABASE_URL"] = url
    import plotly.graph_objects  # noqa: F401
    from sqlalchemy import create_engine

    import scoring.reliability  # noqa: F401
    from access.accounts import Account
    from cohort import aggregate as agg
    from ui import resources

    first = filter_change = startup = first_fresh = None
    if page:  # the whole page, drawing included, cold caches, before anything else touched the store
        from streamlit.testing.v1 import AppTest

        from access.accounts import hash_password

        pw = hash_password("benchmark-password", n=PASSWORD_HASH_N)
        # Streamlit's own one-off start-up in this process (AppTest's first run scans the installed
        # packages for components) is paid once per server, not per page view: a trivial page takes it
        # first, timed and printed apart.
        t = time.perf_counter()
        AppTest.from_string("import streamlit as st\nst.write('warm')", default_timeout=120).run()
        startup = time.perf_counter() - t

        def signed_in() -> Any:
            at = AppTest.from_file(str(PAGE), default_timeout=900)
            at.secrets["accounts"] = {"coach": {"password_hash": pw, "role": "coach"}}
            at.session_state["cr_staff_username"] = "coach"
            return at

        # 1. In a fresh process: the page's modules (SQLAlchemy, the driver, pandas' parts, the project's)
        #    are imported on the way, as for the first coach after a server starts.
        at = signed_in()
        t = time.perf_counter()
        at.run()
        first_fresh = time.perf_counter() - t
        if at.exception or at.error:
            raise RuntimeError(f"the page failed: {at.exception} {[e.value for e in at.error]}")
        # 2. A running server: modules imported and the store open, every data cache empty (a new
        #    session, as after the caches' TTL or on other filters). This is the first render compared
        #    with the target; both are printed.
        clear_caches()
        at = signed_in()
        t = time.perf_counter()
        at.run()
        first = time.perf_counter() - t
        if at.exception or at.error:
            raise RuntimeError(f"the page failed: {at.exception} {[e.value for e in at.error]}")
        # A filter change: the coach picks one recruiter (the page reruns with its caches as they are).
        box = at.selectbox(key="cr_dash_recruiter")
        t = time.perf_counter()
        box.select(box.options[1]).run()
        filter_change = time.perf_counter() - t
        if at.exception or at.error:
            raise RuntimeError(f"the filter change failed: {at.exception} {[e.value for e in at.error]}")
        clear_caches()

    account = Account(username="coach", role="coach")
    cfg = {"k": agg.DEFAULT_K, "max_rows": 50_000, "large_sample": 10_000}
    a_out = data_work(account, url, cfg)  # warm-up (imports, store opened, plans cached by the database)
    q = resources.questionnaire_by_hash(a_out["content_hash"])
    store = resources.store()
    engine = create_engine(url)
    dialect = engine.dialect.name
    with store.database.tx() as c:
        slots = store.database.slots(c, a_out["content_hash"])
    since = datetime.combine(datetime.fromisoformat(a_out["since"]), datetime.min.time(), UTC)
    until = datetime.combine(datetime.fromisoformat(a_out["until"]), datetime.min.time(), UTC)
    # SQLite stores UTC text without an offset (storage.schema.UTCDateTime).
    text_bounds = [t.strftime("%Y-%m-%d %H:%M:%S.%f") for t in (since, until)]
    bounds: list[Any] = text_bounds if dialect == "sqlite" else [since, until]
    edges = agg.score_edges([b.min for b in q.bands.overall[1:]]).tolist()
    dim_edges = agg.score_edges([b.min for b in q.bands.dimension[1:]]).tolist()
    band_ids = [b.id for b in q.bands.overall]
    sampled = a_out["large"]
    sqls = {
        "B": baseline_sql(dialect, slots, edges, dim_edges),
        "B0": baseline_sql(dialect, slots, edges, dim_edges, False),
    }
    conn = engine.raw_connection()

    def b_run(sql: str, n_edges: int = 0) -> dict[str, Any]:
        base = (a_out["content_hash"], *bounds)
        cut = _cut(conn, dialect, a_out["content_hash"], bounds, a_out["limit"]) if sampled else 2**62
        rows = raw_figures(conn, sql, _params(sql, "?" if dialect == "sqlite" else "%s", cut, base))
        out = summarise(rows, band_ids, sampled, n_edges)
        # PostgreSQL: the grand-total row (k0 NULL); SQLite: the same scalar subquery on every row.
        medians = [r[-1] for r in rows if r[-1] is not None and (dialect == "sqlite" or r[0] is None)]
        out["median_duration"] = float(medians[0]) if medians else None
        return out

    b_out = b_run(sqls["B"], len(edges))  # warm-up
    b_run(sqls["B0"])
    times: dict[str, list[float]] = {"A": [], "B": [], "B0": []}
    for i in range(repeat):  # A B B0, B B0 A, B0 A B, ...: each runs first, second and third in turn
        order = ["A", "B", "B0"]
        for which in order[i % 3 :] + order[: i % 3]:
            t = time.perf_counter()
            if which == "A":
                a_out = data_work(account, url, cfg)
            else:
                b_out = (
                    b_run(sqls[which], len(edges)) if which == "B" else b_out | {"b0": b_run(sqls[which])["started"]}
                )
            times[which].append(time.perf_counter() - t)
    a_times, b_times, b0_times = times["A"], times["B"], times["B0"]
    conn.close()
    engine.dispose()
    return {
        "first_render_s": first,
        "startup_s": startup,
        "first_fresh_s": first_fresh,
        "filter_change_s": filter_change,
        "a_s": a_times,
        "b_s": b_times,
        "b0_s": b0_times,
        "a": a_out,
        "b": b_out,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _params(sql: str, p: str, cut: int, base: tuple[Any, ...]) -> tuple[Any, ...]:
    """Bind values in the order the placeholders appear: :cut after ``r.id <= ``, else the WHERE triple."""
    out: list[Any] = []
    pos = taken = 0
    while (i := sql.find(p, pos)) >= 0:
        if sql[max(0, i - 8) : i] == "r.id <= ":
            out.append(cut)
        else:
            out.append(base[taken % 3])
            taken += 1
        pos = i + len(p)
    return tuple(out)


# ----- parent: load, then measure in a child --------------------------------------------------------------


def _count(url: str) -> int:
    from storage import Store

    with Store(url) as store:
        versions = store.questionnaire_versions()
    return int(versions["submitted"].sum()) if len(versions) else 0


def grow_without_answers(store: Any, q: Any, n: int, seed: int, batch: int = 500_000) -> None:
    """Add n submitted responses like the demo's bulk ones (same recruiters, campaigns and 12 weeks), scored
    and flagged, but with their answers left out (the item columns dropped before the store sees them):
    at 10M, some 400M answer rows would not fit this machine's disk."""
    import numpy as np
    import pandas as pd

    from scoring.engine import score_frame
    from scoring.sample import generate
    from service.bulk import flag_json
    from service.demo import assign, recruiter_ids, timestamps
    from storage.bulk import bulk_insert

    rng = np.random.default_rng(seed)
    items = [i.id for i in q.items()]
    now = datetime.now(UTC)
    for lo in range(0, n, batch):
        size = min(batch, n - lo)
        frame = generate(q, size, seed=seed + lo)
        scores = score_frame(q, frame)
        flags = flag_json(q, frame)
        frame = frame.join(assign(scores, recruiter_ids(), rng))
        frame["submitted_at"] = timestamps(size, 12, now, rng)
        frame["started_at"] = frame["submitted_at"] - pd.to_timedelta(frame["duration_seconds"], unit="s")
        t = time.perf_counter()
        bulk_insert(store.database, q, frame.drop(columns=[*items, "response_id"]), scores, flags)
        took = time.perf_counter() - t
        print(f"  +{lo + size:,} of {n:,} without answers ({size / took:,.0f} responses/s in the store)", flush=True)


def load_data(url: str, n: int, seed: int, answers_upto: int | None = None) -> float | None:
    """Load n responses unless the database already holds them; seconds taken (None when reused).

    With ``answers_upto`` M, only the first M responses come with answers (``service.demo``); the rest, and
    any responses added to a database that already holds fewer than n, are added without answers."""
    from scoring.loader import load
    from service.demo import DEFAULT_QUESTIONNAIRE, load_demo
    from storage import Store

    have = _count(url)
    if have >= n:
        print(f"reusing {have:,} submitted responses already in the database")
        return None
    if have and answers_upto is None:
        raise SystemExit(f"the database holds {have:,} responses, not {n:,}: remove it or pass another --n")
    q = load(DEFAULT_QUESTIONNAIRE)
    t = time.perf_counter()
    with Store(url) as store:
        first = n if answers_upto is None else min(n, answers_upto)
        if not have:
            plan = load_demo(
                store, q, first, seed=seed, weeks=12, max_slow=200, progress=lambda m: print("  " + m, flush=True)
            )
            have = plan.submitted
        if n > have:
            grow_without_answers(store, q, n - have, seed + have)
    took = time.perf_counter() - t
    print(f"load          {n:,} responses in {took:.1f} s ({n / took:,.0f} responses/s)", flush=True)
    return took


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _run_child(args: list[str], capture: bool) -> subprocess.CompletedProcess[str]:
    # A fresh process per phase: the loader's memory must not count towards the page's peak
    # (Linux keeps ru_maxrss across fork and exec, so the parent stays small too).
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    return subprocess.run(cmd, capture_output=capture, text=True, env=env, check=False)


def measure(
    label: str, url: str, n: int, seed: int, repeat: int, page: bool, answers_upto: int | None = None
) -> dict[str, Any]:
    print(f"\n== {label}, {n:,} responses", flush=True)
    upto = ["--answers-upto", str(answers_upto)] if answers_upto is not None else []
    loaded = _run_child(["--load", url, "--n", str(n), "--seed", str(seed), *upto], capture=False)
    if loaded.returncode:
        raise SystemExit(f"loading failed ({loaded.returncode})")
    print(f"load average  {_loadavg()} (before measuring)", flush=True)
    done = _run_child(["--child", url, "--repeat", str(repeat), *(["--page"] if page else [])], capture=True)
    print(f"load average  {_loadavg()} (after)", flush=True)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if done.returncode or line is None:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
        raise SystemExit(f"the child process failed ({done.returncode})")
    r = json.loads(line.removeprefix("RESULT "))
    a, b = r["a"], r["b"]
    r["ratio"] = statistics.median(r["a_s"]) / statistics.median(r["b_s"])
    r["ratio0"] = statistics.median(r["a_s"]) / statistics.median(r["b0_s"])
    r["ratio_range"] = (min(r["a_s"]) / max(r["b_s"]), max(r["a_s"]) / min(r["b_s"]))
    if r["first_render_s"] is not None:
        print(f"start-up      {r['startup_s']:.2f} s   (Streamlit's first AppTest run in the process, a trivial page)")
        print(f"first, fresh  {r['first_fresh_s']:.2f} s   (in a fresh process: its modules imported on the way)")
        print(
            f"first render  {r['first_render_s']:.2f} s   (modules imported, every data cache empty; "
            f"target ≤ {TARGET_FIRST_S:.0f} s)"
        )
        print(
            f"filter change {r['filter_change_s']:.2f} s   (one recruiter picked after the first render; target ≤ 1 s)"
        )
    mode = f"past max_rows: scores from the first {a['limit']:,} rows" if a["large"] else "every row, exact"
    print(f"A dashboard   {_spread(r['a_s'])}   (data work before drawing; {mode})")
    print(f"B one query   {_spread(r['b_s'])}   (one scan, same figures, same rows)")
    print(f"B0 no hists   {_spread(r['b0_s'])}   (the same scan without the histograms: a lower bound)")
    lo, hi = r["ratio_range"]
    print(f"ratio A/B     {r['ratio']:.1f}× (of medians; {lo:.1f}–{hi:.1f}× min/max)   (target ≤ {TARGET_RATIO:.0f}×)")
    print(f"ratio A/B0    {r['ratio0']:.1f}× (of medians)")
    print(f"peak memory   {r['peak_rss_mb']:.0f} MB")
    agree = all(a[x] == b[x] for x in ("started", "completed", "bands", "overall_hist"))
    # A's median is pandas' (the mean of the two middle values). B's is PostgreSQL's percentile_cont,
    # a + (b - a) / 2 (equal up to the last bit), and on SQLite the lower middle value only.
    med_a, med_b = a["median_duration"], b["median_duration"]
    same_median = med_a == med_b or (med_a is not None and med_b is not None and math.isclose(med_a, med_b))
    if not same_median:
        print(f"median        A {med_a} s, B {med_b} s (B on SQLite: the lower of the two middle values)")
    print(
        f"figures       A started {a['started']:,} completed {a['completed']:,} median {a['median_duration']} s "
        f"bands {a['bands']}\n              hist {a['overall_hist']}\n"
        f"              B started {b['started']:,} completed {b['completed']:,} "
        f"median {b['median_duration']} s bands {b['bands']}\n              hist {b['overall_hist']}  "
        f"({'agree' if agree else 'DIFFER'})"
    )
    return r


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", default="20000", help="submitted responses, comma-separated scales (default 20000)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=5, help="runs of A and of B each, alternated (default 5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--page", action="store_true", help="also time the whole page's first render (AppTest)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--reuse", action="store_true", help="keep the loaded databases and reuse them next time")
    parser.add_argument(
        "--answers-upto",
        type=int,
        help="only the first M responses get answers; with --reuse, grows a smaller database to N without answers",
    )
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--load", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.load:
        load_data(args.load, int(args.n), args.seed, args.answers_upto)
        return 0
    if args.child:
        print("RESULT " + json.dumps(child(args.child, args.repeat, args.page), default=str), flush=True)
        return 0

    results: list[tuple[str, int, dict[str, Any]]] = []
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for n in (int(x) for x in args.n.split(",")):
        if "sqlite" in backends:
            with sqlite_file(f"dashboard-{n}", keep=args.reuse) as url:
                results.append(("SQLite", n, measure("SQLite (WAL)", url, n, args.seed, args.repeat, args.page)))
        if "postgresql" in backends:
            with pg_schema(args.pg_url, f"bench_dashscale_{n}", keep=args.reuse) as (url, _admin):
                pg = measure("PostgreSQL", url, n, args.seed, args.repeat, args.page, args.answers_upto)
                results.append(("PostgreSQL", n, pg))

    print("\n== summary (median, min–max of the alternated runs)")
    ok = True
    for name, n, r in results:
        passed = r["ratio"] <= TARGET_RATIO and (r["first_render_s"] or 0) <= TARGET_FIRST_S
        ok &= passed
        first = (
            f"first render {r['first_render_s']:5.2f} s, filter {r['filter_change_s']:5.2f} s | "
            if r["first_render_s"] is not None
            else ""
        )
        print(
            f"{name:<11} {n:>10,} | {first}A {_spread(r['a_s'])} | B {_spread(r['b_s'])} | "
            f"A/B {r['ratio']:5.1f}× | B0 {_spread(r['b0_s'])} | A/B0 {r['ratio0']:5.1f}× | "
            f"{'ok' if passed else 'MISSED'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
