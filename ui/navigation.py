"""The app's pages, built once per session (an st.Page holds per-run state: never share one between sessions)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

PAGES = Path(__file__).resolve().parent / "pages"
DASHBOARD_TITLE = "Coach dashboard"  # the menu entry and the page's own title
STAFF = (
    ("links.py", "Link builder", ":material/link:", "links"),
    ("recruiter.py", "My candidates", ":material/group:", "candidates"),
    ("dashboard.py", DASHBOARD_TITLE, ":material/insights:", "dashboard"),
)
STAFF_SLUGS = tuple(slug for *_, slug in STAFF)


PAGES_KEY = "cr_pages"


def pages() -> tuple[st.Page, tuple[st.Page, ...]]:
    """(the candidate quiz, the staff pages that exist), built once per session.

    Not once per process: an ``st.Page`` carries per-run state (``st.navigation`` marks the page that
    may run and ``Page.run`` clears the mark), so one object shared by all sessions lets two sessions
    rerunning at the same moment trip each other ("This page cannot be called directly"). The load
    test (bench/load) hit that with 10 concurrent candidates. A session reruns one script at a time,
    so its own objects are safe, and reruns still skip rebuilding them.
    """
    built = st.session_state.get(PAGES_KEY)
    if built is None:
        built = _build()
        st.session_state[PAGES_KEY] = built
    return built


def _build() -> tuple[st.Page, tuple[st.Page, ...]]:
    quiz = st.Page(PAGES / "quiz.py", title="Career Radar", icon=":material/explore:", default=True)
    staff = tuple(
        st.Page(PAGES / name, title=title, icon=icon, url_path=slug)
        for name, title, icon, slug in STAFF
        if (PAGES / name).exists()
    )
    return quiz, staff


def _placeholder(title: str) -> Callable[[], None]:
    def show() -> None:
        _not_here(title)

    return show


def _not_here(title: str) -> None:
    """What a staff address shows inside an embedded quiz or a candidate link: a clear note, never a raw error."""
    st.title(title)
    st.info(
        "Recruiter and coach pages open only in a browser tab of their own, not inside an embedded quiz or "
        "from a candidate's link. Open this address in a new tab without `embed=true` or link parameters, "
        "and sign in there.",
        icon=":material/lock:",
    )
    if st.button("Go to the questionnaire", type="primary"):
        st.switch_page(pages()[0])


PLACEHOLDERS_KEY = "cr_placeholder_pages"


def placeholders() -> tuple[st.Page, ...]:
    """Stand-ins at the staff addresses for candidate-only sessions (embeds, candidate links).

    Without them Streamlit answers an unknown address with its own "Page not found" dialog. Built once
    per session, like ``pages``, for the same reason.
    """
    built = st.session_state.get(PLACEHOLDERS_KEY)
    if built is None:
        built = tuple(
            st.Page(_placeholder(title), title=title, icon=icon, url_path=slug) for _, title, icon, slug in STAFF
        )
        st.session_state[PLACEHOLDERS_KEY] = built
    return built


def on_staff_page() -> bool:
    """True when the request URL is one of the staff pages (they show the staff menu)."""
    return is_staff_url(st.context.url)  # None outside a browser session (AppTest)


def is_staff_url(url: str | None) -> bool:
    """True when ``url``'s path ends in a staff page's slug; False for no URL or one that does not parse."""
    from urllib.parse import urlsplit

    try:
        path = urlsplit(url or "").path.rstrip("/")
    except ValueError:  # the browser sends the URL: a malformed one (e.g. "http://[::1") is simply not a staff page
        return False
    return any(path.endswith(f"/{slug}") for slug in STAFF_SLUGS)
