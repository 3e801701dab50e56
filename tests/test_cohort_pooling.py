"""Pure pooling rules: versions grouped by scoring key, the text that labels a key, counts per language
(k-suppressed), and the one-instrument check the view and the export share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from cohort import aggregate as agg
from cohort import figures as cf
from scoring.loader import load
from tests.conftest import TEST_DATA

ENGLISH = load(TEST_DATA / "translations" / "mini.yaml")
GERMAN = load(TEST_DATA / "translations" / "mini.de.yaml")
T0 = datetime(2026, 1, 5, tzinfo=UTC)


def versions() -> pd.DataFrame:
    rows = [
        ("h-en", "k1", "en", "mini", "1.0", 0, 10, 8),
        ("h-de", "k1", "de", "mini", "1.0", 1, 6, 5),
        ("h-en2", "k1", "en", "mini", "1.0.1", 2, 3, 3),  # a wording fix: same key
        ("h-new", "k2", "en", "mini", "2.0", 3, 4, 4),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "content_hash",
            "scoring_key",
            "language",
            "questionnaire_id",
            "version",
            "day",
            "started",
            "submitted",
        ],
    )
    frame["registered_at"] = [T0 + timedelta(days=d) for d in frame.pop("day")]
    return frame


def test_instruments_group_versions_by_key_newest_first() -> None:
    got = cf.instruments(versions())
    assert got["scoring_key"].tolist() == ["k2", "k1"]
    k1 = got.set_index("scoring_key").loc["k1"]
    assert k1["versions"] == ("1.0", "1.0.1") and k1["languages"] == ("en", "de")
    assert k1["content_hashes"] == ("h-en", "h-de", "h-en2")
    assert (k1["started"], k1["submitted"]) == (19, 16)
    assert cf.instruments(versions().iloc[0:0]).empty


def test_the_representative_is_the_latest_english_text() -> None:
    assert cf.representative(versions(), "k1") == "h-en2"
    only_german = versions()[versions()["language"] == "de"]
    assert cf.representative(only_german, "k1") == "h-de"
    with pytest.raises(KeyError):
        cf.representative(versions(), "nope")


def test_the_representative_is_in_the_pages_language_when_the_key_has_that_text() -> None:
    assert cf.representative(versions(), "k1", "de") == "h-de"
    assert cf.representative(versions(), "k1", "fr") == "h-en2"  # no French text: English
    no_english = versions()[versions()["language"] != "en"]
    assert cf.representative(no_english, "k1", "fr") == "h-de"  # neither: the latest


def test_language_counts_hide_small_languages_and_their_complement() -> None:
    shown = cf.language_counts(pd.Series({"en": 30, "de": 12}), pd.Series({"en": 20, "de": 10}), 5)
    assert shown.set_index("language")["submitted"].to_dict() == {"de": 10, "en": 20}
    hidden = cf.language_counts(pd.Series({"en": 30, "de": 3, "fr": 9}), pd.Series({"en": 20, "de": 3, "fr": 7}), 5)
    table = hidden.set_index("language")
    assert np.isnan(table.loc["de", "started"]) and table.loc["de", agg.NOTE] == "fewer than 5"
    assert np.isnan(table.loc["fr", "submitted"]) and table.loc["fr", agg.NOTE] == agg.PROTECT
    assert table.loc["en", "submitted"] == 20
    # Nothing submitted yet: the started count decides.
    started_only = cf.language_counts(pd.Series({"en": 30, "de": 2}), pd.Series({"en": 20}), 5).set_index("language")
    assert np.isnan(started_only.loc["de", "started"])


def test_one_instrument_lets_translations_pool_and_refuses_another_key() -> None:
    same = pd.DataFrame({"scoring_key": [ENGLISH.scoring_key] * 2, "content_hash": ["a", "b"]})
    agg.one_instrument(same, GERMAN)  # two texts, one key: fine
    mixed = same.assign(scoring_key=[ENGLISH.scoring_key, "0" * 64])
    with pytest.raises(ValueError, match="different scoring keys"):
        agg.one_instrument(mixed, ENGLISH)
    with pytest.raises(ValueError, match="different scoring keys"):
        agg.one_instrument(same.assign(scoring_key="0" * 64), ENGLISH)  # one key, but not q's
    with pytest.raises(ValueError, match="pooled"):
        agg.one_instrument(same.drop(columns=["scoring_key"]), ENGLISH)  # texts without keys: kept apart


def export_rows(languages: dict[str, int]) -> pd.DataFrame:
    """Submitted responses to the English and German texts of one key, as the store's frame names them."""
    texts = {"en": ENGLISH, "de": GERMAN}
    rows = []
    for lang, n in languages.items():
        for i in range(n):
            rows.append(
                {
                    "response": f"{lang}{i}",
                    "language": lang,
                    "content_hash": texts[lang].content_hash,
                    "scoring_key": texts[lang].scoring_key,
                    "recruiter": "dana-whitfield",
                    "campaign": "spring",
                    "submitted_at": pd.Timestamp("2026-11-03", tz="UTC"),
                    "duration_seconds": 250.0,
                    **{item: 3 for item in ("p1", "p2", "p3", "e1", "e2")},
                    "s1": "listen",
                    "partnership": 50.0,
                    "exploration": 50.0,
                    "overall": 50.0,
                    "band": "developing",
                    "flags": [],
                    "shared": False,
                }
            )
    return pd.DataFrame(rows)


def test_the_export_carries_each_rows_language_text_and_key() -> None:
    out = agg.responses_export(export_rows({"en": 8, "de": 6}), ENGLISH, 5, include_contact=False)
    assert out.groupby(["language", "content_hash"]).size().to_dict() == {
        ("de", GERMAN.content_hash): 6,
        ("en", ENGLISH.content_hash): 8,
    }
    assert set(out["scoring_key"]) == {ENGLISH.scoring_key}
    book = agg.codebook(ENGLISH)
    assert {"language", "content_hash", "scoring_key"} <= set(book["column"])


def test_the_export_withholds_a_language_too_small_to_show() -> None:
    # Two German rows would single out two people by their language (and their text): left out.
    out = agg.responses_export(export_rows({"en": 8, "de": 2}), ENGLISH, 5, include_contact=False)
    assert set(out["language"]) == {"en"} and set(out["content_hash"]) == {ENGLISH.content_hash}
    assert len(out) == 8


def test_the_export_refuses_rows_of_another_key() -> None:
    rows = export_rows({"en": 8})
    rows.loc[0, "scoring_key"] = "0" * 64
    with pytest.raises(ValueError, match="different scoring keys"):
        agg.responses_export(rows, ENGLISH, 5, include_contact=False)
