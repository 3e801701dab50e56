"""The candidate flow's actions (imperative shell): start, save, restore, submit, share, delete.

Each action gathers inputs from the Flow, calls the store (a submission via ``service.submissions``),
then applies outputs to the Flow. Store failures (``StoreError``) never lose what the candidate typed:
answers stay in the Flow and are sent again on the next save or on "retry". Anything else is a bug and
is not caught here: the app's error guard logs it and shows its own message.
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from scoring.flow import answered, clean_answers, first_unfinished_page, missing_required
from scoring.models import Questionnaire, Result, TextItem
from scoring.storable import text_problem
from ui import lang, notices, resources
from ui.state import Flow, widget_key

log = logging.getLogger("career_radar")


def _storage() -> Any:
    import storage

    return storage


def store_error() -> type[Exception]:
    """The store's own errors (unreachable, refused input, …): the only ones shown as "couldn't save"."""
    return _storage().StoreError


def store_of(flow: Flow) -> Any:
    """The store this flow's response lives in: the app's store, kept on the flow once reached.

    So a response keeps being written to the database it was started in, and an answer click does not
    read the settings and look the store up again (a third of a save's time before; BENCHMARKS.md, "The
    answer click on the driver's connection"). None while the store cannot be reached: the next call
    tries again.
    """
    if flow.store is None:
        flow.store = resources.store()
    return flow.store


def questionnaire(flow: Flow) -> Questionnaire:
    """The exact questionnaire version this flow answers; before it starts, the one in the page's language.

    Once started, the content hash fixes the version and with it the language: an attempt never changes
    language mid-way, whatever the page speaks.
    """
    if flow.content_hash:
        q = resources.questionnaire_by_hash(flow.content_hash)
        if q is not None:
            return q
    return resources.questionnaire_in(flow.questionnaire_id, lang.current())


def recruiter_name(flow: Flow) -> str | None:
    """Display name of the recruiter whose link brought the candidate here, as inert markdown; None if unknown.

    The name comes from config/people.yaml, so it goes through the sanitiser like the intro: it is
    shown in markdown and in widget labels, where an image would be fetched from a third party.
    """
    recruiter = flow.recruiter
    if recruiter is None and flow.attribution is not None and flow.attribution.recruiter_id:
        people = resources.people()
        recruiter = (getattr(people, "recruiters", {}) or {}).get(flow.attribution.recruiter_id)
    if recruiter is None:
        return None
    from access.branding import MAX_NAME
    from access.safetext import safe_markdown

    return " ".join(safe_markdown(recruiter.display_name, MAX_NAME).split()) or None  # one line, single spaces


def set_url_token(token: str | None, delete_token: str | None = None) -> None:
    """Carry the private tokens in the URL so a refresh or a dropped connection resumes (embed params stay).

    ``d`` (the private manage token) travels with ``r`` in the address bar so that sharing and deleting
    survive a refresh; the result link given out for keeping (and printed in the PDF) carries ``r``
    only: view, not manage. A ``d`` is only ever used after the store confirmed it belongs to ``r``.
    """
    if token:
        st.query_params["r"] = token
    else:
        st.query_params.pop("r", None)
    if token and delete_token:
        st.query_params["d"] = delete_token
    else:
        st.query_params.pop("d", None)


def start(flow: Flow) -> None:
    """Begin the questionnaire on page 1. Nothing is stored yet: the response row comes with the first answer."""
    q = questionnaire(flow)
    flow.content_hash = q.content_hash
    flow.stage = "questions"
    flow.page = 0


def _ensure_started(flow: Flow, q: Questionnaire) -> str | None:
    """The response's resume token, creating the response first if needed; None (store_failed set) when it can't."""
    if flow.resume_token:
        return flow.resume_token
    s = store_of(flow)
    if s is None:
        flow.store_failed = True
        return None
    try:
        s.register(q)
        started = s.start(q, flow.attribution)
    except store_error():
        log.exception("could not start a response")
        flow.store_failed = True
        return None
    flow.resume_token, flow.delete_token, flow.public_id = started.resume_token, started.delete_token, started.public_id
    flow.unsaved.update(flow.answers)
    set_url_token(flow.resume_token, flow.delete_token)
    return started.resume_token


def save(flow: Flow) -> None:
    """Send unsaved answers and the page to the store; on failure keep them for the next try.

    The response row is created here, with the first real answer, so a "Start" alone stores nothing.
    """
    if flow.gone:
        return  # deleted elsewhere: wait for the candidate to choose (keep_as_new or start afresh)
    token = flow.resume_token
    if not token:
        if not any(answered(v) for v in flow.answers.values()):
            return
        token = _ensure_started(flow, questionnaire(flow))
        if token is None:
            return
    s = store_of(flow)
    if s is None:
        flow.store_failed = True
        return
    storage = _storage()
    try:
        s.save_answers(token, dict(flow.unsaved), page=flow.page)
    except storage.InvalidAnswers as exc:
        # All-or-nothing in the store: keep the good ones by saving item by item, drop only the bad.
        log.warning("answers rejected: %s", exc.problems)
        for item_id, value in list(flow.unsaved.items()):
            try:
                s.save_answers(token, {item_id: value}, page=flow.page)
            except storage.InvalidAnswers:
                flow.answers.pop(item_id, None)
                flow.input_errors[item_id] = notices.answer_rejected()
            except storage.StoreError:
                log.exception("could not save progress")
                flow.store_failed = True
                return
            flow.unsaved.pop(item_id, None)
        flow.store_failed = False
    except storage.AlreadySubmitted:
        _already_submitted(flow)
    except storage.NotFound:
        flow.gone = True
        flow.store_failed = False
    except storage.StoreError:
        log.exception("could not save progress")
        flow.store_failed = True
    else:
        flow.unsaved.clear()
        flow.store_failed = False


def refused(flow: Flow, item_id: str, value: Any) -> bool:
    """True (and the reason kept for the page) when typed text cannot be stored; the text stays on screen."""
    problem = text_problem(value, multiline=True, lang=lang.current()) if isinstance(value, str) else None
    if problem is None:
        flow.input_errors.pop(item_id, None)
        return False
    flow.input_errors[item_id] = notices.text_refused(problem)
    return True


def _already_submitted(flow: Flow) -> None:
    """Another tab submitted this response: show the stored result, and say so."""
    flow.unsaved.clear()  # answers are frozen once submitted; what was stored stands
    s = store_of(flow)
    try:
        stored = s.result(flow.resume_token) if s is not None and flow.resume_token else None
    except store_error():
        log.exception("could not read the stored result")
        stored = None
    if stored is None:
        return
    _adopt(flow, stored)
    flow.stage = "results"
    flow.page_error = None
    if notices.already_submitted() not in flow.notices:
        flow.notices.append(notices.already_submitted())


def _adopt(flow: Flow, stored: Any) -> bool:
    """Take the store's submission as the truth; True when its answers differ from this tab's."""
    flow.submitted = stored
    q = questionnaire(flow)
    if clean_answers(q, flow.answers) == dict(stored.answers):
        return False
    flow.answers = dict(stored.answers)
    flow.local_result = None  # result_of reads the stored scores
    flow.input_errors.clear()
    return True


def on_answer(flow: Flow, item_id: str) -> None:
    """Widget callback: copy the widget value into the answers dict and save it."""
    value = st.session_state.get(widget_key(item_id))
    if not answered(value):  # scoring.answers.is_blank
        value = None
    if refused(flow, item_id, value):
        return
    if value is None and item_id in flow.answers and not isinstance(questionnaire(flow).item(item_id), TextItem):
        return  # see sync_page: never erase a chosen option because a widget has no value yet
    flow.answers[item_id] = value
    flow.unsaved[item_id] = value
    flow.page_error = None
    save(flow)


_NO_WIDGET = object()


def sync_page(flow: Flow, q: Questionnaire) -> bool:
    """Copy the current page's widget values into the answers dict; True when something changed.

    Callbacks normally do this, but when clicks arrive faster than reruns Streamlit can coalesce
    them, so the page and the Next/submit actions reconcile from the widgets themselves.
    """
    changed = False
    state = st.session_state
    for item in q.sections[flow.page].items:
        value = state.get(widget_key(item.id), _NO_WIDGET)  # one session-state look-up, not two
        if value is _NO_WIDGET:
            continue
        if not answered(value):  # scoring.answers.is_blank
            value = None
        if value is None and not isinstance(item, TextItem):
            continue  # a choice can't be un-chosen by the candidate: None only means "no widget value yet"
        if refused(flow, item.id, value):
            continue
        if flow.answers.get(item.id) != value and (value is not None or item.id in flow.answers):
            flow.answers[item.id] = value
            flow.unsaved[item.id] = value
            changed = True
    return changed


def go(flow: Flow, step: int) -> None:
    """Back (-1) or next (+1); next only when the page's required questions are answered."""
    q = questionnaire(flow)
    sync_page(flow, q)
    if step > 0 and _page_refused(flow, q):
        return  # the reason is shown under the question
    if step > 0:
        missing = missing_required(q.sections[flow.page], flow.answers)
        if missing:
            flow.page_error = missing
            return
    flow.page_error = None
    flow.input_errors.clear()  # going back: the refused text was never kept; the widget shows the saved answer
    flow.page = min(max(flow.page + step, 0), len(q.sections) - 1)
    flow.scroll_top = True
    if flow.unsaved:  # answers are saved as they are given; a resume lands on the first unfinished page
        save(flow)


def submit(flow: Flow) -> None:
    """Submit through the service (scored once, stored, idempotent); a store failure still shows a result."""
    q = questionnaire(flow)
    sync_page(flow, q)
    if _page_refused(flow, q):
        return
    gap = first_unfinished_page(q, flow.answers)
    missing = missing_required(q.sections[gap], flow.answers)
    if missing:  # normally this page; an earlier one only if an answer was lost or rejected
        flow.page, flow.page_error = gap, missing
        return
    answers = clean_answers(q, flow.answers)  # gather
    flow.local_result = None  # whatever is shown comes from this submission
    flow.stage = "results"  # apply
    flow.page_error = None
    _store_submission(flow, q, answers)


def _page_refused(flow: Flow, q: Questionnaire) -> bool:
    return any(item.id in flow.input_errors for item in q.sections[flow.page].items)


def _store_submission(flow: Flow, q: Questionnaire, answers: dict[str, Any]) -> None:
    if flow.gone:
        _back_to_questions(flow, q)
        return
    s = store_of(flow)
    token = None if s is None else _ensure_started(flow, q)
    if s is None or token is None:
        flow.store_failed = True
        return
    try:
        from service.submissions import submit

        stored = submit(s, token, answers)
    except _storage().NotFound:
        flow.gone = True
        flow.store_failed = False
        _back_to_questions(flow, q)
    except store_error():
        log.exception("could not store the submission")
        flow.store_failed = True
    else:
        flow.store_failed = False
        flow.unsaved.clear()
        flow.local_result = None  # from now on the stored result is the one shown
        if _adopt(flow, stored) and notices.already_submitted() not in flow.notices:
            flow.notices.append(notices.already_submitted())  # submitted first elsewhere: that result stands


def _back_to_questions(flow: Flow, q: Questionnaire) -> None:
    """The response is gone: stay on the last page with every answer, where the choice is offered."""
    flow.stage = "questions"
    flow.local_result = None
    flow.page = len(q.sections) - 1


def keep_as_new(flow: Flow) -> None:
    """After the response was deleted elsewhere: carry on with the answers on screen as a new response."""
    flow.gone = False
    flow.resume_token = flow.delete_token = flow.public_id = None
    flow.submitted = flow.local_result = None
    flow.unsaved = {k: v for k, v in flow.answers.items() if answered(v)}
    set_url_token(None)
    save(flow)  # creates the new response (with the answers) and puts its tokens in the URL


def start_afresh(flow: Flow) -> None:
    """Forget this session's answers and tokens; back to the welcome page."""
    from ui.state import set_flow

    set_url_token(None)
    set_flow(None)


def retry(flow: Flow) -> None:
    """Try again to save (mid-quiz) or to store the submission (on the results page)."""
    q = questionnaire(flow)
    if flow.stage == "results":
        _store_submission(flow, q, clean_answers(q, flow.answers))
    else:
        save(flow)  # creates the response first if the first answer could not be stored


def restore(flow: Flow, token: str, delete_token: str | None = None) -> None:
    """Continue from a private link: every answer back, the right page or the result."""
    s = store_of(flow)
    progress = None
    if s is not None:
        try:
            progress = s.progress(token)
        except store_error():
            log.exception("could not read progress")
            flow.notices.append(notices.restore_unreachable())
            return
    if s is None or progress is None:  # no store reads as no progress: the link can't be followed now
        flow.notices.append(notices.restore_missing())
        set_url_token(None)
        return
    flow.questionnaire_id = progress.questionnaire_id
    flow.content_hash = progress.content_hash
    flow.resume_token = token
    flow.public_id = progress.public_id
    flow.attribution = progress.attribution
    flow.answers = dict(progress.answers)
    flow.delete_token = _verified_manage_token(flow, s, token, delete_token)
    try:
        q = questionnaire(flow)
        if progress.submitted:
            flow.submitted = s.result(token)
            if flow.submitted is not None:
                flow.answers = dict(flow.submitted.answers)
    except store_error():
        log.exception("could not restore %s", progress.public_id)
        flow.notices.append(notices.restore_failed())
        flow.stage = "welcome"
        return
    if progress.submitted:
        flow.stage = "results"
    else:
        flow.stage = "questions"
        flow.page = first_unfinished_page(q, flow.answers)  # where they left off: Next needs a complete page


def _verified_manage_token(flow: Flow, s: Any, token: str, delete_token: str | None) -> str | None:
    """The manage token if the store confirms it belongs to this result; otherwise None, with a notice."""
    if not delete_token:
        return None
    try:
        owned = s.can_manage(token, delete_token)
    except store_error():
        log.exception("could not check a manage link")
        flow.notices.append(notices.manage_unchecked())  # the link stays in the address bar: a reload tries again
        return None
    if owned:
        return delete_token
    flow.notices.append(notices.foreign_manage())
    st.query_params.pop("d", None)  # the address bar keeps only what this link may do: view
    return None


def result_of(flow: Flow) -> Result:
    """The result to show: once stored, the scores recorded at submission (read, not re-scored); while
    the store could not take the submission, a preview of this tab's answers (shown, never stored)."""
    if flow.local_result is None:
        from service import submissions

        q = questionnaire(flow)
        if flow.submitted is not None:
            flow.local_result = submissions.result_of(q, flow.submitted)
        else:
            found = submissions.preview(q, clean_answers(q, flow.answers))
            flow.local_result, flow.preview_flags = found.result, found.flags
    return flow.local_result


def deletable(token: str | None) -> bool | None:
    """Whether a deletion link still has a response behind it; None when the store can't be asked."""
    s = resources.store()
    if s is None:
        return None
    if not token:
        return False
    try:
        return bool(s.deletable(token))
    except store_error():
        log.exception("could not look up a deletion link")
        return None


def share(
    flow: Flow,
    shared: bool,
    name: str | None = None,
    email: str | None = None,
    *,
    brief: Any = None,
    include_scores: bool = False,
) -> str | None:
    """Share (the brief, plus scores only if ticked) or unshare; None when done, else a message to show.

    The store checks the manage token against this result: a view-only link cannot change sharing.
    """
    s = store_of(flow)
    if s is None or not flow.resume_token:
        return notices.share_unreachable()
    if not flow.delete_token:
        return notices.share_not_allowed()
    storage = _storage()
    try:
        flow.submitted = s.set_shared(
            flow.resume_token,
            shared,
            manage_token=flow.delete_token,
            name=name or None,
            email=email or None,
            brief=brief,
            include_scores=include_scores is True,
        )
    except storage.InvalidContact as exc:
        return notices.share_contact("; ".join(exc.problems))
    except storage.NotAllowed:
        return notices.share_not_allowed()
    except storage.StoreError:
        log.exception("could not change sharing")
        return notices.share_failed()
    return None


def delete(flow: Flow, delete_token: str | None = None) -> bool:
    """Delete everything about this response; the session forgets it too."""
    s = store_of(flow)
    token = delete_token or flow.delete_token
    if s is None or not token:
        return False
    try:
        # From a result page both tokens must belong to the response shown; a bare ?d= link has only its own.
        ok = bool(s.delete(token) if delete_token else s.delete(token, resume_token=flow.resume_token))
    except store_error():
        log.exception("could not delete")
        return False
    if ok:
        flow.stage = "deleted"
        flow.answers.clear()
        flow.unsaved.clear()
        flow.resume_token = flow.delete_token = flow.public_id = None
        flow.submitted = flow.local_result = None
        st.query_params.pop("r", None)
        st.query_params.pop("d", None)
    return ok
