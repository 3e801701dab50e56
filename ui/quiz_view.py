"""Candidate page views: welcome → one section per page → result. Wiring only; decisions live in the core."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec

import streamlit as st

from scoring.flow import answerable_items, progress
from scoring.models import ChoiceItem, Questionnaire
from ui import candidate, history, notices, resources
from ui.attribution import read_link
from ui.components import page_style, question, scroll_to_top
from ui.guard import friendly_errors, guarded, show_pending
from ui.state import Flow, flow, set_flow

P = ParamSpec("P")

NOT_A_TEST = (
    "**A self-reflection, not a screening test.** Career Radar is not a validated assessment and nobody "
    "should use it for hiring or employment decisions — including us. It is here to help you think."
)
CRASHED = "Something went wrong on our side. Your answers so far are saved — reload the page to carry on."


def _new_flow() -> Flow:
    params = st.query_params.to_dict()
    cat = resources.catalogue()
    default = resources.DEFAULT_QUESTIONNAIRE if resources.DEFAULT_QUESTIONNAIRE in cat else next(iter(cat))
    people = resources.people()
    recruiters = people.recruiters if people is not None else {}
    outcome = read_link(
        params,
        questionnaires=set(cat),
        default_id=default,
        secrets=resources.link_secrets(),
        recruiters=set(recruiters),
    )
    f = Flow(questionnaire_id=outcome.questionnaire_id or default)
    if outcome.notice:
        f.notices.append(outcome.notice)
    if outcome.recruiter_id:
        from storage import Attribution

        f.attribution = Attribution(recruiter_id=outcome.recruiter_id, campaign=outcome.campaign, role=outcome.role)
        f.recruiter = recruiters.get(outcome.recruiter_id)
    if params.get("r"):
        candidate.restore(f, params["r"], params.get("d"))
    elif params.get("d"):
        f.stage = "delete_link"
        f.pending_delete = params["d"]
    return f


def welcome_copy(q: Questionnaire) -> str:
    """What the reflection covers (its pages) and what the candidate gets; never which answers score well."""
    from access.safetext import safe_markdown

    topics = " · ".join(safe_markdown(s.title, 120) for s in q.sections)
    gets = [f"your profile across {len(q.dimensions)} areas"]
    if any(isinstance(i, ChoiceItem) for i in q.items()):
        gets.append("a debrief of each scenario (what every option buys you and what it costs)")
    gets.append("a plan for your next recruiter conversation")
    listed = ", ".join(gets[:-1]) + f" and {gets[-1]}"
    return (
        f"**What it covers:** {topics}.\n\n"
        f"At the end you get {listed}. Answer as things are for you today, not as you think they should be: "
        "the result is only as useful as your answers are candid."
    )


def welcome(f: Flow) -> None:
    q = candidate.questionnaire(f)
    items = len(answerable_items(q))
    st.title(q.meta.title)
    if f.recruiter is not None:
        from access.branding import invitation

        card = invitation(f.recruiter, role=f.attribution.role if f.attribution is not None else None)
        with st.container(border=True):
            # No logo here: loading it from the recruiter's host would tell a third party who opened
            # the quiz (the product promises no third-party requests on candidate screens).
            st.markdown(card.headline)
            if card.intro:
                st.markdown(card.intro)
    if f.recruiter is None or not f.recruiter.intro:  # an inviting recruiter's intro already says this
        st.markdown("A short, private reflection on how you work with recruiters and how you plan your next move.")
    st.markdown(welcome_copy(q))
    st.markdown(
        f"**About {q.meta.estimated_minutes} minutes** · {items} questions on {len(q.sections)} short pages · "
        "you can go back and change any answer"
    )
    st.info(NOT_A_TEST, icon=":material/psychology:")
    who = candidate.recruiter_name(f)
    shared_line = (
        f"{who} sees your result **only if you choose to share it** at the end."
        if who
        else "Nobody else sees your result unless you choose to share it."
    )
    with st.expander("What we keep, and who sees it", expanded=False, icon=":material/lock:"):
        st.markdown(
            "- Your answers and scores, **anonymously** — we don't ask for your name or email, unless you "
            "choose to share your result at the end.\n"
            f"- {shared_line}\n"
            "- You get a private link to come back to your result, and a link to **delete everything** at any time.\n"
            f"- Responses are deleted after {resources.retention_days()} days.\n"
            "- No advertising or third-party trackers."
        )
    st.button("Start", type="primary", on_click=_action(candidate.start), args=(f,), icon=":material/arrow_forward:")
    if st.session_state.get("cr_staff_pages"):  # set by app.py when the staff pages are registered
        st.divider()
        st.page_link("ui/pages/links.py", label="Recruiters and coaches: sign in", icon=":material/login:")


def questions(f: Flow) -> None:
    if f.scroll_top:
        scroll_to_top(f.page)
        f.scroll_top = False
    if f.gone:
        gone_choice(f)
    question_block((f.stage, f.gone, f.page))
    last = f.page == len(candidate.questionnaire(f).sections) - 1
    # Outside the fragment: Back, Next and the submission change the page, so they rerun the whole app.
    back, nxt = st.columns(2)
    if f.page > 0:  # no disabled button on page 1: it only adds noise (and low contrast)
        back.button("Back", on_click=_action(candidate.go), args=(f, -1), icon=":material/arrow_back:", width="stretch")
    if last:
        nxt.button("See my result", type="primary", on_click=_action(candidate.submit), args=(f,), width="stretch")
    else:
        nxt.button(
            "Next",
            type="primary",
            on_click=_action(candidate.go),
            args=(f, 1),
            icon=":material/arrow_forward:",
            width="stretch",
        )


@st.fragment
def question_block(shown: tuple[str, bool, int]) -> None:
    """Progress, the page's questions and what answering changes; an answer reruns only this block.

    The answer callback has already saved the answer to the store when this runs (a refresh loses
    nothing). ``shown`` is (stage, gone, page) as the last full run drew them: when an answer's save
    changed one of them (submitted or deleted in another tab), the whole page is drawn again.
    """
    with friendly_errors("candidate questions", CRASHED):  # a fragment rerun runs outside app.py's guard
        f = flow()
        if f is None or (f.stage, f.gone, f.page) != shown:
            st.rerun()
        show_pending()
        _question_block(f)


def _question_block(f: Flow) -> None:
    q = candidate.questionnaire(f)
    section = q.sections[f.page]
    fraction, caption = progress(q, f.page, f.answers)
    st.progress(fraction, text=caption)
    st.header(section.title)
    if section.intro:
        st.caption(section.intro)
    missing = set(f.page_error or ())
    on_answer = _action(functools.partial(candidate.on_answer, f))
    for item in section.items:
        question(q, item, f.answers, on_answer)
        if item.id in f.input_errors:
            st.error(f.input_errors[item.id], icon=":material/block:")
        if item.text in missing:
            st.markdown("⚠️ **Please choose an answer to this one.**")
    before = (f.stage, f.gone)
    if candidate.sync_page(f, q):
        candidate.save(f)
    if (f.stage, f.gone) != before:
        st.rerun()  # submitted or deleted in another tab: show that instead of this page
    if f.page_error:
        listed = "\n".join(f"- {text}" for text in f.page_error)
        st.error(f"Please answer {'this question' if len(f.page_error) == 1 else 'these questions'} first:\n{listed}")
    if f.store_failed:
        st.warning(notices.KEPT, icon=":material/cloud_off:")
        st.button("Retry saving", on_click=_action(candidate.retry), args=(f,))


def _action(callback: Callable[P, Any]) -> Callable[P, None]:
    """A widget callback whose unexpected errors end in the page's friendly message, not Streamlit's."""
    name = getattr(getattr(callback, "func", callback), "__name__", "callback")  # a partial names its function
    return guarded(f"candidate action {name}", CRASHED, callback)


def gone_choice(f: Flow) -> None:
    """The response was deleted elsewhere: say so, and let the candidate keep what is on screen."""
    st.warning(notices.GONE, icon=":material/delete_forever:")
    keep, afresh = st.columns(2)
    keep.button(
        "Keep these answers as a new response", type="primary", on_click=_action(candidate.keep_as_new), args=(f,)
    )
    afresh.button("Start afresh", on_click=_action(candidate.start_afresh), args=(f,))


def delete_link(f: Flow) -> None:
    found = candidate.deletable(f.pending_delete)
    if found is None:
        st.title("Delete your response")
        st.warning(
            "We couldn't reach our database to check this link. Please reload the page in a moment.",
            icon=":material/cloud_off:",
        )
        return
    if not found:
        st.title("Nothing to delete")
        st.info(
            "There is no response behind this deletion link: it has already been deleted, or the link is "
            "incomplete. There is nothing more to do.",
            icon=":material/check_circle:",
        )
        st.button("Take the questionnaire", on_click=_action(candidate.start_afresh), args=(f,))
        return
    st.title("Delete your response")
    st.write(
        "This removes your answers, scores and any sharing with a recruiter, for good. "
        "There is no undo, and we keep only a count that a response was deleted."
    )
    history.delete_note(f.pending_delete)
    left, right = st.columns(2)
    if left.button("Yes, delete everything", type="primary"):
        if candidate.delete(f, f.pending_delete):
            st.rerun()
        else:
            st.warning("We couldn't find a response for that link — it may already be deleted.")
    if right.button("Keep my response"):
        st.success("Your response is kept. You can close this page; the link works whenever you need it.")


def deleted(f: Flow) -> None:
    st.title("Deleted")
    st.success("Your response has been deleted. Thank you for taking the time to reflect.")
    if st.button("Start again"):
        set_flow(None)
        st.rerun()


def main() -> None:
    # Never a traceback for a candidate: logged, and a message that their answers are safe.
    with friendly_errors("candidate page", CRASHED):
        _main()


def _main() -> None:
    page_style()
    f = flow()
    token = st.query_params.get("r")
    if f is None or (token and f.resume_token and token != f.resume_token):
        f = _new_flow()
        set_flow(f)
    if f.stage != "questions":  # on the questions page its fragment shows it, where an answer's rerun can too
        show_pending()
    for notice in f.notices:
        st.info(notice, icon=":material/info:")
    if f.stage == "results":
        from ui.results import results

        results(f)
    else:
        {"welcome": welcome, "questions": questions, "deleted": deleted, "delete_link": delete_link}[f.stage](f)
