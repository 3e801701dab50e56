"""A submission, start to finish: check, score and flag (pure core), then record (the store) — here only.

The store locks the response, merges the final answers and calls back ``_scored`` with exactly the
answers it is about to freeze, so what is recorded is computed once, inside that transaction, against
the questionnaire version the response answered. The results page reads those numbers back
(``result_of``) instead of scoring again; ``preview`` scores a tab's answers only when the store could
not take the submission, so the candidate still sees a result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scoring.engine import band_for, plan, score
from scoring.flow import answered
from scoring.models import DimensionScore, Questionnaire, Result
from scoring.quality import flags as quality_flags
from storage import Attempt, Attribution, Scored, Started, Store, Stored


@dataclass(frozen=True)
class Evaluation:
    """A response's result and its answer-quality flags, as computed by the core."""

    result: Result
    flags: tuple[str, ...]


def evaluate(q: Questionnaire, answers: Mapping[str, Any], duration_seconds: float | None = None) -> Evaluation:
    """Check, score and flag one set of answers (pure); ``scoring.engine.AnswerError`` when they do not fit."""
    return Evaluation(score(q, answers), tuple(quality_flags(q, answers, duration_seconds)))


def _scored(q: Questionnaire, answers: dict[str, int | str], duration_seconds: float) -> Scored:
    found = evaluate(q, answers, duration_seconds)
    return Scored(
        overall=found.result.overall,
        band=found.result.band,
        near_boundary=found.result.near_boundary,
        dimension_scores=found.result.scores(),
        flags=list(found.flags),
    )


def submit(
    store: Store,
    resume_token: str,
    answers: Mapping[str, int | str | None] | None = None,
    *,
    now: datetime | None = None,
) -> Stored:
    """Record the submission (idempotent: a second call returns the first result and writes nothing)."""
    return store.submit(resume_token, answers, evaluate=_scored, now=now)


def preview(q: Questionnaire, answers: Mapping[str, Any]) -> Evaluation:
    """The result and flags of answers the store has not taken (yet): shown, never recorded (no duration:
    only the store times a response)."""
    return evaluate(q, answers)


def result_of(q: Questionnaire, stored: Stored) -> Result:
    """The result recorded at submission, as the core's ``Result`` (no re-scoring: the stored numbers)."""
    loadings = plan(q).loadings
    dimensions = {}
    for d in q.dimensions:
        value = stored.dimension_scores.get(d.id)
        items = loadings[d.id]
        dimensions[d.id] = DimensionScore(
            dimension=d.id,
            score=value,
            answered=sum(answered(stored.answers.get(ld.item_id)) for ld in items),
            total=len(items),
            band=band_for(q.bands.dimension, value),
        )
    return Result(
        questionnaire_id=q.meta.id,
        content_hash=stored.content_hash,
        dimensions=dimensions,
        overall=stored.overall,
        band=stored.band,
        near_boundary=stored.near_boundary,
    )


def retake(
    store: Store,
    q: Questionnaire,
    previous: str,
    manage: str,
    attribution: Attribution | None = None,
    *,
    now: datetime | None = None,
) -> Started:
    """Start a new attempt of ``q`` that follows the submitted attempt ``previous`` (its result and manage
    tokens); the store refuses another scoring key (``NotComparable``), a wrong token or an unsubmitted attempt.

    Nothing is scored here: the new attempt is scored at its own submission, like any other.
    """
    return store.start(q, attribution, now=now, previous=previous, previous_manage=manage)


def history(store: Store, resume_token: str) -> list[Attempt]:
    """The submitted attempts up to this result, oldest first, as recorded at each submission (never re-scored)."""
    return store.history(resume_token)
