"""The rest of a response's life: sharing with the recruiter (only with its private manage token),
deletion by the candidate (of the whole retake chain), and purging by retention (attempt by attempt: a
purged earlier attempt drops out of a later one's history); deletions are logged as counts only.

Tokens are 192 random bits from ``secrets``, stored only as SHA-256; anything that is not
token-shaped is "not found" (or "not allowed") without touching the database.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from reports.brief import Brief, BriefError, parse_brief
from scoring.storable import text_problem
from storage import schema
from storage._db import Database, now_utc, token_hash
from storage.chain import component
from storage.records import InvalidBrief, InvalidContact, NotAllowed, NotFound, NotSubmitted, Stored
from storage.schema import answers as answers_t
from storage.schema import deletion_log, responses

EMPTY_START_HOURS = 24  # an unsubmitted response with no answer is purged after this long
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class Lifecycle:
    """Sharing, deletion and retention, on a shared ``Database``."""

    def __init__(self, db: Database, *, retention_days: int = 365) -> None:
        if retention_days < 1:
            raise ValueError("retention_days must be at least 1")
        self._db = db
        self.retention_days = retention_days

    @staticmethod
    def _contact(name: object, email: object) -> tuple[str | None, str | None]:
        problems: list[str] = []
        clean: list[str | None] = []
        for label, value, limit in (("name", name, schema.SHORT), ("email", email, schema.EMAIL)):
            if value is None:
                clean.append(None)
                continue
            if not isinstance(value, str):
                problems.append(f"{label} must be text")
                clean.append(None)
                continue
            value = value.strip()
            if len(value) > limit:
                problems.append(f"{label} is longer than {limit} characters")
            if (problem := text_problem(value, multiline=False)) is not None:
                problems.append(f"{label} {problem}")
            clean.append(value or None)
        if clean[1] is not None and not _EMAIL.fullmatch(clean[1]):
            problems.append("email does not look like an e-mail address")
        if problems:
            raise InvalidContact(problems)
        return clean[0], clean[1]

    def _manage_hashes(self, resume_token: object, manage_token: object) -> tuple[str, str]:
        """Both token hashes, or NotFound / NotAllowed before the database is touched."""
        resume_hash = token_hash(resume_token)
        if resume_hash is None:
            raise NotFound("no response for that token")
        manage_hash = token_hash(manage_token)
        if manage_hash is None:
            raise NotAllowed("sharing and deletion need this response's private manage link")
        return resume_hash, manage_hash

    @staticmethod
    def _owns(row: Any, manage_hash: str) -> bool:
        return hmac.compare_digest(str(row.delete_token_hash), manage_hash)

    def can_manage(self, resume_token: object, manage_token: object) -> bool:
        """Whether ``manage_token`` is the private manage (deletion) token of the response ``resume_token`` opens."""
        try:
            resume_hash, manage_hash = self._manage_hashes(resume_token, manage_token)
        except (NotFound, NotAllowed):
            return False
        with self._db.tx() as conn:
            row = conn.execute(
                select(responses.c.delete_token_hash).where(responses.c.resume_token_hash == resume_hash)
            ).first()
        return row is not None and self._owns(row, manage_hash)

    def set_shared(
        self,
        resume_token: str,
        shared: bool,
        *,
        manage_token: str | None,
        name: str | None = None,
        email: str | None = None,
        brief: Brief | Mapping[str, Any] | str | None = None,
        include_scores: bool = False,
        now: datetime | None = None,
    ) -> Stored:
        """Share or unshare; only with the response's own manage token (NotAllowed otherwise).

        Sharing stores exactly what the recruiter will see: the conversation brief, whether the scores
        were added (only a real ``True`` adds them), and optional contact details. Unsharing wipes all three.
        """
        resume_hash, manage_hash = self._manage_hashes(resume_token, manage_token)
        if shared:
            contact_name, contact_email = self._contact(name, email)
            try:
                parsed = parse_brief(brief)
            except BriefError as exc:
                raise InvalidBrief(exc.problems) from exc
            brief_json = None if parsed is None else parsed.to_json()
            scores = include_scores is True
        else:
            contact_name = contact_email = brief_json = None
            scores = False
        when = now_utc(now)
        with self._db.locked(resume_hash) as (conn, row):
            if not self._owns(row, manage_hash):
                raise NotAllowed("that manage link belongs to another response")
            if row.submitted_at is None:
                raise NotSubmitted("only a submitted result can be shared")
            conn.execute(
                update(responses)
                .where(responses.c.id == row.id)
                .values(
                    shared=bool(shared),
                    shared_at=(row.shared_at or when) if shared else None,
                    contact_name=contact_name,
                    contact_email=contact_email,
                    share_brief=brief_json,
                    share_scores=scores,
                )
            )
            return self._db.stored(conn, row.id)

    def delete(self, delete_token: str, *, resume_token: str | None = None, now: datetime | None = None) -> bool:
        """Remove a response and every attempt of its retake chain, with their answers and scores; log only
        the count. False when not found.

        Any attempt's manage token deletes the whole chain (``storage.chain.component``: earlier and later
        attempts alike), since the chain is one candidate's identity. With ``resume_token`` (a result page
        acting on the response it shows) both tokens must belong to the same response, else nothing is deleted.
        """
        delete_hash = token_hash(delete_token)
        if delete_hash is None:
            return False
        where = [responses.c.delete_token_hash == delete_hash]
        if resume_token is not None:
            resume_hash = token_hash(resume_token)
            if resume_hash is None:
                return False
            where.append(responses.c.resume_token_hash == resume_hash)
        when = now_utc(now)
        with self._db.tx(write=True) as conn:
            found = conn.scalar(select(responses.c.id).where(*where).with_for_update())
            if found is None:
                return False
            ids = component(conn, int(found), lock=True)
            # Answers and scores go with them (ON DELETE CASCADE; SQLite enforces it via foreign_keys=ON).
            count = conn.execute(delete(responses).where(responses.c.id.in_(ids))).rowcount
            if count:
                conn.execute(insert(deletion_log).values(deleted_at=when, count=count, reason="candidate"))
        return count > 0

    def deletable(self, delete_token: str) -> bool:
        """True when a response exists for this deletion token; changes nothing (for the confirm step)."""
        return self.chain_size(delete_token) > 0

    def chain_size(self, delete_token: str) -> int:
        """How many attempts deleting with this manage token would remove (its whole retake chain); 0 when none."""
        delete_hash = token_hash(delete_token)
        if delete_hash is None:
            return 0
        with self._db.tx() as conn:
            found = conn.scalar(select(responses.c.id).where(responses.c.delete_token_hash == delete_hash))
            return 0 if found is None else len(component(conn, int(found)))

    def purge_empty(self, *, older_than_hours: float = EMPTY_START_HOURS, now: datetime | None = None) -> int:
        """Delete unsubmitted responses with no answer at all, untouched for N hours; return how many.

        The quiz creates a response only with a candidate's first answer, but ``start`` can still be
        called without one (an old session, the API): such rows hold nothing, so they are not kept
        for the retention period. Logged with reason "empty".
        """
        if isinstance(older_than_hours, bool) or not isinstance(older_than_hours, int | float) or older_than_hours < 0:
            raise ValueError("older_than_hours must be a non-negative number")
        when = now_utc(now)
        cutoff = when - timedelta(hours=older_than_hours)
        r = responses.c
        has_answer = select(answers_t.c.response_id).where(answers_t.c.response_id == r.id).exists()
        with self._db.tx(write=True) as conn:
            count = conn.execute(
                delete(responses).where(r.last_saved_at < cutoff, r.submitted_at.is_(None), ~has_answer)
            ).rowcount
            if count:
                conn.execute(insert(deletion_log).values(deleted_at=when, count=count, reason="empty"))
        return count

    def purge(self, *, older_than_days: int | None = None, now: datetime | None = None) -> int:
        """Delete responses whose last save or submit is older than the retention period; return how many."""
        days = self.retention_days if older_than_days is None else older_than_days
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValueError("older_than_days must be a non-negative integer")
        when = now_utc(now)
        cutoff = when - timedelta(days=days)
        with self._db.tx(write=True) as conn:
            count = conn.execute(delete(responses).where(responses.c.last_saved_at < cutoff)).rowcount
            if count:
                conn.execute(insert(deletion_log).values(deleted_at=when, count=count, reason="retention"))
        return count
