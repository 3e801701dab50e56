"""Unstorable text is refused the same way on every backend; deletion links; empty starts are purged.

Every test runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (see conftest.db_url). Before the
shared text rule, PostgreSQL raised a driver error on a NUL byte (the candidate saw "Retry saving" for
ever) while SQLite stored it; both drivers failed on a lone surrogate.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from service import submissions
from storage import Attribution, InvalidAnswers, InvalidContact, Store
from storage.__main__ import main as cli
from storage.schema import answers, responses

FULL = {"p1": 4, "p2": 2, "p3": 5, "e1": 4, "e2": 2, "s1": "listen"}
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
BAD_TEXT = ["nul\x00byte", "lone \ud800 surrogate", "escape\x1b[2J", "c1 control\x9b"]


def rows(store: Store, table: Any, *where: Any) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table).where(*where))


@pytest.mark.parametrize("bad", BAD_TEXT)
def test_unstorable_free_text_is_refused_and_nothing_is_written(store: Store, minimal_q: Any, bad: str) -> None:
    started = store.start(minimal_q)
    store.save_answers(started.resume_token, {"p1": 3})
    with pytest.raises(InvalidAnswers) as caught:
        store.save_answers(started.resume_token, {"p2": 4, "note": bad})
    assert any(p.startswith("note: text contains") for p in caught.value.problems)
    assert store.progress(started.resume_token).answers == {"p1": 3}  # all or nothing: p2 not written either
    with pytest.raises(InvalidAnswers):
        submissions.submit(store, started.resume_token, {**FULL, "note": bad})
    assert not store.progress(started.resume_token).submitted
    stored = submissions.submit(
        store, started.resume_token, {**FULL, "note": "fine after all"}
    )  # the store still works
    assert stored.answers["note"] == "fine after all"


def test_free_text_keeps_line_breaks_and_tabs(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q)
    note = "first line\n\tindented second\r\nthird — ünïcode 👩‍💻"
    stored = submissions.submit(store, started.resume_token, {**FULL, "note": note})
    assert stored.answers["note"] == note


@pytest.mark.parametrize(
    ("name", "email", "words"),
    [
        ("Ada\x00", "ada@example.com", "name contains an invisible control character (U+0000)"),
        ("Ada\nLovelace", "ada@example.com", "name must be on a single line"),
        ("Ada\r\n# Hired", "ada@example.com", "name must be on a single line"),
        ("Ada\u2028Lovelace", "ada@example.com", "name must be on a single line"),
        ("Ada\tLovelace", "ada@example.com", "name contains an invisible control character (U+0009)"),
        ("Ada \udc80", "ada@example.com", "name contains an invalid character (a lone surrogate, U+DC80)"),
        ("Ada", "ada\x00@example.com", "email contains an invisible control character (U+0000)"),
        ("Ada", "ada@exa\ud800mple.com", "email contains an invalid character"),
    ],
)
def test_unstorable_contact_details_are_refused(
    store: Store, minimal_q: Any, name: str, email: str, words: str
) -> None:
    started = store.start(minimal_q)
    submissions.submit(store, started.resume_token, FULL)
    with pytest.raises(InvalidContact) as caught:
        store.set_shared(started.resume_token, True, manage_token=started.delete_token, name=name, email=email)
    assert any(words in p for p in caught.value.problems), caught.value.problems
    result = store.result(started.resume_token)
    assert not result.shared and result.contact_name is None and result.contact_email is None
    shared = store.set_shared(
        started.resume_token, True, manage_token=started.delete_token, name="Ada Lovelace", email="ada@example.com"
    )
    assert shared.shared and shared.contact_name == "Ada Lovelace"


@pytest.mark.parametrize("role", ["Head\x00of Comms", "Head of\nComms", "Head \ud800"])
def test_unstorable_attribution_is_refused_before_the_store(role: str) -> None:
    with pytest.raises(ValueError, match="role"):
        Attribution(recruiter_id="dana", campaign="spring", role=role)


# ----- deletion links ------------------------------------------------------------------------


def test_deletable_says_whether_a_deletion_link_has_a_response(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q)
    assert store.deletable(started.delete_token)
    assert not store.deletable(started.resume_token)  # a resume token is not a deletion token
    assert not store.deletable("x" * 32) and not store.deletable("not a token") and not store.deletable(None)
    assert store.delete(started.delete_token)
    assert not store.deletable(started.delete_token)
    assert store.deletions()["reason"].tolist() == ["candidate"]  # asking changed nothing


# ----- empty starts --------------------------------------------------------------------------


def test_empty_starts_are_purged_after_a_day(store: Store, minimal_q: Any) -> None:
    old_empty = store.start(minimal_q, now=T0 - timedelta(hours=30))
    fresh_empty = store.start(minimal_q, now=T0 - timedelta(hours=2))
    answered = store.start(minimal_q, now=T0 - timedelta(days=5))
    store.save_answers(answered.resume_token, {"p1": 2}, now=T0 - timedelta(days=5))
    submitted = store.start(minimal_q, now=T0 - timedelta(days=5))
    submissions.submit(store, submitted.resume_token, FULL, now=T0 - timedelta(days=5))
    emptied = store.start(minimal_q, now=T0 - timedelta(days=3))  # answered, then the answer was cleared
    store.save_answers(emptied.resume_token, {"p1": 2}, now=T0 - timedelta(days=3))
    store.save_answers(emptied.resume_token, {"p1": None}, now=T0 - timedelta(days=3))

    assert store.purge_empty(now=T0) == 2
    assert store.progress(old_empty.resume_token) is None and store.progress(emptied.resume_token) is None
    assert store.progress(fresh_empty.resume_token) is not None
    assert store.progress(answered.resume_token).answers == {"p1": 2}
    assert store.result(submitted.resume_token) is not None
    assert store.purge_empty(now=T0) == 0
    assert store.purge_empty(older_than_hours=1, now=T0) == 1  # the fresh one, with a shorter grace
    assert rows(store, responses) == 2 and rows(store, answers) == 1 + len(FULL)
    log = store.deletions()
    assert log["reason"].tolist() == ["empty", "empty"] and log["count"].tolist() == [2, 1]


@pytest.mark.parametrize("hours", [-1, True, "24"])
def test_purge_empty_refuses_a_bad_period(store: Store, hours: Any) -> None:
    with pytest.raises(ValueError):
        store.purge_empty(older_than_hours=hours)


def test_purge_cli_also_removes_empty_starts(db_url: str, minimal_q: Any, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    with Store(db_url) as store:
        empty = store.start(minimal_q, now=now - timedelta(days=2))
        kept = store.start(minimal_q, now=now - timedelta(days=2))
        store.save_answers(kept.resume_token, {"p1": 5}, now=now - timedelta(days=2))
    assert cli(["--url", db_url, "purge"]) == 0
    out = capsys.readouterr().out
    assert "purged 0 responses older than 365 days" in out
    assert "purged 1 empty start (no answer within 24 hours)" in out
    with Store(db_url) as store:
        assert store.progress(empty.resume_token) is None
        assert store.progress(kept.resume_token) is not None


def test_app_start_up_purges_empty_starts(db_url: str, minimal_q: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Like retention, the app's first use of the store removes stale empty starts."""
    import streamlit as st

    from ui import resources

    with Store(db_url) as store:
        empty = store.start(minimal_q, now=datetime.now(UTC) - timedelta(days=2))
    monkeypatch.setenv("CAREER_RADAR_DATABASE_URL", db_url)
    st.cache_resource.clear()
    try:
        s = resources.store()
        assert s is not None
        assert s.progress(empty.resume_token) is None
        assert s.deletions()["reason"].tolist() == ["empty"]
    finally:
        if s is not None:
            s.close()
        st.cache_resource.clear()
