"""reports.debrief: the scenario debrief, the candidate's own words and the answer-style notes.

Ids are read from the fixture questionnaire (tests/data/good/debrief.yaml), never hard-coded from the
shipped bank, which is being rewritten.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest

from reports.debrief import QUALITY_NOTES, own_words, quality_notes, scenario_debrief
from scoring.loader import load
from scoring.models import ChoiceItem, Questionnaire, TextItem
from scoring.quality import FLAGS

DEBRIEF = Path(__file__).resolve().parent / "data" / "good" / "debrief.yaml"


@functools.cache
def fixture() -> Questionnaire:
    return load(DEBRIEF)


def choices(q: Questionnaire) -> list[ChoiceItem]:
    return [i for i in q.items() if isinstance(i, ChoiceItem)]


def text_item(q: Questionnaire) -> TextItem:
    return next(i for i in q.items() if isinstance(i, TextItem))


def test_every_scenario_in_order_with_every_option() -> None:
    q = fixture()
    got = scenario_debrief(q, {})
    assert [d.item_id for d in got] == [i.id for i in choices(q)]
    for debrief, item in zip(got, choices(q), strict=True):
        assert debrief.text == item.text
        assert sorted(o.id for o in debrief.options) == sorted(o.id for o in item.options)
        assert {o.id: o.why for o in debrief.options} == {o.id: o.why for o in item.options}


def test_the_choice_comes_first_and_is_marked() -> None:
    q = fixture()
    item = choices(q)[0]
    picked = item.options[-1]  # not the first option, so "first" is the debrief's doing
    got = scenario_debrief(q, {item.id: picked.id})[0]
    assert got.chosen is not None and got.chosen.id == picked.id and got.chosen.chosen
    assert got.options[0] == got.chosen
    assert [o.id for o in got.others] == [o.id for o in item.options if o.id != picked.id]
    assert not any(o.chosen for o in got.others)


@pytest.mark.parametrize("value", [None, "", "no-such-option", 3, ["x"]])
def test_unanswered_or_unknown_answers_show_every_option_unchosen(value: Any) -> None:
    q = fixture()
    item = choices(q)[0]
    got = scenario_debrief(q, {item.id: value})[0]
    assert got.chosen is None
    assert [o.id for o in got.options] == [o.id for o in item.options]


def test_an_option_without_why_is_still_listed() -> None:
    q = fixture()
    bare = [(i, o) for i in choices(q) for o in i.options if o.why is None]
    assert bare, "the fixture needs an option without a why"
    item, option = bare[0]
    got = next(d for d in scenario_debrief(q, {}) if d.item_id == item.id)
    assert any(o.id == option.id and o.label == option.label and o.why is None for o in got.options)


def test_no_scores_in_the_debrief() -> None:
    q = fixture()
    for debrief in scenario_debrief(q, {}):
        for option in debrief.options:
            assert not hasattr(option, "scores")


def test_own_words_are_cleaned_plain_text_capped_at_the_item_length() -> None:
    q = fixture()
    item = text_item(q)
    typed = "  **Not bold** <b>nor this</b>\u202e\x07 — Zoë’s “plan”\r\nline two  "
    got = own_words(q, {item.id: typed})
    assert len(got) == 1 and got[0].item_id == item.id and got[0].question == item.text
    assert got[0].answer == "**Not bold** <b>nor this</b> — Zoë’s “plan”\nline two"
    long = own_words(q, {item.id: "x" * (item.max_length + 50)})[0].answer
    assert len(long) == item.max_length


@pytest.mark.parametrize("value", [None, "", "   \n ", 42])
def test_blank_own_words_are_left_out(value: Any) -> None:
    q = fixture()
    assert own_words(q, {text_item(q).id: value}) == []


def test_every_known_flag_has_one_kind_sentence() -> None:
    expected = {"straight_lining", "speeding", "inconsistent", "erratic", "acquiescence", "overclaiming"}
    assert set(QUALITY_NOTES) == expected
    assert set(FLAGS) <= expected  # every flag scoring.quality raises has a sentence
    for flag, note in QUALITY_NOTES.items():
        assert quality_notes([flag]) == [note]
        assert note.endswith(".") and len(note) < 400


def test_quality_notes_ignore_unknown_ids_and_repeats_and_keep_order() -> None:
    got = quality_notes(["speeding", "made_up", "", None, "straight_lining", "speeding", "acquiescence"])  # type: ignore[list-item]
    assert got == [QUALITY_NOTES["speeding"], QUALITY_NOTES["straight_lining"], QUALITY_NOTES["acquiescence"]]
    assert quality_notes([]) == []
    assert quality_notes(["future_flag"]) == []


def test_acquiescence_and_overclaiming_say_what_the_brief_asks() -> None:
    assert "agreeing with everything" in QUALITY_NOTES["acquiescence"]
    assert "may read you less well" in QUALITY_NOTES["acquiescence"]
    assert "don't exist" in QUALITY_NOTES["overclaiming"]
    assert "how you'd like to be seen" in QUALITY_NOTES["overclaiming"]
