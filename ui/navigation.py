"""The app's pages, built once per session (an st.Page holds per-run state: never share one between sessions)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from ui.lang import current, t

PAGES = Path(__file__).resolve().parent / "pages"
DASHBOARD_TITLE = "Coach dashboard"  # the menu entry and the page's own title (in English; see menu_title)
# (file, English title, icon, URL slug). The slugs are addresses people bookmark: never translated.
STAFF = (
    ("links.py", "Link builder", ":material/link:", "links"),
    ("recruiter.py", "My candidates", ":material/group:", "candidates"),
    ("dashboard.py", DASHBOARD_TITLE, ":material/insights:", "dashboard"),
)
STAFF_SLUGS = tuple(slug for *_, slug in STAFF)


PAGES_KEY = "cr_pages"
BUILT_IN_KEY = "cr_pages_lang"  # the language the session's page objects were titled in


def menu_title(slug: str) -> str:
    """A staff page's title in the session's language (the menu entry and the page's own title)."""
    # Spelled out so the strings are extracted for translation; STAFF keeps the English titles.
    titles = {"links": t("Link builder"), "candidates": t("My candidates"), "dashboard": t("Coach dashboard")}
    return titles[slug]


def _built(key: str) -> Any:
    """What the session built under ``key``, if it was built for the session's current language."""
    built = st.session_state.get(key)
    return built if st.session_state.get(f"{BUILT_IN_KEY}.{key}") == current() else None


def _keep(key: str, built: Any) -> None:
    st.session_state[key] = built
    st.session_state[f"{BUILT_IN_KEY}.{key}"] = current()


def pages() -> tuple[st.Page, tuple[st.Page, ...]]:
    """(the candidate quiz, the staff pages that exist), built once per session.

    Not once per process: an ``st.Page`` carries per-run state (``st.navigation`` marks the page that
    may run and ``Page.run`` clears the mark), so one object shared by all sessions lets two sessions
    rerunning at the same moment trip each other ("This page cannot be called directly"). The load
    test (bench/load) hit that with 10 concurrent candidates. A session reruns one script at a time,
    so its own objects are safe, and reruns still skip rebuilding them. A change of language rebuilds
    them once, with translated titles (same files and slugs, so the same pages).
    """
    built = _built(PAGES_KEY)
    if built is None:
        built = _build()
        _keep(PAGES_KEY, built)
    return built


def _build() -> tuple[st.Page, tuple[st.Page, ...]]:
    quiz = st.Page(PAGES / "quiz.py", title="Career Radar", icon=":material/explore:", default=True)
    staff = tuple(
        st.Page(PAGES / name, title=menu_title(slug), icon=icon, url_path=slug)
        for name, _title, icon, slug in STAFF
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
        t(
            "Recruiter and coach pages open only in a browser tab of their own, not inside an embedded quiz or "
            "from a candidate's link. Open this address in a new tab without `embed=true` or link parameters, "
            "and sign in there."
        ),
        icon=":material/lock:",
    )
    if st.button(t("Go to the questionnaire"), type="primary"):
        st.switch_page(pages()[0])


PLACEHOLDERS_KEY = "cr_placeholder_pages"


def placeholders() -> tuple[st.Page, ...]:
    """Stand-ins at the staff addresses for candidate-only sessions (embeds, candidate links).

    Without them Streamlit answers an unknown address with its own "Page not found" dialog. Built once
    per session, like ``pages``, for the same reason.
    """
    built = _built(PLACEHOLDERS_KEY)
    if built is None:
        built = tuple(
            st.Page(_placeholder(menu_title(slug)), title=menu_title(slug), icon=icon, url_path=slug)
            for *_, icon, slug in STAFF
        )
        _keep(PLACEHOLDERS_KEY, built)
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
