"""The candidate's result: profile, notes, charts, advice, scenario debrief, own words, playbook, keep/share/delete."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import streamlit as st

import i18n
from access.safetext import plain_text, safe_markdown
from cohort.norms import shown_percentile, snapshot_cutoff
from reports.brief import MAX_WANT_NEXT, Brief, brief_sections, build_brief, question_choices, score_lines, want_next
from reports.debrief import OptionNote, OwnWords, ScenarioDebrief, own_words, quality_notes, scenario_debrief
from scoring.interpret import Interpretation, interpret
from scoring.models import MAX_TEXT, Questionnaire
from ui import candidate, history, lang, resources
from ui.lang import t
from ui.resources import app_url as _app_url
from ui.state import Flow

if TYPE_CHECKING:
    from storage import Attempt

log = logging.getLogger("career_radar")
WANT = "cr_share_want"  # the "what you want next" text the brief carries


def _language(code: str | None) -> dict[str, str]:
    """``lang`` for a link to an attempt not in English, so it reopens with the page around it in that language."""
    return {"lang": code} if code and code != i18n.DEFAULT else {}


def private_url(param: str, token: str, lang: str | None = None) -> str:
    return f"{_app_url()}/?{urlencode({param: token} | _language(lang))}"


def manage_url(resume_token: str, manage_token: str, lang: str | None = None) -> str:
    """The private manage link: the result (r) with its manage token (d), checked together by the store."""
    return f"{_app_url()}/?{urlencode({'r': resume_token, 'd': manage_token} | _language(lang))}"


def _percentile(q: Questionnaire, overall: float | None) -> tuple[float | None, int]:
    s = resources.store()
    if s is None or overall is None:
        return None, 0
    try:
        return s.percentile(q.content_hash, overall, before=snapshot_cutoff(datetime.now(UTC)))
    except candidate.store_error():
        log.exception("percentile unavailable")
        return None, 0


def headline(q: Questionnaire, interp: Interpretation) -> None:
    from reports.charts import continuum_html

    st.caption(t("Your Career Radar result"))
    if interp.overall is None:
        st.title(t("Not enough answers for a profile"))
        st.write(t("Too many questions were skipped to place you fairly. Go back and answer a few more."))
        return
    st.title(f"{interp.label} · {interp.overall:.0f}\u00a0/\u00a0100")
    if interp.text:
        st.markdown(interp.text)
    # Plain HTML/CSS, not plotly: plotly.js (4.7 MB) loads on a chart's first use, which held the candidate's
    # first look at their result for seconds. Our own markup; questionnaire text escaped (reports.charts).
    st.html(continuum_html(q, interp, lang=lang.of(q)))
    if interp.boundary_note:
        st.info(interp.boundary_note, icon=":material/compare_arrows:")


def percentile_line(q: Questionnaire, interp: Interpretation) -> tuple[float, int] | None:
    pct, n = _percentile(q, interp.overall)
    minimum = resources.percentile_min_n()
    if pct is not None and n >= minimum:
        shown = shown_percentile(pct)
        st.markdown(
            t(
                "**Compared with others:** your overall score is higher than about **{percent}%** of the {n} "
                "people who had answered this version of the questionnaire by the start of today (UTC)."
            ).format(percent=shown, n=lang.number(n))
        )
        return float(shown), n
    st.caption(
        t(
            "Comparison with others appears once at least {minimum} people had answered this version by the "
            "start of today (so far: {n}). Small groups would make the percentage jumpy and could reveal "
            "individuals."
        ).format(minimum=minimum, n=lang.number(n))
    )
    return None


def strengths(interp: Interpretation) -> None:
    """The strongest areas, only from the middle and top bands (``interp.strongest``); nothing when none."""
    names = [safe_markdown(interp.reading(d).name, MAX_TEXT) for d in interp.strongest]
    if names:
        together = (
            names[0]
            if len(names) == 1
            else t("{first} and {second}").format(first=", ".join(names[:-1]), second=names[-1])
        )
        st.markdown(t("**Already working for you:** {areas}.").format(areas=together))


def answer_notes(f: Flow) -> list[str]:
    """Kind sentences about how the candidate answered: the quality flags recorded with the submission.

    Flags are computed once, by ``service.submissions`` at submit, and read back here. Only while the
    store could not take the submission (a preview) are they this tab's answers' flags, computed with the
    preview result (``candidate.result_of``) by the same function.
    """
    candidate.result_of(f)  # the preview's flags are computed with its result, once
    flags = f.submitted.flags if f.submitted is not None else f.preview_flags
    return quality_notes(flags, lang=lang.of(candidate.questionnaire(f)))


def how_you_answered(notes: list[str]) -> None:
    if not notes:
        return
    # Our own fixed sentences (reports.debrief.QUALITY_NOTES): no user text.
    body = "\n\n".join(notes)
    st.info(
        t("**A note on how you answered**")
        + f"\n\n{body}\n\n"
        + t("This doesn't change your scores; it only says how far to trust the picture."),
        icon=":material/tips_and_updates:",
    )


def dimensions(q: Questionnaire, interp: Interpretation) -> None:
    from reports.charts import dimensions_figure

    st.subheader(t("Area by area"))
    st.plotly_chart(
        dimensions_figure(interp, bands=q.bands.dimension, lang=lang.of(q)),
        config={"displayModeBar": False, "staticPlot": True},
        width="stretch",
    )
    for d in interp.dimensions:
        with st.container(border=True):
            score = t("not enough answers") if d.score is None else f"{d.score:.0f} / 100 · {d.band_label}"
            st.markdown(f"**{d.name}** — {score}")
            if d.meaning:
                st.write(d.meaning)
            for action in d.actions:
                st.markdown(f"- {action}")


PICK = "cr_pick_"  # + question key (reports.brief.question_choices): ticked playbook questions


def can_share(f: Flow) -> bool:
    """A submitted result that came through a recruiter's link, opened with its private manage link."""
    return bool(f.attribution is not None and f.attribution.recruiter_id and f.submitted is not None and f.delete_token)


def picked_questions(interp: Interpretation) -> list[str]:
    """Keys of the playbook questions the candidate ticked for their brief."""
    return [key for key, _, _ in question_choices(interp) if st.session_state.get(PICK + key)]


def _scenario_label(number: int, item: ScenarioDebrief) -> str:
    short = safe_markdown(item.text, 90)
    return f"{number}. " + ("" if item.chosen else t("Not answered") + " · ") + short


def _chosen(option: OptionNote) -> None:
    with st.container(border=True):
        badge = t("Your choice")
        st.markdown(f":blue-badge[:material/check: {badge}]  \n**{safe_markdown(option.label, MAX_TEXT)}**")
        if option.why:
            st.markdown(safe_markdown(option.why, MAX_TEXT))


def _others(options: list[OptionNote]) -> str:
    """The options not chosen as one markdown list: a bullet each, the label bold, its why on the next line."""
    items = []
    for option in options:
        item = f"- **{safe_markdown(option.label, MAX_TEXT)}**"
        if option.why:
            # One paragraph per bullet: a why's own line breaks would end the list item, so they go.
            item += "  \n  " + " ".join(safe_markdown(option.why, MAX_TEXT).split())
        items.append(item)
    return "\n\n".join(items)  # a loose list: a little air between the options


def scenarios(items: list[ScenarioDebrief]) -> None:
    """The scenario debrief: every option's trade-off, the candidate's choice first. Never a score."""
    if not items:
        return
    st.subheader(t("Your scenarios, debriefed"))
    st.write(
        t(
            "None of these situations has a single right answer. For each one, here is what your choice buys "
            "you and what it costs — and the same for the options you didn't pick — the way a specialist "
            "recruiter would talk it through with you."
        )
    )
    for number, item in enumerate(items, start=1):
        with st.expander(_scenario_label(number, item), expanded=number == 1):
            # Questionnaire text still goes through safe_markdown: a "$" in a why must not become LaTeX.
            st.markdown(safe_markdown(item.text, MAX_TEXT))
            if item.chosen is None:
                st.caption(t("You didn't answer this one. Here is what each option would have meant."))
            else:
                _chosen(item.chosen)
                st.caption(t("The other options"))
            st.markdown(_others(item.others))


def your_words(words: list[OwnWords]) -> None:
    """The candidate's free-text answers, shown verbatim as plain text (never markdown or HTML)."""
    if not words:
        return
    st.subheader(t("In your own words"))
    for entry in words:
        st.caption(safe_markdown(entry.question, MAX_TEXT))
        with st.container(border=True):
            st.text(plain_text(entry.answer, 5_000))


def playbook(interp: Interpretation, f: Flow | None = None, *, top_band: str | None = None) -> None:
    st.subheader(t("Your next recruiter conversation"))
    strong = interp.playbook and all(interp.reading(e.dimension).band == top_band for e in interp.playbook)
    st.write(  # "the most room to grow" would be wrong when every habit shown is already strong
        t(
            "Pick up the phone next time — even if the role doesn't look like a fit on paper. Here is what to bring "
            "and what to ask, built from your lowest-scoring habits. All of them are already strong, so this is "
            "about keeping them that way."
        )
        if strong
        else t(
            "Pick up the phone next time — even if the role doesn't look like a fit on paper. "
            "Here is what to bring and what to ask, built from the habits with the most room to grow."
        )
    )
    # Ticking is offered only while a share is possible: nothing is picked until the candidate picks it,
    # because each question comes from one of their weaker habits and would tell the recruiter so.
    picking = f is not None and f.submitted is not None and can_share(f) and not f.submitted.shared
    if f is not None and picking:
        who = candidate.recruiter_name(f) or t("the recruiter")
        st.caption(
            t("Tick the questions you'd like {who} to see in your brief if you share it (none are ticked yet).").format(
                who=who
            )
        )
    for entry in interp.playbook:
        with st.container(border=True):
            st.markdown(f"**{entry.name}** ({entry.score:.0f})")
            st.markdown("*" + t("Prepare") + "*\n" + "\n".join(f"- {p}" for p in entry.prepare))
            if not picking:
                st.markdown("*" + t("Ask") + "*\n" + "\n".join("- " + quoted(a) for a in entry.ask))
                continue
            st.markdown("*" + t("Ask") + "*")
            for i, ask in enumerate(entry.ask):
                st.checkbox(quoted(ask), key=f"{PICK}{entry.dimension}:{i}")


def quoted(words: str) -> str:
    """Words in the page language's quotation marks (“…” in English, „…“ in German)."""
    return t("“{words}”").format(words=words)


def keep(
    f: Flow,
    q: Questionnaire,
    interp: Interpretation,
    pct: tuple[float, int] | None,
    *,
    debrief: list[ScenarioDebrief] | None = None,
    words: list[OwnWords] | None = None,
    notes: list[str] | None = None,
    attempts: list[Attempt] | None = None,
) -> None:
    from reports.answers_export import answers_csv, answers_json
    from reports.pdf import build_pdf

    st.subheader(t("Keep your result"))
    result = candidate.result_of(f)
    link = private_url("r", f.resume_token, lang.of(q)) if f.resume_token and f.submitted is not None else None
    if link:
        st.write(
            t(
                "**View-only result link** — bookmark it to come back; it is also the link in your PDF. Anyone "
                "with it can see this result, but it cannot share, stop sharing or delete, whatever is added to it."
            )
        )
        st.code(link, language=None, wrap_lines=True)
    if f.delete_token and f.resume_token:
        st.write(
            t(
                "**Private manage link** — opens this result with the power to share it, stop sharing and delete "
                "your response. Keep it to yourself and don't forward it."
            )
        )
        st.code(manage_url(f.resume_token, f.delete_token, lang.of(q)), language=None, wrap_lines=True)
    elif link:
        st.caption(t("You opened the view-only link, so the private manage link isn't shown here."))
    answers = dict(f.answers)
    downloads = [
        (
            t("PDF report"),
            lambda: build_pdf(
                q,
                interp,
                result_url=link,
                percentile=pct,
                created=datetime.now(UTC),
                percentile_min=resources.percentile_min_n(),
                debrief=debrief or [],
                own_words=words or [],
                notes=notes or [],
                history=attempts or [],
                lang=lang.of(q),
            ),
            "career-radar.pdf",
            "application/pdf",
            ":material/picture_as_pdf:",
        ),
        (
            t("My answers (CSV)"),
            lambda: answers_csv(q, answers, result, lang=lang.of(q)),
            "career-radar-answers.csv",
            "text/csv",
            None,
        ),
        (
            t("My answers (JSON)"),
            lambda: answers_json(q, answers, result),
            "career-radar-answers.json",
            "application/json",
            None,
        ),
    ]
    # Files are built only when asked for (callable data), so the page itself stays quick.
    for column, (label, data, name, mime, icon) in zip(st.columns(3), downloads, strict=True):
        column.download_button(label, data=data, file_name=name, mime=mime, icon=icon, on_click="ignore")


def _show_brief(brief: Brief | None, scores: list[str], contact: list[str]) -> None:
    """Exactly what the recruiter reads, as they read it (the candidate's own text shown inert)."""
    for heading, lines in brief_sections(brief, lang=lang.current()):
        body = "\n".join(f"- {safe_markdown(line, 2000)}" for line in lines)
        st.markdown(f"**{safe_markdown(heading, 200)}**\n\n{body}")
    if scores:
        st.markdown(t("**Scores**") + "\n\n" + "\n".join(f"- {safe_markdown(line, 200)}" for line in scores))
    else:
        st.markdown(t("**Scores:** not shared — no profile, band or score."))
    if contact:
        st.markdown(t("**Contact**") + "\n\n" + "\n".join(f"- {safe_markdown(line, 300)}" for line in contact))
    st.caption(t("Also: the date you finished and the campaign of the link. Never your individual answers."))


def _scores(interp: Interpretation) -> list[str]:
    scores = [(d.name, d.score) for d in interp.dimensions]
    return score_lines(interp.overall, interp.label, scores, lang=lang.current())


def sharing(f: Flow, interp: Interpretation) -> None:
    if f.attribution is None or not f.attribution.recruiter_id or f.submitted is None:
        return
    who = candidate.recruiter_name(f) or t("the recruiter who sent you the link")
    st.subheader(t("Share with {who}?").format(who=who))
    if not f.delete_token:
        # The view-only result link (e.g. printed in a PDF or forwarded): show the state, change nothing.
        state = (
            t("This result is shared with {who}.") if f.submitted.shared else t("This result is not shared with {who}.")
        )
        st.write(
            state.format(who=who)
            + " "
            + t(
                "You opened the **view-only** result link: it shows this page but cannot share, stop sharing or "
                "delete. Your **private manage link** (the one with “d=” in it, shown when you finished) does those."
            )
        )
        return
    if f.submitted.shared:
        stored = f.submitted
        contact = [x for x in (stored.contact_name, stored.contact_email) if x]
        sharing_now = (
            t("You're sharing your conversation brief and your scores with {who}. You can stop at any time.")
            if stored.share_scores
            else t("You're sharing your conversation brief with {who}. You can stop at any time.")
        )
        st.success(sharing_now.format(who=who))
        with st.expander(t("What {who} sees").format(who=who), icon=":material/visibility:"):
            _show_brief(stored.brief, _scores(interp) if stored.share_scores else [], contact)
        if st.button(t("Stop sharing")):
            problem = candidate.share(f, False)
            if problem is None:
                st.rerun()
            st.error(problem)
        return
    q = candidate.questionnaire(f)
    st.write(
        t(
            "Sharing is optional. It lets {who} prepare for your conversation — and it is the only way they see "
            "anything of yours. By default they get your **conversation brief**: what you want next, the "
            "questions you ticked above, and talking points from your stronger habits. No score and no profile "
            "label unless you add them below."
        ).format(who=who)
    )
    st.session_state.setdefault(WANT, want_next(q, f.answers) or "")
    want = st.text_area(
        t("What you want next (in your own words — edit or clear it before sharing)"),
        key=WANT,
        max_chars=MAX_WANT_NEXT,
    )
    include_scores = st.checkbox(
        t("Also show {who} my scores (profile and the score for each habit)").format(who=who), key="cr_share_scores"
    )
    consent = st.checkbox(
        t("Also give {who} my name and email so they can get in touch").format(who=who), key="cr_contact_consent"
    )
    name = email = None
    if consent:
        name = st.text_input(t("Your name"), max_chars=120, key="cr_contact_name")
        email = st.text_input(t("Your email"), max_chars=254, key="cr_contact_email")
    brief = build_brief(q, interp, picked_questions(interp), want)
    with st.container(border=True):
        st.markdown(t("**Preview — exactly what {who} will see**").format(who=who))
        _show_brief(brief, _scores(interp) if include_scores else [], [x for x in (name, email) if consent and x])
    if st.button(t("Share my result with {who}").format(who=who), type="primary"):
        if consent and (not name or not email or "@" not in email):
            st.error(t("Please add your name and a valid email, or untick the contact box."))
        elif (
            problem := candidate.share(f, True, name=name, email=email, brief=brief, include_scores=include_scores)
        ) is None:
            st.rerun()
        else:
            st.error(problem)


def delete_section(f: Flow) -> None:
    st.subheader(t("Delete my response"))
    if not f.delete_token:
        st.write(t("To delete your response, open the private manage link you saved when you finished."))
        return
    if not f.confirm_delete:
        if st.button(t("Delete my response"), icon=":material/delete:"):
            f.confirm_delete = True
            st.rerun()
        return
    history.delete_note(f.delete_token)
    st.warning(t("This removes your answers, scores and any sharing for good. There is no undo."))
    left, right = st.columns(2)
    if left.button(t("Yes, delete everything"), type="primary"):
        if candidate.delete(f):
            st.rerun()
        st.error(t("We couldn't delete it just now — please try again in a moment."))
    if right.button(t("Cancel")):
        f.confirm_delete = False
        st.rerun()


def results(f: Flow) -> None:
    q = candidate.questionnaire(f)
    result = candidate.result_of(f)
    interp = interpret(q, result, lang=lang.of(q))
    if f.store_failed:
        st.warning(
            t(
                "We couldn't save your result just now, but here it is. Your answers are kept in this tab — "
                "press **Retry saving** to store them and get your private link."
            ),
            icon=":material/cloud_off:",
        )
        st.button(t("Retry saving"), on_click=candidate.retry, args=(f,))
    debrief = scenario_debrief(q, f.answers)
    words = own_words(q, f.answers)
    notes = answer_notes(f)
    attempts = history.attempts(f)
    headline(q, interp)
    strengths(interp)
    pct = percentile_line(q, interp)
    how_you_answered(notes)
    dimensions(q, interp)
    history.change_over_time(q, attempts)
    scenarios(debrief)
    your_words(words)
    playbook(interp, f, top_band=q.bands.dimension[-1].id)
    sharing(f, interp)
    keep(f, q, interp, pct, debrief=debrief, words=words, notes=notes, attempts=attempts)
    history.retake_section(f, q)
    delete_section(f)
    st.divider()
    st.caption(
        t(
            "Career Radar is a self-reflection, not a screening test; it should not be used for employment or "
            "hiring decisions. Questionnaire {title} v{version} · {hash}."
        ).format(title=q.meta.title, version=q.meta.version, hash=q.short_hash)
    )
