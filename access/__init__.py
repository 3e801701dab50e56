"""Who may see what: signed campaign links, staff accounts and sign-in back-off, recruiter branding and the
text sanitising that keeps typed input from rendering as markup. Pure; no Streamlit, no SQL."""
