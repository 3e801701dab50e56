"""Registries: scoring methods and item kinds by name, referred to from YAML (no if/elif ladder in the engine).

An item kind (``ITEM_KINDS``, keyed by the item's ``type``) says in one place how an item is answered
(its ``AnswerForm``: a point on a scale, an option id or free text — what is accepted and how a raw
CSV cell parses) and whether it is scored. What exactly an item accepts and which dimensions it loads
on come from the item itself (``allowed`` and ``loadings`` on the item models).

A method turns a dimension's keyed item scores (0–1, ``None``/NaN when unanswered) and item
weights into one 0–1 value. Each has a plain single-response form and a vectorised form; the
property tests hold them equal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import TYPE_CHECKING, Any

from scoring.storable import text_problem

if TYPE_CHECKING:  # numpy and pandas are imported by the functions that run on arrays: ``validate`` never needs them
    import numpy as np
    import pandas as pd

Answer = int | float | str | None


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


# ----- item kinds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Loading:
    """One item's contribution to one dimension."""

    item_id: str
    weight: float
    # Likert: (min, max, reverse); choice: option id → keyed score.
    likert: tuple[int, int, bool] | None = None
    options: dict[str, float] | None = None
    points: tuple[int, ...] = ()  # Likert: the scale's values, to refuse anything else in a batch

    def keyed(self, answer: Answer) -> float | None:
        if answer is None:
            return None
        if self.likert is not None:
            lo, hi, reverse = self.likert
            x = (float(answer) - lo) / (hi - lo)
            return 1.0 - x if reverse else x
        assert self.options is not None
        return self.options[str(answer)]


@dataclass(frozen=True)
class AnswerForm:
    """How an answer is given and checked; ``allowed`` is what the item accepts (its ``allowed()``)."""

    name: str
    # Answered by picking (a scale point or an option): counted for progress, checked in a CSV batch.
    picked: bool
    # A present (non-None) answer → what is wrong with it, or None when it is fine.
    problem: Callable[[Any, Any], str | None]
    # A non-blank raw cell (CSV, DataFrame) → the answer ``score`` takes.
    parse: Callable[[Any], Answer]
    # A column of raw cells → which hold an accepted answer (picked forms only).
    cells_ok: Callable[[pd.Series, Any], pd.Series] | None = None


def _scale_problem(value: Any, allowed: list[int]) -> str | None:
    # numbers.Real admits numpy numbers too; bool is an int subclass but never an answer.
    import numpy as np

    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real) or value not in allowed:
        return f"{value!r} is not one of {allowed}"
    return None


def _scale_parse(value: Any) -> Answer:
    import pandas as pd

    num = pd.to_numeric(value, errors="coerce")
    return int(num) if pd.notna(num) and float(num).is_integer() else value


def _option_problem(value: Any, allowed: list[str]) -> str | None:
    return None if isinstance(value, str) and value in allowed else f"{value!r} is not one of {allowed}"


def _text_problem(value: Any, max_length: int) -> str | None:
    if not isinstance(value, str):
        return "free text must be a string"
    if len(value) > max_length:
        return f"text is longer than {max_length} characters"
    problem = text_problem(value, multiline=True)
    return None if problem is None else f"text {problem}"


def _stripped(value: Any) -> Answer:
    return str(value).strip()


def _scale_cells_ok(col: pd.Series, allowed: Any) -> pd.Series:
    import pandas as pd

    return pd.to_numeric(col, errors="coerce").isin(allowed)


SCALE = AnswerForm("scale", True, _scale_problem, _scale_parse, _scale_cells_ok)


def option_positions(col: pd.Series, ids: Sequence[str]) -> np.ndarray:
    """Each cell's position among the option ids, -1 when blank or no option; spaces around an id are ignored.

    Factorises first, so only the few distinct values are compared (fast on long columns).
    """
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(col)  # missing cells get code -1
    index = pd.Index(list(ids))
    found = index.get_indexer(pd.Index(uniques))
    if (unmatched := np.flatnonzero(found < 0)).size:  # rare: strip only the values that did not match as given
        found[unmatched] = index.get_indexer(pd.Index([str(uniques[i]).strip() for i in unmatched], dtype=object))
    return np.append(found, -1)[codes]  # code -1 picks the trailing "none"


def options_ok(col: pd.Series, allowed: Sequence[str]) -> pd.Series:
    """Which cells hold one of the option ids, spaces around it ignored (as ``option_positions`` reads them)."""
    text = col.astype(str)
    ok = text.isin(allowed)
    unmatched = ~ok & col.notna()
    if unmatched.any():  # rare: strip only the cells that did not match as given
        ok[unmatched] = text[unmatched].str.strip().isin(allowed)
    return ok


OPTION = AnswerForm("option", True, _option_problem, _stripped, options_ok)
TEXT = AnswerForm("text", False, _text_problem, _stripped)


@dataclass(frozen=True)
class ItemKind:
    """An item ``type`` of the questionnaire format: how it is answered and whether it is scored."""

    name: str
    form: AnswerForm
    scored: bool


# In the order the format documents them (error messages list them so).
ITEM_KINDS: dict[str, ItemKind] = {
    "likert": ItemKind("likert", SCALE, scored=True),
    "choice": ItemKind("choice", OPTION, scored=True),
    # A claim is answered on its scale like a statement but never scored (it feeds a quality flag).
    "claim": ItemKind("claim", SCALE, scored=False),
    "text": ItemKind("text", TEXT, scored=False),
}
