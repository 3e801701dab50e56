"""The PDF's scenario debrief and the candidate's own words (``reports.pdf`` calls them; kept apart for size)."""

from __future__ import annotations

from collections.abc import Sequence

from reports.debrief import OwnWords, ScenarioDebrief
from reports.pdf import CHOSEN_FILL, MUTED, _Doc


def scenario_section(pdf: _Doc, debrief: Sequence[ScenarioDebrief]) -> None:
    """Every scenario with every option's trade-off, the candidate's choice first and marked; never a score."""
    if not debrief:
        return
    _ = pdf._
    pdf.heading(_("Your scenarios, debriefed"))
    pdf.para(
        _(
            "None of these situations has a single right answer. For each one, what your choice buys you and what "
            "it costs — and the same for the options you didn't pick — the way a specialist recruiter would talk "
            "it through with you."
        ),
        after=2,
    )
    for number, item in enumerate(debrief, start=1):
        pdf.heading(_("Scenario {number}").format(number=number), size=11.5, keep=30)
        pdf.para(item.text, after=1.5)
        if item.chosen is None:
            pdf.para(_("You didn't answer this one. Here is what each option would have meant."), colour=MUTED)
        for index, option in enumerate(item.options):
            # Keep an option's label with the first lines of its why rather than strand it at a page foot.
            need: float = len(pdf.lines_of(option.label, pdf.epw - 5, 10, bold=True)) * 5 + 6
            if option.why:
                need += min(2, len(pdf.lines_of(option.why, pdf.epw - 5, 9.5))) * 4.75
            if not option.chosen and item.chosen is not None and index == 1:
                need += 5.3  # "The other options" above it
            if pdf.will_page_break(need):
                pdf.add_page()
            if option.chosen:
                pdf.boxed(_("✓ Your choice: {option}").format(option=option.label), fill=CHOSEN_FILL, bold=True)
            else:
                if item.chosen is not None and index == 1:
                    pdf.para(_("The other options"), size=9, colour=MUTED, after=0.8)
                pdf.para(option.label, size=10, bold=True, indent=2.5, after=0.5)
            if option.why:
                pdf.para(option.why, size=9.5, indent=2.5, after=2)
            else:
                pdf.ln(1)
        pdf.ln(1)


def own_words_section(pdf: _Doc, words: Sequence[OwnWords]) -> None:
    """The candidate's free-text answers, printed verbatim as plain text."""
    if not words:
        return
    pdf.heading(pdf._("In your own words"), keep=20)
    for entry in words:
        pdf.para(entry.question, size=9.5, colour=MUTED, after=1)
        pdf.boxed(entry.answer, size=10)
