"""Link builder: a signed campaign link, its iframe snippet, an outreach message and a QR code."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import streamlit as st
from pydantic import ValidationError

import i18n
from access.branding import outreach_message
from access.links import (
    DEFAULT_DAYS,
    LinkPayload,
    LinkSecretError,
    campaign_slug,
    check_secrets,
    end_of_day,
    link_kit,
)
from ui import resources
from ui.auth import acting_recruiter, require_role
from ui.lang import current, t
from ui.navigation import menu_title

account = require_role("recruiter", "coach", "admin")
if account is None:
    st.stop()

st.title(menu_title("links"))
st.caption(t("A signed link per campaign or role: nobody can forge or edit who sent it."))

secrets = resources.link_secrets()
try:
    secret = check_secrets(secrets)[0]
except LinkSecretError as exc:
    st.error(t("Links can't be issued yet: there is no usable signing secret."), icon=":material/key_off:")
    st.markdown(str(exc))
    st.stop()

people = resources.people()
catalogue = resources.catalogue()
if people is None or not people.recruiters:
    st.error(t("No recruiters are configured in config/people.yaml, so there is nobody to attribute a link to."))
    st.stop()
if not catalogue:
    st.error(t("No questionnaire is available in questions/."))
    st.stop()


def language_name(code: str) -> str:
    """A language's name in the page's language ("German" on an English page, "Deutsch" on a German one)."""
    names = {"en": t("English"), "de": t("German")}
    return names.get(code) or i18n.LANGUAGES.get(code, code)


def language_label(code: str) -> str:
    """The option for a fixed language: its name here, and its own name when that differs ("German (Deutsch)")."""
    name, own = language_name(code), i18n.LANGUAGES[code]
    return name if name == own else f"{name} ({own})"


# ----- gather inputs --------------------------------------------------------------------------
recruiter_id = acting_recruiter(account, people.recruiters)
recruiter = people.recruiter(recruiter_id)
if recruiter_id is None or recruiter is None:
    st.error(
        t("Your account points at recruiter '{recruiter}', who isn't in config/people.yaml.").format(
            recruiter=recruiter_id
        )
    )
    st.stop()

questionnaire_id = st.selectbox(
    t("Questionnaire"), sorted(catalogue), format_func=lambda qid: f"{catalogue[qid].meta.title} ({qid})"
)
link_lang: str | None = st.selectbox(
    t("Language of the quiz"),
    [None, *i18n.LANGUAGES],
    format_func=lambda code: language_label(code) if code else t("Automatic: the candidate's browser language"),
    help=t(
        "Automatic opens the quiz in the language of the candidate's browser ({languages}; any other language "
        "gets English). A fixed language opens it in that language on every browser."
    ).format(languages=", ".join(language_name(code) for code in i18n.LANGUAGES)),
    key="cr_link_lang",
)
campaign_text = st.text_input(
    t("Campaign"), value="general", max_chars=80, help=t("A short name for this outreach, e.g. 'VP Comms spring 2026'.")
)
role = st.text_input(t("Role title (optional)"), max_chars=120, help=t("Shown to the candidate on the welcome page."))
no_expiry = st.checkbox(t("The link never expires"), value=False)
expiry_day: date | None = None
if not no_expiry:
    today = datetime.now(UTC).date()
    expiry_day = st.date_input(
        t("Expires at the end of"), value=today + timedelta(days=DEFAULT_DAYS), min_value=today, format="YYYY-MM-DD"
    )

campaign = campaign_slug(campaign_text)
if not campaign:
    st.warning(t("Give the campaign a name with at least one letter or digit."))
    st.stop()
if campaign != campaign_text.strip():
    st.caption(t("Campaign id in the link: `{campaign}`").format(campaign=campaign))
if link_lang and link_lang not in resources.library().get(questionnaire_id, {}):
    # The pages are translated, the questions may not be yet: say so before the link goes out.
    primary = catalogue[questionnaire_id].meta.language
    st.caption(
        t("This questionnaire has no {language} version yet: its questions will show in {primary}.").format(
            language=language_name(link_lang), primary=language_name(primary)
        )
    )

# ----- core -----------------------------------------------------------------------------------
try:
    payload = LinkPayload(
        recruiter=recruiter_id,
        campaign=campaign,
        role=role.strip() or None,
        questionnaire=questionnaire_id,
        expires=end_of_day(expiry_day) if expiry_day else None,
        lang=link_lang,
    )
except ValidationError as exc:
    problems = "; ".join(e["msg"] for e in exc.errors())
    st.error(t("That combination can't go into a link: {problems}").format(problems=problems))
    st.stop()
title = t("Career Radar, from {name}").format(name=recruiter.display_name)
kit = link_kit(payload, secret, resources.app_url(), title=title)

# ----- show -----------------------------------------------------------------------------------
st.subheader(t("Link"))
st.code(kit.url, language=None, wrap_lines=True)
if payload.expires:
    # A strftime pattern translated like any string: each language writes its dates its own way.
    until = payload.expires.strftime(t("%d %b %Y, %H:%M"))
    st.caption(t("Works until {when} UTC.").format(when=until))

st.subheader(t("Embed on your page"))
st.caption(t("Paste this where the quiz should appear. It opens in the candidate-only view."))
st.code(kit.iframe, language="html", wrap_lines=True)

st.subheader(t("Outreach message"))
template = outreach_message(
    recruiter,
    url=kit.url,
    minutes=catalogue[questionnaire_id].meta.estimated_minutes,
    role=payload.role,
    lang=link_lang or current(),  # the candidate reads it: the quiz's fixed language, else the page's
)
# The key follows the link, so edits survive reruns and a new link starts from a fresh template.
message = st.text_area(t("Edit before you send it"), value=template, height=360, key=f"cr_message_{kit.token[-16:]}")
st.caption(t("Copy the final text:"))
st.code(message, language=None, wrap_lines=True)

st.subheader(t("QR code"))
st.image(kit.qr_png, caption=t("Scans to the link above"), width=240)
st.download_button(
    t("Download QR code (PNG)"),
    data=kit.qr_png,
    file_name=f"career-radar-{payload.recruiter}-{payload.campaign}.png",
    mime="image/png",
    icon=":material/download:",
)
