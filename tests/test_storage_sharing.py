"""Sharing and deletion need the response's own manage token; what was shared is stored as chosen.

Every test runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (see conftest.db_url).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from reports.brief import Brief, TalkingPoint
from service import submissions
from storage import Attribution, InvalidBrief, NotAllowed, NotFound, Store
from storage.schema import SCHEMA_VERSION, responses
from tests.test_storage_faults import drop_version_5

FULL = {"p1": 4, "p2": 2, "p3": 5, "e1": 4, "e2": 2, "s1": "listen"}
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
BRIEF = Brief(
    want_next="A head-of-content role in a B2B scale-up.",
    questions=["What does the hiring manager say success looks like in a year?"],
    talking_points=[TalkingPoint(dimension="p", name="Partnership", points=["Two sentences on what I want next."])],
)


def submitted(store: Store, q: Any, recruiter: str = "rec-1") -> Any:
    started = store.start(q, Attribution(recruiter, "spring"))
    submissions.submit(store, started.resume_token, FULL)
    return started


def row(store: Store, public_id: str) -> Any:
    with store.engine.connect() as conn:
        return conn.execute(select(responses).where(responses.c.public_id == public_id)).one()


# The manage token a request might carry instead of the right one.
WRONG_MANAGE = {
    "missing": lambda mine, other: None,
    "empty": lambda mine, other: "",
    "garbage": lambda mine, other: "<script>",
    "well-formed unknown": lambda mine, other: "Z" * 32,
    "another response's manage token": lambda mine, other: other.delete_token,
    "own result token": lambda mine, other: mine.resume_token,
    "own manage token cut short": lambda mine, other: mine.delete_token[:-1],
}


@pytest.mark.parametrize("kind", sorted(WRONG_MANAGE))
def test_sharing_needs_the_responses_own_manage_token(store: Store, minimal_q: Any, kind: str) -> None:
    mine, other = submitted(store, minimal_q), submitted(store, minimal_q)
    wrong = WRONG_MANAGE[kind](mine, other)
    with pytest.raises(NotAllowed):
        store.set_shared(mine.resume_token, True, manage_token=wrong, name="Eve", email="eve@example.org")
    for s in (mine, other):
        r = row(store, s.public_id)
        assert (r.shared, r.contact_name, r.contact_email, r.share_brief, bool(r.share_scores)) == (
            False,
            None,
            None,
            None,
            False,
        )
    assert store.can_manage(mine.resume_token, wrong) is False


@pytest.mark.parametrize("kind", sorted(WRONG_MANAGE))
def test_stopping_sharing_needs_the_manage_token_too(store: Store, minimal_q: Any, kind: str) -> None:
    mine, other = submitted(store, minimal_q), submitted(store, minimal_q)
    store.set_shared(mine.resume_token, True, manage_token=mine.delete_token, name="Ada", email="ada@example.org")
    with pytest.raises(NotAllowed):
        store.set_shared(mine.resume_token, False, manage_token=WRONG_MANAGE[kind](mine, other))
    r = row(store, mine.public_id)
    assert (r.shared, r.contact_email) == (True, "ada@example.org")


@pytest.mark.parametrize("kind", sorted(WRONG_MANAGE))
def test_deleting_the_shown_result_needs_its_own_manage_token(store: Store, minimal_q: Any, kind: str) -> None:
    mine, other = submitted(store, minimal_q), submitted(store, minimal_q)
    assert store.delete(WRONG_MANAGE[kind](mine, other), resume_token=mine.resume_token) is False
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(responses)) == 2
    assert store.deletions().empty


def test_a_manage_token_with_another_result_token_deletes_nothing(store: Store, minimal_q: Any) -> None:
    mine, other = submitted(store, minimal_q), submitted(store, minimal_q)
    assert store.delete(mine.delete_token, resume_token=other.resume_token) is False
    assert store.delete(mine.delete_token, resume_token="not a token") is False
    assert store.progress(mine.resume_token) is not None and store.progress(other.resume_token) is not None
    assert store.delete(mine.delete_token, resume_token=mine.resume_token) is True
    assert store.progress(mine.resume_token) is None and store.progress(other.resume_token) is not None


def test_a_result_token_alone_cannot_share(store: Store, minimal_q: Any) -> None:
    mine = submitted(store, minimal_q)
    with pytest.raises(TypeError):
        store.set_shared(mine.resume_token, True)  # type: ignore[call-arg]  # the manage token is required
    with pytest.raises(NotFound):
        store.set_shared("Z" * 32, True, manage_token=mine.delete_token)
    assert row(store, mine.public_id).shared is False


def test_can_manage_only_with_the_matching_pair(store: Store, minimal_q: Any) -> None:
    mine, other = submitted(store, minimal_q), submitted(store, minimal_q)
    assert store.can_manage(mine.resume_token, mine.delete_token) is True
    assert store.can_manage(other.resume_token, mine.delete_token) is False
    assert store.can_manage(mine.delete_token, mine.delete_token) is False
    assert store.can_manage(None, mine.delete_token) is False


def test_the_brief_and_the_scores_choice_are_stored_and_unsharing_wipes_them(store: Store, minimal_q: Any) -> None:
    mine = submitted(store, minimal_q)
    shared = store.set_shared(mine.resume_token, True, manage_token=mine.delete_token, brief=BRIEF, now=T0)
    assert shared.shared and shared.brief == BRIEF and shared.share_scores is False
    frame = store.responses_frame(recruiter_id="rec-1", shared_only=True, include_brief=True)
    assert frame["share_scores"].tolist() == [False]
    assert Brief.model_validate_json(frame["share_brief"].iloc[0]) == BRIEF
    again = store.set_shared(mine.resume_token, True, manage_token=mine.delete_token, brief=BRIEF, include_scores=True)
    assert again.share_scores is True and store.result(mine.resume_token).share_scores is True
    assert store.responses_frame(include_brief=True)["share_scores"].tolist() == [True]
    gone = store.set_shared(mine.resume_token, False, manage_token=mine.delete_token)
    assert (gone.shared, gone.brief, gone.share_scores) == (False, None, False)
    r = row(store, mine.public_id)
    assert (r.share_brief, bool(r.share_scores)) == (None, False)


@pytest.mark.parametrize("value", ["yes", 1, "true", None])
def test_only_a_real_true_adds_the_scores(store: Store, minimal_q: Any, value: Any) -> None:
    mine = submitted(store, minimal_q)
    shared = store.set_shared(mine.resume_token, True, manage_token=mine.delete_token, include_scores=value)
    assert shared.share_scores is False


@pytest.mark.parametrize(
    "brief",
    [
        {"want_next": "x" * 2001},
        {"questions": ["q"] * 21},
        {"talking_points": [{"dimension": "p", "name": "P", "points": [], "extra": 1}]},
        "not json",
        42,
    ],
)
def test_a_brief_that_does_not_fit_is_refused_and_nothing_changes(store: Store, minimal_q: Any, brief: Any) -> None:
    mine = submitted(store, minimal_q)
    with pytest.raises(InvalidBrief):
        store.set_shared(mine.resume_token, True, manage_token=mine.delete_token, brief=brief)
    assert row(store, mine.public_id).shared is False


def test_a_version_3_database_is_upgraded_and_keeps_earlier_consent(fresh_db_url: str, minimal_q: Any) -> None:
    """Version 3 is version 4 without the two sharing columns (nor version 5): build it so, then reopen."""
    with Store(fresh_db_url) as store:
        old_share, private = submitted(store, minimal_q), submitted(store, minimal_q)
        store.set_shared(old_share.resume_token, True, manage_token=old_share.delete_token, name="Ada")
    engine = create_engine(fresh_db_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE responses DROP COLUMN share_brief"))
        conn.execute(text("ALTER TABLE responses DROP COLUMN share_scores"))
        drop_version_5(conn)
        conn.execute(text("UPDATE schema_version SET version = 3"))  # a fresh store records only its own
    engine.dispose()
    with Store(fresh_db_url) as store:
        assert store.schema_version == SCHEMA_VERSION == 6
        # Shared under the old terms (whose preview listed every score): the scores stay shared, no brief.
        before = store.result(old_share.resume_token)
        assert (before.shared, before.contact_name, before.share_scores, before.brief) == (True, "Ada", True, None)
        assert store.result(private.resume_token).share_scores is False
        # The upgraded table takes new shares like a fresh one.
        after = store.set_shared(private.resume_token, True, manage_token=private.delete_token, brief=BRIEF)
        assert (after.brief, after.share_scores) == (BRIEF, False)
        with store.engine.connect() as conn:
            versions = conn.execute(text("SELECT version FROM schema_version ORDER BY version")).scalars().all()
        assert versions == [3, 4, 5, 6]
