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

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import bench_dash_draw as bd  # noqa: E402


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from scoring.loader import load
    from service.demo import DEFAULT_QUESTIONNAIRE, load_demo
    from storage import Store

    folder = tmp_path_factory.mktemp("dashdraw")
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    with Store(url) as store:
        load_demo(store, load(DEFAULT_QUESTIONNAIRE), 150, seed=1, weeks=4, max_slow=10)
    before = os.environ.get("CAREER_RADAR_DATABASE_URL")
    os.environ["CAREER_RADAR_DATABASE_URL"] = url
    yield folder
    if before is None:
        os.environ.pop("CAREER_RADAR_DATABASE_URL", None)
    else:
        os.environ["CAREER_RADAR_DATABASE_URL"] = before


def test_the_bare_page_draws_what_the_dashboard_drew_and_one_round_is_timed(database: Path) -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()  # the store of another test's database must not be reused
    times = bd.in_process(database / "out", rounds=1)
    assert {arm: [len(v) for v in t.values()] for arm, t in times.items()} == {"A": [1, 1], "B": [1, 1]}
    assert all(x > 0 for t in times.values() for v in t.values() for x in v)
    spec = json.loads((database / "out" / "bare.json").read_text())
    assert bd.counts(spec) == [3, 2, 5]  # Scores tab: three charts, the languages and band tables, five metrics


def test_a_bare_page_that_draws_something_else_is_caught(database: Path) -> None:
    from streamlit.testing.v1 import AppTest

    a, _b = bd.setup(database / "out")
    spec, frames = bd.capture(a)
    charts = json.loads(spec["main"][-1]["children"][0]["children"][0]["spec"])  # the first chart in the tab
    charts["data"][0]["name"] = "something else"
    spec["main"][-1]["children"][0]["children"][0]["spec"] = json.dumps(charts)
    other = AppTest.from_file(str(bd.write_bare(spec, frames, database / "other")), default_timeout=60)
    bd.checked_run(other)
    with pytest.raises(AssertionError, match="chart"):
        bd.same_drawing(a, other)
    del spec["main"][0]  # the title gone: the element trees differ
    fewer = AppTest.from_file(str(bd.write_bare(spec, frames, database / "fewer")), default_timeout=60)
    bd.checked_run(fewer)
    with pytest.raises(AssertionError, match="element trees differ"):
        bd.same_drawing(a, fewer)
