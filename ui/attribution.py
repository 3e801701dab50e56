"""The one place a candidate's link is read: questionnaire choice, signed recruiter attribution, language.

Anything invalid degrades to an unattributed quiz with a gentle notice — never an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence

import streamlit as st

import i18n
from access.links import LinkPayload, LinkRejection, parse_link
from scoring.flow import LinkOutcome
from scoring.models import ID_PATTERN
from ui.lang import current, t

log = logging.getLogger("career_radar")

LINK_LANG = "cr_link_lang"  # (token, language) of the campaign link last read for its language


def unverified() -> str:
    """The notice for a campaign link that could not be checked."""
    return t(
        "This link could not be checked, so your answers will not be linked to the recruiter who sent it. "
        "The questionnaire itself works exactly the same."
    )


def rejected(outcome: LinkRejection) -> str:
    """A rejected link's gentle message, in the page's language where the reports catalogue has it."""
    message = outcome.message
    # access/links.py writes these (domain "reports"); looking the English text up there costs nothing
    # and leaves it English until that catalogue has it.
    return i18n.translator(current(), "reports")(message) if message else unverified()


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
            if ID_PATTERN.match(wanted):
                notices.append(
                    t("We couldn't find the questionnaire “{name}”, so you're seeing our standard one.").format(
                        name=wanted
                    )
                )
            else:
                notices.append(t("We couldn't find the questionnaire, so you're seeing our standard one."))
    token = params.get("c")
    recruiter = campaign = role = None
    if token:
        if not secrets:
            log.warning("campaign link not verified: no link secret configured")
            notices.append(unverified())
        else:
            # parse_link never raises, whatever the token (its contract, tested in tests/test_links.py):
            # a bad link ends in a LinkRejection, so it can never stop the quiz.
            outcome = parse(token, secrets, questionnaires=questionnaires, recruiters=recruiters)
            if isinstance(outcome, LinkRejection):
                notices.append(rejected(outcome))
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


def link_language(
    token: object,
    *,
    secrets: Sequence[str],
    questionnaires: Collection[str],
    recruiters: Collection[str],
    parse: Callable[..., LinkPayload | LinkRejection] = parse_link,
) -> str | None:
    """The supported language a verified campaign link asks for (its payload's ``lang``), else None."""
    if not isinstance(token, str) or not token or not secrets:
        return None
    outcome = parse(token, secrets, questionnaires=questionnaires, recruiters=recruiters)
    if isinstance(outcome, LinkRejection):
        return None  # an unverified link decides nothing, its language included
    # getattr: links minted before the payload had a language (or by an older build) simply have none.
    return i18n.supported(getattr(outcome, "lang", None))


def campaign_language() -> str | None:
    """The language this session's campaign link (``?c=``) asks for; the link is checked once per token."""
    token = st.query_params.get("c")
    if not token:
        return None
    known = st.session_state.get(LINK_LANG)
    if isinstance(known, tuple) and known[0] == token:
        return known[1] if isinstance(known[1], str) else None
    from ui import resources

    try:
        people = resources.people()
        lang = link_language(
            token,
            secrets=resources.link_secrets(),
            questionnaires=set(resources.library()),
            recruiters=set(people.recruiters if people is not None else {}),
        )
    except Exception:
        # A catch-all on purpose: this runs in app.py before the page's error guard, and the link's
        # language is only a preference: whatever goes wrong reading it, the page goes on in another.
        log.exception("could not read the campaign link's language")
        return None
    st.session_state[LINK_LANG] = (token, lang)
    return lang
