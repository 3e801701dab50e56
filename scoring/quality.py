"""Response-quality flags: signs that a response may not reflect what the candidate thinks.

Five flags, with thresholds from ``q.scoring.quality`` (``models.QualityRules``). Flags never change
a score; they tell a coach which results to read with care.

* ``straight_lining`` — at least ``straightline_min_items`` Likert items are answered and the most
  common RAW answer value accounts for at least ``straightline_share`` of them (e.g. "4" to
  almost everything, whatever the statement says).
* ``speeding`` — the response took fewer than ``min_seconds_per_item`` seconds per answered item
  (Likert, choice or claim; free text does not count). Unknown durations never flag.
* ``inconsistent`` — in at least ``inconsistency_min_dimensions`` dimensions with both plain and
  reverse-keyed Likert items answered, the mean *keyed* score (0–1, reverse keys applied) of the
  plain items and that of the reverse items differ by at least ``inconsistency_gap``. A candidate who
  strongly agrees with a statement and with its opposite gets keyed means near 1 and near 0, hence a
  large gap.
* ``erratic`` — answers about the same habit swing widely: the root mean square, over dimensions with
  at least two answered Likert items, of the spread (population standard deviation) of the keyed
  answers (0–1) within the dimension is at least ``erratic_spread``, once ``erratic_min_items`` such
  answers are given. It is an intra-individual response variability index (within scales), the usual
  sign of answering at random (Curran, 2016, J. Experimental Social Psychology 66, 4–19).
* ``acquiescence`` — the acquiescence index is at least ``acquiescence_index``: the mean RAW
  agreement position (0 = the scale's first point, 1 = its last; reverse keys ignored) over the
  answered Likert items of dimensions that have both plain and reverse-keyed items, once at least
  ``acquiescence_min_items`` of them are answered. With balanced keying a person's views pull plain
  and reverse items in opposite directions, so the index sits near 0.5 whatever the trait; agreeing
  with statements whatever they say pushes it up.
* ``overclaiming`` — at least ``overclaim_min`` claim items (statements naming things that do not
  exist) are answered on the agree side: a point above the scale's middle (4 or 5 on 1–5).

Which synthetic style (``scoring.sample``) each flag targets: ``straight_lining`` → straight-line,
``speeding`` → speeder, ``acquiescence`` → acquiescent, ``overclaiming`` → faking, ``erratic`` →
careless answering (random), ``inconsistent`` → agreeing with a statement and its opposite (the
acquiescent and straight-line styles, which it shares with their own flags); a midpoint responder is
caught only by ``straight_lining``, when the
middle point makes up at least ``straightline_share`` of the answers, and otherwise by nothing.

``flags`` checks one response (answers as ``score`` takes them); ``flags_frame`` computes the same
flags for a DataFrame of responses, vectorised, where unreadable or out-of-range cells count as
unanswered (as in ``engine.score_frame``). A property test holds the two equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd

import i18n
from scoring.engine import AnswerError, check_answers
from scoring.models import ChoiceItem, ClaimItem, LikertItem, Questionnaire, Scale
from scoring.registry import options_ok


def flag_labels(*, lang: str = "en") -> dict[str, str]:
    """One short description per flag, in ``FLAGS`` order, for the people who read flagged results."""
    _ = i18n.translator(lang)
    return {
        "straight_lining": _("Gave the same answer to almost every statement"),
        "speeding": _("Finished faster than the statements can be read"),
        "inconsistent": _("Agreed (or disagreed) with both a statement and its opposite"),
        "erratic": _("Answers about the same habit swung widely, as if at random"),
        "acquiescence": _("Tended to agree with statements whatever they said"),
        "overclaiming": _("Claimed to know tools or reports that do not exist"),
    }


FLAG_LABELS: dict[str, str] = flag_labels()  # English
FLAGS = tuple(FLAG_LABELS)
_Raw = TypeVar("_Raw", float, np.ndarray)  # one answer, or one column of answers

# The synthetic response style (``scoring.sample.STYLES``) each flag is written to catch. A midpoint
# responder has no flag of its own: ``straight_lining`` catches it only when the middle point makes
# up at least ``straightline_share`` of the Likert answers.
TARGETS: dict[str, str] = {
    "straight_lining": "straight-line",
    "speeding": "speeder",
    "inconsistent": "acquiescent",
    "erratic": "random",
    "acquiescence": "acquiescent",
    "overclaiming": "faking",
}


def flag_rates(q: Questionnaire, frame: pd.DataFrame) -> pd.DataFrame:
    """Share of responses carrying each flag (rows) per response style (columns) of a ``style``-labelled frame.

    With ``TARGETS``, the cell (flag, its target style) is the flag's recall and (flag, "honest") its
    false-positive rate on honest responses.
    """
    flagged = flags_frame(q, frame)
    return flagged.groupby(frame["style"].to_numpy()).mean().T


def _likert_groups(q: Questionnaire) -> dict[str, tuple[list[LikertItem], list[LikertItem]]]:
    """Per dimension: (plain Likert items, reverse-keyed Likert items), only where both exist."""
    groups: dict[str, tuple[list[LikertItem], list[LikertItem]]] = {d.id: ([], []) for d in q.dimensions}
    for item in q.items():
        if isinstance(item, LikertItem):
            groups[item.dimension][1 if item.reverse else 0].append(item)
    return {d: g for d, g in groups.items() if g[0] and g[1]}


def _keyed(q: Questionnaire, item: LikertItem, raw: float) -> float:
    scale = q.scales[item.scale]
    x = (raw - scale.min) / (scale.max - scale.min)
    return 1.0 - x if item.reverse else x


def _position(scale: Scale, raw: _Raw) -> _Raw:
    """Where a raw answer sits on its scale: 0 at the first point, 1 at the last (no reverse key)."""
    return (raw - scale.min) / (scale.max - scale.min)


def _agrees(scale: Scale, raw: Any) -> Any:
    """A point above the scale's middle (works on numbers and arrays; NaN never agrees)."""
    return _position(scale, raw) > 0.5


def _likert_by_dimension(q: Questionnaire) -> dict[str, list[LikertItem]]:
    """Likert items per dimension, in questionnaire order."""
    groups: dict[str, list[LikertItem]] = {d.id: [] for d in q.dimensions}
    for item in q.items():
        if isinstance(item, LikertItem):
            groups[item.dimension].append(item)
    return groups


def acquiescence_index(q: Questionnaire, answers: Mapping[str, Any]) -> float | None:
    """Mean raw agreement position (0–1) over answered Likert items of balanced dimensions; None if none."""
    positions = [
        _position(q.scales[i.scale], float(answers[i.id]))
        for plain, reverse in _likert_groups(q).values()
        for i in (*plain, *reverse)
        if answers.get(i.id) is not None
    ]
    return sum(positions) / len(positions) if positions else None


def flags(q: Questionnaire, answers: Mapping[str, Any], duration_seconds: float | None = None) -> list[str]:
    """Quality flag codes (in ``FLAGS`` order) for one response; AnswerError for invalid answers."""
    problems = check_answers(q, answers)
    if problems:
        raise AnswerError(problems)
    rules = q.scoring.quality
    out: list[str] = []

    likert = [answers[i.id] for i in q.items() if isinstance(i, LikertItem) and answers.get(i.id) is not None]
    if len(likert) >= rules.straightline_min_items:
        modal = max(likert.count(v) for v in set(likert))
        if modal / len(likert) >= rules.straightline_share:
            out.append("straight_lining")

    answered = sum(answers.get(i.id) is not None for i in (*q.scored_items(), *q.claim_items()))
    if (
        duration_seconds is not None
        and not np.isnan(duration_seconds)
        and answered > 0
        and duration_seconds < rules.min_seconds_per_item * answered
    ):
        out.append("speeding")

    gaps = 0
    for plain, reverse in _likert_groups(q).values():
        means = []
        for group in (plain, reverse):
            keyed = [_keyed(q, i, float(answers[i.id])) for i in group if answers.get(i.id) is not None]
            means.append(sum(keyed) / len(keyed) if keyed else None)
        if means[0] is not None and means[1] is not None and abs(means[0] - means[1]) >= rules.inconsistency_gap:
            gaps += 1
    if gaps >= rules.inconsistency_min_dimensions:
        out.append("inconsistent")

    # Erratic: item by item, in the order of ``flags_frame``, so the arithmetic matches exactly.
    spread_sum, spread_dims, spread_items = 0.0, 0, 0
    for items in _likert_by_dimension(q).values():
        keyed = [_keyed(q, i, float(answers[i.id])) for i in items if answers.get(i.id) is not None]
        if len(keyed) < 2:
            continue
        total = 0.0
        for x in keyed:
            total += x
        mean = total / len(keyed)
        squares = 0.0
        for x in keyed:
            squares += (x - mean) ** 2
        spread_sum += squares / len(keyed)
        spread_dims += 1
        spread_items += len(keyed)
    if spread_items >= rules.erratic_min_items and (spread_sum / spread_dims) ** 0.5 >= rules.erratic_spread:
        out.append("erratic")

    balanced = [i for plain, reverse in _likert_groups(q).values() for i in (*plain, *reverse)]
    given = [i for i in balanced if answers.get(i.id) is not None]
    index = acquiescence_index(q, answers)
    if index is not None and len(given) >= rules.acquiescence_min_items and index >= rules.acquiescence_index:
        out.append("acquiescence")

    agreed = sum(
        bool(_agrees(q.scales[i.scale], float(answers[i.id]))) for i in q.claim_items() if answers.get(i.id) is not None
    )
    if q.claim_items() and agreed >= rules.overclaim_min:
        out.append("overclaiming")
    return out


def _raw_likert(q: Questionnaire, frame: pd.DataFrame, item: LikertItem | ClaimItem) -> np.ndarray:
    """Raw answers of one Likert or claim item as floats; missing, non-numeric or off-scale cells are NaN."""
    if item.id not in frame.columns:
        return np.full(len(frame), np.nan)
    values = pd.to_numeric(frame[item.id], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isin(values, q.scales[item.scale].values()), values, np.nan)


def _answered_choice(frame: pd.DataFrame, item: ChoiceItem) -> np.ndarray:
    if item.id not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return options_ok(frame[item.id], [o.id for o in item.options]).to_numpy()  # as check_frame and scoring read it


def flags_frame(q: Questionnaire, frame: pd.DataFrame, duration_column: str = "duration_seconds") -> pd.DataFrame:
    """Boolean DataFrame, one column per flag (``FLAGS``), one row per response of ``frame``."""
    rules = q.scoring.quality
    n = len(frame)
    raw = {i.id: _raw_likert(q, frame, i) for i in q.items() if isinstance(i, LikertItem)}

    # Straight-lining: count of the modal raw value among answered Likert items.
    if raw:
        matrix = np.column_stack(list(raw.values()))
        count = (~np.isnan(matrix)).sum(axis=1)
        values = np.unique(matrix[~np.isnan(matrix)])
        modal = np.zeros(n, dtype=np.int64)
        for v in values:
            np.maximum(modal, (matrix == v).sum(axis=1), out=modal)
        with np.errstate(invalid="ignore", divide="ignore"):
            straight = (count >= rules.straightline_min_items) & (modal / count >= rules.straightline_share)
    else:
        count = np.zeros(n, dtype=np.int64)
        straight = np.zeros(n, dtype=bool)

    claims = {i.id: _raw_likert(q, frame, i) for i in q.claim_items()}
    answered = count.copy()
    for item in q.scored_items():
        if isinstance(item, ChoiceItem):
            answered += _answered_choice(frame, item)
    for values in claims.values():
        answered += ~np.isnan(values)
    if duration_column in frame.columns:
        duration = pd.to_numeric(frame[duration_column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    else:
        duration = np.full(n, np.nan)
    with np.errstate(invalid="ignore"):
        speeding = (answered > 0) & ~np.isnan(duration) & (duration < rules.min_seconds_per_item * answered)

    gaps = np.zeros(n, dtype=np.int64)
    for plain, reverse in _likert_groups(q).values():
        means = []
        for group in (plain, reverse):
            # Summed item by item, left to right, so the arithmetic matches ``flags`` exactly.
            total = np.zeros(n)
            seen = np.zeros(n, dtype=np.int64)
            for item in group:
                scale = q.scales[item.scale]
                x = (raw[item.id] - scale.min) / (scale.max - scale.min)
                keyed = 1.0 - x if item.reverse else x
                has = ~np.isnan(keyed)
                total = np.where(has, total + keyed, total)
                seen += has
            with np.errstate(invalid="ignore", divide="ignore"):
                means.append(np.where(seen > 0, total / seen, np.nan))
        with np.errstate(invalid="ignore"):
            gaps += np.abs(means[0] - means[1]) >= rules.inconsistency_gap
    inconsistent = gaps >= rules.inconsistency_min_dimensions

    # Erratic: the same arithmetic as ``flags``, item by item.
    spread_sum = np.zeros(n)
    spread_dims = np.zeros(n, dtype=np.int64)
    spread_items = np.zeros(n, dtype=np.int64)
    for items in _likert_by_dimension(q).values():
        keyed_cols = []
        for item in items:
            scale = q.scales[item.scale]
            x = (raw[item.id] - scale.min) / (scale.max - scale.min)
            keyed_cols.append(1.0 - x if item.reverse else x)
        total = np.zeros(n)
        seen = np.zeros(n, dtype=np.int64)
        for keyed in keyed_cols:
            has = ~np.isnan(keyed)
            total = np.where(has, total + keyed, total)
            seen += has
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / seen
        squares = np.zeros(n)
        for keyed in keyed_cols:
            has = ~np.isnan(keyed)
            squares = np.where(has, squares + (keyed - mean) ** 2, squares)
        counted = seen >= 2
        with np.errstate(invalid="ignore", divide="ignore"):
            spread_sum = np.where(counted, spread_sum + squares / seen, spread_sum)
        spread_dims += counted
        spread_items += np.where(counted, seen, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        erratic = (spread_items >= rules.erratic_min_items) & (
            (spread_sum / spread_dims) ** 0.5 >= rules.erratic_spread
        )

    # Acquiescence: summed item by item in the order of ``flags`` so the arithmetic matches exactly.
    total = np.zeros(n)
    seen = np.zeros(n, dtype=np.int64)
    for plain, reverse in _likert_groups(q).values():
        for item in (*plain, *reverse):
            position = _position(q.scales[item.scale], raw[item.id])
            has = ~np.isnan(position)
            total = np.where(has, total + position, total)
            seen += has
    with np.errstate(invalid="ignore", divide="ignore"):
        index = np.where(seen > 0, total / seen, np.nan)
        acquiescent = (seen >= rules.acquiescence_min_items) & (index >= rules.acquiescence_index)

    agreed = np.zeros(n, dtype=np.int64)
    for claim in q.claim_items():
        with np.errstate(invalid="ignore"):
            agreed += _agrees(q.scales[claim.scale], claims[claim.id])
    overclaiming = (agreed >= rules.overclaim_min) if claims else np.zeros(n, dtype=bool)

    return pd.DataFrame(
        {
            "straight_lining": straight,
            "speeding": speeding,
            "inconsistent": inconsistent,
            "erratic": erratic,
            "acquiescence": acquiescent,
            "overclaiming": overclaiming,
        },
        index=frame.index,
    )
