"""Candidate pages (AppTest, real store): recruiter text is sanitised, unstorable text gets a clear
message on every backend, deletion links and other tabs behave, and "Start" alone stores nothing.

Storage-touching tests run on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (conftest.db_url).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from access.links import LinkPayload, sign_link
from scoring.loader import load
from storage import Store, StoreUnavailable
from tests.candidate_support import answer_page, answer_set, bank, button, new_app, walk_to_result
from tests.conftest import TEST_DATA
from ui import resources
from ui.state import widget_key

SECRET = "a-test-secret-long-enough-for-links"
EVIL = "evil.example"
PEOPLE = f"""
recruiters:
  dana-whitfield:
    display_name: "Dana ![beacon](https://{EVIL}/name.png) Whitfield"
    firm: "Whitfield ![b](https://{EVIL}/firm.png) Search"
    specialty: marketing
    intro: |
      Hello ![pixel](https://{EVIL}/intro.png) and [a link](https://{EVIL}/go) and <img src="https://{EVIL}/x">.
"""
MINI_FULL = {"p1": 4, "p2": 2, "p3": 5, "e1": 4, "e2": 2, "s1": "listen"}


def everything(at: AppTest) -> str:
    """Every element's protobuf as text: bodies, labels, help — whatever the browser would render."""
    out: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def fetchable(at: AppTest) -> str:
    """Everything rendered, minus code spans: the sanitiser shows a bare address as inert code, by design."""
    return re.sub(r"`[^`\n]*`", "", everything(at))


def param(at: AppTest, name: str) -> str:
    value = at.query_params[name]
    return value[0] if isinstance(value, list) else value


def link(role: str | None = None) -> str:
    payload = LinkPayload(
        recruiter="dana-whitfield", campaign="spring-2027", role=role, questionnaire="strategic-candidate"
    )
    return sign_link(payload, SECRET)


@pytest.fixture
def db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CAREER_RADAR_DATABASE_URL", db_url)
    monkeypatch.setenv("CAREER_RADAR_LINK_SECRET", SECRET)
    s = Store(db_url)
    yield s
    s.close()
    import streamlit as st

    st.cache_resource.clear()  # the app's own Store (cached) is released with the cache


@pytest.fixture
def mini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app serves only tests/data/good/minimal.yaml (two pages; a free-text item on page 2)."""
    folder = tmp_path / "questions"
    folder.mkdir()
    shutil.copy(TEST_DATA / "good" / "minimal.yaml", folder / "minimal.yaml")
    monkeypatch.setattr(resources, "QUESTIONS_DIR", folder)
    return load(folder / "minimal.yaml")


@pytest.fixture
def evil_people(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "people.yaml"
    path.write_text(PEOPLE, encoding="utf-8")
    monkeypatch.setattr(resources, "PEOPLE_FILE", path)
    return path


def rows(db: Store, q: Any) -> int:
    return len(db.responses_frame(content_hash=q.content_hash, submitted_only=False))


# ----- recruiter text from config/people.yaml --------------------------------------------------


def test_recruiter_name_and_firm_never_carry_an_image_or_link(db: Store, evil_people: Path) -> None:
    q = bank()
    at = new_app({"c": link()})
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    shown = fetchable(at)
    assert "invited you" in shown and "Whitfield" in shown  # the recruiter is still named
    assert EVIL not in shown and "![" not in shown and "<img" not in shown

    walk_to_result(at, q, answer_set(q, "neutral"))
    assert not at.exception and not at.error, [e.value for e in at.error]
    shown = fetchable(at)
    assert any(s.value.startswith("Share with Dana") for s in at.subheader), [s.value for s in at.subheader]
    assert EVIL not in shown and "![" not in shown


# ----- unstorable text -----------------------------------------------------------------------


def _to_last_page(at: AppTest, q: Any) -> None:
    button(at, "Start").click().run()
    answer_page(at, q, MINI_FULL)
    button(at, "Next").click().run()
    answer_page(at, q, MINI_FULL)


def test_a_nul_byte_in_free_text_gets_a_clear_message_and_nothing_breaks(db: Store, mini: Any) -> None:
    at = new_app()
    at.run()
    _to_last_page(at, mini)
    at.text_area(key=widget_key("note")).input("before\x00after").run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "We can't save this answer" in errors and "U+0000" in errors
    assert "Something went wrong" not in errors  # the refusal, not the app's catch-all guard
    assert "Retry saving" not in [b.label for b in at.button]  # not mistaken for a database outage
    assert at.text_area(key=widget_key("note")).value == "before\x00after"  # the text stays on screen to fix
    button(at, "See my result").click().run()
    assert at.header[0].value == mini.sections[1].title  # not submitted with the bad text
    assert not db.responses_frame(content_hash=mini.content_hash)["submitted_at"].notna().any()

    at.text_area(key=widget_key("note")).input("before, after\nand a second line").run()
    assert not at.error, [e.value for e in at.error]
    button(at, "See my result").click().run()
    assert not at.exception and not at.error
    stored = db.result(param(at, "r"))
    assert stored is not None and stored.answers["note"] == "before, after\nand a second line"


def test_a_line_break_in_the_contact_name_is_refused_clearly(db: Store, evil_people: Path) -> None:
    q = bank()
    at = new_app({"c": link()})
    at.run()
    walk_to_result(at, q, answer_set(q, "neutral"))
    at.checkbox(key="cr_contact_consent").check().run()
    at.text_input(key="cr_contact_name").input("Ada\n# Hire me").run()
    at.text_input(key="cr_contact_email").input("ada@example.com").run()
    next(b for b in at.button if b.label.startswith("Share my result")).click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "check your details" in errors.lower() and "single line" in errors
    assert "Something went wrong" not in errors  # the refusal, not the app's catch-all guard
    assert len(db.responses_frame(content_hash=q.content_hash, shared_only=True)) == 0

    at.text_input(key="cr_contact_name").input("Ada\x00").run()
    next(b for b in at.button if b.label.startswith("Share my result")).click().run()
    assert "control character" in " ".join(e.value for e in at.error)
    assert len(db.responses_frame(content_hash=q.content_hash, shared_only=True)) == 0


# ----- no row for an empty start -------------------------------------------------------------


def test_start_alone_stores_nothing_the_first_answer_does(db: Store, mini: Any) -> None:
    at = new_app()
    at.run()
    button(at, "Start").click().run()
    assert not at.exception and not at.error
    assert rows(db, mini) == 0
    assert "r" not in at.query_params  # no token until there is something to come back to
    at.radio(key=widget_key("p1")).set_value(4).run()
    assert rows(db, mini) == 1
    token = param(at, "r")
    assert db.progress(token).answers == {"p1": 4}
    at.radio(key=widget_key("p2")).set_value(2).run()
    assert rows(db, mini) == 1 and db.progress(token).answers == {"p1": 4, "p2": 2}


# ----- deletion links --------------------------------------------------------------------------


def test_a_deletion_link_for_a_deleted_response_offers_nothing_to_delete(db: Store, mini: Any) -> None:
    at = new_app()
    at.run()
    walk_to_result(at, mini, MINI_FULL)
    d = param(at, "d")
    assert db.delete(d)

    again = new_app({"d": d})
    again.run()
    assert not again.exception and not again.error
    assert [t.value for t in again.title] == ["Nothing to delete"]
    assert "already been deleted" in " ".join(i.value for i in again.info)
    assert "Yes, delete everything" not in [b.label for b in again.button]
    button(again, "Take the questionnaire").click().run()
    assert not again.exception and button(again, "Start")
    assert "d" not in again.query_params


@pytest.mark.parametrize("token", ["x" * 32, "not a token", "A" * 500])
def test_an_unknown_deletion_link_offers_nothing_to_delete(db: Store, token: str) -> None:
    at = new_app({"d": token})
    at.run()
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["Nothing to delete"]
    assert "Yes, delete everything" not in [b.label for b in at.button]


def test_a_live_deletion_link_still_deletes(db: Store, mini: Any) -> None:
    at = new_app()
    at.run()
    walk_to_result(at, mini, MINI_FULL)
    again = new_app({"d": param(at, "d")})
    again.run()
    assert [t.value for t in again.title] == ["Delete your response"]
    button(again, "Yes, delete everything").click().run()
    assert not again.exception and rows(db, mini) == 0


# ----- another tab -----------------------------------------------------------------------------


def test_answers_after_a_deletion_in_another_tab_are_not_silently_dropped(db: Store, mini: Any) -> None:
    at = new_app()
    at.run()
    button(at, "Start").click().run()
    answer_page(at, mini, MINI_FULL)
    old = param(at, "r")
    assert db.delete(param(at, "d"))  # the other tab
    button(at, "Next").click().run()
    at.radio(key=widget_key("e1")).set_value(4).run()
    assert not at.exception and not at.error
    warnings = " ".join(w.value for w in at.warning)
    assert "has been deleted" in warnings and "no longer being saved" in warnings
    assert "Retry saving" not in [b.label for b in at.button]
    assert at.radio(key=widget_key("e1")).value == 4  # what is on screen stays

    button(at, "Keep these answers as a new response").click().run()
    assert not at.exception and not at.error
    assert param(at, "r") != old
    assert db.progress(param(at, "r")).answers == {k: MINI_FULL[k] for k in ("p1", "p2", "p3", "e1")}
    answer_page(at, mini, MINI_FULL)
    button(at, "See my result").click().run()
    assert not at.exception and not at.error
    assert db.result(param(at, "r")).answers == MINI_FULL
    assert rows(db, mini) == 1


def test_submitting_after_a_deletion_in_another_tab_offers_the_choice(db: Store, mini: Any) -> None:
    at = new_app()
    at.run()
    _to_last_page(at, mini)
    assert db.delete(param(at, "d"))
    button(at, "See my result").click().run()
    assert not at.exception and not at.error
    assert "has been deleted" in " ".join(w.value for w in at.warning)
    assert at.header[0].value == mini.sections[1].title  # still on the last page, every answer kept
    button(at, "Start afresh").click().run()
    assert not at.exception and button(at, "Start") and "r" not in at.query_params
    assert rows(db, mini) == 0


def test_a_second_tab_cannot_change_a_submitted_result(db: Store, mini: Any) -> None:
    first = new_app()
    first.run()
    button(first, "Start").click().run()
    answer_page(first, mini, MINI_FULL)
    second = new_app({"r": param(first, "r"), "d": param(first, "d")})  # the same response in a new tab
    second.run()
    assert second.header[0].value == mini.sections[1].title

    button(first, "Next").click().run()
    answer_page(first, mini, MINI_FULL)
    button(first, "See my result").click().run()
    stored = db.result(param(first, "r"))
    assert stored is not None

    second.radio(key=widget_key("e1")).set_value(1).run()  # a different answer after the submit
    assert not second.exception and not second.error
    notices = " ".join(i.value for i in second.info)
    assert "already submitted" in notices
    flow = second.session_state["cr_flow"]
    assert flow.stage == "results" and flow.answers == stored.answers
    assert second.title[0].value == first.title[0].value  # the stored (and shareable) score, not a new one
    assert db.result(param(first, "r")).answers == MINI_FULL


def test_a_second_tab_submitting_different_answers_gets_the_stored_result(
    db: Store, mini: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = new_app()
    first.run()
    _to_last_page(first, mini)
    second = new_app({"r": param(first, "r"), "d": param(first, "d")})
    second.run()
    button(first, "See my result").click().run()

    def unavailable(*args: Any, **kwargs: Any) -> None:
        raise StoreUnavailable("database is locked")

    with monkeypatch.context() as m:  # the second tab's changes never reach the store
        m.setattr(Store, "save_answers", unavailable)
        second.radio(key=widget_key("e1")).set_value(1).run()
        second.radio(key=widget_key("s1")).set_value("decline").run()
    assert "Retry saving" in [b.label for b in second.button]
    button(second, "See my result").click().run()
    assert not second.exception and not second.error
    assert "already submitted" in " ".join(i.value for i in second.info)
    assert second.title[0].value == first.title[0].value
    assert second.session_state["cr_flow"].answers == MINI_FULL
    assert db.result(param(first, "r")).answers == MINI_FULL


def test_the_first_answer_when_the_store_is_down_is_kept_and_retried(
    db: Store, mini: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(*args: Any, **kwargs: Any) -> None:
        raise StoreUnavailable("database is locked")

    at = new_app()
    at.run()
    button(at, "Start").click().run()
    with monkeypatch.context() as m:
        m.setattr(Store, "start", unavailable)
        at.radio(key=widget_key("p1")).set_value(4).run()
        at.radio(key=widget_key("p2")).set_value(2).run()
    assert not at.exception and not at.error
    assert "Retry saving" in [b.label for b in at.button]
    assert rows(db, mini) == 0
    button(at, "Retry saving").click().run()
    assert not at.exception and not at.error
    assert "Retry saving" not in [b.label for b in at.button]
    assert db.progress(param(at, "r")).answers == {"p1": 4, "p2": 2}


def test_a_deletion_link_when_the_store_is_down_asks_to_reload(
    db: Store, mini: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(*args: Any, **kwargs: Any) -> None:
        raise StoreUnavailable("database is locked")

    monkeypatch.setattr(Store, "deletable", unavailable)
    at = new_app({"d": "x" * 32})
    at.run()
    assert not at.exception and not at.error
    assert "couldn't reach our database" in " ".join(w.value for w in at.warning)
    assert "Yes, delete everything" not in [b.label for b in at.button]
