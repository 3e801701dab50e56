"""The recruiter view's pure core: filtering by recruiter and consent, prep sheets, campaign counts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reports.brief import Brief
from reports.prep import campaign_table, candidate_cards, prep_sheet_text, result_from_scores, shared_rows
from scoring.engine import score
from scoring.interpret import interpret
from scoring.loader import load
from scoring.models import Questionnaire
from scoring.sample import generate

BANK = Path(__file__).resolve().parents[1] / "questions" / "strategic-candidate.yaml"


@pytest.fixture(scope="module")
def bank() -> Questionnaire:
    return load(BANK)


def frame_for(q: Questionnaire, rows: list[dict]) -> pd.DataFrame:
    dims = {d.id: 50.0 for d in q.dimensions}
    base = {
        "content_hash": q.content_hash,
        "overall": 50.0,
        "band": None,
        "contact_name": None,
        "contact_email": None,
        "campaign": "spring",
        "role": None,
        **dims,
    }
    return pd.DataFrame([{**base, **row} for row in rows])


def test_only_this_recruiters_shared_submitted_rows_survive(bank: Questionnaire) -> None:
    when = datetime(2026, 5, 1, tzinfo=UTC)
    frame = frame_for(
        bank,
        [
            {"response_id": "keep-1", "recruiter_id": "dana", "shared": True, "submitted_at": when},
            {"response_id": "other-recruiter", "recruiter_id": "priya", "shared": True, "submitted_at": when},
            {"response_id": "not-shared", "recruiter_id": "dana", "shared": False, "submitted_at": when},
            {"response_id": "shared-nan", "recruiter_id": "dana", "shared": np.nan, "submitted_at": when},
            {"response_id": "shared-text", "recruiter_id": "dana", "shared": "true", "submitted_at": when},
            {"response_id": "not-submitted", "recruiter_id": "dana", "shared": True, "submitted_at": None},
            {"response_id": "unattributed", "recruiter_id": None, "shared": True, "submitted_at": when},
        ],
    )
    assert list(shared_rows(frame, "dana")["response_id"]) == ["keep-1"]
    cards = candidate_cards(frame, "dana", lambda h: bank if h == bank.content_hash else None)
    assert [c.public_id for c in cards] == ["keep-1"]


def test_missing_columns_give_nothing_rather_than_everything(bank: Questionnaire) -> None:
    frame = pd.DataFrame([{"response_id": "x", "recruiter_id": "dana"}])  # no 'shared' column
    assert shared_rows(frame, "dana").empty and candidate_cards(frame, "dana", lambda h: bank) == []


def test_rebuilt_result_interprets_like_the_original(bank: Questionnaire) -> None:
    answers = generate(bank, 5, seed=3).drop(columns=["response_id", "style", "duration_seconds"])
    for _, row in answers.iterrows():
        given = {k: (v if isinstance(v, str) else int(v)) for k, v in row.items() if v is not None and not pd.isna(v)}
        original = score(bank, given)
        rebuilt = result_from_scores(bank, original.overall, original.scores())
        assert (rebuilt.band, rebuilt.near_boundary) == (original.band, original.near_boundary)
        assert interpret(bank, rebuilt).playbook == interpret(bank, original).playbook


def test_card_and_prep_sheet(bank: Questionnaire) -> None:
    weakest = bank.dimensions[2].id
    brief = Brief(want_next="Lead a brand team", questions=[bank.playbook[weakest].ask[0]])
    row = {
        "response_id": "abc123def456",
        "recruiter_id": "dana",
        "shared": True,
        "share_scores": True,
        "share_brief": brief.to_json(),
        "submitted_at": pd.Timestamp("2026-05-02T10:00:00Z"),
        "contact_name": "Alex <b>Doe</b>",
        "contact_email": "alex@example.com",
        "role": "VP Communications",
        weakest: 5.0,
    }
    (card,) = candidate_cards(frame_for(bank, [row]), "dana", lambda h: bank)
    assert card.submitted.isoformat() == "2026-05-02" and card.contact_name == "Alex <b>Doe</b>"
    assert card.brief == brief and card.scores_shared and card.reading is not None
    sheet = prep_sheet_text(card)
    assert "Prep sheet: Alex <b>Doe</b>" in sheet and "E-mail: alex@example.com" in sheet
    assert "What they want next:\n  - Lead a brand team" in sheet
    assert f"Questions they want to ask you:\n  - {bank.playbook[weakest].ask[0]}" in sheet
    assert f"{bank.dimension(weakest).name}: 5 / 100" in sheet


def test_unknown_questionnaire_version_still_lists_the_candidate(bank: Questionnaire) -> None:
    row = {"response_id": "r1", "recruiter_id": "dana", "shared": True, "submitted_at": "2026-05-02T10:00:00+00:00"}
    (card,) = candidate_cards(frame_for(bank, [row]), "dana", lambda h: None)
    assert card.reading is None and card.scores == []
    assert "no conversation brief" in prep_sheet_text(card)
    row["share_scores"] = True
    (card,) = candidate_cards(frame_for(bank, [row]), "dana", lambda h: None)
    assert card.reading is None and card.scores == [] and card.overall == 50.0


def test_campaign_table_keeps_counts_of_this_recruiter_only() -> None:
    counts = pd.DataFrame(
        [
            {"recruiter_id": "dana", "campaign": "spring", "started": 5, "completed": 4, "shared": 2},
            {"recruiter_id": "dana", "campaign": None, "started": 1, "completed": 0, "shared": 0},
            {"recruiter_id": "priya", "campaign": "data", "started": 9, "completed": 9, "shared": 9},
        ]
    )
    table = campaign_table(counts, "dana")
    assert list(table.columns) == ["campaign", "started", "completed", "shared"]
    assert table.to_dict("records") == [
        {"campaign": "spring", "started": 5, "completed": 4, "shared": 2},
        {"campaign": "(no campaign)", "started": 1, "completed": 0, "shared": 0},
    ]
    assert campaign_table(pd.DataFrame(), "dana").empty


# ----- only what was shared ------------------------------------------------------------------------


def band_score(q: Questionnaire, which: int) -> float:
    """A score inside dimension band ``which`` (0 = lowest, -1 = top)."""
    band = q.bands.dimension[which]
    return (band.min + band.max) / 2


def mixed_row(q: Questionnaire, **extra: object) -> dict:
    """Dimension 0 in the lowest band, 1 in the middle, 2 in the top; the rest lowest."""
    scores = {d.id: band_score(q, 0) for d in q.dimensions}
    scores[q.dimensions[1].id] = band_score(q, 1)
    scores[q.dimensions[2].id] = band_score(q, -1)
    return {
        "response_id": "mix0000001",
        "recruiter_id": "dana",
        "shared": True,
        "submitted_at": pd.Timestamp("2026-05-02T10:00:00Z"),
        "overall": 33.0,
        "band": q.bands.overall[0].id,
        **scores,
        **extra,
    }


def brief_of(q: Questionnaire, scores: dict) -> Brief:
    """The brief the result page builds for these scores."""
    from reports.brief import build_brief

    result = result_from_scores(q, scores["overall"], {d.id: scores[d.id] for d in q.dimensions})
    reading = interpret(q, result)
    return build_brief(q, reading, [f"{reading.playbook[0].dimension}:0"], "Somewhere with a real brand team")


def score_or_band_text(q: Questionnaire, card, sheet: str) -> list[str]:
    """Every score, band label or profile wording of this candidate that appears in the sheet."""
    found = []
    for band in [*q.bands.overall, *q.bands.dimension]:
        if band.label in sheet:
            found.append(band.label)
    for marker in ("/ 100", "Profile", "33", f"{band_score(q, 1):.0f}", f"{band_score(q, -1):.0f}"):
        if marker in sheet:
            found.append(marker)
    return found


@pytest.mark.parametrize("flag", [False, None, np.nan, "true", "yes", 0, "missing"])
def test_without_the_scores_tick_no_score_or_band_reaches_the_card_or_sheet(bank: Questionnaire, flag) -> None:
    row = mixed_row(bank)
    row["share_brief"] = brief_of(bank, row).to_json()
    if flag != "missing":
        row["share_scores"] = flag
    (card,) = candidate_cards(frame_for(bank, [row]), "dana", lambda h: bank)
    assert (card.overall, card.band_label, card.scores, card.reading, card.scores_shared) == (
        None,
        None,
        [],
        None,
        False,
    )
    sheet = prep_sheet_text(card)
    assert score_or_band_text(bank, card, sheet) == [], sheet
    assert "Scores: not shared by the candidate." in sheet
    assert "Somewhere with a real brand team" in sheet  # the brief itself is there


def test_with_the_scores_tick_the_scores_and_profile_are_shown(bank: Questionnaire) -> None:
    row = mixed_row(bank, share_scores=True)
    row["share_brief"] = brief_of(bank, row).to_json()
    (card,) = candidate_cards(frame_for(bank, [row]), "dana", lambda h: bank)
    assert card.scores_shared and card.overall == 33.0 and card.band_label == bank.bands.overall[0].label
    sheet = prep_sheet_text(card)
    assert f"Profile: {bank.bands.overall[0].label} (33 / 100)" in sheet
    for d in bank.dimensions:
        assert f"{d.name}: {row[d.id]:.0f} / 100" in sheet


@pytest.mark.parametrize("with_brief", [True, False])
def test_strengths_never_list_the_lowest_band(bank: Questionnaire, with_brief: bool) -> None:
    row = mixed_row(bank, share_scores=True)
    if with_brief:
        row["share_brief"] = brief_of(bank, row).to_json()
    (card,) = candidate_cards(frame_for(bank, [row]), "dana", lambda h: bank)
    assert card.strengths == [bank.dimensions[1].name, bank.dimensions[2].name]
    line = next(x for x in prep_sheet_text(card).splitlines() if x.startswith("Strengths to build on"))
    assert bank.dimensions[0].name not in line


def test_with_every_habit_in_the_lowest_band_strengths_say_nothing(bank: Questionnaire) -> None:
    low = {d.id: band_score(bank, 0) for d in bank.dimensions}
    for share_brief in (True, False):
        row = {**mixed_row(bank, share_scores=True), **low}
        if share_brief:
            row["share_brief"] = brief_of(bank, row).to_json()
            assert Brief.model_validate_json(row["share_brief"]).talking_points == []
        (card,) = candidate_cards(frame_for(bank, [row]), "dana", lambda h: bank)
        assert card.strengths == []
        assert "Strengths" not in prep_sheet_text(card)


def test_a_talking_point_the_shared_scores_put_in_the_lowest_band_is_not_a_strength(bank: Questionnaire) -> None:
    from reports.brief import TalkingPoint

    row = mixed_row(bank, share_scores=True)
    lowest = bank.dimensions[0]
    forged = Brief(talking_points=[TalkingPoint(dimension=lowest.id, name=lowest.name, points=[])])
    row["share_brief"] = forged.to_json()
    (card,) = candidate_cards(frame_for(bank, [row]), "dana", lambda h: bank)
    assert card.strengths == []


def test_an_unreadable_brief_shows_as_no_brief(bank: Questionnaire) -> None:
    row = mixed_row(bank, share_brief='{"want_next": 5, "evil": "<script>"}')
    (card,) = candidate_cards(frame_for(bank, [row]), "dana", lambda h: bank)
    assert card.brief is None and "no conversation brief" in prep_sheet_text(card)


def test_a_recruiter_export_keeps_only_score_shares_and_never_an_answer(bank: Questionnaire) -> None:
    from reports.prep import recruiter_export_rows

    item = next(i for i in bank.scored_items())
    rows = [
        mixed_row(bank, response_id="scores", share_scores=True),
        mixed_row(bank, response_id="brief-only", share_scores=False),
        mixed_row(bank, response_id="text-true", share_scores="true"),
        {**mixed_row(bank, response_id="unshared", share_scores=True), "shared": False},
    ]
    frame = frame_for(bank, rows)
    frame[item.id] = 4
    out = recruiter_export_rows(frame, bank)
    assert out["response_id"].tolist() == ["scores"]
    assert out[item.id].isna().all()
    assert out[bank.dimensions[1].id].tolist() == [band_score(bank, 1)]  # the scores they added stay
    assert recruiter_export_rows(frame.drop(columns=["share_scores"]), bank).empty
