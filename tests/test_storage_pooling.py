"""Pool by scoring key, track by text: an English and a German text of one instrument pool in every read,
a version with a changed key never joins them, and each response keeps the exact text it answered.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (the ``store`` fixture). Expected values are
computed here from what the test submitted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from scoring.loader import load, parse
from scoring.models import Questionnaire
from service import submissions
from storage import Attribution, Filters, Store
from tests.conftest import TEST_DATA

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
FOLDER = TEST_DATA / "translations"
ENGLISH = load(FOLDER / "mini.yaml")
GERMAN = load(FOLDER / "mini.de.yaml")
# Version 1.1 weighs p3 differently: another scoring key under the same questionnaire id and language.
CHANGED = parse(
    (FOLDER / "mini.yaml")
    .read_text(encoding="utf-8")
    .replace('version: "1.0"', 'version: "1.1"')
    .replace("dimension: partnership, weight: 2}", "dimension: partnership, weight: 3}")
)


def answers_for(level: int) -> dict[str, Any]:
    return {"p1": level, "p2": 6 - level, "p3": level, "e1": level, "e2": 6 - level, "s1": "listen"}


def submit(store: Store, q: Questionnaire, levels: list[int], campaign: str) -> list[float]:
    overalls: list[float] = []
    for i, level in enumerate(levels):
        when = T0 + timedelta(hours=len(overalls) + 10 * i)
        started = store.start(q, Attribution("rec-a", campaign, None), now=when)
        result = submissions.submit(store, started.resume_token, answers_for(level), now=when + timedelta(minutes=5))
        assert result.overall is not None
        overalls.append(result.overall)
    return overalls


@pytest.fixture
def pooled(store: Store) -> dict[str, list[float]]:
    """English 3 responses, German 2 (same key), the changed key 4; plus one German response never submitted."""
    got = {
        "en": submit(store, ENGLISH, [1, 3, 5], "spring"),
        "de": submit(store, GERMAN, [2, 4], "spring"),
        "changed": submit(store, CHANGED, [1, 2, 4, 5], "spring"),
    }
    store.start(GERMAN, now=T0)
    return got


def test_the_fixtures_share_a_key_or_not() -> None:
    assert ENGLISH.scoring_key == GERMAN.scoring_key != CHANGED.scoring_key
    assert len({ENGLISH.content_hash, GERMAN.content_hash, CHANGED.content_hash}) == 3
    assert ENGLISH.meta.id == CHANGED.meta.id and ENGLISH.meta.language == CHANGED.meta.language == "en"


def test_the_frame_pools_both_texts_of_a_key_and_keeps_each_exact_text(store: Store, pooled: Any) -> None:
    frame = store.responses_frame(Filters(scoring_key=ENGLISH.scoring_key))
    assert len(frame) == 5
    assert set(frame["scoring_key"]) == {ENGLISH.scoring_key}
    by_language = frame.groupby("language")["content_hash"].agg(set).to_dict()
    assert by_language == {"en": {ENGLISH.content_hash}, "de": {GERMAN.content_hash}}
    assert sorted(frame["overall"]) == pytest.approx(sorted(pooled["en"] + pooled["de"]))
    assert {"partnership", "exploration"} <= set(frame.columns)
    everything = store.responses_frame(Filters(scoring_key=ENGLISH.scoring_key, submitted_only=False))
    assert len(everything) == 6  # the unsubmitted German start is there when asked for


def test_a_changed_key_never_joins_even_with_the_same_id_and_language(store: Store, pooled: Any) -> None:
    frame = store.responses_frame(Filters(scoring_key=CHANGED.scoring_key))
    assert set(frame["content_hash"]) == {CHANGED.content_hash}
    assert sorted(frame["overall"]) == pytest.approx(sorted(pooled["changed"]))
    total = store.aggregate("campaign", Filters(scoring_key=CHANGED.scoring_key))
    assert total["n"].tolist() == [4]
    assert total["overall"].iloc[0] == pytest.approx(sum(pooled["changed"]) / 4)


def test_aggregates_pool_the_key_and_count_per_language(store: Store, pooled: Any) -> None:
    key = Filters(scoring_key=ENGLISH.scoring_key)
    total = store.aggregate("campaign", key, counts=True)
    both = pooled["en"] + pooled["de"]
    assert total["n"].tolist() == [5]
    assert total["overall"].iloc[0] == pytest.approx(sum(both) / 5)
    languages = store.aggregate("language", key).set_index("language")
    assert languages["n"].to_dict() == {"de": 2, "en": 3}
    assert languages.loc["de", "overall"] == pytest.approx(sum(pooled["de"]) / 2)
    started = store.aggregate("language", Filters(scoring_key=ENGLISH.scoring_key, submitted_only=False))
    assert started.set_index("language")["n"].to_dict() == {"de": 3, "en": 3}
    one_text = store.aggregate("language", Filters(content_hash=GERMAN.content_hash))
    assert one_text["n"].tolist() == [2]


def test_versions_carry_their_key_and_language(store: Store, pooled: Any) -> None:
    versions = store.questionnaire_versions().set_index("content_hash")
    assert versions.loc[ENGLISH.content_hash, "scoring_key"] == versions.loc[GERMAN.content_hash, "scoring_key"]
    assert versions.loc[CHANGED.content_hash, "scoring_key"] == CHANGED.scoring_key != ENGLISH.scoring_key
    assert versions["language"].to_dict() == {
        ENGLISH.content_hash: "en",
        GERMAN.content_hash: "de",
        CHANGED.content_hash: "en",
    }
    assert versions["submitted"].to_dict() == {ENGLISH.content_hash: 3, GERMAN.content_hash: 2, CHANGED.content_hash: 4}


def test_an_empty_key_still_has_its_dimension_columns(store: Store) -> None:
    store.register(GERMAN)
    frame = store.responses_frame(Filters(scoring_key=GERMAN.scoring_key))
    assert frame.empty
    assert {"language", "scoring_key", "partnership", "exploration"} <= set(frame.columns)
