"""The write side of a response's life until it is submitted: register a questionnaire version, start,
save answers, resume, submit (recording the caller's scores), read the stored result.

* **No answer lost** — each save is its own transaction; a failure raises ``StoreUnavailable`` and
  leaves the previous state whole, so the UI keeps the answers and retries.
* **None counted twice** — submit locks the response row (``SELECT … FOR UPDATE`` on PostgreSQL;
  ``BEGIN IMMEDIATE`` on SQLite) and finishes with ``UPDATE … WHERE submitted_at IS NULL``: a retried,
  double-clicked or concurrent submit returns the first result and writes nothing.
* **Explainable years later** — a response points at the questionnaire's content hash, whose canonical
  JSON (``Questionnaire.canonical_json``) is stored, so it can be re-scored against exactly that version.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from scoring.answers import check_answers, is_blank
from scoring.models import ClaimItem, LikertItem, Questionnaire, TextItem
from storage._db import DEFINITION, Database, new_public_id, new_token, now_utc, token_hash
from storage.chain import MAX_ATTEMPTS, ancestors, component
from storage.driver import DriverWrites
from storage.frames import FRAME_COLUMNS, column_clashes
from storage.records import (
    AlreadySubmitted,
    Attempt,
    Attribution,
    ChainFull,
    Evaluator,
    InvalidAnswers,
    NotAllowed,
    NotComparable,
    NotFound,
    NotSubmitted,
    Progress,
    Started,
    Stored,
    StoreError,
    StoreUnavailable,
)
from storage.schema import SCORE_SLOTS, questionnaire_dimensions, questionnaires, responses, score_column
from storage.schema import answers as answers_t

# An answer's save, built once (statement construction cost more than the SQL itself): the first
# statement of the save's transaction stamps the open response and returns what the answers need. On
# PostgreSQL the UPDATE takes the row lock (as SELECT … FOR UPDATE did); on SQLite the transaction holds
# the write lock from BEGIN IMMEDIATE. A closed or unknown response matches no row.
_STAMP = (
    update(responses)
    .where(responses.c.resume_token_hash == bindparam("resume_hash"), responses.c.submitted_at.is_(None))
    .values(last_saved_at=bindparam("when"), page=func.coalesce(bindparam("page"), responses.c.page))
    .returning(responses.c.id, responses.c.content_hash)
)
_UPSERTS: dict[str, Any] = {}  # dialect name → the answers upsert (executemany)
_ANSWER_KEYS = ("response_id", "item_id", "value_int", "value_text")
_KNOWN = select(responses.c.id).where(responses.c.resume_token_hash == bindparam("resume_hash"))
_REMOVE = delete(answers_t).where(
    answers_t.c.response_id == bindparam("response_id"), answers_t.c.item_id == bindparam("item_id")
)


class Responses:
    """Registration and the candidate's path, on a shared ``Database``."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._driver = DriverWrites(db.engine, db.url, db.lock_timeout)

    def register(self, q: Questionnaire) -> None:
        """Store a questionnaire version (idempotent, keyed by content hash) with its canonical JSON."""
        if q.content_hash in self._db.questionnaires:
            return
        definition = q.canonical_json()
        # The stored text must rebuild the same model, or old responses could not be re-scored.
        rebuilt = Questionnaire.model_validate(json.loads(definition))
        if hashlib.sha256(definition.encode()).hexdigest() != q.content_hash or rebuilt.content_hash != q.content_hash:
            raise StoreError("the questionnaire's canonical JSON does not reproduce its content hash")
        if len(q.dimensions) > SCORE_SLOTS:
            raise StoreError(f"a questionnaire may have at most {SCORE_SLOTS} dimensions to be stored")
        if clashes := column_clashes(q):
            raise StoreError(
                f"item ids {', '.join(clashes)} are also dimension ids or reserved response columns "
                f"({', '.join(FRAME_COLUMNS)}): rename them to store this questionnaire"
            )
        stmt = self._db.insert()(questionnaires).values(
            content_hash=q.content_hash,
            questionnaire_id=q.meta.id,
            version=q.meta.version,
            scoring_key=q.scoring_key,
            language=q.meta.language,
            definition=definition,
            registered_at=now_utc(None),
        )
        slots = self._db.insert()(questionnaire_dimensions).on_conflict_do_nothing(
            index_elements=["content_hash", "slot"]
        )
        with self._db.tx(write=True) as conn:
            added = conn.execute(stmt.on_conflict_do_nothing(index_elements=["content_hash"])).rowcount
            if added and self._db.dialect == "postgresql":  # see storage.bulk: too few rows for autovacuum
                conn.exec_driver_sql("ANALYZE questionnaires")
            conn.execute(
                slots,
                [
                    {"content_hash": q.content_hash, "slot": slot, "dimension": d.id}
                    for slot, d in enumerate(q.dimensions, 1)
                ],
            )
        self._db.questionnaires[q.content_hash] = q

    def questionnaire(self, content_hash: str) -> Questionnaire | None:
        """The questionnaire version with that content hash, rebuilt from its stored definition."""
        cached = self._db.questionnaires.get(content_hash)
        if cached is not None:
            return cached
        if not isinstance(content_hash, str) or len(content_hash) != 64:
            return None
        with self._db.tx() as conn:
            return self._db.load_questionnaire(conn, content_hash)

    def start(
        self,
        q: Questionnaire,
        attribution: Attribution | None = None,
        *,
        now: datetime | None = None,
        previous: str | None = None,
        previous_manage: str | None = None,
    ) -> Started:
        """Create a response for q; the tokens are returned once and stored only as hashes.

        A retake names the submitted attempt it follows by both its tokens (``previous``: its result token,
        ``previous_manage``: its private manage token). The manage token is required because whoever holds
        any attempt's manage link can delete the whole chain: a view-only result link (printed in the PDF)
        must not be able to start an attempt that could. NotFound, NotAllowed, NotSubmitted, NotComparable
        (another scoring key) or ChainFull, and nothing is written.
        """
        self.register(q)
        at = attribution or Attribution()
        when = now_utc(now)
        started = Started(new_public_id(), new_token(), new_token())
        values: dict[str, Any] = {
            "public_id": started.public_id,
            "resume_token_hash": token_hash(started.resume_token),
            "delete_token_hash": token_hash(started.delete_token),
            "content_hash": q.content_hash,
            "recruiter_id": at.recruiter_id,
            "campaign": at.campaign,
            "role": at.role,
            "started_at": when,
            "last_saved_at": when,
            "page": 0,
            "shared": False,
        }
        if previous is None:
            with self._db.tx(write=True) as conn:
                conn.execute(insert(responses).values(**values))
            return started
        previous_hash = _resume_hash(previous)
        manage_hash = token_hash(previous_manage)
        if manage_hash is None:
            raise NotAllowed("a retake needs the earlier attempt's private manage link")
        # The earlier attempt stays locked until the retake is written: a deletion of its chain either
        # ran first (NotFound here) or waits and then finds the retake too (storage.chain.component).
        with self._db.locked(previous_hash) as (conn, row):
            if not hmac.compare_digest(str(row.delete_token_hash), manage_hash):
                raise NotAllowed("that manage link belongs to another response")
            if row.submitted_at is None:
                raise NotSubmitted("only a submitted attempt can be retaken")
            key = conn.scalar(
                select(questionnaires.c.scoring_key).where(questionnaires.c.content_hash == row.content_hash)
            )
            if key != q.scoring_key:
                raise NotComparable("the questionnaire has changed since that attempt: its scores are not comparable")
            if len(component(conn, row.id, limit=MAX_ATTEMPTS)) >= MAX_ATTEMPTS:
                raise ChainFull(f"a chain holds at most {MAX_ATTEMPTS} attempts")
            conn.execute(insert(responses).values(**values, previous_id=row.id))
        return started

    def history(self, resume_token: str) -> list[Attempt]:
        """The submitted attempts of the chain up to the one this token opens, oldest first.

        Only that attempt and those it follows (``storage.chain.ancestors``), never a later one or another
        chain's; only attempts with its scoring key; a purged earlier attempt is simply missing. Empty for an
        unknown or malformed token.
        """
        resume_hash = token_hash(resume_token)
        if resume_hash is None:
            return []
        with self._db.tx() as conn:
            own = conn.execute(
                select(responses.c.id, questionnaires.c.scoring_key)
                .join(questionnaires, questionnaires.c.content_hash == responses.c.content_hash)
                .where(responses.c.resume_token_hash == resume_hash)
            ).first()
            if own is None:
                return []
            ids = ancestors(conn, own.id)
            rows = conn.execute(
                select(responses, questionnaires.c.language)
                .join(questionnaires, questionnaires.c.content_hash == responses.c.content_hash)
                .where(
                    responses.c.id.in_(ids),
                    responses.c.submitted_at.is_not(None),
                    questionnaires.c.scoring_key == own.scoring_key,
                )
            ).all()
            out = []
            for row in sorted(rows, key=lambda r: (r.submitted_at, r.id)):
                slots = self._db.slots(conn, row.content_hash)
                out.append(
                    Attempt(
                        public_id=row.public_id,
                        content_hash=row.content_hash,
                        language=row.language,
                        submitted_at=row.submitted_at,
                        overall=row.overall,
                        band=row.band,
                        dimension_scores={dim: getattr(row, score_column(slot)) for slot, dim in slots},
                        current=row.id == own.id,
                    )
                )
        return out

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
            if is_blank(value):  # the one blank rule (scoring.answers); check_answers refused anything else
                deletes.append(item_id)
            elif isinstance(item, (LikertItem, ClaimItem)):  # scale values (check_answers refused anything else)
                rows.append({"item_id": item_id, "value_int": int(value), "value_text": None})
            else:
                text = value.strip() if isinstance(item, TextItem) else value
                rows.append({"item_id": item_id, "value_int": None, "value_text": text})
        return rows, deletes

    def _upsert(self) -> Any:
        """The answers upsert for this dialect (executemany: one row per answer; last write wins)."""
        stmt = _UPSERTS.get(self._db.dialect)
        if stmt is None:
            stmt = self._db.insert()(answers_t)
            stmt = _UPSERTS[self._db.dialect] = stmt.on_conflict_do_update(
                index_elements=["response_id", "item_id"],
                set_={"value_int": stmt.excluded.value_int, "value_text": stmt.excluded.value_text},
            )
        return stmt

    def _write_answers(
        self, conn: Connection, response_id: int, rows: list[dict[str, Any]], deletes: list[str]
    ) -> None:
        if rows:
            conn.execute(self._upsert(), [{"response_id": response_id, **row} for row in rows])
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
        resume_hash = _resume_hash(resume_token)
        when = now_utc(now)
        driver = self._driver
        # Every answer click comes here, so it is two statements on the driver's connection (storage.driver):
        # stamp-and-read the response, upsert the answers. It returns only after the commit (a refresh or a
        # crash of the app afterwards loses nothing); refused answers raise before the commit and roll the
        # stamp back with them.
        with driver.transaction() as cur:
            stamp = driver.prepared(_STAMP)
            cur.execute(stamp.sql, stamp.params({"resume_hash": resume_hash, "when": when, "page": page}))
            row = cur.fetchone()
            if row is None:  # unknown (NotFound) or submitted: the rare path pays one more read
                known = driver.prepared(_KNOWN)
                cur.execute(known.sql, known.params({"resume_hash": resume_hash}))
                if cur.fetchone() is None:
                    raise NotFound("no response for that token")
                raise AlreadySubmitted("this response is submitted; its answers can no longer change")
            response_id, content_hash = row
            q = self._db.questionnaires.get(content_hash)
            if q is None:  # the first save of this version since the store opened
                definition = driver.prepared(DEFINITION)
                cur.execute(definition.sql, definition.params({"content_hash": content_hash}))
                q = self._db.remember(content_hash, cur.fetchone()[0])
            rows, deletes = self._prepare(q, answers)
            if rows:
                upsert = driver.prepared(self._upsert(), _ANSWER_KEYS)
                cur.executemany(upsert.sql, [upsert.params({"response_id": response_id, **r}) for r in rows])
            if deletes:
                remove = driver.prepared(_REMOVE)
                cur.executemany(
                    remove.sql, [remove.params({"response_id": response_id, "item_id": i}) for i in deletes]
                )

    def progress(self, resume_token: str) -> Progress | None:
        """Everything needed to resume; None for an unknown, malformed or foreign token."""
        resume_hash = token_hash(resume_token)
        if resume_hash is None:
            return None
        with self._db.tx() as conn:
            row = conn.execute(
                select(responses, questionnaires.c.questionnaire_id)
                .join(questionnaires, questionnaires.c.content_hash == responses.c.content_hash)
                .where(responses.c.resume_token_hash == resume_hash)
            ).first()
            if row is None:
                return None
            answers = self._db.answers(conn, row.id)
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
        resume_hash = _resume_hash(resume_token)
        when = now_utc(now)
        with self._db.locked(resume_hash) as (conn, row):
            if row.submitted_at is None:
                q = self._db.require_questionnaire(conn, row.content_hash)
                if answers:
                    self._write_answers(conn, row.id, *self._prepare(q, answers))
                final = self._db.answers(conn, row.id)
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
                if row.previous_id is not None:  # the attempt this retake follows no longer counts in cohorts
                    conn.execute(update(responses).where(responses.c.id == row.previous_id).values(superseded=True))
            return self._db.stored(conn, row.id)

    def result(self, token: str) -> Stored | None:
        """The submitted result for a resume token; None when unknown, malformed or not submitted yet."""
        resume_hash = token_hash(token)
        if resume_hash is None:
            return None
        with self._db.tx() as conn:
            row = conn.execute(
                select(responses.c.id, responses.c.submitted_at).where(responses.c.resume_token_hash == resume_hash)
            ).first()
            if row is None or row.submitted_at is None:
                return None
            return self._db.stored(conn, row.id)


def _resume_hash(resume_token: str) -> str:
    """The token's hash, or NotFound before the database is touched (a malformed token opens nothing)."""
    resume_hash = token_hash(resume_token)
    if resume_hash is None:
        raise NotFound("no response for that token")
    return resume_hash
