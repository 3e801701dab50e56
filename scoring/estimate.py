"""How long a questionnaire takes, estimated from what a candidate reads and how many answers they give.

    minutes = words / WORDS_PER_MINUTE + (answers · SECONDS_PER_ANSWER + text items · SECONDS_PER_TEXT) / 60

* ``words`` — the text read while answering: section titles and intros, item texts, choice option
  labels, and the point labels of each scale once (a candidate learns a scale on its first use).
  Not counted: ``meta.description`` and the welcome page (read before the clock of the quiz starts),
  ``help`` hints (shown on demand) and option ``why`` texts (shown in the debrief, after the quiz).
* ``answers`` — Likert, claim and choice items: the decision and the click, after reading.
* free-text items — a short allowance each; most candidates skip an optional box, a few write a lot.

Constants: silent reading of English non-fiction runs at about 238 words per minute on average
(Brysbaert, 2019, *Journal of Memory and Language* 109, 104047); questionnaire statements are read
more carefully and re-read, so we take 220. Answering a statement once read takes a few seconds
(choosing among 5 points, moving the pointer); we take 3 s. The loader warns when
``meta.estimated_minutes`` is more than ``TOLERANCE`` (30 %) away from this estimate.
"""

from __future__ import annotations

import re

from scoring.models import ChoiceItem, ClaimItem, LikertItem, Questionnaire, TextItem

WORDS_PER_MINUTE = 220.0
SECONDS_PER_ANSWER = 3.0
SECONDS_PER_TEXT = 30.0
TOLERANCE = 0.30  # relative difference between declared and estimated minutes that draws a warning

_WORD = re.compile(r"\S+")


def words(text: str | None) -> int:
    """Whitespace-separated words of a text (None: 0)."""
    return len(_WORD.findall(text)) if text else 0


def reading_words(q: Questionnaire) -> int:
    """Words a candidate reads while answering (see the module docstring for what counts)."""
    total = 0
    scales_seen: set[str] = set()
    for section in q.sections:
        total += words(section.title) + words(section.intro)
        for item in section.items:
            total += words(item.text)
            if isinstance(item, ChoiceItem):
                total += sum(words(o.label) for o in item.options)
            elif isinstance(item, (LikertItem, ClaimItem)) and item.scale not in scales_seen:
                scales_seen.add(item.scale)
                total += sum(words(p.label) for p in q.scales[item.scale].points)
    return total


def answer_count(q: Questionnaire) -> int:
    """Items answered by picking a point or an option (Likert, claim, choice)."""
    return sum(not isinstance(i, TextItem) for i in q.items())


def estimate_minutes(q: Questionnaire) -> float:
    """Estimated minutes to complete ``q``: reading time plus answering time (module docstring)."""
    texts = sum(isinstance(i, TextItem) for i in q.items())
    seconds = answer_count(q) * SECONDS_PER_ANSWER + texts * SECONDS_PER_TEXT
    return reading_words(q) / WORDS_PER_MINUTE + seconds / 60.0


def minutes_warning(q: Questionnaire) -> str | None:
    """A message when ``meta.estimated_minutes`` is more than TOLERANCE away from the estimate, else None."""
    estimate = estimate_minutes(q)
    declared = q.meta.estimated_minutes
    if abs(declared - estimate) <= TOLERANCE * estimate:
        return None
    return (
        f"warning: estimated_minutes is {declared} but the questionnaire reads in about {estimate:.1f} minutes "
        f"({reading_words(q):,} words at {WORDS_PER_MINUTE:g} a minute, {answer_count(q)} answers at "
        f"{SECONDS_PER_ANSWER:g} s); more than {TOLERANCE:.0%} off"
    )
