"""``Store``: the one object callers hold — it opens the database (creating or upgrading the schema) and
composes the parts, each with one job:

* ``storage.responses.Responses`` — registration and the candidate's path (start, save, submit, result);
* ``storage.lifecycle.Lifecycle`` — sharing, deletion and retention;
* ``storage.reads.ReadModel`` — frames and SQL aggregates, selected by one ``storage.filters.Filters``.

The guarantees (no answer lost, none counted twice, tokens stored only as hashes, results explainable
years later) are stated where they are kept, in those modules. The store records the scores it is
given at submission (``service.submissions`` computes them); it never scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from reports.brief import Brief
from scoring.models import Questionnaire
from storage import schema
from storage._db import Database, token_hash
from storage.config import database_url
from storage.filters import Filters
from storage.lifecycle import EMPTY_START_HOURS, Lifecycle
from storage.reads import GROUP_BY, GroupBy, ReadModel
from storage.records import Attribution, Evaluator, Progress, Started, Stored, StoreError
from storage.responses import Responses

__all__ = ["EMPTY_START_HOURS", "GROUP_BY", "Filters", "GroupBy", "Store", "token_hash"]


class Store:
    """Responses, their answers and results in SQLite or PostgreSQL: a thin façade over the parts."""

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
        self.database = Database(self.url, lock_timeout=lock_timeout, pool_size=pool_size, max_overflow=max_overflow)
        self.dialect = self.database.dialect
        try:
            with self.database.tx() as conn:
                upgrade = schema.needs_work(conn)
            if upgrade:
                with self.database.tx(write=True) as conn:
                    schema.ensure(conn)
            with self.database.tx() as conn:
                self.schema_version = schema.current_version(conn)
        except schema.SchemaError as exc:
            self.database.engine.dispose()
            raise StoreError(str(exc)) from exc
        except StoreError:
            self.database.engine.dispose()
            raise
        self.responses = Responses(self.database)
        self.lifecycle = Lifecycle(self.database, retention_days=retention_days)
        self.reads = ReadModel(self.database)

    # ----- plumbing ------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for benchmarks and tests; the app uses the methods)."""
        return self.database.engine

    @property
    def retention_days(self) -> int:
        return self.lifecycle.retention_days

    def close(self) -> None:
        """Release pooled connections."""
        self.database.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.database.safe_url()!r})"

    # ----- questionnaires and the candidate's path (storage.responses) ----------------------

    def register(self, q: Questionnaire) -> None:
        """Store a questionnaire version (idempotent, keyed by content hash) with its canonical JSON."""
        self.responses.register(q)

    def questionnaire(self, content_hash: str) -> Questionnaire | None:
        """The questionnaire version with that content hash, rebuilt from its stored definition."""
        return self.responses.questionnaire(content_hash)

    def start(
        self, q: Questionnaire, attribution: Attribution | None = None, *, now: datetime | None = None
    ) -> Started:
        """Create a response for q; the tokens are returned once and stored only as hashes."""
        return self.responses.start(q, attribution, now=now)

    def save_answers(
        self,
        resume_token: str,
        answers: Mapping[str, int | str | None],
        *,
        page: int | None = None,
        now: datetime | None = None,
    ) -> None:
        """Upsert answers (None or blank text deletes one) and the page; one transaction, last write wins."""
        self.responses.save_answers(resume_token, answers, page=page, now=now)

    def progress(self, resume_token: str) -> Progress | None:
        """Everything needed to resume; None for an unknown, malformed or foreign token."""
        return self.responses.progress(resume_token)

    def submit(
        self,
        resume_token: str,
        answers: Mapping[str, int | str | None] | None = None,
        *,
        evaluate: Evaluator,
        now: datetime | None = None,
    ) -> Stored:
        """Merge final answers and record what ``evaluate`` makes of them — once (``service.submissions``)."""
        return self.responses.submit(resume_token, answers, evaluate=evaluate, now=now)

    def result(self, token: str) -> Stored | None:
        """The submitted result for a resume token; None when unknown, malformed or not submitted yet."""
        return self.responses.result(token)

    # ----- sharing, deletion, retention (storage.lifecycle) ---------------------------------

    def can_manage(self, resume_token: object, manage_token: object) -> bool:
        """Whether ``manage_token`` is the private manage token of the response ``resume_token`` opens."""
        return self.lifecycle.can_manage(resume_token, manage_token)

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
        """Share or unshare; only with the response's own manage token (see ``Lifecycle.set_shared``)."""
        return self.lifecycle.set_shared(
            resume_token,
            shared,
            manage_token=manage_token,
            name=name,
            email=email,
            brief=brief,
            include_scores=include_scores,
            now=now,
        )

    def delete(self, delete_token: str, *, resume_token: str | None = None, now: datetime | None = None) -> bool:
        """Remove a response with its answers and scores; log only the count. False when not found."""
        return self.lifecycle.delete(delete_token, resume_token=resume_token, now=now)

    def deletable(self, delete_token: str) -> bool:
        """True when a response exists for this deletion token; changes nothing."""
        return self.lifecycle.deletable(delete_token)

    def purge_empty(self, *, older_than_hours: float = EMPTY_START_HOURS, now: datetime | None = None) -> int:
        """Delete unsubmitted responses with no answer, untouched for N hours; return how many."""
        return self.lifecycle.purge_empty(older_than_hours=older_than_hours, now=now)

    def purge(self, *, older_than_days: int | None = None, now: datetime | None = None) -> int:
        """Delete responses whose last save or submit is older than the retention period; return how many."""
        return self.lifecycle.purge(older_than_days=older_than_days, now=now)

    # ----- reads (storage.reads) ------------------------------------------------------------

    def responses_frame(
        self,
        filters: Filters | None = None,
        *,
        limit: int | None = None,
        include_answers: bool = False,
        include_contact: bool = False,
        include_brief: bool = False,
        **where: Any,
    ) -> pd.DataFrame:
        """One row per response selected by ``filters`` (or the same fields as keywords); see ``storage.frames``."""
        return self.reads.responses_frame(
            _filters(filters, where),
            limit=limit,
            include_answers=include_answers,
            include_contact=include_contact,
            include_brief=include_brief,
        )

    def aggregate(
        self, group_by: GroupBy, filters: Filters | None = None, *, counts: bool = False, **where: Any
    ) -> pd.DataFrame:
        """Per group: n, mean overall and mean per dimension (``counts``: and n per measure), in SQL;
        ``filters`` must name one content hash."""
        return self.reads.aggregate(group_by, _filters(filters, where), counts=counts)

    def campaign_counts(self, recruiter_id: str | None = None) -> pd.DataFrame:
        """Started, completed and shared responses per (recruiter_id, campaign)."""
        return self.reads.campaign_counts(recruiter_id)

    def percentile(
        self, content_hash: str, overall: float | None, *, before: datetime | None = None
    ) -> tuple[float | None, int]:
        """(percentile of overall among submitted responses on that version, ties counted half; N)."""
        return self.reads.percentile(content_hash, overall, before=before)

    def questionnaire_versions(self) -> pd.DataFrame:
        """Registered versions with response counts (content_hash, questionnaire_id, version, started, submitted)."""
        return self.reads.questionnaire_versions()

    def deletions(self) -> pd.DataFrame:
        """The deletion log: deleted_at, count, reason (no content)."""
        return self.reads.deletions()


def _filters(filters: Filters | None, where: Mapping[str, Any]) -> Filters:
    """A ``Filters``, given as one or as its fields by keyword (not both)."""
    if filters is not None and where:
        raise TypeError("pass a Filters or filter keywords, not both")
    return filters if filters is not None else Filters(**where)
