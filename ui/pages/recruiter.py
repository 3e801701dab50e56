"""A recruiter's own view: shared results from their own links, a prep sheet each, and campaign counts."""

from __future__ import annotations

import streamlit as st

from scoring.prep import campaign_table, candidate_cards, prep_sheet_text
from scoring.safetext import safe_markdown
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
    "Only candidates who took the reflection from this recruiter's links and chose to share their result appear "
    "here. It's a self-reflection, not a screening test: use it to prepare a better conversation, never to decide."
)

store = resources.store()
if store is None:
    st.error("The response store is unavailable right now. Please try again in a minute.")
    st.stop()

# ----- core -----------------------------------------------------------------------------------
counts = campaign_table(store.campaign_counts(recruiter_id), recruiter_id)
frame = store.responses_frame(recruiter_id=recruiter_id, shared_only=True, submitted_only=True, include_contact=True)
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
        if card.overall is not None:
            st.markdown(f"**Profile:** {safe_markdown(card.band_label or 'unbanded', 80)} · {card.overall:.0f} / 100")
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
        if card.reading is None:
            st.caption("This result comes from a questionnaire version that is no longer in the catalogue.")
            continue
        with st.expander("Prep sheet for your call", icon=":material/checklist:"):
            for item in card.reading.playbook:
                st.markdown(f"**{safe_markdown(item.name, 120)}** ({item.score:.0f}): where the call can help most")
                st.markdown("What they may bring:\n\n" + "\n".join(f"- {safe_markdown(p, 2000)}" for p in item.prepare))
                st.markdown(
                    "Questions they may ask you:\n\n" + "\n".join(f"- {safe_markdown(a, 2000)}" for a in item.ask)
                )
            st.download_button(
                "Download prep sheet (text)",
                data=prep_sheet_text(card),
                file_name=f"prep-{card.public_id[:12]}.txt",
                mime="text/plain",
                key=f"cr_prep_{card.public_id}",
                icon=":material/download:",
            )
