"""Cross-field rules of a questionnaire, checked on plain data with the location of each problem.

One implementation serves both the ``Questionnaire`` validator (on the model dump) and the loader,
which runs it on the raw document when field errors stop pydantic before that validator.
"""

from __future__ import annotations

from typing import Any

from scoring.registry import METHODS

# Defaults the rules assume when a document leaves the field out; the models use the same constants.
DEFAULT_METHOD = "mean"
DEFAULT_MIN_ITEMS_PER_DIMENSION = 3

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
        method = dimension.get("method", DEFAULT_METHOD)
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
    need = _dict(scoring).get("min_items_per_dimension", DEFAULT_MIN_ITEMS_PER_DIMENSION)
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
