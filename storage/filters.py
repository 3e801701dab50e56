"""``Filters``: the one value that selects responses for every read (frames and SQL aggregates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from storage._db import as_datetime
from storage.schema import questionnaires, responses


@dataclass(frozen=True)
class Filters:
    """Which responses a read covers. ``since``/``until`` bound ``submitted_at`` (``started_at`` when
    ``submitted_only`` is False) as [since, until); None means no restriction."""

    content_hash: str | None = None  # one questionnaire version (its exact text)
    scoring_key: str | None = None  # every version sharing this scoring key: translations pool, keys never mix
    since: date | datetime | None = None
    until: date | datetime | None = None
    recruiter_id: str | None = None
    campaign: str | None = None
    submitted_only: bool = True
    shared_only: bool = False
    # One attempt per person: leave out attempts a later submitted retake superseded (test–retest reads all).
    latest_only: bool = True


def key_hashes(f: Filters) -> Any:
    """A select of the content hashes ``f`` names: its one version, or every version of its scoring key (None: any)."""
    qt = questionnaires.c
    if f.content_hash is not None:
        return select(qt.content_hash).where(qt.content_hash == f.content_hash)
    if f.scoring_key is not None:
        return select(qt.content_hash).where(qt.scoring_key == f.scoring_key).order_by(qt.registered_at)
    return None


def conditions(f: Filters, dialect: str) -> list[Any]:
    """The WHERE clauses (on ``responses``) for ``f``."""
    r = responses.c
    when = scan_bound(r.submitted_at if f.submitted_only else r.started_at, dialect)
    conds: list[Any] = []
    if f.content_hash is not None:
        conds.append(r.content_hash == f.content_hash)
    if f.scoring_key is not None:
        # A subquery over the few questionnaire rows: the responses are still found by content_hash (indexed).
        same_key = select(questionnaires.c.content_hash).where(questionnaires.c.scoring_key == f.scoring_key)
        conds.append(r.content_hash.in_(same_key))
    if f.submitted_only:
        conds.append(r.submitted_at.is_not(None))
    if f.since is not None:
        conds.append(when >= as_datetime(f.since))
    if f.until is not None:
        conds.append(when < as_datetime(f.until))
    if f.recruiter_id is not None:
        conds.append(r.recruiter_id == f.recruiter_id)
    if f.campaign is not None:
        conds.append(r.campaign == f.campaign)
    if f.shared_only:
        conds.append(r.shared.is_(True))
    if f.latest_only:
        conds.append(r.superseded.is_(False))
    return conds


def scan_bound(column: Any, dialect: str) -> Any:
    """The column for a date bound; on SQLite written ``+column`` so that it cannot drive an index.

    Without statistics SQLite takes a range on ``submitted_at`` as selective and walks
    ix_responses_hash_submitted, fetching each row by id: over a million responses and a
    period covering most of them that is 3–5 s per aggregate, against under 1 s for a plain scan
    (and a scan in id order is also what ``ORDER BY id LIMIT n`` wants). A narrow period loses
    the index, but a scan bounds the cost. PostgreSQL has statistics and plans this itself.
    """
    if dialect != "sqlite":
        return column
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)
