"""Synthetic respondents from a latent-trait model, for reliability checks, dashboards and benchmarks.

Model (all draws from one ``numpy.random.Generator`` seeded by ``seed``, so output is deterministic):

* every person has a level θ per dimension, standard normal and correlated through a general
  factor: θ_d = √ρ · g + √(1 − ρ) · e_d with ρ = ``GENERAL_SHARE``;
* a Likert answer is the person's level on the item's dimension plus item noise, placed on the
  scale around an item-specific difficulty, rounded and clipped to the scale points, and flipped
  for reverse-keyed items (a strategic person disagrees with a tactical statement);
* a choice item is answered by a softmax draw over options whose utility is highest for
  the option whose scores are closest to the person's standing Φ(θ) on the item's dimensions;
* optional (``required: false``) scored items are skipped now and then; free-text items stay empty;
* a marked share of straight-liners give one Likert value throughout, and a disjoint share of
  speeders finish in well under ``min_seconds_per_item`` per item; everyone else takes a
  log-normal time around ``estimated_minutes`` that never trips the speeding flag.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr

from scoring.models import ChoiceItem, LikertItem, Questionnaire, TextItem

GENERAL_SHARE = 0.35  # variance of each dimension's level shared with the general factor
ITEM_NOISE = 0.75  # SD of item noise around the level (level SD is 1)
CHOICE_SHARPNESS = 6.0  # softmax inverse temperature over squared distances
SKIP_OPTIONAL = 0.12  # chance an optional scored item is left blank


def generate(
    q: Questionnaire,
    n: int,
    seed: int = 0,
    straightliner_share: float = 0.03,
    speeder_share: float = 0.03,
) -> pd.DataFrame:
    """``n`` synthetic responses: response_id, one column per item id, duration_seconds."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    for name, share in (("straightliner_share", straightliner_share), ("speeder_share", speeder_share)):
        if not 0 <= share <= 1:
            raise ValueError(f"{name} must be between 0 and 1, got {share}")
    if straightliner_share + speeder_share > 1:
        raise ValueError("straightliner_share + speeder_share must not exceed 1")
    n = int(n)
    rng = np.random.default_rng(seed)
    dims = [d.id for d in q.dimensions]
    col = {d: j for j, d in enumerate(dims)}

    general = rng.standard_normal(n)
    theta = np.sqrt(GENERAL_SHARE) * general[:, None] + np.sqrt(1 - GENERAL_SHARE) * rng.standard_normal((n, len(dims)))
    standing = ndtr(theta)  # 0–1 position on each dimension, for choice items

    # Exactly round(share · n) straight-liners and, disjoint from them, speeders.
    order = rng.permutation(n)
    n_straight = round(straightliner_share * n)
    n_speed = round(speeder_share * n)
    straight = np.zeros(n, dtype=bool)
    straight[order[:n_straight]] = True
    speeder = np.zeros(n, dtype=bool)
    speeder[order[n_straight : n_straight + n_speed]] = True
    straight_level = rng.random(n)  # where on the scale each straight-liner sits (0–1)

    columns: dict[str, object] = {"response_id": _ids(n)}
    answered = np.zeros(n, dtype=np.int64)
    for item in q.items():
        if isinstance(item, TextItem):
            columns[item.id] = np.full(n, "", dtype=object)
            continue
        skip = rng.random(n) < SKIP_OPTIONAL if not item.required else np.zeros(n, dtype=bool)
        if isinstance(item, LikertItem):
            values = np.asarray(q.scales[item.scale].values())
            m = len(values)
            difficulty = rng.uniform(-0.3, 0.5) * (m - 1) / 4
            latent = theta[:, col[item.dimension]] + ITEM_NOISE * rng.standard_normal(n)
            position = (m - 1) / 2 + difficulty + latent * (m - 1) / 4.5
            index = np.clip(np.rint(position), 0, m - 1).astype(np.int64)
            if item.reverse:
                index = m - 1 - index
            index = np.where(straight, np.rint(straight_level * (m - 1)).astype(np.int64), index)
            answer = values[index]
            if skip.any():
                columns[item.id] = pd.array(np.where(skip, 0, answer), dtype="Int64")
                columns[item.id][skip] = pd.NA
            else:
                columns[item.id] = answer
        else:
            chosen = _choose(rng, item, standing, col)
            chosen = np.where(straight, rng.integers(0, len(item.options), n), chosen)
            ids = np.array([o.id for o in item.options], dtype=object)
            answer = ids[chosen]
            answer[skip] = None
            columns[item.id] = answer
        answered += ~skip

    columns["duration_seconds"] = _durations(q, rng, answered, speeder)
    return pd.DataFrame(columns)


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
    top = np.maximum.reduce(utility)
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
    floor = 1.5 * per_item * answered  # honest respondents never trip the speeding flag
    typical = np.maximum(q.meta.estimated_minutes * 60.0 * rng.lognormal(0.0, 0.35, n), floor)
    fast = rng.uniform(0.25, 0.75, n) * per_item * np.maximum(answered, 1)
    return np.round(np.where(speeder, fast, typical), 1)
