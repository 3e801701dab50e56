"""Real-browser load test: N concurrent Chromium candidates against one `streamlit run app.py` on PostgreSQL.

Not part of the pytest suite. Two arms, driven alike: ``app`` (the project's ``app.py``) and ``bare``
(``bare_app.py``: a bare Streamlit page with the quiz's widgets and no database, scoring or charts of
the project's — Streamlit's own floor on this machine). For each scale N and each of ``--rounds``
rounds both arms run, one after the other, the order alternating from round to round and scale to
scale (app first, then bare first, …), with the same candidates (same seeds, think times, double
clicks and reloads). For each arm and scale it:

1. creates a schema of its own on the PostgreSQL server (dropped at the end, whatever happens);
2. starts one `streamlit run app.py` on a free loopback port using that schema;
3. warms the server up with one candidate who completes the quiz (first imports, first chart);
4. starts N candidates in one headless Chromium (one browser context each, starts spread over
   ``--ramp`` seconds), each completing the quiz with think time — a share of them double-click the
   submit button, another share refresh the page mid-quiz and must carry on from the private token in
   the address bar (see ``driver.py``: the driver answers whatever radios the pages show);
5. samples the server process's RSS and CPU with psutil every 0.5 s;
6. checks the store (app arm only; the bare arm has none): exactly one response per candidate, every
   one submitted, every answer stored.

    python bench/load/bench_load.py --sessions 1,5,10 [--arms app,bare] [--rounds 1] [--think 1,3]
        [--out bench/out/load.json]

Needs Debian's Chromium, a PostgreSQL server (``--database``, default TEST_DATABASE_URL or
postgresql+psycopg://postgres@127.0.0.1:5432/test) and psutil (requirements-dev.txt). All traffic stays
on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: the shared timing helpers

import psutil  # noqa: E402
from driver import OBSERVER, Candidate, Outcome  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from timing import ratio, spread  # noqa: E402

from tests.browser.conftest import ARGS, CHROMIUM, _wait_healthy, free_port, stop_process  # noqa: E402

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
APPS = {"app": ROOT / "app.py", "bare": Path(__file__).resolve().parent / "bare_app.py"}
SECRET = "load-test-link-secret"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation): the value p % of observations are at or below."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


class Monitor(threading.Thread):
    """Samples one process's RSS (bytes) and CPU (% of one core) every `interval` seconds."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.interval = interval
        self.samples: list[tuple[float, int, float]] = []
        self.stop = threading.Event()
        self.proc.cpu_percent(None)

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            try:
                self.samples.append((time.monotonic(), self.proc.memory_info().rss, self.proc.cpu_percent(None)))
            except psutil.Error:
                return


def launch(app: Path, env: dict[str, str], log: Any, port: int) -> subprocess.Popen:
    """``streamlit run app`` from the repository root (both arms read the same .streamlit/config.toml)."""
    return subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(app),
            "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def start_server(db_url: str, arm: str = "app") -> tuple[subprocess.Popen, str, Any]:
    port = free_port()
    env = {
        **os.environ,
        "CAREER_RADAR_DATABASE_URL": db_url,
        "CAREER_RADAR_LINK_SECRET": SECRET,
        "CAREER_RADAR_BASE_URL": f"http://127.0.0.1:{port}",
    }
    log_dir = ROOT / "bench" / "out"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / f"load-server-{arm}-{port}.log", "wb")  # noqa: SIM115 (closed by the caller)
    proc = launch(APPS[arm], env, log, port)
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(url, proc)
    return proc, url, log


def stop_server(proc: subprocess.Popen, log: Any) -> None:
    stop_process(proc, timeout=15)
    log.close()


async def run_candidates(url: str, n: int, args: argparse.Namespace, seed: int) -> list[Outcome]:
    rng = random.Random(seed)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        contexts = []
        try:

            async def one(i: int) -> Outcome:
                await asyncio.sleep(rng.uniform(0, args.ramp) if n > 1 else 0)
                context = await browser.new_context(viewport={"width": 1280, "height": 800})
                await context.add_init_script(OBSERVER)
                contexts.append(context)
                r = random.Random(seed * 1000 + i)
                c = Candidate(
                    context, url, f"c{i}", r, args.think_range,
                    double_submit=r.random() < args.double_share,
                    refresh_at=r.choice([1, 2, 3]) if r.random() < args.refresh_share else None,
                    timeout_ms=args.timeout * 1000, shots=ROOT / "bench" / "out",
                )  # fmt: skip
                out = await c.run()
                out.double_submit, out.refreshed = c.double_submit, "refresh" in out.timings
                return out

            return list(await asyncio.gather(*(one(i) for i in range(n))))
        finally:
            for context in contexts:
                await context.close()
            await browser.close()


def check_rows(db_url: str, tokens: list[str | None]) -> dict[str, Any]:
    """Rows in the store; per token: submitted responses and stored answers."""
    from storage.store import token_hash

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            total, submitted = conn.execute(text("SELECT count(*), count(submitted_at) FROM responses")).one()
            per_token, answers_per_token = [], []
            for token in tokens:
                if token is None:
                    per_token.append(0)
                    answers_per_token.append(0)
                    continue
                answers_per_token.append(
                    conn.execute(
                        text(
                            "SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id "
                            "WHERE r.resume_token_hash = :h"
                        ),
                        {"h": token_hash(token)},
                    ).scalar_one()
                )
                per_token.append(
                    conn.execute(
                        text(
                            "SELECT count(*) FROM responses WHERE resume_token_hash = :h AND submitted_at IS NOT NULL"
                        ),
                        {"h": token_hash(token)},
                    ).scalar_one()
                )
            answers = conn.execute(text("SELECT count(*) FROM answers")).scalar_one()
    finally:
        engine.dispose()
    return {
        "rows": total,
        "submitted": submitted,
        "answers": answers,
        "per_candidate": per_token,
        "answers_per_candidate": answers_per_token,
    }


def one_scale(n: int, args: argparse.Namespace, arm: str = "app") -> dict[str, Any]:
    admin = create_engine(args.database, isolation_level="AUTOCOMMIT")
    schema = f"load_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    db_url = make_url(args.database).update_query_dict({"options": f"-csearch_path={schema}"})
    db_url = db_url.render_as_string(hide_password=False)
    proc = log = None
    try:
        proc, url, log = start_server(db_url, arm)
        warm = asyncio.run(run_candidates(url, 1, argparse.Namespace(**{**vars(args), "ramp": 0}), seed=args.seed))[0]
        if warm.error:
            raise RuntimeError(f"warm-up candidate failed: {warm.error}")
        time.sleep(2)
        monitor = Monitor(proc.pid)
        base_rss = monitor.proc.memory_info().rss
        load0 = os.getloadavg()[0]
        monitor.start()
        t0 = time.monotonic()
        outcomes = asyncio.run(run_candidates(url, n, args, seed=args.seed + n))
        wall = time.monotonic() - t0
        monitor.stop.set()
        monitor.join()
        end_rss = monitor.proc.memory_info().rss
        load1 = os.getloadavg()[0]
        tokens = [warm.token] + [o.token for o in outcomes]
        rows = check_rows(db_url, tokens) if arm == "app" else None
    finally:
        if proc is not None:
            stop_server(proc, log)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
    kinds: dict[str, list[float]] = {}
    for o in outcomes:
        for kind, values in o.timings.items():
            kinds.setdefault(kind, []).extend(values)
    interactions = [v for k, vs in kinds.items() if k in {"start", "answer", "next", "submit"} for v in vs]
    rss = [s[1] for s in monitor.samples] or [end_rss]
    cpu = [s[2] for s in monitor.samples] or [0.0]
    failures = [o for o in outcomes if o.error]
    if rows is None:  # the bare arm stores nothing: count its answers as the driver gave them
        rows = {"rows": None, "submitted": None, "answers": None, "per_candidate": [1] * (n + 1)}
        rows["answers_per_candidate"] = [warm.answered] + [o.answered for o in outcomes]
    one_each = rows["per_candidate"] == [1] * (n + 1) and rows["rows"] == n + 1 and rows["submitted"] == n + 1
    # every question a candidate answered is one stored answer (a refresh or a lost click lost nothing)
    expected = [warm.answered] + [o.answered for o in outcomes]
    answers_lost = [
        f"c{i - 1 if i else 'warm-up'}: answered {e}, stored {got}"
        for i, (e, got) in enumerate(zip(expected, rows["answers_per_candidate"], strict=True))
        if e != got
    ]
    return {
        "arm": arm,
        "sessions": n,
        "wall_s": round(wall, 1),
        "interactions": len(interactions),
        "p50_ms": round(percentile(interactions, 50)),
        "p95_ms": round(percentile(interactions, 95)),
        "p99_ms": round(percentile(interactions, 99)),
        "min_ms": round(min(interactions)) if interactions else None,
        "max_ms": round(max(interactions)) if interactions else None,
        "by_kind": {
            k: {
                "n": len(v),
                "p50": round(percentile(v, 50)),
                "p95": round(percentile(v, 95)),
                "p99": round(percentile(v, 99)),
            }
            for k, v in sorted(kinds.items())
        },
        "failures": len(failures),
        "failure_reasons": [f"{o.name}: {o.error}" for o in failures],
        "retries": sum(o.retries for o in outcomes),
        "retried": {
            k: sum(o.retried.get(k, 0) for o in outcomes) for k in sorted({k for o in outcomes for k in o.retried})
        },
        "double_submit": sum(o.double_submit for o in outcomes),
        "refreshed": sum(o.refreshed for o in outcomes),
        "rows": rows["rows"],
        "submitted": rows["submitted"],
        "answers": rows["answers"],
        "exactly_one_each": one_each if arm == "app" else None,
        "answers_match": not answers_lost if arm == "app" else None,
        "answer_mismatches": answers_lost,
        "unconfirmed_clicks": sum(o.unconfirmed for o in outcomes),
        "asked_for_answers": [f"{o.name}: {note}" for o in outcomes for note in o.notes],
        "rss_base_mb": round(base_rss / 2**20, 1),
        "rss_peak_mb": round(max(rss) / 2**20, 1),
        "rss_end_mb": round(end_rss / 2**20, 1),
        "rss_growth_per_session_mb": round((max(rss) - base_rss) / 2**20 / n, 2),
        "cpu_mean_pct": round(statistics.fmean(cpu), 1),
        "cpu_max_pct": round(max(cpu), 1),
        "loadavg_before_after": [round(load0, 2), round(load1, 2)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", default="1,5,10", help="comma-separated scales, e.g. 1,5,10")
    parser.add_argument("--arms", default="app,bare", help="app (app.py), bare (bare_app.py), or both")
    parser.add_argument("--rounds", type=int, default=1, help="runs of every arm at every scale, alternated")
    parser.add_argument("--think", default="1,3", help="think time before each answer, seconds lo,hi")
    parser.add_argument("--ramp", type=float, default=30.0, help="spread the candidates' starts over this many s")
    parser.add_argument("--double-share", type=float, default=0.3, help="share who double-click submit")
    parser.add_argument("--refresh-share", type=float, default=0.3, help="share who refresh mid-quiz")
    parser.add_argument("--timeout", type=float, default=30.0, help="per-interaction timeout, seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_DB)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "load.json")
    args = parser.parse_args()
    lo, hi = (float(x) for x in args.think.split(","))
    args.think_range = (lo, hi)
    arms = [a.strip() for a in args.arms.split(",")]
    unknown = set(arms) - set(APPS)
    if unknown:
        parser.error(f"unknown arm(s): {', '.join(sorted(unknown))}")
    results = []
    turn = 0
    for n in (int(x) for x in args.sessions.split(",")):
        for r in range(args.rounds):
            for arm in arms[turn % len(arms) :] + arms[: turn % len(arms)]:  # the order alternates
                res = {**one_scale(n, args, arm), "round": r + 1}
                results.append(res)
                print(json.dumps(res), flush=True)
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(json.dumps(results, indent=2))
            turn += 1
    print()
    print(report(results, arms))


def report(results: list[dict[str, Any]], arms: list[str]) -> str:
    """A Markdown table per run, then per scale the arms' p50/p95 as median (min–max) over rounds."""
    lines = [
        "| N | arm | round | interactions | p50 | p95 | p99 | min–max | failures | retries | rows (one each) "
        "| RSS base→peak (per session) | server CPU mean/max | load avg | wall |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        one = "—" if r["exactly_one_each"] is None else ("yes" if r["exactly_one_each"] else "NO")
        lines.append(
            f"| {r['sessions']} | {r['arm']} | {r['round']} | {r['interactions']} | {r['p50_ms']} ms | "
            f"{r['p95_ms']} ms | {r['p99_ms']} ms | {r['min_ms']}–{r['max_ms']} ms | {r['failures']} | "
            f"{r['retries']} | {r['rows'] if r['rows'] is not None else '—'} ({one}) | "
            f"{r['rss_base_mb']}→{r['rss_peak_mb']} MB ({r['rss_growth_per_session_mb']} MB) | "
            f"{r['cpu_mean_pct']} / {r['cpu_max_pct']} % | {r['loadavg_before_after'][0]}→"
            f"{r['loadavg_before_after'][1]} | {r['wall_s']} s |"
        )
    lines += ["", "| N | " + " | ".join(f"{a} p50 | {a} p95" for a in arms) + " | p95 app / bare |"]
    lines.append("|---|" + "---|---|" * len(arms) + "---|")
    for n in sorted({r["sessions"] for r in results}):
        cells, p95 = [], {}
        for arm in arms:
            runs = [r for r in results if r["sessions"] == n and r["arm"] == arm]
            p95[arm] = [r["p95_ms"] for r in runs]
            cells += [spread([r["p50_ms"] for r in runs], fmt=".0f"), spread(p95[arm], fmt=".0f")]
        paired = "app" in p95 and "bare" in p95 and len(p95["app"]) == len(p95["bare"]) and p95["app"]
        cells.append(ratio(p95["app"], p95["bare"]) if paired else "—")
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
