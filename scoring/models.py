"""Strict pydantic models of a questionnaire and of a scored result.

A questionnaire file is validated in two passes: field-level rules here (types, lengths,
unknown keys) and cross-field rules in ``Questionnaire`` validators, which raise with the
location of the offending node so the loader can point at a YAML line.
"""

from __future__ import annotations

import hashlib
import json
import re
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from scoring.registry import ITEM_KINDS, METHODS, ItemKind, Loading

# Caps keep a hostile or accidental file from producing huge pages or PDFs.
MAX_SHORT = 120
MAX_TEXT = 2_000
MAX_LONG = 6_000

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,47}$")]
Short = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SHORT, strip_whitespace=True)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT, strip_whitespace=True)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_LONG, strip_whitespace=True)]

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,47}$")


class Strict(BaseModel):
    """Base for every questionnaire model: unknown keys are errors, values are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Reference(Strict):
    id: Id
    citation: Text
    constructs: list[Short] = Field(default_factory=list, max_length=20)


class Meta(Strict):
    id: Id
    version: Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+){0,2}$")]
    title: Short
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
    description: LongText
    estimated_minutes: Annotated[int, Field(ge=1, le=120)]
    references: list[Reference] = Field(default_factory=list, max_length=50)


class ScalePoint(Strict):
    value: int
    label: Short


class Scale(Strict):
    label: Short
    points: list[ScalePoint] = Field(min_length=2, max_length=11)

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        values = [p.value for p in self.points]
        if values != sorted(set(values)):
            raise ValueError("scale point values must be unique and increasing")
        return self

    @property
    def min(self) -> int:
        return self.points[0].value

    @property
    def max(self) -> int:
        return self.points[-1].value

    def values(self) -> list[int]:
        return [p.value for p in self.points]


class Dimension(Strict):
    id: Id
    name: Short
    short_name: Short | None = None
    description: Text
    weight: Annotated[float, Field(gt=0, le=100)] = 1.0
    method: Id = "mean"
    references: list[Id] = Field(default_factory=list, max_length=10)

    @property
    def label(self) -> str:
        return self.short_name or self.name


class ItemBase(Strict):
    """What every item kind answers the same way; the kind itself is looked up in ``ITEM_KINDS``."""

    if TYPE_CHECKING:  # declared by each kind (a Literal tag); not fields of the base
        type: str
        id: str

    @property
    def kind(self) -> ItemKind:
        return ITEM_KINDS[self.type]

    def allowed(self, scales: dict[str, Scale]) -> Any:
        """What an answer may be: scale values, option ids, or (free text) the longest length."""
        raise NotImplementedError

    def dimensions(self) -> list[str]:
        """Dimensions this item scores on, in first-mention order (none for unscored items)."""
        return []

    def loadings(self, scales: dict[str, Scale]) -> list[tuple[str, Loading]]:
        """(dimension, loading) for each dimension this item scores on."""
        return []


class LikertItem(ItemBase):
    type: Literal["likert"]
    id: Id
    text: Text
    scale: Id
    dimension: Id
    reverse: bool = False
    weight: Annotated[float, Field(gt=0, le=100)] = 1.0
    required: bool = True
    help: Text | None = None

    def allowed(self, scales: dict[str, Scale]) -> list[int]:
        return scales[self.scale].values()

    def dimensions(self) -> list[str]:
        return [self.dimension]

    def loadings(self, scales: dict[str, Scale]) -> list[tuple[str, Loading]]:
        scale = scales[self.scale]
        keying = (scale.min, scale.max, self.reverse)
        return [(self.dimension, Loading(self.id, self.weight, likert=keying, points=tuple(scale.values())))]


class Option(Strict):
    id: Id
    label: Text
    # Score per dimension, 0 (most tactical) … 1 (most strategic).
    scores: dict[Id, float] = Field(default_factory=dict, max_length=20)
    # What choosing this option buys and what it costs, shown to the candidate in the scenario debrief.
    why: Text | None = None


class ChoiceItem(ItemBase):
    type: Literal["choice"]
    id: Id
    text: Text
    options: list[Option] = Field(min_length=2, max_length=10)
    weight: Annotated[float, Field(gt=0, le=100)] = 1.0
    required: bool = True
    help: Text | None = None

    def dimensions(self) -> list[str]:
        """Dimensions this item scores on, in first-mention order."""
        seen: dict[str, None] = {}
        for option in self.options:
            for dim in option.scores:
                seen.setdefault(dim, None)
        return list(seen)

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)

    def allowed(self, scales: dict[str, Scale]) -> list[str]:
        return [o.id for o in self.options]

    def loadings(self, scales: dict[str, Scale]) -> list[tuple[str, Loading]]:
        # An option that does not mention a dimension the item scores counts as 0 there.
        return [
            (dim, Loading(self.id, self.weight, options={o.id: float(o.scores.get(dim, 0.0)) for o in self.options}))
            for dim in self.dimensions()
        ]


class ClaimItem(ItemBase):
    """A statement almost nobody can truthfully endorse (it names something that does not exist).

    Never scored: agreeing with several of them raises the over-claiming quality flag.
    """

    type: Literal["claim"]
    id: Id
    text: Text
    scale: Id
    required: bool = True
    help: Text | None = None

    def allowed(self, scales: dict[str, Scale]) -> list[int]:
        return scales[self.scale].values()  # answered on its scale, like a statement


class TextItem(ItemBase):
    type: Literal["text"]
    id: Id
    text: Text
    required: bool = False
    max_length: Annotated[int, Field(ge=1, le=5_000)] = 1_000
    help: Text | None = None

    def allowed(self, scales: dict[str, Scale]) -> int:
        return self.max_length


Item = Annotated[LikertItem | ChoiceItem | ClaimItem | TextItem, Field(discriminator="type")]


class Section(Strict):
    id: Id
    title: Short
    intro: Text | None = None
    items: list[Item] = Field(min_length=1, max_length=40)


class Band(Strict):
    id: Id
    label: Short
    min: Annotated[float, Field(ge=0, le=100)]
    max: Annotated[float, Field(ge=0, le=100)]
    text: Text | None = None

    def contains(self, value: float, *, last: bool) -> bool:
        return self.min <= value < self.max or (last and value == self.max)


class Bands(Strict):
    overall: list[Band] = Field(min_length=2, max_length=10)
    dimension: list[Band] = Field(min_length=2, max_length=10)


class Advice(Strict):
    meaning: Text
    actions: list[Text] = Field(min_length=1, max_length=3)


class PlaybookEntry(Strict):
    prepare: list[Text] = Field(min_length=1, max_length=5)
    ask: list[Text] = Field(min_length=1, max_length=5)


class QualityRules(Strict):
    # Straight-lining: share of Likert answers equal to the most common answer.
    straightline_share: Annotated[float, Field(gt=0.5, le=1)] = 0.9
    straightline_min_items: Annotated[int, Field(ge=3, le=200)] = 8
    # Speeding: fewer seconds than this per answered item.
    min_seconds_per_item: Annotated[float, Field(ge=0, le=60)] = 2.0
    # Inconsistency: plain vs reverse-keyed mean (0–1, keyed) differ by at least this …
    inconsistency_gap: Annotated[float, Field(gt=0, le=1)] = 0.5
    # … in at least this many dimensions.
    inconsistency_min_dimensions: Annotated[int, Field(ge=1, le=20)] = 1
    # Erratic answering: the root mean square, over dimensions with two or more answered Likert items, of
    # the spread (population SD) of the keyed answers (0–1) within each dimension, at least this …
    erratic_spread: Annotated[float, Field(gt=0, le=0.5)] = 0.24
    # … once at least this many Likert items are answered in such dimensions.
    erratic_min_items: Annotated[int, Field(ge=4, le=200)] = 12
    # Acquiescence: mean RAW agreement position (0–1, reverse keys ignored) over the answered Likert
    # items of dimensions with both plain and reverse-keyed items, at least this high …
    acquiescence_index: Annotated[float, Field(gt=0.5, le=1)] = 0.7
    # … over at least this many such answers.
    acquiescence_min_items: Annotated[int, Field(ge=2, le=200)] = 8
    # Over-claiming: agreeing (a point above the scale's middle) with at least this many claim items.
    overclaim_min: Annotated[int, Field(ge=1, le=50)] = 2


class Scoring(Strict):
    min_answered: Annotated[float, Field(gt=0, le=1)] = 0.6
    min_items_per_dimension: Annotated[int, Field(ge=1, le=50)] = 3
    near_boundary: Annotated[float, Field(ge=0, le=25)] = 4.0
    quality: QualityRules = QualityRules()


class Questionnaire(Strict):
    meta: Meta
    scales: dict[Id, Scale] = Field(min_length=1, max_length=20)
    dimensions: list[Dimension] = Field(min_length=1, max_length=20)
    sections: list[Section] = Field(min_length=1, max_length=30)
    bands: Bands
    advice: dict[Id, dict[Id, Advice]]
    playbook: dict[Id, PlaybookEntry]
    scoring: Scoring = Scoring()

    @model_validator(mode="after")
    def _cross_field(self) -> Questionnaire:
        # One implementation on plain data serves both this validator and the loader, which runs it
        # on the raw document when field errors stop pydantic before this "after" validator.
        problems = cross_field_problems(self.model_dump())
        if problems:
            raise ProblemsError(problems)
        return self

    # Convenience lookups (computed, not validated input).
    def canonical_json(self) -> str:
        """The questionnaire as one canonical JSON text: the content hash is its SHA-256.

        Fields added to the format after version 1 (``LATER_FIELDS``) are left out while they hold their
        default, so a file written before they existed keeps the hash it always had, and a response
        recorded against it still finds its questionnaire.
        """
        return json.dumps(_canonical(self), sort_keys=True, separators=(",", ":"))

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical model: stable under YAML formatting, comments and key order."""
        return _content_hash(self)

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]

    def items(self) -> list[LikertItem | ChoiceItem | ClaimItem | TextItem]:
        return [item for section in self.sections for item in section.items]

    def item(self, item_id: str) -> LikertItem | ChoiceItem | ClaimItem | TextItem | None:
        return next((i for i in self.items() if i.id == item_id), None)

    def scored_items(self) -> list[LikertItem | ChoiceItem]:
        return [i for i in self.items() if i.kind.scored]  # type: ignore[misc]

    def claim_items(self) -> list[ClaimItem]:
        return [i for i in self.items() if isinstance(i, ClaimItem)]

    def dimension(self, dim_id: str) -> Dimension:
        return next(d for d in self.dimensions if d.id == dim_id)


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


_content_hash: PerModel[Questionnaire, str] = PerModel(
    lambda q: hashlib.sha256(q.canonical_json().encode("utf-8")).hexdigest()
)


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


def _canonical(value: Any) -> Any:
    """JSON-ready data of a model tree, later fields at their default left out (see ``LATER_FIELDS``)."""
    if isinstance(value, BaseModel):
        later = LATER_FIELDS.get(type(value).__name__, frozenset())
        out = {}
        for name, field in type(value).model_fields.items():
            item = getattr(value, name)
            if name in later and item == field.get_default(call_default_factory=True):
                continue
            out[name] = _canonical(item)
        return out
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


Loc = tuple[str | int, ...]
Problem = tuple[Loc, str]


def _dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _ids(entries: Any) -> list[str] | None:
    """Ids of a list of mappings in order, or None when any is unreadable (checks against them are then skipped)."""
    if not isinstance(entries, list):
        return None
    ids = [e.get("id") if isinstance(e, dict) else None for e in entries]
    strings = [i for i in ids if isinstance(i, str)]
    return strings if len(strings) == len(ids) else None


def cross_field_problems(data: Any) -> list[Problem]:
    """Located cross-field problems of a questionnaire given as plain data (a model dump or a raw document).

    Written defensively so that it also runs on a document with field errors: each check runs only
    when the values it compares are readable, so one mistake does not cause a cascade of reports.
    """
    problems: list[Problem] = []
    data = _dict(data)
    meta, scales, bands = _dict(data.get("meta")), data.get("scales"), _dict(data.get("bands"))
    dimensions, sections = _list(data.get("dimensions")), _list(data.get("sections"))
    dim_ids = _ids(data.get("dimensions"))
    dims = set(dim_ids) if dim_ids is not None else None
    # No references at all is a readable (empty) list only when meta itself could be read.
    refs = _ids(meta.get("references", [])) if isinstance(data.get("meta"), dict) else None

    # Every list of ids, or of things with ids, refuses a repeat (the second occurrence is reported).
    if isinstance(data.get("meta"), dict):
        _unique(problems, ("meta", "references"), _list(meta.get("references")), "reference")
    _unique(problems, ("dimensions",), dimensions, "dimension")
    _unique(problems, ("sections",), sections, "section")
    for i, dimension in enumerate(map(_dict, dimensions)):
        method = dimension.get("method", Dimension.model_fields["method"].default)
        if isinstance(method, str) and method not in METHODS:
            known = ", ".join(sorted(METHODS))
            problems.append((("dimensions", i, "method"), f"unknown scoring method '{method}' (known: {known})"))
        cited: set[str] = set()
        for j, ref in enumerate(_list(dimension.get("references"))):
            if not isinstance(ref, str):
                continue
            if refs is not None and ref not in refs:
                problems.append((("dimensions", i, "references", j), f"unknown reference '{ref}'"))
            elif ref in cited:
                problems.append((("dimensions", i, "references", j), f"reference '{ref}' is listed twice"))
            cited.add(ref)

    # Counts per dimension are trusted only when every item could be read: otherwise "too few items"
    # might just echo an item whose own error is already reported.
    counts = dict.fromkeys(dim_ids or (), 0)
    counts_ok = dims is not None
    seen: set[str] = set()
    for s, section in enumerate(sections):
        items = _dict(section).get("items")
        counts_ok = counts_ok and isinstance(items, list)
        for i, item in enumerate(map(_dict, _list(items))):
            loc: Loc = ("sections", s, "items", i)
            if isinstance(item.get("id"), str):
                if item["id"] in seen:
                    problems.append(((*loc, "id"), f"duplicate item id '{item['id']}'"))
                seen.add(item["id"])
            kind = item.get("type")
            if kind == "claim":
                scale = item.get("scale")
                if isinstance(scales, dict) and isinstance(scale, str) and scale not in scales:
                    problems.append(((*loc, "scale"), f"unknown scale '{scale}'"))
            elif kind == "likert":
                scale, dim = item.get("scale"), item.get("dimension")
                if isinstance(scales, dict) and isinstance(scale, str) and scale not in scales:
                    problems.append(((*loc, "scale"), f"unknown scale '{scale}'"))
                if dims is not None and isinstance(dim, str) and dim not in dims:
                    problems.append(((*loc, "dimension"), f"unknown dimension '{dim}'"))
                elif isinstance(dim, str) and dim in counts:
                    counts[dim] += 1
                counts_ok = counts_ok and isinstance(dim, str)
            elif kind == "choice":
                counts_ok = _check_options(problems, loc, item.get("options"), dims, counts) and counts_ok
            elif kind != "text":
                counts_ok = False  # unknown or missing type: which dimension it was meant for is a guess

    scoring = data.get("scoring", {})
    need = _dict(scoring).get("min_items_per_dimension", Scoring.model_fields["min_items_per_dimension"].default)
    if counts_ok and _is_number(need):
        for i, dim_id in enumerate(dim_ids or ()):
            if counts[dim_id] < need:
                problems.append(
                    (
                        ("dimensions", i),
                        f"dimension '{dim_id}' has {counts[dim_id]} scored items; at least {need} needed",
                    )
                )

    for kind in ("overall", "dimension"):
        _check_bands(problems, ("bands", kind), bands.get(kind))

    band_ids = _ids(bands.get("dimension"))
    for part, what in (("advice", "advice"), ("playbook", "playbook entry")):
        table = data.get(part)
        if dim_ids is None or not isinstance(table, dict):
            continue
        problems.extend(((part,), f"no {what} for dimension '{d}'") for d in dim_ids if d not in table)
        for dim, entry in table.items():
            if dim not in counts:
                problems.append(((part, dim), f"unknown dimension '{dim}'"))
            elif part == "advice" and band_ids is not None and isinstance(entry, dict):
                problems.extend(((part, dim), f"no advice for band '{b}'") for b in band_ids if b not in entry)
                problems.extend(((part, dim, b), f"unknown band '{b}'") for b in entry if b not in band_ids)
    return problems


def _check_options(
    problems: list[Problem], loc: Loc, options: Any, dims: set[str] | None, counts: dict[str, int]
) -> bool:
    """Check a choice item's options and count the dimensions it scores; False when they are unreadable."""
    if not isinstance(options, list):
        return False
    _unique(problems, (*loc, "options"), options, "option")
    scored: dict[str, None] = {}
    readable = True
    for o, option in enumerate(map(_dict, options)):
        scores = option.get("scores", {})
        if not isinstance(scores, dict):
            readable = False
            continue
        for dim, value in scores.items():
            oloc = (*loc, "options", o, "scores", dim)
            if dims is not None and dim not in dims:
                problems.append((oloc, f"unknown dimension '{dim}'"))
                continue
            if _is_number(value) and not 0 <= value <= 1:  # also catches NaN
                problems.append((oloc, f"option score {value:g} is outside 0–1"))
            scored.setdefault(dim, None)
    if readable and not scored and dims is not None:
        problems.append(((*loc, "options"), "a choice item must score at least one dimension"))
    for dim in scored:
        if dim in counts:
            counts[dim] += 1
    return readable


def _unique(problems: list[Problem], loc: Loc, entries: list[Any], what: str) -> None:
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        value = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(value, str):
            continue
        if value in seen:
            problems.append(((*loc, i, "id"), f"duplicate {what} id '{value}'"))
        seen.add(value)


def _check_bands(problems: list[Problem], loc: Loc, bands: Any) -> None:
    if not isinstance(bands, list) or not bands:
        return
    _unique(problems, loc, bands, "band")
    if not all(isinstance(b, dict) and _is_number(b.get("min")) and _is_number(b.get("max")) for b in bands):
        return  # the field errors say what is wrong; coverage cannot be judged
    for i, band in enumerate(bands):
        if not band["min"] < band["max"]:
            problems.append(((*loc, i), f"band '{band.get('id')}' has min {band['min']:g} ≥ max {band['max']:g}"))
            return
    if bands[0]["min"] != 0:
        problems.append(((*loc, 0, "min"), f"bands must start at 0, not {bands[0]['min']:g}"))
    if bands[-1]["max"] != 100:
        problems.append(((*loc, len(bands) - 1, "max"), f"bands must end at 100, not {bands[-1]['max']:g}"))
    for i in range(1, len(bands)):
        prev, cur = bands[i - 1], bands[i]
        if cur["min"] > prev["max"]:
            problems.append(((*loc, i, "min"), f"gap between {prev['max']:g} and {cur['min']:g}"))
        elif cur["min"] < prev["max"]:
            problems.append(
                (
                    (*loc, i, "min"),
                    f"band '{cur.get('id')}' overlaps '{prev.get('id')}' ({cur['min']:g} < {prev['max']:g})",
                )
            )


class ProblemsError(ValueError):
    """Several located cross-field problems at once; the loader unpacks them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems))


# ----- results -----------------------------------------------------------------------------


class DimensionScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    dimension: str
    score: float | None  # None: not enough answers
    answered: int
    total: int
    band: str | None


class Result(BaseModel):
    model_config = ConfigDict(frozen=True)

    questionnaire_id: str
    content_hash: str
    dimensions: dict[str, DimensionScore]
    overall: float | None
    band: str | None
    near_boundary: bool

    def scores(self) -> dict[str, float | None]:
        return {k: v.score for k, v in self.dimensions.items()}
