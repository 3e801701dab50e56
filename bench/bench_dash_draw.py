"""The coach dashboard's drawing against a bare page that draws the same elements from precomputed figures.

Issue 12 item 5: the dashboard's drawing should take at most 1.5× what a bare Streamlit page takes to draw
the same charts. Both sides run against one SQLite database of synthetic responses (``service.demo``
through ``bench_dashboard.load_data``), signed in as a coach.

* **A, the page**: ``ui/pages/dashboard.py`` itself, first render (Scores tab open), with its caches WARM
  (done once, untimed; for the run, both sides' ``st.cache_data`` and ``st.cache_resource`` have no TTL, so
  the page's 300 s expiry cannot put a database read inside a timed run). What is timed is everything the
  page does on a rerun once its data is cached: the sign-in check, the cache hits (``st.cache_data`` hands
  back a copy of each frame; ``ui.dashboard_first`` holds the filter lists and the first render's tables
  and plotly figures, built once per selection and language), the filter widgets, the headline, the
  tables, the charts, and Streamlit sending all of it.
* **B, the bare page**: a plain script (written to bench/out/dashdraw/) that draws exactly the elements
  A drew, in the same layout, from figures precomputed by a setup step — no project code. The setup step
  runs A once under AppTest and records every element it drew (``capture``): texts, metrics, the
  widgets (same labels, options, defaults, help and keys), each table as the frame A sent (pickled) with
  A's column config, each chart as A's plotly figure JSON. B's loader (a module beside it, so decorated
  once) reads that file once per process and holds it with ``st.cache_resource`` (not copied per run),
  with each chart already built into a plotly ``Figure`` (validated once): the cheapest way Streamlit
  offers to draw a precomputed chart (``st.plotly_chart`` of a dict would validate it on every run). B
  then draws with plain ``st`` calls. The bench checks that B's element tree has the same element types in
  the same order as A's, the same chart specs and the same table values, so the pages draw the same.
  It drives the page, not a copy of its code: if the page changes, B follows. (Until 2026-12-01, B
  loaded through ``st.cache_data`` — a copy of every frame and chart per run — and passed each chart as a
  dict: 59–68 ms a run where the held form takes 15–24 ms. That B was weaker than it had to be.)

Measured, the arms alternated with equal repetitions (order rotating every round), after a warm-up of each:

1. in-process (AppTest): the script runner's time for one full run of the script (``ScriptRunner._run_script``,
   as bench_rerun.py), and the wall time of ``at.run()``. Each script is compiled once, as a server does
   (``server_like.py``: AppTest alone re-compiles the script on every run, about 20 ms a run on either
   side, which pulls the ratio toward 1; ``--recompile`` measures that way);
2. ``--browser``: Debian's Chromium against one ``streamlit run`` server per page (both started from the
   repository root, so the same .streamlit/config.toml — including ``runner.postScriptGC = false`` —
   applies to both, and the same ``--secrets.files``), each entry a two-line wrapper that marks the session
   signed in and runs the page through ``st.navigation`` (the same wrapper for B). One timed load = a new
   tab navigating to the server (a new session), from navigation start (``performance.timeOrigin``) to
   every chart drawn (``.js-plotly-plot`` with a drawn trace), every table's grid and every metric
   present, and no stale element; plus the server's script-run time for it. 1280×800 and 360×740.

    python bench/bench_dash_draw.py [--n 20000] [--rounds 30] [--reuse] [--recompile]
    python bench/bench_dash_draw.py --browser [--rounds 10] [--reuse]

Ratios are of medians, with the range of the per-round ratios. Target: A/B ≤ 1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from server_like import share_script_cache  # noqa: E402
from timing import spread  # noqa: E402

PAGE = ROOT / "ui" / "pages" / "dashboard.py"
OUT = ROOT / "bench" / "out" / "dashdraw"
USER = "coach"
PASSWORD_HASH_N = 2**4  # cheap scrypt parameters: sign-in is not what is measured
TARGET = 1.5
# Both sides' st.cache_data and st.cache_resource without expiry (the page's have a 300 s TTL): warm stays warm.
LIFT_TTL = """import streamlit as st

_plain = st.cache_data


def _no_ttl(func=None, **kwargs):
    kwargs.pop("ttl", None)
    return _plain(func, **kwargs)


_no_ttl.clear = _plain.clear
st.cache_data = _no_ttl
_held = st.cache_resource


def _held_no_ttl(func=None, **kwargs):
    kwargs.pop("ttl", None)
    return _held(func, **kwargs)


_held_no_ttl.clear = _held.clear
st.cache_resource = _held_no_ttl
"""


def lift_ttl() -> None:
    """Run LIFT_TTL in this process, before the page's module is imported (its decorators read the TTL once)."""
    if "ui.dashboard_data" in sys.modules:
        raise RuntimeError("lift the TTL before the dashboard's reads are imported")
    exec(LIFT_TTL, {})


# ----- capture: what A drew, as data B can draw --------------------------------------------------------------


def _key(widget_id: str) -> str | None:
    """The user key in a widget id "$$ID-<hash>-<key>" (None for an id without one)."""
    parts = widget_id.split("-", 2)
    return parts[2] if len(parts) == 3 and parts[2] != "None" else None


def _node(node: Any, frames: list[Any]) -> dict[str, Any]:
    """One AppTest node as a JSON-able dict (frames appended to ``frames``, referred to by index)."""
    kind, p = node.type, node.proto
    if kind in ("flex_container", "column", "tab_container", "tab", "expandable"):
        out: dict[str, Any] = {"kind": kind, "children": [_node(c, frames) for c in node.children.values()]}
        if kind == "flex_container":
            fc = p.flex_container
            out |= {"horizontal": fc.direction == fc.HORIZONTAL, "border": fc.border}
        elif kind == "column":
            out["weight"] = p.weight  # AppTest keeps the inner Block.Column
        elif kind == "tab":
            out["label"] = p.label
        elif kind == "tab_container":
            out["key"] = _key(p.tab_container.id) if p.tab_container.id else None
            out["bind"] = bool(p.tab_container.query_param_key)
        elif kind == "expandable":
            out["label"] = p.label
        return out
    if kind in ("title", "header", "subheader"):
        return {"kind": kind, "body": p.body}
    if kind in ("markdown", "caption"):
        return {"kind": "caption" if p.element_type == p.CAPTION else "markdown", "body": p.body}
    if kind in ("warning", "info", "error", "success"):
        return {"kind": kind, "body": p.body, "icon": p.icon or None}
    if kind == "metric":
        return {"kind": kind, "label": p.label, "body": p.body}
    if kind == "dataframe":
        frames.append(node.value)
        return {"kind": kind, "frame": len(frames) - 1, "columns": json.loads(p.columns) if p.columns else None}
    if kind == "plotly_chart":
        return {"kind": kind, "spec": p.spec, "config": json.loads(p.config), "theme": p.theme or None,
                "key": _key(p.id)}  # fmt: skip
    if kind == "selectbox":
        return {"kind": kind, "label": p.label, "options": list(p.options), "index": p.default,
                "help": p.help or None, "key": _key(p.id)}  # fmt: skip
    if kind == "multiselect":
        default = [p.options[i] for i in p.default]
        return {"kind": kind, "label": p.label, "options": list(p.options), "default": default,
                "help": p.help or None, "placeholder": p.placeholder, "key": _key(p.id)}  # fmt: skip
    if kind == "date_input":
        return {"kind": kind, "label": p.label, "value": list(p.default), "min": p.min, "max": p.max,
                "help": p.help or None, "format": p.format or "YYYY/MM/DD", "key": _key(p.id)}  # fmt: skip
    if kind == "html":
        return {"kind": kind, "body": p.body, "js": p.unsafe_allow_javascript}
    if kind in ("toggle", "checkbox"):
        return {"kind": kind, "label": p.label, "value": p.default, "help": p.help or None, "key": _key(p.id)}
    if kind == "button_group":
        return {"kind": kind, "label": p.label, "options": [o.content for o in p.options], "default": list(p.default),
                "help": p.help or None, "key": _key(p.id)}  # fmt: skip
    if kind == "button":
        return {"kind": kind, "label": p.label, "icon": p.icon or None, "key": _key(p.id)}
    raise NotImplementedError(f"the bare page cannot draw a {kind!r} yet: teach bench_dash_draw.py")


def capture(at: Any) -> tuple[dict[str, Any], list[Any]]:
    """Everything ``at`` (a finished AppTest run) drew, main area and sidebar: (spec, frames)."""
    frames: list[Any] = []
    spec = {area: [_node(c, frames) for c in getattr(at, area).children.values()] for area in ("main", "sidebar")}
    return spec, frames


def shape(at: Any) -> list[str]:
    """The element types of a finished run, in order (blocks included): A's and B's must match."""
    out: list[str] = []

    def walk(node: Any) -> None:
        out.append(node.type)
        for child in getattr(node, "children", {}).values():
            walk(child)

    for area in (at.main, at.sidebar):
        walk(area)
    return out


# ----- B: the bare page ----------------------------------------------------------------------------------------

BARE_DATA = '''"""The bare page's precomputed figures, loaded once per process and held (a module: decorated once)."""
import json
import pathlib
import pickle

import plotly.graph_objects as go
import streamlit as st


@st.cache_resource  # held, not copied per run: the cheapest way to keep precomputed figures
def load(folder):  # the folder is the cache key: another bare page's figures are never handed back
    here = pathlib.Path(folder)
    spec, frames = json.loads((here / "bare.json").read_text()), pickle.loads((here / "bare.pkl").read_bytes())
    figures = []  # each chart a plotly Figure, built and validated once, here

    def walk(node):
        if node["kind"] == "plotly_chart":
            figures.append(go.Figure(json.loads(node["spec"])))
            node["figure"] = len(figures) - 1
        for child in node.get("children", ()):
            walk(child)

    for area in spec.values():
        for node in area:
            walk(node)
    return spec, frames, figures
'''

BARE = '''"""Bare page: draws the elements the dashboard drew, from bare.json / bare.pkl (written by the bench)."""
import datetime as dt
import pathlib
import sys

import streamlit as st

HERE = pathlib.Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
from bare_data import load  # noqa: E402

SPEC, FRAMES, FIGURES = load(str(HERE))


def draw(node):
    kind = node["kind"]
    if kind == "flex_container" and node["horizontal"]:
        for col, child in zip(st.columns([c["weight"] for c in node["children"]]), node["children"]):
            with col:
                for c in child["children"]:
                    draw(c)
    elif kind == "flex_container":
        with st.container(border=node["border"]):
            for c in node["children"]:
                draw(c)
    elif kind == "tab_container":
        labels = [t["label"] for t in node["children"]]
        extra = {"key": node["key"], "on_change": "rerun"} if node["key"] else {}
        if node["bind"]:
            extra["bind"] = "query-params"
        for tab, child in zip(st.tabs(labels, **extra), node["children"]):
            with tab:
                for c in child["children"]:
                    draw(c)
    elif kind == "expandable":
        with st.expander(node["label"]):
            for c in node["children"]:
                draw(c)
    elif kind in ("title", "header", "subheader", "caption", "markdown"):
        getattr(st, kind)(node["body"])
    elif kind in ("warning", "info", "error", "success"):
        getattr(st, kind)(node["body"], icon=node["icon"])
    elif kind == "metric":
        st.metric(node["label"], node["body"])
    elif kind == "dataframe":
        st.dataframe(FRAMES[node["frame"]], column_config=node["columns"])
    elif kind == "plotly_chart":
        st.plotly_chart(FIGURES[node["figure"]], config=node["config"], theme=node["theme"], key=node["key"])
    elif kind == "selectbox":
        st.selectbox(node["label"], node["options"], index=node["index"], help=node["help"], key=node["key"])
    elif kind == "multiselect":
        st.multiselect(node["label"], node["options"], default=node["default"], help=node["help"],
                       placeholder=node["placeholder"], key=node["key"])
    elif kind == "date_input":
        day = dt.date.fromisoformat
        st.date_input(node["label"], value=tuple(day(v) for v in node["value"]), min_value=day(node["min"]),
                      max_value=day(node["max"]), help=node["help"], format=node["format"], key=node["key"])
    elif kind == "html":
        st.html(node["body"], unsafe_allow_javascript=node["js"])
    elif kind in ("toggle", "checkbox"):
        getattr(st, kind)(node["label"], value=node["value"], help=node["help"], key=node["key"])
    elif kind == "button_group":
        options = node["options"]
        st.segmented_control(node["label"], options, default=[options[i] for i in node["default"]][0] if node["default"]
                             else None, help=node["help"], key=node["key"])
    elif kind == "button":
        st.button(node["label"], icon=node["icon"], key=node["key"])
    else:
        raise NotImplementedError(kind)


for node in SPEC["main"]:
    draw(node)
with st.sidebar:
    for node in SPEC["sidebar"]:
        draw(node)
'''

# The servers' entry points: the session marked signed in, the page run through st.navigation (both alike).
WRAPPER = """import streamlit as st

st.session_state.setdefault("cr_staff_username", {user!r})  # as after the sign-in form
st.navigation([st.Page({page!r})], position="hidden").run()
"""


def write_bare(spec: dict[str, Any], frames: list[Any], folder: Path) -> Path:
    """The bare page and its precomputed figures in ``folder``; the script's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bare.json").write_text(json.dumps(spec))
    (folder / "bare.pkl").write_bytes(pickle.dumps(frames))
    (folder / "bare_data.py").write_text(BARE_DATA)
    script = folder / "bare.py"
    script.write_text(BARE)
    return script


# ----- in-process ----------------------------------------------------------------------------------------------

RUNS: list[float] = []  # durations of the script runner's runs since cleared


def _time_script_runs() -> None:
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    if getattr(ScriptRunner._run_script, "timed", False):
        return
    plain = ScriptRunner._run_script

    def timed(self: Any, rerun_data: Any) -> None:
        t = time.perf_counter()
        try:
            plain(self, rerun_data)
        finally:
            RUNS.append(time.perf_counter() - t)

    timed.timed = True  # type: ignore[attr-defined]
    ScriptRunner._run_script = timed  # type: ignore[method-assign]


def password_hash() -> str:
    from access.accounts import hash_password

    return hash_password("benchmark-password", n=PASSWORD_HASH_N)


def page_test(pw: str) -> Any:
    """The dashboard under AppTest, signed in as a coach (not run yet)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PAGE), default_timeout=300)
    at.secrets["accounts"] = {USER: {"password_hash": pw, "role": "coach"}}
    at.session_state["cr_staff_username"] = USER
    return at


def checked_run(at: Any) -> tuple[float, float]:
    """(script-run seconds, at.run() wall seconds) of one full run; fails on any error shown."""
    RUNS.clear()
    t = time.perf_counter()
    at.run()
    wall = time.perf_counter() - t
    if at.exception or at.error:
        raise RuntimeError(f"the run failed: {at.exception} {[e.value for e in at.error]}")
    return sum(RUNS), wall


def same_drawing(a: Any, b: Any) -> None:
    """A and B drew the same: element types in order, chart specs, table values."""
    if shape(a) != shape(b):
        raise AssertionError(f"element trees differ:\nA {shape(a)}\nB {shape(b)}")
    charts_a, charts_b = a.get("plotly_chart"), b.get("plotly_chart")
    for x, y in zip(charts_a, charts_b, strict=True):
        if json.loads(x.proto.spec) != json.loads(y.proto.spec):
            raise AssertionError("a chart's figure differs between A and B")
    for x, y in zip(a.dataframe, b.dataframe, strict=True):
        if not x.value.equals(y.value):
            raise AssertionError("a table differs between A and B")


def setup(folder: Path) -> tuple[Any, Any]:
    """A run once (its caches warm), captured; B written and run once; both checked alike: (A, B) AppTests."""
    from streamlit.testing.v1 import AppTest

    _time_script_runs()
    a = page_test(password_hash())
    checked_run(a)
    spec, frames = capture(a)
    b = AppTest.from_file(str(write_bare(spec, frames, folder)), default_timeout=300)
    checked_run(b)
    same_drawing(a, b)
    return a, b


def rotation(arms: list[str], r: int) -> list[str]:
    """Round r's order: rotated by one each round, reversed every other cycle (each arm leads equally)."""
    n = len(arms)
    order = arms[r % n :] + arms[: r % n]
    return order[::-1] if (r // n) % 2 else order


def in_process(folder: Path, rounds: int, recompile: bool = False) -> dict[str, dict[str, list[float]]]:
    """A and B alternated ``rounds`` times after a warm-up of each: script-run and wall seconds per run.
    Each script is compiled once, as on a server (``server_like``), unless ``recompile`` (AppTest's own way:
    every run re-compiles its script)."""
    if not recompile:
        share_script_cache()
    a, b = setup(folder)
    return alternated({"A": a, "B": b}, rounds)


def alternated(arms: dict[str, Any], rounds: int) -> dict[str, dict[str, list[float]]]:
    """``rounds`` of each arm (an AppTest), order rotating each round, after a warm-up of each.

    Every arm must draw what B draws (checked after the warm-up and again at the end)."""
    for at in arms.values():  # warm-up
        checked_run(at)
        same_drawing(at, arms["B"])
    out: dict[str, dict[str, list[float]]] = {arm: {"script": [], "wall": []} for arm in arms}
    for r in range(rounds):
        for arm in rotation(list(arms), r):
            script, wall = checked_run(arms[arm])
            out[arm]["script"].append(script)
            out[arm]["wall"].append(wall)
    for at in arms.values():
        same_drawing(at, arms["B"])
    return out


# ----- browser -------------------------------------------------------------------------------------------------

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
exec(os.environ["BENCH_LIFT_TTL"], {})
sys.argv = ["streamlit", "run", *sys.argv[1:]]
main()
"""

# Milliseconds from navigation start to: every chart drawn, every table's grid, every metric, nothing stale.
DRAWN = """([charts, tables, metrics]) => {
  const plots = [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')]
    .filter(p => p.querySelector('.main-svg') && p.querySelector('g.trace'));
  const grids = [...document.querySelectorAll('[data-testid="stDataFrame"]')]
    .filter(d => d.querySelector('canvas') && d.getBoundingClientRect().height > 0);
  const shown = document.querySelectorAll('[data-testid="stMetric"]').length;
  if (plots.length < charts || grids.length < tables || shown < metrics) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  return performance.now();
}"""


class Server:
    """``streamlit run wrapper`` from the repository root on a loopback port; its script runs timed."""

    def __init__(self, wrapper: Path, env: dict[str, str], folder: Path, name: str) -> None:
        from tests.browser.conftest import _wait_healthy, free_port

        launcher = folder / "launch.py"
        launcher.write_text(LAUNCHER)
        self.runs = folder / f"{name}.runs"
        self.runs.write_text("")
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(folder / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, str(launcher), str(wrapper), "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--secrets.files", str(folder / "secrets.toml")],
            cwd=ROOT, env={**env, "BENCH_RUNS": str(self.runs)}, stdout=self.log, stderr=self.log,
        )  # fmt: skip
        _wait_healthy(self.url, self.proc)

    def mark(self) -> int:
        return len(self.runs.read_text().split())

    def since(self, mark: int) -> float:
        deadline = time.monotonic() + 5
        while True:
            lines = self.runs.read_text().split()
            if len(lines) > mark or time.monotonic() > deadline:
                return sum(float(x) for x in lines[mark:])
            time.sleep(0.01)

    def stop(self) -> None:
        from tests.browser.conftest import stop_process

        stop_process(self.proc)
        self.log.close()


def counts(spec: dict[str, Any]) -> list[int]:
    """[charts, tables, metrics] in a captured spec."""
    found = {"plotly_chart": 0, "dataframe": 0, "metric": 0}

    def walk(node: dict[str, Any]) -> None:
        if node["kind"] in found:
            found[node["kind"]] += 1
        for child in node.get("children", []):
            walk(child)

    for node in spec["main"] + spec["sidebar"]:
        walk(node)
    return [found["plotly_chart"], found["dataframe"], found["metric"]]


def load_once(context: Any, server: Server, want: list[int]) -> tuple[float, float]:
    """(navigation start → drawn, the server's script-run time), in seconds; a new tab, a new session."""
    page = context.new_page()
    mark = server.mark()
    page.goto(server.url, wait_until="commit")
    handle = page.wait_for_function(DRAWN, arg=want, polling="raf", timeout=120_000)
    elapsed = float(handle.json_value()) / 1000
    page.close()
    return elapsed, server.since(mark)


def in_browser(folder: Path, url: str, rounds: int, views: dict[str, dict[str, Any]]) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import ARGS, CHROMIUM

    spec = json.loads((folder / "bare.json").read_text())
    want = counts(spec)
    (folder / "secrets.toml").write_text(f'[accounts.{USER}]\npassword_hash = "{password_hash()}"\nrole = "coach"\n')
    wrappers = {}
    for arm, page in (("A", PAGE), ("B", folder / "bare.py")):
        wrappers[arm] = folder / f"{arm.lower()}_entry.py"
        wrappers[arm].write_text(WRAPPER.format(user=USER, page=str(page)))
    env = {**os.environ, "CAREER_RADAR_DATABASE_URL": url, "PYTHONPATH": str(ROOT), "BENCH_LIFT_TTL": LIFT_TTL}
    servers: dict[str, Server] = {}
    results: dict[str, Any] = {}
    try:
        for arm, wrapper in wrappers.items():
            servers[arm] = Server(wrapper, env, folder, arm.lower())
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for view, context_args in views.items():
                context = browser.new_context(**context_args)
                for server in servers.values():  # warm-up: A's reads cached, the browser's HTTP cache filled
                    load_once(context, server, want)
                times: dict[str, dict[str, list[float]]] = {arm: {"client": [], "server": []} for arm in servers}
                for r in range(rounds):
                    for arm in rotation(list(servers), r):
                        client, server_s = load_once(context, servers[arm], want)
                        times[arm]["client"].append(client)
                        times[arm]["server"].append(server_s)
                context.close()
                results[view] = times
            browser.close()
    finally:
        for server in servers.values():
            server.stop()
    return results


# ----- reporting and main --------------------------------------------------------------------------------------


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _ms(xs: list[float]) -> str:
    return spread(xs, 1e-3, ",.1f", " ms")


def report(title: str, a: list[float], b: list[float]) -> float:
    """Print A, B and the ratio of medians with the per-round range; the ratio."""
    per = [x / y for x, y in zip(a, b, strict=True)]
    ratio = statistics.median(a) / statistics.median(b)
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"{title}\n  A page  {_ms(a)}\n  B bare  {_ms(b)}")
    print(
        f"  A/B     {ratio:.2f}× (per round {min(per):.2f}–{max(per):.2f}×, n={len(a)})  target ≤ {TARGET}: {verdict}"
    )
    return ratio


VIEWS: dict[str, dict[str, Any]] = {
    "1280×800": {"viewport": {"width": 1280, "height": 800}},
    "360×740": {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
                "has_touch": True},
}  # fmt: skip


def prepare(n: int, seed: int, reuse: bool) -> tuple[str, Callable[[], None]]:
    """(database URL, cleanup): the SQLite file with n submitted responses, loaded unless already there."""
    from bench_dashboard import load_data

    path = ROOT / "bench" / "out" / f"dashdraw-{n}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{path}"
    load_data(url, n, seed)

    def cleanup() -> None:
        if not reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    return url, cleanup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="submitted responses (default 20000)")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds (30 in-process, 10 browser)")
    parser.add_argument("--browser", action="store_true", help="measure in Chromium (1280 and 360 px) as well")
    parser.add_argument("--views", default=",".join(VIEWS), help="browser viewports (default both)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reuse", action="store_true", help="keep the database in bench/out for the next run")
    parser.add_argument(
        "--recompile",
        action="store_true",
        help="in-process: let AppTest re-compile each script on every run (a server compiles it once)",
    )
    args = parser.parse_args(argv)
    url, cleanup = prepare(args.n, args.seed, args.reuse)
    os.environ["CAREER_RADAR_DATABASE_URL"] = url
    lift_ttl()
    ok = True
    try:
        print(f"load average {_loadavg()} (start); {args.n:,} responses; {date.today().isoformat()}", flush=True)
        rounds = args.rounds or 30
        times = in_process(OUT, rounds, args.recompile)
        print(f"\nload average {_loadavg()}")
        ok &= (
            report("in-process (AppTest), script-run time per full run", times["A"]["script"], times["B"]["script"])
            <= TARGET
        )
        report("in-process (AppTest), at.run() wall time", times["A"]["wall"], times["B"]["wall"])
        if args.browser:
            views = {v: VIEWS[v] for v in args.views.split(",")}
            results = in_browser(OUT, url, args.rounds or 10, views)
            for view, t in results.items():
                print(f"\nload average {_loadavg()}")
                title = f"Chromium {view}: navigation start → all charts, tables and metrics drawn"
                ok &= report(title, t["A"]["client"], t["B"]["client"]) <= TARGET
                report(f"Chromium {view}: the server's script-run time for the same loads",
                       t["A"]["server"], t["B"]["server"])  # fmt: skip
        print(f"\nload average {_loadavg()} (end)")
    finally:
        cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
