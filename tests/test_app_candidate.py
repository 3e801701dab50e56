"""The candidate flow through the real entry point (AppTest) on a real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import storage
import ui.guard
import ui.quiz_view
from service import submissions
from tests.candidate_support import (
    GUARD_MESSAGE,
    answer_page,
    answer_set,
    assert_clean,
    bank,
    button,
    fragment_run,
    new_app,
    walk_to_result,
)
from ui.state import widget_key


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> storage.Store:
    url = f"sqlite:///{tmp_path / 'cr.sqlite3'}"
    monkeypatch.setenv("CAREER_RADAR_DATABASE_URL", url)
    return storage.Store(url)


def titles(at) -> list[str]:
    return [t.value for t in at.title]


def test_welcome_explains_and_offers_start(db) -> None:
    at = new_app()
    at.run()
    assert_clean(at)
    text = " ".join(m.value for m in at.markdown) + " ".join(i.value for i in at.info)
    assert "self-reflection, not a screening test" in text
    assert "anonymously" in text
    assert button(at, "Start")


@pytest.mark.parametrize(("kind", "band"), [("strategic", "Strategic"), ("tactical", "Tactical")])
def test_full_flow_gives_the_right_band(db, kind: str, band: str) -> None:
    q = bank()
    at = new_app()
    at.run()
    walk_to_result(at, q, answer_set(q, kind))
    assert any(t.startswith(band) for t in titles(at)), titles(at)
    frame = db.responses_frame(content_hash=q.content_hash)
    assert len(frame) == 1
    assert frame.iloc[0]["band"] == band.lower()


def test_next_names_the_unanswered_question(db) -> None:
    q = bank()
    at = new_app()
    at.run()
    button(at, "Start").click().run()
    button(at, "Next").click().run()
    assert at.error, "expected a message about unanswered questions"
    first = q.sections[0].items[0].text
    assert first in at.error[0].value
    assert at.header[0].value == q.sections[0].title  # still on page 1


def test_back_keeps_answers(db) -> None:
    q = bank()
    answers = answer_set(q, "neutral")
    at = new_app()
    at.run()
    button(at, "Start").click().run()
    given = answer_page(at, q, answers)
    button(at, "Next").click().run()
    assert at.header[0].value == q.sections[1].title
    button(at, "Back").click().run()
    assert at.header[0].value == q.sections[0].title
    for item_id in given:
        assert at.radio(key=widget_key(item_id)).value == answers[item_id]


def test_resume_link_restores_answers(db) -> None:
    q = bank()
    answers = answer_set(q, "strategic")
    at = new_app()
    at.run()
    button(at, "Start").click().run()
    given = answer_page(at, q, answers)
    button(at, "Next").click().run()
    token = at.query_params["r"][0] if isinstance(at.query_params["r"], list) else at.query_params["r"]
    assert token

    again = new_app({"r": token})  # a refresh is a new session with the token in the URL
    again.run()
    assert_clean(again)
    assert again.header[0].value == q.sections[1].title
    button(again, "Back").click().run()
    for item_id in given:
        assert again.radio(key=widget_key(item_id)).value == answers[item_id]


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({}, None),
        ({"q": "no-such-quiz"}, "couldn't find the questionnaire"),
        ({"q": "<script>"}, "couldn't find the questionnaire"),
        ({"c": "garbage.token"}, "who invited you"),
        ({"c": ""}, None),
        ({"r": "not-a-real-token"}, "couldn't find saved answers"),
        ({"r": "x" * 5000}, "couldn't find saved answers"),
    ],
)
def test_bad_links_degrade_to_a_plain_quiz(db, params: dict[str, str], notice: str | None) -> None:
    at = new_app(params, secrets={"links": {"secret": "test-secret-for-links"}})
    at.run()
    assert_clean(at)
    assert button(at, "Start")
    infos = " ".join(i.value for i in at.info).lower()
    if notice:
        assert notice.lower() in infos
    assert "<script>" not in infos


def test_double_submit_stores_one_response(db) -> None:
    q = bank()
    at = new_app()
    at.run()
    answers = answer_set(q, "neutral")
    button(at, "Start").click().run()
    for _ in range(len(q.sections) - 1):
        answer_page(at, q, answers)
        button(at, "Next").click().run()
    answer_page(at, q, answers)
    button(at, "See my result").click().run()
    first = at.session_state["cr_flow"].submitted
    # A double click's second event reaches the server before the page has changed: replay it.
    at.session_state["cr_flow"].stage = "questions"
    at.run()
    button(at, "See my result").click().run()
    assert_clean(at)
    assert at.session_state["cr_flow"].submitted.public_id == first.public_id
    frame = db.responses_frame(content_hash=q.content_hash)
    assert len(frame) == 1


def test_store_failure_at_submit_still_shows_result(db, monkeypatch: pytest.MonkeyPatch) -> None:
    q = bank()

    original = storage.Store.submit

    def broken(*args, **kwargs):
        raise storage.StoreUnavailable("database is locked")

    monkeypatch.setattr(storage.Store, "submit", broken)
    at = new_app()
    at.run()
    walk_to_result(at, q, answer_set(q, "strategic"))
    assert any(t.startswith("Strategic") for t in titles(at))
    warnings = " ".join(w.value for w in at.warning)
    assert "couldn't save your result" in warnings
    assert button(at, "Retry saving")

    monkeypatch.setattr(storage.Store, "submit", original)
    button(at, "Retry saving").click().run()
    assert_clean(at)
    assert len(db.responses_frame(content_hash=q.content_hash)) == 1
    assert "couldn't save your result" not in " ".join(w.value for w in at.warning)


SECRET = "a-test-secret-long-enough-for-links"


def signed(role: str | None = "Head of Communications") -> str:
    from access.links import LinkPayload, sign_link

    payload = LinkPayload(
        recruiter="dana-whitfield", campaign="spring-2027", role=role, questionnaire="strategic-candidate"
    )
    return sign_link(payload, SECRET)


def test_signed_link_attributes_and_sharing_is_opt_in(db, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREER_RADAR_LINK_SECRET", SECRET)
    q = bank()
    at = new_app({"c": signed()})
    at.run()
    assert_clean(at)
    welcome = " ".join(m.value for m in at.markdown)
    assert "invited you" in welcome and "Head of Communications" in welcome
    walk_to_result(at, q, answer_set(q, "neutral"))

    stored = db.responses_frame(content_hash=q.content_hash)
    assert stored.iloc[0]["recruiter_id"] == "dana-whitfield"
    assert stored.iloc[0]["campaign"] == "spring-2027"
    assert len(db.responses_frame(content_hash=q.content_hash, shared_only=True)) == 0  # private by default

    # Contact fields appear only after explicit consent.
    assert not [t for t in at.text_input if t.label == "Your email"]
    at.checkbox(key="cr_contact_consent").check().run()
    at.text_input(key="cr_contact_name").input("Ada Candidate").run()
    at.text_input(key="cr_contact_email").input("ada@example.com").run()
    next(b for b in at.button if b.label.startswith("Share my result")).click().run()
    assert_clean(at)
    shared = db.responses_frame(content_hash=q.content_hash, shared_only=True, include_contact=True)
    assert len(shared) == 1
    assert shared.iloc[0]["contact_email"] == "ada@example.com"

    button(at, "Stop sharing").click().run()
    after = db.responses_frame(content_hash=q.content_hash, include_contact=True)
    assert not bool(after.iloc[0]["shared"])
    assert after.iloc[0]["contact_email"] is None or after.iloc[0]["contact_email"] != after.iloc[0]["contact_email"]


def test_delete_my_response_with_confirmation(db) -> None:
    q = bank()
    at = new_app()
    at.run()
    walk_to_result(at, q, answer_set(q, "neutral"))
    assert len(db.responses_frame(content_hash=q.content_hash)) == 1
    button(at, "Delete my response").click().run()
    assert len(db.responses_frame(content_hash=q.content_hash)) == 1  # nothing happens before confirming
    button(at, "Yes, delete everything").click().run()
    assert_clean(at)
    assert len(db.responses_frame(content_hash=q.content_hash, submitted_only=False)) == 0
    assert any("deleted" in s.value for s in at.success)


def test_percentile_appears_only_above_the_minimum(db, monkeypatch: pytest.MonkeyPatch) -> None:
    q = bank()
    monkeypatch.setenv("CAREER_RADAR_PERCENTILE_MIN_N", "3")
    db.register(q)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    for kind in ("tactical", "neutral", "neutral"):
        started = db.start(q, now=yesterday)
        submissions.submit(db, started.resume_token, answer_set(q, kind), now=yesterday)
    started = db.start(q)
    submissions.submit(db, started.resume_token, answer_set(q, "tactical"))  # today's: not in today's comparison
    at = new_app()
    at.run()
    walk_to_result(at, q, answer_set(q, "strategic"))
    assert_clean(at)
    text = " ".join(m.value for m in at.markdown)
    # Compared with yesterday's snapshot only (three responses, all below), shown rounded to 5 points.
    assert "higher than about **99%** of the 3 people" in text and "start of today" in text


def test_the_comparison_waits_for_the_snapshot(db, monkeypatch: pytest.MonkeyPatch) -> None:
    """Responses submitted today do not move anyone's percentile until tomorrow."""
    q = bank()
    monkeypatch.setenv("CAREER_RADAR_PERCENTILE_MIN_N", "3")
    db.register(q)
    for kind in ("tactical", "neutral", "neutral"):
        started = db.start(q)
        submissions.submit(db, started.resume_token, answer_set(q, kind))
    at = new_app()
    at.run()
    walk_to_result(at, q, answer_set(q, "strategic"))
    assert_clean(at)
    text = " ".join(m.value for m in at.markdown)
    assert "higher than" not in text
    assert "by the start of today (so far: 0)" in " ".join(c.value for c in at.caption)


def _boom(*args, **kwargs):
    raise RuntimeError("secret internals")


def test_an_unexpected_error_shows_a_friendly_message_not_a_traceback(
    db, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(ui.guard, "RERAISE", False)  # the guard as it runs in production
    monkeypatch.setattr(ui.quiz_view, "welcome", _boom)
    at = new_app()
    with caplog.at_level("ERROR", logger="career_radar"):
        at.run()
    assert not at.exception  # caught by the candidate page's guard...
    shown = " ".join(e.value for e in at.error)
    assert GUARD_MESSAGE in shown and "answers so far are saved" in shown
    assert "secret internals" not in shown
    logged = [r for r in caplog.records if r.name == "career_radar" and r.exc_info]
    assert logged, "the crash must be logged with its traceback"  # ...and never silently
    assert logged[-1].exc_info[0] is RuntimeError and "candidate page failed" in logged[-1].getMessage()


def test_the_top_level_guard_logs_and_shows_a_friendly_message(
    db, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A crash outside the candidate page's own guard reaches app.py's guard: logged, never shown raw."""
    monkeypatch.setattr(ui.guard, "RERAISE", False)
    monkeypatch.setattr(ui.quiz_view, "main", _boom)  # ui/pages/quiz.py calls it: the page itself fails
    at = new_app()
    with caplog.at_level("ERROR", logger="career_radar"):
        at.run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert GUARD_MESSAGE in shown and "Anything you entered has been kept" in shown
    assert "secret internals" not in shown
    logged = [r for r in caplog.records if r.name == "career_radar" and r.exc_info]
    assert [r.getMessage() for r in logged] == ["page Career Radar failed"]
    assert logged[0].exc_info[0] is RuntimeError


@pytest.mark.parametrize("reraise", [True, False], ids=["under-test", "as-in-production"])
def test_assert_clean_catches_a_crashed_page(db, monkeypatch: pytest.MonkeyPatch, reraise: bool) -> None:
    """The helper the page tests rely on fails on a crash, whether the guard re-raises or shows its message."""
    monkeypatch.setattr(ui.guard, "RERAISE", reraise)
    monkeypatch.setattr(ui.quiz_view, "welcome", _boom)
    at = new_app()
    at.run()
    assert bool(at.exception) is reraise  # under test the crash reaches AppTest itself
    with pytest.raises(AssertionError):
        assert_clean(at)


def test_an_answer_reruns_only_the_question_block_and_is_saved_first(db) -> None:
    """An answer's rerun is the question block alone (as the browser asks for it); the answer is in the
    store when it ends. When that save finds the response deleted elsewhere, the whole page is redrawn
    with the choice to keep the answers."""
    q = bank()
    answers = answer_set(q, "neutral")
    at = new_app()
    at.run()
    button(at, "Start").click().run()
    first, second, third = q.sections[0].items[:3]
    at.radio(key=widget_key(first.id)).set_value(answers[first.id]).run()  # creates the response
    token, manage = at.query_params["r"], at.query_params["d"]
    at.radio(key=widget_key(second.id)).set_value(answers[second.id])
    fragment_run(at)
    assert_clean(at)
    assert "Next" not in [b.label for b in at.button]  # only the block ran: the buttons below it did not
    assert any("2 of 41 answered" in p.proto.text for p in at.get("progress"))
    stored = db.progress(token).answers
    assert stored == {first.id: answers[first.id], second.id: answers[second.id]}

    assert db.delete(manage)  # another tab deletes the response
    at.radio(key=widget_key(third.id)).set_value(answers[third.id])
    fragment_run(at)
    assert_clean(at)
    assert "has been deleted" in " ".join(w.value for w in at.warning)  # drawn by the whole-page rerun
    assert "Keep these answers as a new response" in [b.label for b in at.button]
    assert at.radio(key=widget_key(third.id)).value == answers[third.id]


def _first_question(at, q):
    """The first question's radio on the current page, with the id of its item."""
    for item in q.items():
        try:
            return at.radio(key=widget_key(item.id)), item.id
        except KeyError:
            continue
    raise AssertionError("no question on this page")


@pytest.mark.parametrize("action", ["on_answer", "go"])
def test_a_crash_in_a_widget_callback_shows_the_friendly_message(
    db, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, action: str
) -> None:
    """Callbacks run before the script, outside the page's guard: an answer or a Next that fails is logged and
    shown as the same friendly message, never as Streamlit's error, and the page is still drawn."""
    import ui.candidate

    q = bank()
    answers = answer_set(q, "neutral")
    monkeypatch.setattr(ui.guard, "RERAISE", False)
    at = new_app()
    at.run()
    button(at, "Start").click().run()
    monkeypatch.setattr(ui.candidate, action, _boom)  # read when the page wires its widgets
    at.run()
    radio, item_id = _first_question(at, q)
    with caplog.at_level("ERROR", logger="career_radar"):
        if action == "on_answer":
            radio.set_value(answers[item_id]).run()
        else:
            button(at, "Next").click().run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert GUARD_MESSAGE in shown and "answers so far are saved" in shown
    assert "secret internals" not in shown
    assert at.header and at.radio  # the page itself is still there
    logged = [r for r in caplog.records if r.name == "career_radar" and r.exc_info]
    assert [r.getMessage() for r in logged] == ["candidate action _boom failed"]  # the function that failed
    assert logged[0].exc_info[0] is RuntimeError
    at.run()  # shown once: the next run is clean
    assert_clean(at)


def test_a_crash_in_a_widget_callback_reaches_apptest_under_test(db, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the test suite's RERAISE, a failing callback is not hidden behind the friendly message."""
    import ui.candidate

    q = bank()
    at = new_app()
    at.run()
    button(at, "Start").click().run()
    monkeypatch.setattr(ui.candidate, "on_answer", _boom)
    at.run()
    radio, item_id = _first_question(at, q)
    radio.set_value(answer_set(q, "neutral")[item_id]).run()
    assert at.exception
    with pytest.raises(AssertionError):
        assert_clean(at)


def test_walking_the_quiz_fails_on_a_crash_mid_way(db, monkeypatch: pytest.MonkeyPatch) -> None:
    q = bank()
    at = new_app()
    at.run()
    assert_clean(at)
    monkeypatch.setattr(ui.quiz_view, "questions", _boom)  # the question pages crash after Start
    with pytest.raises(AssertionError, match="secret internals"):
        walk_to_result(at, q, answer_set(q, "neutral"))


def _param(at, name: str) -> str:
    value = at.query_params[name]
    return value[0] if isinstance(value, list) else value


def test_refreshed_session_can_still_delete(db) -> None:
    """The address bar carries r and d, so a refresh mid-quiz keeps the right to delete."""
    q = bank()
    at = new_app()
    at.run()
    button(at, "Start").click().run()
    answer_page(at, q, answer_set(q, "neutral"))
    params = {"r": _param(at, "r"), "d": _param(at, "d")}

    again = new_app(params)  # the refresh
    again.run()
    answers = answer_set(q, "neutral")
    assert again.header[0].value == q.sections[1].title  # back on the first unfinished page
    for index in range(1, len(q.sections)):
        answer_page(again, q, answers)
        button(again, "See my result" if index == len(q.sections) - 1 else "Next").click().run()
    assert any(t.value.startswith("Developing") for t in again.title), [t.value for t in again.title]
    button(again, "Delete my response").click().run()
    button(again, "Yes, delete everything").click().run()
    assert len(db.responses_frame(content_hash=q.content_hash, submitted_only=False)) == 0


def test_view_only_result_link_cannot_change_sharing(db, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREER_RADAR_LINK_SECRET", SECRET)
    q = bank()
    at = new_app({"c": signed()})
    at.run()
    walk_to_result(at, q, answer_set(q, "neutral"))
    link_only = new_app({"r": _param(at, "r")})  # the link printed in the PDF
    link_only.run()
    assert_clean(link_only)
    labels = [b.label for b in link_only.button]
    assert not [label for label in labels if label.startswith("Share my result") or label == "Stop sharing"]
    assert "Delete my response" not in labels
    assert any("is not shared" in m.value for m in link_only.markdown)


def test_a_bad_email_gets_a_clear_message(db, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREER_RADAR_LINK_SECRET", SECRET)
    q = bank()
    at = new_app({"c": signed()})
    at.run()
    walk_to_result(at, q, answer_set(q, "neutral"))
    at.checkbox(key="cr_contact_consent").check().run()
    at.text_input(key="cr_contact_name").input("Ada").run()
    at.text_input(key="cr_contact_email").input("ada@@example").run()
    next(b for b in at.button if b.label.startswith("Share my result")).click().run()
    errors = " ".join(e.value for e in at.error)
    assert "check your details" in errors.lower()
    assert len(db.responses_frame(content_hash=q.content_hash, shared_only=True)) == 0


def test_streamlit_does_not_force_a_full_gc_after_every_run() -> None:
    """With pandas and plotly loaded, that collection was most of an answer click's server time (BENCHMARKS.md)."""
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
