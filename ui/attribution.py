"""The one place a candidate's link is read: questionnaire choice and signed recruiter attribution.

Anything invalid degrades to an unattributed quiz with a gentle notice — never an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence

from access.links import LinkPayload, LinkRejection, parse_link
from scoring.flow import LinkOutcome
from scoring.models import ID_PATTERN

log = logging.getLogger("career_radar")

UNVERIFIED = (
    "This link could not be checked, so your answers will not be linked to the recruiter who sent it. "
    "The questionnaire itself works exactly the same."
)


def read_link(
    params: Mapping[str, str],
    *,
    questionnaires: Collection[str],
    default_id: str,
    secrets: Sequence[str],
    recruiters: Collection[str],
    parse: Callable[..., LinkPayload | LinkRejection] = parse_link,
) -> LinkOutcome:
    """Resolve ``?q=`` and ``?c=`` into a questionnaire id, attribution and an optional notice."""
    notices: list[str] = []
    chosen = default_id
    wanted = params.get("q")
    if wanted:
        if wanted in questionnaires:
            chosen = wanted
        else:
            shown = f" “{wanted}”" if ID_PATTERN.match(wanted) else ""
            notices.append(f"We couldn't find the questionnaire{shown}, so you're seeing our standard one.")
    token = params.get("c")
    recruiter = campaign = role = None
    if token:
        if not secrets:
            log.warning("campaign link not verified: no link secret configured")
            notices.append(UNVERIFIED)
        else:
            # parse_link never raises, whatever the token (its contract, tested in tests/test_links.py):
            # a bad link ends in a LinkRejection, so it can never stop the quiz.
            outcome = parse(token, secrets, questionnaires=questionnaires, recruiters=recruiters)
            if isinstance(outcome, LinkRejection):
                notices.append(outcome.message or UNVERIFIED)
            else:
                recruiter, campaign, role = outcome.recruiter, outcome.campaign, outcome.role
                chosen = outcome.questionnaire
    return LinkOutcome(
        recruiter_id=recruiter,
        campaign=campaign,
        role=role,
        questionnaire_id=chosen,
        notice=" ".join(notices) or None,
    )
