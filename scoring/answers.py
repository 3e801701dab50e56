"""What an answer may be, item by item: the acceptance rules shared by scoring and by the store.

Kept apart from ``scoring.engine`` so that code which only records answers (``storage``) checks them
exactly as scoring does without depending on how they are scored.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real
from typing import Any

import numpy as np

from scoring.models import ChoiceItem, ClaimItem, LikertItem, Questionnaire, TextItem
from scoring.storable import text_problem

# Item id → ("likert", scale values) — claim items too —, ("choice", option ids) or ("text", max length).
Accepts = dict[str, tuple[str, Any]]


def _rule(q: Questionnaire, item: LikertItem | ChoiceItem | ClaimItem | TextItem) -> tuple[str, Any]:
    if isinstance(item, (LikertItem, ClaimItem)):  # a claim is answered on its scale, like a statement
        return "likert", q.scales[item.scale].values()
    if isinstance(item, ChoiceItem):
        return "choice", [o.id for o in item.options]
    return "text", item.max_length


def accepts(q: Questionnaire) -> Accepts:
    """What each item accepts (cached on the model)."""
    cached = q._cache.get("accepts")
    if cached is None:
        cached = q._cache["accepts"] = {item.id: _rule(q, item) for item in q.items()}
    return cached


def problems(rules: Accepts, answers: Mapping[str, Any]) -> list[str]:
    """Readable problems with ``answers`` under ``rules`` (empty when fine); None values are always fine."""
    out: list[str] = []
    for item_id, value in answers.items():
        rule = rules.get(item_id) if isinstance(item_id, str) else None
        if rule is None:
            out.append(f"unknown item id {item_id!r}")
            continue
        kind, allowed = rule
        if value is None:
            continue
        if kind == "likert":
            # numbers.Real admits numpy numbers too; bool is an int subclass but never an answer.
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real) or value not in allowed:
                out.append(f"{item_id}: {value!r} is not one of {allowed}")
        elif kind == "choice":
            if not isinstance(value, str) or value not in allowed:
                out.append(f"{item_id}: {value!r} is not one of {allowed}")
        elif not isinstance(value, str):
            out.append(f"{item_id}: free text must be a string")
        elif len(value) > allowed:
            out.append(f"{item_id}: text is longer than {allowed} characters")
        elif (problem := text_problem(value, multiline=True)) is not None:
            out.append(f"{item_id}: text {problem}")
    return out


def check_answers(q: Questionnaire, answers: Mapping[str, Any]) -> list[str]:
    """Problems with a set of answers, as readable messages (empty when fine)."""
    return problems(accepts(q), answers)
