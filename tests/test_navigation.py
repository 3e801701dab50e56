"""Pages are built once per session, never shared between sessions.

An st.Page carries per-run state (st.navigation marks the page that may run; Page.run clears the mark),
so objects shared between sessions let two concurrent reruns trip each other: under 10 concurrent
candidates (bench/load) some got "Something went wrong" from "This page cannot be called directly".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.candidate_support import new_app
from ui.navigation import PAGES_KEY


@pytest.fixture(autouse=True)
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREER_RADAR_DATABASE_URL", f"sqlite:///{tmp_path / 'cr.sqlite3'}")


def test_each_session_gets_its_own_page_objects_and_keeps_them_across_reruns() -> None:
    one, two = new_app(), new_app()
    one.run()
    two.run()
    for at in (one, two):
        assert not at.exception and not at.error
    quiz_one, staff_one = one.session_state[PAGES_KEY]
    quiz_two, staff_two = two.session_state[PAGES_KEY]
    assert quiz_one is not quiz_two
    assert not {id(p) for p in staff_one} & {id(p) for p in staff_two}
    one.run()  # a rerun reuses this session's objects (no rebuild on every click)
    assert not one.exception and not one.error
    assert one.session_state[PAGES_KEY][0] is quiz_one


def test_candidate_only_sessions_get_their_own_placeholder_pages() -> None:
    from ui.navigation import PLACEHOLDERS_KEY

    # A campaign link makes the session candidate-only (AppTest hides "embed" from st.query_params).
    one, two = new_app({"c": "not-a-real-link"}), new_app({"c": "not-a-real-link"})
    one.run()
    two.run()
    for at in (one, two):
        assert not at.exception and not at.error
    first, second = one.session_state[PLACEHOLDERS_KEY], two.session_state[PLACEHOLDERS_KEY]
    assert len(first) == len(second) == 3
    assert not {id(p) for p in first} & {id(p) for p in second}
