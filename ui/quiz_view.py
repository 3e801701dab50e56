"""Candidate page views: welcome → one section per page → result. Wiring only; decisions live in the core."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec

import streamlit as st

import i18n
from scoring.flow import answerable_items, progress
from scoring.models import ChoiceItem, Questionnaire
from ui import candidate, history, lang, notices, resources
from ui.attribution import read_link
from ui.components import document_language, language_picker, page_style, question
from ui.guard import friendly_errors, guarded, show_pending
from ui.lang import t, tn
from ui.state import Flow, flow, set_flow

P = ParamSpec("P")


def not_a_test() -> str:
    """What Career Radar is not, said on the welcome page."""
    return t(
        "**A self-reflection, not a screening test.** Career Radar is not a validated assessment and nobody "
        "should use it for hiring or employment decisions — including us. It is here to help you think."
    )


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
    areas = len(q.dimensions)
    # Whole sentences, one per case: a list joined in code ("a, b and c") cannot be translated well.
    if any(isinstance(i, ChoiceItem) for i in q.items()):
        gets = tn(
            "At the end you get your profile across {n} area, a debrief of each scenario (what every option "
            "buys you and what it costs) and a plan for your next recruiter conversation.",
            "At the end you get your profile across {n} areas, a debrief of each scenario (what every option "
            "buys you and what it costs) and a plan for your next recruiter conversation.",
            areas,
        )
    else:
        gets = tn(
            "At the end you get your profile across {n} area and a plan for your next recruiter conversation.",
            "At the end you get your profile across {n} areas and a plan for your next recruiter conversation.",
            areas,
        )
    return "\n\n".join(
        (
            t("**What it covers:** {topics}.").format(topics=topics),
            gets.format(n=areas)
            + " "
            + t(
                "Answer as things are for you today, not as you think they should be: "
                "the result is only as useful as your answers are candid."
            ),
        )
    )


def welcome(f: Flow) -> None:
    q = candidate.questionnaire(f)
    items = len(answerable_items(q))
    language_picker()
    st.title(q.meta.title)
    if f.recruiter is not None:
        from access.branding import invitation

        card = invitation(f.recruiter, role=f.attribution.role if f.attribution is not None else None, lang=lang.of(q))
        with st.container(border=True):
            # No logo here: loading it from the recruiter's host would tell a third party who opened
            # the quiz (the product promises no third-party requests on candidate screens).
            st.markdown(card.headline)
            if card.intro:
                st.markdown(card.intro)
    if f.recruiter is None or not f.recruiter.intro:  # an inviting recruiter's intro already says this
        st.markdown(t("A short, private reflection on how you work with recruiters and how you plan your next move."))
    st.markdown(
        " · ".join(
            (
                tn("**About {n} minute**", "**About {n} minutes**", q.meta.estimated_minutes).format(
                    n=q.meta.estimated_minutes
                ),
                tn("{n} question", "{n} questions", items).format(n=items)
                + " "
                + tn("on {n} short page", "on {n} short pages", len(q.sections)).format(n=len(q.sections)),
                t("you can go back and change any answer"),
            )
        )
    )
    st.info(not_a_test(), icon=":material/psychology:")
    # Start right after what it is and what it is not: on a 360 px phone it used to be one and a half screens
    # down, below what it covers and the privacy details, which now follow it.
    st.button(t("Start"), type="primary", on_click=_action(candidate.start), args=(f,), icon=":material/arrow_forward:")
    st.markdown(welcome_copy(q))
    who = candidate.recruiter_name(f)
    shared_line = (
        t("{who} sees your result **only if you choose to share it** at the end.").format(who=who)
        if who
        else t("Nobody else sees your result unless you choose to share it.")
    )
    days = resources.retention_days()
    kept = (
        t(
            "Your answers and scores, **anonymously** — we don't ask for your name or email, unless you "
            "choose to share your result at the end."
        ),
        shared_line,
        t("You get a private link to come back to your result, and a link to **delete everything** at any time."),
        tn("Responses are deleted after {n} day.", "Responses are deleted after {n} days.", days).format(n=days),
        t("No advertising or third-party trackers."),
    )
    with st.expander(t("What we keep, and who sees it"), expanded=False, icon=":material/lock:"):
        st.markdown("\n".join(f"- {line}" for line in kept))
    if st.session_state.get("cr_staff_pages"):  # set by app.py when the staff pages are registered
        st.divider()
        st.page_link("ui/pages/links.py", label=t("Recruiters and coaches: sign in"), icon=":material/login:")


def questions(f: Flow) -> None:
    if f.gone:
        gone_choice(f)
    language_note(candidate.questionnaire(f))
    question_block((f.stage, f.gone, f.page))
    last = f.page == len(candidate.questionnaire(f).sections) - 1
    # Outside the fragment: Back, Next and the submission change the page, so they rerun the whole app.
    back, nxt = st.columns(2)
    if f.page > 0:  # no disabled button on page 1: it only adds noise (and low contrast)
        back.button(
            t("Back"), on_click=_action(candidate.go), args=(f, -1), icon=":material/arrow_back:", width="stretch"
        )
    if last:
        nxt.button(t("See my result"), type="primary", on_click=_action(candidate.submit), args=(f,), width="stretch")
    else:
        nxt.button(
            t("Next"),
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
    with friendly_errors("candidate questions", notices.crashed()):  # a fragment rerun runs outside app.py's guard
        f = flow()
        if f is None or (f.stage, f.gone, f.page) != shown:
            st.rerun()
        show_pending()
        _question_block(f)


def _question_block(f: Flow) -> None:
    q = candidate.questionnaire(f)
    section = q.sections[f.page]
    fraction, caption = progress(q, f.page, f.answers, lang=lang.current())
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
            st.markdown("⚠️ " + t("**Please choose an answer to this one.**"))
    before = (f.stage, f.gone)
    if candidate.sync_page(f, q):
        candidate.save(f)
    if (f.stage, f.gone) != before:
        st.rerun()  # submitted or deleted in another tab: show that instead of this page
    if f.page_error:
        listed = "\n".join(f"- {text}" for text in f.page_error)
        ask = tn("Please answer this question first:", "Please answer these questions first:", len(f.page_error))
        st.error(f"{ask}\n{listed}")
    if f.store_failed:
        st.warning(notices.kept(), icon=":material/cloud_off:")
        st.button(t("Retry saving"), on_click=_action(candidate.retry), args=(f,))


def _action(callback: Callable[P, Any]) -> Callable[P, None]:
    """A widget callback whose unexpected errors end in the page's friendly message, not Streamlit's."""
    name = getattr(getattr(callback, "func", callback), "__name__", "callback")  # a partial names its function
    return guarded(f"candidate action {name}", notices.crashed(), callback)


def gone_choice(f: Flow) -> None:
    """The response was deleted elsewhere: say so, and let the candidate keep what is on screen."""
    st.warning(notices.gone(), icon=":material/delete_forever:")
    keep, afresh = st.columns(2)
    keep.button(
        t("Keep these answers as a new response"), type="primary", on_click=_action(candidate.keep_as_new), args=(f,)
    )
    afresh.button(t("Start afresh"), on_click=_action(candidate.start_afresh), args=(f,))


def language_note(q: Questionnaire) -> None:
    """When the page changed language after the questions began: they stay in the language they began in."""
    page = lang.current()
    if i18n.supported(q.meta.language) != page and page in resources.library().get(q.meta.id, {}):
        st.caption(
            t(
                "These questions stay in {language}, the language you started in, so your answers stay comparable."
            ).format(language=i18n.LANGUAGES.get(i18n.supported(q.meta.language) or "", q.meta.language)),
        )


def delete_link(f: Flow) -> None:
    found = candidate.deletable(f.pending_delete)
    if found is None:
        st.title(t("Delete your response"))
        st.warning(
            t("We couldn't reach our database to check this link. Please reload the page in a moment."),
            icon=":material/cloud_off:",
        )
        return
    if not found:
        st.title(t("Nothing to delete"))
        st.info(
            t(
                "There is no response behind this deletion link: it has already been deleted, or the link is "
                "incomplete. There is nothing more to do."
            ),
            icon=":material/check_circle:",
        )
        st.button(t("Take the questionnaire"), on_click=_action(candidate.start_afresh), args=(f,))
        return
    st.title(t("Delete your response"))
    st.write(
        t(
            "This removes your answers, scores and any sharing with a recruiter, for good. "
            "There is no undo, and we keep only a count that a response was deleted."
        )
    )
    history.delete_note(f.pending_delete)
    left, right = st.columns(2)
    if left.button(t("Yes, delete everything"), type="primary"):
        if candidate.delete(f, f.pending_delete):
            st.rerun()
        else:
            st.warning(t("We couldn't find a response for that link — it may already be deleted."))
    if right.button(t("Keep my response")):
        st.success(t("Your response is kept. You can close this page; the link works whenever you need it."))


def deleted(f: Flow) -> None:
    st.title(t("Deleted"))
    st.success(t("Your response has been deleted. Thank you for taking the time to reflect."))
    if st.button(t("Start again")):
        set_flow(None)
        st.rerun()


def main() -> None:
    # Never a traceback for a candidate: logged, and a message that their answers are safe.
    with friendly_errors("candidate page", notices.crashed()):
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
        st.divider()
        language_picker()  # the result's own texts stay in the questionnaire's language; the page's follow
    else:
        {"welcome": welcome, "questions": questions, "deleted": deleted, "delete_link": delete_link}[f.stage](f)
    # After Back or Next, the new page shows from its top (one script with the page's language).
    scroll = f.stage == "questions" and f.scroll_top
    document_language(f.page if scroll else None)
    if scroll:
        f.scroll_top = False
