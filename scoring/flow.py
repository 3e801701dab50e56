"""Pure decisions of the quiz flow: progress, time left, required answers, attribution outcome."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import i18n
from scoring.answers import is_blank
from scoring.models import ChoiceItem, ClaimItem, LikertItem, Questionnaire, Section, TextItem


def answered(value: Any) -> bool:
    """An answer counts once it is not blank (``scoring.answers.is_blank``)."""
    return not is_blank(value)


def answerable_items(q: Questionnaire) -> list[LikertItem | ChoiceItem | ClaimItem]:
    """Items answered by picking a point or an option: scored items and claim items (not free text)."""
    return [i for i in q.items() if i.kind.form.picked]  # type: ignore[misc]


def missing_required(section: Section, answers: Mapping[str, Any]) -> list[str]:
    """Texts of the required questions on this page that have no answer yet, in page order."""
    return [item.text for item in section.items if item.required and not answered(answers.get(item.id))]


def minutes_left(
    q: Questionnaire, answers: Mapping[str, Any], scored: list[LikertItem | ChoiceItem | ClaimItem] | None = None
) -> int:
    """Estimated minutes still needed, from the share of answerable items not yet answered (≥ 1 until done).

    ``scored``: ``answerable_items(q)`` when the caller has it already.
    """
    scored = answerable_items(q) if scored is None else scored
    if not scored:
        return 0
    todo = sum(not answered(answers.get(i.id)) for i in scored)
    if todo == 0:
        return 0
    return max(1, math.ceil(q.meta.estimated_minutes * todo / len(scored)))


def progress(q: Questionnaire, page: int, answers: Mapping[str, Any], *, lang: str = "en") -> tuple[float, str]:
    """(fraction 0–1 for a progress bar, its caption in ``lang``) for a page index."""
    _, ngettext = i18n.translator(lang), i18n.ntranslator(lang)
    pages = len(q.sections)
    page = min(max(page, 0), pages - 1)
    scored = answerable_items(q)
    left = minutes_left(q, answers, scored)
    fraction = page / pages
    when = _("almost done") if left == 0 else ngettext("about {n} minute left", "about {n} minutes left", left)
    done = sum(answered(answers.get(i.id)) for i in scored)
    caption = _("Page {page} of {pages} · {done} of {total} answered · {when}")
    return fraction, caption.format(page=page + 1, pages=pages, done=done, total=len(scored), when=when.format(n=left))


def first_unfinished_page(q: Questionnaire, answers: Mapping[str, Any]) -> int:
    """Where a returning candidate should land: the first page with a required question unanswered."""
    for index, section in enumerate(q.sections):
        if missing_required(section, answers):
            return index
    return len(q.sections) - 1


def clean_answers(q: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Drop blanks and keys the questionnaire does not know (e.g. after a version change)."""
    known = {i.id: i for i in q.items()}
    out: dict[str, Any] = {}
    for key, value in answers.items():
        item = known.get(key)
        if item is None or not answered(value):
            continue
        out[key] = value.strip() if isinstance(item, TextItem) and isinstance(value, str) else value
    return out


@dataclass(frozen=True)
class LinkOutcome:
    """What the candidate's link resolved to: attribution fields (or None) and a gentle notice."""

    recruiter_id: str | None = None
    campaign: str | None = None
    role: str | None = None
    questionnaire_id: str | None = None
    notice: str | None = None
