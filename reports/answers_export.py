"""A candidate's own answers and scores as CSV (for a spreadsheet) and JSON (for a program).

The CSV has three blocks separated by a blank row: one row per question (id, section, question,
answer value, answer label, dimension, reverse-keyed; a claim item has its raw answer and scale label
and no dimension, as it is never scored), then the scores, then the questionnaire's
identity. Every text cell goes through ``scoring.csvsafe.safe_cell``, so an answer such as
``=HYPERLINK(...)`` reaches the spreadsheet as text, never as a formula. The CSV is UTF-8 with a
byte-order mark so Excel shows "–" and non-Latin text correctly. ``answers_csv(..., lang="de")`` writes
the headers and yes/no in German; ids and numbers stay as they are (a dot decimal, comma-separated), so
the file reads the same way in any language. The JSON is for programs: its keys never change.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

import i18n
from i18n import Translate
from scoring.answers import is_blank
from scoring.csvsafe import safe_cell
from scoring.models import Band, ChoiceItem, ClaimItem, LikertItem, Questionnaire, Result, TextItem

ITEM_COLUMNS = ["item_id", "section", "question", "answer", "answer_label", "dimension", "reverse_keyed"]
SCORE_COLUMNS = ["dimension", "name", "score", "band", "answered_items", "scored_items"]
META_COLUMNS = ["questionnaire_id", "version", "title", "content_hash"]
JSON_FORMAT = "career-radar.answers/1"


def _headings(_: Translate) -> dict[str, str]:
    """The CSV header of each column in one language (English: the column names themselves)."""
    return {
        "item_id": _("item_id"),
        "section": _("section"),
        "question": _("question"),
        "answer": _("answer"),
        "answer_label": _("answer_label"),
        "dimension": _("dimension"),
        "reverse_keyed": _("reverse_keyed"),
        "name": _("name"),
        "score": _("score"),
        "band": _("band"),
        "answered_items": _("answered_items"),
        "scored_items": _("scored_items"),
        "questionnaire_id": _("questionnaire_id"),
        "version": _("version"),
        "title": _("title"),
        "content_hash": _("content_hash"),
    }


def _check(q: Questionnaire, result: Result) -> None:
    if result.questionnaire_id != q.meta.id or result.content_hash != q.content_hash:
        raise ValueError(
            f"result is for {result.questionnaire_id} ({result.content_hash[:12]}), not {q.meta.id} ({q.short_hash})"
        )


def _label(q: Questionnaire, item: LikertItem | ChoiceItem | ClaimItem | TextItem, value: Any) -> str:
    if is_blank(value):
        return ""
    if isinstance(item, (LikertItem, ClaimItem)):
        point = next((p for p in q.scales[item.scale].points if p.value == value), None)
        return point.label if point else ""
    if isinstance(item, ChoiceItem):
        option = item.option(str(value))
        return option.label if option else ""
    return ""


def _score(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _band_label(bands: Sequence[Band], band_id: str | None) -> str:
    return next((b.label for b in bands if b.id == band_id), "")


def answer_rows(q: Questionnaire, answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One dict per question in questionnaire order (unanswered questions have a blank answer)."""
    rows = []
    for section in q.sections:
        for item in section.items:
            value = answers.get(item.id)
            value = None if is_blank(value) else value
            rows.append(
                {
                    "item_id": item.id,
                    "section": section.title,
                    "question": item.text,
                    "answer": value,
                    "answer_label": _label(q, item, value),
                    "dimension": ";".join(item.dimensions()),  # none for claim and free-text items
                    "reverse_keyed": isinstance(item, LikertItem) and item.reverse,
                }
            )
    return rows


def _cell(value: Any, _: Translate = str) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return safe_cell(value)


def answers_csv(q: Questionnaire, answers: Mapping[str, Any], result: Result, *, lang: str = "en") -> bytes:
    """The candidate's answers, scores and questionnaire identity as formula-safe UTF-8 CSV bytes.

    ``lang`` sets the headers and our own words (yes/no, "Overall"); item ids, band ids and numbers stay
    as they are, so a program reads any language's file the same way.
    """
    _check(q, result)
    _ = i18n.translator(lang)
    heading = _headings(_)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([heading[c] for c in ITEM_COLUMNS])
    for row in answer_rows(q, answers):
        writer.writerow([_cell(row[c], _) for c in ITEM_COLUMNS])
    writer.writerow([])
    writer.writerow([heading[c] for c in SCORE_COLUMNS])
    for dim in q.dimensions:
        ds = result.dimensions[dim.id]
        writer.writerow(
            [
                _cell(dim.id),
                _cell(dim.name),
                _cell(_score(ds.score)),
                _cell(_band_label(q.bands.dimension, ds.band)),
                ds.answered,
                ds.total,
            ]
        )
    writer.writerow(
        [
            "overall",
            _("Overall"),
            _cell(_score(result.overall)),
            _cell(_band_label(q.bands.overall, result.band)),
            "",
            "",
        ]
    )
    writer.writerow([])
    writer.writerow([heading[c] for c in META_COLUMNS])
    writer.writerow([_cell(q.meta.id), _cell(q.meta.version), _cell(q.meta.title), _cell(q.content_hash)])
    return buffer.getvalue().encode("utf-8-sig")


def answers_json(q: Questionnaire, answers: Mapping[str, Any], result: Result) -> bytes:
    """The candidate's answers and scores as UTF-8 JSON bytes (answers keyed by item id, in order)."""
    _check(q, result)
    ordered = {item.id: answers[item.id] for item in q.items() if not is_blank(answers.get(item.id))}
    document = {
        "format": JSON_FORMAT,
        "questionnaire": {
            "id": q.meta.id,
            "version": q.meta.version,
            "title": q.meta.title,
            "content_hash": q.content_hash,
        },
        "answers": ordered,
        "items": answer_rows(q, answers),
        "scores": {
            dim.id: {
                "name": dim.name,
                "score": _score(result.dimensions[dim.id].score),
                "band": result.dimensions[dim.id].band,
                "band_label": _band_label(q.bands.dimension, result.dimensions[dim.id].band) or None,
                "answered_items": result.dimensions[dim.id].answered,
                "scored_items": result.dimensions[dim.id].total,
            }
            for dim in q.dimensions
        },
        "overall": {
            "score": _score(result.overall),
            "band": result.band,
            "band_label": _band_label(q.bands.overall, result.band) or None,
            "near_boundary": result.near_boundary,
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
