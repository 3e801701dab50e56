"""What the store hands out: errors the UI can branch on, and frozen records (no SQLAlchemy types leak)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from reports.brief import Brief
from scoring.models import Questionnaire
from scoring.storable import text_problem
from storage.schema import SHORT


class StoreError(Exception):
    """Base for every error the store raises on purpose."""


class StoreUnavailable(StoreError):
    """The database could not be reached, or stayed locked: nothing was written, the caller may retry."""


class InvalidInput(StoreError):
    """Input refused before anything was written; ``problems`` says why, one readable line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class InvalidAnswers(InvalidInput):
    """Answers that do not fit the questionnaire (unknown item, value out of range)."""


class InvalidContact(InvalidInput):
    """Contact details that cannot be stored (too long, not an e-mail address)."""


class InvalidBrief(InvalidInput):
    """A conversation brief that does not fit (too long, wrong shape)."""


class NotAllowed(StoreError):
    """The manage token is missing or belongs to another response: sharing and deletion need it."""


class NotFound(StoreError):
    """No response for that token (only raised where returning None is impossible)."""


class AlreadySubmitted(StoreError):
    """The response is submitted, so its answers are frozen."""


class NotSubmitted(StoreError):
    """Sharing needs a submitted result (and a retake a submitted earlier attempt)."""


class RetakeRefused(StoreError):
    """A retake that cannot follow the attempt it names (beyond a wrong token or an unsubmitted attempt)."""


class NotComparable(RetakeRefused):
    """The earlier attempt answered a questionnaire with another scoring key: the scores could not be compared."""


class ChainFull(RetakeRefused):
    """The chain already holds the most attempts a chain may (``storage.chain.MAX_ATTEMPTS``)."""


@dataclass(frozen=True)
class Attribution:
    """Where a candidate came from: the (signed) link's recruiter, campaign and role."""

    recruiter_id: str | None = None
    campaign: str | None = None
    role: str | None = None

    def __post_init__(self) -> None:
        for name in ("recruiter_id", "campaign", "role"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or len(value) > SHORT):
                raise ValueError(f"{name} must be a string of at most {SHORT} characters")
            if value is not None and (problem := text_problem(value, multiline=False)) is not None:
                raise ValueError(f"{name} {problem}")


@dataclass(frozen=True)
class Started:
    """A new response: its public id and the two secrets only the candidate receives."""

    public_id: str
    resume_token: str
    delete_token: str


@dataclass(frozen=True)
class Attempt:
    """One submitted attempt of a retake chain, as a history shows it (scores recorded at its submission)."""

    public_id: str
    content_hash: str
    language: str
    submitted_at: datetime
    overall: float | None
    band: str | None
    dimension_scores: dict[str, float | None]
    current: bool  # the attempt whose result link asked


@dataclass(frozen=True)
class ResponseRecord:
    """What every read of one response starts with: which response, which questionnaire version, its answers."""

    public_id: str
    questionnaire_id: str
    content_hash: str
    answers: dict[str, int | str]


@dataclass(frozen=True)
class Progress(ResponseRecord):
    """An in-progress (or submitted) response as the quiz needs it to resume."""

    page: int
    started_at: datetime
    submitted: bool
    attribution: Attribution
    shared: bool
    last_saved_at: datetime | None = None


@dataclass(frozen=True)
class Scored:
    """What a submission is recorded with: computed by the caller (``service.submissions``), never by the store."""

    overall: float | None
    band: str | None
    near_boundary: bool
    dimension_scores: Mapping[str, float | None]
    flags: list[str]


# (questionnaire version, the final answers as stored, seconds from start to submit) → what to record.
Evaluator = Callable[[Questionnaire, dict[str, int | str], float], Scored]


@dataclass(frozen=True)
class Stored(ResponseRecord):
    """A submitted response with the result computed at submission, against its own questionnaire version."""

    dimension_scores: dict[str, float | None]
    overall: float | None
    band: str | None
    near_boundary: bool
    flags: list[str]
    duration_seconds: float | None
    started_at: datetime
    submitted_at: datetime | None
    attribution: Attribution
    shared: bool
    contact_name: str | None
    contact_email: str | None
    shared_at: datetime | None = field(default=None)
    brief: Brief | None = None  # what a recruiter reads while shared
    share_scores: bool = False  # whether the candidate also added their scores
