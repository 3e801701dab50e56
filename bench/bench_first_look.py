"""The candidate's first look at their result, in Chromium, against the welcome page's first render.

Issue 12 item 7: the results page's headline and first chart must be on screen within 2× the welcome
page's first render, on a 360 px phone viewport and on a 1280 px desktop. One ``streamlit run app.py``
on a scratch SQLite file; every measurement in a fresh browser context, the three kinds alternated
within each round (their order rotates from round to round) and repeated equally often:

* welcome — navigation to ``/`` until the Start button is visible (the reference);
* link    — navigation to a submitted result's private link (``/?r=…``) until the headline (the h1
  "<profile> · NN / 100") is visible, and until the first chart on the page is drawn;
* submit  — on the quiz's last page (restored from a fully answered response), the click on
  "See my result" until the headline is visible, and until the first chart is drawn.

"First chart" is the first chart in the page's order: the plotly continuum before this change, the inline
HTML continuum (``data-chart``) after it. "plotly chart" is the first plotly chart (the area-by-area bars further down).

    python bench/bench_first_look.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402
from timing import spread  # noqa: E402

from service import submissions  # noqa: E402
from tests.browser.conftest import ARGS, CHROMIUM, streamlit_server  # noqa: E402
from tests.candidate_support import answer_set, bank  # noqa: E402

VIEWPORTS = {
    "360 px phone": {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
                     "has_touch": True},
    "1280 px desktop": {"viewport": {"width": 1280, "height": 800}},
}  # fmt: skip
HEADLINE = re.compile(r"·\s*\d+\s*/\s*100")
FIRST_CHART = '[data-testid="stPlotlyChart"] .main-svg, [data-chart]'
PLOTLY = '[data-testid="stPlotlyChart"] .main-svg'
TIMEOUT = 90_000


def submitted_token(store_url: str) -> str:
    """One submitted response, made directly through the service; its private resume token."""
    from storage import Store

    q = bank()
    s = Store(store_url)
    started = s.start(q)
    submissions.submit(s, started.resume_token, answer_set(q, "neutral"))
    return started.resume_token


def answered_token(store_url: str) -> str:
    """A fully answered, not yet submitted response on its last page (a restore lands on "See my result")."""
    from storage import Store

    q = bank()
    s = Store(store_url)
    started = s.start(q)
    s.save_answers(started.resume_token, answer_set(q, "neutral"), page=len(q.sections) - 1)
    return started.resume_token


def _since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def result_times(page: Page, t0: float) -> dict[str, float]:
    out = {}
    expect(page.locator("h1").filter(has_text=HEADLINE)).to_be_visible(timeout=TIMEOUT)
    out["headline"] = _since(t0)
    expect(page.locator(FIRST_CHART).first).to_be_visible(timeout=TIMEOUT)
    out["first chart"] = _since(t0)
    expect(page.locator(PLOTLY).first).to_be_visible(timeout=TIMEOUT)
    out["plotly chart"] = _since(t0)
    return out


def measure(browser: Browser, options: dict, kind: str, url: str, db: str, link: str) -> dict[str, float]:
    token = answered_token(db) if kind == "submit" else None  # made before the clock starts
    context = browser.new_context(**options)
    page = context.new_page()
    try:
        if kind == "welcome":
            t0 = time.perf_counter()
            page.goto(url)
            expect(page.get_by_role("button", name="Start")).to_be_visible(timeout=TIMEOUT)
            return {"first render": _since(t0)}
        if kind == "link":
            t0 = time.perf_counter()
            page.goto(f"{url}/?r={link}")
            return result_times(page, t0)
        page.goto(f"{url}/?r={token}")
        button = page.get_by_role("button", name="See my result")
        expect(button).to_be_visible(timeout=TIMEOUT)
        expect(page.locator('[data-stale="true"]')).to_have_count(0, timeout=TIMEOUT)
        t0 = time.perf_counter()
        button.click()
        return result_times(page, t0)
    finally:
        context.close()


def summary(values: list[float]) -> str:
    return spread(values, 1.0, ",.0f", " ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    kinds = ["welcome", "link", "submit"]
    times: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        link = submitted_token(db)
        env = {**os.environ, "CAREER_RADAR_DATABASE_URL": db}
        with streamlit_server(ROOT / "app.py", env, Path(tmp) / "streamlit.log") as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for options in VIEWPORTS.values():  # warm-up, not counted: the server's first imports
                for kind in kinds:
                    measure(browser, options, kind, url, db, link)
            for r in range(args.rounds):
                for name, options in VIEWPORTS.items():
                    for kind in kinds[r % 3 :] + kinds[: r % 3]:
                        for what, ms in measure(browser, options, kind, url, db, link).items():
                            times[(name, kind, what)].append(ms)
            browser.close()
    print(f"rounds: {args.rounds} per viewport and kind (fresh browser context each; median (min–max))")
    for name in VIEWPORTS:
        welcome = statistics.median(times[(name, "welcome", "first render")])
        print(f"\n{name}: welcome page first render {summary(times[(name, 'welcome', 'first render')])}")
        for kind in ("link", "submit"):
            for what in ("headline", "first chart", "plotly chart"):
                values = times[(name, kind, what)]
                ratio = statistics.median(values) / welcome
                print(f"  {kind:6} {what:12} {summary(values):>28}  {ratio:.2f}× welcome")


if __name__ == "__main__":
    main()
