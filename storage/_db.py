"""Plumbing shared by the store's parts (private): tokens, time, the error guard, and ``Database`` —
the engine, transactions, the questionnaire cache and the few row reads every part needs."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from reports.brief import stored_brief
from scoring.models import Questionnaire
from storage.engine import WRITE, make_engine, normalise_url
from storage.records import Attribution, NotFound, Stored, StoreError, StoreUnavailable
from storage.schema import answers as answers_t
from storage.schema import questionnaires, responses, score_column

TOKEN_BYTES = 24  # 192 bits; token_urlsafe gives 32 characters
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")

# Errors that mean "the database is not there or is busy", not "the request is wrong".
_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, sa_exc.DisconnectionError)


# A questionnaire version's stored definition (read through a Connection, or by ``storage.driver``).
DEFINITION = select(questionnaires.c.definition).where(questionnaires.c.content_hash == bindparam("content_hash"))


def new_token() -> str:
    """A fresh secret token (URL-safe, 192 random bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_public_id() -> str:
    """A random, non-secret id for a response (96 bits, hex)."""
    return secrets.token_hex(12)


def token_hash(token: object) -> str | None:
    """SHA-256 hex of a token-shaped string; None for anything else (so lookups are constant-size)."""
    if not isinstance(token, str) or not 16 <= len(token) <= 128 or not _TOKEN.fullmatch(token):
        return None
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def now_utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC)


def as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return now_utc(value)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


@contextmanager
def guard() -> Iterator[None]:
    """Turn connection-level database failures into StoreUnavailable."""
    try:
        yield
    except _UNAVAILABLE as exc:
        raise StoreUnavailable(f"the database is unavailable: {reason(exc)}") from exc
    except sa_exc.DBAPIError as exc:
        if exc.connection_invalidated:
            raise StoreUnavailable(f"the database connection was lost: {reason(exc)}") from exc
        raise


def reason(exc: Exception) -> str:
    """First line of the driver's message (no SQL, no parameters)."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def _answer_value(row: Any) -> int | str:
    return int(row.value_int) if row.value_int is not None else row.value_text


class Database:
    """One engine with its transactions and the questionnaire versions read so far (shared by the parts)."""

    def __init__(self, url: str, *, lock_timeout: float, pool_size: int | None, max_overflow: int | None) -> None:
        self.url = url
        self.engine: Engine = make_engine(
            url, lock_timeout=lock_timeout, pool_size=pool_size, max_overflow=max_overflow
        )
        self.dialect = self.engine.dialect.name
        self.questionnaires: dict[str, Questionnaire] = {}
        self.lock_timeout = lock_timeout

    def safe_url(self) -> str:
        """The URL without its password (for messages and logs)."""
        return normalise_url(self.url).render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"Database({self.safe_url()!r})"

    @contextmanager
    def tx(self, *, write: bool = False) -> Iterator[Connection]:
        """A transaction; ``write`` takes the write lock up front (SQLite) so a busy database waits, then fails."""
        with guard(), self.engine.connect() as conn:
            if write:
                conn.execution_options(**{WRITE: True})
            with conn.begin():
                yield conn

    def insert(self) -> Any:
        return pg_insert if self.dialect == "postgresql" else sqlite_insert

    def load_questionnaire(self, conn: Connection, content_hash: str) -> Questionnaire | None:
        q = self.questionnaires.get(content_hash)
        if q is None:
            definition = conn.scalar(DEFINITION, {"content_hash": content_hash})
            if definition is None:
                return None
            q = self.remember(content_hash, definition)
        return q

    def remember(self, content_hash: str, definition: str) -> Questionnaire:
        """The questionnaire version rebuilt from its stored definition, kept for the next read."""
        q = self.questionnaires[content_hash] = Questionnaire.model_validate(json.loads(definition))
        return q

    def require_questionnaire(self, conn: Connection, content_hash: str) -> Questionnaire:
        q = self.load_questionnaire(conn, content_hash)
        if q is None:  # the foreign key makes this unreachable short of manual tampering
            raise StoreError(f"questionnaire {content_hash[:12]} is not in the store")
        return q

    def slots(self, conn: Connection, content_hash: str) -> list[tuple[int, str]]:
        """(score slot, dimension id) of a version; empty when the hash is unknown."""
        q = self.load_questionnaire(conn, content_hash)
        return [] if q is None else [(slot, d.id) for slot, d in enumerate(q.dimensions, 1)]

    @contextmanager
    def locked(self, resume_hash: str) -> Iterator[tuple[Connection, Any]]:
        """A write transaction holding the lock on the response with this resume hash; NotFound when there is none."""
        with self.tx(write=True) as conn:
            stmt = select(responses).where(responses.c.resume_token_hash == resume_hash).with_for_update()
            row = conn.execute(stmt).first()
            if row is None:
                raise NotFound("no response for that token")
            yield conn, row

    @staticmethod
    def answers(conn: Connection, response_id: int) -> dict[str, int | str]:
        rows = conn.execute(
            select(answers_t.c.item_id, answers_t.c.value_int, answers_t.c.value_text).where(
                answers_t.c.response_id == response_id
            )
        ).all()
        return {row.item_id: _answer_value(row) for row in rows}

    def stored(self, conn: Connection, response_id: int) -> Stored:
        row = conn.execute(select(responses).where(responses.c.id == response_id)).one()
        q = self.require_questionnaire(conn, row.content_hash)
        scores = {d.id: getattr(row, score_column(slot)) for slot, d in enumerate(q.dimensions, 1)}
        return Stored(
            public_id=row.public_id,
            questionnaire_id=q.meta.id,
            content_hash=row.content_hash,
            answers=self.answers(conn, response_id),
            dimension_scores=scores,
            overall=row.overall,
            band=row.band,
            near_boundary=bool(row.near_boundary),
            flags=json.loads(row.flags) if row.flags else [],
            duration_seconds=row.duration_seconds,
            started_at=row.started_at,
            submitted_at=row.submitted_at,
            attribution=Attribution(row.recruiter_id, row.campaign, row.role),
            shared=bool(row.shared),
            contact_name=row.contact_name,
            contact_email=row.contact_email,
            shared_at=row.shared_at,
            brief=stored_brief(row.share_brief),
            share_scores=bool(row.share_scores),
        )
