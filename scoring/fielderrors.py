"""pydantic's validation errors → located messages an author can act on.

Each error's location is mapped back to document keys (and so to a YAML line), and its message
says what was expected and what was found, with a hint where one helps (a close key, the id rule).
"""

from __future__ import annotations

import difflib
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from scoring.crossfield import ProblemsError, cross_field_problems
from scoring.located import Loc, LocatedError, format_path
from scoring.models import ID_PATTERN, Questionnaire
from scoring.registry import ITEM_KINDS
from scoring.yamlread import Builder


def _resolve_loc(data: Any, loc: tuple[Any, ...]) -> Loc:
    """Drop pydantic's union tags (e.g. 'likert') so the location names real document keys."""
    out: list[str | int] = []
    cur = data
    for part in loc:
        in_list = isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur)
        if (isinstance(cur, dict) and part in cur) or in_list:
            out.append(part)
            cur = cur[part]
        elif isinstance(cur, dict) and isinstance(part, str) and cur.get("type") == part:
            continue  # discriminator tag
        elif isinstance(part, str) and ("[" in part or part in ITEM_KINDS):
            continue  # e.g. 'function-after[...]' or a tag of a non-dict value
        else:
            out.append(part)  # a missing key: keep it for the path, the line is the parent's
            cur = None
    return tuple(out)


# ----- messages ------------------------------------------------------------------------------


def _unwrap(annotation: Any, value: Any) -> Any:
    """Annotated / Optional / a discriminated union → the one type that applies to value."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            tag = value.get("type") if isinstance(value, dict) else None
            tagged = [a for a in options if _literal_type(a) == tag]
            annotation = tagged[0] if tagged else options[0] if len(options) == 1 else None
        else:
            return annotation


def _literal_type(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and "type" in annotation.model_fields:
        args = get_args(annotation.model_fields["type"].annotation)
        return args[0] if get_origin(annotation.model_fields["type"].annotation) is Literal else None
    return None


def _model_at(root: type[BaseModel], data: Any, loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the mapping at loc, if one does."""
    annotation: Any = root
    cur = data
    for part in loc:
        annotation = _unwrap(annotation, cur)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            annotation = field.annotation
        elif get_origin(annotation) in (list, dict):
            annotation = get_args(annotation)[-1]
        else:
            return None
        try:
            cur = cur[part]
        except (KeyError, IndexError, TypeError):
            cur = None
    annotation = _unwrap(annotation, cur)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


_KIND_NAMES = ", ".join(list(ITEM_KINDS)[:-1]) + f" or {list(ITEM_KINDS)[-1]}"  # "likert, choice, claim or text"

_EXPECTED = {
    "string_type": "text",
    "float_type": "a number",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "dict_type": "a mapping (key: value pairs)",
    "model_type": "a mapping (key: value pairs)",
    "model_attributes_type": "a mapping (key: value pairs)",
    "list_type": "a list",
}


def show_value(value: Any, raw: str | None) -> str:
    """How a wrong value is named back to the author."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"{raw or str(value).lower()} (which YAML reads as {str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"the number {raw or value}"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    return "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else type(value).__name__


def _pattern_help(loc: Loc, value: Any, pattern: str) -> str:
    last = loc[-1] if loc else ""
    if last == "version":
        return f'{value!r} is not a version like "1.0" or "1.2.3"'
    if last == "language":
        return f"{value!r} is not a language code like 'en' or 'en-GB'"
    if pattern == ID_PATTERN.pattern:
        return (
            f"{value!r} is not a valid id (lowercase letters, digits, '_' or '-', "
            "starting with a letter, at most 48 characters)"
        )
    return f"{value!r} does not match the pattern {pattern}"


def _describe(err: Any, loc: Loc, data: Any, builder: Builder, root: type[BaseModel]) -> tuple[Loc, str]:
    """A pydantic error → (location, a message a questionnaire author can act on)."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        model = _model_at(root, data, loc[:-1])
        allowed = list(model.model_fields) if model else []
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.7)
        hint = f" (did you mean '{close[0]}'?)" if close else f" (allowed: {', '.join(allowed)})" if allowed else ""
        return loc, f"unknown key '{key}'{hint}"
    if kind == "missing":
        return loc[:-1], f"missing required key '{loc[-1]}'"
    if kind == "union_tag_invalid":
        return (*loc, "type"), f"unknown item type '{ctx.get('tag')}' (expected one of {ctx.get('expected_tags')})"
    if kind == "union_tag_not_found":
        return loc, f"missing required key 'type' ({_KIND_NAMES})"
    if kind in _EXPECTED:
        message = f"expected {_EXPECTED[kind]}, got {show_value(value, builder.raw.get(loc))}"
        if kind == "string_type" and isinstance(value, (bool, int, float)):
            message += f'; write it in quotes: "{builder.raw.get(loc, value)}"'
        return loc, message
    if kind == "string_too_long" and isinstance(value, str):
        return loc, f"text is {len(value):,} characters; the limit is {ctx['max_length']:,}"
    if kind == "string_too_short":
        return loc, "must not be empty"
    if kind == "too_long":
        return loc, f"has {ctx.get('actual_length')} entries; at most {ctx.get('max_length')} allowed"
    if kind == "too_short":
        return loc, f"has {ctx.get('actual_length')} entries; at least {ctx.get('min_length')} needed"
    if kind == "string_pattern_mismatch":
        return loc, _pattern_help(loc, value, str(ctx.get("pattern")))
    msg = str(err["msg"]).removeprefix("Value error, ").replace("Input should be", "must be")
    msg = msg[:1].lower() + msg[1:] if msg else kind
    if isinstance(value, (int, float, str)) and kind != "value_error":
        msg += f", got {show_value(value, builder.raw.get(loc))}"
    return loc, msg


def _under(loc: Loc, prefixes: list[Loc]) -> bool:
    return any(loc[: len(p)] == p for p in prefixes)


def from_validation(
    exc: ValidationError, data: Any, builder: Builder, file: str, root: type[BaseModel] = Questionnaire
) -> list[LocatedError]:
    out: list[LocatedError] = []
    cross_checked = False
    for err in exc.errors():
        cause = (err.get("ctx") or {}).get("error")
        base = _resolve_loc(data, tuple(err["loc"]))
        if isinstance(cause, ProblemsError):
            cross_checked = True
            for loc, message in cause.problems:
                full = _resolve_loc(data, (*base, *loc))
                out.append(LocatedError(file, builder.line_of(full), format_path(full), message))
            continue
        if _under(base, builder.dropped):
            continue  # the builder already said why this value is missing
        loc, message = _describe(err, base, data, builder, root)
        out.append(LocatedError(file, builder.line_of(loc), format_path(loc), message))
    if not cross_checked and issubclass(root, Questionnaire):
        # Field errors stop pydantic before the model's cross-field validator; run it on the raw data.
        for loc, message in cross_field_problems(data):
            full = _resolve_loc(data, loc)
            out.append(LocatedError(file, builder.line_of(full), format_path(full), message))
    return out
