"""YAML → Questionnaire, with every problem reported as ``FILE:LINE: PATH: message``.

The steps live in their own modules: ``scoring.yamlread`` reads the YAML safely into plain data
with the line of every node; pydantic validates it (``scoring.models``), and ``scoring.fielderrors``
turns its errors into located messages; ``scoring.located`` holds the error type they share. This
module opens files (regular files only, bounded in size) and puts the steps together.

All problems of a file are reported at once: duplicate keys and refused tags are collected while
building, and the cross-field checks also run on the raw document when field errors stop
pydantic before the model's own cross-field validator (see ``crossfield.cross_field_problems``).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from scoring import translations
from scoring.estimate import minutes_warning
from scoring.fielderrors import from_validation, show_value
from scoring.located import ROOT, format_path, sort_errors
from scoring.located import LocatedError as LocatedError  # re-exported: the app, the CLI and tests import these here
from scoring.located import QuestionnaireError as QuestionnaireError
from scoring.located import one_line as one_line
from scoring.models import Questionnaire
from scoring.translations import Source, primary_language
from scoring.yamlread import MAX_BYTES, Builder, read_raw

M = TypeVar("M", bound=BaseModel)


def validate_document(model: type[M], data: Any, builder: Builder, file: str) -> M:
    """Validate plain data against a strict model; errors carry the YAML lines."""
    errors = builder.located(file)
    if not isinstance(data, dict):
        keys = ", ".join(list(model.model_fields)[:3])
        line = builder.line_of(())
        errors.append(
            LocatedError(file, line, ROOT, f"expected a mapping with keys {keys}, …; got {show_value(data, None)}")
        )
        raise QuestionnaireError(sort_errors(errors))
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        raise QuestionnaireError(sort_errors(errors + from_validation(exc, data, builder, file, model))) from None
    if errors:
        raise QuestionnaireError(sort_errors(errors))
    return result


def parse(text: str | bytes, file: str = "<string>") -> Questionnaire:
    """Validate a questionnaire document; raise QuestionnaireError listing every problem."""
    data, builder = read_raw(text, file)
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
    q, warnings, _builder = _parse_located(text, file)
    return q, warnings


def _parse_located(text: str | bytes, file: str) -> tuple[Questionnaire, list[LocatedError], Builder]:
    data, builder = read_raw(text, file)
    q = validate_document(Questionnaire, data, builder, file)
    warnings: list[LocatedError] = []
    message = minutes_warning(q)
    if message:
        loc = ("meta", "estimated_minutes")
        warnings.append(LocatedError(file, builder.line_of(loc), format_path(loc), message))
    return q, warnings, builder


def load_with_warnings(path: str | Path) -> tuple[Questionnaire, list[LocatedError]]:
    """Read and validate one questionnaire file; also return its located warnings."""
    return parse_with_warnings(read_bounded(path), str(path))


def load_source(path: str | Path) -> tuple[Source, list[LocatedError]]:
    """Read and validate one questionnaire file, keeping its line map (to locate translation drifts); and warnings."""
    q, warnings, builder = _parse_located(read_bounded(path), str(path))
    return Source(str(path), q, builder), warnings


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


Library = dict[str, dict[str, Questionnaire]]


def load_library(directory: str | Path) -> tuple[Library, list[LocatedError]]:
    """Every valid questionnaire in a folder by id and language (``<id>.yaml``, ``<id>.<lang>.yaml``), plus problems.

    One id may have a file per language; two files with the same id and language are a mistake (the
    second is reported and left out). A translation whose scoring key differs from its primary's
    (``scoring.translations``) is reported drift by drift and left out, like an invalid file: its
    responses would otherwise pool with an instrument that scores differently.
    """
    sources: dict[str, dict[str, Source]] = {}
    errors: list[LocatedError] = []
    for path in questionnaire_files([directory]):
        try:
            source, _warnings = load_source(path)
        except QuestionnaireError as exc:
            errors.extend(exc.errors)
            continue
        q = source.questionnaire
        languages = sources.setdefault(q.meta.id, {})
        if q.meta.language in languages:
            message = f"questionnaire id '{q.meta.id}' in language '{q.meta.language}' is used by another file"
            errors.append(LocatedError(str(path), 1, "meta.id", message))
            continue
        languages[q.meta.language] = source
    drifting = translations.check([s for languages in sources.values() for s in languages.values()])
    for problems in drifting.values():
        errors.extend(problems)
    found: Library = {
        qid: {lang: s.questionnaire for lang, s in languages.items() if s.file not in drifting}
        for qid, languages in sources.items()
    }
    return found, errors


def primary(languages: dict[str, Questionnaire]) -> Questionnaire:
    """The version a questionnaire's translations are checked against: English if there is one, else the first."""
    return languages[primary_language(list(languages))]


def load_catalogue(directory: str | Path) -> tuple[dict[str, Questionnaire], list[LocatedError]]:
    """Every valid questionnaire in a folder by id (its primary language), plus the problems of the invalid ones."""
    library, errors = load_library(directory)
    return {qid: primary(languages) for qid, languages in library.items()}, errors
