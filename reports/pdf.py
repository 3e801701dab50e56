"""The candidate's PDF report, built with fpdf2 and nothing else (no browser, no kaleido).

Charts are drawn with fpdf2 primitives from the same palette as ``reports.charts``; text goes
through ``multi_cell`` with automatic page breaks so nothing is cut off; every string is written
as plain text (no ``write_html``, no markdown), so whatever a candidate or recruiter typed is never
interpreted. A Unicode TTF shipped in ``reports/fonts`` makes "–", "’", "≥", "ä ß „“" and non-Latin
names work on a fresh machine. ``lang`` picks the language of our own words and dates (``i18n``); the
questionnaire's text comes from the questionnaire, which is already in its language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import cast

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont
from fpdf.util import Padding

import i18n
from i18n.formats import decimal, long_date
from reports.change import Scores
from reports.charts import BAND_COLOURS, band_colour, band_index, text_colour_on
from reports.debrief import OwnWords, ScenarioDebrief
from reports.pdf_geometry import label_x
from reports.sentences import NOTICE, PERCENTILE_MIN, notice, percentile_sentence  # noqa: F401 (NOTICE: re-exported)
from scoring.interpret import DimensionReading, Interpretation
from scoring.models import Band, Questionnaire

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"

PAGE_COUNT_ALIAS = "\ue000nb\ue000"  # private-use characters DejaVu lacks: ``clean`` turns them into �

# Layout in millimetres (A4 is 210 × 297).
MARGIN = 18.0
BODY = 10.5  # pt
LINE = 5.2  # mm per body line
INK = (31, 35, 40)
MUTED = (87, 96, 106)
TRACK = ((238, 241, 244), (225, 230, 235))
NOTICE_FILL = (246, 248, 250)
CHOSEN_FILL = (232, 240, 254)

# C0/C1 controls, zero-width characters and bidi overrides: none belongs in a report, and an
# override in a typed name could make the text display differently from what it says.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def _rgb(colour: str) -> tuple[int, int, int]:
    h = colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


class _Doc(FPDF):
    """A4 document with the Unicode font registered and a footer naming the questionnaire version."""

    def __init__(self, footer_text: str, lang: str = "en") -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.words = lang  # our own text's language (``FPDF.lang`` is the document's, set by set_lang)
        self._ = i18n.translator(lang)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + 4)
        # fpdf2 replaces its page-count alias ("{nb}" by default) anywhere in the text, so a typed
        # "{nb}" would become a number; a private-use alias cannot survive ``clean``.
        self.alias_nb_pages(PAGE_COUNT_ALIAS)
        self.set_font(FONT, size=BODY)
        font = self.fonts[FONT.lower()]
        if not isinstance(font, TTFFont):  # add_font above registers a TrueType font under this name
            raise TypeError(f"{FONT} is not a TrueType font")
        self._cmap = font.cmap

    def footer(self) -> None:
        self.set_y(-MARGIN + 3)
        self.set_font(FONT, size=7.5)
        self.set_text_color(*MUTED)
        # multi_cell, not cell: a long questionnaire title wraps instead of running off the page.
        # The page count is an alias fpdf2 fills in at the end, so it goes in after ``clean``.
        before, _sep, after = self._("page {page} of {pages}").partition("{pages}")
        page = self.clean(f"{self.footer_text} · {before.format(page=self.page_no())}")
        self.multi_cell(0, 3.4, page + PAGE_COUNT_ALIAS + self.clean(after.format(page=self.page_no())), align="C")

    # ----- text ------------------------------------------------------------------------------

    def clean(self, text: str) -> str:
        """Plain printable text: controls and bidi overrides dropped, glyphs the font lacks shown as �."""
        text = unicodedata.normalize("NFC", str(text)).replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n")
        text = _CONTROL.sub("", text)
        # fpdf2 silently drops a glyph the font lacks (e.g. CJK in DejaVu); a visible mark is more honest.
        return "".join(c if c == "\n" or ord(c) in self._cmap else "\ufffd" for c in text)

    def para(
        self,
        text: str,
        *,
        size: float = BODY,
        bold: bool = False,
        colour: tuple[int, int, int] = INK,
        indent: float = 0.0,
        after: float = 1.5,
        link: str | None = None,
    ) -> None:
        """A wrapped paragraph; page breaks happen inside it when needed."""
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*colour)
        self.set_x(self.l_margin + indent)
        self.multi_cell(
            self.epw - indent,
            size * 0.5,
            self.clean(text),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            link=link,
        )
        self.ln(after)

    def keep(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit on this one."""
        if self.will_page_break(height):
            self.add_page()

    def heading_height(self, text: str, size: float = 14) -> float:
        """What ``heading`` takes on the page (mm), wrapped lines included."""
        return 2 + len(self.lines_of(text, self.epw, size, bold=True)) * size * 0.5 + 1.5

    def heading(self, text: str, *, size: float = 14, keep: float = 24.0) -> None:
        """A bold heading that moves to a new page rather than sit alone at the bottom of one.

        ``keep`` is what must follow it on the same page (mm): at least the first block's own keep-together
        height, or that block would move on alone and strand the heading.
        """
        self.keep(self.heading_height(text, size) + keep)
        self.ln(2)
        self.para(text, size=size, bold=True, after=1.5)

    def bullet_height(self, item: str, *, indent: float = 0.0, size: float = BODY) -> float:
        """What a bullet needs on its page (mm): a short one whole, a long one (over a quarter page) a line."""
        height = len(self.lines_of(item, self.epw - indent - 5, size)) * size * 0.5
        return height if height < self.eph / 4 else size * 0.5

    def bullets(
        self, items: list[str], *, indent: float = 0.0, size: float = BODY, lead: str = "", lead_size: float = 9.5
    ) -> None:
        """A bullet list with hanging indents, after an optional bold ``lead`` ("Try this") kept with its first item."""
        if lead:
            first = self.bullet_height(items[0], indent=indent, size=size) if items else 0.0
            self.keep(len(self.lines_of(lead, self.epw, lead_size, bold=True)) * lead_size * 0.5 + 0.8 + first)
            self.para(lead, size=lead_size, bold=True, after=0.8 if lead_size > BODY else 0.5)
        for item in items:
            # A short bullet moves to the next page whole rather than leave its last line behind.
            if self.will_page_break(self.bullet_height(item, indent=indent, size=size)):
                self.add_page()
            self.set_font(FONT, "", size)
            self.set_text_color(*INK)
            y = self.get_y()
            self.set_xy(self.l_margin + indent, y)
            self.cell(5, size * 0.5, "•")
            self.para(item, size=size, indent=indent + 5, after=0.8)

    def boxed(
        self, text: str, *, fill: tuple[int, int, int] = NOTICE_FILL, size: float = 9.5, bold: bool = False
    ) -> None:
        """A shaded paragraph (notes, the candidate's choice); it breaks across pages like any other."""
        self.set_fill_color(*fill)
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*INK)
        self.multi_cell(
            self.epw, size * 0.5, self.clean(text), align="L", fill=True, padding=Padding.new(2.5),
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )  # fmt: skip
        self.ln(1.5)

    def lines_of(self, text: str, width: float, size: float, *, bold: bool = False) -> list[str]:
        """How ``text`` wraps in ``width`` mm (a dry run; nothing is drawn)."""
        self.set_font(FONT, "B" if bold else "", size)
        lines = self.multi_cell(width, size * 0.5, self.clean(text), dry_run=True, output="LINES")
        return cast(list[str], lines)  # output="LINES" returns the wrapped lines; the stubs give the full union

    # ----- charts ----------------------------------------------------------------------------

    def continuum(self, bands: list[Band], value: float | None) -> None:
        """The 0–100 track of the overall bands with the candidate's position."""
        height = 30.0
        if self.will_page_break(height):
            self.add_page()
        x0, w = self.l_margin, self.epw
        top = self.get_y() + 9  # room for the "You: 62" label and marker above the track
        track_h = 9.0

        def at(v: float) -> float:
            return x0 + w * v / 100.0

        self.set_line_width(0.3)
        for i, band in enumerate(bands):
            fill = band_colour(i)
            self.set_fill_color(*_rgb(fill))
            self.set_draw_color(255, 255, 255)
            self.rect(at(band.min), top, at(band.max) - at(band.min), track_h, style="DF")
            label = self.clean(band.label)
            self.set_font(FONT, "B", 9.5)
            marker = at(value) if value is not None else None
            lx = label_x(at(band.min), at(band.max), self.get_string_width(label), marker)
            if lx is not None:
                self.set_text_color(*_rgb(text_colour_on(fill)))
                self.text(lx, top + track_h / 2 + 1.3, label)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        for edge in sorted({b.min for b in bands} | {bands[-1].max}):
            tick = decimal(edge, self.words)
            tw = self.get_string_width(tick)
            tx = min(max(at(edge) - tw / 2, x0), x0 + w - tw)
            self.text(tx, top + track_h + 4, tick)
        if value is not None:
            vx = at(value)
            # A white halo under the position line keeps a band label it crosses legible.
            self.set_draw_color(255, 255, 255)
            self.set_line_width(1.6)
            self.line(vx, top - 0.5, vx, top + track_h + 0.5)
            self.set_draw_color(*INK)
            self.set_line_width(0.7)
            self.line(vx, top - 0.5, vx, top + track_h + 0.5)
            self.set_fill_color(*INK)
            self.polygon([(vx - 2.2, top - 4.2), (vx + 2.2, top - 4.2), (vx, top - 0.8)], style="F")
            self.set_font(FONT, "B", 10)
            self.set_text_color(*INK)
            label = self.clean(self._("You: {score}").format(score=f"{value:.0f}"))
            lw = self.get_string_width(label)
            self.text(min(max(vx - lw / 2, x0), x0 + w - lw), top - 5.3, label)
        self.set_line_width(0.2)
        self.set_y(top + track_h + 7)

    def _bar_rows(self, interpretation: Interpretation, size: float) -> tuple[float, list[list[str]], list[float]]:
        """The bar chart's label column width, each label's wrapped lines and each row's height (mm)."""
        self.set_font(FONT, "", size)
        # multi_cell pads each side by c_margin, so the wrap width must include it or a label that
        # fits by string width still wraps; long names wrap onto extra lines rather than being cut.
        widest = max(self.get_string_width(self.clean(d.short_name)) for d in interpretation.dimensions)
        label_w = min(50.0, widest + 2 * self.c_margin + 3)
        wrapped = [self.lines_of(d.short_name, label_w - 2, size) for d in interpretation.dimensions]
        return label_w, wrapped, [max(5.0, len(lines) * size * 0.42) + 2.6 for lines in wrapped]

    def bars_height(self, interpretation: Interpretation) -> float:
        """What ``dimension_bars`` keeps together on one page (mm): the whole chart unless taller than a page."""
        return min(6.0 + sum(self._bar_rows(interpretation, 9.5)[2]) + 2, self.eph - 10)

    def dimension_bars(self, interpretation: Interpretation, bands: list[Band]) -> None:
        """One horizontal 0–100 bar per dimension, coloured by band, with band guides and values."""
        readings = interpretation.dimensions
        size = 9.5
        label_w, wrapped, rows = self._bar_rows(interpretation, size)
        self.set_font(FONT, "", size)
        not_scored = self.clean(self._("not enough answers"))
        value_w = max(self.get_string_width(not_scored), self.get_string_width("100")) + 3
        x0 = self.l_margin + label_w
        bar_w = self.epw - label_w - value_w
        bar_h = 5.0
        row_gap = 2.6

        def at(v: float) -> float:
            return x0 + bar_w * v / 100.0

        head = 6.0
        self.keep(self.bars_height(interpretation))  # the chart on one page unless it is taller than a page
        top = self.get_y()
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        for band in bands:
            label = self.clean(band.label)
            lw = self.get_string_width(label)
            if lw + 1 <= at(band.max) - at(band.min):
                self.text((at(band.min) + at(band.max) - lw) / 2, top + 3.5, label)
        y = top + head
        # Dotted guides first; the opaque tracks then hide them except between rows.
        self.set_draw_color(*MUTED)
        self.set_line_width(0.2)
        height = sum(rows)
        if y + height <= self.page_break_trigger:
            with self.local_context():
                self.set_dash_pattern(dash=0.6, gap=0.8)
                for band in bands[1:]:
                    self.line(at(band.min), y - 1, at(band.min), y + height - row_gap + 1)
        for reading, lines, row_h in zip(readings, wrapped, rows, strict=True):
            if y + row_h > self.page_break_trigger:  # only when the chart is taller than a page
                self.add_page()
                y = self.get_y()
            label_h = len(lines) * size * 0.42
            by = y + (row_h - row_gap - bar_h) / 2
            self.set_font(FONT, "", size)
            self.set_text_color(*INK)
            ly = y + (row_h - row_gap - label_h) / 2
            for k, line in enumerate(lines):
                self.text(self.l_margin, ly + size * 0.42 * (k + 0.78), line)
            segments = [(b.min, b.max) for b in bands] or [(0.0, 100.0)]
            for i, (lo, hi) in enumerate(segments):
                self.set_fill_color(*TRACK[i % 2])
                self.rect(at(lo), by, at(hi) - at(lo), bar_h, style="F")
            if reading.score is None:
                self.set_text_color(*MUTED)
                self.text(at(100) + 2, by + bar_h / 2 + 1.2, not_scored)
            else:
                idx = band_index(bands, reading.band)
                self.set_fill_color(*_rgb(band_colour(idx or 0)))
                self.rect(at(0), by, at(reading.score) - at(0), bar_h, style="F")
                self.set_font(FONT, "B", size)
                self.text(at(100) + 2, by + bar_h / 2 + 1.2, f"{reading.score:.0f}")
            y += row_h
        self.set_y(y + 1)

    def band_key(self, bands: list[Band]) -> None:
        """The bands and their ranges in words, so the charts never depend on colour alone."""
        parts = " · ".join(f"{b.label} {decimal(b.min, self.words)}–{decimal(b.max, self.words)}" for b in bands)
        self.para(self._("Bands: {bands}").format(bands=parts), size=8.5, colour=MUTED, after=2)


def build_pdf(
    q: Questionnaire,
    interpretation: Interpretation,
    *,
    result_url: str | None,
    percentile: tuple[float, int] | None,
    created: datetime,
    attribution_note: str | None = None,
    percentile_min: int = PERCENTILE_MIN,
    debrief: Sequence[ScenarioDebrief] = (),
    own_words: Sequence[OwnWords] = (),
    notes: Sequence[str] = (),
    history: Sequence[Scores] = (),
    lang: str = "en",
) -> bytes:
    """The candidate's full report as PDF bytes (A4, Unicode, charts drawn with fpdf2), our own words in ``lang``.

    ``history`` (the attempts up to this result, oldest first) adds a change-over-time section from two on.
    """
    _ = i18n.translator(lang)
    date = long_date(created, lang)
    version = _("{title} · version {version} · {hash}").format(
        title=q.meta.title, version=q.meta.version, hash=q.short_hash
    )
    brand = "" if "career radar" in q.meta.title.lower() else "Career Radar · "
    pdf = _Doc(footer_text=f"{brand}{q.meta.title} · v{q.meta.version} · {q.short_hash} · {date}", lang=lang)
    pdf.set_title(f"Career Radar – {q.meta.title}")
    pdf.set_author("Career Radar")
    pdf.set_subject(_("Personal self-reflection report"))
    pdf.set_lang(q.meta.language)
    pdf.set_creation_date(created)
    pdf.add_page()

    pdf.para("Career Radar", size=20, bold=True, after=0.5)
    pdf.para(q.meta.title, size=12, colour=MUTED, after=0.5)
    pdf.para(_("Your result · {date}").format(date=date), size=9.5, colour=MUTED, after=3)
    if attribution_note:
        pdf.para(attribution_note, size=9.5, colour=MUTED, after=3)

    # The notice sits in a shaded box near the top: it frames everything that follows.
    pdf.set_fill_color(*NOTICE_FILL)
    pdf.set_font(FONT, "", 9.5)
    pdf.set_text_color(*INK)
    pdf.multi_cell(
        pdf.epw,
        4.8,
        pdf.clean(notice(lang=lang)),
        align="L",
        fill=True,
        padding=Padding.new(2.5),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)

    pdf.heading(_("Where you sit: tactical ↔ strategic"))
    if interpretation.overall is None or interpretation.label is None:
        pdf.para(
            _(
                "There were not enough answers to place you on the continuum. "
                "The dimensions below show what could be scored."
            )
        )
        pdf.continuum(q.bands.overall, None)
    else:
        overall = _("{band} · {score} out of 100").format(
            band=interpretation.label, score=f"{interpretation.overall:.0f}"
        )
        pdf.keep(13 * 0.5 + 1 + 30)  # the band and score stay with the continuum (30 mm) they introduce
        pdf.para(overall, size=13, bold=True, after=1)
        pdf.continuum(q.bands.overall, interpretation.overall)
        pdf.band_key(q.bands.overall)
        if interpretation.text:
            pdf.para(interpretation.text)
        if interpretation.boundary_note:
            pdf.para(interpretation.boundary_note, colour=MUTED)
    pdf.para(percentile_sentence(percentile, minimum=percentile_min, lang=lang), size=9.5, colour=MUTED, after=2)
    if interpretation.strongest:
        names = _(" and ").join(interpretation.reading(d).name for d in interpretation.strongest)
        pdf.para(_("Already working for you: {names}.").format(names=names), after=2)
    if notes:
        pdf.heading(_("A note on how you answered"), size=11.5, keep=18)
        trust = _("This doesn't change your scores; it only says how far to trust the picture.")
        pdf.boxed("\n\n".join([*notes, trust]))

    pdf.heading(_("Your profile, area by area"), keep=pdf.bars_height(interpretation))
    pdf.dimension_bars(interpretation, q.bands.dimension)
    pdf.band_key(q.bands.dimension)
    if len(history) >= 2:
        from reports.pdf_change import change_section

        change_section(pdf, q, history, lang=lang)

    def area(reading: DimensionReading) -> str:
        score = _("not enough answers") if reading.score is None else f"{reading.score:.0f} · {reading.band_label}"
        return f"{reading.name} — {score}"

    first = interpretation.dimensions[:1]
    pdf.heading(_("What each area means for you"), keep=sum(pdf.heading_height(area(r), 11.5) + 18 for r in first))
    for reading in interpretation.dimensions:
        pdf.heading(area(reading), size=11.5, keep=18)
        pdf.para(reading.description, size=9, colour=MUTED, after=1.2)
        if reading.meaning:
            pdf.para(reading.meaning, after=1)
        if reading.actions:
            pdf.bullets(reading.actions, lead=_("Try this"))
        if reading.score is None:
            pdf.para(_("Too few questions in this area were answered to score it."), colour=MUTED)
        pdf.ln(1)

    from reports.pdf_sections import own_words_section, scenario_section

    scenario_section(pdf, debrief)
    own_words_section(pdf, own_words)

    plays = [(f"{p.name} ({p.score:.0f})", p) for p in interpretation.playbook]
    # Each play's heading keeps "Prepare" and its first point with it (9.5 pt lead: 5.55 mm).
    keeps = [5.55 + (pdf.bullet_height(p.prepare[0]) if p.prepare else 0) for _title, p in plays]
    intro = _(
        "Start with the areas where a single conversation can move you furthest. "
        "For each, what to prepare beforehand and what to ask on the call:"
    )
    opening = len(pdf.lines_of(intro, pdf.epw, BODY)) * BODY * 0.5 + 2
    opening += pdf.heading_height(plays[0][0], 11.5) + keeps[0] if plays else 0
    pdf.heading(_("Your next recruiter conversation"), keep=opening)
    if plays:
        pdf.para(intro, after=2)
        for (title, item), keep in zip(plays, keeps, strict=True):
            pdf.heading(title, size=11.5, keep=keep)
            pdf.bullets(item.prepare, lead=_("Prepare"))
            pdf.bullets(item.ask, lead=_("Ask"))
            pdf.ln(1)
    else:
        pdf.para(_("There were not enough answers to suggest where to start."))

    if result_url:
        pdf.heading(_("Your result link (view only)"), size=12, keep=16)
        pdf.para(
            _(
                "This link reopens your result to read. It cannot share, stop sharing or delete it: your private "
                "manage link from the result page does that. Anyone who has this link can see your result, so keep "
                "it to yourself unless you choose to share it."
            ),
            size=9.5,
            after=1,
        )
        pdf.para(result_url, size=9, colour=_rgb(BAND_COLOURS[1]), link=result_url, after=2)

    pdf.heading(_("About this report"), size=12, keep=16)
    about = _("Questionnaire: {version}. Created {date}.").format(version=version, date=date)
    pdf.para(about, size=9, colour=MUTED, after=1)
    pdf.para(notice(lang=lang), size=9, colour=MUTED)
    return bytes(pdf.output())
