"""The PDF's change-over-time section: present from two attempts on, with every measure and its sentence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from reports.change import summarise
from scoring.interpret import interpret
from scoring.models import Questionnaire
from tests.test_interpret import BANK, MINIMAL, cached, make_result
from tests.test_report import CREATED, body_text, build, squash


@dataclass(frozen=True)
class At:
    submitted_at: datetime
    overall: float | None
    dimension_scores: dict[str, float | None]


def test_the_pdf_shows_change_over_time_only_with_a_history() -> None:
    q: Questionnaire = cached(BANK if BANK.exists() else MINIMAL)
    first = {d.id: 30.0 + 3 * i for i, d in enumerate(q.dimensions)}
    last = {d.id: 70.0 - 2 * i for i, d in enumerate(q.dimensions)}
    last[q.dimensions[-1].id] = first[q.dimensions[-1].id] + 1  # within noise
    t0 = datetime(2025, 1, 6, 9, tzinfo=UTC)
    history = [
        At(t0, 33.0, first),
        At(t0 + timedelta(days=40), 48.0, dict(first)),
        At(t0 + timedelta(days=90), 66.0, last),
    ]
    reading = interpret(q, make_result(q, last))
    plain = body_text(build(q, reading))
    assert "Your change over time" not in plain
    assert "Your change over time" not in body_text(build(q, reading, history=history[:1]))
    text = squash(body_text(build(q, reading, history=history, created=CREATED)))
    assert squash("Your change over time") in text
    assert squash("Attempt 1 · 2025-01-06 · overall 33") in text and squash("Attempt 3 · 2025-04-06") in text
    for change in summarise(q, history).first_to_last:
        assert squash(change.sentence) in text, change.sentence
    assert squash("is within what this questionnaire treats as noise") in text
    for d in q.dimensions:
        assert squash(f"{first[d.id]:.0f} → {last[d.id]:.0f}") in text
