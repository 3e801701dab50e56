"""``python -m scoring validate``: every file checked, then every translation against its original.

Kept apart from ``scoring.cli`` (which wires it) so the command stays readable; exit codes are in the
CLI's docstring. Loads YAML and pydantic only, never pandas, numpy or scipy.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TextIO

from scoring import translations
from scoring.loader import LocatedError, QuestionnaireError, load_source, one_line, questionnaire_files
from scoring.translations import Source

log = logging.getLogger("career_radar.cli")


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Validate questionnaire files and their translations; 'ok' per valid file, located errors otherwise."""
    failed = False
    seen: dict[tuple[str, str], str] = {}  # (id, language) → file: one file per id and language
    loaded: list[tuple[Source, list[LocatedError]]] = []
    for given in args.paths:
        files = questionnaire_files([given])
        if Path(given).is_dir() and not files:
            print(f"{one_line(given)}: no questionnaire files (*.yaml, *.yml) found", file=err)
            failed = True
        for path in files:
            shown = one_line(str(path))  # a file name may hold terminal escapes: never print it raw
            try:
                source, warnings = load_source(path)
            except QuestionnaireError as exc:
                print(str(exc), file=err)  # LocatedError escapes the name and the message
                failed = True
                continue
            except Exception as exc:
                # A catch-all on purpose: the loader turns every problem it knows into QuestionnaireError, so
                # this is a loader bug. The user gets one located line and the other files are still checked;
                # the traceback goes to the log at DEBUG (a terminal tool must not print one unasked).
                log.debug("validating %s failed unexpectedly", shown, exc_info=True)
                print(f"{shown}:1: (root): unexpected {type(exc).__name__}: {one_line(str(exc))}", file=err)
                failed = True
                continue
            q = source.questionnaire
            key = (q.meta.id, q.meta.language)
            if key in seen and seen[key] != str(path):
                other = one_line(seen[key])
                taken = f"questionnaire id '{q.meta.id}' in language '{q.meta.language}'"
                print(f"{shown}:1: meta.id: {taken} is also used by {other}", file=err)
                failed = True
                continue
            seen[key] = str(path)
            loaded.append((source, warnings))
    # Translations against their original (English; see scoring.translations), once every file is read.
    drifting = translations.check(translations.with_originals([s for s, _ in loaded], lambda p: load_source(p)[0]))
    for source, warnings in loaded:
        for warning in warnings:  # printed, but a warning alone never fails validation
            print(str(warning), file=err)
        q = source.questionnaire
        if source.file in drifting:
            print("\n".join(str(e) for e in drifting[source.file]), file=err)
            failed = True
            continue
        print(f"ok {one_line(source.file)} ({q.meta.id} {q.meta.version} {q.short_hash})", file=out)
    return 1 if failed else 0
