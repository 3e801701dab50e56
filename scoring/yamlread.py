"""Safe YAML → plain data, remembering the line of every node.

Only PyYAML's *safe* composer is used and the Python objects are built here from the node tree,
which lets us (a) remember the line of every node, (b) reject duplicate mapping keys instead of
silently keeping the last, (c) cap nesting depth, alias expansion ("billion laughs") and the number
of nodes, and (d) refuse any tag outside plain YAML (``!!python/object`` and friends).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from scoring.located import ROOT, Loc, LocatedError, QuestionnaireError, format_path, sort_errors

MAX_BYTES = 1_000_000
# Nodes composed, and nodes visited while building with aliases counted each time they expand.
# A questionnaire has a few thousand; composing costs ~20 µs a node, so this also bounds the time.
MAX_NODES = 20_000
MAX_DEPTH = 64  # nesting levels; a questionnaire needs about 8

_YAML = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}
_TIMESTAMP = _YAML + "timestamp"
_MERGE = _YAML + "merge"

# Control characters (C0, DEL, C1) other than a tab and a line break, which text may hold.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class _Abort(Exception):
    """A problem after which nothing more can be read from the document."""

    def __init__(self, line: int, path: str, message: str) -> None:
        self.line, self.path, self.message = line, path, message


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


class Builder:
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


def read_raw(text: str | bytes, file: str) -> tuple[Any, Builder]:
    """Like read_document, but leaves recoverable problems in builder.errors for validate_document."""
    text = _decode(text, file)
    node = _compose(text, file)
    if node is None:
        empty = "file is empty" if not text.strip() else "file has no content, only comments"
        raise QuestionnaireError([LocatedError(file, 1, ROOT, empty)])
    builder = Builder()
    try:
        data = builder.build(node, ())
    except _Abort as exc:
        raise QuestionnaireError([LocatedError(file, exc.line, exc.path, exc.message)]) from None
    return data, builder


def read_document(text: str | bytes, file: str = "<string>") -> tuple[Any, Builder]:
    """Safely parse YAML into plain data plus a line map; raise QuestionnaireError on any problem."""
    data, builder = read_raw(text, file)
    if builder.errors:
        raise QuestionnaireError(sort_errors(builder.located(file)))
    return data, builder
