"""What the candidate reads about their own answers: the scenario debrief, their own words, answer-style notes.

Pure functions on the questionnaire and the answers dict (as ``score`` takes it); the page and the PDF
both render what these return, so the two always say the same. Nothing here gives an option's score:
the debrief explains what each choice buys and what it costs (the option's ``why``), never how it counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import i18n
from access.safetext import clean_text
from i18n import Translate
from scoring.models import ChoiceItem, Questionnaire, TextItem


# One kind sentence per quality flag, said to the candidate. Ids match ``scoring.quality``; a flag
# without a sentence here is simply not mentioned, so new flags never break the result page.
def _quality_notes(_: Translate) -> dict[str, str]:
    return {
        "straight_lining": _(
            "You gave the same answer to almost every statement, so this profile may not tell the areas apart as "
            "well as it could. If some statements fit you better than others, answering with that in mind will "
            "sharpen the picture."
        ),
        "speeding": _(
            "You moved through the questions very quickly, so some answers may be first reactions rather than "
            "considered ones. Read this profile as a rough sketch."
        ),
        "inconsistent": _(
            "In some areas you agreed (or disagreed) with a statement and also with its opposite, so those "
            "parts of the profile may read you less clearly. Perhaps it depends on the situation — worth a thought."
        ),
        "erratic": _(
            "Your answers about the same habit often pointed in different directions, so this profile may read "
            "you less clearly than it could. If you answered quickly or at random in places, a calmer second go "
            "will give you a truer picture."
        ),
        "acquiescence": _(
            "Your answers lean towards agreeing with everything, so this profile may read you less well. "
            "Statements were worded both ways round; agreeing with both sides blurs the picture."
        ),
        "overclaiming": _(
            "A few statements named things that don't exist. Agreeing with them suggests answering how you'd like "
            "to be seen rather than how things are today, so this profile may flatter you a little."
        ),
    }


QUALITY_NOTES: dict[str, str] = _quality_notes(str)  # the English sentences (str is the identity here)


@dataclass(frozen=True)
class OptionNote:
    """One option of a scenario as the debrief shows it: its label, what it buys and costs, whether chosen."""

    id: str
    label: str
    why: str | None
    chosen: bool


@dataclass(frozen=True)
class ScenarioDebrief:
    """One scenario: its text and every option, the candidate's choice first (``chosen`` is None if unanswered)."""

    item_id: str
    text: str
    chosen: OptionNote | None
    others: list[OptionNote]

    @property
    def options(self) -> list[OptionNote]:
        return ([self.chosen] if self.chosen else []) + self.others


@dataclass(frozen=True)
class OwnWords:
    """A free-text question and the candidate's answer, as cleaned plain text (never markup)."""

    item_id: str
    question: str
    answer: str


def scenario_debrief(q: Questionnaire, answers: Mapping[str, Any]) -> list[ScenarioDebrief]:
    """Every choice item in questionnaire order, the chosen option first; an unknown answer counts as none."""
    out = []
    for item in q.items():
        if not isinstance(item, ChoiceItem):
            continue
        value = answers.get(item.id)
        chosen_id = value if isinstance(value, str) and item.option(value) is not None else None
        notes = [OptionNote(id=o.id, label=o.label, why=o.why, chosen=o.id == chosen_id) for o in item.options]
        chosen = next((n for n in notes if n.chosen), None)
        out.append(
            ScenarioDebrief(item_id=item.id, text=item.text, chosen=chosen, others=[n for n in notes if not n.chosen])
        )
    return out


def own_words(q: Questionnaire, answers: Mapping[str, Any]) -> list[OwnWords]:
    """The free-text questions the candidate answered, with the answer cleaned and capped at the item's length."""
    out = []
    for item in q.items():
        if not isinstance(item, TextItem):
            continue
        text = clean_text(answers.get(item.id)).strip()
        if text:
            out.append(OwnWords(item_id=item.id, question=item.text, answer=text[: item.max_length]))
    return out


def quality_notes(flag_ids: Iterable[str], *, lang: str = "en") -> list[str]:
    """One sentence per known flag, in the order given, each once; unknown ids are left out."""
    notes = _quality_notes(i18n.translator(lang))
    seen: dict[str, None] = {}
    for flag in flag_ids:
        if isinstance(flag, str) and flag in notes:
            seen.setdefault(flag, None)
    return [notes[f] for f in seen]
