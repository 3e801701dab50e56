"""Store.retest_pairs: consecutive retake pairs, the min-days edge, scoring keys and recruiter scoping.

Nothing on main writes ``previous_id`` yet, so the tests link attempts with SQL (``link``). Expected
values come from what each test submitted (the stored result), never from the read under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from scoring.loader import parse
from service import submissions
from storage import Attribution, Filters, Store
from storage.schema import responses
from tests.conftest import TEST_DATA

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MINIMAL = (TEST_DATA / "good" / "minimal.yaml").read_text("utf-8")


def answers_for(level: int) -> dict[str, Any]:
    """A complete answer set whose scores rise with level (1–5)."""
    return {"p1": level, "p2": 6 - level, "p3": level, "e1": level, "e2": 6 - level, "s1": "listen"}


@dataclass
class Attempt:
    public_id: str
    id: int
    resume: str
    manage: str
    overall: float | None
    scores: dict[str, float | None]
    submitted_at: datetime


def attempt(
    store: Store,
    q: Any,
    level: int,
    when: datetime,
    *,
    after: Attempt | None = None,
    recruiter: str | None = None,
    share: bool | None = None,
    submit: bool = True,
) -> Attempt:
    """A response started 10 minutes before ``when``, submitted at ``when``, optionally a retake of ``after``."""
    started = store.start(q, Attribution(recruiter, "c1" if recruiter else None), now=when - timedelta(minutes=10))
    stored = submissions.submit(store, started.resume_token, answers_for(level), now=when) if submit else None
    with store.engine.begin() as conn:
        rid = int(conn.scalar(select(responses.c.id).where(responses.c.public_id == started.public_id)))
        if after is not None:
            conn.execute(update(responses).where(responses.c.id == rid).values(previous_id=after.id))
    if share is not None:
        store.set_shared(started.resume_token, True, manage_token=started.delete_token, include_scores=share)
    return Attempt(
        started.public_id,
        rid,
        started.resume_token,
        started.delete_token,
        None if stored is None else stored.overall,
        {} if stored is None else dict(stored.dimension_scores),
        when,
    )


@pytest.fixture(scope="module")
def german(minimal_q: Any) -> Any:
    """A translation: other wording and language, so another content hash, but the same scoring key."""
    q = parse(MINIMAL.replace("language: en", "language: de").replace("Mini check-in", "Kurzer Check"))
    assert q.content_hash != minimal_q.content_hash and q.scoring_key == minimal_q.scoring_key
    return q


@pytest.fixture(scope="module")
def reweighted(minimal_q: Any) -> Any:
    """Another scoring: a dimension weight changed, so another scoring key."""
    q = parse(MINIMAL.replace("weight: 2\n    method: mean", "weight: 3\n    method: mean"))
    assert q.scoring_key != minimal_q.scoring_key
    return q


def test_a_chain_gives_consecutive_pairs_with_scores_by_dimension(store: Store, minimal_q: Any) -> None:
    a = attempt(store, minimal_q, 1, T0)
    b = attempt(store, minimal_q, 3, T0 + timedelta(days=20), after=a)
    c = attempt(store, minimal_q, 5, T0 + timedelta(days=45), after=b)
    attempt(store, minimal_q, 2, T0 + timedelta(days=3))  # no retake: no pair
    pairs = store.retest_pairs(Filters(content_hash=minimal_q.content_hash), 14)
    assert list(pairs["first_id"]) == [a.id, b.id] and list(pairs["second_id"]) == [b.id, c.id]
    assert list(pairs["chain"]) == [a.id, a.id]  # one candidate
    assert list(pairs["days"]) == pytest.approx([20, 25])
    assert list(pairs.columns[-6:]) == [
        "first:overall",
        "second:overall",
        "first:partnership",
        "second:partnership",
        "first:exploration",
        "second:exploration",
    ]
    assert list(pairs["first:overall"]) == pytest.approx([a.overall, b.overall])
    assert list(pairs["second:overall"]) == pytest.approx([b.overall, c.overall])
    assert list(pairs["first:partnership"]) == pytest.approx([a.scores["partnership"], b.scores["partnership"]])
    assert list(pairs["second:exploration"]) == pytest.approx([b.scores["exploration"], c.scores["exploration"]])


def test_min_days_is_inclusive_to_the_second(store: Store, minimal_q: Any) -> None:
    a = attempt(store, minimal_q, 1, T0)
    attempt(store, minimal_q, 2, T0 + timedelta(days=14), after=a)
    c = attempt(store, minimal_q, 3, T0 + timedelta(days=30))
    attempt(store, minimal_q, 4, T0 + timedelta(days=44, seconds=-1), after=c)
    f = Filters(content_hash=minimal_q.content_hash)
    assert list(store.retest_pairs(f, 14)["first_id"]) == [a.id]  # exactly 14 days in, a second short out
    assert list(store.retest_pairs(f, 13.9)["first_id"]) == [a.id, c.id]
    assert list(store.retest_pairs(f, 0)["first_id"]) == [a.id, c.id]
    assert store.retest_pairs(f, 14.001).empty


def test_an_unsubmitted_or_short_link_breaks_no_chain_name(store: Store, minimal_q: Any) -> None:
    a = attempt(store, minimal_q, 1, T0)
    b = attempt(store, minimal_q, 2, T0 + timedelta(days=1), after=a)  # too soon after a
    c = attempt(store, minimal_q, 4, T0 + timedelta(days=40), after=b)
    attempt(store, minimal_q, 5, T0 + timedelta(days=80), after=c, submit=False)  # started, never submitted
    pairs = store.retest_pairs(Filters(), 14)
    assert list(zip(pairs["first_id"], pairs["second_id"], strict=True)) == [(b.id, c.id)]
    assert list(pairs["chain"]) == [a.id]


def test_only_the_same_scoring_key_pairs(store: Store, minimal_q: Any, german: Any, reweighted: Any) -> None:
    a = attempt(store, minimal_q, 1, T0)
    b = attempt(store, german, 4, T0 + timedelta(days=30), after=a)  # a translation: pairs
    c = attempt(store, minimal_q, 2, T0 + timedelta(days=1))
    attempt(store, reweighted, 3, T0 + timedelta(days=40), after=c)  # another scoring: never pairs
    pairs = store.retest_pairs(Filters(), 14)
    assert list(zip(pairs["first_id"], pairs["second_id"], strict=True)) == [(a.id, b.id)]
    assert list(pairs["second_content_hash"]) == [german.content_hash]
    assert list(pairs["second:partnership"]) == pytest.approx([b.scores["partnership"]])
    # A filter on one version holds both attempts to it: the translated retake is then outside.
    assert store.retest_pairs(Filters(content_hash=minimal_q.content_hash), 14).empty
    assert store.retest_pairs(Filters(content_hash=reweighted.content_hash), 0).empty


def test_recruiter_scope_needs_both_attempts_shared_with_scores(store: Store, minimal_q: Any) -> None:
    def chain(first: dict[str, Any], second: dict[str, Any], day: int) -> tuple[int, int]:
        one = attempt(store, minimal_q, 2, T0 + timedelta(days=day), **first)
        two = attempt(store, minimal_q, 4, T0 + timedelta(days=day + 20), after=one, **second)
        return one.id, two.id

    both = chain({"recruiter": "rec-a", "share": True}, {"recruiter": "rec-a", "share": True}, 0)
    no_scores = chain({"recruiter": "rec-a", "share": True}, {"recruiter": "rec-a", "share": False}, 1)
    first_only = chain({"recruiter": "rec-a", "share": True}, {"recruiter": "rec-a"}, 2)
    other = chain({"recruiter": "rec-a", "share": True}, {"recruiter": "rec-b", "share": True}, 3)
    unshared = chain({"recruiter": "rec-a"}, {"recruiter": "rec-a"}, 4)

    def found(f: Filters) -> list[tuple[int, int]]:
        pairs = store.retest_pairs(f, 14)
        return list(zip(pairs["first_id"], pairs["second_id"], strict=True))

    assert found(Filters(recruiter_id="rec-a", shared_only=True)) == [both]
    # A coach narrowing to a recruiter: both attempts came through that recruiter, shared or not.
    assert found(Filters(recruiter_id="rec-a")) == [both, no_scores, first_only, unshared]
    assert found(Filters(recruiter_id="rec-b")) == []
    assert found(Filters()) == [both, no_scores, first_only, other, unshared]


def test_the_period_holds_both_attempts(store: Store, minimal_q: Any) -> None:
    a = attempt(store, minimal_q, 1, T0)
    b = attempt(store, minimal_q, 2, T0 + timedelta(days=20), after=a)
    inside = Filters(since=T0.date(), until=(T0 + timedelta(days=21)).date())
    assert list(store.retest_pairs(inside, 14)["second_id"]) == [b.id]
    assert store.retest_pairs(Filters(since=(T0 + timedelta(days=1)).date()), 14).empty


def test_no_pairs_gives_the_columns_of_the_version(store: Store, minimal_q: Any) -> None:
    store.register(minimal_q)
    pairs = store.retest_pairs(Filters(content_hash=minimal_q.content_hash), 14)
    assert pairs.empty
    assert {"chain", "days", "first:overall", "second:exploration"} <= set(pairs.columns)


@pytest.mark.parametrize("bad", [-1, float("nan"), True, "14", 10**6])
def test_bad_min_days_is_refused(store: Store, bad: Any) -> None:
    with pytest.raises(ValueError, match="min_days"):
        store.retest_pairs(Filters(), bad)


def test_pairs_carry_campaign_and_quality_flags(store: Store, minimal_q: Any) -> None:
    a = attempt(store, minimal_q, 1, T0, recruiter="rec-a")
    b = attempt(store, minimal_q, 4, T0 + timedelta(days=20), after=a)
    with store.engine.begin() as conn:
        conn.execute(update(responses).where(responses.c.id == b.id).values(flags='["speeding"]'))
    pairs = store.retest_pairs(Filters(), 14)
    assert list(pairs["first_campaign"]) == ["c1"] and pairs["second_campaign"].isna().all()
    assert list(pairs["first_flagged"]) == [False] and list(pairs["second_flagged"]) == [True]
