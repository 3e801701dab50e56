"""The PDF's "change over time" section (``reports.pdf`` calls it when the result follows earlier attempts).

One row per measure (overall, then each dimension) on a 0–100 track split at its band edges, a hollow dot
at the first attempt and a filled one at this result joined by a line, the two scores written at the end;
then every attempt by date and the plain sentences of ``reports.change`` (noise said as noise).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import i18n
from reports.change import OVERALL, Scores, band_label, summarise
from reports.charts import band_colour
from scoring.models import Band, Questionnaire

if TYPE_CHECKING:
    from reports.pdf import _Doc

INK = (31, 35, 40)
MUTED = (87, 96, 106)
LINE = (0, 114, 178)


def _rgb(colour: str) -> tuple[int, int, int]:
    h = colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _row(pdf: _Doc, name: str, bands: Sequence[Band], before: float | None, after: float | None) -> None:
    """One measure: its name, the banded track, the first and the latest score."""
    size, bar_h, label_w, value_w = 9.5, 4.0, 48.0, 20.0
    lines = pdf.lines_of(name, label_w - 2, size)
    row_h = max(bar_h + 4, len(lines) * size * 0.42 + 2)
    if pdf.will_page_break(row_h):
        pdf.add_page()
    y = pdf.get_y()
    x0 = pdf.l_margin + label_w
    bar_w = pdf.epw - label_w - value_w

    def at(v: float) -> float:
        return x0 + bar_w * v / 100.0

    pdf.set_font("DejaVu", "", size)
    pdf.set_text_color(*INK)
    for k, line in enumerate(lines):
        pdf.text(pdf.l_margin, y + size * 0.42 * (k + 0.78) + 0.5, line)
    by = y + (row_h - bar_h) / 2
    for i, band in enumerate(bands):
        # The band colours, lightened: the dots and line stay the strongest marks on the row.
        r, g, b = _rgb(band_colour(i))
        pdf.set_fill_color(255 - (255 - r) // 5, 255 - (255 - g) // 5, 255 - (255 - b) // 5)
        pdf.rect(at(band.min), by, at(band.max) - at(band.min), bar_h, style="F")
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.2)
    for band in bands[1:]:
        pdf.line(at(band.min), by - 0.8, at(band.min), by + bar_h + 0.8)
    mid = by + bar_h / 2
    if before is not None and after is not None:
        pdf.set_draw_color(*LINE)
        pdf.set_line_width(0.6)
        pdf.line(at(before), mid, at(after), mid)
    pdf.set_line_width(0.4)
    if before is not None:
        pdf.set_draw_color(*LINE)
        pdf.set_fill_color(255, 255, 255)
        pdf.ellipse(at(before) - 1.3, mid - 1.3, 2.6, 2.6, style="DF")
    if after is not None:
        pdf.set_fill_color(*LINE)
        pdf.ellipse(at(after) - 1.5, mid - 1.5, 3.0, 3.0, style="F")
    shown = f"{'–' if before is None else f'{before:.0f}'} → {'–' if after is None else f'{after:.0f}'}"
    pdf.set_font("DejaVu", "B", size)
    pdf.text(at(100) + 2, mid + 1.2, shown)
    pdf.set_line_width(0.2)
    pdf.set_y(y + row_h + 1)


def change_section(pdf: _Doc, q: Questionnaire, history: Sequence[Scores], lang: str = "en") -> None:
    """Change since the first attempt: the banded rows, the attempts by date, and the sentences."""
    if len(history) < 2:
        return
    _ = i18n.translator(lang)
    summary = summarise(q, history, lang)
    first, last = history[0], history[-1]
    pdf.heading(_("Your change over time"))
    pdf.para(
        _(
            "You have taken this questionnaire {count} times. Hollow dot: your first attempt ({first}); filled "
            "dot: this result ({last}). The shaded stretches are the bands."
        ).format(count=len(history), first=f"{first.submitted_at:%Y-%m-%d}", last=f"{last.submitted_at:%Y-%m-%d}"),
        size=9.5,
        colour=MUTED,
        after=2,
    )
    for c in summary.first_to_last:
        bands = q.bands.overall if c.measure == OVERALL else q.bands.dimension
        _row(pdf, c.name, bands, c.before, c.after)
    pdf.ln(1)
    attempts = []
    for number, attempt in enumerate(history, 1):
        score = "–" if attempt.overall is None else f"{attempt.overall:.0f}"
        band = band_label(q.bands.overall, attempt.overall)
        attempts.append(
            _("Attempt {number} · {date} · overall {score}{band}").format(
                number=number, date=f"{attempt.submitted_at:%Y-%m-%d}", score=score, band=f" ({band})" if band else ""
            )
        )
    pdf.bullets(attempts, size=9.5)
    pdf.bullets(
        [c.sentence for c in summary.first_to_last], lead=_("From your first attempt to this one"), lead_size=10.5
    )
