"""The PDF's page breaks: no heading (a section's, an area's or a run-in one like "Try this") ends a page alone."""

from __future__ import annotations

import io
import itertools
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from reports.debrief import own_words, quality_notes, scenario_debrief
from reports.pdf import MARGIN, build_pdf
from scoring.engine import score
from scoring.interpret import interpret
from scoring.loader import load
from tests.candidate_support import answer_set
from tests.test_report import FOOTER_ZONE
from tests.test_report_change import At

ROOT = Path(__file__).resolve().parents[1]
FILES = {"en": "strategic-candidate.yaml", "de": "strategic-candidate.de.yaml"}
LEFT = MARGIN * 72 / 25.4 + 12  # points: text starting this near the left margin begins a line of the body
T0 = datetime(2026, 1, 5, tzinfo=UTC)


def page_ends(data: bytes) -> list[tuple[int, str, bool]]:
    """Per page but the last: the lowest line of the body (footer left out), and whether it is a bold line start."""
    out = []
    pages = PdfReader(io.BytesIO(data)).pages
    for number, page in enumerate(pages[:-1], 1):
        lines: list[tuple[float, str, bool]] = []

        def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float, lines: list = lines) -> None:
            y, x = cm[5] + tm[5], cm[4] + tm[4]
            if y > FOOTER_ZONE and text.strip():
                bold = font is not None and "Bold" in str(font.get("/BaseFont", ""))
                lines.append((y, text.strip(), bold and x < LEFT))

        page.extract_text(visitor_text=visit)
        _y, text, heading = min(lines, key=lambda line: line[0])
        out.append((number, text, heading))
    return out


def answer_sets(q: Any) -> dict[str, dict[str, Any]]:
    sets = {k: answer_set(q, k) for k in ("strategic", "tactical", "neutral")}
    rng = random.Random(7)
    for i in range(2):
        sets[f"mixed{i}"] = {item: rng.choice([s[item] for s in sets.values()]) for item in sets["neutral"]}
    return sets


@pytest.mark.parametrize("lang", ["en", "de"])
def test_no_page_ends_with_a_heading(lang: str) -> None:
    q = load(ROOT / "questions" / FILES[lang])
    stranded = []
    for (kind, answers), notes, full in itertools.product(
        answer_sets(q).items(), ([], ["straight_lining", "speeding"]), (False, True)
    ):
        reading = interpret(q, score(q, answers), lang=lang)
        extra: dict[str, Any] = {}
        if full:  # every optional section: scenarios, own words, change over time
            extra = {
                "debrief": scenario_debrief(q, answers),
                "own_words": own_words(q, {"next_conversation": "More responsibility, sooner. " * 6}),
                "history": [
                    At(T0, 30.0, {d.id: 30.0 for d in q.dimensions}),
                    At(T0 + timedelta(days=60), reading.overall, {d.id: 50.0 for d in q.dimensions}),
                ],
            }
        data = build_pdf(
            q,
            reading,
            result_url="https://radar.example/result?token=abc",
            percentile=None,
            created=datetime(2026, 12, 1, tzinfo=UTC),
            notes=quality_notes(notes, lang=lang),
            lang=lang,
            **extra,
        )
        stranded += [(kind, notes, full, page, text) for page, text, heading in page_ends(data) if heading]
    assert stranded == []


def test_the_profile_heading_stays_with_its_chart_in_german() -> None:
    """The case the review found: neutral answers with two answering-style notes put the heading at a page foot."""
    q = load(ROOT / "questions" / FILES["de"])
    reading = interpret(q, score(q, answer_set(q, "neutral")), lang="de")
    data = build_pdf(
        q,
        reading,
        result_url="https://radar.example/result?token=abc",
        percentile=None,
        created=datetime(2026, 12, 1, tzinfo=UTC),
        notes=quality_notes(["straight_lining", "speeding"], lang="de"),
        lang="de",
    )
    ends = page_ends(data)
    assert "Ihr Profil, Bereich für Bereich" not in [text for _, text, _ in ends]
    assert [page for page, _, heading in ends if heading] == []
