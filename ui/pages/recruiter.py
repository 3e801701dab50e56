"""A recruiter's own view: shared results from their own links, a prep sheet each, and campaign counts."""

from __future__ import annotations

import streamlit as st

from access.safetext import safe_markdown
from reports.brief import brief_sections
from reports.prep import campaign_table, candidate_cards, prep_sheet_text
from storage import Filters
from ui import resources
from ui.auth import acting_recruiter, require_role

account = require_role("recruiter", "coach", "admin")
if account is None:
    st.stop()

people = resources.people()
recruiters = people.recruiters if people is not None else {}

# ----- gather inputs --------------------------------------------------------------------------
st.title("My candidates" if account.role == "recruiter" else "Candidates by recruiter")
recruiter_id = acting_recruiter(account, recruiters)
if recruiter_id is None:
    st.stop()
st.caption(
    "Only candidates who took the reflection from this recruiter's links and chose to share appear here, with "
    "exactly what they shared: their conversation brief, and their scores only if they chose to add them. "
    "It's a self-reflection, not a screening test: use it to prepare a better conversation, never to decide."
)

store = resources.store_or_stop()

# ----- core -----------------------------------------------------------------------------------
counts = campaign_table(store.campaign_counts(recruiter_id), recruiter_id)
frame = store.responses_frame(
    Filters(recruiter_id=recruiter_id, shared_only=True, submitted_only=True), include_contact=True, include_brief=True
)
cards = candidate_cards(frame, recruiter_id, resources.questionnaire_by_hash)

# ----- show -----------------------------------------------------------------------------------
st.subheader("Campaigns")
if counts.empty:
    st.info("Nobody has opened one of your links yet. The link builder makes one per campaign.")
else:
    st.dataframe(
        counts,
        hide_index=True,
        column_config={
            "campaign": st.column_config.TextColumn("Campaign"),
            "started": st.column_config.NumberColumn("Started", help="Candidates who began the reflection"),
            "completed": st.column_config.NumberColumn("Completed", help="Candidates who saw their result"),
            "shared": st.column_config.NumberColumn("Shared with you", help="Results shared with you"),
        },
    )
    st.caption("Counts only: nothing about a candidate who didn't share is shown.")

st.subheader(f"Shared results ({len(cards)})")
if not cards:
    st.info("No shared results yet. Candidates see their own result first and then choose whether to share it.")

for card in cards:
    with st.container(border=True):
        who = card.contact_name or f"Candidate {card.public_id[:8]}"
        st.markdown(f"#### {safe_markdown(who, 120)}")
        facts = [
            f"submitted {card.submitted:%d %b %Y}" if card.submitted else None,
            f"campaign {card.campaign}" if card.campaign else None,
            f"role: {card.role}" if card.role else None,
        ]
        st.caption(safe_markdown(" · ".join(f for f in facts if f), 400))
        if card.contact_email:
            st.markdown(f"**E-mail:** {safe_markdown(card.contact_email, 254)}")
        elif not card.contact_name:
            st.caption("Shared without contact details.")
        sections = brief_sections(card.brief)
        for heading, lines in sections:  # the candidate's words and picks: shown inert
            body = "\n".join(f"- {safe_markdown(line, 2000)}" for line in lines)
            st.markdown(f"**{safe_markdown(heading, 200)}**\n\n{body}")
        if not sections:
            st.caption("Shared without a conversation brief.")
        if card.strengths:
            st.markdown(f"**Strengths to build on:** {safe_markdown(', '.join(card.strengths), 600)}")
        if not card.scores_shared:
            st.caption("Scores not shared: the candidate chose to share their brief only.")
        else:
            if card.overall is not None:
                label = safe_markdown(card.band_label or "unbanded", 80)
                st.markdown(f"**Profile:** {label} · {card.overall:.0f} / 100")
            if card.scores:
                st.dataframe(
                    {"Dimension": [n for n, _ in card.scores], "Score": [s for _, s in card.scores]},
                    hide_index=True,
                    column_config={
                        "Score": st.column_config.ProgressColumn(
                            "Score (0 tactical, 100 strategic)", min_value=0, max_value=100, format="%.0f"
                        )
                    },
                )
            elif card.reading is None:
                st.caption("These scores come from a questionnaire version that is no longer in the catalogue.")
        with st.expander("Prep sheet for your call", icon=":material/checklist:"):
            sheet = prep_sheet_text(card)
            st.text(sheet)
            st.download_button(
                "Download prep sheet (text)",
                data=sheet,
                file_name=f"prep-{card.public_id[:12]}.txt",
                mime="text/plain",
                key=f"cr_prep_{card.public_id}",
                icon=":material/download:",
            )
