"""Career Radar entry point: page config and navigation. Everything else lives in ui/."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

HERE = Path(__file__).parent
PAGES = HERE / "ui" / "pages"

st.set_page_config(page_title="Career Radar", page_icon="🧭", layout="centered", initial_sidebar_state="collapsed")


def _candidate_only() -> bool:
    """Embedded views and candidate links show the quiz alone: no staff pages, no sign-in."""
    params = st.query_params
    embedded = bool(getattr(st.context, "is_embedded", False)) or params.get("embed", "").lower() == "true"
    return embedded or any(k in params for k in ("c", "r", "d"))


quiz = st.Page(PAGES / "quiz.py", title="Career Radar", icon=":material/explore:", default=True)
staff = [
    st.Page(PAGES / name, title=title, icon=icon, url_path=slug)
    for name, title, icon, slug in [
        ("links.py", "Link builder", ":material/link:", "links"),
        ("recruiter.py", "My candidates", ":material/group:", "candidates"),
        ("dashboard.py", "Coach dashboard", ":material/insights:", "dashboard"),
    ]
    if (PAGES / name).exists()
]

if _candidate_only() or not staff:
    page = st.navigation([quiz], position="hidden")
else:
    page = st.navigation({"Candidates": [quiz], "Recruiters & coaches": staff})
page.run()
