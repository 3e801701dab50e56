"""Smoke test of bench/bench_dash_draw.py: its setup and one alternated AppTest round on a small database.

The bench's bare page must draw what the dashboard drew (element types in order, chart specs, table
values); these tests check that it does, and that the check notices when it does not.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import bench_dash_draw as bd  # noqa: E402


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any, Any]]:
    """(folder, A, B): the dashboard and the bench's bare page, each run once, on 60 demo responses."""
    import streamlit as st

    from scoring.loader import load
    from service.demo import DEFAULT_QUESTIONNAIRE, load_demo
    from storage import Store

    folder = tmp_path_factory.mktemp("dashdraw")
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    with Store(url) as store:
        load_demo(store, load(DEFAULT_QUESTIONNAIRE), 60, seed=1, weeks=2, max_slow=5)
    before = os.environ.get("CAREER_RADAR_DATABASE_URL")
    os.environ["CAREER_RADAR_DATABASE_URL"] = url
    st.cache_data.clear()
    st.cache_resource.clear()  # another test's store must not be reused
    try:
        yield folder, *bd.setup(folder / "out")
    finally:
        if before is None:
            os.environ.pop("CAREER_RADAR_DATABASE_URL", None)
        else:
            os.environ["CAREER_RADAR_DATABASE_URL"] = before
        st.cache_data.clear()
        st.cache_resource.clear()


def test_one_alternated_round_times_both_pages(pages: tuple[Path, Any, Any]) -> None:
    folder, a, b = pages
    times = bd.alternated({"A": a, "B": b}, 1)  # checks that both draw the same, too
    assert {arm: [len(v) for v in t.values()] for arm, t in times.items()} == {"A": [1, 1], "B": [1, 1]}
    assert all(x > 0 for t in times.values() for v in t.values() for x in v)
    spec = json.loads((folder / "out" / "bare.json").read_text())
    assert bd.counts(spec) == [3, 2, 5]  # Scores tab: three charts, the languages and band tables, five metrics


def test_a_bare_page_that_draws_something_else_is_caught(pages: tuple[Path, Any, Any]) -> None:
    from streamlit.testing.v1 import AppTest

    folder, a, _b = pages
    spec, frames = bd.capture(a)
    first_chart = spec["main"][-1]["children"][0]["children"][0]  # the Scores tab's first element
    figure = json.loads(first_chart["spec"])
    figure["data"][0]["name"] = "something else"
    first_chart["spec"] = json.dumps(figure)
    other = AppTest.from_file(str(bd.write_bare(spec, frames, folder / "other")), default_timeout=60)
    bd.checked_run(other)
    with pytest.raises(AssertionError, match="chart"):
        bd.same_drawing(a, other)
    del spec["main"][0]  # the title gone: the element trees differ
    fewer = AppTest.from_file(str(bd.write_bare(spec, frames, folder / "fewer")), default_timeout=60)
    bd.checked_run(fewer)
    with pytest.raises(AssertionError, match="element trees differ"):
        bd.same_drawing(a, fewer)


def test_in_process_runs_compile_each_script_once_as_a_server_does(tmp_path: Path) -> None:
    import server_like
    from streamlit.testing.v1 import AppTest

    script = tmp_path / "page.py"
    script.write_text("import streamlit as st\n\nst.write('hello')\n")
    server_like.share_script_cache()
    try:
        AppTest.from_file(str(script)).run()
        held = server_like.compiled(str(script))
        assert held is not None
        at = AppTest.from_file(str(script))
        at.run()
        at.run()
        assert server_like.compiled(str(script)) is held  # reused, not compiled again
        assert at.markdown[0].value == "hello"
    finally:
        server_like.restore()
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    assert app_test.ScriptCache is ScriptCache and server_like.compiled(str(script)) is None
