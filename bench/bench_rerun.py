"""What an answer click and a Next click cost on the quiz, against a bare page with the same widgets.

The bare page (written to a scratch folder from the real bank) shows the same progress bar, header,
radios (same labels, options and layout) and Back/Next buttons, with no logic: no answers dict, no
store, no fragment. Quiz and bare are measured in the same run, alternating one quiz round and one bare
round (the order flips every round), with equal repetitions; the machine is shared and noisy.

- in-process (default): AppTest script runs. An answer on the quiz is a fragment rerun (the question
  block; AppTest always runs the whole script, so the bench asks the script runner for the fragment,
  as the browser does); on the bare page it is a whole-script run. Next is a whole-script run on both.
  Each script is compiled once, as a server does (``server_like.py``; before 2026-12-01 AppTest
  re-compiled app.py, the quiz page and the bare page on every run).
- ``--browser``: Debian's Chromium against real servers, from the click (a capturing listener's
  ``performance.now()``) to the page showing the new content with no stale element left: for an answer,
  the progress caption's new "N of M answered"; for Next, the next page's heading. ``--phone`` adds a
  360 px round set.
- ``--before``: another arm, alternated with the others: the quiz as it was before the answer click's
  tuning, so before and after are measured in the same run: the store's SQLite at ``synchronous=FULL``
  (an fsync per answer commit; storage/engine.py now sets NORMAL in WAL mode) and, in the browser,
  Streamlit's forced ``gc.collect(2)`` after every script run (``runner.postScriptGC``, now off in
  .streamlit/config.toml). AppTest never forces that collection, so in-process it is the store only.
- ``--bare-nogc`` (browser): a second floor, the bare page with ``runner.postScriptGC`` off as well.

Targets (issue 12): answer ≤ 1.2× bare, Next ≤ 1.5× bare.

    python bench/bench_rerun.py [--rounds 30] [--before]
    python bench/bench_rerun.py --browser [--rounds 8] [--phone] [--before] [--bare-nogc]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from server_like import share_script_cache  # noqa: E402

from scoring.flow import answerable_items  # noqa: E402
from scoring.models import ChoiceItem, Questionnaire, TextItem  # noqa: E402
from tests.candidate_support import answer_page, answer_set, bank, button, fragment_run  # noqa: E402
from ui.state import widget_key  # noqa: E402

BARE = '''"""Bare page: the quiz's widgets for PAGES, no logic."""
import json
import pathlib

import streamlit as st

SPEC = json.loads((pathlib.Path(__file__).parent / "bare.json").read_text())
PAGES, TOTAL = SPEC["pages"], SPEC["total"]
page = st.session_state.setdefault("page", 0)


def go(step):
    st.session_state["page"] = min(max(page + step, 0), len(PAGES) - 1)


section = PAGES[page]
keys = [f"q{page}_{i}" for i in range(len(section["items"]))]
done = sum(st.session_state.get(k) is not None for k in keys)
st.progress(page / len(PAGES), text=f"Page {page + 1} of {len(PAGES)} · {done} of {TOTAL} answered")
st.header(section["title"])
if section["intro"]:
    st.caption(section["intro"])
for key, item in zip(keys, section["items"]):
    if item["options"] is None:
        st.text_area(item["text"], key=key)
    else:
        labels = dict(item["options"])
        st.radio(item["text"], list(labels), index=None, format_func=labels.__getitem__,
                 horizontal=item["horizontal"], key=key)
back, nxt = st.columns(2)
if page > 0:
    back.button("Back", on_click=go, args=(-1,), width="stretch")
nxt.button("Next", type="primary", on_click=go, args=(1,), width="stretch")
'''


def write_bare(q: Questionnaire, folder: Path) -> Path:
    """The bare page for ``q`` (same labels, options, layout), as a script in ``folder``."""
    pages = []
    for section in q.sections:
        items = []
        for item in section.items:
            if isinstance(item, TextItem):
                options = None
            elif isinstance(item, ChoiceItem):
                options = [[o.id, o.label] for o in item.options]
            else:
                options = [[p.value, p.label] for p in q.scales[item.scale].points]
            label = item.text if not isinstance(item, TextItem) or item.required else f"{item.text} (optional)"
            items.append({"text": label, "options": options, "horizontal": not isinstance(item, ChoiceItem)})
        pages.append({"title": section.title, "intro": section.intro, "items": items})
    (folder / "bare.json").write_text(json.dumps({"pages": pages, "total": len(answerable_items(q))}))
    script = folder / "bare.py"
    script.write_text(BARE)
    return script


def spread(xs: list[float]) -> str:
    low, high = min(xs) * 1000, max(xs) * 1000
    return f"median {statistics.median(xs) * 1000:7.1f} ms (min–max {low:.1f}–{high:.1f}, n={len(xs)})"


TARGETS = {"answer": 1.2, "Next": 1.5}  # issue 12: of the quiz against the bare page, medians
Times = dict[str, dict[str, list[float]]]  # arm → "answer" / "Next" → seconds


def report(title: str, times: Times) -> None:
    """Each arm's spread, then each quiz arm's ratio of medians against the bare page."""
    print(title)
    for what, target in TARGETS.items():
        for arm, xs in times.items():
            print(f"  {what:6} {arm:12} {spread(xs[what])}")
        for floor in (arm for arm in times if arm.startswith("bare")):
            bare = statistics.median(times[floor][what])
            for arm, xs in times.items():
                if not arm.startswith("bare"):
                    ratio = statistics.median(xs[what]) / bare
                    print(f"  {what:6} {arm:12} / {floor}, ratio of medians {ratio:.2f}  (target ≤ {target})")


def rotation(arms: list[Any], r: int) -> list[Any]:
    """Round r's order: rotated by one each round, reversed every other cycle (each arm leads equally)."""
    n = len(arms)
    order = arms[r % n :] + arms[: r % n]
    return order[::-1] if (r // n) % 2 else order


# --- in-process ----------------------------------------------------------------------------------

RUNS: list[float] = []  # durations of the script runner's runs (callbacks + script + cleanup) since cleared


def _time_script_runs() -> None:
    """Time what the server does for an interaction, without AppTest's own set-up and polling."""
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    plain = ScriptRunner._run_script

    def timed(self: Any, rerun_data: Any) -> None:
        t = time.perf_counter()
        try:
            plain(self, rerun_data)
        finally:
            RUNS.append(time.perf_counter() - t)

    ScriptRunner._run_script = timed  # type: ignore[method-assign]


SAVES: list[float] = []  # durations of ui.candidate.save since cleared


def _time_saves() -> None:
    import ui.candidate

    plain = ui.candidate.save

    def timed(flow: Any) -> None:
        t = time.perf_counter()
        try:
            plain(flow)
        finally:
            SAVES.append(time.perf_counter() - t)

    ui.candidate.save = timed  # on_answer and go look it up in the module when they run


def timed_run(run: Callable[[], Any]) -> float:
    """Seconds the script runner spent on ``run`` (an AppTest run), every rerun it triggered included."""
    RUNS.clear()
    run()
    return sum(RUNS)


class QuizInProcess:
    def __init__(self, q: Questionnaire) -> None:
        import streamlit as st
        from streamlit.testing.v1 import AppTest

        self.q, self.answers = q, answer_set(q, "neutral")
        st.cache_resource.clear()
        self.at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
        self.at.run()
        button(self.at, "Start").click().run()
        answer_page(self.at, q, self.answers)
        self.item = q.sections[0].items[0]
        self.flip = 0
        self.saves: list[float] = []  # of each timed answer, the time spent writing it to the store

    def answer(self) -> float:
        values = self.q.scales[self.item.scale].values()
        self.flip ^= 1
        value = values[self.flip]
        self.at.radio(key=widget_key(self.item.id)).set_value(value)
        SAVES.clear()
        elapsed = timed_run(lambda: fragment_run(self.at))
        self.saves.append(sum(SAVES))
        assert not self.at.exception, self.at.exception
        flow = self.at.session_state["cr_flow"]
        assert flow.answers[self.item.id] == value and not flow.unsaved, "the answer must be in the store"
        return elapsed

    def next(self) -> float:
        self.at.run()  # untimed: AppTest's tree after a fragment run holds only the fragment's elements
        button(self.at, "Next").click()
        elapsed = timed_run(self.at.run)
        assert not self.at.exception and self.at.session_state["cr_flow"].page == 1
        button(self.at, "Back").click().run()
        return elapsed


class BareInProcess:
    def __init__(self, script: Path, q: Questionnaire) -> None:
        from streamlit.testing.v1 import AppTest

        self.values = q.scales[q.sections[0].items[0].scale].values()
        self.at = AppTest.from_file(str(script), default_timeout=30)
        self.at.run()
        self.flip = 0

    def answer(self) -> float:
        self.flip ^= 1
        self.at.radio[0].set_value(self.values[self.flip])
        elapsed = timed_run(self.at.run)
        assert not self.at.exception
        return elapsed

    def next(self) -> float:
        button(self.at, "Next").click()
        elapsed = timed_run(self.at.run)
        assert self.at.session_state["page"] == 1
        button(self.at, "Back").click().run()
        return elapsed


SYNC = {"mode": ""}  # the in-process quiz arms' SQLite synchronous setting for the next checkout; "" = the app's


def _sync_on_checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    if SYNC["mode"]:
        dbapi_conn.execute(f"PRAGMA synchronous = {SYNC['mode']}")


def _sync(mode: str) -> None:
    """Pooled connections take ``mode`` at their next checkout; the one the answer saves keep, now."""
    from ui import resources

    SYNC["mode"] = mode
    store = resources.store()
    kept = getattr(getattr(store, "_driver", None), "_kept", None)  # storage.driver: checked out once
    if kept is not None:
        kept.dbapi_connection.execute(f"PRAGMA synchronous = {mode}")


class Synced:
    """A quiz arm that runs with the store's connections at ``synchronous=mode``."""

    def __init__(self, side: QuizInProcess, mode: str) -> None:
        self.side, self.mode = side, mode

    def answer(self) -> float:
        _sync(self.mode)
        return self.side.answer()

    def next(self) -> float:
        _sync(self.mode)
        return self.side.next()


def in_process(q: Questionnaire, bare_script: Path, rounds: int, before: bool = False) -> None:
    from sqlalchemy import event

    from ui import resources

    share_script_cache()  # each script compiled once, as a server does (server_like.py)
    _time_script_runs()
    _time_saves()
    quiz = QuizInProcess(q)
    arms: dict[str, Any] = {"quiz": quiz, "bare": BareInProcess(bare_script, q)}
    if before:
        full = QuizInProcess(q)  # its own candidate, on the same store
        # Both quiz arms pay the same checkout pragma (a few µs); "after" sets the app's own value again.
        arms = {"quiz": Synced(quiz, "NORMAL"), "quiz before": Synced(full, "FULL"), "bare": arms["bare"]}
        store = resources.store()
        assert store is not None
        event.listen(store.database.engine.pool, "checkout", _sync_on_checkout)
    for side in arms.values():  # warm-up
        side.answer()
        side.next()
    times: Times = {arm: {"answer": [], "Next": []} for arm in arms}
    for r in range(rounds):
        for arm in rotation(list(arms), r):
            times[arm]["answer"].append(arms[arm].answer())
            times[arm]["Next"].append(arms[arm].next())
    radios = len(q.sections[0].items)
    report(f"in-process (AppTest), {radios} radios on page 1, {rounds} alternating rounds", times)
    for arm, side in arms.items():
        if arm != "bare":
            saves = (side.side if isinstance(side, Synced) else side).saves[-rounds:]
            print(f"  {arm}: of an answer, writing it to the store (SQLite, in the callback): {spread(saves)}")


# --- browser -------------------------------------------------------------------------------------

MARK_CLICK = """() => {
  window.__clickAt = null;
  if (!window.__clickHooked) {
    const mark = () => { if (window.__clickAt === null) window.__clickAt = performance.now(); };
    document.addEventListener('pointerdown', mark, true);
    window.__clickHooked = true;
  }
}"""
# Milliseconds from the click to: the wanted text visible in the main area and no stale element left.
RENDERED = """([selector, text]) => {
  if (window.__clickAt === null) return false;
  const found = [...document.querySelectorAll(selector)].some(e => e.innerText.includes(text));
  if (!found || document.querySelector('[data-stale="true"]')) return false;
  return performance.now() - window.__clickAt;
}"""


# The server, with each script run's duration (callbacks + script) appended to $BENCH_RUNS.
LAUNCHER = """import os, sys, time
from streamlit.runtime.scriptrunner.script_runner import ScriptRunner
from streamlit.web.cli import main

plain = ScriptRunner._run_script
log = open(os.environ["BENCH_RUNS"], "a", buffering=1)


def timed(self, rerun_data):
    t = time.perf_counter()
    try:
        plain(self, rerun_data)
    finally:
        log.write(f"{time.perf_counter() - t}\\n")


ScriptRunner._run_script = timed
if os.environ.get("BENCH_SQLITE_SYNC"):  # the --before arm: every store connection at this setting
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    mode = os.environ["BENCH_SQLITE_SYNC"]
    event.listen(Pool, "checkout", lambda dbapi, _rec, _proxy: dbapi.execute(f"PRAGMA synchronous = {mode}"))
sys.argv = ["streamlit", "run", *sys.argv[1:]]
main()
"""


class Server:
    """``streamlit run script`` on a loopback port whose script runs are timed server-side."""

    def __init__(self, script: Path, env: dict[str, str], folder: Path, name: str) -> None:
        import subprocess

        from tests.browser.conftest import _wait_healthy, free_port

        launcher = folder / "launch.py"
        launcher.write_text(LAUNCHER)
        self.runs = folder / f"{name}.runs"
        self.runs.write_text("")
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(folder / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, str(launcher), str(script), "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=script.parent, env={**env, "BENCH_RUNS": str(self.runs)}, stdout=self.log, stderr=self.log,
        )  # fmt: skip
        _wait_healthy(self.url, self.proc)

    def mark(self) -> int:
        return len(self.runs.read_text().split())

    def since(self, mark: int) -> float:
        """Seconds of script runs logged after ``mark`` (waits briefly for the run that just ended)."""
        deadline = time.monotonic() + 5
        while True:
            lines = self.runs.read_text().split()
            if len(lines) > mark or time.monotonic() > deadline:
                return sum(float(x) for x in lines[mark:])
            time.sleep(0.01)

    def rss(self) -> str:
        """The server's resident memory now (Linux), e.g. "312 MiB"."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return f"{int(line.split()[1]) // 1024} MiB"
        return "?"

    def stop(self) -> None:
        from tests.browser.conftest import stop_process

        stop_process(self.proc)
        self.log.close()


def timed_click(page: Any, server: Server, target: Any, selector: str, text: str) -> tuple[float, float]:
    """(click → rendered in the browser, the server's script-run time for it), in seconds."""
    page.evaluate(MARK_CLICK)
    mark = server.mark()
    target.click()
    handle = page.wait_for_function(RENDERED, arg=[selector, text], polling="raf", timeout=60_000)
    return float(handle.json_value()) / 1000, server.since(mark)


def browser_round(
    browser: Any, server: Server, q: Questionnaire, context_args: dict, quiz: bool
) -> tuple[list[tuple[float, float]], tuple[float, float]]:
    """One fresh candidate: every page-1 answer timed, then Next timed."""
    from playwright.sync_api import expect

    from tests.browser.test_candidate_browser import label_for, question

    answers = answer_set(q, "neutral")
    total = len(answerable_items(q))
    context = browser.new_context(**context_args)
    page = context.new_page()
    page.goto(server.url)
    if quiz:
        page.get_by_role("button", name="Start").click()
    first, second = q.sections[0], q.sections[1]
    expect(page.get_by_role("heading", name=first.title).first).to_be_visible(timeout=60_000)
    expect(page.locator('[data-stale="true"]')).to_have_count(0, timeout=60_000)
    clicks = []
    for done, item in enumerate(first.items, start=1):
        option = question(page, item.text).get_by_text(label_for(q, item, answers[item.id]), exact=True)
        clicks.append(timed_click(page, server, option, '[data-testid="stProgress"]', f"{done} of {total} answered"))
    nxt = page.get_by_role("button", name="Next")
    elapsed = timed_click(page, server, nxt, '[data-testid="stMain"] h2', second.title)
    context.close()
    return clicks, elapsed


def in_browser(
    q: Questionnaire, bare_script: Path, rounds: int, phone: bool, db: str, before: bool, bare_nogc: bool
) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import ARGS, CHROMIUM

    env = {**os.environ, "CAREER_RADAR_DATABASE_URL": db}
    folder = Path(db.removeprefix("sqlite:///")).parent
    views = {"desktop 1280×800": {"viewport": {"width": 1280, "height": 800}}}
    if phone:
        views["phone 360×740"] = {
            "viewport": {"width": 360, "height": 740},
            "device_scale_factor": 2,
            "is_mobile": True,
            "has_touch": True,
        }
    servers = {"quiz": Server(ROOT / "app.py", env, folder, "app")}
    if before:  # the same app on its own database file: synchronous=FULL, a forced full GC after every run
        full_env = {
            **env,
            "CAREER_RADAR_DATABASE_URL": f"sqlite:///{folder / 'before.sqlite3'}",
            "BENCH_SQLITE_SYNC": "FULL",
            "STREAMLIT_RUNNER_POST_SCRIPT_GC": "true",  # environment variables win over config.toml
        }
        servers["quiz before"] = Server(ROOT / "app.py", full_env, folder, "before")
    servers["bare"] = Server(bare_script, env, folder, "bare")
    if bare_nogc:
        nogc_env = {**env, "STREAMLIT_RUNNER_POST_SCRIPT_GC": "false"}
        servers["bare noGC"] = Server(bare_script, nogc_env, folder, "bare-nogc")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for view, context_args in views.items():
                for arm, side in servers.items():  # warm-up: imports, first compile
                    browser_round(browser, side, q, context_args, quiz=not arm.startswith("bare"))
                client: Times = {arm: {"answer": [], "Next": []} for arm in servers}
                server: Times = {arm: {"answer": [], "Next": []} for arm in servers}
                for r in range(rounds):
                    for arm in rotation(list(servers), r):
                        clicks, nxt = browser_round(browser, servers[arm], q, context_args, not arm.startswith("bare"))
                        for what, pairs in (("answer", clicks), ("Next", [nxt])):
                            client[arm][what].extend(c for c, _ in pairs)
                            server[arm][what].extend(s for _, s in pairs)
                per_round = f"{len(q.sections[0].items)} answers and one Next per round"
                report(f"Chromium, {view}: click → rendered, {rounds} alternating rounds ({per_round})", client)
                report(f"  the same clicks, server-side script-run time ({view})", server)
            browser.close()
        print("  server RSS at the end: " + ", ".join(f"{arm} {side.rss()}" for arm, side in servers.items()))
    finally:
        for side in servers.values():
            side.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds (30 in-process, 8 browser)")
    parser.add_argument("--browser", action="store_true", help="measure in Chromium instead of in-process")
    parser.add_argument("--phone", action="store_true", help="with --browser: also at 360 px")
    parser.add_argument(
        "--before",
        action="store_true",
        help="another arm: the quiz as before (SQLite synchronous=FULL; in the browser, a full GC after every run)",
    )
    parser.add_argument(
        "--bare-nogc", action="store_true", help="with --browser: also the bare page with runner.postScriptGC off"
    )
    args = parser.parse_args()
    q = bank()
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        os.environ["CAREER_RADAR_DATABASE_URL"] = db
        bare_script = write_bare(q, Path(tmp))
        run: Callable[[], None] = (
            (lambda: in_browser(q, bare_script, args.rounds or 8, args.phone, db, args.before, args.bare_nogc))
            if args.browser
            else (lambda: in_process(q, bare_script, args.rounds or 30, args.before))
        )
        run()


if __name__ == "__main__":
    main()
