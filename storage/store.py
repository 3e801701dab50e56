"""The response store: every read and write of candidate data goes through ``Store``.

Guarantees, and how they are kept:

* **No answer lost** — each save is its own transaction; a failure raises ``StoreUnavailable`` and
  leaves the previous state whole, so the UI keeps the answers and retries.
* **None counted twice** — submit locks the response row (``SELECT … FOR UPDATE`` on PostgreSQL;
  ``BEGIN IMMEDIATE`` on SQLite) and finishes with ``UPDATE … WHERE submitted_at IS NULL``: a retried,
  double-clicked or concurrent submit returns the first result and writes nothing.
* **Tokens** — 192 random bits from ``secrets``, stored only as SHA-256; anything that is not
  token-shaped is "not found" without touching the database.
* **Explainable years later** — a response points at the questionnaire's content hash, whose canonical
  JSON is stored, so it is scored (and can be re-scored) against exactly the version it answered.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    Date,
    Engine,
    Select,
    case,
    cast,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal_column,
    select,
    type_coerce,
    update,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op
from sqlalchemy.types import NullType

from reports.brief import Brief, BriefError, parse_brief, stored_brief
from scoring.answers import check_answers
from scoring.models import ClaimItem, LikertItem, Questionnaire, TextItem
from scoring.storable import text_problem
from storage import schema
from storage.config import database_url
from storage.records import (
    AlreadySubmitted,
    Attribution,
    Evaluator,
    InvalidAnswers,
    InvalidBrief,
    InvalidContact,
    NotAllowed,
    NotFound,
    NotSubmitted,
    Progress,
    Started,
    Stored,
    StoreError,
    StoreUnavailable,
)
from storage.schema import (
    SCORE_COLUMNS,
    SCORE_SLOTS,
    deletion_log,
    questionnaire_dimensions,
    questionnaires,
    responses,
    score_column,
)
from storage.schema import answers as answers_t

EMPTY_START_HOURS = 24  # an unsubmitted response with no answer is purged after this long
TOKEN_BYTES = 24  # 192 bits; token_urlsafe gives 32 characters
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_WRITE = "career_radar_write"  # execution option: this transaction will write
GroupBy = Literal["campaign", "week", "recruiter", "band"]
GROUP_BY: tuple[str, ...] = ("campaign", "week", "recruiter", "band")

# Errors that mean "the database is not there or is busy", not "the request is wrong".
_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, sa_exc.DisconnectionError)


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


def canonical_json(q: Questionnaire) -> str:
    """The questionnaire exactly as its content hash is computed (sha256 of this text is the hash)."""
    return q.canonical_json()


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC)


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return _now(value)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


@contextmanager
def _guard() -> Iterator[None]:
    """Turn connection-level database failures into StoreUnavailable."""
    try:
        yield
    except _UNAVAILABLE as exc:
        raise StoreUnavailable(f"the database is unavailable: {_reason(exc)}") from exc
    except sa_exc.DBAPIError as exc:
        if exc.connection_invalidated:
            raise StoreUnavailable(f"the database connection was lost: {_reason(exc)}") from exc
        raise


def _reason(exc: Exception) -> str:
    """First line of the driver's message (no SQL, no parameters)."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def _normalise_url(url: str) -> URL:
    u = make_url(url)
    # Plain postgresql:// would pick psycopg2; this project ships psycopg 3.
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u


def make_engine(
    url: str, *, lock_timeout: float = 10.0, pool_size: int | None = None, max_overflow: int | None = None
) -> Engine:
    """An engine configured for the store: SQLite with WAL, busy timeout and foreign keys; PostgreSQL with pre-ping."""
    u = _normalise_url(url)
    backend = u.get_backend_name()
    wait_ms = max(1, int(lock_timeout * 1000))
    if backend == "sqlite":
        memory = u.database in (None, "", ":memory:")
        pool: dict[str, Any] = {}
        if memory:
            pool["poolclass"] = StaticPool  # one shared in-memory database, not one per connection
        else:
            assert u.database is not None
            if not u.database.startswith("file:"):
                Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            pool = {"pool_size": pool_size or 5, "max_overflow": 10 if max_overflow is None else max_overflow}
        engine = create_engine(u, connect_args={"check_same_thread": False}, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # pysqlite's own BEGIN handling is off; see _sqlite_begin
            cur = dbapi_conn.cursor()
            for pragma in (f"busy_timeout = {wait_ms}", "journal_mode = WAL", "foreign_keys = ON"):
                cur.execute(f"PRAGMA {pragma}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # A write transaction takes the write lock up front: a deferred one that reads first and
            # writes later fails at once with "database is locked" when another writer got in between,
            # instead of waiting out the busy timeout.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

        return engine
    if backend == "postgresql":
        engine = create_engine(
            u,
            pool_pre_ping=True,
            pool_size=pool_size or 5,
            max_overflow=10 if max_overflow is None else max_overflow,
            connect_args={"connect_timeout": max(1, int(lock_timeout))},
        )

        @event.listens_for(engine, "connect")
        def _pg_connect(dbapi_conn: Any, _record: Any) -> None:
            # A row or table lock held elsewhere becomes StoreUnavailable after this wait, not a hang.
            with dbapi_conn.cursor() as cur:
                cur.execute(f"SET lock_timeout = {wait_ms}")
            dbapi_conn.commit()

        return engine
    raise StoreError(f"unsupported database {backend!r}: use sqlite or postgresql")


def _answer_value(row: Any) -> int | str:
    return int(row.value_int) if row.value_int is not None else row.value_text


class Store:
    """Responses, their answers and results in SQLite or PostgreSQL (see the module docstring)."""

    def __init__(
        self,
        url: str | None = None,
        *,
        retention_days: int = 365,
        lock_timeout: float = 10.0,
        pool_size: int | None = None,
        max_overflow: int | None = None,
    ) -> None:
        """Open (and create or upgrade) the database; StoreUnavailable when it cannot be reached."""
        if retention_days < 1:
            raise ValueError("retention_days must be at least 1")
        self.url = url or database_url()
        self.retention_days = retention_days
        self._engine = make_engine(self.url, lock_timeout=lock_timeout, pool_size=pool_size, max_overflow=max_overflow)
        self.dialect = self._engine.dialect.name
        self._questionnaires: dict[str, Questionnaire] = {}
        try:
            with self._tx() as conn:
                upgrade = schema.needs_work(conn)
            if upgrade:
                with self._tx(write=True) as conn:
                    schema.ensure(conn)
            with self._tx() as conn:
                self.schema_version = schema.current_version(conn)
        except schema.SchemaError as exc:
            self._engine.dispose()
            raise StoreError(str(exc)) from exc
        except StoreError:
            self._engine.dispose()
            raise

    # ----- plumbing ------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for benchmarks and tests; the app uses the methods)."""
        return self._engine

    def close(self) -> None:
        """Release pooled connections."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({_normalise_url(self.url).render_as_string(hide_password=True)!r})"

    @contextmanager
    def _tx(self, *, write: bool = False) -> Iterator[Connection]:
        with _guard(), self._engine.connect() as conn:
            if write:
                conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn

    def _insert(self) -> Any:
        return pg_insert if self.dialect == "postgresql" else sqlite_insert

    def _load_questionnaire(self, conn: Connection, content_hash: str) -> Questionnaire | None:
        q = self._questionnaires.get(content_hash)
        if q is None:
            definition = conn.scalar(
                select(questionnaires.c.definition).where(questionnaires.c.content_hash == content_hash)
            )
            if definition is None:
                return None
            q = Questionnaire.model_validate(json.loads(definition))
            self._questionnaires[content_hash] = q
        return q

    def _require_questionnaire(self, conn: Connection, content_hash: str) -> Questionnaire:
        q = self._load_questionnaire(conn, content_hash)
        if q is None:  # the foreign key makes this unreachable short of manual tampering
            raise StoreError(f"questionnaire {content_hash[:12]} is not in the store")
        return q

    # ----- questionnaires ------------------------------------------------------------------

    def register(self, q: Questionnaire) -> None:
        """Store a questionnaire version (idempotent, keyed by content hash) with its canonical JSON."""
        if q.content_hash in self._questionnaires:
            return
        definition = canonical_json(q)
        # The stored text must rebuild the same model, or old responses could not be re-scored.
        rebuilt = Questionnaire.model_validate(json.loads(definition))
        if hashlib.sha256(definition.encode()).hexdigest() != q.content_hash or rebuilt.content_hash != q.content_hash:
            raise StoreError("the questionnaire's canonical JSON does not reproduce its content hash")
        if len(q.dimensions) > SCORE_SLOTS:
            raise StoreError(f"a questionnaire may have at most {SCORE_SLOTS} dimensions to be stored")
        stmt = self._insert()(questionnaires).values(
            content_hash=q.content_hash,
            questionnaire_id=q.meta.id,
            version=q.meta.version,
            definition=definition,
            registered_at=_now(None),
        )
        slots = self._insert()(questionnaire_dimensions).on_conflict_do_nothing(index_elements=["content_hash", "slot"])
        with self._tx(write=True) as conn:
            conn.execute(stmt.on_conflict_do_nothing(index_elements=["content_hash"]))
            conn.execute(
                slots,
                [
                    {"content_hash": q.content_hash, "slot": slot, "dimension": d.id}
                    for slot, d in enumerate(q.dimensions, 1)
                ],
            )
        self._questionnaires[q.content_hash] = q

    def questionnaire(self, content_hash: str) -> Questionnaire | None:
        """The questionnaire version with that content hash, rebuilt from its stored definition."""
        cached = self._questionnaires.get(content_hash)
        if cached is not None:
            return cached
        if not isinstance(content_hash, str) or len(content_hash) != 64:
            return None
        with self._tx() as conn:
            return self._load_questionnaire(conn, content_hash)

    def questionnaire_versions(self) -> pd.DataFrame:
        """Registered versions with response counts (content_hash, questionnaire_id, version, started, submitted)."""
        r = responses.c
        qt = questionnaires.c
        # Count per content hash first, then join the few questionnaire rows: the count is an index-only
        # scan of ix_responses_hash_submitted. Joining first made SQLite visit every response row through
        # the join (about 12 s over a million responses, against 0.2 s this way).
        counts = (
            select(
                r.content_hash,
                func.count().label("started"),
                func.count(r.submitted_at).label("submitted"),
            )
            .group_by(r.content_hash)
            .subquery("counts")
        )
        stmt = (
            select(
                qt.content_hash,
                qt.questionnaire_id,
                qt.version,
                qt.registered_at,
                func.coalesce(counts.c.started, 0).label("started"),
                func.coalesce(counts.c.submitted, 0).label("submitted"),
            )
            .select_from(questionnaires.outerjoin(counts, counts.c.content_hash == qt.content_hash))
            .order_by(qt.questionnaire_id, qt.registered_at)
        )
        with self._tx() as conn:
            rows = conn.execute(stmt).all()
        columns = ["content_hash", "questionnaire_id", "version", "registered_at", "started", "submitted"]
        frame = pd.DataFrame([tuple(row) for row in rows], columns=columns)
        for col in ("started", "submitted"):
            frame[col] = frame[col].astype(int)
        return frame

    # ----- the candidate's path ------------------------------------------------------------

    def start(
        self, q: Questionnaire, attribution: Attribution | None = None, *, now: datetime | None = None
    ) -> Started:
        """Create a response for q; the tokens are returned once and stored only as hashes."""
        self.register(q)
        at = attribution or Attribution()
        when = _now(now)
        started = Started(new_public_id(), new_token(), new_token())
        with self._tx(write=True) as conn:
            conn.execute(
                insert(responses).values(
                    public_id=started.public_id,
                    resume_token_hash=token_hash(started.resume_token),
                    delete_token_hash=token_hash(started.delete_token),
                    content_hash=q.content_hash,
                    recruiter_id=at.recruiter_id,
                    campaign=at.campaign,
                    role=at.role,
                    started_at=when,
                    last_saved_at=when,
                    page=0,
                    shared=False,
                )
            )
        return started

    def _locked_row(self, conn: Connection, resume_hash: str) -> Any:
        stmt = select(responses).where(responses.c.resume_token_hash == resume_hash).with_for_update()
        return conn.execute(stmt).first()

    @staticmethod
    def _prepare(q: Questionnaire, answers: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
        """Validate answers; return (rows to upsert, item ids to delete). InvalidAnswers before anything is written."""
        if not isinstance(answers, Mapping):
            raise InvalidAnswers(["answers must be a mapping from item id to value"])
        problems = check_answers(q, answers)
        if problems:
            raise InvalidAnswers(problems)
        rows: list[dict[str, Any]] = []
        deletes: list[str] = []
        for item_id in sorted(answers):  # one lock order for every writer
            value = answers[item_id]
            item = q.item(item_id)
            if value is None or (isinstance(item, TextItem) and not value.strip()):
                deletes.append(item_id)
            elif isinstance(item, (LikertItem, ClaimItem)):  # scale values (check_answers refused anything else)
                rows.append({"item_id": item_id, "value_int": int(value), "value_text": None})
            else:
                text = value.strip() if isinstance(item, TextItem) else value
                rows.append({"item_id": item_id, "value_int": None, "value_text": text})
        return rows, deletes

    def _write_answers(
        self, conn: Connection, response_id: int, rows: list[dict[str, Any]], deletes: list[str]
    ) -> None:
        if rows:
            stmt = self._insert()(answers_t)
            stmt = stmt.on_conflict_do_update(
                index_elements=["response_id", "item_id"],
                set_={"value_int": stmt.excluded.value_int, "value_text": stmt.excluded.value_text},
            )
            conn.execute(stmt, [{"response_id": response_id, **row} for row in rows])
        if deletes:
            conn.execute(
                delete(answers_t).where(answers_t.c.response_id == response_id, answers_t.c.item_id.in_(deletes))
            )

    def save_answers(
        self,
        resume_token: str,
        answers: Mapping[str, int | str | None],
        *,
        page: int | None = None,
        now: datetime | None = None,
    ) -> None:
        """Upsert answers (None or blank text deletes one) and the page; one transaction, last write wins."""
        if page is not None and (isinstance(page, bool) or not isinstance(page, int) or not 0 <= page <= 10_000):
            raise InvalidAnswers([f"page must be a non-negative integer, not {page!r}"])
        resume_hash = token_hash(resume_token)
        if resume_hash is None:
            raise NotFound("no response for that token")
        when = _now(now)
        with self._tx(write=True) as conn:
            row = self._locked_row(conn, resume_hash)
            if row is None:
                raise NotFound("no response for that token")
            if row.submitted_at is not None:
                raise AlreadySubmitted("this response is submitted; its answers can no longer change")
            q = self._require_questionnaire(conn, row.content_hash)
            rows, deletes = self._prepare(q, answers)
            self._write_answers(conn, row.id, rows, deletes)
            values: dict[str, Any] = {"last_saved_at": when}
            if page is not None:
                values["page"] = page
            conn.execute(update(responses).where(responses.c.id == row.id).values(**values))

    def _answers(self, conn: Connection, response_id: int) -> dict[str, int | str]:
        rows = conn.execute(
            select(answers_t.c.item_id, answers_t.c.value_int, answers_t.c.value_text).where(
                answers_t.c.response_id == response_id
            )
        ).all()
        return {row.item_id: _answer_value(row) for row in rows}

    def progress(self, resume_token: str) -> Progress | None:
        """Everything needed to resume; None for an unknown, malformed or foreign token."""
        resume_hash = token_hash(resume_token)
        if resume_hash is None:
            return None
        with self._tx() as conn:
            row = conn.execute(
                select(responses, questionnaires.c.questionnaire_id)
                .join(questionnaires, questionnaires.c.content_hash == responses.c.content_hash)
                .where(responses.c.resume_token_hash == resume_hash)
            ).first()
            if row is None:
                return None
            answers = self._answers(conn, row.id)
        return Progress(
            public_id=row.public_id,
            questionnaire_id=row.questionnaire_id,
            content_hash=row.content_hash,
            answers=answers,
            page=row.page,
            started_at=row.started_at,
            submitted=row.submitted_at is not None,
            attribution=Attribution(row.recruiter_id, row.campaign, row.role),
            shared=bool(row.shared),
            last_saved_at=row.last_saved_at,
        )

    def submit(
        self,
        resume_token: str,
        answers: Mapping[str, int | str | None] | None = None,
        *,
        evaluate: Evaluator,
        now: datetime | None = None,
    ) -> Stored:
        """Merge final answers, record what ``evaluate`` makes of them (scores, flags) against the stored
        version, and freeze — once; later calls return that. ``service.submissions.submit`` supplies ``evaluate``."""
        resume_hash = token_hash(resume_token)
        if resume_hash is None:
            raise NotFound("no response for that token")
        when = _now(now)
        with self._tx(write=True) as conn:
            row = self._locked_row(conn, resume_hash)
            if row is None:
                raise NotFound("no response for that token")
            if row.submitted_at is None:
                q = self._require_questionnaire(conn, row.content_hash)
                if answers:
                    self._write_answers(conn, row.id, *self._prepare(q, answers))
                final = self._answers(conn, row.id)
                duration = max(0.0, (when - row.started_at).total_seconds())
                result = evaluate(q, final, duration)
                done = conn.execute(
                    update(responses)
                    .where(responses.c.id == row.id, responses.c.submitted_at.is_(None))
                    .values(
                        submitted_at=when,
                        last_saved_at=when,
                        duration_seconds=duration,
                        overall=result.overall,
                        band=result.band,
                        near_boundary=result.near_boundary,
                        flags=json.dumps(list(result.flags)),
                        **{
                            score_column(slot): result.dimension_scores.get(d.id)
                            for slot, d in enumerate(q.dimensions, 1)
                        },
                    )
                )
                # The row lock makes a lost race impossible; should it ever happen, the raise rolls back
                # this transaction's answer writes and the first submission stands.
                if done.rowcount != 1:
                    raise StoreUnavailable("the response changed while submitting; retry")
            return self._stored(conn, row.id)

    def _stored(self, conn: Connection, response_id: int) -> Stored:
        row = conn.execute(select(responses).where(responses.c.id == response_id)).one()
        q = self._require_questionnaire(conn, row.content_hash)
        scores = {d.id: getattr(row, score_column(slot)) for slot, d in enumerate(q.dimensions, 1)}
        return Stored(
            public_id=row.public_id,
            questionnaire_id=q.meta.id,
            content_hash=row.content_hash,
            answers=self._answers(conn, response_id),
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

    def result(self, token: str) -> Stored | None:
        """The submitted result for a resume token; None when unknown, malformed or not submitted yet."""
        resume_hash = token_hash(token)
        if resume_hash is None:
            return None
        with self._tx() as conn:
            row = conn.execute(
                select(responses.c.id, responses.c.submitted_at).where(responses.c.resume_token_hash == resume_hash)
            ).first()
            if row is None or row.submitted_at is None:
                return None
            return self._stored(conn, row.id)

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
        with self._tx() as conn:
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
        when = _now(now)
        with self._tx(write=True) as conn:
            row = self._locked_row(conn, resume_hash)
            if row is None:
                raise NotFound("no response for that token")
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
            return self._stored(conn, row.id)

    def delete(self, delete_token: str, *, resume_token: str | None = None, now: datetime | None = None) -> bool:
        """Remove a response with its answers and scores; log only the count. False when not found.

        With ``resume_token`` (a result page acting on the response it shows) both tokens must belong
        to the same response, else nothing is deleted.
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
        when = _now(now)
        with self._tx(write=True) as conn:
            # Answers and scores go with it (ON DELETE CASCADE; SQLite enforces it via foreign_keys=ON).
            count = conn.execute(delete(responses).where(*where)).rowcount
            if count:
                conn.execute(insert(deletion_log).values(deleted_at=when, count=count, reason="candidate"))
        return count > 0

    def deletable(self, delete_token: str) -> bool:
        """True when a response exists for this deletion token; changes nothing (for the confirm step)."""
        delete_hash = token_hash(delete_token)
        if delete_hash is None:
            return False
        with self._tx() as conn:
            found = conn.scalar(select(responses.c.id).where(responses.c.delete_token_hash == delete_hash))
        return found is not None

    def purge_empty(self, *, older_than_hours: float = EMPTY_START_HOURS, now: datetime | None = None) -> int:
        """Delete unsubmitted responses with no answer at all, untouched for N hours; return how many.

        The quiz creates a response only with a candidate's first answer, but ``start`` can still be
        called without one (an old session, the API): such rows hold nothing, so they are not kept
        for the retention period. Logged with reason "empty".
        """
        if isinstance(older_than_hours, bool) or not isinstance(older_than_hours, int | float) or older_than_hours < 0:
            raise ValueError("older_than_hours must be a non-negative number")
        when = _now(now)
        cutoff = when - timedelta(hours=older_than_hours)
        r = responses.c
        has_answer = select(answers_t.c.response_id).where(answers_t.c.response_id == r.id).exists()
        with self._tx(write=True) as conn:
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
        when = _now(now)
        cutoff = when - timedelta(days=days)
        with self._tx(write=True) as conn:
            count = conn.execute(delete(responses).where(responses.c.last_saved_at < cutoff)).rowcount
            if count:
                conn.execute(insert(deletion_log).values(deleted_at=when, count=count, reason="retention"))
        return count

    def deletions(self) -> pd.DataFrame:
        """The deletion log: deleted_at, count, reason (no content)."""
        with self._tx() as conn:
            rows = conn.execute(
                select(deletion_log.c.deleted_at, deletion_log.c.count, deletion_log.c.reason).order_by(
                    deletion_log.c.id
                )
            ).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=["deleted_at", "count", "reason"])

    # ----- cohort numbers ------------------------------------------------------------------

    def percentile(
        self, content_hash: str, overall: float | None, *, before: datetime | None = None
    ) -> tuple[float | None, int]:
        """(percentile 0–100 of overall among submitted responses on that version, ties counted half; N).

        N counts responses with an overall score (submitted before ``before`` when given), the candidate's
        own included once submitted and counted; the percentile is None when N is 0 or overall is None.
        """
        r = responses.c
        known = overall is not None and not math.isnan(overall)
        columns = [func.count(r.overall)]
        if known:
            columns.append(func.sum(case((r.overall < overall, 1.0), (r.overall == overall, 0.5), else_=0.0)))
        stmt = select(*columns).where(
            r.content_hash == content_hash, r.submitted_at.is_not(None), r.overall.is_not(None)
        )
        if before is not None:
            stmt = stmt.where(r.submitted_at < _as_datetime(before))
        with self._tx() as conn:
            row = conn.execute(stmt).one()
        n = int(row[0])
        return (100.0 * float(row[1]) / n if known and n else None), n

    def _conditions(
        self,
        *,
        content_hash: str | None,
        since: date | datetime | None,
        until: date | datetime | None,
        recruiter_id: str | None,
        campaign: str | None,
        submitted_only: bool,
        shared_only: bool,
    ) -> list[Any]:
        r = responses.c
        when = self._scan_bound(r.submitted_at if submitted_only else r.started_at)
        conds: list[Any] = []
        if content_hash is not None:
            conds.append(r.content_hash == content_hash)
        if submitted_only:
            conds.append(r.submitted_at.is_not(None))
        if since is not None:
            conds.append(when >= _as_datetime(since))
        if until is not None:
            conds.append(when < _as_datetime(until))
        if recruiter_id is not None:
            conds.append(r.recruiter_id == recruiter_id)
        if campaign is not None:
            conds.append(r.campaign == campaign)
        if shared_only:
            conds.append(r.shared.is_(True))
        return conds

    def _scan_bound(self, column: Any) -> Any:
        """The column for a date bound; on SQLite written ``+column`` so that it cannot drive an index.

        Without statistics SQLite takes a range on ``submitted_at`` as selective and walks
        ix_responses_hash_submitted, fetching each row by id: over a million responses and a
        period covering most of them that is 3–5 s per aggregate, against under 1 s for a plain scan
        (and a scan in id order is also what ``ORDER BY id LIMIT n`` wants). A narrow period loses
        the index, but a scan bounds the cost. PostgreSQL has statistics and plans this itself.
        """
        if self.dialect != "sqlite":
            return column
        return UnaryExpression(column, operator=custom_op("+"), type_=column.type)

    def _dimension_order(self, conn: Connection, hashes: Sequence[str]) -> list[str]:
        order: dict[str, None] = {}
        for h in hashes:
            q = self._load_questionnaire(conn, h)
            if q is not None:
                for d in q.dimensions:
                    order.setdefault(d.id, None)
        return list(order)

    def responses_frame(
        self,
        *,
        content_hash: str | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        recruiter_id: str | None = None,
        campaign: str | None = None,
        submitted_only: bool = True,
        shared_only: bool = False,
        limit: int | None = None,
        include_answers: bool = False,
        include_contact: bool = False,
        include_brief: bool = False,
    ) -> pd.DataFrame:
        """One row per response (oldest first) with attribution, times, result, flags and a column per dimension.

        ``since``/``until`` bound ``submitted_at`` (``started_at`` when ``submitted_only`` is False), as
        [since, until). ``include_answers`` adds a column per item id (an item id that equals a dimension
        id becomes ``item:<id>``); ``include_contact`` adds contact_name/contact_email (set only when shared);
        ``include_brief`` adds share_brief (JSON) and share_scores (whether the candidate added their scores).
        """
        conds = self._conditions(
            content_hash=content_hash,
            since=since,
            until=until,
            recruiter_id=recruiter_id,
            campaign=campaign,
            submitted_only=submitted_only,
            shared_only=shared_only,
        )
        r = responses.c
        qt = questionnaires.c
        columns = [
            r.id,
            r.public_id.label("response_id"),
            qt.questionnaire_id,
            qt.version,
            r.content_hash,
            r.recruiter_id,
            r.campaign,
            r.role,
            r.started_at,
            r.last_saved_at,
            r.submitted_at,
            r.duration_seconds,
            r.page,
            r.overall,
            r.band,
            r.near_boundary,
            r.flags,
            r.shared,
            *(r[c] for c in SCORE_COLUMNS),
        ]
        if include_contact:
            columns += [r.contact_name, r.contact_email]
        if include_brief:
            columns += [r.share_brief, r.share_scores]
        ids_sub: Select[Any] = select(r.id).where(*conds)
        if limit is not None:
            ids_sub = ids_sub.order_by(r.id).limit(limit)
        # Values come back as the driver gives them (no per-value SQLAlchemy processing) and are converted
        # a column at a time below: for tens of thousands of rows this is several times faster than
        # building the frame from Row objects with datetimes parsed one by one.
        raw = [type_coerce(c, NullType()).label(c.key) for c in columns]
        main = (
            select(*raw)
            .join(questionnaires, qt.content_hash == r.content_hash)
            .where(*conds)
            .order_by(r.id)
            .limit(limit)
        )
        with self._tx() as conn:
            result = conn.execute(main)
            names = list(result.keys())
            values = list(zip(*result.all(), strict=True)) or [()] * len(names)
            frame = pd.DataFrame({name: list(col) for name, col in zip(names, values, strict=True)}, columns=names)
            hashes = [content_hash] if content_hash is not None else list(dict.fromkeys(frame["content_hash"]))
            dims = self._dimension_order(conn, hashes)
            slots = {h: self._slots(conn, h) for h in hashes}
            answer_rows = None
            if include_answers:
                answer_rows = pd.DataFrame(
                    conn.execute(
                        select(
                            answers_t.c.response_id, answers_t.c.item_id, answers_t.c.value_int, answers_t.c.value_text
                        ).where(answers_t.c.response_id.in_(ids_sub))
                    ).all(),
                    columns=["id", "item_id", "value_int", "value_text"],
                )
            items = self._item_order(conn, hashes) if include_answers else []

        for col in ("started_at", "last_saved_at", "submitted_at"):
            # SQLite: UTC text without an offset (storage.schema.UTCDateTime); PostgreSQL: aware datetimes.
            frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601")
        for col in ("duration_seconds", "overall"):
            frame[col] = pd.to_numeric(frame[col]).astype(float)
        frame["near_boundary"] = frame["near_boundary"].astype("boolean")  # SQLite gives 0/1, PostgreSQL booleans
        frame["shared"] = frame["shared"].astype(bool)
        if include_brief:
            frame["share_scores"] = frame["share_scores"].map(lambda v: v is True or v == 1).astype(bool)
        # Unsubmitted rows have no flags yet (NULL, which pandas may turn into NaN).
        # Few distinct flag lists exist, so each text is parsed once (each row still gets its own list).
        parsed: dict[str, list[str]] = {}
        frame["flags"] = [
            list(parsed[f] if f in parsed else parsed.setdefault(f, json.loads(f))) if isinstance(f, str) else []
            for f in frame["flags"]
        ]

        # Score slots → dimension columns, per questionnaire version (slot 1 is each version's first).
        by_dim = {d: np.full(len(frame), np.nan) for d in dims}
        version = frame["content_hash"].to_numpy(dtype=object)
        for h, pairs in slots.items():
            rows = version == h
            for slot, dim in pairs:
                by_dim[dim][rows] = frame[score_column(slot)].to_numpy(dtype=float, na_value=np.nan)[rows]
        frame = frame.drop(columns=SCORE_COLUMNS)
        for dim in dims:
            frame[dim] = by_dim[dim]

        if answer_rows is not None:
            answer_rows["value"] = (
                answer_rows["value_int"]
                .astype(object)
                .where(answer_rows["value_int"].notna(), answer_rows["value_text"])
            )
            wide_answers = (
                answer_rows.pivot(index="id", columns="item_id", values="value") if len(answer_rows) else pd.DataFrame()
            )
            items += [i for i in wide_answers.columns if i not in items]
            for item in items:
                name = f"item:{item}" if item in frame.columns else item
                values = (
                    frame["id"].map(wide_answers[item])
                    if item in wide_answers.columns
                    else pd.Series([None] * len(frame), dtype=object)
                )
                numeric = pd.to_numeric(values, errors="coerce")
                is_int = values.notna().any() and (numeric.notna() == values.notna()).all()
                frame[name] = numeric.astype("Int64") if is_int else values.astype(object)
        return frame.drop(columns=["id"]).reset_index(drop=True)

    def _slots(self, conn: Connection, content_hash: str) -> list[tuple[int, str]]:
        """(score slot, dimension id) of a version; empty when the hash is unknown."""
        q = self._load_questionnaire(conn, content_hash)
        return [] if q is None else [(slot, d.id) for slot, d in enumerate(q.dimensions, 1)]

    def _item_order(self, conn: Connection, hashes: Sequence[str]) -> list[str]:
        order: dict[str, None] = {}
        for h in hashes:
            q = self._load_questionnaire(conn, h)
            if q is not None:
                for item in q.items():
                    order.setdefault(item.id, None)
        return list(order)

    def _group_key(self, group_by: str, submitted_only: bool) -> Any:
        r = responses.c
        if group_by == "campaign":
            return r.campaign
        if group_by == "recruiter":
            return r.recruiter_id
        if group_by == "band":
            return r.band
        if group_by == "week":
            when = r.submitted_at if submitted_only else r.started_at
            # Literal SQL constants (not bound parameters) so PostgreSQL sees the same expression in
            # SELECT and GROUP BY. Weeks start on Monday, in UTC.
            if self.dialect == "postgresql":
                utc = func.timezone(literal_column("'UTC'"), when)
                return cast(func.date_trunc(literal_column("'week'"), utc), Date)
            return func.date(when, literal_column("'-6 days'"), literal_column("'weekday 1'"))
        raise ValueError(f"group_by must be one of {', '.join(GROUP_BY)}, not {group_by!r}")

    def aggregate(
        self,
        *,
        group_by: GroupBy,
        content_hash: str,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        recruiter_id: str | None = None,
        campaign: str | None = None,
        submitted_only: bool = True,
        shared_only: bool = False,
    ) -> pd.DataFrame:
        """Per group (a column named after ``group_by``): n, mean overall and mean per dimension — computed in SQL."""
        key = self._group_key(group_by, submitted_only).label("key")
        conds = self._conditions(
            content_hash=content_hash,
            since=since,
            until=until,
            recruiter_id=recruiter_id,
            campaign=campaign,
            submitted_only=submitted_only,
            shared_only=shared_only,
        )
        r = responses.c
        with self._tx() as conn:
            slots = self._slots(conn, content_hash)
            # One scan of the responses: the dimension scores sit on the row (storage.schema).
            stmt = (
                select(
                    key,
                    func.count().label("n"),
                    func.avg(r.overall).label("overall"),
                    *(func.avg(r[score_column(slot)]) for slot, _ in slots),
                )
                .where(*conds)
                .group_by(key)
            )
            rows = conn.execute(stmt).all()
        dims = [dim for _, dim in slots]
        # A NULL campaign (or recruiter, band) is a group of its own, not dropped.
        frame = pd.DataFrame([tuple(row) for row in rows], columns=[group_by, "n", "overall", *dims])
        frame["n"] = frame["n"].astype(int)
        for col in ["overall", *dims]:
            frame[col] = pd.to_numeric(frame[col]).astype(float)
        if group_by == "week":
            frame[group_by] = pd.to_datetime(frame[group_by])
        return frame.sort_values(group_by, na_position="last", kind="stable").reset_index(drop=True)

    def campaign_counts(self, recruiter_id: str | None = None) -> pd.DataFrame:
        """Started, completed and shared responses per (recruiter_id, campaign)."""
        r = responses.c
        stmt = select(
            r.recruiter_id,
            r.campaign,
            func.count().label("started"),
            func.count(r.submitted_at).label("completed"),
            func.sum(case((r.shared.is_(True), 1), else_=0)).label("shared"),
        ).group_by(r.recruiter_id, r.campaign)
        if recruiter_id is not None:
            stmt = stmt.where(r.recruiter_id == recruiter_id)
        with self._tx() as conn:
            rows = conn.execute(stmt).all()
        frame = pd.DataFrame(
            [tuple(row) for row in rows], columns=["recruiter_id", "campaign", "started", "completed", "shared"]
        )
        for col in ("started", "completed", "shared"):
            frame[col] = frame[col].astype(int)
        return frame.sort_values(["recruiter_id", "campaign"], na_position="last").reset_index(drop=True)
