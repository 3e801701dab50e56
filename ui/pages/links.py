"""Link builder: a signed campaign link, its iframe snippet, an outreach message and a QR code."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import streamlit as st
from pydantic import ValidationError

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

account = require_role("recruiter", "coach", "admin")
if account is None:
    st.stop()

st.title("Link builder")
st.caption("A signed link per campaign or role: nobody can forge or edit who sent it.")

secrets = resources.link_secrets()
try:
    secret = check_secrets(secrets)[0]
except LinkSecretError as exc:
    st.error("Links can't be issued yet: there is no usable signing secret.", icon=":material/key_off:")
    st.markdown(str(exc))
    st.stop()

people = resources.people()
catalogue = resources.catalogue()
if people is None or not people.recruiters:
    st.error("No recruiters are configured in config/people.yaml, so there is nobody to attribute a link to.")
    st.stop()
if not catalogue:
    st.error("No questionnaire is available in questions/.")
    st.stop()

# ----- gather inputs --------------------------------------------------------------------------
recruiter_id = acting_recruiter(account, people.recruiters)
recruiter = people.recruiter(recruiter_id)
if recruiter_id is None or recruiter is None:
    st.error(f"Your account points at recruiter '{recruiter_id}', who isn't in config/people.yaml.")
    st.stop()

questionnaire_id = st.selectbox(
    "Questionnaire", sorted(catalogue), format_func=lambda qid: f"{catalogue[qid].meta.title} ({qid})"
)
campaign_text = st.text_input(
    "Campaign", value="general", max_chars=80, help="A short name for this outreach, e.g. 'VP Comms spring 2026'."
)
role = st.text_input("Role title (optional)", max_chars=120, help="Shown to the candidate on the welcome page.")
no_expiry = st.checkbox("The link never expires", value=False)
expiry_day: date | None = None
if not no_expiry:
    today = datetime.now(UTC).date()
    expiry_day = st.date_input(
        "Expires at the end of", value=today + timedelta(days=DEFAULT_DAYS), min_value=today, format="YYYY-MM-DD"
    )

campaign = campaign_slug(campaign_text)
if not campaign:
    st.warning("Give the campaign a name with at least one letter or digit.")
    st.stop()
if campaign != campaign_text.strip():
    st.caption(f"Campaign id in the link: `{campaign}`")

# ----- core -----------------------------------------------------------------------------------
try:
    payload = LinkPayload(
        recruiter=recruiter_id,
        campaign=campaign,
        role=role.strip() or None,
        questionnaire=questionnaire_id,
        expires=end_of_day(expiry_day) if expiry_day else None,
    )
except ValidationError as exc:
    st.error("That combination can't go into a link: " + "; ".join(e["msg"] for e in exc.errors()))
    st.stop()
kit = link_kit(payload, secret, resources.app_url(), title=f"Career Radar, from {recruiter.display_name}")

# ----- show -----------------------------------------------------------------------------------
st.subheader("Link")
st.code(kit.url, language=None, wrap_lines=True)
if payload.expires:
    st.caption(f"Works until {payload.expires:%d %b %Y, %H:%M} UTC.")

st.subheader("Embed on your page")
st.caption("Paste this where the quiz should appear. It opens in the candidate-only view.")
st.code(kit.iframe, language="html", wrap_lines=True)

st.subheader("Outreach message")
template = outreach_message(
    recruiter, url=kit.url, minutes=catalogue[questionnaire_id].meta.estimated_minutes, role=payload.role
)
# The key follows the link, so edits survive reruns and a new link starts from a fresh template.
message = st.text_area("Edit before you send it", value=template, height=360, key=f"cr_message_{kit.token[-16:]}")
st.caption("Copy the final text:")
st.code(message, language=None, wrap_lines=True)

st.subheader("QR code")
st.image(kit.qr_png, caption="Scans to the link above", width=240)
st.download_button(
    "Download QR code (PNG)",
    data=kit.qr_png,
    file_name=f"career-radar-{payload.recruiter}-{payload.campaign}.png",
    mime="image/png",
    icon=":material/download:",
)
