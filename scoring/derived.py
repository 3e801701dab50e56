"""What is derived from a frozen questionnaire model without being stored on it.

Its canonical form and content hash (the key a stored response finds its questionnaire by), and
``PerModel``, the memo other modules use for their own per-questionnaire plans.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

M = TypeVar("M")
V = TypeVar("V")


class PerModel(Generic[M, V]):
    """A value derived from a frozen model, memoised beside it rather than on it, and dropped with it.

    Keyed by identity (the models hold lists, so they are not hashable); a finalizer removes the entry
    when the model is collected, before its id can be reused.
    """

    def __init__(self, build: Callable[[M], V]) -> None:
        self._build = build
        self._values: dict[int, V] = {}

    def __call__(self, model: M) -> V:
        key = id(model)
        value = self._values.get(key)
        if value is None:
            value = self._values[key] = self._build(model)
            weakref.finalize(model, self._values.pop, key, None)
        return value

    def __len__(self) -> int:
        return len(self._values)


# Fields added to the questionnaire format after its first version, per model. The canonical form omits
# them while they hold their default, so the content hash of an older file does not change when the
# format grows (a stored response is found by that hash). Add every new optional field here.
LATER_FIELDS: dict[str, frozenset[str]] = {
    "Option": frozenset({"why"}),
    "QualityRules": frozenset(
        {
            "inconsistency_min_dimensions",
            "erratic_spread",
            "erratic_min_items",
            "acquiescence_index",
            "acquiescence_min_items",
            "overclaim_min",
        }
    ),
}


def canonical_data(value: Any) -> Any:
    """JSON-ready data of a model tree, later fields at their default left out (see ``LATER_FIELDS``)."""
    if isinstance(value, BaseModel):
        later = LATER_FIELDS.get(type(value).__name__, frozenset())
        out = {}
        for name, field in type(value).model_fields.items():
            item = getattr(value, name)
            if name in later and item == field.get_default(call_default_factory=True):
                continue
            out[name] = canonical_data(item)
        return out
    if isinstance(value, dict):
        return {k: canonical_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical_data(v) for v in value]
    return value


def canonical_json(model: BaseModel) -> str:
    """A model tree as one canonical JSON text (sorted keys, no spaces, later fields at their default left out)."""
    return json.dumps(canonical_data(model), sort_keys=True, separators=(",", ":"))


content_hash: PerModel[BaseModel, str] = PerModel(
    lambda model: hashlib.sha256(canonical_json(model).encode("utf-8")).hexdigest()
)


# Fields that carry only wording. A translation changes them and nothing else, so the scoring key (below)
# leaves them out; anything else that differs changes how answers are scored, banded or flagged.
WORDING_FIELDS = frozenset(
    {"text", "help", "label", "why", "title", "intro", "name", "short_name", "description", "references"}
)


def _without_wording(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_wording(v) for k, v in value.items() if k not in WORDING_FIELDS}
    if isinstance(value, list):
        return [_without_wording(v) for v in value]
    return value


def scoring_key_data(model: BaseModel) -> dict[str, Any]:
    """What decides a questionnaire's scores, bands and flags: ids, keys, weights, scale values, bands, rules.

    Wording (``WORDING_FIELDS``), the language, version, advice and playbook text are left out, so a
    translation that keeps every id and key shares its original's scoring key and their responses pool.
    """
    data = canonical_data(model)
    kept = {k: v for k, v in data.items() if k not in {"meta", "advice", "playbook"}}
    out: dict[str, Any] = _without_wording(kept)
    out["meta"] = {"id": data["meta"]["id"]}
    # The advice and playbook keys stay (which bands and dimensions have advice), their text does not.
    out["advice"] = {dim: sorted(bands) for dim, bands in data.get("advice", {}).items()}
    out["playbook"] = sorted(data.get("playbook", {}))
    return out


scoring_key: PerModel[BaseModel, str] = PerModel(
    lambda model: hashlib.sha256(
        json.dumps(scoring_key_data(model), sort_keys=True, separators=(",", ":")).encode("utf-8")
    ).hexdigest()
)
