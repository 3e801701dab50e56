"""Answers → scores, for one response (``score``) and for a DataFrame of many (``score_frame``).

Item scores are *keyed* to 0–1 (1 = most strategic): a Likert answer is rescaled over its
scale and flipped when reverse-keyed; a choice answer takes the chosen option's score for each
dimension the item scores (0 when that option does not mention the dimension). A dimension is
scored only when at least ``scoring.min_answered`` of its items are answered; the overall is the
weighted mean of scored dimensions, given when their weight share reaches the same threshold.

Scores are rounded to 9 decimals (``_tidy``/``_tidy_array``, the same arithmetic in both paths):
float noise must not push a response that is exactly on a band edge (60, say, computed as
59.999999999999986) into the band below, and single and batch scoring then agree exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scoring.answers import accepts, is_blank
from scoring.answers import check_answers as check_answers  # re-exported: the public name callers use
from scoring.answers import problems as answer_problems
from scoring.derived import PerModel
from scoring.models import Band, DimensionScore, Questionnaire, Result
from scoring.registry import METHODS, Answer, AnswerForm, Loading, option_positions


class AnswerError(ValueError):
    """Answers that do not fit the questionnaire (unknown item, value out of range)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Plan:
    dims: list[str]
    loadings: dict[str, list[Loading]]
    weights: dict[str, float]
    methods: dict[str, str] = field(default_factory=dict)
    # Item id → how it is answered and what it accepts (scale values, option ids or the longest text).
    accepts: dict[str, tuple[AnswerForm, Any]] = field(default_factory=dict)
    content_hash: str = ""


def _build_plan(q: Questionnaire) -> Plan:
    loadings: dict[str, list[Loading]] = {d.id: [] for d in q.dimensions}
    for item in q.scored_items():
        for dim, loading in item.loadings(q.scales):
            loadings[dim].append(loading)
    return Plan(
        [d.id for d in q.dimensions],
        loadings,
        {d.id: d.weight for d in q.dimensions},
        {d.id: d.method for d in q.dimensions},
        accepts(q),
        q.content_hash,
    )


# Beside the questionnaire, not on it: the model stays frozen, the plan is built once per questionnaire.
_plans: PerModel[Questionnaire, Plan] = PerModel(_build_plan)


def plan(q: Questionnaire) -> Plan:
    """Per-dimension loadings of a questionnaire (built once per questionnaire object)."""
    return _plans(q)


# Columns an answers frame may carry besides item ids ("style": the sampler's response style).
META_COLUMNS = ("response_id", "duration_seconds", "started_at", "submitted_at", "style")

_SCALE = 1e9  # scores are kept to 9 decimals


def _tidy(value: float) -> float:
    """Round to 9 decimals and clip to 0–100; the arithmetic of _tidy_array, one value at a time."""
    return min(100.0, max(0.0, round(value * _SCALE) / _SCALE))  # round() is half-even, like np.rint


def _tidy_array(values: np.ndarray) -> np.ndarray:
    """Vectorised _tidy (NaN stays NaN)."""
    return np.clip(np.rint(values * _SCALE) / _SCALE, 0.0, 100.0)


def band_for(bands: list[Band], value: float | None) -> str | None:
    """Id of the band containing value (the last band includes 100)."""
    if value is None:
        return None
    for i, band in enumerate(bands):
        if band.contains(value, last=i == len(bands) - 1):
            return band.id
    return None


def near_boundary(q: Questionnaire, overall: float | None) -> bool:
    if overall is None:
        return False
    return any(abs(overall - b.min) < q.scoring.near_boundary for b in q.bands.overall[1:])


def score(q: Questionnaire, answers: Mapping[str, Any]) -> Result:
    """Score one response. Raises AnswerError for unknown items or out-of-range answers."""
    p = plan(q)
    problems = answer_problems(p.accepts, answers)
    if problems:
        raise AnswerError(problems)
    rule = q.scoring.min_answered
    dims: dict[str, DimensionScore] = {}
    for dim in p.dims:
        loadings = p.loadings[dim]
        values = [ld.keyed(answers.get(ld.item_id)) for ld in loadings]
        answered = sum(v is not None for v in values)
        value: float | None = None
        if answered and answered / len(values) >= rule:
            method = METHODS[p.methods[dim]]
            value = _tidy(100.0 * method.single(values, [ld.weight for ld in loadings]))
        dims[dim] = DimensionScore(
            dimension=dim, score=value, answered=answered, total=len(values), band=band_for(q.bands.dimension, value)
        )
    scored = [(p.weights[d], s.score) for d, s in dims.items() if s.score is not None]
    total_weight = sum(p.weights.values())
    overall: float | None = None
    if scored and sum(w for w, _ in scored) / total_weight >= rule:
        overall = _tidy(sum(w * s for w, s in scored) / sum(w for w, _ in scored))
    return Result(
        questionnaire_id=q.meta.id,
        content_hash=p.content_hash,
        dimensions=dims,
        overall=overall,
        band=band_for(q.bands.overall, overall),
        near_boundary=near_boundary(q, overall),
    )


# ----- batch ---------------------------------------------------------------------------------


def keyed_matrix(
    q: Questionnaire, frame: pd.DataFrame, dim: str, *, cache: dict[str, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(n × k keyed item scores with NaN for missing, k weights) for one dimension.

    ``cache`` (item id → parsed column) lets a caller scoring several dimensions parse each column
    once: a choice item that scores three dimensions is otherwise factorised three times.
    """
    loadings = plan(q).loadings[dim]
    cache = {} if cache is None else cache
    n = len(frame)
    out = np.full((n, len(loadings)), np.nan, order="F")  # column-major: each item fills one contiguous column
    for j, ld in enumerate(loadings):
        if ld.item_id not in frame.columns:
            continue
        parsed = cache.get(ld.item_id)
        if parsed is None:
            parsed = cache[ld.item_id] = _parse_column(frame[ld.item_id], ld)
        if ld.likert is not None:
            lo, hi, reverse = ld.likert
            x = (parsed - lo) / (hi - lo)
            out[:, j] = 1.0 - x if reverse else x
        else:
            assert ld.options is not None
            table = np.append(np.fromiter(ld.options.values(), dtype=float, count=len(ld.options)), np.nan)
            out[:, j] = table[parsed]  # code -1 (missing/unknown) picks the trailing NaN
    return out, np.array([ld.weight for ld in loadings], dtype=float)


def _parse_column(col: pd.Series, ld: Loading) -> np.ndarray:
    """Likert: the answers as floats, NaN when missing or off the scale; choice: option positions, -1 when none."""
    if ld.likert is not None:
        num = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        return np.where(_on_scale(num, ld.points), num, np.nan)
    assert ld.options is not None
    # Factorised (option_positions): on Arrow-backed strings ~5× faster than pd.Categorical(col, categories=ids).
    return option_positions(col, list(ld.options))


def _on_scale(values: np.ndarray, points: tuple[int, ...]) -> np.ndarray:
    """Which values are points of the scale (a 7 on a 1–5 scale, or a 2.5, counts as unanswered)."""
    lo, hi = points[0], points[-1]
    if hi - lo + 1 == len(points):  # the usual contiguous scale: cheaper than isin
        return (values >= lo) & (values <= hi) & (np.floor(values) == values)
    return np.isin(values, points)


def _bands_vector(bands: list[Band], values: np.ndarray) -> np.ndarray:
    edges = np.array([b.min for b in bands[1:]], dtype=float)
    idx = np.searchsorted(edges, values, side="right")
    ids = np.array([b.id for b in bands], dtype=object)
    out = ids[np.clip(idx, 0, len(bands) - 1)]
    out[np.isnan(values)] = None
    return out


def score_frame(q: Questionnaire, frame: pd.DataFrame) -> pd.DataFrame:
    """Vectorised scoring: one row per response; a column per dimension, overall, band, near_boundary.

    Expects answers already checked (``check_frame``); anything unreadable counts as missing.
    """
    p = plan(q)
    rule = q.scoring.min_answered
    out: dict[str, Any] = {}
    weight_sum = np.zeros(len(frame))
    weighted = np.zeros(len(frame))
    columns: dict[str, np.ndarray] = {}
    for dim in p.dims:
        values, weights = keyed_matrix(q, frame, dim, cache=columns)
        answered = (~np.isnan(values)).sum(axis=1)
        ok = (answered > 0) & (answered / values.shape[1] >= rule)
        with np.errstate(invalid="ignore"):
            raw = _tidy_array(100.0 * METHODS[p.methods[dim]].batch(values, weights))
        s = np.where(ok, raw, np.nan)
        out[dim] = s
        has = ~np.isnan(s)
        weight_sum += np.where(has, p.weights[dim], 0.0)
        weighted += np.where(has, s * p.weights[dim], 0.0)
    total_weight = sum(p.weights.values())
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = np.where(
            (weight_sum > 0) & (weight_sum / total_weight >= rule), _tidy_array(weighted / weight_sum), np.nan
        )
    out["overall"] = overall
    out["band"] = _bands_vector(q.bands.overall, overall)
    edges = np.array([b.min for b in q.bands.overall[1:]], dtype=float)
    dist = np.abs(overall[:, None] - edges[None, :]).min(axis=1) if len(edges) else np.full(len(frame), np.inf)
    out["near_boundary"] = dist < q.scoring.near_boundary
    return pd.DataFrame(out, index=frame.index)


def check_frame(q: Questionnaire, frame: pd.DataFrame) -> list[tuple[int, str]]:
    """(row number, message) for every bad cell; row numbers count data rows from 1."""
    problems: list[tuple[int, str]] = []
    known = {i.id for i in q.items()} | set(META_COLUMNS)
    unknown = [c for c in frame.columns if c not in known]
    if unknown:
        problems.append((0, f"unknown columns (not item ids): {', '.join(map(str, unknown))}"))
    answerable = [i for i in q.items() if i.kind.form.picked]  # scored items and claim items, not free text
    missing = [i.id for i in answerable if i.id not in frame.columns]
    if missing:
        problems.append((0, f"missing item columns (treated as unanswered): {', '.join(missing)}"))
    for item in answerable:
        if item.id not in frame.columns:
            continue
        col = frame[item.id]
        form, allowed = item.kind.form, item.allowed(q.scales)
        assert form.cells_ok is not None  # every picked form can check a column
        present = col.notna() & (col.astype(str).str.strip() != "")  # is_blank, vectorised
        bad = present & ~form.cells_ok(col, allowed)
        for pos in np.flatnonzero(bad.to_numpy()):
            problems.append((int(pos) + 1, f"{item.id}: {col.iloc[pos]!r} is not one of {allowed}"))
    return problems


def answers_from_row(q: Questionnaire, row: Mapping[str, Any]) -> dict[str, Answer]:
    """A CSV/DataFrame row → the answers mapping ``score`` takes (blank cells are unanswered)."""
    out: dict[str, Answer] = {}
    for item_id, (form, _) in plan(q).accepts.items():  # every item, in questionnaire order
        value = row.get(item_id)
        if not is_blank(value):
            out[item_id] = form.parse(value)
    return out
