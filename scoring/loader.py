"""YAML → Questionnaire, with every problem reported as ``FILE:LINE: PATH: message``.

Safety: only PyYAML's *safe* composer is used and the Python objects are built here from the
node tree, which lets us (a) remember the line of every node, (b) reject duplicate mapping
keys instead of silently keeping the last, (c) cap alias expansion ("billion laughs") and the
number of nodes, and (d) refuse any tag outside plain YAML (``!!python/object`` and friends).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from scoring.models import ProblemsError, Questionnaire

MAX_BYTES = 1_000_000
MAX_NODES = 50_000  # nodes visited while building, aliases counted each time they expand
ROOT = "(root)"
M = TypeVar("M", bound=BaseModel)

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


@dataclass(frozen=True)
class LocatedError:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.path}: {self.message}"


class QuestionnaireError(Exception):
    """All the problems of one file; ``str()`` gives one line per problem."""

    def __init__(self, errors: list[LocatedError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class _Abort(Exception):
    def __init__(self, line: int, path: str, message: str) -> None:
        self.line, self.path, self.message = line, path, message


def format_path(loc: tuple[str | int, ...]) -> str:
    """('sections', 0, 'items', 2, 'scale') → 'sections[0].items[2].scale'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or ROOT


class _Builder:
    """Builds plain Python data from a composed node tree, recording each node's line."""

    def __init__(self) -> None:
        self.lines: dict[tuple[str | int, ...], int] = {}
        self.visited = 0
        self._scalars = yaml.SafeLoader("")  # only its scalar constructors are used

    def build(self, node: yaml.Node, loc: tuple[str | int, ...]) -> Any:
        self.visited += 1
        line = node.start_mark.line + 1
        if self.visited > MAX_NODES:
            raise _Abort(line, format_path(loc), f"document too large or alias expansion over {MAX_NODES} nodes")
        self.lines.setdefault(loc, line)
        if node.tag not in _PLAIN_TAGS:
            raise _Abort(line, format_path(loc), f"tag '{node.tag}' is not allowed (plain YAML only)")
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _PLAIN_TAGS:
                    raise _Abort(key_node.start_mark.line + 1, format_path(loc), "mapping keys must be plain scalars")
                key = self._scalars.construct_object(key_node)
                if not isinstance(key, (str, int)):
                    key = str(key)
                if key in out:
                    raise _Abort(
                        key_node.start_mark.line + 1,
                        format_path((*loc, key)),
                        f"duplicate key '{key}' (first on line {self.lines[(*loc, key)]})",
                    )
                self.lines[(*loc, key)] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, (*loc, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*loc, i)) for i, child in enumerate(node.value)]
        return self._scalars.construct_object(node)

    def line_of(self, loc: tuple[str | int, ...]) -> int:
        while loc and loc not in self.lines:
            loc = loc[:-1]
        return self.lines.get(loc, 1)


def _resolve_loc(data: Any, loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
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
        elif isinstance(part, str) and ("[" in part or part in {"likert", "choice", "text"}):
            continue  # e.g. 'function-after[...]' or a tag of a non-dict value
        else:
            out.append(part)  # a missing key: keep it for the path, the line is the parent's
            cur = None
    return tuple(out)


_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required key is missing",
}


def _message(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind == "union_tag_invalid":
        return f"unknown item type {err.get('input', {}).get('type')!r} (expected likert, choice or text)"
    if kind == "union_tag_not_found":
        return "item needs a 'type' (likert, choice or text)"
    msg = err["msg"].removeprefix("Value error, ")
    value = err.get("input")
    if kind.endswith("_type") and not isinstance(value, (dict, list)):
        return f"{msg[0].lower()}{msg[1:]}, got {value!r}"
    return msg[0].lower() + msg[1:] if msg else kind


def _from_validation(exc: ValidationError, data: Any, builder: _Builder, file: str) -> list[LocatedError]:
    out: list[LocatedError] = []
    for err in exc.errors():
        cause = (err.get("ctx") or {}).get("error")
        base = _resolve_loc(data, tuple(err["loc"]))
        if isinstance(cause, ProblemsError):
            for loc, message in cause.problems:
                full = _resolve_loc(data, (*base, *loc))
                out.append(LocatedError(file, builder.line_of(full), format_path(full), message))
            continue
        out.append(LocatedError(file, builder.line_of(base), format_path(base), _message(err)))
    return sorted(out, key=lambda e: e.line)


def read_document(text: str | bytes, file: str = "<string>") -> tuple[Any, _Builder]:
    """Safely parse YAML into plain data plus a line map; raise QuestionnaireError on any problem."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise QuestionnaireError(
                [LocatedError(file, 1, ROOT, f"file is {len(text):,} bytes; the limit is {MAX_BYTES:,}")]
            )
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = text[: exc.start].count(b"\n") + 1
            raise QuestionnaireError(
                [
                    LocatedError(
                        file, line, ROOT, f"not valid UTF-8 (byte 0x{text[exc.start]:02x} at offset {exc.start})"
                    )
                ]
            ) from None
    if len(text) > MAX_BYTES:
        raise QuestionnaireError(
            [LocatedError(file, 1, ROOT, f"file is {len(text):,} characters; the limit is {MAX_BYTES:,}")]
        )
    text = text.removeprefix("\ufeff")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or "invalid YAML"
        if "\t" in problem or "'\\t'" in problem:
            problem = "a tab character cannot be used for indentation (use spaces)"
        raise QuestionnaireError([LocatedError(file, line, ROOT, f"YAML syntax error: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise QuestionnaireError([LocatedError(file, 1, ROOT, f"YAML error: {exc}")]) from None
    if node is None:
        raise QuestionnaireError([LocatedError(file, 1, ROOT, "file is empty")])
    builder = _Builder()
    try:
        data = builder.build(node, ())
    except _Abort as exc:
        raise QuestionnaireError([LocatedError(file, exc.line, exc.path, exc.message)]) from None
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        raise QuestionnaireError([LocatedError(file, 1, ROOT, f"bad scalar value: {exc}")]) from None
    return data, builder


def validate_document(model: type[M], data: Any, builder: _Builder, file: str) -> M:
    """Validate plain data against a strict model; errors carry the YAML lines."""
    if not isinstance(data, dict):
        raise QuestionnaireError([LocatedError(file, 1, ROOT, f"expected a mapping, got {type(data).__name__}")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise QuestionnaireError(_from_validation(exc, data, builder, file)) from None


def parse(text: str | bytes, file: str = "<string>") -> Questionnaire:
    """Validate a questionnaire document; raise QuestionnaireError listing every problem."""
    data, builder = read_document(text, file)
    return validate_document(Questionnaire, data, builder, file)


def load(path: str | Path) -> Questionnaire:
    """Read and validate one questionnaire file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise QuestionnaireError(
                [LocatedError(str(path), 1, ROOT, f"file is {size:,} bytes; the limit is {MAX_BYTES:,}")]
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise QuestionnaireError([LocatedError(str(path), 1, ROOT, f"cannot read file: {exc.strerror}")]) from None
    return parse(raw, str(path))


def content_hash(q: Questionnaire) -> str:
    """SHA-256 of the canonical model: stable under YAML formatting, comments and key order."""
    return q.content_hash


def questionnaire_files(paths: list[str | Path]) -> list[Path]:
    """Expand directories to their *.yaml / *.yml files (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted([*p.glob("*.yaml"), *p.glob("*.yml")]))
        else:
            out.append(p)
    return out


def load_catalogue(directory: str | Path) -> tuple[dict[str, Questionnaire], list[LocatedError]]:
    """Every valid questionnaire in a folder by id, plus the problems of the invalid ones."""
    found: dict[str, Questionnaire] = {}
    errors: list[LocatedError] = []
    for path in questionnaire_files([directory]):
        try:
            q = load(path)
        except QuestionnaireError as exc:
            errors.extend(exc.errors)
            continue
        if q.meta.id in found:
            errors.append(
                LocatedError(str(path), 1, "meta.id", f"questionnaire id '{q.meta.id}' is used by another file")
            )
            continue
        found[q.meta.id] = q
    return found, errors
