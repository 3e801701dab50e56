"""The dashboard's test–retest section in AppTest: figures from 30 candidates, a message at 29, coaches only.

Each store holds candidates who took the minimal questionnaire and retook it 20 days later (linked with
SQL: nothing on main writes ``previous_id`` yet). The overall r shown is checked against numpy's corrcoef
of the stored overall scores, computed here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from access.accounts import AccessDenied, Account, hash_password
from cohort import retest as rt
from service import submissions
from storage import Attribution, Filters, Store
from storage.schema import responses
from ui import dashboard_retest

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "ui" / "pages" / "dashboard.py")
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
FAST_HASH = hash_password("a long test password", n=2**4)
ACCOUNTS = {
    "sam": {"password_hash": FAST_HASH, "role": "coach"},
    "dana": {"password_hash": FAST_HASH, "role": "recruiter", "recruiter_id": "dana-whitfield"},
}
COACH = Account(username="sam", role="coach")


def _answers(rng: np.random.Generator, base: np.ndarray) -> dict[str, Any]:
    levels = np.clip(base + rng.integers(-1, 2, size=5), 1, 5)
    p1, p2, p3, e1, e2 = (int(v) for v in levels)
    return {"p1": p1, "p2": 6 - p2, "p3": p3, "e1": e1, "e2": 6 - e2, "s1": "listen"}


def seed(url: str, q: Any, candidates: int) -> list[tuple[float, float]]:
    """``candidates`` people, each submitting twice 20 days apart; returns their (first, second) overall scores.

    The noisy answers get many attempts flagged "inconsistent": the section is read with flagged responses in.
    """
    rng = np.random.default_rng(candidates)
    overalls = []
    with Store(url) as store:
        for i in range(candidates):
            base = rng.integers(1, 6, size=5)
            ids, scores = [], []
            for when in (NOW - timedelta(days=60, minutes=i), NOW - timedelta(days=40, minutes=i)):
                started = store.start(q, Attribution("dana-whitfield", "spring"), now=when - timedelta(minutes=9))
                stored = submissions.submit(store, started.resume_token, _answers(rng, base), now=when)
                scores.append(stored.overall)
                with store.engine.begin() as conn:
                    ids.append(conn.scalar(select(responses.c.id).where(responses.c.public_id == started.public_id)))
            with store.engine.begin() as conn:
                conn.execute(update(responses).where(responses.c.id == ids[1]).values(previous_id=ids[0]))
            overalls.append((scores[0], scores[1]))
    return overalls


@pytest.fixture(scope="module", params=[30, 29], ids=["30-pairs", "29-pairs"])
def cohort(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, minimal_q: Any) -> Any:
    url = f"sqlite:///{tmp_path_factory.mktemp('retest') / 'store.sqlite3'}"
    return {"url": url, "n": request.param, "overalls": seed(url, minimal_q, request.param)}


@pytest.fixture
def env(cohort: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("CAREER_RADAR_DATABASE_URL", cohort["url"])
    for name in ("CAREER_RADAR_MIN_GROUP", "CAREER_RADAR_RETEST_MIN_DAYS", "CAREER_RADAR_PSYCHOMETRICS_MIN_N"):
        monkeypatch.delenv(name, raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield cohort
    st.cache_data.clear()


def section(url: str, days: int | None = None, lang: str | None = None) -> AppTest:
    def script(url: str) -> None:
        from datetime import UTC, datetime, timedelta

        from access.accounts import Account
        from cohort.figures import DashboardFilters
        from scoring.loader import load
        from tests.conftest import TEST_DATA
        from ui.dashboard_retest import show

        q = load(TEST_DATA / "good" / "minimal.yaml")
        today = datetime.now(UTC).date()
        f = DashboardFilters(
            scoring_key=q.scoring_key, since=today - timedelta(days=180), until=today, include_flagged=True
        )
        show(Account(username="sam", role="coach"), url, f, q, 5)

    at = AppTest.from_function(script, kwargs={"url": url}, default_timeout=30)
    if days is not None:
        at.session_state["cr_dash_retest_days"] = days
    if lang is not None:
        at.session_state["cr_lang"] = lang
    at.run()
    assert not at.exception, at.exception
    assert not at.error
    return at


def test_figures_from_thirty_pairs_and_a_message_below(env: dict[str, Any]) -> None:
    at = section(env["url"])
    if env["n"] < 30:
        assert not at.dataframe
        assert any("appear from 30 candidates" in i.value and "there are 29" in i.value for i in at.info)
        return
    assert not at.info, [i.value for i in at.info]
    shown = at.dataframe[0].value
    assert list(shown["measure"]) == ["Overall", "Recruiter partnership", "Opportunity exploration"]
    assert list(shown["n"]) == ["30"] * 3
    first, second = np.array(env["overalls"]).T
    expected = float(np.corrcoef(first, second)[0, 1])
    assert shown.loc[0, "r"] == pytest.approx(expected, abs=1e-9)
    half = 1.959964 / np.sqrt(30 - 3)  # Fisher z, written out here
    low, high = np.tanh(np.arctanh(expected) - half), np.tanh(np.arctanh(expected) + half)
    assert shown.loc[0, "r_ci"] == f"[{low:.2f}, {high:.2f}]"
    assert shown.loc[0, "change"] == pytest.approx(float(np.mean(second - first)), abs=1e-9)
    reading = " ".join(m.value for m in at.markdown)
    assert f"r = {expected:.2f}" in reading and "at least 14 days apart" in reading


def test_the_section_speaks_german(env: dict[str, Any]) -> None:
    at = section(env["url"], lang="de")
    assert [h.value for h in at.subheader] == ["Test-Retest"]
    if env["n"] >= 30:
        assert "korrelieren die Gesamtwerte" in " ".join(m.value for m in at.markdown)
    else:
        assert "es sind 29" in at.info[0].value


def test_a_gap_longer_than_the_retakes_hides_everything(env: dict[str, Any]) -> None:
    at = section(env["url"], days=21)
    assert not at.dataframe
    assert any("there are 0" in i.value for i in at.info)


def test_the_default_gap_comes_from_the_setting(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREER_RADAR_RETEST_MIN_DAYS", "25")
    at = section(env["url"])
    assert at.number_input(key="cr_dash_retest_days").value == 25
    assert not at.dataframe
    monkeypatch.setenv("CAREER_RADAR_RETEST_MIN_DAYS", "soon")
    assert dashboard_retest.min_days_setting() == dashboard_retest.DEFAULT_MIN_DAYS


def test_the_k_minimum_above_thirty_applies(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    def script(url: str) -> None:
        from datetime import UTC, datetime, timedelta

        from access.accounts import Account
        from cohort.figures import DashboardFilters
        from scoring.loader import load
        from tests.conftest import TEST_DATA
        from ui.dashboard_retest import show

        q = load(TEST_DATA / "good" / "minimal.yaml")
        today = datetime.now(UTC).date()
        f = DashboardFilters(
            scoring_key=q.scoring_key, since=today - timedelta(days=180), until=today, include_flagged=True
        )
        show(Account(username="sam", role="coach"), url, f, q, 40)

    at = AppTest.from_function(script, kwargs={"url": env["url"]}, default_timeout=30).run()
    assert not at.exception and not at.dataframe
    # Below k the count itself is withheld.
    assert any("appear from 40 candidates" in i.value and "there are fewer than 40" in i.value for i in at.info)


def test_the_dashboard_page_shows_the_section_to_a_coach(env: dict[str, Any]) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.secrets["accounts"] = ACCOUNTS
    at.session_state["cr_staff_username"] = "sam"
    at.session_state["cr_dash_flagged"] = True
    at.session_state["dash_tab"] = "Psychometrics"
    at.run()
    assert not at.exception, at.exception
    assert "Test–retest" in [h.value for h in at.subheader]
    assert bool(at.dataframe and "r_ci" in at.dataframe[-1].value.columns) is (env["n"] >= 30)


def test_the_read_refuses_a_recruiter() -> None:
    recruiter = Account(username="dana", role="recruiter", recruiter_id="dana-whitfield")
    for who in (recruiter, None):
        with pytest.raises(AccessDenied):
            dashboard_retest.read_pairs(who, "sqlite://", Filters(), 14)  # type: ignore[arg-type]
    assert COACH.reads_cohorts


def test_a_measure_with_too_few_pairs_is_withheld_on_its_own_row() -> None:
    rng = np.random.default_rng(5)
    first = rng.normal(50, 10, 35)
    frame = {
        "first:overall": first,
        "second:overall": first + rng.normal(0, 5, 35),
        "first:dim": np.where(np.arange(35) < 10, np.nan, first),  # 25 pairs only
        "second:dim": first,
    }
    table = rt.publishable(rt.retest_table(pd.DataFrame(frame), ["overall", "dim"]), 5)
    shown = dashboard_retest._shown(table, {"overall": "Overall", "dim": "Habit"}, 5, 30)
    assert list(shown["n"]) == ["35", "25"]
    assert not np.isnan(shown.loc[0, "r"]) and np.isnan(shown.loc[1, "r"])
    assert shown.loc[1, "r_ci"] == "—" and shown.loc[1, "note"] == "fewer than 30 pairs: not shown"
    assert shown.loc[0, "note"] == ""
