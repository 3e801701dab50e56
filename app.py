"""Career Radar entry point: page config and navigation. Everything else lives in ui/."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st

from ui.resources import candidate_only

HERE = Path(__file__).parent
PAGES = HERE / "ui" / "pages"

st.set_page_config(page_title="Career Radar", page_icon="🧭", layout="centered", initial_sidebar_state="collapsed")


STAFF_SLUGS = ("links", "candidates", "dashboard")
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



def _on_staff_page() -> bool:
    try:
        path = urlsplit(st.context.url or "").path.rstrip("/")
    except Exception:  # no request URL outside a browser session (AppTest)
        return False
    return any(path.endswith(f"/{slug}") for slug in STAFF_SLUGS)


# Decided once per session: the page set must not change between reruns (a change of pages can
# reset widget state), and the private ?r= token added after Start must not hide pages mid-quiz.
if "cr_staff_pages" not in st.session_state:
    st.session_state["cr_staff_pages"] = bool(staff) and not candidate_only()
if not st.session_state["cr_staff_pages"]:
    page = st.navigation([quiz], position="hidden")
else:
    # Candidates see a clean page; the staff menu shows on the staff pages themselves.
    page = st.navigation(
        {"Candidates": [quiz], "Recruiters & coaches": staff},
        position="sidebar" if _on_staff_page() else "hidden",
    )
page.run()
