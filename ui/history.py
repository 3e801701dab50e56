"""The result page's retakes: change over time since earlier attempts, the Retake action, and how many
attempts a deletion removes. Wiring only: the store keeps the chain, ``reports.change`` says what moved.

A retake needs the private manage link (the store checks it): whoever holds any attempt's manage link
can delete the whole chain, so a view-only result link must not be able to start one.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import streamlit as st

from access.safetext import safe_markdown
from scoring.models import MAX_TEXT, Questionnaire
from ui import candidate, resources
from ui.lang import current, of, t
from ui.state import Flow, set_flow

if TYPE_CHECKING:  # annotations only
    from storage import Attempt

log = logging.getLogger("career_radar")
HISTORY = "cr_history"  # (resume token, its attempts): read once per result
PROBLEM = "cr_retake_problem"  # why the last Retake click did not start a new attempt


def attempts(f: Flow) -> list[Attempt]:
    """The submitted attempts up to this result, oldest first; empty when there is none or the store is down."""
    s = resources.store()
    if s is None or f.submitted is None or not f.resume_token:
        return []
    from service.submissions import history

    # The attempts up to a submitted result never change (a deletion takes the whole chain, and this result
    # with it), so they are read once per result rather than on every rerun of the page.
    kept = st.session_state.get(HISTORY)
    if kept is not None and kept[0] == f.resume_token:
        found: list[Attempt] = kept[1]
        return found
    try:
        found = history(s, f.resume_token)
    except candidate.store_error():
        log.exception("history unavailable")
        return []
    st.session_state[HISTORY] = (f.resume_token, found)
    return found


def change_over_time(q: Questionnaire, found: list[Attempt]) -> None:
    """From two attempts on: the change chart and, in plain words, what moved from the first to this one."""
    if len(found) < 2:
        return
    from reports.change import change_figure, summarise

    lang = of(q)
    summary = summarise(q, found, lang)
    st.subheader(t("Your change over time"))
    st.write(
        t("You have taken this questionnaire {count} times. Your scores at each attempt, over the bands:").format(
            count=len(found)
        )
    )
    fig = change_figure(q, found, lang)
    st.plotly_chart(fig, config={"displayModeBar": False, "staticPlot": True}, width="stretch")
    st.caption(safe_markdown(fig.layout.meta["alt"], 4 * MAX_TEXT))
    st.markdown(t("**From your first attempt to this one**"))
    st.markdown("\n".join(f"- {safe_markdown(c.sentence, MAX_TEXT)}" for c in summary.first_to_last))
    if len(summary.steps) > 1:
        with st.expander(t("Attempt by attempt"), icon=":material/timeline:"):
            for step in summary.steps:
                st.markdown(
                    t("**Attempt {first} → {last}**").format(first=step[0].first, last=step[0].last)
                    + "\n\n"
                    + "\n".join(f"- {safe_markdown(c.sentence, MAX_TEXT)}" for c in step)
                )


def retake_section(f: Flow, q: Questionnaire) -> None:
    """The Retake action: a new attempt in the same scoring key, linked to this one (manage link only)."""
    if f.submitted is None or not f.resume_token:
        return
    st.subheader(t("Take it again later"))
    if not f.delete_token:
        st.write(t("To retake the questionnaire and compare, open your private manage link."))
        return
    try:
        fresh = resources.questionnaire_in(q.meta.id, current())
    except KeyError:  # the questionnaire is no longer offered
        fresh = None
    if fresh is None or fresh.scoring_key != q.scoring_key:
        st.info(
            t(
                "The questionnaire has changed since you took it, so a new attempt could not be compared with "
                "this one. You can still take the current version as a new, separate response."
            ),
            icon=":material/info:",
        )
        st.button(t("Take the current version"), on_click=candidate.start_afresh, args=(f,))
        return
    st.write(
        t(
            "Habits move slowly: come back in a few weeks or months and answer again. Your new result will show "
            "how your scores changed since this one, and this result stays as it is."
        )
    )
    problem = st.session_state.pop(PROBLEM, None)
    if problem:
        st.warning(problem, icon=":material/cloud_off:")
    st.button(t("Retake the questionnaire"), icon=":material/replay:", on_click=retake, args=(f, fresh))


def retake(f: Flow, fresh: Questionnaire) -> None:
    """Start the new attempt (the store links it to this one) and open its first page."""
    import storage
    from service.submissions import retake as start_retake

    s = resources.store()
    if s is None or not f.resume_token or not f.delete_token:
        st.session_state[PROBLEM] = t("We couldn't start a new attempt just now — please try again in a moment.")
        return
    try:
        started = start_retake(s, fresh, f.resume_token, f.delete_token, f.attribution)
    except storage.NotComparable:
        st.session_state[PROBLEM] = t("The questionnaire has changed since you took it, so it can't be compared.")
        return
    except storage.StoreError:
        log.exception("could not start a retake")
        st.session_state[PROBLEM] = t("We couldn't start a new attempt just now — please try again in a moment.")
        return
    # The new attempt keeps the link's attribution: it can be shared with the same recruiter, like the first.
    new = Flow(
        questionnaire_id=fresh.meta.id,
        content_hash=fresh.content_hash,
        stage="questions",
        resume_token=started.resume_token,
        delete_token=started.delete_token,
        public_id=started.public_id,
        attribution=f.attribution,
        recruiter=f.recruiter,
        scroll_top=True,
    )
    set_flow(new)
    candidate.set_url_token(started.resume_token, started.delete_token)


def delete_note(manage_token: str | None) -> None:
    """In a delete confirmation: how many attempts go, when the response is one of a retake chain."""
    s = resources.store()
    if s is None or not manage_token:
        return
    try:
        count = s.chain_size(manage_token)
    except candidate.store_error():
        log.exception("could not count the attempts to delete")
        return
    if count > 1:
        st.warning(
            t(
                "This deletes all {count} attempts linked to this result — this one and every earlier and later "
                "one, with all their answers and scores."
            ).format(count=count),
            icon=":material/delete_forever:",
        )
