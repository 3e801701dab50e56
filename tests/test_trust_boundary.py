"""The trust boundary: nothing score- or answer-derived about a candidate who did not share reaches a recruiter.

The attack this guards against (issue 10): a recruiter answers their own campaign link a few times
with known answers; the target answers through the same link and does not share. Any aggregate of
that campaign then gives the target away: with n = 50, 50 · mean − (sum of the own 49) is the
target's overall score, and the item means give back every answer. So a recruiter gets no aggregate
at all — the coach dashboard refuses them, in the page and in every read — and what they can reach
("My candidates", the store calls behind it) holds shared results and started / completed / shared
counts only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from access.accounts import AccessDenied, Account, hash_password, require_cohort_reader
from cohort import aggregate as agg
from scoring.engine import score
from scoring.loader import load
from scoring.models import Questionnaire
from scoring.sample import generate
from service import submissions
from storage import Attribution, Store
from ui import dashboard_data

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
DASHBOARD = str(ROOT / "ui" / "pages" / "dashboard.py")
BANK = ROOT / "questions" / "strategic-candidate.yaml"
PASSWORD = "a long test password"
FAST_HASH = hash_password(PASSWORD, n=2**4)
ACCOUNTS = {
    "dana": {"password_hash": FAST_HASH, "role": "recruiter", "recruiter_id": "dana-whitfield"},
    "sam": {"password_hash": FAST_HASH, "role": "coach"},
}
TABS = ["Scores", "Compare", "Trend & drop-off", "Psychometrics", "Quality", "Export"]
OWN = 49  # the recruiter's own probe responses; with the target, 50: enough for the psychometrics tab
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
RECRUITER = Account(username="dana", role="recruiter", recruiter_id="dana-whitfield")
COACH = Account(username="sam", role="coach")


def _answers(q: Questionnaire, row: pd.Series) -> dict[str, Any]:
    items = {i.id for i in q.scored_items()}
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in items and value is not None and not (isinstance(value, float) and pd.isna(value)):
            out[key] = value if isinstance(value, str) else int(value)
    return out


def seed(store: Store, q: Questionnaire) -> dict[str, Any]:
    """OWN probe responses with known answers, one of them shared, and the target who does not share."""
    rows = generate(q, OWN + 1, seed=11, straightliner_share=0, speeder_share=0)
    own: list[dict[str, Any]] = []
    shared_id = ""
    for i in range(OWN):
        answers = _answers(q, rows.iloc[i])
        started = store.start(q, Attribution("dana-whitfield", "probe"), now=NOW - timedelta(hours=3))
        submissions.submit(store, started.resume_token, answers, now=NOW - timedelta(hours=2, minutes=50))
        own.append(answers)
        if i == 0:
            store.set_shared(
                started.resume_token,
                True,
                manage_token=started.delete_token,
                name="Probe Shared",
                email="probe@example.com",
            )
            shared_id = started.public_id
    target_answers = _answers(q, rows.iloc[OWN])
    target = store.start(q, Attribution("dana-whitfield", "probe"), now=NOW - timedelta(hours=2))
    stored = submissions.submit(store, target.resume_token, target_answers, now=NOW - timedelta(hours=1, minutes=50))
    return {"own": own, "target": target.public_id, "target_result": stored, "shared": shared_id}


@pytest.fixture(scope="module")
def attack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('trust') / 'store.sqlite3'}"
    q = load(BANK)
    with Store(url) as store:
        seeded = seed(store, q)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAREER_RADAR_DATABASE_URL", url)
        for name in ("CAREER_RADAR_MIN_GROUP", "CAREER_RADAR_PSYCHOMETRICS_MIN_N"):
            patch.delenv(name, raising=False)
        yield {**seeded, "q": q, "url": url}


@pytest.fixture
def fresh(attack: dict[str, Any]) -> Iterator[dict[str, Any]]:
    st.cache_resource.clear()
    st.cache_data.clear()
    yield attack
    st.cache_data.clear()


def dashboard(user: str, tab: str) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.secrets["accounts"] = ACCOUNTS
    at.session_state["cr_staff_username"] = user
    at.session_state["cr_dash_flagged"] = True  # every response counted, as an attacker would choose
    at.session_state["dash_tab"] = tab
    at.run()
    assert not at.exception, at.exception
    return at


def _target_overall_from(compare: pd.DataFrame, own: list[dict[str, Any]], q: Questionnaire) -> float:
    """The attack itself: n · mean − the sum of one's own scores."""
    row = compare[(compare["campaign"] == "probe") & (compare["measure"] == "Overall")].iloc[0]
    own_sum = sum(score(q, answers).overall for answers in own)
    return float(row["n"]) * float(row["mean"]) - own_sum


def test_the_attack_works_on_the_figures_a_coach_sees(fresh: dict[str, Any]) -> None:
    # Why the boundary matters: the same page, for a coach, gives the target's score away exactly.
    at = dashboard("sam", "Compare")
    compare = next(d.value for d in at.dataframe if "measure" in d.value.columns)
    assert int(compare[(compare["campaign"] == "probe") & (compare["measure"] == "Overall")]["n"].iloc[0]) == OWN + 1
    recovered = _target_overall_from(compare, fresh["own"], fresh["q"])
    assert recovered == pytest.approx(fresh["target_result"].overall, abs=1e-6)


@pytest.mark.parametrize("tab", TABS)
def test_a_recruiter_running_the_attack_gets_no_figures(fresh: dict[str, Any], tab: str) -> None:
    at = dashboard("dana", tab)
    assert any("for coaches and admins" in w.value for w in at.warning)
    assert not at.metric and not at.dataframe and not at.table
    assert not at.get("plotly_chart") and not at.get("download_button")
    assert not at.selectbox and not at.multiselect and not at.tabs
    shown = " ".join(str(e.value) for kind in ("markdown", "caption", "info", "warning") for e in getattr(at, kind))
    assert "probe" not in shown and "Mean" not in shown


def test_a_recruiter_with_a_forged_tab_or_filters_still_gets_nothing(fresh: dict[str, Any]) -> None:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.secrets["accounts"] = ACCOUNTS
    at.session_state["cr_staff_username"] = "dana"
    at.session_state["cr_dash_recruiter"] = "dana-whitfield"
    at.session_state["cr_dash_campaigns"] = ["probe"]
    at.query_params["dash_tab"] = "Psychometrics"
    at.run()
    assert not at.exception
    assert not at.metric and not at.dataframe and not at.get("plotly_chart") and not at.get("download_button")


@pytest.mark.parametrize(
    "call",
    [
        lambda a: dashboard_data.read_versions(a, "sqlite://"),
        lambda a: dashboard_data.read_campaigns(a, "sqlite://", "dana-whitfield"),
        lambda a: dashboard_data.read_responses(a, "sqlite://", "h" * 64, NOW, NOW, "dana-whitfield", 10, "probe"),
        lambda a: dashboard_data.read_groups(a, "sqlite://", "campaign", "h" * 64, NOW, NOW, "dana-whitfield", None),
        lambda a: dashboard_data.read_answers(a, "sqlite://", "h" * 64, NOW, NOW, "dana-whitfield", 10),
    ],
    ids=["versions", "campaigns", "responses", "groups", "answers"],
)
@pytest.mark.parametrize("who", [RECRUITER, None, "coach"], ids=["recruiter", "nobody", "a-role-string"])
def test_every_dashboard_read_refuses_anyone_but_a_coach_or_admin(call: Any, who: Any) -> None:
    # Checked before the cache or the store is touched: the dummy URL is never opened.
    with pytest.raises(AccessDenied):
        call(who)


def test_the_policy_names_coaches_and_admins_only() -> None:
    assert require_cohort_reader(COACH) is COACH
    admin = Account(username="ops", role="admin")
    assert require_cohort_reader(admin) is admin
    assert not RECRUITER.reads_cohorts
    with pytest.raises(AccessDenied, match="not recruiter"):
        require_cohort_reader(RECRUITER)


# ----- what a recruiter can reach -----------------------------------------------------------------


def everything_shown(at: AppTest) -> str:
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success", "code"):
        parts.extend(str(el.value) for el in getattr(at, kind))
    for frame in at.dataframe:
        parts.append(frame.value.to_csv(index=False))
    return "\n".join(parts)


def test_my_candidates_shows_the_target_nowhere(fresh: dict[str, Any]) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["accounts"] = ACCOUNTS
    at.run()
    at.switch_page("ui/pages/recruiter.py").run()
    fields = {t.label: t for t in at.text_input}
    fields["Username"].input("dana")
    fields["Password"].input(PASSWORD)
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert not at.exception and not at.error
    text = everything_shown(at)
    assert "Probe Shared" in text  # the one shared result is there
    assert fresh["target"][:8] not in text
    counts = next(d.value for d in at.dataframe if "campaign" in d.value.columns)
    # Counts only: no column of the campaign table is a score or a mean.
    assert set(counts.columns) <= {"campaign", "started", "completed", "shared"}
    assert counts.set_index("campaign").loc["probe", ["started", "completed", "shared"]].tolist() == [OWN + 1] * 2 + [1]


def test_store_reads_a_recruiter_can_reach_never_include_a_non_sharer(store: Store) -> None:
    q = load(BANK)
    seeded = seed(store, q)
    counts = store.campaign_counts("dana-whitfield")
    assert list(counts.columns) == ["recruiter_id", "campaign", "started", "completed", "shared"]
    frame = store.responses_frame(
        recruiter_id="dana-whitfield", shared_only=True, submitted_only=True, include_answers=True, include_contact=True
    )
    assert frame["response_id"].tolist() == [seeded["shared"]]
    assert seeded["target"] not in set(frame["response_id"])
    assert frame["shared"].all()
    # The same call without the sharing filter would hold the target: the filter is what keeps it out.
    everyone = store.responses_frame(recruiter_id="dana-whitfield", submitted_only=True)
    assert seeded["target"] in set(everyone["response_id"])


def test_the_export_columns_a_coach_gets_hold_no_contact_details(fresh: dict[str, Any]) -> None:
    q = fresh["q"]
    assert not [c for c in agg.export_columns(q, include_contact=False) if c.startswith("contact")]
