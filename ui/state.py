"""Every session key of the candidate flow in one place.

Answers live in one dict keyed by item id (``ANSWERS``), separate from widget keys, so answers on
pages that are not rendered are never lost and scoring takes a plain mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import streamlit as st

if TYPE_CHECKING:  # annotations only: the candidate flow's state must not import the database layer
    from access.branding import Recruiter
    from scoring.models import Result
    from storage import Attribution, Store, Stored

Stage = Literal["welcome", "questions", "results", "deleted", "delete_link"]

FLOW = "cr_flow"


@dataclass
class Flow:
    """The candidate's position and answers; one object per browser session."""

    questionnaire_id: str
    content_hash: str | None = None
    stage: Stage = "welcome"
    page: int = 0
    answers: dict[str, Any] = field(default_factory=dict)
    unsaved: dict[str, Any] = field(default_factory=dict)  # given but not yet in the store
    resume_token: str | None = None
    delete_token: str | None = None
    public_id: str | None = None
    submitted: Stored | None = None  # once the store has the submission
    local_result: Result | None = (
        None  # the Result shown: the stored scores, or a preview while the store is unreachable
    )
    preview_flags: tuple[str, ...] = ()  # a preview's quality flags, computed with local_result
    store_failed: bool = False
    notices: list[str] = field(default_factory=list)
    attribution: Attribution | None = None
    recruiter: Recruiter | None = None  # branding of the recruiter who sent the link
    confirm_delete: bool = False
    page_error: list[str] | None = None  # required questions left unanswered on this page
    scroll_top: bool = False
    pending_delete: str | None = None  # a deletion token from a ?d= link, awaiting confirmation
    input_errors: dict[str, str] = field(default_factory=dict)  # item id → why its text can't be saved
    gone: bool = False  # the stored response was deleted elsewhere (another tab): nothing saves until they choose
    # The store this response is written to, once one was reached (ui.candidate.store_of).
    store: Store | None = field(default=None, repr=False, compare=False)


def flow() -> Flow | None:
    flow: Flow | None = st.session_state.get(FLOW)
    return flow


def set_flow(value: Flow | None) -> None:
    if value is None:
        st.session_state.pop(FLOW, None)
    else:
        st.session_state[FLOW] = value


def widget_key(item_id: str) -> str:
    return f"cr_item_{item_id}"
