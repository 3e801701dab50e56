"""scoring/flow.py: the quiz flow's pure decisions, on tests/data/good/minimal.yaml.

That questionnaire has two pages: ``calls`` (p1, p2, p3) and ``roles`` (e1, e2, the choice s1 and the
optional free-text ``note``), so six answerable items.
"""

from __future__ import annotations

from typing import Any

import pytest

from scoring.flow import (
    LinkOutcome,
    answerable_items,
    answered,
    clean_answers,
    first_unfinished_page,
    minutes_left,
    missing_required,
    progress,
)
from scoring.models import Questionnaire

CALLS = {"p1": 4, "p2": 2, "p3": 5}
ROLES = {"e1": 3, "e2": 1, "s1": "listen"}
EVERYTHING = {**CALLS, **ROLES, "note": "Thanks"}


def with_minutes(q: Questionnaire, minutes: int) -> Questionnaire:
    return q.model_copy(update={"meta": q.meta.model_copy(update={"estimated_minutes": minutes})})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        ("", False),
        ("   \n\t", False),
        ("listen", True),
        (" x ", True),
        (0, True),  # a zero is an answer, not a blank
        (False, True),
        (3, True),
    ],
)
def test_answered(value: Any, expected: bool) -> None:
    assert answered(value) is expected


def test_answerable_items_leave_out_free_text(minimal_q: Questionnaire) -> None:
    assert [i.id for i in answerable_items(minimal_q)] == ["p1", "p2", "p3", "e1", "e2", "s1"]


@pytest.mark.parametrize(
    ("page", "answers", "missing"),
    [
        (0, {}, ["p1", "p2", "p3"]),
        (0, {"p1": 4, "p3": 5}, ["p2"]),
        (0, {"p1": 4, "p2": None, "p3": 5}, ["p2"]),
        (0, CALLS, []),
        (1, {"e1": 3, "e2": 1, "s1": "  "}, ["s1"]),  # blank text is no answer
        (1, ROLES, []),  # the free-text note is optional
        (1, {}, ["e1", "e2", "s1"]),
    ],
)
def test_missing_required_names_the_questions_in_page_order(
    minimal_q: Questionnaire, page: int, answers: dict[str, Any], missing: list[str]
) -> None:
    section = minimal_q.sections[page]
    texts = {i.id: i.text for i in section.items}
    assert missing_required(section, answers) == [texts[i] for i in missing]


@pytest.mark.parametrize(
    ("answers", "minutes"),
    [
        ({}, 12),
        ({"p1": 4}, 10),  # 12 × 5/6
        (CALLS, 6),  # 12 × 3/6
        ({**CALLS, "e1": 3, "e2": 1}, 2),  # 12 × 1/6
        ({**CALLS, **ROLES}, 0),
        ({"note": "only the free text"}, 12),  # free text does not count towards the estimate
    ],
)
def test_minutes_left_scale_with_what_is_unanswered(
    minimal_q: Questionnaire, answers: dict[str, Any], minutes: int
) -> None:
    assert minutes_left(with_minutes(minimal_q, 12), answers) == minutes


def test_minutes_left_never_shows_zero_before_the_end(minimal_q: Questionnaire) -> None:
    q = with_minutes(minimal_q, 1)
    assert minutes_left(q, {**CALLS, "e1": 3, "e2": 1}) == 1  # 1 × 1/6 rounds up, never down to 0
    assert minutes_left(q, {**CALLS, **ROLES}) == 0


def test_progress_fraction_and_caption(minimal_q: Questionnaire) -> None:
    q = with_minutes(minimal_q, 12)
    assert progress(q, 0, {}) == (0.0, "Page 1 of 2 · 0 of 6 answered · about 12 minutes left")
    assert progress(q, 1, {**CALLS, "e1": 3, "e2": 1}) == (0.5, "Page 2 of 2 · 5 of 6 answered · about 2 minutes left")
    assert progress(with_minutes(minimal_q, 1), 1, CALLS) == (
        0.5,
        "Page 2 of 2 · 3 of 6 answered · about 1 minute left",
    )
    assert progress(q, 1, EVERYTHING) == (0.5, "Page 2 of 2 · 6 of 6 answered · almost done")


@pytest.mark.parametrize(("page", "shown"), [(-3, 0), (0, 0), (1, 1), (2, 1), (99, 1)])
def test_progress_clamps_the_page(minimal_q: Questionnaire, page: int, shown: int) -> None:
    fraction, caption = progress(minimal_q, page, {})
    assert fraction == shown / 2
    assert caption.startswith(f"Page {shown + 1} of 2 ·")


@pytest.mark.parametrize(
    ("answers", "page"),
    [
        ({}, 0),
        ({"p1": 4, "p2": 2}, 0),
        (CALLS, 1),
        ({**ROLES}, 0),  # a gap on page 1 sends the candidate back there
        ({**CALLS, **ROLES}, 1),  # all done: the last page, where the submit button is
        (EVERYTHING, 1),
    ],
)
def test_first_unfinished_page(minimal_q: Questionnaire, answers: dict[str, Any], page: int) -> None:
    assert first_unfinished_page(minimal_q, answers) == page


def test_clean_answers_drops_blanks_and_unknown_keys_and_trims_free_text(minimal_q: Questionnaire) -> None:
    given = {
        "p1": 4,
        "p2": None,
        "s1": "listen",
        "e1": "",
        "note": "  keep the words, not the spaces \n",
        "gone_in_v2": 3,
    }
    assert clean_answers(minimal_q, given) == {"p1": 4, "s1": "listen", "note": "keep the words, not the spaces"}
    assert clean_answers(minimal_q, {}) == {}
    assert given["note"] == "  keep the words, not the spaces \n"  # the input is not changed


def test_link_outcome_defaults_to_no_attribution() -> None:
    outcome = LinkOutcome()
    assert (outcome.recruiter_id, outcome.campaign, outcome.role, outcome.questionnaire_id, outcome.notice) == (
        None,
        None,
        None,
        None,
        None,
    )
    with pytest.raises(AttributeError):
        outcome.recruiter_id = "someone"  # type: ignore[misc]  # frozen
