"""Translations must keep their original's scoring key; every drift is reported at its line in the translation.

A questionnaire may have a file per language (``<id>.yaml``, ``<id>.<lang>.yaml``). Their responses are
pooled by scoring key (``scoring.derived.scoring_key_data``: ids, keys, weights, scale values, bands,
rules; not wording), so a translation that changes any of these would silently mix two instruments.
``drifts`` compares a translation's scoring-key tree with its primary's (English if there is one) and
names each difference: lists of things with an id are matched by id, not position, so one missing item
is one message, not one for every item after it. The line is the translation file's, from the line
map its reader built (``scoring.yamlread.Builder``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scoring.derived import scoring_key_data
from scoring.located import Loc, LocatedError, QuestionnaireError, format_path, sort_errors
from scoring.models import Questionnaire
from scoring.yamlread import Builder

# What one entry of a list (or mapping) is called in a message, by the key that holds it.
_KINDS = {
    "sections": "section",
    "items": "item",
    "options": "option",
    "dimensions": "dimension",
    "overall": "band",
    "dimension": "band",
    "points": "scale point",
    "scales": "scale",
    "scores": "score for dimension",
    "advice": "advice for",
    "playbook": "playbook entry",
}


@dataclass(frozen=True)
class Source:
    """One valid questionnaire file with the line map of its YAML."""

    file: str
    questionnaire: Questionnaire
    builder: Builder


def primary_language(languages: Sequence[str]) -> str:
    """The language a questionnaire's translations are checked against: English if there is one, else the first."""
    return "en" if "en" in languages else languages[0]


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "…"


def _kind(loc: Loc) -> str:
    if len(loc) == 2 and loc[0] == "advice":
        return "advice for band"
    named = [part for part in loc if isinstance(part, str)]
    return _KINDS.get(named[-1], "entry") if named else "entry"


class _Differ:
    """Walks two scoring-key trees side by side, ``here`` (the translation) against ``there`` (its primary)."""

    def __init__(self, source: Source, there_name: str) -> None:
        self.source = source
        self.there = there_name
        self.out: list[LocatedError] = []

    def report(self, loc: Loc, message: str) -> None:
        line = self.source.builder.line_of(loc)
        self.out.append(LocatedError(self.source.file, line, format_path(loc), message))

    def missing(self, loc: Loc, name: object) -> None:
        self.report(loc, f"{_kind(loc)} '{name}' is missing ({self.there} has it)")

    def added(self, loc: Loc, name: object) -> None:
        self.report(loc, f"{_kind(loc[:-1])} '{name}' is not in {self.there}")

    def diff(self, here: Any, there: Any, loc: Loc) -> None:
        if isinstance(here, dict) and isinstance(there, dict):
            self._mapping(here, there, loc)
        elif isinstance(here, list) and isinstance(there, list):
            if _keyed(here) and _keyed(there):
                self._by_id(here, there, loc)
            elif all(not isinstance(v, (dict, list)) for v in [*here, *there]):
                self._names(here, there, loc)
            else:
                self._by_index(here, there, loc)
        elif not (here == there and (type(here) is type(there) or _same_number(here, there))):
            self.report(loc, f"differs from {self.there}: {_show(here)} here, {_show(there)} there")

    def _mapping(self, here: dict[str, Any], there: dict[str, Any], loc: Loc) -> None:
        # A mapping is either a collection keyed by id (scales, option scores, advice) or a model's fields.
        collection = _collection(loc)
        for key, value in here.items():
            if key in there:
                self.diff(value, there[key], (*loc, key))
            elif collection:
                self.added((*loc, key), key)
            else:
                self.report((*loc, key), f"is set here ({_show(value)}), not in {self.there}")
        for key, value in there.items():
            if key in here:
                continue
            if collection:
                self.missing(loc, key)
            else:
                self.report(loc, f"field '{key}' is not set here ({self.there} has {_show(value)})")

    def _by_id(self, here: list[dict[str, Any]], there: list[dict[str, Any]], loc: Loc) -> None:
        theirs = {entry["id"]: entry for entry in there}
        ours = {entry["id"] for entry in here}
        for i, entry in enumerate(here):
            if entry["id"] in theirs:
                self.diff(entry, theirs[entry["id"]], (*loc, i))
            else:
                self.added((*loc, i), entry["id"])
        for entry in there:
            if entry["id"] not in ours:
                self.missing(loc, entry["id"])
        common_here = [e["id"] for e in here if e["id"] in theirs]
        common_there = [e["id"] for e in there if e["id"] in ours]
        if common_here != common_there:  # the order counts too: it decides pages, score slots and ties
            order = ", ".join(common_there)
            self.report(loc, f"{_kind((*loc, 0))}s are in a different order from {self.there} ({order})")

    def _names(self, here: list[Any], there: list[Any], loc: Loc) -> None:
        # Sorted names of a YAML mapping (which bands a dimension has advice for, which playbook entries).
        for name in here:
            if name not in there:
                self.added((*loc, name), name)
        for name in there:
            if name not in here:
                self.missing(loc, name)

    def _by_index(self, here: list[Any], there: list[Any], loc: Loc) -> None:
        if len(here) != len(there):
            self.report(loc, f"has {len(here)} {_kind((*loc, 0))}s here, {len(there)} in {self.there}")
            return
        for i, (ours, theirs) in enumerate(zip(here, there, strict=True)):
            self.diff(ours, theirs, (*loc, i))


def _collection(loc: Loc) -> bool:
    return bool(loc) and (loc[-1] in {"scales", "scores", "advice"} or (len(loc) == 2 and loc[0] == "advice"))


def _keyed(values: list[Any]) -> bool:
    return all(isinstance(v, dict) and isinstance(v.get("id"), str) for v in values)


def _same_number(a: Any, b: Any) -> bool:
    # 1 and 1.0 weigh the same, but a key that changes type is still a drift (true ≠ 1).
    numbers = (int, float)
    both = isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool)
    return both and a == b


def drifts(translation: Source, original: Source) -> list[LocatedError]:
    """Every way ``translation`` scores differently from ``original``, located in the translation's file."""
    here, there = translation.questionnaire, original.questionnaire
    if here.scoring_key == there.scoring_key:
        return []
    differ = _Differ(translation, Path(original.file).name)
    differ.diff(scoring_key_data(here), scoring_key_data(there), ())
    if not differ.out:  # a safety net: the keys differ, so something must be said
        differ.report((), f"its scoring key differs from {differ.there}'s (ids, keys, weights, bands or rules)")
    return sort_errors(differ.out)


def check(sources: Sequence[Source]) -> dict[str, list[LocatedError]]:
    """Drifts per translation file, for files grouped by questionnaire id (one file per id and language)."""
    groups: dict[str, dict[str, Source]] = {}
    for source in sources:
        groups.setdefault(source.questionnaire.meta.id, {}).setdefault(source.questionnaire.meta.language, source)
    found: dict[str, list[LocatedError]] = {}
    for languages in groups.values():
        original = languages[primary_language(list(languages))]
        for source in languages.values():
            if source is not original:
                problems = drifts(source, original)
                if problems:
                    found[source.file] = problems
    return found


def sibling_primary(path: str | Path, q: Questionnaire) -> Path | None:
    """For a translation ``<id>.<lang>.yaml`` validated without its original: ``<id>.yaml`` beside it, if present."""
    if q.meta.language == "en":
        return None
    folder = Path(path).parent
    for suffix in (".yaml", ".yml"):
        candidate = folder / f"{q.meta.id}{suffix}"
        if candidate.is_file() and candidate.resolve() != Path(path).resolve():
            return candidate
    return None


def with_originals(sources: Sequence[Source], load: Callable[[Path], Source]) -> list[Source]:
    """``sources`` preceded by the ``<id>.yaml`` beside any translation given without an English file of its id.

    So ``validate questions/x.de.yaml`` alone still checks it against ``questions/x.yaml``. An original
    that cannot be loaded is skipped here: validating it reports its own problems.
    """
    english = {s.questionnaire.meta.id for s in sources if s.questionnaire.meta.language == "en"}
    extra: list[Source] = []
    for source in sources:
        qid = source.questionnaire.meta.id
        sibling = None if qid in english else sibling_primary(source.file, source.questionnaire)
        if sibling is None:
            continue
        try:
            extra.append(load(sibling))
        except QuestionnaireError:
            continue
        english.add(qid)  # one original per id, whatever its language
    return [*extra, *sources]
