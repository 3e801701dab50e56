"""The last line of defence: an unexpected error shows a friendly message (and is logged), never a traceback.

``RERAISE`` exists for the test suite only. ``tests/conftest.py`` sets it so AppTest sees a crash in
``at.exception`` instead of the friendly message, which would otherwise make ``assert not at.exception``
pass on a crashed page. It is a module attribute on purpose: no URL, query parameter, secret or
environment variable reaches it, so nobody can turn tracebacks on in a running app.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

log = logging.getLogger("career_radar")

RERAISE = False

ERROR_ICON = ":material/error:"


@contextmanager
def friendly_errors(what: str, message: str) -> Iterator[None]:
    """Run the body; on any ``Exception`` log it with ``what`` and show ``message`` instead.

    A catch-all is the contract here: this wraps whole pages, so anything unforeseen must end in a
    logged error and a calm message. ``st.rerun``/``st.stop`` raise ``BaseException`` subclasses and
    pass through untouched.
    """
    try:
        yield
    except Exception:
        if RERAISE:
            raise
        log.exception("%s failed", what)
        st.error(message, icon=ERROR_ICON)
