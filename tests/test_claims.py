"""Claim items (statements naming things that do not exist) everywhere an item flows: answer checks,
the store, exports and codebook, the quiz flow and widget — never scored, always kept as raw answers."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cohort import aggregate as agg
from reports.answers_export import answer_rows, answers_csv, answers_json
from scoring.engine import AnswerError, answers_from_row, check_answers, check_frame, plan, score, score_frame
from scoring.flow import answerable_items, clean_answers, first_unfinished_page, missing_required, progress
from scoring.loader import load
from scoring.models import ClaimItem, LikertItem, Questionnaire
from scoring.reliability import reliability_table
from scoring.sample import generate
from service import submissions
from storage import InvalidAnswers, Store

ROOT = Path(__file__).resolve().parents[1]
BALANCED = ROOT / "tests" / "data" / "good" / "balanced.yaml"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return load(BALANCED)


def full_answers(q: Questionnaire, claim: int = 1) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in q.items():
        if isinstance(item, LikertItem):
            out[item.id] = 2 if item.reverse else 4
        elif isinstance(item, ClaimItem):
            out[item.id] = claim
        elif hasattr(item, "options"):
            out[item.id] = item.options[2].id
    return out


def test_the_fixture_has_the_shape_of_the_new_bank(q: Questionnaire) -> None:
    assert len(q.dimensions) == 7 and len(q.claim_items()) == 3
    assert [i for i in q.scored_items() if isinstance(i, ClaimItem)] == []
    for dim in q.dimensions:
        keys = [i.reverse for i in q.items() if isinstance(i, LikertItem) and i.dimension == dim.id]
        assert sorted(keys) == [False, False, True, True]


@pytest.mark.parametrize("bad", [0, 6, 2.5, "4", True, None])
def test_claim_answers_are_checked_as_scale_values(q: Questionnaire, bad: Any) -> None:
    problems = check_answers(q, {"claim_1": bad})
    assert problems == [] if bad is None else problems == [f"claim_1: {bad!r} is not one of [1, 2, 3, 4, 5]"]
    assert check_answers(q, {"claim_1": 5}) == []


def test_claims_are_never_scored(q: Questionnaire) -> None:
    assert all(ld.item_id not in {c.id for c in q.claim_items()} for lds in plan(q).loadings.values() for ld in lds)
    assert score(q, full_answers(q, claim=1)) == score(q, full_answers(q, claim=5))
    frame = pd.DataFrame([full_answers(q, 1), full_answers(q, 5)])
    scores = score_frame(q, frame)
    assert scores.iloc[0].equals(scores.iloc[1])
    with pytest.raises(AnswerError):
        score(q, {"claim_2": 9})


def test_frames_check_claim_columns(q: Questionnaire) -> None:
    frame = pd.DataFrame([{**full_answers(q), "claim_3": "7"}, full_answers(q)]).astype(str)
    assert check_frame(q, frame) == [(1, "claim_3: '7' is not one of [1, 2, 3, 4, 5]")]
    missing = check_frame(q, pd.DataFrame([full_answers(q)]).drop(columns="claim_2"))
    assert missing == [(0, "missing item columns (treated as unanswered): claim_2")]
    assert answers_from_row(q, {"claim_1": "4", "claim_2": ""}) == {"claim_1": 4}


def test_reliability_ignores_claims(q: Questionnaire) -> None:
    table = reliability_table(q, generate(q, 300, seed=1))
    assert not set(table["item"]) & {c.id for c in q.claim_items()}


def test_exports_carry_the_raw_claim_answer(q: Questionnaire) -> None:
    answers = full_answers(q, claim=4)
    result = score(q, answers)
    row = next(r for r in answer_rows(q, answers) if r["item_id"] == "claim_1")
    assert (row["answer"], row["answer_label"], row["dimension"], row["reverse_keyed"]) == (4, "Agree", "", False)
    rows = list(csv.reader(io.StringIO(answers_csv(q, answers, result).decode("utf-8-sig"))))
    assert ["claim_2", "What you know", q.item("claim_2").text, "4", "Agree", "", "no"] in rows
    assert json.loads(answers_json(q, answers, result))["answers"]["claim_3"] == 4


def test_codebook_describes_claims_as_not_scored(q: Questionnaire) -> None:
    book = agg.codebook(q).set_index("column")
    assert book.loc["claim_1", "kind"] == "claim (not scored)"
    assert book.loc["claim_1", "scale"].startswith("agree5 (Agreement): 1=Strongly disagree")
    assert pd.isna(book.loc["claim_1", "dimension"])
    assert "claim_1" in agg.export_columns(q, include_contact=False)


def test_claims_are_required_answers_in_the_flow(q: Questionnaire) -> None:
    assert [i.id for i in answerable_items(q) if isinstance(i, ClaimItem)] == ["claim_1", "claim_2", "claim_3"]
    page = q.sections[1]
    assert missing_required(page, {}) == [i.text for i in page.items]
    answers = {k: v for k, v in full_answers(q).items() if k != "claim_2"}
    assert missing_required(page, answers) == [q.item("claim_2").text]
    assert first_unfinished_page(q, answers) == 1
    _, caption = progress(q, 1, answers)
    assert f"{len(answers)} of 40 answered" in caption  # 28 statements + 3 claims + 9 scenarios
    assert clean_answers(q, {"claim_1": 3, "gone": 1}) == {"claim_1": 3}


def test_store_keeps_claim_answers_as_numbers_and_flags_overclaiming(store: Store, q: Questionnaire) -> None:
    started = store.start(q, now=T0)
    with pytest.raises(InvalidAnswers, match="claim_1: 9 is not one of"):
        store.save_answers(started.resume_token, {"claim_1": 9}, now=T0)
    store.save_answers(started.resume_token, {"claim_1": 5, "claim_2": 4}, page=1, now=T0)
    assert {k: v for k, v in store.progress(started.resume_token).answers.items()} == {"claim_1": 5, "claim_2": 4}
    stored = submissions.submit(store, started.resume_token, full_answers(q, claim=5), now=T0 + timedelta(minutes=8))
    assert stored.answers["claim_3"] == 5 and isinstance(stored.answers["claim_3"], int)
    assert "overclaiming" in stored.flags
    assert stored.overall == score(q, full_answers(q, claim=1)).overall
    frame = store.responses_frame(include_answers=True)
    claim_column = next(c for c in frame.columns if c.endswith("claim_1"))
    assert frame[claim_column].tolist() == [5]


def _render_two_items() -> None:
    from pathlib import Path

    from scoring.loader import load
    from ui.components import question

    q = load(Path.cwd() / "tests" / "data" / "good" / "balanced.yaml")
    answers = {"claim_1": 4}
    for item_id in ("partnership_1", "claim_1"):
        question(q, q.item(item_id), answers, lambda _item_id: None)


def test_quiz_renders_a_claim_exactly_like_a_statement(q: Questionnaire, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from ui.state import widget_key

    monkeypatch.chdir(ROOT)
    at = AppTest.from_function(_render_two_items).run()
    assert not at.exception and not at.error
    statement, claim = at.radio(key=widget_key("partnership_1")), at.radio(key=widget_key("claim_1"))
    assert claim.label == q.item("claim_1").text
    assert claim.options == statement.options == ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"]
    assert claim.proto.horizontal and statement.proto.horizontal
    assert (statement.value, claim.value) == (None, 4)  # a stored claim answer comes back into the widget
