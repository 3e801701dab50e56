"""Synthetic respondents from a latent-trait model with response styles, for reliability checks,
dashboards, benchmarks and measuring the quality flags.

Trait model (all draws from one ``numpy.random.Generator`` seeded by ``seed``, so output is deterministic):

* every person has a level θ per dimension, standard normal and correlated through a general
  factor: θ_d = √ρ · g + √(1 − ρ) · e_d with ρ = ``GENERAL_SHARE``;
* a trait-driven Likert answer is the person's level on the item's dimension plus item noise, placed
  on the scale around an item-specific difficulty, rounded and clipped to the scale points, and
  flipped for reverse-keyed items (a strategic person disagrees with a tactical statement);
* a trait-driven choice answer is a softmax draw over options whose utility is highest for the
  option whose scores are closest to the person's standing Φ(θ) on the item's dimensions;
* optional (``required: false``) scored and claim items are skipped now and then; free-text items
  stay empty.

Response styles (one per person, written to the ``style`` column; ``STYLES``):

* ``honest`` — trait-driven Likert and choice answers as above. On a claim item (a statement naming
  something that does not exist) it mostly disagrees; with probability ``HONEST_FOIL`` it lands on
  the agree side anyway (a misremembered name), so a few honest people endorse one foil.
* ``acquiescent`` — agrees whatever the statement says: the trait-driven answer moved
  ``ACQUIESCENT_SHIFT`` of the scale towards "agree" on the RAW scale (reverse-keyed items included)
  and on claim items too, then clipped. Scenarios: trait-driven.
* ``midpoint`` — answers the scale's middle point to each statement (Likert and claim) with
  probability ``MIDPOINT_SHARE``, otherwise the honest answer. Scenarios: trait-driven.
* ``straight-line`` — one value, drawn per person, for every Likert and claim item; scenario
  options at random.
* ``random`` — every Likert and claim answer uniform over the scale points, every option uniform.
* ``faking`` — presents the most desirable profile: the top or next-to-top point of plain items and
  the bottom or next-to-bottom point of reverse-keyed items (top/bottom with probability 0.6), the
  highest-scoring option of every scenario (largest sum of its dimension scores), and the agree
  side of each claim item with probability ``FAKING_FOIL`` (claims familiarity with the foils most
  of the time).
* ``speeder`` — answers like ``honest`` but finishes in 0.25–0.75 × ``min_seconds_per_item`` per
  answered item; everyone else takes a log-normal time around ``estimated_minutes`` that never trips
  the speeding flag.

These styles are our own rules, so flag rates measured on them show that each flag catches the
pattern it was written for and spares the others; they cannot show how often real candidates answer
this way, nor how well a flag separates real careless or self-enhancing responses (see
``bench/bench_flags.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.special import ndtr

from scoring.models import ChoiceItem, ClaimItem, LikertItem, Questionnaire, TextItem

GENERAL_SHARE = 0.35  # variance of each dimension's level shared with the general factor
ITEM_NOISE = 0.75  # SD of item noise around the level (level SD is 1)
CHOICE_SHARPNESS = 6.0  # softmax inverse temperature over squared distances
SKIP_OPTIONAL = 0.12  # chance an optional item is left blank
HONEST_FOIL = 0.05  # chance an honest person lands on the agree side of one claim item
ACQUIESCENT_SHIFT = 0.4  # share of the scale an acquiescent answer moves towards "agree"
MIDPOINT_SHARE = 0.85  # chance a midpoint responder answers a statement with the middle point
FAKING_FOIL = 0.9  # chance a faker claims familiarity with one claim item
FAKING_TOP = 0.6  # chance a faker picks the very end of the scale rather than the next point

STYLES = ("honest", "acquiescent", "midpoint", "straight-line", "random", "faking", "speeder")


def style_counts(styles: Mapping[str, float], n: int) -> dict[str, int]:
    """Respondents per style for ``n`` rows: exact shares, rounded by largest remainder (sum = n).

    Shares must be in 0–1 and known styles; when they sum to less than 1 and ``honest`` is not
    named, honest respondents make up the rest; otherwise they must sum to 1.
    """
    shares = dict(styles)
    for name, share in shares.items():
        if name not in STYLES:
            raise ValueError(f"unknown response style {name!r} (known: {', '.join(STYLES)})")
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise ValueError(f"the share of {name!r} must be a number between 0 and 1, got {share!r}")
    total = sum(shares.values())
    if "honest" not in shares and total < 1:
        shares["honest"] = 1.0 - total
        total = 1.0
    if abs(total - 1) > 1e-9:
        raise ValueError(f"style shares must add up to 1, got {total:g}")
    exact = {name: shares.get(name, 0.0) * n for name in STYLES}
    counts = {name: int(np.floor(value)) for name, value in exact.items()}
    left = n - sum(counts.values())
    # Largest remainder first; ties in STYLES order (honest first), so the result is deterministic.
    for name in sorted(STYLES, key=lambda s: (-(exact[s] - counts[s]), STYLES.index(s)))[:left]:
        counts[name] += 1
    return counts


def generate(
    q: Questionnaire,
    n: int,
    seed: int = 0,
    straightliner_share: float = 0.03,
    speeder_share: float = 0.03,
    styles: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """``n`` synthetic responses: response_id, style, one column per item id, duration_seconds.

    ``styles`` maps style names to shares (``style_counts``); without it the mix is honest with
    ``straightliner_share`` straight-liners and ``speeder_share`` speeders (the original model).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    if styles is None:
        for name, share in (("straightliner_share", straightliner_share), ("speeder_share", speeder_share)):
            if not 0 <= share <= 1:
                raise ValueError(f"{name} must be between 0 and 1, got {share}")
        if straightliner_share + speeder_share > 1:
            raise ValueError("straightliner_share + speeder_share must not exceed 1")
        styles = {"straight-line": straightliner_share, "speeder": speeder_share}
    n = int(n)
    counts = style_counts(styles, n)
    rng = np.random.default_rng(seed)
    dims = [d.id for d in q.dimensions]
    col = {d: j for j, d in enumerate(dims)}

    general = rng.standard_normal(n)
    theta = np.sqrt(GENERAL_SHARE) * general[:, None] + np.sqrt(1 - GENERAL_SHARE) * rng.standard_normal((n, len(dims)))
    standing = ndtr(theta)  # 0–1 position on each dimension, for choice items

    # Exactly counts[s] people of each style, at random positions.
    labels = np.repeat(np.array(STYLES, dtype=object), [counts[s] for s in STYLES])
    style = labels[rng.permutation(n)] if n else labels
    is_ = {s: style == s for s in STYLES}
    straight_level = rng.random(n)  # where on the scale each straight-liner sits (0–1)

    columns: dict[str, object] = {"response_id": _ids(n), "style": style}
    answered = np.zeros(n, dtype=np.int64)
    for item in q.items():
        if isinstance(item, TextItem):
            columns[item.id] = np.full(n, "", dtype=object)
            continue
        skip = rng.random(n) < SKIP_OPTIONAL if not item.required else np.zeros(n, dtype=bool)
        if isinstance(item, (LikertItem, ClaimItem)):
            values = np.asarray(q.scales[item.scale].values())
            m = len(values)
            if isinstance(item, LikertItem):
                index = _likert_index(rng, item, theta[:, col[item.dimension]], m, is_)
            else:
                index = _claim_index(rng, m, is_)
            middle = int(np.rint((m - 1) / 2))
            index = np.where(is_["acquiescent"], np.rint(index + ACQUIESCENT_SHIFT * (m - 1)), index)
            index = np.where(is_["midpoint"] & (rng.random(n) < MIDPOINT_SHARE), middle, index)
            index = np.where(is_["straight-line"], np.rint(straight_level * (m - 1)), index)
            index = np.where(is_["random"], rng.integers(0, m, n), index)
            index = np.clip(index, 0, m - 1).astype(np.int64)
            answer = values[index]
            if skip.any():
                with_gaps = pd.array(np.where(skip, 0, answer), dtype="Int64")
                with_gaps[skip] = pd.NA
                columns[item.id] = with_gaps
            else:
                columns[item.id] = answer
        else:
            chosen = _choose(rng, item, standing, col)
            careless = is_["straight-line"] | is_["random"]
            chosen = np.where(careless, rng.integers(0, len(item.options), n), chosen)
            chosen = np.where(is_["faking"], _best_option(item), chosen)
            ids = np.array([o.id for o in item.options], dtype=object)
            answer = ids[chosen]
            answer[skip] = None
            columns[item.id] = answer
        answered += ~skip

    columns["duration_seconds"] = _durations(q, rng, answered, is_["speeder"])
    return pd.DataFrame(columns)


def _likert_index(
    rng: np.random.Generator, item: LikertItem, level: np.ndarray, m: int, is_: dict[str, np.ndarray]
) -> np.ndarray:
    """Scale position (0 … m−1) per person: trait-driven, and at the desirable end for fakers."""
    n = len(level)
    difficulty = rng.uniform(-0.3, 0.5) * (m - 1) / 4
    latent = level + ITEM_NOISE * rng.standard_normal(n)
    position = (m - 1) / 2 + difficulty + latent * (m - 1) / 4.5
    index = np.clip(np.rint(position), 0, m - 1).astype(np.int64)
    if item.reverse:
        index = m - 1 - index
    top = np.where(rng.random(n) < FAKING_TOP, 0, 1)  # 0: the very end, 1: the next point
    desirable = top if item.reverse else m - 1 - top
    return np.where(is_["faking"], desirable, index)


def _claim_index(rng: np.random.Generator, m: int, is_: dict[str, np.ndarray]) -> np.ndarray:
    """Scale position per person on a claim item: honest people mostly disagree, fakers mostly agree."""
    n = len(is_["honest"])
    middle = (m - 1) / 2
    low = np.arange(m)[np.arange(m) <= middle]  # disagree side and the middle
    high = np.arange(m)[np.arange(m) > middle]  # the agree side
    weights = 0.5 ** low.astype(float)
    index = rng.choice(low, size=n, p=weights / weights.sum())
    agree = rng.choice(high, size=n)
    lands = rng.random(n)
    index = np.where(lands < HONEST_FOIL, agree, index)
    return np.where(is_["faking"] & (lands < FAKING_FOIL), agree, index)


def _best_option(item: ChoiceItem) -> int:
    """Index of the option with the largest sum of dimension scores (the first on a tie)."""
    totals = [sum(o.scores.values()) for o in item.options]
    return int(np.argmax(totals))


def _ids(n: int) -> list[str]:
    width = max(6, len(str(n)))
    return [f"s{i:0{width}d}" for i in range(1, n + 1)]


def _choose(rng: np.random.Generator, item: ChoiceItem, standing: np.ndarray, col: dict[str, int]) -> np.ndarray:
    """Option index per person: softmax over −sharpness · squared distance to the person's standing."""
    dims = item.dimensions()
    targets = [standing[:, col[d]] for d in dims]
    # One vector per option (options are few, people many): no slow reductions along a short axis.
    # Unmentioned dimensions score 0, as in the engine's keying.
    utility = [
        -CHOICE_SHARPNESS * sum((o.scores.get(d, 0.0) - t) ** 2 for d, t in zip(dims, targets, strict=True))
        for o in item.options
    ]
    top = np.maximum.reduce(np.asarray(utility))
    # Inverse-CDF draw from the softmax: one uniform per person.
    cumulative = np.cumsum([np.exp(u - top) for u in utility], axis=0)
    draw = rng.random(standing.shape[0]) * cumulative[-1]
    chosen = np.zeros(standing.shape[0], dtype=np.int64)
    for edge in cumulative[:-1]:
        chosen += draw >= edge
    return chosen


def _durations(q: Questionnaire, rng: np.random.Generator, answered: np.ndarray, speeder: np.ndarray) -> np.ndarray:
    """Seconds per response: log-normal around the estimate; speeders far below the speeding line."""
    n = len(answered)
    per_item = q.scoring.quality.min_seconds_per_item or 1.0
    floor = 1.5 * per_item * answered  # everyone else never trips the speeding flag
    typical = np.maximum(q.meta.estimated_minutes * 60.0 * rng.lognormal(0.0, 0.35, n), floor)
    fast = rng.uniform(0.25, 0.75, n) * per_item * np.maximum(answered, 1)
    return np.round(np.where(speeder, fast, typical), 1)
