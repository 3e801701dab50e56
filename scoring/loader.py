"""YAML → Questionnaire, with every problem reported as ``FILE:LINE: PATH: message``.

Safety: only PyYAML's *safe* composer is used and the Python objects are built here from the
node tree, which lets us (a) remember the line of every node, (b) reject duplicate mapping
keys instead of silently keeping the last, (c) cap nesting depth, alias expansion ("billion
laughs") and the number of nodes, and (d) refuse any tag outside plain YAML (``!!python/object``
and friends).

All problems of a file are reported at once: duplicate keys and refused tags are collected while
building, and the cross-field checks also run on the raw document when field errors stop
pydantic before the model's own cross-field validator (see ``models.cross_field_problems``).
"""

from __future__ import annotations

import difflib
import errno
import json
import os
import re
import stat
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from scoring.estimate import minutes_warning
from scoring.models import ID_PATTERN, ProblemsError, Questionnaire, cross_field_problems
from scoring.registry import ITEM_KINDS

MAX_BYTES = 1_000_000
# Nodes composed, and nodes visited while building with aliases counted each time they expand.
# A questionnaire has a few thousand; composing costs ~20 µs a node, so this also bounds the time.
MAX_NODES = 20_000
MAX_DEPTH = 64  # nesting levels; a questionnaire needs about 8
ROOT = "(root)"
M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]

_YAML = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}
_TIMESTAMP = _YAML + "timestamp"
_MERGE = _YAML + "merge"


def one_line(text: str) -> str:
    """Escape control, format and separator characters so a name or message prints as one inert line.

    A key may hold a newline, and a file name may hold a terminal escape sequence (``\x1b[2J``) or a
    right-to-left override: printed raw, either could rewrite what the operator sees.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


_one_line = one_line
# Control characters (C0, DEL, C1) other than a tab and a line break, which text may hold.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class LocatedError:
    """One problem: ``str()`` gives ``FILE:LINE: PATH: message`` on a single line."""

    file: str
    line: int
    path: str
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "file", _one_line(str(self.file)))
        object.__setattr__(self, "path", _one_line(self.path))
        object.__setattr__(self, "message", _one_line(self.message))

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.path}: {self.message}"


class QuestionnaireError(Exception):
    """All the problems of one file; ``str()`` gives one line per problem."""

    def __init__(self, errors: list[LocatedError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class _Abort(Exception):
    """A problem after which nothing more can be read from the document."""

    def __init__(self, line: int, path: str, message: str) -> None:
        self.line, self.path, self.message = line, path, message


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def format_path(loc: Loc) -> str:
    """('sections', 0, 'items', 2, 'scale') → 'sections[0].items[2].scale'; odd keys as ["a key"]."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(str(part)):
            out += ("." if out else "") + str(part)
        else:  # a key with spaces, dots or colons must not blur the PATH: message split
            out += f"[{json.dumps(str(part), ensure_ascii=False)}]"
    return out or ROOT


def _show_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML) if tag.startswith(_YAML) else tag


class _PyEvents(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """Pure-Python parser events, used only where PyYAML was built without libyaml."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)

    def dispose(self) -> None:
        """Nothing to free (the C parser's counterpart does)."""


try:  # libyaml's parser is ~10× faster and iterative, so deep nesting cannot overflow it
    from yaml.cyaml import CParser as _Events  # type: ignore[attr-defined]  # the stubs re-export it only implicitly
except ImportError:  # PyYAML built without libyaml (tests run the corpus through both)
    _Events = _PyEvents  # type: ignore[assignment,misc]


class _Composer(yaml.composer.Composer, yaml.resolver.Resolver):
    """PyYAML's safe composer fed by parser events, with caps on nesting depth and node count.

    The composer recurses once per nesting level, so without the cap a deeply nested document
    would overflow the stack; the node cap bounds the time a hostile 1 MB file can take.
    """

    def __init__(self, stream: str) -> None:
        self._events = _Events(stream)  # the reader checks for forbidden characters here
        yaml.composer.Composer.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._depth = 0
        self._nodes = 0
        # The composer asks for events tens of thousands of times: bind the parser's methods directly.
        self.check_event = self._events.check_event
        self.peek_event = self._events.peek_event
        self.get_event = self._events.get_event

    def dispose(self) -> None:
        """Free the parser."""
        self._events.dispose()

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        self._nodes += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Abort(self._line(), ROOT, f"nesting is deeper than {MAX_DEPTH} levels")
            if self._nodes > MAX_NODES:
                raise _Abort(self._line(), ROOT, f"more than {MAX_NODES:,} values; a questionnaire needs far fewer")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _line(self) -> int:
        event = self.peek_event()
        mark = event.start_mark if event is not None else None
        return mark.line + 1 if mark is not None else 1


class _Builder:
    """Builds plain Python data from a composed node tree, recording each node's line.

    Recoverable problems (duplicate keys, refused tags, unreadable scalars) are collected in
    ``errors`` and the offending value is left out, so validation can still report the rest.
    """

    def __init__(self) -> None:
        self.lines: dict[Loc, int] = {}
        self.raw: dict[Loc, str] = {}  # source text of scalars, to quote it back in messages
        self.errors: list[tuple[int, Loc, str]] = []
        self.dropped: list[Loc] = []  # values replaced by None: validation errors under them are noise
        self.visited = 0
        self._open: set[int] = set()  # collections being built: meeting one again means a recursive alias
        self._scalars = yaml.SafeLoader("")  # only its scalar constructors are used

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.visited += 1
        line = node.start_mark.line + 1
        if self.visited > MAX_NODES:
            raise _Abort(line, format_path(loc), f"more than {MAX_NODES:,} values once aliases are expanded")
        self.lines.setdefault(loc, line)
        if node.tag not in _PLAIN_TAGS and node.tag != _TIMESTAMP:
            return self._drop(line, loc, f"tag '{_show_tag(node.tag)}' is not allowed (plain YAML only)")
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, loc)
        if id(node) in self._open:
            return self._drop(line, loc, "recursive alias: a value cannot contain itself")
        if len(self._open) >= MAX_DEPTH:  # aliases can stack nesting beyond what the composer saw
            raise _Abort(line, format_path(loc[: MAX_DEPTH // 8]) + "…", f"nesting is deeper than {MAX_DEPTH} levels")
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(child, (*loc, i)) for i, child in enumerate(node.value)]
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, loc)
            raise TypeError(f"unexpected YAML node {type(node).__name__}")  # the composer makes no other kind
        finally:
            self._open.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE:
                self.errors.append((line, loc, "merge keys ('<<') are not supported; write the keys out"))
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _PLAIN_TAGS:
                self.errors.append((line, loc, "a mapping key must be plain text"))
                continue
            # The source text, not the YAML value: keys are names, so `no:` or `1:` stay "no" and "1".
            key = key_node.value
            bad = _CONTROL.search(key)
            if bad:
                code = ord(bad.group())
                self.errors.append((line, loc, f"control character U+{code:04X} is not allowed in a key"))
                continue
            if key in out:
                first = self.lines[(*loc, key)]
                self.errors.append((line, (*loc, key), f"duplicate key '{key}' (first on line {first})"))
                continue
            self.lines[(*loc, key)] = line
            out[key] = self.build(value_node, (*loc, key))
        return out

    def _scalar(self, node: yaml.ScalarNode, loc: Loc) -> Any:
        self.raw[loc] = node.value
        line = node.start_mark.line + 1
        bad = _CONTROL.search(node.value)
        if bad:
            # YAML refuses a raw control character, but "\x07" or "\u0000" in a double-quoted string
            # decodes to one; in a page or a PDF it is invisible, or worse, so text may not hold one.
            code = ord(bad.group())
            return self._drop(
                line,
                loc,
                f"control character U+{code:04X} is not allowed in text (check for an escape like \\x07 in quotes)",
            )
        if node.tag == _TIMESTAMP:
            return node.value  # a date is fine as text (a title, a version label); never a datetime
        try:
            return self._scalars.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            return self._drop(line, loc, f"unreadable value: {exc}")

    def _drop(self, line: int, loc: Loc, message: str) -> None:
        self.errors.append((line, loc, message))
        self.dropped.append(loc)

    def line_of(self, loc: Loc) -> int:
        """Line of the node at loc, or of its nearest ancestor present in the document."""
        while loc and loc not in self.lines:
            loc = loc[:-1]
        return self.lines.get(loc, 1)

    def located(self, file: str) -> list[LocatedError]:
        return [LocatedError(file, line, format_path(loc), message) for line, loc, message in self.errors]


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


def _show(value: Any, raw: str | None) -> str:
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


def _describe(err: Any, loc: Loc, data: Any, builder: _Builder, root: type[BaseModel]) -> tuple[Loc, str]:
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
        message = f"expected {_EXPECTED[kind]}, got {_show(value, builder.raw.get(loc))}"
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
        msg += f", got {_show(value, builder.raw.get(loc))}"
    return loc, msg


def _under(loc: Loc, prefixes: list[Loc]) -> bool:
    return any(loc[: len(p)] == p for p in prefixes)


def _from_validation(
    exc: ValidationError, data: Any, builder: _Builder, file: str, root: type[BaseModel] = Questionnaire
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


# ----- reading -------------------------------------------------------------------------------


def _decode(text: str | bytes, file: str) -> str:
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise QuestionnaireError(
                [LocatedError(file, 1, ROOT, f"file is {len(text):,} bytes; the limit is {MAX_BYTES:,}")]
            )
        raw = text
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            message = f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save the file as UTF-8"
            raise QuestionnaireError([LocatedError(file, line, ROOT, message)]) from None
    if len(text) > MAX_BYTES:
        raise QuestionnaireError(
            [LocatedError(file, 1, ROOT, f"file is {len(text):,} characters; the limit is {MAX_BYTES:,}")]
        )
    return text.removeprefix("\ufeff")


_HINTS = {
    "mapping values are not allowed here": " (check the indentation, or quote a value that contains ': ')",
    "mapping values are not allowed in this context": " (check the indentation, or quote a value that contains ': ')",
    "could not find expected ':'": " (check the indentation, or quote a value that contains ': ')",
}


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, file: str) -> LocatedError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    problem = exc.problem or "invalid YAML"
    lines = text.splitlines()
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in source[: len(source) - len(source.lstrip())]:
        return LocatedError(file, line, ROOT, "YAML syntax error: a tab character cannot be used for indentation")
    if problem == "exceeded maximum nesting depth":  # libyaml's own cap, below ours
        return LocatedError(file, line, ROOT, f"nesting is deeper than {MAX_DEPTH} levels")
    if problem == "but found another document":
        return LocatedError(file, line, ROOT, "a file holds one questionnaire; remove the second document ('---')")
    detail = _HINTS.get(problem, "")
    if exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
        detail += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
    return LocatedError(file, line, ROOT, f"YAML syntax error: {problem}{detail}")


def _compose(text: str, file: str) -> yaml.Node | None:
    loader = None
    try:
        loader = _Composer(text)
        return loader.get_single_node()
    except _Abort as exc:
        raise QuestionnaireError([LocatedError(file, exc.line, exc.path, exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        raise QuestionnaireError([_syntax_error(exc, text, file)]) from None
    except yaml.reader.ReaderError as exc:
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        # Find the character itself: libyaml reports a byte offset, the Python reader a character offset.
        line = text.count("\n", 0, max(text.find(chr(code)), 0)) + 1
        message = f"control character U+{code:04X} is not allowed in YAML"
        raise QuestionnaireError([LocatedError(file, line, ROOT, message)]) from None
    except yaml.YAMLError as exc:
        raise QuestionnaireError([LocatedError(file, 1, ROOT, f"YAML error: {exc}")]) from None
    finally:
        if loader is not None:
            loader.dispose()


def _read(text: str | bytes, file: str) -> tuple[Any, _Builder]:
    """Like read_document, but leaves recoverable problems in builder.errors for validate_document."""
    text = _decode(text, file)
    node = _compose(text, file)
    if node is None:
        empty = "file is empty" if not text.strip() else "file has no content, only comments"
        raise QuestionnaireError([LocatedError(file, 1, ROOT, empty)])
    builder = _Builder()
    try:
        data = builder.build(node, ())
    except _Abort as exc:
        raise QuestionnaireError([LocatedError(file, exc.line, exc.path, exc.message)]) from None
    return data, builder


def read_document(text: str | bytes, file: str = "<string>") -> tuple[Any, _Builder]:
    """Safely parse YAML into plain data plus a line map; raise QuestionnaireError on any problem."""
    data, builder = _read(text, file)
    if builder.errors:
        raise QuestionnaireError(_sorted(builder.located(file)))
    return data, builder


def _sorted(errors: list[LocatedError]) -> list[LocatedError]:
    unique = list(dict.fromkeys(errors))  # the same problem can surface twice (field and raw pass)
    return sorted(unique, key=lambda e: e.line)


def validate_document(model: type[M], data: Any, builder: _Builder, file: str) -> M:
    """Validate plain data against a strict model; errors carry the YAML lines."""
    errors = builder.located(file)
    if not isinstance(data, dict):
        keys = ", ".join(list(model.model_fields)[:3])
        line = builder.line_of(())
        errors.append(
            LocatedError(file, line, ROOT, f"expected a mapping with keys {keys}, …; got {_show(data, None)}")
        )
        raise QuestionnaireError(_sorted(errors))
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        raise QuestionnaireError(_sorted(errors + _from_validation(exc, data, builder, file, model))) from None
    if errors:
        raise QuestionnaireError(_sorted(errors))
    return result


def parse(text: str | bytes, file: str = "<string>") -> Questionnaire:
    """Validate a questionnaire document; raise QuestionnaireError listing every problem."""
    data, builder = _read(text, file)
    return validate_document(Questionnaire, data, builder, file)


class NotRegularFile(OSError):
    """The path is a FIFO, a device, a socket or a directory: nothing an operator means as a file."""


_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


def open_regular(path: str | Path) -> int:
    """A read-only descriptor of a regular file; NotRegularFile at once for anything else.

    Opened without blocking, so a FIFO does not wait for a writer (``open()`` would hang until one
    came), and checked with ``fstat`` on the open descriptor, so the check and the read concern the
    same file even if the name is swapped in between.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
            raise NotRegularFile(errno.EINVAL, f"{kind}, not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bounded(path: str | Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; QuestionnaireError (at line 1) otherwise."""
    shown = str(path)
    try:
        with os.fdopen(open_regular(path), "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            raw = b"" if size > limit else handle.read(limit + 1)  # the read is bounded even if it grows
    except OSError as exc:
        raise QuestionnaireError([LocatedError(shown, 1, ROOT, f"cannot read file: {exc.strerror}")]) from None
    if size > limit or len(raw) > limit:
        size = max(size, len(raw))
        raise QuestionnaireError([LocatedError(shown, 1, ROOT, f"file is {size:,} bytes; the limit is {limit:,}")])
    return raw


def load(path: str | Path) -> Questionnaire:
    """Read and validate one questionnaire file (a regular file of at most MAX_BYTES)."""
    return load_with_warnings(path)[0]


def parse_with_warnings(text: str | bytes, file: str = "<string>") -> tuple[Questionnaire, list[LocatedError]]:
    """Like ``parse``, plus located warnings: problems worth a look that do not stop the file loading.

    Today one: ``meta.estimated_minutes`` far from the estimate of ``scoring.estimate``.
    """
    data, builder = _read(text, file)
    q = validate_document(Questionnaire, data, builder, file)
    warnings: list[LocatedError] = []
    message = minutes_warning(q)
    if message:
        loc = ("meta", "estimated_minutes")
        warnings.append(LocatedError(file, builder.line_of(loc), format_path(loc), message))
    return q, warnings


def load_with_warnings(path: str | Path) -> tuple[Questionnaire, list[LocatedError]]:
    """Read and validate one questionnaire file; also return its located warnings."""
    return parse_with_warnings(read_bounded(path), str(path))


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
