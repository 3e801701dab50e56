"""The recruiter's view of shared results: candidate cards with a prep sheet, and campaign counts.

Pure functions over the store's frames. They filter again by recruiter and consent even though
the store already does: a recruiter's page must never show another recruiter's candidates or a
result that was not shared, whatever a query returns. And they show only what was shared: the
candidate's conversation brief (``share_brief``), plus the profile and scores only where the
candidate ticked "add my scores" (``share_scores``); a frame without those columns shares no scores.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

import i18n
from access.safetext import plain_text
from i18n.formats import short_date
from reports.brief import Brief, brief_sections, score_lines, stored_brief, stronger_dimensions
from scoring.engine import band_for, near_boundary
from scoring.interpret import Interpretation, interpret
from scoring.models import DimensionScore, Questionnaire, Result

COUNT_COLUMNS = ["campaign", "started", "completed", "shared"]


@dataclass(frozen=True)
class CandidateCard:
    """One shared result, ready to show a recruiter."""

    public_id: str
    submitted: date | None
    campaign: str | None
    role: str | None
    contact_name: str | None
    contact_email: str | None
    questionnaire: str | None  # title; None when the version is unknown here
    reading: Interpretation | None  # only when the candidate shared their scores
    overall: float | None  # only when the candidate shared their scores
    band_label: str | None  # only when the candidate shared their scores
    scores: list[tuple[str, float | None]] = field(default_factory=list)
    brief: Brief | None = None  # the conversation brief exactly as shared
    scores_shared: bool = False
    strengths: list[str] = field(default_factory=list)  # habits in the middle or top band, never the lowest


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _text(value: Any, limit: int = 200) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = plain_text(str(value), limit)
    return text or None


def _day(value: Any) -> date | None:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def result_from_scores(
    q: Questionnaire, overall: float | None, scores: Mapping[str, float | None], content_hash: str | None = None
) -> Result:
    """Rebuild a Result from stored scores so ``interpret`` can explain it (item counts are not stored)."""
    dims = {}
    for dim in q.dimensions:
        value = _number(scores.get(dim.id))
        dims[dim.id] = DimensionScore(
            dimension=dim.id, score=value, answered=0, total=0, band=band_for(q.bands.dimension, value)
        )
    return Result(
        questionnaire_id=q.meta.id,
        content_hash=content_hash or q.content_hash,
        dimensions=dims,
        overall=overall,
        band=band_for(q.bands.overall, overall),
        near_boundary=near_boundary(q, overall),
    )


def _truthy(value: Any) -> bool:
    # Only a real True (or 1) counts as consent; NaN, None, "false" and the like do not.
    return value is True or (isinstance(value, (int, float)) and not isinstance(value, bool) and value == 1)


def shared_rows(frame: pd.DataFrame, recruiter_id: str) -> pd.DataFrame:
    """Rows of this recruiter that were shared and submitted; everything else is dropped."""
    needed = {"recruiter_id", "shared", "submitted_at"}
    if frame.empty or not needed <= set(frame.columns):
        return frame.iloc[0:0]
    mine = frame["recruiter_id"].astype("object") == recruiter_id
    shared = frame["shared"].map(_truthy).astype(bool)
    submitted = frame["submitted_at"].notna()
    return frame[mine & shared & submitted]


def candidate_cards(
    frame: pd.DataFrame, recruiter_id: str, questionnaire_for: Callable[[str], Questionnaire | None]
) -> list[CandidateCard]:
    """Cards for this recruiter's shared, submitted responses, newest first."""
    rows = shared_rows(frame, recruiter_id)
    if "submitted_at" in rows.columns and not rows.empty:
        rows = rows.sort_values("submitted_at", ascending=False, kind="stable")
    cards = []
    for row in rows.to_dict("records"):
        q = questionnaire_for(str(row.get("content_hash") or ""))
        brief = stored_brief(row.get("share_brief"))
        scores_shared = _truthy(row.get("share_scores"))
        overall = band_label = reading = None
        scores: list[tuple[str, float | None]] = []
        strengths = [tp.name for tp in brief.talking_points] if brief is not None else []
        if scores_shared:  # nothing score-derived is read from the row otherwise
            overall = _number(row.get("overall"))
            band_label = _text(row.get("band"), 48)
            if q is not None:
                result = result_from_scores(
                    q, overall, {d.id: row.get(d.id) for d in q.dimensions}, row.get("content_hash")
                )
                reading = interpret(q, result)
                band_label = reading.label or band_label
                scores = [(d.name, d.score) for d in reading.dimensions]
                stronger = [d.name for d in stronger_dimensions(q, reading)]
                # Shared before briefs existed (with scores): the talking points' rule. Otherwise the
                # brief's talking points, and never one the shared scores put in the lowest band.
                strengths = stronger if brief is None else [name for name in strengths if name in stronger]
        cards.append(
            CandidateCard(
                # The store labels the public id "response_id"; "public_id" is accepted too.
                public_id=str(row.get("response_id") or row.get("public_id") or ""),
                submitted=_day(row.get("submitted_at")),
                campaign=_text(row.get("campaign"), 60),
                role=_text(row.get("role"), 120),
                contact_name=_text(row.get("contact_name"), 200),
                contact_email=_text(row.get("contact_email"), 254),
                questionnaire=q.meta.title if q else None,
                reading=reading,
                overall=overall,
                band_label=band_label,
                scores=scores,
                brief=brief,
                scores_shared=scores_shared,
                strengths=strengths,
            )
        )
    return cards


def campaign_table(counts: pd.DataFrame, recruiter_id: str, *, lang: str = "en") -> pd.DataFrame:
    """Started / completed / shared per campaign for one recruiter, busiest first; counts only."""
    _ = i18n.translator(lang)
    if counts.empty or "recruiter_id" not in counts.columns:
        return pd.DataFrame(columns=COUNT_COLUMNS)
    mine = counts[counts["recruiter_id"].astype("object") == recruiter_id]
    table = mine.reindex(columns=COUNT_COLUMNS).copy()
    table["campaign"] = table["campaign"].fillna(_("(no campaign)")).astype(str)
    for col in COUNT_COLUMNS[1:]:
        table[col] = pd.to_numeric(table[col], errors="coerce").fillna(0).astype(int)
    return table.sort_values(["started", "campaign"], ascending=[False, True], kind="stable").reset_index(drop=True)


def prep_sheet_text(card: CandidateCard, *, lang: str = "en") -> str:
    """A plain-text prep sheet for the recruiter's call with this candidate."""
    _ = i18n.translator(lang)
    who = card.contact_name or _("Candidate {id}").format(id=card.public_id[:8])
    lines = [_("Prep sheet: {who}").format(who=who)]
    if card.contact_email:
        lines.append(_("E-mail: {email}").format(email=card.contact_email))
    details = [
        _("submitted {date}").format(date=short_date(card.submitted, lang)) if card.submitted else None,
        _("campaign {campaign}").format(campaign=card.campaign) if card.campaign else None,
        _("role {role}").format(role=card.role) if card.role else None,
    ]
    joined = ", ".join(d for d in details if d)
    # Only the first letter goes up: str.capitalize lowered the rest ("VP Communications", German nouns).
    lines.append(joined[:1].upper() + joined[1:])
    lines.append("")
    sections = brief_sections(card.brief, lang=lang)
    if not sections:
        lines.append(_("They shared no conversation brief."))
    for heading, body in sections:
        lines.append(_("{heading}:").format(heading=heading))
        lines.extend(f"  - {line}" for line in body)
    if card.strengths:
        lines += ["", _("Strengths to build on: {strengths}.").format(strengths=", ".join(card.strengths))]
    lines.append("")
    if not card.scores_shared:
        lines.append(_("Scores: not shared by the candidate."))
    elif card.reading is None and card.overall is None:
        lines.append(_("Scores: shared, but this questionnaire version is not in the current catalogue."))
    else:
        lines.append(_("Scores they chose to share (0 = tactical, 100 = strategic):"))
        score_text = score_lines(card.overall, card.band_label, card.scores, lang=lang)
        lines.extend(f"  {line}" for line in score_text)
    return "\n".join(lines) + "\n"


def recruiter_export_rows(frame: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """A recruiter's row-level export: only results shared with the scores added, and never an answer.

    A candidate who shared only their brief shared no score, and no candidate shared their individual
    answers (the result page says so), so those rows are dropped and every answer cell is emptied. A
    frame without ``share_scores`` keeps no row.
    """
    if frame.empty or not {"shared", "share_scores"} <= set(frame.columns):
        return frame.iloc[0:0]
    keep = frame["shared"].map(_truthy).astype(bool) & frame["share_scores"].map(_truthy).astype(bool)
    out = frame[keep].copy()
    for item in q.items():  # item ids never name a score column (the store refuses such a version)
        if item.id in out.columns:
            out[item.id] = pd.Series([None] * len(out), index=out.index, dtype=object)
    return out
