"""Only the store's own errors are "couldn't save — retry"; a bug inside the store is not dressed up as one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.candidate_support import answer_page, answer_set, bank, button, new_app, walk_to_result
from ui.notices import kept

storage = pytest.importorskip("storage")

SAVE_FAILED = "couldn't reach our database"
SUBMIT_FAILED = "couldn't save your result"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> storage.Store:
    url = f"sqlite:///{tmp_path / 'cr.sqlite3'}"
    monkeypatch.setenv("CAREER_RADAR_DATABASE_URL", url)
    return storage.Store(url)


def shown(at) -> str:
    return " ".join(m.value for m in [*at.warning, *at.error, *at.info])


def failed_loudly(at) -> bool:
    """The app's error guard spoke (st.error), or Streamlit's own handler did (a callback's exception)."""
    return bool(at.exception) or any("Something went wrong" in e.value for e in at.error)


def answer_first_page(monkeypatch: pytest.MonkeyPatch, error: Exception):
    q = bank()

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(storage.Store, "save_answers", broken)
    at = new_app()
    at.run()
    button(at, "Start").click().run()
    answer_page(at, q, answer_set(q, "neutral"))
    return at


def test_an_unreachable_store_keeps_the_answers_and_offers_a_retry(db, monkeypatch: pytest.MonkeyPatch) -> None:
    at = answer_first_page(monkeypatch, storage.StoreUnavailable("database is locked"))
    assert SAVE_FAILED in kept() and SAVE_FAILED in shown(at)
    assert at.session_state["cr_flow"].store_failed
    assert not failed_loudly(at)


def test_a_type_error_in_the_store_is_not_shown_as_couldnt_save(db, monkeypatch: pytest.MonkeyPatch) -> None:
    at = answer_first_page(monkeypatch, TypeError("unhashable type: 'dict'"))
    flow = at.session_state["cr_flow"]
    assert SAVE_FAILED not in shown(at)
    assert not flow.store_failed
    assert not [b for b in at.button if b.label == "Retry saving"]
    assert failed_loudly(at)
    assert flow.unsaved, "the answers stay in the tab, to be sent with the next save"


def test_a_type_error_while_submitting_is_not_shown_as_couldnt_save(db, monkeypatch: pytest.MonkeyPatch) -> None:
    q = bank()

    def broken(*args, **kwargs):
        raise TypeError("'NoneType' object is not subscriptable")

    monkeypatch.setattr(storage.Store, "submit", broken)
    at = new_app()
    at.run()
    button(at, "Start").click().run()
    for index in range(len(q.sections)):
        answer_page(at, q, answer_set(q, "strategic"))
        label = "See my result" if index == len(q.sections) - 1 else "Next"
        button(at, label).click().run()
    assert SUBMIT_FAILED not in shown(at)
    assert not at.session_state["cr_flow"].store_failed
    assert failed_loudly(at)


def test_an_unavailable_store_at_submit_still_says_couldnt_save(db, monkeypatch: pytest.MonkeyPatch) -> None:
    q = bank()

    def broken(*args, **kwargs):
        raise storage.StoreUnavailable("database is locked")

    monkeypatch.setattr(storage.Store, "submit", broken)
    at = new_app()
    at.run()
    walk_to_result(at, q, answer_set(q, "strategic"))
    assert SUBMIT_FAILED in shown(at)
    assert not failed_loudly(at)
