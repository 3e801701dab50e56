"""ui.dashboard_first: the filter lists and the first render are built once per selection and language, held,
drawn unchanged on every rerun, checked per account before the cache, and rebuilt when the selection,
the language or the data (after the cache is dropped) changes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from access.accounts import AccessDenied, Account, hash_password
from cohort import figures as cf
from reports import cohort_charts
from scoring.loader import load
from service.demo import DEFAULT_QUESTIONNAIRE, load_demo
from storage import Store
from ui import dashboard_first

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "ui" / "pages" / "dashboard.py")
ACCOUNTS = {
    "sam": {"password_hash": hash_password("a long test password", n=2**4), "role": "coach"},
}
BUILDERS = ("distribution_figure", "band_split_figure", "dimension_distributions_figure")


@pytest.fixture
def store_url(tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite store with 60 demo responses, the app pointed at it, every cache cold."""
    url = f"sqlite:///{tmp_path / 'first.sqlite3'}"
    with Store(url) as store:
        load_demo(store, load(DEFAULT_QUESTIONNAIRE), 60, seed=3, weeks=2, max_slow=5)
    before = os.environ.get("CAREER_RADAR_DATABASE_URL")
    os.environ["CAREER_RADAR_DATABASE_URL"] = url
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        yield url
    finally:
        if before is None:
            os.environ.pop("CAREER_RADAR_DATABASE_URL", None)
        else:
            os.environ["CAREER_RADAR_DATABASE_URL"] = before
        st.cache_resource.clear()
        st.cache_data.clear()


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often each chart builder and ``cohort.figures.instruments`` ran."""
    counts = {name: 0 for name in (*BUILDERS, "instruments")}

    def counting(module: Any, name: str) -> None:
        real = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    for name in BUILDERS:
        counting(cohort_charts, name)
    counting(cf, "instruments")
    return counts


def page(lang: str = "en") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.secrets["accounts"] = ACCOUNTS
    at.session_state["cr_staff_username"] = "sam"
    at.session_state["cr_lang"] = lang
    return at


def ran(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    return at


def drawn(at: AppTest) -> tuple[list[Any], list[str], list[str]]:
    """(chart specs, table CSVs, metric values): what the first render put on screen."""
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    tables = [d.value.to_csv(index=False) for d in at.dataframe]
    return charts, tables, [m.value for m in at.metric]


def test_a_rerun_draws_the_held_render_without_building_it_again(store_url: str, builds: dict[str, int]) -> None:
    at = ran(page())
    assert all(builds[name] == 1 for name in BUILDERS) and builds["instruments"] == 1
    first = drawn(at)
    assert len(first[0]) == 3 and len(first[1]) == 2 and len(first[2]) == 5
    ran(at)  # a rerun (any widget click), then a second session on the same selection
    second = ran(page())
    assert builds == {**{name: 1 for name in BUILDERS}, "instruments": 1}
    assert drawn(at) == first and drawn(second) == first


def test_another_selection_or_language_is_built_and_held_apart(store_url: str, builds: dict[str, int]) -> None:
    at = ran(page())
    english = drawn(at)
    box = at.selectbox(key="cr_dash_recruiter")
    box.select(box.options[1])
    ran(at)
    assert builds["distribution_figure"] == 2 and builds["instruments"] == 1  # the lists are the database's
    narrowed = drawn(at)
    assert narrowed != english
    box = at.selectbox(key="cr_dash_recruiter")
    box.select(box.options[0])  # back to every recruiter: held, not rebuilt
    ran(at)
    assert builds["distribution_figure"] == 2 and drawn(at) == english
    german = ran(page("de"))
    assert builds["distribution_figure"] == 3 and builds["instruments"] == 2
    assert german.metric[0].label == "Begonnen" and drawn(german)[0] != english[0]  # labels in German
    # Band and dimension names come from the key's German text (questions/), not from the English one.
    de = load(ROOT / "questions" / "strategic-candidate.de.yaml")
    charts, tables, _ = drawn(german)
    assert de.dimensions[0].label in json.dumps(charts, ensure_ascii=False)
    assert "Partnership" not in json.dumps(charts) and "Partnership" in json.dumps(english[0])
    assert de.bands.overall[-1].label in tables[1] and "Strategic" not in tables[1]


def test_held_figures_draw_the_same_json_as_freshly_built_ones(store_url: str) -> None:
    at = ran(page())
    held = drawn(at)[0]
    dashboard_first.clear()
    st.cache_resource.clear()
    fresh = drawn(ran(page()))[0]
    assert held == fresh
    figure = go.Figure(go.Bar(x=np.arange(5), y=np.arange(5) * 1.5, name="<b>x</b>"), layout={"meta": {"alt": "a"}})
    held_form = dashboard_first.wire_form(figure)
    assert json.loads(held_form.to_json()) == json.loads(figure.to_json())
    assert held_form.layout.meta == {"alt": "a"}  # the page's caption reads it


def test_new_responses_show_once_the_held_render_expires(store_url: str) -> None:
    at = ran(page())
    before = at.metric[0].value
    with Store(store_url) as store:
        load_demo(store, load(DEFAULT_QUESTIONNAIRE), 30, seed=4, weeks=2, max_slow=5)
    assert ran(page()).metric[0].value == before  # held (for the TTL)
    dashboard_first.clear()  # what the TTL does
    assert ran(page()).metric[0].value != before


RECRUITER = Account(username="dana", role="recruiter", recruiter_id="dana-whitfield")


@pytest.mark.parametrize("who", [RECRUITER, None], ids=["recruiter", "nobody"])
def test_the_held_objects_are_refused_to_anyone_but_a_coach_even_when_warm(store_url: str, who: Any) -> None:
    ran(page())  # a coach warmed both caches for this database and selection
    q = load(DEFAULT_QUESTIONNAIRE)
    f = cf.DashboardFilters(q.scoring_key, date(2000, 1, 1), date(2100, 1, 1))
    with pytest.raises(AccessDenied):
        dashboard_first.catalogue(who, store_url, "en")
    with pytest.raises(AccessDenied):
        dashboard_first.first_render(who, store_url, q, f, cf.ReadPlan(bound=10, limit=10), 5, "en")
