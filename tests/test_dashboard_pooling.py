"""The dashboard pools the texts of one scoring key (English + German) and shows counts per language; a
version with another key under the same id is listed apart and never mixed in.

One SQLite store per module: 30 English and 12 German responses to tests/data/translations/mini*.yaml
(same key), and 25 responses to a version 1.1 whose weights differ (another key).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from access.accounts import hash_password
from cohort import aggregate as agg
from scoring.loader import load, parse
from scoring.sample import generate
from service.bulk import bulk_load
from storage import Store

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "ui" / "pages" / "dashboard.py")
FOLDER = ROOT / "tests" / "data" / "translations"
ENGLISH = load(FOLDER / "mini.yaml")
GERMAN = load(FOLDER / "mini.de.yaml")
CHANGED = parse(
    (FOLDER / "mini.yaml")
    .read_text(encoding="utf-8")
    .replace('version: "1.0"', 'version: "1.1"')
    .replace("dimension: partnership, weight: 2}", "dimension: partnership, weight: 3}")
)
COUNTS = {"en": 30, "de": 12, "changed": 25}
PASSWORD = "a long test password"
ACCOUNTS = {"sam": {"password_hash": hash_password(PASSWORD, n=2**4), "role": "coach"}}
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('pool') / 'radar.sqlite3'}"
    store = Store(url)
    for seed, (q, n) in enumerate(((ENGLISH, 30), (GERMAN, 12), (CHANGED, 25))):
        frame = generate(q, n, seed=seed, straightliner_share=0, speeder_share=0).drop(columns=["response_id"])
        frame["recruiter_id"] = "dana-whitfield"
        frame["campaign"] = "spring"
        frame["submitted_at"] = NOW  # one week: the export's generalisation then keeps every row
        bulk_load(store, q, frame)
    store.close()
    yield url


@pytest.fixture
def downloads(url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Cold caches, this module's store, and the download buttons' data captured."""
    monkeypatch.setenv("CAREER_RADAR_DATABASE_URL", url)
    for name in ("CAREER_RADAR_MIN_GROUP", "CAREER_RADAR_PSYCHOMETRICS_MIN_N"):
        monkeypatch.delenv(name, raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    captured: dict[str, Any] = {}
    real = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        captured[file_name] = data_callable
        return real(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    yield captured
    st.cache_data.clear()


def page(key: str, tab: str = "Scores", include_flagged: bool = False) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["cr_dash_flagged"] = include_flagged
    at.secrets["accounts"] = ACCOUNTS
    at.session_state["cr_staff_username"] = "sam"
    at.session_state["cr_dash_version"] = key
    at.session_state["dash_tab"] = tab
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def language_table(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "language" in d.value.columns).set_index("language")


def test_the_picker_lists_one_entry_per_scoring_key_with_its_languages(downloads: dict[str, Any]) -> None:
    at = page(ENGLISH.scoring_key)
    box = at.selectbox(key="cr_dash_version")
    assert (
        box.options
        == [  # newest registration first; nothing from questions/, so both are retired
            f"Mini check-in (mini) 1.1 · en · key {CHANGED.scoring_key[:12]} — 25 submitted (retired)",
            f"Mini check-in (mini) 1.0 · en, de · key {ENGLISH.scoring_key[:12]} — 42 submitted (retired)",
        ]
    )
    assert box.value == ENGLISH.scoring_key


def test_the_key_pools_english_and_german_and_counts_each_language(downloads: dict[str, Any]) -> None:
    at = page(ENGLISH.scoring_key)
    pooled = COUNTS["en"] + COUNTS["de"]
    assert metrics(at)["Completed"] == f"{pooled:,}"
    assert metrics(at)["Started"] == f"{pooled:,}"
    caption = next(c.value for c in at.caption if c.value.startswith("Scores below"))
    assert "submitted responses" in caption and "to mini 1.0, pooled over 2 languages (one scoring key)" in caption
    languages = language_table(at)
    assert languages.loc["en", "submitted"] == COUNTS["en"] and languages.loc["de", "submitted"] == COUNTS["de"]
    assert languages.loc["en", "started"] == COUNTS["en"] and languages.loc["de", "started"] == COUNTS["de"]


def test_the_changed_key_is_never_mixed_in(downloads: dict[str, Any]) -> None:
    at = page(CHANGED.scoring_key)
    assert metrics(at)["Completed"] == f"{COUNTS['changed']:,}"
    assert language_table(at)["submitted"].to_dict() == {"en": COUNTS["changed"]}


def test_a_small_language_is_hidden_with_its_complement(downloads: dict[str, Any], monkeypatch: Any) -> None:
    monkeypatch.setenv("CAREER_RADAR_MIN_GROUP", "15")  # 12 German responses: fewer than k
    at = page(ENGLISH.scoring_key)
    languages = language_table(at)
    assert pd.isna(languages.loc["de", "submitted"]) and pd.isna(languages.loc["de", "started"])
    assert languages.loc["de", agg.NOTE] == "fewer than 15"
    # The total is on the page, so English alone would give German away: it is hidden too.
    assert pd.isna(languages.loc["en", "submitted"]) and languages.loc["en", agg.NOTE] == agg.PROTECT


def test_the_export_carries_each_rows_language_and_text(downloads: dict[str, Any]) -> None:
    page(ENGLISH.scoring_key, "Export", include_flagged=True)
    name = next(n for n in downloads if n.startswith("responses-"))
    assert ENGLISH.scoring_key[:12] in name
    out = pd.read_csv(io.BytesIO(downloads[name]()), encoding="utf-8-sig")
    assert out["language"].value_counts().to_dict() == {"en": COUNTS["en"], "de": COUNTS["de"]}
    assert set(zip(out["language"], out["content_hash"], strict=True)) == {
        ("en", ENGLISH.content_hash),
        ("de", GERMAN.content_hash),
    }
    assert set(out["scoring_key"]) == {ENGLISH.scoring_key}
