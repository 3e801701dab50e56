"""The conversation brief (reports.brief): what it holds, what it never holds, and how it is read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.brief import (
    Brief,
    BriefError,
    brief_sections,
    build_brief,
    parse_brief,
    question_choices,
    score_lines,
    stored_brief,
    talking_points,
    want_next,
)
from reports.prep import result_from_scores
from scoring.engine import band_for
from scoring.interpret import interpret
from scoring.loader import load
from scoring.models import Questionnaire, TextItem

BANK = Path(__file__).resolve().parents[1] / "questions" / "strategic-candidate.yaml"


@pytest.fixture(scope="module")
def bank() -> Questionnaire:
    return load(BANK)


def reading(q: Questionnaire, bands: list[int]):
    """An interpretation whose dimension i sits in dimension band ``bands[i]`` (0 = lowest)."""
    scores = {}
    for d, which in zip(q.dimensions, bands, strict=True):
        band = q.bands.dimension[which]
        scores[d.id] = (band.min + band.max) / 2
    overall = sum(scores.values()) / len(scores)
    return interpret(q, result_from_scores(q, overall, scores))


def test_talking_points_come_from_middle_and_top_habits_only_in_questionnaire_order(bank: Questionnaire) -> None:
    top = len(bank.bands.dimension) - 1
    pattern = [top, 0, 1, 0, top, 1, 0][: len(bank.dimensions)]
    interp = reading(bank, pattern)
    points = talking_points(bank, interp)
    expected = [d.id for d, which in zip(bank.dimensions, pattern, strict=True) if which != 0]
    assert [tp.dimension for tp in points] == expected  # not sorted by score: no ranking leaks
    for tp in points:
        assert tp.points == list(bank.playbook[tp.dimension].prepare)  # band-independent text
        assert tp.name == bank.dimension(tp.dimension).name
    text = Brief(talking_points=points).to_json()
    for band in [*bank.bands.dimension, *bank.bands.overall]:
        assert band.label not in text


def test_no_talking_points_when_every_habit_is_in_the_lowest_band(bank: Questionnaire) -> None:
    assert talking_points(bank, reading(bank, [0] * len(bank.dimensions))) == []


def test_unscored_dimensions_are_not_talking_points(bank: Questionnaire) -> None:
    scores = {d.id: None for d in bank.dimensions}
    scores[bank.dimensions[0].id] = bank.bands.dimension[-1].min + 1
    interp = interpret(bank, result_from_scores(bank, None, scores))
    assert [tp.dimension for tp in talking_points(bank, interp)] == [bank.dimensions[0].id]
    assert band_for(bank.bands.dimension, None) is None


def test_build_brief_keeps_only_picked_playbook_questions(bank: Questionnaire) -> None:
    interp = reading(bank, [0] * len(bank.dimensions))
    choices = question_choices(interp)
    assert choices and len({key for key, _, _ in choices}) == len(choices)
    picked = [choices[1][0], "nonsense:0", "<script>"]
    brief = build_brief(bank, interp, picked, "  Next: a brand role  ")
    assert brief.questions == [choices[1][2]]
    assert brief.want_next == "Next: a brand role"
    assert build_brief(bank, interp, [], "   ").want_next is None
    assert build_brief(bank, interp, [], None).questions == []


def test_want_next_is_the_free_text_answer(bank: Questionnaire) -> None:
    text_items = [i for i in bank.items() if isinstance(i, TextItem)]
    assert text_items, "the bank asks what the candidate wants next in a free-text item"
    assert want_next(bank, {text_items[0].id: "  A bigger remit  "}) == "A bigger remit"
    assert want_next(bank, {text_items[0].id: "   "}) is None
    assert want_next(bank, {}) is None


def test_a_brief_round_trips_and_sections_come_in_order(bank: Questionnaire) -> None:
    interp = reading(bank, [1] * len(bank.dimensions))
    brief = build_brief(bank, interp, [question_choices(interp)[0][0]], "Head of content")
    assert parse_brief(brief.to_json()) == brief == stored_brief(brief.to_json())
    headings = [h for h, _ in brief_sections(brief)]
    assert headings[:2] == ["What they want next", "Questions they want to ask you"]
    assert headings[2:] == [f"Talking point: {d.name}" for d in bank.dimensions]
    assert brief_sections(None) == [] and brief_sections(Brief()) == []
    assert Brief().empty and not brief.empty


@pytest.mark.parametrize(
    "value",
    [
        {"want_next": "x" * 2001},
        {"questions": [""]},
        {"questions": ["q"] * 21},
        {"unknown": 1},
        {"talking_points": [{"dimension": "a", "name": "A", "points": ["p"] * 11}]},
        "{not json",
        7,
    ],
)
def test_parse_brief_refuses_what_does_not_fit(value: object) -> None:
    with pytest.raises(BriefError):
        parse_brief(value)  # type: ignore[arg-type]
    if isinstance(value, str):
        assert stored_brief(value) is None  # a page never fails on a bad stored brief


def test_score_lines() -> None:
    assert score_lines(55.4, "Developing", [("Network", 61.6), ("Story", None)]) == [
        "Profile: Developing (55 / 100)",
        "Network: 62 / 100",
        "Story: not enough answers",
    ]
    assert score_lines(None, None, []) == []
