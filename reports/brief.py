"""The candidate's conversation brief: what a recruiter sees when a result is shared.

By default a shared result is this brief, never a score: what the candidate wants next (their own
words), the playbook questions they picked, and talking points from their stronger habits. Scores
are added only by an explicit choice, recorded next to the brief (``storage``).

Talking points come from dimensions in the middle and top bands only, in the questionnaire's order
(not by score), and use the playbook's band-independent "prepare" text: a recruiter learns which
habits are not in the lowest band — what the candidate chose to show — but not a band, a rank or a
score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

import i18n
from scoring.interpret import DimensionReading, Interpretation
from scoring.models import MAX_SHORT, MAX_TEXT, Questionnaire, TextItem

MAX_WANT_NEXT = 2_000
MAX_LINE = MAX_TEXT  # a playbook line may be this long

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_LINE)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class TalkingPoint(_Strict):
    """A stronger habit the candidate can talk about, with what they can bring."""

    dimension: Annotated[str, StringConstraints(min_length=1, max_length=48)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_SHORT)]
    points: list[Line] = Field(default_factory=list, max_length=10)


class Brief(_Strict):
    """Exactly what a recruiter reads of a shared result (scores apart, which are a separate choice)."""

    want_next: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_WANT_NEXT)] | None = None
    questions: list[Line] = Field(default_factory=list, max_length=20)
    talking_points: list[TalkingPoint] = Field(default_factory=list, max_length=20)

    def to_json(self) -> str:
        """Compact JSON for storage."""
        return self.model_dump_json()

    @property
    def empty(self) -> bool:
        return not (self.want_next or self.questions or self.talking_points)


class BriefError(ValueError):
    """A brief that cannot be stored; ``problems`` says why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def parse_brief(value: Brief | Mapping[str, Any] | str | None) -> Brief | None:
    """A Brief from a Brief, a mapping or JSON text; None for None; BriefError when it does not fit."""
    if value is None or isinstance(value, Brief):
        return value
    try:
        if isinstance(value, str):
            return Brief.model_validate_json(value)
        if isinstance(value, Mapping):
            return Brief.model_validate(dict(value), strict=False)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc']) or 'brief'}: {e['msg']}" for e in exc.errors()]
        raise BriefError(problems) from exc
    raise BriefError(["brief must be a Brief, a mapping or JSON text"])


def stored_brief(text: object) -> Brief | None:
    """The brief read back from storage; None when absent or unreadable (never an error on a page)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return parse_brief(text)
    except BriefError:
        return None


def lowest_band(q: Questionnaire) -> str:
    return q.bands.dimension[0].id


def stronger_dimensions(q: Questionnaire, interp: Interpretation) -> list[DimensionReading]:
    """Scored dimensions in the middle and top bands (never the lowest), in the questionnaire's order."""
    low = lowest_band(q)
    return [d for d in interp.dimensions if d.score is not None and d.band is not None and d.band != low]


def talking_points(q: Questionnaire, interp: Interpretation) -> list[TalkingPoint]:
    """One talking point per stronger habit, from the playbook's "prepare" text for that dimension."""
    points = []
    for d in stronger_dimensions(q, interp):
        entry = q.playbook.get(d.id)
        points.append(TalkingPoint(dimension=d.id, name=d.name, points=list(entry.prepare) if entry else []))
    return points


def want_next(q: Questionnaire, answers: Mapping[str, Any]) -> str | None:
    """The candidate's free-text answer (the questionnaire's first text item), trimmed; None when blank."""
    for item in q.items():
        if isinstance(item, TextItem):
            value = answers.get(item.id)
            if isinstance(value, str) and value.strip():
                return value.strip()[:MAX_WANT_NEXT]
            return None
    return None


def question_choices(interp: Interpretation) -> list[tuple[str, str, str]]:
    """(key, dimension name, question) for every playbook question the candidate may pick."""
    return [(f"{item.dimension}:{i}", item.name, ask) for item in interp.playbook for i, ask in enumerate(item.ask)]


def build_brief(q: Questionnaire, interp: Interpretation, picked: Iterable[str], want: str | None) -> Brief:
    """The brief from the candidate's choices; picked keys that are not on their playbook are ignored."""
    chosen = set(picked)
    questions = [ask for key, _, ask in question_choices(interp) if key in chosen]
    text = (want or "").strip()[:MAX_WANT_NEXT] or None
    return Brief(want_next=text, questions=questions, talking_points=talking_points(q, interp))


def brief_sections(brief: Brief | None, *, lang: str = "en") -> list[tuple[str, list[str]]]:
    """(heading, lines) of a brief, in the order every view shows them (preview, recruiter page, prep sheet)."""
    if brief is None:
        return []
    _ = i18n.translator(lang)
    sections: list[tuple[str, list[str]]] = []
    if brief.want_next:
        sections.append((_("What they want next"), [brief.want_next]))
    if brief.questions:
        sections.append((_("Questions they want to ask you"), list(brief.questions)))
    for tp in brief.talking_points:
        sections.append((_("Talking point: {name}").format(name=tp.name), list(tp.points)))
    return sections


def score_lines(
    overall: float | None, band_label: str | None, scores: Iterable[tuple[str, float | None]], *, lang: str = "en"
) -> list[str]:
    """The scores as a recruiter sees them when the candidate adds them (profile, then each habit)."""
    _ = i18n.translator(lang)
    lines = []
    if overall is not None:
        profile = _("Profile: {band} ({score} / 100)")
        lines.append(profile.format(band=band_label or _("unbanded"), score=f"{overall:.0f}"))
    for name, score in scores:
        value = _("not enough answers") if score is None else _("{score} / 100").format(score=f"{score:.0f}")
        lines.append(_("{name}: {value}").format(name=name, value=value))
    return lines
