"""Scores → words: the profile, per-dimension meaning and actions, and the recruiter-call playbook."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import i18n
from i18n.formats import decimal
from scoring.models import Band, Questionnaire, Result

PLAYBOOK_MIN = 2
PLAYBOOK_MAX = 3
STRENGTHS_MAX = 2


@dataclass(frozen=True)
class DimensionReading:
    id: str
    name: str
    short_name: str
    description: str
    score: float | None
    band: str | None
    band_label: str | None
    meaning: str | None
    actions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PlaybookItem:
    dimension: str
    name: str
    score: float
    prepare: list[str]
    ask: list[str]


@dataclass(frozen=True)
class Interpretation:
    overall: float | None
    band: str | None
    label: str | None
    text: str | None
    near_boundary: bool
    boundary_note: str | None
    dimensions: list[DimensionReading]
    playbook: list[PlaybookItem]
    strongest: list[str]  # dimension ids, strongest first; never one in the lowest dimension band

    def reading(self, dim_id: str) -> DimensionReading:
        return next(d for d in self.dimensions if d.id == dim_id)


def _band(bands: list[Band], band_id: str | None) -> Band | None:
    return next((b for b in bands if b.id == band_id), None)


def boundary_note(q: Questionnaire, overall: float | None, *, lang: str = "en") -> str | None:
    """A sentence naming the neighbouring band when the overall sits within ``near_boundary`` of an edge."""
    if overall is None:
        return None
    _ = i18n.translator(lang)
    bands = q.bands.overall
    for lower, upper in pairwise(bands):
        edge = upper.min
        if abs(overall - edge) < q.scoring.near_boundary:
            there = lower if overall >= edge else upper
            note = _(
                "Your score of {score} sits close to the line between {lower} and {upper} (at {edge}). "
                "Read the {neighbour} description too: on another day you might land there."
            ).format(
                score=f"{overall:.0f}", lower=lower.label, upper=upper.label, edge=decimal(edge, lang),
                neighbour=there.label,
            )  # fmt: skip
            return f"{note} {there.label}: {there.text}" if there.text else note
    return None


def weakest(q: Questionnaire, result: Result) -> list[str]:
    """Scored dimensions from weakest to strongest; ties go to the order of the questionnaire."""
    order = {d.id: i for i, d in enumerate(q.dimensions)}
    scored = [(s.score, order[d]) for d, s in result.dimensions.items() if s.score is not None]
    ids = {order[d]: d for d in result.dimensions}
    return [ids[i] for _, i in sorted(scored)]


def strongest(q: Questionnaire, result: Result, limit: int = STRENGTHS_MAX) -> list[str]:
    """Up to ``limit`` strongest scored dimensions, only from the middle and top bands (never the lowest)."""
    lowest = q.bands.dimension[0].id
    return [d for d in reversed(weakest(q, result)) if result.dimensions[d].band != lowest][:limit]


def playbook(q: Questionnaire, result: Result) -> list[PlaybookItem]:
    """Two or three weakest scored dimensions: the third only if it is not already in the top band."""
    top_band = q.bands.dimension[-1].id
    chosen: list[str] = []
    for dim in weakest(q, result):
        if len(chosen) >= PLAYBOOK_MAX:
            break
        if len(chosen) >= PLAYBOOK_MIN and result.dimensions[dim].band == top_band:
            break
        chosen.append(dim)
    items = []
    for dim in chosen:
        entry = q.playbook[dim]
        items.append(
            PlaybookItem(
                dimension=dim,
                name=q.dimension(dim).name,
                score=float(result.dimensions[dim].score or 0.0),
                prepare=list(entry.prepare),
                ask=list(entry.ask),
            )
        )
    return items


def interpret(q: Questionnaire, result: Result, *, lang: str = "en") -> Interpretation:
    """Everything a candidate reads about their result, in display order (our own sentences in ``lang``)."""
    band = _band(q.bands.overall, result.band)
    readings = []
    for dim in q.dimensions:
        ds = result.dimensions[dim.id]
        dband = _band(q.bands.dimension, ds.band)
        advice = q.advice[dim.id].get(ds.band) if ds.band else None
        readings.append(
            DimensionReading(
                id=dim.id,
                name=dim.name,
                short_name=dim.label,
                description=dim.description,
                score=ds.score,
                band=ds.band,
                band_label=dband.label if dband else None,
                meaning=advice.meaning if advice else None,
                actions=list(advice.actions) if advice else [],
            )
        )
    return Interpretation(
        overall=result.overall,
        band=result.band,
        label=band.label if band else None,
        text=band.text if band else None,
        near_boundary=result.near_boundary,
        boundary_note=boundary_note(q, result.overall, lang=lang),
        dimensions=readings,
        playbook=playbook(q, result),
        strongest=strongest(q, result),
    )
