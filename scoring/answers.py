"""What an answer is: the one blank-answer rule, and what each item accepts.

Used by the engine, the quiz flow, the UI and the reports (``is_blank``), and by code that only records
answers (``storage``), which checks them exactly as scoring does (``check_answers``) without depending on
how they are scored. How each kind of item is answered comes from the item-kind registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from scoring.derived import PerModel
from scoring.models import Questionnaire
from scoring.registry import AnswerForm

# Item id → how it is answered and what it accepts (scale values, option ids or the longest text).
Accepts = dict[str, tuple[AnswerForm, Any]]


def is_blank(value: Any) -> bool:
    """True for an unanswered value: None, NaN, pd.NA, NaT, or a string that is empty or only whitespace.

    Anything else counts as an answer, including 0 and False (which the answer checks then refuse).
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, int):  # the common answer (a scale value; bool included): never blank, no pandas call
        return False
    if isinstance(value, float):
        return bool(value != value)  # NaN (numpy floats too)
    missing = pd.isna(value)  # an array-like gives an array back: that is not one missing value
    return isinstance(missing, (bool, np.bool_)) and bool(missing)


def _build_accepts(q: Questionnaire) -> Accepts:
    return {item.id: (item.kind.form, item.allowed(q.scales)) for item in q.items()}


# Beside the questionnaire, not on it: the model stays frozen, the rules are built once per questionnaire.
accepts: PerModel[Questionnaire, Accepts] = PerModel(_build_accepts)


def problems(rules: Accepts, answers: Mapping[str, Any]) -> list[str]:
    """Readable problems with ``answers`` under ``rules`` (empty when fine); None values are always fine."""
    out: list[str] = []
    for item_id, value in answers.items():
        rule = rules.get(item_id) if isinstance(item_id, str) else None
        if rule is None:
            out.append(f"unknown item id {item_id!r}")
            continue
        form, allowed = rule
        if value is None:
            continue
        if (problem := form.problem(value, allowed)) is not None:
            out.append(f"{item_id}: {problem}")
    return out


def check_answers(q: Questionnaire, answers: Mapping[str, Any]) -> list[str]:
    """Problems with a set of answers, as readable messages (empty when fine)."""
    return problems(accepts(q), answers)
