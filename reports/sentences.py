"""Sentences the report and the result page share: the notice that frames a result, and the comparison line."""

from __future__ import annotations

import i18n
from cohort.norms import shown_percentile
from i18n.formats import integer

PERCENTILE_MIN = 30


def notice(*, lang: str = "en") -> str:
    """The sentence that frames every report: a self-reflection tool, not a hiring test."""
    _ = i18n.translator(lang)
    return _(
        "Career Radar is a self-reflection tool, not a screening test or a validated assessment. "
        "Your result should not be used for employment or hiring decisions."
    )


NOTICE = notice()  # English


def percentile_sentence(
    percentile: tuple[float, int] | None, *, minimum: int = PERCENTILE_MIN, lang: str = "en"
) -> str:
    """The comparison line: the percentile with N, or why it is not shown."""
    _ = i18n.translator(lang)
    if percentile is None:
        return _(
            "Comparison with others: not shown yet. It appears once at least {minimum} people have completed "
            "this version of the questionnaire, so the comparison means something and no one's answers stand out."
        ).format(minimum=minimum)
    pct, n = percentile
    # Same wording and rounding as the results page (cohort.norms): never "higher than 100%" of a group.
    return _(
        "Compared with others: your overall score is higher than about {percent}% of the {n} people "
        "who had completed this version of the questionnaire by the start of that day (UTC)."
    ).format(percent=shown_percentile(pct), n=integer(n, lang))
