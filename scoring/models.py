"""Strict pydantic models of a questionnaire and of a scored result.

A questionnaire file is validated in two passes: field-level rules here (types, lengths,
unknown keys) and cross-field rules (``scoring.crossfield``, run by the ``Questionnaire`` validator),
which raise with the location of the offending node so the loader can point at a YAML line. The
canonical form and content hash come from ``scoring.derived``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from scoring.crossfield import DEFAULT_METHOD, DEFAULT_MIN_ITEMS_PER_DIMENSION, ProblemsError, cross_field_problems
from scoring.derived import canonical_json, content_hash, scoring_key
from scoring.registry import ITEM_KINDS, ItemKind, Loading

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
    method: Id = DEFAULT_METHOD
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
    min_items_per_dimension: Annotated[int, Field(ge=1, le=50)] = DEFAULT_MIN_ITEMS_PER_DIMENSION
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
        return canonical_json(self)

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical model: stable under YAML formatting, comments and key order."""
        return content_hash(self)

    @property
    def scoring_key(self) -> str:
        """SHA-256 of what scores a response (ids, keys, weights, bands, rules), not its wording.

        Translations of one questionnaire share it; the dashboard pools responses by it, while each
        response keeps the content hash of the exact text it answered.
        """
        return scoring_key(self)

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
