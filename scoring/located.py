"""Located problems: ``FILE:LINE: PATH: message`` lines, and the paths they name.

Shared by the YAML reader (``scoring.yamlread``), the validation messages (``scoring.fielderrors``)
and the loader; the CLI and the app print them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

ROOT = "(root)"
Loc = tuple[str | int, ...]


def one_line(text: str) -> str:
    """Escape control, format and separator characters so a name or message prints as one inert line.

    A key may hold a newline, and a file name may hold a terminal escape sequence (``\x1b[2J``) or a
    right-to-left override: printed raw, either could rewrite what the operator sees.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass(frozen=True)
class LocatedError:
    """One problem: ``str()`` gives ``FILE:LINE: PATH: message`` on a single line."""

    file: str
    line: int
    path: str
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "file", one_line(str(self.file)))
        object.__setattr__(self, "path", one_line(self.path))
        object.__setattr__(self, "message", one_line(self.message))

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.path}: {self.message}"


class QuestionnaireError(Exception):
    """All the problems of one file; ``str()`` gives one line per problem."""

    def __init__(self, errors: list[LocatedError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


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


def sort_errors(errors: list[LocatedError]) -> list[LocatedError]:
    """By line, each problem once."""
    unique = list(dict.fromkeys(errors))  # the same problem can surface twice (field and raw pass)
    return sorted(unique, key=lambda e: e.line)
