"""Registries: scoring methods by name, referred to from YAML (no if/elif ladder in the engine).

A method turns a dimension's keyed item scores (0–1, ``None``/NaN when unanswered) and item
weights into one 0–1 value. Each has a plain single-response form and a vectorised form; the
property tests hold them equal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported by the batch forms when they run: ``validate`` never needs it
    import numpy as np


@dataclass(frozen=True)
class Method:
    name: str
    description: str
    single: Callable[[Sequence[float | None], Sequence[float]], float]
    batch: Callable[[np.ndarray, np.ndarray], np.ndarray]


def _mean_single(values: Sequence[float | None], weights: Sequence[float]) -> float:
    num = sum(w * v for v, w in zip(values, weights, strict=True) if v is not None)
    den = sum(w for v, w in zip(values, weights, strict=True) if v is not None)
    return num / den


def _mean_batch(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    import numpy as np

    answered = ~np.isnan(values)
    num = np.where(answered, values, 0.0) @ weights
    den = answered.astype(float) @ weights  # a float matmul takes the BLAS path; bool @ float does not
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def _sum_single(values: Sequence[float | None], weights: Sequence[float]) -> float:
    num = sum(w * v for v, w in zip(values, weights, strict=True) if v is not None)
    return num / sum(weights)


def _sum_batch(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.where(np.isnan(values), 0.0, values) @ weights / weights.sum()


METHODS: dict[str, Method] = {}


def register(method: Method) -> Method:
    """Add a scoring method; built-ins go through here too."""
    if method.name in METHODS:
        raise ValueError(f"scoring method '{method.name}' is already registered")
    METHODS[method.name] = method
    return method


register(
    Method(
        "mean",
        "Weighted mean of the answered items, rescaled to 0–100 (missing items are skipped).",
        _mean_single,
        _mean_batch,
    )
)
register(
    Method(
        "sum",
        "Weighted sum over all items, rescaled to 0–100 (a missing item counts as the lowest answer).",
        _sum_single,
        _sum_batch,
    )
)
