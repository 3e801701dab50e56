"""The one rule for storable text (scoring.storable), and where the pure core applies it."""

from __future__ import annotations

from typing import Any

import pytest

from access.links import LinkPayload
from scoring.engine import AnswerError, check_answers, score
from scoring.storable import storable, text_problem

FULL = {"p1": 4, "p2": 2, "p3": 5, "e1": 4, "e2": 2, "s1": "listen"}


@pytest.mark.parametrize(
    "text",
    ["plain", "", "Zoë’s “quotes” — ok", "emoji 👩‍💻 with a joiner", "right-to-left עברית", "\u00a0no-break"],
)
def test_ordinary_text_is_storable_on_one_line_and_many(text: str) -> None:
    assert text_problem(text, multiline=False) is None
    assert text_problem(text, multiline=True) is None


@pytest.mark.parametrize("text", ["two\nlines", "tab\there", "windows\r\nbreak", "a\n\n\nb"])
def test_free_text_keeps_line_breaks_and_tabs(text: str) -> None:
    assert storable(text, multiline=True)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("nul\x00byte", "control character (U+0000)"),
        ("escape\x1b[31m", "control character (U+001B)"),
        ("bell\x07", "control character (U+0007)"),
        ("delete\x7f", "control character (U+007F)"),
        ("c1\x9b", "control character (U+009B)"),
        ("lone \ud800 high", "lone surrogate, U+D800"),
        ("lone \udfff low", "lone surrogate, U+DFFF"),
    ],
)
def test_control_characters_and_lone_surrogates_are_refused_everywhere(text: str, words: str) -> None:
    for multiline in (True, False):
        problem = text_problem(text, multiline=multiline)
        assert problem is not None and words in problem


@pytest.mark.parametrize("text", ["Ada\nLovelace", "Ada\rLovelace", "Ada\u2028Lovelace", "Ada\u2029x", "Ada\x85x"])
def test_a_single_line_value_has_no_line_break_of_any_kind(text: str) -> None:
    assert text_problem(text, multiline=False) == "must be on a single line (it contains a line break)"


def test_a_single_line_value_has_no_tab() -> None:
    assert "control character (U+0009)" in text_problem("Ada\tLovelace", multiline=False)


@pytest.mark.parametrize("bad", ["a\x00b", "\ud83d alone", "esc\x1b"])
def test_answer_check_refuses_unstorable_free_text(minimal_q: Any, bad: str) -> None:
    problems = check_answers(minimal_q, {**FULL, "note": bad})
    assert len(problems) == 1 and problems[0].startswith("note: text contains")
    with pytest.raises(AnswerError):
        score(minimal_q, {**FULL, "note": bad})


def test_answer_check_accepts_multiline_free_text(minimal_q: Any) -> None:
    assert check_answers(minimal_q, {**FULL, "note": "first line\n\tsecond line\r\nthird"}) == []


@pytest.mark.parametrize("role", ["Head of\nComms", "Head\x00of Comms", "Head \ud800"])
def test_a_link_role_must_be_one_storable_line(role: str) -> None:
    with pytest.raises(ValueError):  # pydantic itself refuses a lone surrogate; our rule the rest
        LinkPayload(recruiter="dana", campaign="spring", role=role, questionnaire="mini")
    assert LinkPayload(recruiter="dana", campaign="spring", role="Head of Comms", questionnaire="mini").role
