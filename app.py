"""Career Radar entry point: page config, the page's language and navigation. Everything else lives in ui/."""

from __future__ import annotations

import streamlit as st

from ui import lang
from ui.attribution import campaign_language
from ui.guard import friendly_errors
from ui.lang import t
from ui.navigation import on_staff_page, pages, placeholders
from ui.resources import candidate_only

st.set_page_config(page_title="Career Radar", page_icon="🧭", layout="centered", initial_sidebar_state="collapsed")
# Once per run, before any page speaks: ?lang=, then the browser's locale, then the campaign link's language.
lang.settle(campaign_language())

quiz, staff = pages()
# Decided once per session: the page set must not change between reruns (a change of pages can
# reset widget state), and the private ?r= token added after Start must not hide pages mid-quiz.
if "cr_staff_pages" not in st.session_state:
    st.session_state["cr_staff_pages"] = bool(staff) and not candidate_only()
if st.session_state["cr_staff_pages"]:
    # Candidates see a clean page; the staff menu shows on the staff pages themselves.
    page = st.navigation(
        {t("Candidates"): [quiz], t("Recruiters & coaches"): list(staff)},
        position="sidebar" if on_staff_page() else "hidden",
    )
else:
    # Staff addresses answer with a clear note instead of Streamlit's "Page not found" dialog.
    page = st.navigation([quiz, *placeholders()], position="hidden")
# The top-level guard: whatever a page raises, the visitor sees a calm message and the log gets the traceback.
with friendly_errors(
    f"page {page.title}",
    t("Something went wrong on our side. Anything you entered has been kept — reload the page to carry on."),
):
    page.run()
