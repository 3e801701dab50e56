"""The last line of defence: an unexpected error shows a friendly message (and is logged), never a traceback.

``RERAISE`` exists for the test suite only. ``tests/conftest.py`` sets it so AppTest sees a crash in
``at.exception`` instead of the friendly message, which would otherwise make ``assert not at.exception``
pass on a crashed page. It is a module attribute on purpose: no URL, query parameter, secret or
environment variable reaches it, so nobody can turn tracebacks on in a running app.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec

import streamlit as st

log = logging.getLogger("career_radar")

RERAISE = False

ERROR_ICON = ":material/error:"

# A callback's friendly message, waiting for the run that follows it to show it (see ``guarded``).
PENDING = "cr_callback_error"

P = ParamSpec("P")


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


def guarded(what: str, message: str, callback: Callable[P, Any]) -> Callable[P, None]:
    """``callback`` for a widget's ``on_click``/``on_change``, with the same promise as ``friendly_errors``.

    Streamlit runs callbacks before the script, outside any ``with friendly_errors(...)`` block, and
    shows its own error for what they raise. Here the error is logged and ``message`` is kept in the
    session for ``show_pending`` (called by the page and by its fragments) to show as the page's
    friendly error. Store errors never get here: the actions handle those themselves.
    """

    @functools.wraps(callback)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            callback(*args, **kwargs)
        except Exception:
            if RERAISE:
                raise
            log.exception("%s failed", what)
            st.session_state[PENDING] = message

    return run


def show_pending() -> None:
    """Show (once) the friendly message of a callback that failed just before this run."""
    message = st.session_state.pop(PENDING, None)
    if message:
        st.error(message, icon=ERROR_ICON)
