"""Coach dashboard in AppTest: sign-in gate, role scoping, k-suppression everywhere, psychometrics, versions.

One SQLite store per module holds two versions of the bank: version A with responses from two
recruiters' campaigns (one campaign deliberately tiny) and version B, whose answers are all maximally
strategic, so any pooling of the two would show in the counts and the means.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from access.accounts import hash_password
from cohort import aggregate as agg
from scoring.loader import load
from scoring.models import Questionnaire
from scoring.quality import FLAGS
from scoring.reliability import reliability_table
from scoring.sample import generate
from service import submissions
from service.bulk import bulk_load
from storage import Attribution, Store

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "ui" / "pages" / "dashboard.py")
BANK = ROOT / "questions" / "strategic-candidate.yaml"

PASSWORD = "a long test password"
FAST_HASH = hash_password(PASSWORD, n=2**4)  # cheap parameters; same format and check as production
ACCOUNTS = {
    "dana": {"password_hash": FAST_HASH, "role": "recruiter", "recruiter_id": "dana-whitfield"},
    "priya": {"password_hash": FAST_HASH, "role": "recruiter", "recruiter_id": "priya-raman"},
    "sam": {"password_hash": FAST_HASH, "role": "coach"},
}
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
# Version A: (recruiter, campaign, submitted responses) loaded in bulk.
CAMPAIGNS = [
    ("dana-whitfield", "spring", 40),
    ("dana-whitfield", "autumn", 30),
    ("dana-whitfield", "tiny", 3),
    ("priya-raman", "data-leads", 25),
    ("priya-raman", '=HYPERLINK("http://x")', 30),  # a hostile campaign name: tables and CSV
]
INJECTED = '=HYPERLINK("http://x")'
# Shared results (the candidate's own path); the last one shared without contact details.
SHARED = [("dana-whitfield", "spring", f"Candidate {i}", f"c{i}@example.com") for i in range(5)]
SHARED += [("dana-whitfield", "spring", None, None), ("priya-raman", "data-leads", "Casey", "casey@example.com")]
B_COUNT = 20
# Unfinished responses: (recruiter, campaign, page stopped on).
UNFINISHED = [("dana-whitfield", "spring", 0)] * 8 + [("dana-whitfield", "spring", 1)] * 6
UNFINISHED += [("dana-whitfield", "autumn", 2)] * 2 + [("priya-raman", "data-leads", 1)]


def _version_b(q: Questionnaire) -> Questionnaire:
    data = q.model_dump(mode="json")
    data["meta"]["version"] = "2.1.0"
    # Another instrument: a changed rule changes the scoring key (a new version label alone would not).
    data["scoring"]["near_boundary"] = data["scoring"]["near_boundary"] + 1
    return Questionnaire.model_validate(data)


def _answers(q: Questionnaire, row: pd.Series) -> dict[str, Any]:
    out = {}
    for item in q.scored_items():
        value = row[item.id]
        if value is not None and not pd.isna(value):
            out[item.id] = value if isinstance(value, str) else int(value)
    return out


def _answers_subset(q: Questionnaire, given: dict[str, Any]) -> dict[str, Any]:
    ids = {i.id for i in q.scored_items()}
    return {k: (v if isinstance(v, str) else int(v)) for k, v in given.items() if k in ids and not pd.isna(v)}


def _strategic(q: Questionnaire, n: int) -> pd.DataFrame:
    """n responses giving the most strategic answer everywhere."""
    row: dict[str, Any] = {}
    for item in q.scored_items():
        if hasattr(item, "scale"):
            values = q.scales[item.scale].values()
            row[item.id] = values[0] if item.reverse else values[-1]
        else:
            row[item.id] = max(item.options, key=lambda o: sum(o.scores.values())).id
    frame = pd.DataFrame([row] * n)
    frame["duration_seconds"] = 600.0
    return frame


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('dash') / 'radar.sqlite3'}"
    q = load(BANK)
    qb = _version_b(q)
    store = Store(url)
    parts = []
    rng = np.random.default_rng(11)
    for i, (recruiter, campaign, n) in enumerate(CAMPAIGNS):
        frame = generate(q, n, seed=100 + i, straightliner_share=0.1, speeder_share=0.05)
        frame["recruiter_id"] = recruiter
        frame["campaign"] = campaign
        frame["submitted_at"] = [NOW - timedelta(days=int(d)) for d in rng.integers(0, 40, n)]
        parts.append(frame.drop(columns=["response_id"]))
    bulk_load(store, q, pd.concat(parts, ignore_index=True))
    extra = generate(q, len(SHARED), seed=5, straightliner_share=0, speeder_share=0)
    for i, (recruiter, campaign, name, email) in enumerate(SHARED):  # the candidate's own path
        started = store.start(q, Attribution(recruiter, campaign), now=NOW - timedelta(hours=2))
        submissions.submit(store, started.resume_token, _answers(q, extra.iloc[i]), now=NOW - timedelta(hours=1))
        store.set_shared(started.resume_token, True, manage_token=started.delete_token, name=name, email=email)
    for recruiter, campaign, stopped in UNFINISHED:
        started = store.start(q, Attribution(recruiter, campaign), now=NOW - timedelta(hours=3))
        first = {it.id: extra.iloc[0][it.id] for it in q.sections[0].items if it.id in extra.columns}
        store.save_answers(started.resume_token, _answers_subset(q, first), page=stopped, now=NOW)
    b = _strategic(qb, B_COUNT)
    b["recruiter_id"] = "dana-whitfield"
    b["campaign"] = "spring"
    b["submitted_at"] = NOW - timedelta(days=2)
    bulk_load(store, qb, b)
    store.close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAREER_RADAR_DATABASE_URL", url)
        for name in ("CAREER_RADAR_MIN_GROUP", "CAREER_RADAR_PSYCHOMETRICS_MIN_N"):
            patch.delenv(name, raising=False)
        yield {"url": url, "q": q, "qb": qb}


@pytest.fixture
def fresh(data: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The seeded store with cold Streamlit caches, and the download buttons' data captured."""
    st.cache_resource.clear()
    st.cache_data.clear()
    downloads: dict[str, Any] = {}
    real_deferred, real_add = MediaFileManager.add_deferred, MediaFileManager.add

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        downloads[file_name] = data_callable
        return real_deferred(self, data_callable, mimetype, coordinates, file_name, **kw)

    def add(self, path_or_data, mimetype, coordinates, file_name=None, **kw):
        if file_name:
            downloads[file_name] = path_or_data
        return real_add(self, path_or_data, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    monkeypatch.setattr(MediaFileManager, "add", add)
    yield {**data, "downloads": downloads}
    st.cache_data.clear()


TABS = ["Scores", "Compare", "Trend & drop-off", "Psychometrics", "Quality", "Export"]


def page(user: str | None = None, tab: str = "Scores", recruiter: str | None = None, lang: str = "en") -> AppTest:
    """The dashboard run once, signed in as ``user``, with ``tab`` open (only the open tab runs).

    ``recruiter`` preselects the coach's recruiter filter; ``lang`` is the session's language (as app.py settles it).
    """
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.secrets["accounts"] = ACCOUNTS
    at.session_state["cr_lang"] = lang
    if user:
        at.session_state["cr_staff_username"] = user
    if recruiter:
        at.session_state["cr_dash_recruiter"] = recruiter
    at.session_state["dash_tab"] = tab
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def figure(at: AppTest, kind: str) -> dict[str, Any]:
    found = [f for f in figures(at) if (f["layout"].get("meta") or {}).get("kind") == kind]
    assert found, f"no {kind} chart; kinds: {[(f['layout'].get('meta') or {}).get('kind') for f in figures(at)]}"
    return found[0]


def shown_text(at: AppTest) -> str:
    parts = [str(el.value) for kind in ("title", "markdown", "caption", "info", "warning") for el in getattr(at, kind)]
    parts += [d.value.to_csv(index=False) for d in at.dataframe]
    parts += [json.dumps(f) for f in figures(at)]
    return "\n".join(parts)


def submitted(q: Questionnaire, recruiter: str | None = None) -> int:
    rows = sum(n for r, _, n in CAMPAIGNS if recruiter in (None, r))
    return rows + sum(1 for r, *_ in SHARED if recruiter in (None, r))


def started(q: Questionnaire, recruiter: str | None = None) -> int:
    return submitted(q, recruiter) + sum(1 for r, *_ in UNFINISHED if recruiter in (None, r))


# ----- the gate ---------------------------------------------------------------------------------------


def test_signed_out_sees_a_sign_in_form_and_no_data(fresh: dict[str, Any]) -> None:
    at = page()
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert not at.metric and not at.dataframe and not at.get("plotly_chart") and not at.get("download_button")
    text = shown_text(at)
    for secret in ("spring", "data-leads", "dana-whitfield", "Alex"):
        assert secret not in text


# ----- who sees what -----------------------------------------------------------------------------------


def test_coach_sees_every_recruiter(fresh: dict[str, Any]) -> None:
    at = page("sam")
    q = fresh["q"]
    assert metrics(at)["Completed"] == f"{submitted(q):,}"
    assert metrics(at)["Started"] == f"{started(q):,}"
    shared = sum(1 for _ in SHARED)
    assert metrics(at)["Shared with recruiter"] == f"{100 * shared / submitted(q):.0f}%"
    assert metrics(at)["Completion rate"] == f"{100 * submitted(q) / started(q):.0f}%"
    recruiter_box = at.selectbox(key="cr_dash_recruiter")
    assert set(recruiter_box.options) == {"All recruiters", "dana-whitfield", "priya-raman"}
    assert set(at.multiselect(key="cr_dash_campaigns").options) == {"spring", "autumn", "tiny", "data-leads", INJECTED}
    assert "data-leads" in shown_text(page("sam", "Compare"))


def test_coach_can_narrow_to_one_recruiter(fresh: dict[str, Any]) -> None:
    at = page("sam")
    at.selectbox(key="cr_dash_recruiter").select("priya-raman").run()
    assert metrics(at)["Completed"] == f"{submitted(fresh['q'], 'priya-raman'):,}"


def test_a_recruiter_is_refused_on_every_tab(fresh: dict[str, Any]) -> None:
    # Any figure here covers candidates who did not share (the differencing attack in
    # tests/test_trust_boundary.py), so a recruiter gets a refusal and nothing else.
    for tab in TABS:
        at = page("dana", tab)
        assert any("for coaches and admins" in w.value for w in at.warning), tab
        assert not at.metric and not at.dataframe and not at.get("plotly_chart") and not at.get("download_button")
        assert not at.selectbox and not at.multiselect, tab
        assert "spring" not in shown_text(at) and "Coach dashboard" not in shown_text(at), tab


def test_a_coach_filtered_to_one_recruiter_sees_only_their_campaigns(fresh: dict[str, Any]) -> None:
    at = page("sam", recruiter="dana-whitfield")
    q = fresh["q"]
    assert metrics(at)["Completed"] == f"{submitted(q, 'dana-whitfield'):,}"
    assert set(at.multiselect(key="cr_dash_campaigns").options) == {"spring", "autumn", "tiny"}


@pytest.mark.parametrize("recruiter", [None, "dana-whitfield"])
def test_coach_export_never_holds_contact_details(fresh: dict[str, Any], recruiter: str | None) -> None:
    page("sam", "Export", recruiter=recruiter)
    name = next(n for n in fresh["downloads"] if n.startswith("responses-"))
    out = pd.read_csv(io.BytesIO(fresh["downloads"][name]()), encoding="utf-8-sig")
    assert not any(c.startswith("contact_") for c in out.columns)
    assert "@example.com" not in out.to_csv()


def test_a_group_smaller_than_k_shows_nothing_but_that(fresh: dict[str, Any]) -> None:
    at = page("sam", recruiter="dana-whitfield")
    at.multiselect(key="cr_dash_campaigns").select("tiny").run()
    assert not at.exception
    assert metrics(at)["Completed"] == "fewer than 5"
    assert metrics(at)["Completion rate"] == "—" and metrics(at)["Median time"] == "—"
    assert any("Fewer than 5 completed responses" in i.value for i in at.info)
    assert not at.get("plotly_chart") and not at.dataframe and not at.get("download_button")


# ----- k-suppression: charts, tables, CSV ------------------------------------------------------------


def decode(value: Any) -> np.ndarray:
    """A plotly JSON array: plain list, or plotly's packed typed array {dtype, bdata, shape}."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        return flat.reshape([int(x) for x in str(shape).split(",")]) if shape else flat
    return np.asarray(value, dtype=object)


def _visible_counts(fig: dict[str, Any]) -> list[float]:
    meta = fig["layout"]["meta"]
    if meta["kind"] == "distribution":
        return [b["n"] for b in meta["bins"] if not b["hidden"]]
    if meta["kind"] == "dimension_distributions":
        return [n for counts in meta["counts"].values() for n in counts if n is not None]
    if meta["kind"] in ("band_split",):
        return [n for n in meta["n"].values() if n is not None]
    if meta["kind"] in ("trend", "dropoff"):
        return [n for n in meta["n"] if n is not None]
    return []


@pytest.mark.parametrize("k", [5, 12])
def test_no_chart_or_table_shows_a_cell_smaller_than_k(fresh: dict[str, Any], k: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAREER_RADAR_MIN_GROUP", str(k))
        runs = [page("sam", tab) for tab in TABS]
    figs = [f for at in runs for f in figures(at)]
    frames = [d.value for at in runs for d in at.dataframe]
    assert {f["layout"]["meta"]["kind"] for f in figs} >= {"band_split", "comparison", "trend"}
    hidden_somewhere = False
    for fig in figs:
        for n in _visible_counts(fig):
            assert n == 0 or n >= k, (fig["layout"]["meta"]["kind"], n)
        for trace in fig["data"]:
            # Bars carry their count in customdata; none may be a small cell.
            if trace.get("type") == "bar" and trace.get("customdata") is not None:
                counts = decode(trace["customdata"]).reshape(len(decode(trace["x"])), -1)[:, -1]
                assert all(c is None or float(c) == 0 or float(c) >= k for c in counts), trace["name"]
        hidden_somewhere |= any(t.get("name") == f"fewer than {k}" for t in fig["data"])
    assert hidden_somewhere, "the test data should produce at least one suppressed cell"
    compare = next(f for f in figs if f["layout"]["meta"]["kind"] == "comparison")
    assert "tiny" not in compare["layout"]["meta"]["means"], "a campaign of 3 must not be drawn on its own"
    for frame in frames:
        if "n" in frame.columns:
            n = pd.to_numeric(frame["n"], errors="coerce").dropna()
            assert ((n == 0) | (n >= k)).all(), frame
    groups = next(f for f in frames if "campaign" in f.columns and "measure" in f.columns)
    assert "tiny" not in set(groups["campaign"])
    if k == 5:
        assert "'" + INJECTED in set(groups["campaign"])  # shown, but neutralised
    for frame in frames:  # st.dataframe offers its own CSV download: the tables must be formula-safe too
        for cell in frame.select_dtypes(exclude="number").stack():
            assert not str(cell).startswith(("=", "+", "@")), repr(cell)


def test_the_responses_csv_is_k_anonymous_and_formula_safe(fresh: dict[str, Any]) -> None:
    at = page("sam", "Export")
    name = next(n for n in fresh["downloads"] if n.startswith("responses-"))
    out = pd.read_csv(io.BytesIO(fresh["downloads"][name]()), encoding="utf-8-sig")
    assert len(out) > 0
    assert "'" + INJECTED in set(out["campaign"])  # neutralised, still readable
    for cell in out.select_dtypes(exclude="number").stack():
        assert not str(cell).startswith(("=", "+", "-", "@", "\t", "\r", "\n")), repr(cell)
    assert out.groupby(["recruiter", "campaign", "week"], dropna=False).size().min() >= agg.DEFAULT_K
    assert "tiny" not in set(out["campaign"])
    assert set(out["content_hash"]) == {fresh["q"].content_hash}
    assert not any(c.startswith("contact_") for c in out.columns)  # a coach never gets contact details
    codebook = next(n for n in fresh["downloads"] if n.startswith("codebook-"))
    book = pd.read_csv(io.BytesIO(fresh["downloads"][codebook]), encoding="utf-8-sig")
    assert set(out.columns) <= set(book["column"])
    assert not at.exception


def test_dropoff_counts_unfinished_responses_by_page_with_small_pages_hidden(fresh: dict[str, Any]) -> None:
    at = page("sam", "Trend & drop-off", recruiter="dana-whitfield")
    # The drop-off chart's text alternative starts "1. About you: …": markdown must not make it a list.
    alt = figure(at, "dropoff")["layout"]["meta"]["alt"]
    assert alt.startswith("1. ")
    assert any(c.value.startswith("1\\. ") and c.value.replace("\\", "", 1) == alt for c in at.caption)
    drop = figure(at, "dropoff")["layout"]["meta"]["n"]
    # Dana: 8 stopped on page 1 (shown); 2 on page 3 (fewer than 5: hidden) and, so that the hidden
    # count cannot be recovered from the total, the next smallest, 6 on page 2; none elsewhere.
    assert drop[0] == 8
    assert drop[1] is None and drop[2] is None
    assert drop[3:] == [0.0] * (len(drop) - 3)
    table = next(d.value for d in at.dataframe if "title" in d.value.columns)
    assert table[agg.NOTE].tolist()[:3] == ["", agg.PROTECT, "fewer than 5"]


# ----- psychometrics ---------------------------------------------------------------------------------


def test_psychometrics_equal_the_core_functions_on_the_same_data(fresh: dict[str, Any]) -> None:
    at = page("sam", "Psychometrics")
    q = fresh["q"]
    with Store(fresh["url"]) as store:
        frame = store.responses_frame(content_hash=q.content_hash, include_answers=True)
    frame = frame[frame["flags"].map(len) == 0]  # flagged responses are left out by default
    expected = reliability_table(q, agg.item_frame(frame, q))
    shown = metrics(at)
    for row in expected[expected["item"] == ""].itertuples():
        label = next(d.label for d in q.dimensions if d.id == row.dimension)
        assert shown[f"α {label}"] == f"{row.alpha:.2f}"
    items = next(d.value for d in at.dataframe if "r_it" in d.value.columns)
    want = expected[expected["item"] != ""].reset_index(drop=True)
    got = items.reset_index(drop=True)
    assert got["item"].tolist() == want["item"].tolist()
    for col in ("mean", "sd", "r_it", "alpha_if_deleted"):
        np.testing.assert_allclose(got[col].astype(float), want[col].astype(float), rtol=1e-12, equal_nan=True)


def test_psychometrics_wait_for_the_minimum_n(fresh: dict[str, Any]) -> None:
    at = page("sam", "Psychometrics", recruiter="priya-raman")  # 31 responses
    assert not [m for m in at.metric if m.label.startswith("α ")]
    assert any("psychometrics appear from 50" in i.value for i in at.info)


def test_flag_toggle_changes_what_is_scored(fresh: dict[str, Any]) -> None:
    at = page("sam", "Quality")
    before = next(c.value for c in at.caption if c.value.startswith("Scores below"))
    assert "quality-flagged left out" in before
    at.toggle(key="cr_dash_flagged").set_value(True).run()
    after = next(c.value for c in at.caption if c.value.startswith("Scores below"))
    assert f"{submitted(fresh['q']):,} submitted responses to" in after
    flags = next(d.value for d in at.dataframe if "flag" in d.value.columns and "label" in d.value.columns)
    assert set(FLAGS) <= set(flags["flag"])


# ----- versions are never pooled -----------------------------------------------------------------------


def test_two_versions_are_listed_and_never_pooled(fresh: dict[str, Any]) -> None:
    q, qb = fresh["q"], fresh["qb"]
    assert q.scoring_key != qb.scoring_key
    at = page("sam", "Compare")
    box = at.selectbox(key="cr_dash_version")
    assert len(box.options) == 2  # the labels show title, id, versions, languages, key and count
    label_a = f"{q.meta.version} · en · key {q.scoring_key[:12]} — {submitted(q):,} submitted"
    assert any(label_a in o for o in box.options)
    assert any(f"2.1.0 · en · key {qb.scoring_key[:12]} — {B_COUNT:,} submitted" in o for o in box.options)
    assert box.value == q.scoring_key  # the catalogue's current instrument comes first
    assert metrics(at)["Completed"] == f"{submitted(q):,}"
    assert any(f"2.1.0 ({qb.scoring_key[:12]}): {B_COUNT}" in c.value for c in at.caption)
    means_a = figure(at, "comparison")["layout"]["meta"]["means"]
    box.select(qb.scoring_key).run()
    assert not at.exception
    assert metrics(at)["Completed"] == f"{B_COUNT:,}"
    means_b = figure(at, "comparison")["layout"]["meta"]["means"]
    assert set(means_b) == {"spring"}  # only version B's one campaign; nothing of version A
    lowest_b = min(means_b["spring"].values())
    assert lowest_b > 85, means_b
    assert all(v < lowest_b for group in means_a.values() for v in group.values() if v is not None)


# ----- more responses than are read as rows --------------------------------------------------------------


def test_a_first_read_that_is_not_full_keeps_everything_exact(fresh: dict[str, Any]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAREER_RADAR_DASHBOARD_MAX_ROWS", "100")  # the campaign counts exceed this…
        at = page("sam")  # …but the first read (10,000 rows) holds every response
    assert not at.warning
    assert metrics(at)["Completed"] == f"{submitted(fresh['q']):,}"


def test_past_max_rows_the_counts_come_exact_from_sql(fresh: dict[str, Any]) -> None:
    q = fresh["q"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAREER_RADAR_DASHBOARD_MAX_ROWS", "100")  # fewer than the rows in the store
        patch.setenv("CAREER_RADAR_DASHBOARD_SAMPLE_ROWS", "100")
        at = page("sam")
        trend = page("sam", "Trend & drop-off")
        compare = page("sam", "Compare")
    assert any("More than 100 responses match" in w.value for w in at.warning)
    assert metrics(at)["Completed"] == f"{submitted(q):,}"
    assert metrics(at)["Started"] == f"{started(q):,}"
    with Store(fresh["url"]) as store:
        bands = store.aggregate(group_by="band", content_hash=q.content_hash).set_index("band")["n"]
        weeks = store.aggregate(group_by="week", content_hash=q.content_hash)
        campaigns = store.aggregate(group_by="campaign", content_hash=q.content_hash).set_index("campaign")
    shown = next(d.value for d in at.dataframe if "label" in d.value.columns).set_index("label")["n"]
    for band in q.bands.overall:
        want = bands.get(band.id, 0)
        assert pd.isna(shown[band.label]) if 0 < want < agg.DEFAULT_K else shown[band.label] == want
    drawn = figure(trend, "trend")["layout"]["meta"]["n"]
    assert len(drawn) == len(weeks)  # one point per week the database counted
    visible = [n for n in drawn if n is not None]
    assert visible and all(n >= agg.DEFAULT_K for n in visible)
    for shown_n, sql_n in zip(drawn, weeks.sort_values("week")["n"], strict=True):
        assert shown_n is None or shown_n == sql_n  # exact, week by week
    means = figure(compare, "comparison")["layout"]["meta"]["means"]
    assert means["autumn"]["overall"] == pytest.approx(campaigns.loc["autumn", "overall"])


@pytest.mark.parametrize("max_rows", [None, "100"])
def test_the_first_render_reads_no_response_rows(fresh: dict[str, Any], max_rows: str | None) -> None:
    """Headline and Scores tab come from the database's summary; rows only for a tab that needs them."""
    calls: list[Any] = []
    real = Store.responses_frame

    def counted(self: Store, *args: Any, **kw: Any) -> pd.DataFrame:
        calls.append(kw)
        return real(self, *args, **kw)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Store, "responses_frame", counted)
        if max_rows:  # the sampled route too
            patch.setenv("CAREER_RADAR_DASHBOARD_MAX_ROWS", max_rows)
            patch.setenv("CAREER_RADAR_DASHBOARD_SAMPLE_ROWS", max_rows)
        at = page("sam")
        assert calls == []
        assert metrics(at)["Completed"] == f"{submitted(fresh['q']):,}"
        assert {"distribution", "band_split"} <= {(f["layout"].get("meta") or {}).get("kind") for f in figures(at)}
        assert bool(at.warning) == bool(max_rows)
        page("sam", "Compare")  # the comparison's spreads need the rows
        assert len(calls) == 1


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("1. About you: 8; 2. Next: 3", "1\\. About you: 8; 2. Next: 3"),  # an ordered list item…
        ("2,000. responses", "2,000\\. responses"),  # …and what a thousands separator looks like to a reader
        ("3) x", "3\\) x"),
        ("- a", "\\- a"),
        ("* a", "\\* a"),
        ("# heading", "\\# heading"),
        ("> quote", "\\> quote"),
        ("first\n2. second", "first\n2\\. second"),  # every line
        ("**bold** stays", "**bold** stays"),
        ("Scores below: 2,000 submitted", "Scores below: 2,000 submitted"),
        ("2,000 submitted responses", "2,000 submitted responses"),  # a number without a list mark
        ("-5 points", "-5 points"),
    ],
)
def test_inert_captions_never_start_a_list(text: str, want: str) -> None:
    from ui.dashboard_parts import inert

    assert inert(text) == want


def test_the_page_title_is_the_menu_entry(fresh: dict[str, Any]) -> None:
    from ui.navigation import STAFF

    at = page("sam")
    menu = next(title for file, title, *_ in STAFF if file == "dashboard.py")
    assert [t.value for t in at.title] == [menu] == ["Coach dashboard"]


# ----- the figures themselves (built by the core, no Streamlit) ---------------------------------------------


def _hist(counts: list[int], k: int = 5) -> pd.DataFrame:
    edges = np.linspace(0, 100, len(counts) + 1)
    return agg.histogram(None, edges, k, counts=counts)


def test_distribution_marks_band_boundaries_and_hides_small_bins() -> None:
    from reports.charts import NEUTRAL
    from reports.cohort_charts import distribution_figure

    q = load(BANK)
    fig = distribution_figure(_hist([0, 7, 3, 2, 20, 9, 6, 0, 5, 12]), q.bands.overall, 5)
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert sorted(s.x0 for s in lines) == [b.min for b in q.bands.overall[1:]]
    bars = next(t for t in fig.data if t.type == "bar")
    assert [float(n) for n in np.asarray(bars.customdata)[:, 2]] == [0, 7, 20, 9, 6, 0, 5, 12]  # 3 and 2 hidden
    assert bars.marker.color == NEUTRAL  # a count, not a band: no band colour
    assert fig.layout.title.text and fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert fig.layout.xaxis.fixedrange and fig.layout.yaxis.fixedrange  # a thumb scrolls past, no zoom
    assert [t.name for t in fig.data] == ["responses", "fewer than 5"]


def test_count_marks_share_one_neutral_colour_that_is_no_band_colour() -> None:
    from reports.charts import BAND_COLOURS, NEUTRAL, contrast
    from reports.cohort_charts import dimension_distributions_figure, dropoff_figure, trend_figure

    q = load(BANK)
    hists = {d.id: _hist([5, 9, 12, 30, 8, 6, 0, 7, 10, 5]) for d in q.dimensions}
    dims = dimension_distributions_figure(hists, {d.id: d.label for d in q.dimensions}, q.bands.dimension, 5)
    weeks = pd.DataFrame({"week": pd.date_range("2026-01-05", periods=3, freq="7D"), "n": [9, 12, 20]})
    trend = trend_figure(agg.trend_table(weeks.assign(mean=[50.0, 55, 60], sd=[10.0, 10, 10]), 5), 5)
    drop = dropoff_figure(agg.dropoff(pd.Series([0] * 6 + [1] * 7), ["One", "Two"], 5), 5)
    bars = [t for fig in (dims, trend, drop) for t in fig.data if t.type == "bar"]
    assert len(bars) >= len(q.dimensions) + 2
    assert {t.marker.color for t in bars} == {NEUTRAL}  # was blue and green by turns per dimension
    assert NEUTRAL not in BAND_COLOURS and contrast(NEUTRAL, "#FFFFFF") >= 4.5


def test_a_chart_with_every_cell_hidden_says_so() -> None:
    from reports.cohort_charts import dropoff_figure

    drop = agg.dropoff(pd.Series([0, 0, 1, 1, 1]), ["One", "Two"], 5)
    fig = dropoff_figure(drop, 5)
    assert fig.layout.meta["kind"] == "empty"
    assert "fewer than 5" in fig.layout.meta["alt"]


def test_comparison_draws_ci_error_bars_with_distinct_symbols() -> None:
    from reports.cohort_charts import comparison_figure

    stats = pd.DataFrame(
        {
            "campaign": ["a", "a", "b", "b"],
            "measure": ["x", "y", "x", "y"],
            "n": [40, 40, 30, 30],
            "mean": [50.0, 60, 55, 45],
            "sd": [10.0, 10, 12, 12],
        }
    )
    table = agg.compare_groups(stats, "campaign", 5)
    fig = comparison_figure(table, "campaign", {"x": "X", "y": "Y"}, 5)
    a, b = fig.data
    assert a.marker.symbol != b.marker.symbol and a.marker.color != b.marker.color
    half = table.set_index(["campaign", "measure"])
    assert a.error_x.array[0] == pytest.approx(half.loc[("a", "x"), "ci_high"] - 50.0)
    assert fig.layout.meta["means"] == {"a": {"x": 50.0, "y": 60.0}, "b": {"x": 55.0, "y": 45.0}}


# ----- German ------------------------------------------------------------------------------------------------


def test_the_dashboard_speaks_german_with_the_same_figures(fresh: dict[str, Any]) -> None:
    english, german = page("sam"), page("sam", tab="Werte", lang="de")
    assert [t.value for t in german.title] == ["Coach-Dashboard"]
    assert list(metrics(german)) == [
        "Begonnen",
        "Abgeschlossen",
        "Abschlussquote",
        "Mediane Dauer",
        "Mit Recruiter geteilt",
    ]
    assert [m.value for m in german.metric][:2] == [v.replace(",", ".") for v in list(metrics(english).values())[:2]]
    assert german.selectbox(key="cr_dash_version").label == "Fragebogen"
    assert german.toggle(key="cr_dash_flagged").label == "Antworten mit Qualitätshinweis einbeziehen"
    assert [t.label for t in german.tabs] == [
        "Werte",
        "Vergleich",
        "Verlauf & Abbrüche",
        "Psychometrie",
        "Qualität",
        "Export",
    ]
    for kind in ("distribution", "band_split"):
        en, de = figure(english, kind), figure(german, kind)
        assert (
            de["layout"]["meta"]["n" if kind == "band_split" else "bins"]
            == en["layout"]["meta"]["n" if kind == "band_split" else "bins"]
        )
        assert de["layout"]["title"]["text"] != en["layout"]["title"]["text"]
    assert figure(german, "distribution")["layout"]["title"]["text"] == "Gesamtwert"
    assert "Alle Antworten." in shown_text(german) and "All responses." not in shown_text(german)


def test_the_german_quality_tab_labels_flags_in_german(fresh: dict[str, Any]) -> None:
    from scoring.quality import flag_labels

    at = page("sam", tab="Qualität", lang="de")
    flags = at.dataframe[-1].value
    assert set(flags["label"]) == {*flag_labels(lang="de").values(), "Mindestens ein Hinweis", "Kein Hinweis"}
    english = page("sam", tab="Quality").dataframe[-1].value
    assert flags["n"].fillna(-1).tolist() == english["n"].fillna(-1).tolist()  # the counts do not depend on it
    hidden = english["n"].isna()
    assert (flags.loc[hidden, "note"] == "weniger als 5").all() and (
        english.loc[hidden, "note"] == "fewer than 5"
    ).all()


def test_the_charts_speak_german_and_draw_the_same_counts() -> None:
    from reports.cohort_charts import distribution_figure, dropoff_figure, trend_figure

    q = load(BANK)
    hist = _hist([0, 7, 3, 2, 20, 9, 6, 0, 5, 12])
    en, de = distribution_figure(hist, q.bands.overall, 5), distribution_figure(hist, q.bands.overall, 5, lang="de")
    assert de.layout.meta["bins"] == en.layout.meta["bins"]
    assert de.layout.xaxis.title.text == "Wert (0 = taktisch, 100 = strategisch)"
    assert [t.name for t in de.data] == ["Antworten", "weniger als 5"]
    assert "weniger als 5 Antworten (ausgeblendet)" in de.data[1].hovertemplate
    weeks = pd.DataFrame({"week": pd.date_range("2026-01-05", periods=3, freq="7D"), "n": [9, 12, 20]})
    trend = trend_figure(agg.trend_table(weeks.assign(mean=[50.0, 55, 60], sd=[10.0, 10, 10]), 5), 5, lang="de")
    assert trend.data[0].hovertemplate.startswith("Woche ab %{x}")
    assert trend.layout.title.text == "Antworten und Gesamtwert je Woche"
    drop = dropoff_figure(agg.dropoff(pd.Series([0, 0, 1, 1, 1]), ["One", "Two"], 5), 5, lang="de")
    assert "weniger als 5" in drop.layout.meta["alt"]


def headers(at: AppTest, *columns: str) -> dict[str, str]:
    """The headers a table shows for ``columns`` (its column config's labels; a raw name when unlabelled)."""
    frame = next(d for d in at.dataframe if set(columns) <= set(d.value.columns))
    config = json.loads(frame.proto.columns or "{}")
    return {c: (config.get(c) or {}).get("label", c) for c in columns}


@pytest.mark.parametrize(
    ("lang", "tab", "want"),
    [
        ("en", "Compare", {"campaign": "Campaign", "measure": "Dimension", "n": "Responses"}),
        ("de", "Vergleich", {"campaign": "Kampagne", "measure": "Dimension", "n": "Antworten"}),
    ],
)
def test_the_comparison_table_has_headers_in_the_page_language(
    fresh: dict[str, Any], lang: str, tab: str, want
) -> None:
    at = page("sam", tab, lang=lang)
    assert headers(at, "campaign", "measure", "n") == want  # not the raw "campaign", "measure", "n"
    if lang == "en":  # (AppTest cannot rerun the German page's translated selectbox; the label is the same)
        at.segmented_control(key="cr_dash_by").set_value("recruiter_id").run()
        assert headers(at, "recruiter_id") == {"recruiter_id": "Recruiter"}


def test_german_psychometrics_write_decimals_with_a_comma_and_dimensions_by_label(fresh: dict[str, Any]) -> None:
    q = fresh["q"]
    german, english = page("sam", "Psychometrie", lang="de"), page("sam", "Psychometrics")
    alphas = {m.label: m.value for m in german.metric if m.label.startswith("α ")}
    assert alphas and all(re.fullmatch(r"\d,\d\d|—", v) for v in alphas.values()), alphas
    assert [v.replace(",", ".") for v in alphas.values()] == [
        m.value for m in english.metric if m.label.startswith("α ")
    ]
    german_q = load(ROOT / "questions" / "strategic-candidate.de.yaml")
    labels = {d.label for d in q.dimensions} | {d.label for d in german_q.dimensions}
    for at in (german, english):
        items = next(d.value for d in at.dataframe if "r_it" in d.value.columns)
        assert set(items["dimension"]) <= labels, set(items["dimension"])  # as the α metrics name them


def test_the_dashboard_keeps_its_tabs_tappable_on_a_phone(fresh: dict[str, Any]) -> None:
    from ui.components import DASHBOARD_CSS

    at = page("sam")
    assert "stTabPanel" in DASHBOARD_CSS and "max-width: 640px" in DASHBOARD_CSS
    assert DASHBOARD_CSS.strip() in [el.proto.body.strip() for el in at.get("html")]


@pytest.mark.parametrize(("lang", "tab", "fmt"), [("de", "Werte", "DD.MM.YYYY"), ("en", "Scores", "YYYY/MM/DD")])
def test_the_dashboard_writes_dates_and_tells_the_browser_in_the_page_language(
    fresh: dict[str, Any], lang: str, tab: str, fmt: str
) -> None:
    at = page("sam", tab, lang=lang)
    assert at.date_input(key="cr_dash_dates").proto.format == fmt
    scripts = [el.proto.body for el in at.get("html")]
    assert any(f"document.documentElement.lang = '{lang}'" in body for body in scripts), scripts
