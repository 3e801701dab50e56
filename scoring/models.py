"""Strict pydantic models of a questionnaire and of a scored result.

A questionnaire file is validated in two passes: field-level rules here (types, lengths,
unknown keys) and cross-field rules in ``Questionnaire`` validators, which raise with the
location of the offending node so the loader can point at a YAML line.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, model_validator

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


class LikertItem(Strict):
    type: Literal["likert"]
    id: Id
    text: Text
    scale: Id
    dimension: Id
    reverse: bool = False
    weight: Annotated[float, Field(gt=0, le=100)] = 1.0
    required: bool = True
    help: Text | None = None


class Option(Strict):
    id: Id
    label: Text
    # Score per dimension, 0 (most tactical) … 1 (most strategic).
    scores: dict[Id, float] = Field(default_factory=dict, max_length=20)


class ChoiceItem(Strict):
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


class TextItem(Strict):
    type: Literal["text"]
    id: Id
    text: Text
    required: bool = False
    max_length: Annotated[int, Field(ge=1, le=5_000)] = 1_000
    help: Text | None = None


Item = Annotated[LikertItem | ChoiceItem | TextItem, Field(discriminator="type")]


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
    # Inconsistency: plain vs reverse-keyed mean (0–1, keyed) differ by at least this.
    inconsistency_gap: Annotated[float, Field(gt=0, le=1)] = 0.5


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
    _hash: str | None = PrivateAttr(default=None)
    _cache: dict = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _cross_field(self) -> Questionnaire:
        from scoring.registry import METHODS  # local: registry imports nothing of models

        problems: list[tuple[tuple[str | int, ...], str]] = []
        dim_ids = [d.id for d in self.dimensions]
        dims = set(dim_ids)

        _unique(problems, ("dimensions",), dim_ids, "dimension")
        _unique(problems, ("sections",), [s.id for s in self.sections], "section")
        for i, dim in enumerate(self.dimensions):
            if dim.method not in METHODS:
                known = ", ".join(sorted(METHODS))
                problems.append(
                    (("dimensions", i, "method"), f"unknown scoring method '{dim.method}' (known: {known})")
                )
            ref_ids = {r.id for r in self.meta.references}
            for j, ref in enumerate(dim.references):
                if ref not in ref_ids:
                    problems.append((("dimensions", i, "references", j), f"unknown reference '{ref}'"))

        item_ids: dict[str, tuple[int, int]] = {}
        counts = dict.fromkeys(dim_ids, 0)
        for s, section in enumerate(self.sections):
            for i, item in enumerate(section.items):
                loc = ("sections", s, "items", i)
                if item.id in item_ids:
                    problems.append(((*loc, "id"), f"duplicate item id '{item.id}'"))
                item_ids.setdefault(item.id, (s, i))
                if isinstance(item, LikertItem):
                    if item.scale not in self.scales:
                        problems.append(((*loc, "scale"), f"unknown scale '{item.scale}'"))
                    if item.dimension not in dims:
                        problems.append(((*loc, "dimension"), f"unknown dimension '{item.dimension}'"))
                    else:
                        counts[item.dimension] += 1
                elif isinstance(item, ChoiceItem):
                    _unique(problems, (*loc, "options"), [o.id for o in item.options], "option")
                    for o, option in enumerate(item.options):
                        for dim, value in option.scores.items():
                            oloc = (*loc, "options", o, "scores", dim)
                            if dim not in dims:
                                problems.append((oloc, f"unknown dimension '{dim}'"))
                            elif not 0 <= value <= 1:
                                problems.append((oloc, f"option score {value} is outside 0–1"))
                    if not item.dimensions():
                        problems.append(((*loc, "options"), "a choice item must score at least one dimension"))
                    for dim in item.dimensions():
                        if dim in counts:
                            counts[dim] += 1

        need = self.scoring.min_items_per_dimension
        for i, dim in enumerate(self.dimensions):
            if counts.get(dim.id, 0) < need:
                problems.append(
                    (
                        ("dimensions", i),
                        f"dimension '{dim.id}' has {counts.get(dim.id, 0)} scored items; at least {need} needed",
                    )
                )

        for kind in ("overall", "dimension"):
            _check_bands(problems, ("bands", kind), getattr(self.bands, kind))

        band_ids = [b.id for b in self.bands.dimension]
        for dim in dim_ids:
            if dim not in self.advice:
                problems.append((("advice",), f"no advice for dimension '{dim}'"))
                continue
            for band in band_ids:
                if band not in self.advice[dim]:
                    problems.append((("advice", dim), f"no advice for band '{band}'"))
            for band in self.advice[dim]:
                if band not in band_ids:
                    problems.append((("advice", dim, band), f"unknown band '{band}'"))
            if dim not in self.playbook:
                problems.append((("playbook",), f"no playbook entry for dimension '{dim}'"))
        for dim in self.advice:
            if dim not in dims:
                problems.append((("advice", dim), f"unknown dimension '{dim}'"))
        for dim in self.playbook:
            if dim not in dims:
                problems.append((("playbook", dim), f"unknown dimension '{dim}'"))

        if problems:
            raise ProblemsError(problems)
        return self

    # Convenience lookups (computed, not validated input).
    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical model: stable under YAML formatting, comments and key order."""
        if self._hash is None:
            canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
            self._hash = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        return self._hash

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]

    def items(self) -> list[LikertItem | ChoiceItem | TextItem]:
        return [item for section in self.sections for item in section.items]

    def item(self, item_id: str) -> LikertItem | ChoiceItem | TextItem | None:
        return next((i for i in self.items() if i.id == item_id), None)

    def scored_items(self) -> list[LikertItem | ChoiceItem]:
        return [i for i in self.items() if not isinstance(i, TextItem)]

    def dimension(self, dim_id: str) -> Dimension:
        return next(d for d in self.dimensions if d.id == dim_id)


def _unique(problems: list, loc: tuple, ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for i, value in enumerate(ids):
        if value in seen:
            problems.append(((*loc, i, "id"), f"duplicate {what} id '{value}'"))
        seen.add(value)


def _check_bands(problems: list, loc: tuple, bands: list[Band]) -> None:
    _unique(problems, loc, [b.id for b in bands], "band")
    for i, band in enumerate(bands):
        if band.min >= band.max:
            problems.append(((*loc, i), f"band '{band.id}' has min {band.min:g} ≥ max {band.max:g}"))
            return
    if bands[0].min != 0:
        problems.append(((*loc, 0, "min"), f"bands must start at 0, not {bands[0].min:g}"))
    if bands[-1].max != 100:
        problems.append(((*loc, len(bands) - 1, "max"), f"bands must end at 100, not {bands[-1].max:g}"))
    for i in range(1, len(bands)):
        prev, cur = bands[i - 1], bands[i]
        if cur.min > prev.max:
            problems.append(((*loc, i, "min"), f"gap between {prev.max:g} and {cur.min:g}"))
        elif cur.min < prev.max:
            problems.append(((*loc, i, "min"), f"band '{cur.id}' overlaps '{prev.id}' ({cur.min:g} < {prev.max:g})"))


class ProblemsError(ValueError):
    """Several located cross-field problems at once; the loader unpacks them."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]) -> None:
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
