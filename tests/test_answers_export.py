"""reports.answers_export: the candidate's answers as CSV and JSON round-trip, and formulas stay text."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.answers_export import (
    ITEM_COLUMNS,
    JSON_FORMAT,
    META_COLUMNS,
    SCORE_COLUMNS,
    answers_csv,
    answers_json,
)
from scoring.answers import is_blank
from scoring.engine import score
from scoring.models import ChoiceItem, LikertItem, Questionnaire, TextItem
from scoring.storable import text_problem
from tests.test_interpret import BANK, MINIMAL, cached, extreme

FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1:A9)", "\tTAB", "\rCR", "\nLF"]


def blocks(data: bytes) -> list[list[list[str]]]:
    """The CSV's blocks (separated by an empty row), each a list of rows."""
    text = data.decode("utf-8-sig")
    out: list[list[list[str]]] = [[]]
    for row in csv.reader(io.StringIO(text, newline="")):
        if row:
            out[-1].append(row)
        else:
            out.append([])
    return out


def text_item(q: Questionnaire) -> TextItem:
    return next(i for i in q.items() if isinstance(i, TextItem))


@pytest.fixture(scope="module")
def mini() -> Questionnaire:
    return cached(MINIMAL)


@pytest.fixture(scope="module")
def bank() -> Questionnaire:
    return cached(BANK)


MINI_ANSWERS: dict[str, Any] = {"p1": 5, "p2": 1, "p3": 4, "e1": 2, "s1": "listen", "note": "Thanks – “great”, Zoë"}


def test_csv_has_one_row_per_question_in_order(mini: Questionnaire) -> None:
    result = score(mini, MINI_ANSWERS)
    items, *_ = blocks(answers_csv(mini, MINI_ANSWERS, result))
    assert items[0] == ITEM_COLUMNS
    rows = [dict(zip(ITEM_COLUMNS, r, strict=True)) for r in items[1:]]
    assert [r["item_id"] for r in rows] == [i.id for i in mini.items()]
    by_id = {r["item_id"]: r for r in rows}
    assert by_id["p1"] == {
        "item_id": "p1",
        "section": "Recruiter calls",
        "question": mini.item("p1").text,  # type: ignore[union-attr]
        "answer": "5",
        "answer_label": "Strongly agree",
        "dimension": "partnership",
        "reverse_keyed": "no",
    }
    assert by_id["p2"]["reverse_keyed"] == "yes"
    assert by_id["e2"]["answer"] == "" and by_id["e2"]["answer_label"] == ""  # unanswered stays blank
    assert by_id["s1"]["answer"] == "listen"
    assert by_id["s1"]["answer_label"] == "Take the call and ask what the client really needs"
    assert by_id["s1"]["dimension"] == "exploration;partnership"
    assert by_id["note"]["answer"] == MINI_ANSWERS["note"]
    assert by_id["note"]["dimension"] == ""


def test_csv_scores_and_identity(mini: Questionnaire) -> None:
    result = score(mini, MINI_ANSWERS)
    _, scores, meta = blocks(answers_csv(mini, MINI_ANSWERS, result))
    assert scores[0] == SCORE_COLUMNS
    got = {r[0]: r for r in scores[1:]}
    for dim in mini.dimensions:
        ds = result.dimensions[dim.id]
        row = got[dim.id]
        assert row[1] == dim.name
        assert (float(row[2]) if row[2] else None) == (None if ds.score is None else round(ds.score, 1))
        assert row[4:] == [str(ds.answered), str(ds.total)]
    assert result.overall is not None
    assert float(got["overall"][2]) == round(result.overall, 1)
    assert got["overall"][3] == next(b.label for b in mini.bands.overall if b.id == result.band)
    assert meta == [META_COLUMNS, [mini.meta.id, mini.meta.version, mini.meta.title, mini.content_hash]]


def test_csv_is_utf8_with_bom_for_spreadsheets(mini: Questionnaire) -> None:
    data = answers_csv(mini, MINI_ANSWERS, score(mini, MINI_ANSWERS))
    assert data.startswith(b"\xef\xbb\xbf")
    assert "Zoë" in data.decode("utf-8-sig")


@pytest.mark.parametrize("typed", FORMULAS)
def test_formula_answers_are_neutralised(mini: Questionnaire, typed: str) -> None:
    answers = {**MINI_ANSWERS, "note": typed}
    items, *_ = blocks(answers_csv(mini, answers, score(mini, answers)))
    row = next(r for r in items[1:] if r[0] == text_item(mini).id)
    assert row[ITEM_COLUMNS.index("answer")] == "'" + typed


def test_no_cell_starts_like_a_formula(bank: Questionnaire) -> None:
    answers: dict[str, Any] = dict(extreme(bank, high=False))
    for item in bank.items():
        if isinstance(item, TextItem):
            answers[item.id] = "=1+1"
    data = answers_csv(bank, answers, score(bank, answers))
    cells = [c for block in blocks(data) for row in block for c in row]
    assert [c for c in cells if c[:1] in {"=", "+", "@", "\t", "\r", "\n"}] == []
    assert [c for c in cells if c.startswith("-") and not _is_number(c)] == []


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_json_round_trips(mini: Questionnaire) -> None:
    result = score(mini, MINI_ANSWERS)
    doc = json.loads(answers_json(mini, MINI_ANSWERS, result).decode("utf-8"))
    assert doc["format"] == JSON_FORMAT
    assert doc["questionnaire"] == {
        "id": mini.meta.id,
        "version": mini.meta.version,
        "title": mini.meta.title,
        "content_hash": mini.content_hash,
    }
    assert doc["answers"] == MINI_ANSWERS
    assert list(doc["answers"]) == [i.id for i in mini.items() if i.id in MINI_ANSWERS]
    assert score(mini, doc["answers"]) == result  # the export re-scores to the same result
    assert doc["overall"]["band"] == result.band
    assert doc["overall"]["near_boundary"] is result.near_boundary
    for dim in mini.dimensions:
        ds = result.dimensions[dim.id]
        assert doc["scores"][dim.id]["score"] == (None if ds.score is None else round(ds.score, 1))
        assert doc["scores"][dim.id]["band"] == ds.band
    assert [i["item_id"] for i in doc["items"]] == [i.id for i in mini.items()]


def test_json_keeps_formula_text_verbatim(mini: Questionnaire) -> None:
    answers = {**MINI_ANSWERS, "note": FORMULAS[0]}
    doc = json.loads(answers_json(mini, answers, score(mini, answers)))
    assert doc["answers"]["note"] == FORMULAS[0]  # JSON is data, not a spreadsheet: nothing to neutralise


def test_result_of_another_questionnaire_is_refused(mini: Questionnaire, bank: Questionnaire) -> None:
    result = score(bank, extreme(bank, high=True))
    with pytest.raises(ValueError, match="result is for"):
        answers_csv(mini, MINI_ANSWERS, result)
    with pytest.raises(ValueError, match="result is for"):
        answers_json(mini, MINI_ANSWERS, result)


def answer_strategy(q: Questionnaire) -> st.SearchStrategy[dict[str, Any]]:
    """Any valid partial answer set, free text included."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for item in q.items():
        if isinstance(item, LikertItem):
            fields[item.id] = st.sampled_from(q.scales[item.scale].values())
        elif isinstance(item, ChoiceItem):
            fields[item.id] = st.sampled_from([o.id for o in item.options])
        else:
            # Any text the store accepts (scoring.storable): control characters and lone surrogates are refused.
            fields[item.id] = st.text(max_size=60).filter(lambda t: text_problem(t, multiline=True) is None)
    return st.fixed_dictionaries({}, optional=fields)


@settings(max_examples=40, deadline=None)
@given(answer_strategy(cached(MINIMAL)))
def test_any_answers_round_trip(answers: dict[str, Any]) -> None:
    q = cached(MINIMAL)
    result = score(q, answers)
    doc = json.loads(answers_json(q, answers, result))
    # A blank answer (empty or whitespace-only text) is no answer: left out of the JSON, an empty CSV cell.
    assert doc["answers"] == {k: v for k, v in answers.items() if not is_blank(v)}
    items, *_ = blocks(answers_csv(q, answers, result))
    got = {r[0]: r[ITEM_COLUMNS.index("answer")] for r in items[1:]}
    for item_id, value in answers.items():
        text = "" if is_blank(value) else str(value)
        expected = "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r", "\n"} else text
        assert got[item_id] == expected
