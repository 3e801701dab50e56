"""The candidate's result page through the real entry point (AppTest): scenario debrief, own words,
answer-style notes, strengths; and the welcome page's copy.

The app is pointed at a questions folder holding only tests/data/good/debrief.yaml (scenarios with
``why`` texts), so nothing here depends on the shipped bank's ids, which are being rewritten.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import storage
from access.safetext import safe_markdown
from reports.debrief import QUALITY_NOTES
from scoring.interpret import interpret
from scoring.loader import load
from scoring.models import MAX_TEXT, ChoiceItem, LikertItem, Questionnaire, TextItem
from tests.candidate_support import bank, button, new_app
from ui.state import widget_key

DEBRIEF = Path(__file__).resolve().parent / "data" / "good" / "debrief.yaml"
TYPED = (
    "  **Not bold** <b>nor this</b> <script>alert(1)</script> $x^2$ :red[no] [link](https://evil.example)\n"
    "Zoë’s “plan” – line two"
)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> storage.Store:
    url = f"sqlite:///{tmp_path / 'cr.sqlite3'}"
    monkeypatch.setenv("CAREER_RADAR_DATABASE_URL", url)
    return storage.Store(url)


@pytest.fixture
def fixture_bank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Questionnaire:
    """The app's questions folder holds only the debrief fixture."""
    folder = tmp_path / "questions"
    folder.mkdir()
    shutil.copy(DEBRIEF, folder / DEBRIEF.name)
    monkeypatch.setattr("ui.resources.QUESTIONS_DIR", folder)
    return load(DEBRIEF)


def choices(q: Questionnaire) -> list[ChoiceItem]:
    return [i for i in q.items() if isinstance(i, ChoiceItem)]


def answers_for(q: Questionnaire, likert: int, text: str | None) -> dict[str, Any]:
    """Every Likert item ``likert``; each scenario but the last (optional) gets its LAST option; the text."""
    out: dict[str, Any] = {i.id: likert for i in q.items() if isinstance(i, LikertItem)}
    scenarios = choices(q)
    assert not scenarios[-1].required, "the fixture's last scenario must be optional"
    out.update({s.id: s.options[-1].id for s in scenarios[:-1]})
    if text is not None:
        out[next(i.id for i in q.items() if isinstance(i, TextItem))] = text
    return out


def walk(at: AppTest, q: Questionnaire, answers: dict[str, Any]) -> None:
    button(at, "Start").click().run()
    for index, section in enumerate(q.sections):
        for item in section.items:
            if item.id not in answers:
                continue
            if isinstance(item, TextItem):
                at.text_area(key=widget_key(item.id)).input(answers[item.id])
            else:
                at.radio(key=widget_key(item.id)).set_value(answers[item.id])
        at.run()
        button(at, "See my result" if index == len(q.sections) - 1 else "Next").click().run()
        assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])


def result_page(q: Questionnaire, likert: int = 4, text: str | None = TYPED) -> AppTest:
    at = new_app()
    at.run()
    walk(at, q, answers_for(q, likert, text))
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["cr_flow"].stage == "results"
    return at


def all_markdown(node: Any) -> str:
    return "\n".join(m.value for m in node.markdown) + "\n" + "\n".join(c.value for c in node.caption)


def unescape(md: str) -> str:
    """What a reader sees of escaped markdown, near enough for matching: backslash escapes dropped."""
    return re.sub(r"\\(.)", r"\1", md).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_debrief_shows_every_scenario_with_every_option_and_the_choice_first(db, fixture_bank) -> None:
    q = fixture_bank
    at = result_page(q)
    assert "Your scenarios, debriefed" in [s.value for s in at.subheader]
    expanders = [e for e in at.expander if re.match(r"\d+\. ", e.label)]
    assert len(expanders) == len(choices(q))
    for expander, item in zip(expanders, choices(q), strict=True):
        shown = unescape(all_markdown(expander))
        assert item.text in shown
        for option in item.options:  # every option, with its why when it has one; never a score
            assert option.label in shown
            if option.why:  # as safe_markdown shows it: a link becomes its label
                assert unescape(safe_markdown(option.why, MAX_TEXT)) in shown
        assert not re.search(r"\b0\.\d+\b|\d+ ?%", shown)
    answered, unanswered = expanders[0], expanders[-1]
    picked = choices(q)[0].options[-1]
    first = unescape(answered.markdown[1].value)  # [0] is the scenario, [1] the choice
    assert "Your choice" in first and picked.label in first
    assert "Your choice" not in unescape(all_markdown(unanswered))
    assert "Not answered" in unanswered.label and "Not answered" not in answered.label
    assert "You didn't answer this one" in all_markdown(unanswered)


def test_debrief_text_cannot_turn_into_markup(db, fixture_bank) -> None:
    at = result_page(fixture_bank)
    raw = [m.value for e in at.expander for m in e.markdown]
    joined = "\n".join(raw)
    # The fixture's whys hold "<b>", "**…**", a link and "$…$": HTML, links and LaTeX stay inert.
    assert "<b>" not in joined and "](https://" not in joined
    assert "\\$90k" in joined and "&lt;b&gt;" in joined


def test_own_words_are_shown_verbatim_as_plain_text(db, fixture_bank) -> None:
    q = fixture_bank
    at = result_page(q)
    assert "In your own words" in [s.value for s in at.subheader]
    question = next(i for i in q.items() if isinstance(i, TextItem)).text
    assert question in [c.value for c in at.caption]
    assert [t.value for t in at.text] == [TYPED.strip()]
    # Never through markdown or HTML: the typed markup appears in no markdown element.
    assert not any("<script>" in m.value or "<b>" in m.value for m in at.markdown)


def test_no_own_words_section_when_nothing_was_typed(db, fixture_bank) -> None:
    at = result_page(fixture_bank, text=None)
    assert "In your own words" not in [s.value for s in at.subheader]
    assert not at.text


def test_same_answer_everywhere_gets_a_kind_note(db, fixture_bank) -> None:
    at = result_page(fixture_bank, likert=4)
    notes = " ".join(i.value for i in at.info)
    assert "A note on how you answered" in notes
    assert QUALITY_NOTES["straight_lining"] in notes
    assert "doesn't change your scores" in notes


def varied(q: Questionnaire) -> dict[str, Any]:
    """Answers no pattern flag catches: plain statements lean to agree, reversed ones to disagree, varied."""
    answers = answers_for(q, 4, None)
    likert = [i for i in q.items() if isinstance(i, LikertItem)]
    for k, item in enumerate(likert):
        answers[item.id] = (2 if k % 3 else 3) if item.reverse else (4 if k % 2 else 3)
    return answers


def shown_notes(at: AppTest) -> set[str]:
    """Which quality notes the page shows, by flag id."""
    text = " ".join(i.value for i in at.info)
    return {flag for flag, note in QUALITY_NOTES.items() if note in text}


def submitted_at_leisure(db: storage.Store, q: Questionnaire, answers: dict[str, Any]) -> str:
    """A response submitted through the service ten minutes after it started; its private resume token."""
    from service import submissions

    t0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    started = db.start(q, now=t0)
    submissions.submit(db, started.resume_token, answers, now=t0 + timedelta(minutes=10))
    return started.resume_token


def test_the_notes_are_the_flags_stored_at_submit(db, fixture_bank) -> None:
    q = fixture_bank
    at = new_app()
    at.run()
    walk(at, q, varied(q))
    assert not at.exception and not at.error
    stored = db.result(at.session_state["cr_flow"].resume_token)
    assert "speeding" in stored.flags  # AppTest answers in a blink, and the store timed it at submit
    assert shown_notes(at) == set(stored.flags)


def test_a_result_link_shows_what_was_flagged_at_submit(db, fixture_bank) -> None:
    q = fixture_bank
    calm = new_app({"r": submitted_at_leisure(db, q, varied(q))})
    calm.run()
    assert not calm.exception and not calm.error
    assert "Your Career Radar result" in [c.value for c in calm.caption]
    assert "A note on how you answered" not in " ".join(i.value for i in calm.info)
    token = submitted_at_leisure(db, q, answers_for(q, 4, None))
    same = new_app({"r": token})
    same.run()
    assert not same.exception and not same.error
    flags = set(db.result(token).flags)
    assert "straight_lining" in flags and "speeding" not in flags  # ten minutes is no speeding
    assert shown_notes(same) == flags


def test_the_page_reads_the_stored_flags_rather_than_flagging_again(db, fixture_bank) -> None:
    from sqlalchemy import create_engine, update

    from storage.schema import responses

    q = fixture_bank
    token = submitted_at_leisure(db, q, varied(q))  # nothing to flag in these answers
    engine = create_engine(db.url)
    with engine.begin() as conn:  # as if the flagging rules had said so when it was submitted
        conn.execute(update(responses).values(flags='["acquiescence"]'))
    engine.dispose()
    at = new_app({"r": token})
    at.run()
    assert not at.exception and not at.error
    assert shown_notes(at) == {"acquiescence"}


def test_a_preview_flags_the_tab_s_answers_when_the_store_is_away(
    db, fixture_bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise storage.StoreUnavailable("database is locked")

    monkeypatch.setattr(storage.Store, "submit", broken)
    at = result_page(fixture_bank, likert=4)
    flow = at.session_state["cr_flow"]
    assert flow.store_failed and flow.submitted is None
    assert "couldn't save your result" in " ".join(w.value for w in at.warning)
    from scoring.flow import clean_answers
    from service.submissions import evaluate

    expected = set(evaluate(fixture_bank, clean_answers(fixture_bank, flow.answers)).flags)
    assert "straight_lining" in expected and "speeding" not in expected  # a preview has no duration
    assert shown_notes(at) == expected


def test_strengths_come_only_from_middle_and_top_bands(db, fixture_bank) -> None:
    q = fixture_bank
    high = result_page(q, likert=5)  # reverse items at 5 score 0: middling dimensions, not low ones
    interp = interpret(q, high.session_state["cr_flow"].local_result)
    line = [m.value for m in high.markdown if m.value.startswith("**Already working for you:**")]
    assert interp.strongest, "the fixture answers should put some dimension above the low band"
    assert len(line) == 1
    for dim in interp.strongest:
        assert interp.reading(dim).name in line[0]
    low = result_page(q, likert=1)  # plain items at 1: every dimension sits in the low band
    low_interp = interpret(q, low.session_state["cr_flow"].local_result)
    assert low_interp.strongest == []
    assert not [m for m in low.markdown if "Already working for you" in m.value]


def test_welcome_says_what_it_covers_without_saying_what_scores_well(db, fixture_bank) -> None:
    q = fixture_bank
    at = new_app()
    at.run()
    assert not at.exception and not at.error
    copy = " ".join(m.value for m in at.markdown) + " " + " ".join(i.value for i in at.info)
    assert "self-reflection, not a screening test" in copy
    for section in q.sections:
        assert section.title in copy
    assert "debrief of each scenario" in copy
    assert not re.search(r"strateg|tactic", copy, re.IGNORECASE)


def test_welcome_of_the_shipped_bank_names_its_pages_and_no_verdict(db) -> None:
    q = bank()
    at = new_app()
    at.run()
    assert not at.exception and not at.error
    copy = " ".join(m.value for m in at.markdown) + " " + " ".join(i.value for i in at.info)
    assert "self-reflection, not a screening test" in copy
    assert f"across {len(q.dimensions)} areas" in copy
    for section in q.sections:
        assert unescape(section.title) in unescape(copy)
    assert not re.search(r"strateg|tactic", copy, re.IGNORECASE)


@pytest.mark.parametrize("kind", ["strategic", "tactical"])
def test_the_playbook_says_room_to_grow_only_when_there_is_some(db, kind: str) -> None:
    """A candidate whose lowest habits are already in the top band is not told they have "the most room to grow"."""
    from tests.candidate_support import answer_set, assert_clean, walk_to_result

    q = bank()
    at = new_app()
    at.run()
    walk_to_result(at, q, answer_set(q, kind))
    assert_clean(at)
    interp = interpret(q, at.session_state["cr_flow"].local_result)
    top = q.bands.dimension[-1].id
    strong = all(interp.reading(e.dimension).band == top for e in interp.playbook)
    assert strong == (kind == "strategic"), [interp.reading(e.dimension).band for e in interp.playbook]
    intro = " ".join(m.value for m in at.markdown if "Pick up the phone next time" in m.value)
    assert ("most room to grow" in intro) == (kind == "tactical"), intro
    assert ("already strong" in intro) == (kind == "strategic"), intro
