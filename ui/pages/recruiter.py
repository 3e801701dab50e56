"""A recruiter's own view: shared results from their own links, a prep sheet each, and campaign counts."""

from __future__ import annotations

import streamlit as st

from access.safetext import safe_markdown
from reports.brief import brief_sections
from reports.prep import campaign_table, candidate_cards, prep_sheet_text
from storage import Filters
from ui import lang, resources
from ui.auth import acting_recruiter, require_role
from ui.lang import t

account = require_role("recruiter", "coach", "admin")
if account is None:
    st.stop()

people = resources.people()
recruiters = people.recruiters if people is not None else {}

# ----- gather inputs --------------------------------------------------------------------------
st.title(t("My candidates") if account.role == "recruiter" else t("Candidates by recruiter"))
recruiter_id = acting_recruiter(account, recruiters)
if recruiter_id is None:
    st.stop()
st.caption(
    t(
        "Only candidates who took the reflection from this recruiter's links and chose to share appear here, with "
        "exactly what they shared: their conversation brief, and their scores only if they chose to add them. "
        "It's a self-reflection, not a screening test: use it to prepare a better conversation, never to decide."
    )
)

store = resources.store_or_stop()

# ----- core -----------------------------------------------------------------------------------
counts = campaign_table(store.campaign_counts(recruiter_id), recruiter_id, lang=lang.current())
frame = store.responses_frame(
    Filters(recruiter_id=recruiter_id, shared_only=True, submitted_only=True), include_contact=True, include_brief=True
)
cards = candidate_cards(frame, recruiter_id, resources.questionnaire_by_hash)

# ----- show -----------------------------------------------------------------------------------
st.subheader(t("Campaigns"))
if counts.empty:
    st.info(t("Nobody has opened one of your links yet. The link builder makes one per campaign."))
else:
    st.dataframe(
        counts,
        hide_index=True,
        column_config={
            "campaign": st.column_config.TextColumn(t("Campaign")),
            "started": st.column_config.NumberColumn(t("Started"), help=t("Candidates who began the reflection")),
            "completed": st.column_config.NumberColumn(t("Completed"), help=t("Candidates who saw their result")),
            "shared": st.column_config.NumberColumn(t("Shared with you"), help=t("Results shared with you")),
        },
    )
    st.caption(t("Counts only: nothing about a candidate who didn't share is shown."))

st.subheader(t("Shared results ({count})").format(count=len(cards)))
if not cards:
    st.info(t("No shared results yet. Candidates see their own result first and then choose whether to share it."))
# A strftime pattern translated like any string: each language writes its dates its own way.
day_format = t("%d %b %Y")
score_column = t("Score")

for card in cards:
    with st.container(border=True):
        who = card.contact_name or t("Candidate {id}").format(id=card.public_id[:8])
        st.markdown(f"#### {safe_markdown(who, 120)}")
        facts = [
            t("submitted {date}").format(date=card.submitted.strftime(day_format)) if card.submitted else None,
            t("campaign {campaign}").format(campaign=card.campaign) if card.campaign else None,
            t("role: {role}").format(role=card.role) if card.role else None,
        ]
        st.caption(safe_markdown(" · ".join(f for f in facts if f), 400))
        if card.contact_email:
            st.markdown(t("**E-mail:** {email}").format(email=safe_markdown(card.contact_email, 254)))
        elif not card.contact_name:
            st.caption(t("Shared without contact details."))
        sections = brief_sections(card.brief, lang=lang.current())
        for heading, lines in sections:  # the candidate's words and picks: shown inert
            body = "\n".join(f"- {safe_markdown(line, 2000)}" for line in lines)
            st.markdown(f"**{safe_markdown(heading, 200)}**\n\n{body}")
        if not sections:
            st.caption(t("Shared without a conversation brief."))
        if card.strengths:
            strengths = safe_markdown(", ".join(card.strengths), 600)
            st.markdown(t("**Strengths to build on:** {strengths}").format(strengths=strengths))
        if not card.scores_shared:
            st.caption(t("Scores not shared: the candidate chose to share their brief only."))
        else:
            if card.overall is not None:
                label = safe_markdown(card.band_label or t("unbanded"), 80)
                st.markdown(t("**Profile:** {band} · {score} / 100").format(band=label, score=f"{card.overall:.0f}"))
            if card.scores:
                st.dataframe(
                    {t("Dimension"): [n for n, _ in card.scores], score_column: [s for _, s in card.scores]},
                    hide_index=True,
                    column_config={
                        score_column: st.column_config.ProgressColumn(
                            t("Score (0 tactical, 100 strategic)"), min_value=0, max_value=100, format="%.0f"
                        )
                    },
                )
            elif card.reading is None:
                st.caption(t("These scores come from a questionnaire version that is no longer in the catalogue."))
        with st.expander(t("Prep sheet for your call"), icon=":material/checklist:"):
            sheet = prep_sheet_text(card, lang=lang.current())
            st.text(sheet)
            st.download_button(
                t("Download prep sheet (text)"),
                data=sheet,
                file_name=f"prep-{card.public_id[:12]}.txt",
                mime="text/plain",
                key=f"cr_prep_{card.public_id}",
                icon=":material/download:",
            )
