"""First render in Chromium of the welcome page and of the results page, against a bare page.

Starts two real servers (Career Radar on a scratch SQLite file, and a one-line Streamlit script as
the baseline) and measures, in the same run, the time from navigation to the first meaningful
element being visible. Median of --rounds fresh browser contexts each.

    python bench/bench_browser.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from service import submissions  # noqa: E402
from tests.browser.conftest import ARGS, CHROMIUM, _wait_healthy, free_port  # noqa: E402
from tests.candidate_support import answer_set, bank  # noqa: E402

BARE = 'import streamlit as st\nst.title("Hello")\nst.button("Start")\n'


def serve(script: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(url, proc)
    return proc, url


def timed(browser, url: str, ready) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    t = time.perf_counter()
    page.goto(url)
    expect(ready(page)).to_be_visible(timeout=60_000)
    elapsed = time.perf_counter() - t
    context.close()
    return elapsed


def result_link(store_url: str) -> str:
    """Create one submitted response directly in the store and return its private token."""
    from storage import Store

    q = bank()
    s = Store(store_url)
    s.register(q)
    started = s.start(q)
    submissions.submit(s, started.resume_token, answer_set(q, "neutral"))
    return started.resume_token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        env = {**os.environ, "CAREER_RADAR_DATABASE_URL": db}
        token = result_link(db)
        bare_script = Path(tmp) / "bare.py"
        bare_script.write_text(BARE)
        app, app_url = serve(ROOT / "app.py", env)
        bare, bare_url = serve(bare_script, env)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                # one warm-up each: the first request compiles and imports
                timed(browser, bare_url, lambda pg: pg.get_by_role("button", name="Start"))
                timed(browser, app_url, lambda pg: pg.get_by_role("button", name="Start"))
                base, welcome, results, headline = [], [], [], []
                for _ in range(args.rounds):
                    base.append(timed(browser, bare_url, lambda pg: pg.get_by_role("button", name="Start")))
                    welcome.append(timed(browser, app_url, lambda pg: pg.get_by_role("button", name="Start")))
                    headline.append(
                        timed(browser, f"{app_url}/?r={token}", lambda pg: pg.get_by_text("Your Career Radar result"))
                    )
                    results.append(
                        timed(
                            browser,
                            f"{app_url}/?r={token}",
                            lambda pg: pg.locator('[data-testid="stPlotlyChart"] .main-svg').first,
                        )
                    )
                browser.close()
        finally:
            for proc in (app, bare):
                proc.terminate()
                proc.wait(timeout=10)
    b, w, h, r = (statistics.median(x) for x in (base, welcome, headline, results))
    print(f"rounds: {args.rounds} (fresh browser context each)")
    print(f"bare Streamlit page (baseline): median {b * 1000:.0f} ms")
    print(f"welcome page first render:      median {w * 1000:.0f} ms  ({w / b:.2f}× baseline)")
    print(f"results page, headline shown:   median {h * 1000:.0f} ms  ({h / b:.2f}× baseline)")
    print(f"results page, first plotly chart: median {r * 1000:.0f} ms  ({r / b:.2f}× baseline; plotly.js loads)")


if __name__ == "__main__":
    main()
