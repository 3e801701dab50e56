"""The recruiter view's pure core: filtering by recruiter and consent, prep sheets, campaign counts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoring.engine import score
from scoring.interpret import interpret
from scoring.loader import load
from scoring.models import Questionnaire
from scoring.prep import campaign_table, candidate_cards, prep_sheet_text, result_from_scores, shared_rows
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
    row = {
        "response_id": "abc123def456",
        "recruiter_id": "dana",
        "shared": True,
        "submitted_at": pd.Timestamp("2026-05-02T10:00:00Z"),
        "contact_name": "Alex <b>Doe</b>",
        "contact_email": "alex@example.com",
        "role": "VP Communications",
        weakest: 5.0,
    }
    (card,) = candidate_cards(frame_for(bank, [row]), "dana", lambda h: bank)
    assert card.submitted.isoformat() == "2026-05-02" and card.contact_name == "Alex <b>Doe</b>"
    assert card.reading is not None and card.reading.playbook[0].dimension == weakest
    sheet = prep_sheet_text(card)
    assert "Prep sheet: Alex <b>Doe</b>" in sheet and "E-mail: alex@example.com" in sheet
    assert bank.dimension(weakest).name in sheet and "Questions they may ask you:" in sheet
    for ask in bank.playbook[weakest].ask:
        assert ask in sheet


def test_unknown_questionnaire_version_still_lists_the_candidate(bank: Questionnaire) -> None:
    row = {"response_id": "r1", "recruiter_id": "dana", "shared": True, "submitted_at": "2026-05-02T10:00:00+00:00"}
    (card,) = candidate_cards(frame_for(bank, [row]), "dana", lambda h: None)
    assert card.reading is None and card.scores == []
    assert "no prep notes" in prep_sheet_text(card)


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
