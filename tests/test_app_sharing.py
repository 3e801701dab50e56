"""Sharing through the real entry point (AppTest, on SQLite and, with TEST_DATABASE_URL, PostgreSQL).

What a share sends (a brief; scores only when ticked; a preview first), and who may share, stop sharing
or delete: only a page opened with the result's own manage token, verified by the store. The attack
these guard against: the view-only result link (printed in the PDF) with a foreign or made-up ``&d=``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import streamlit as st

import storage
from reports.brief import question_choices
from scoring.engine import score
from scoring.interpret import interpret
from service import submissions
from tests.candidate_support import answer_page, answer_set, bank, button, new_app
from ui.notices import foreign_manage, manage_unchecked
from ui.state import widget_key

SECRET = "a-test-secret-long-enough-for-links"
WANT = "A head-of-content role in a B2B scale-up <b>bold</b>"


@pytest.fixture
def db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[storage.Store]:
    """The app's store: SQLite, and PostgreSQL too when TEST_DATABASE_URL is set (conftest.db_url)."""
    monkeypatch.setenv("CAREER_RADAR_DATABASE_URL", db_url)
    monkeypatch.setenv("CAREER_RADAR_LINK_SECRET", SECRET)
    s = storage.Store(db_url)
    yield s
    s.close()
    st.cache_resource.clear()  # the app's own engine on this database


def signed() -> str:
    from access.links import LinkPayload, sign_link

    payload = LinkPayload(recruiter="dana-whitfield", campaign="spring-2027", questionnaire="strategic-candidate")
    return sign_link(payload, SECRET)


def _param(at, name: str) -> str:
    value = at.query_params[name]
    return value[0] if isinstance(value, list) else value


def answers(q, kind: str = "neutral") -> dict:
    out = answer_set(q, kind)
    text_items = [i.id for i in q.items() if i.type == "text"]
    if text_items:
        out[text_items[0]] = WANT
    return out


def finished(db, kind: str = "neutral"):
    """A candidate who came through Dana's link and saw their result: (AppTest, r, d)."""
    q = bank()
    at = new_app({"c": signed()})
    at.run()
    given = answers(q, kind)
    button(at, "Start").click().run()
    for index, section in enumerate(q.sections):
        answer_page(at, q, given)
        for item in section.items:
            if item.type == "text" and item.id in given:  # answer_page sets choices only
                at.text_area(key=widget_key(item.id)).input(given[item.id]).run()
        button(at, "See my result" if index == len(q.sections) - 1 else "Next").click().run()
    assert not at.exception and not at.error
    return at, _param(at, "r"), _param(at, "d")


def other_response(db):
    q = bank()
    started = db.start(q, storage.Attribution("dana-whitfield", "spring-2027"))
    submissions.submit(db, started.resume_token, answer_set(q, "strategic"))
    return started


def labels(at) -> list[str]:
    return [b.label for b in at.button]


def page_text(at) -> str:
    return " ".join(
        [m.value for m in at.markdown]
        + [c.value for c in at.caption]
        + [i.value for i in at.info]
        + [s.value for s in at.success]
    )


def preview(at) -> str:
    """The markdown of the share preview only (the candidate's own result above it shows scores, of course)."""
    values = [m.value for m in at.markdown]
    start = next(i for i, v in enumerate(values) if v.startswith("**Preview"))
    end = next(i for i, v in enumerate(values) if v.startswith("**View-only result link"))
    return " ".join(values[start:end])


def manage_controls(at) -> list[str]:
    return [x for x in labels(at) if x.startswith("Share my result") or x in ("Stop sharing", "Delete my response")]


# ----- who may manage ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["foreign", "garbage", "empty-ish", "own result token"])
def test_the_result_link_with_a_d_that_is_not_its_own_can_neither_share_nor_delete(db, kind: str) -> None:
    _, r, d = finished(db)
    other = other_response(db)
    bad = {"foreign": other.delete_token, "garbage": "x' OR 1=1 --", "empty-ish": "A" * 20, "own result token": r}
    at = new_app({"r": r, "d": bad[kind]})
    at.run()
    assert not at.exception and not at.error
    assert manage_controls(at) == []
    assert foreign_manage() in [i.value for i in at.info]
    assert "d" not in at.query_params  # the address bar keeps only what this link may do
    assert "view-only" in page_text(at)
    # Nothing changed for either response.
    frame = db.responses_frame(submitted_only=False)
    assert len(frame) == 2 and not frame["shared"].any()
    assert db.can_manage(r, d) and db.can_manage(other.resume_token, other.delete_token)


def test_when_the_manage_link_cannot_be_checked_the_page_is_view_only_until_a_reload(
    db, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, r, d = finished(db)

    def down(*args, **kwargs):
        raise storage.StoreUnavailable("the database is unavailable")

    monkeypatch.setattr(storage.Store, "can_manage", down)
    at = new_app({"r": r, "d": d})
    at.run()
    assert not at.exception and not at.error
    assert manage_controls(at) == []
    assert manage_unchecked() in [i.value for i in at.info]
    assert _param(at, "d") == d  # kept, so a reload can check it again


def test_the_result_link_alone_shows_the_state_and_says_which_link_manages(db) -> None:
    _, r, _ = finished(db)
    at = new_app({"r": r})
    at.run()
    assert not at.exception and not at.error
    assert manage_controls(at) == []
    text = page_text(at)
    assert "view-only" in text and "private manage link" in text
    assert foreign_manage() not in [i.value for i in at.info]  # nothing was appended: no notice


def test_the_own_manage_link_opens_the_result_with_the_controls(db) -> None:
    _, r, d = finished(db)
    at = new_app({"r": r, "d": d})
    at.run()
    assert not at.exception and not at.error
    assert any(x.startswith("Share my result") for x in labels(at)) and "Delete my response" in labels(at)
    codes = [c.value for c in at.code]
    assert any(f"r={r}" in c and f"d={d}" in c for c in codes)  # the manage link, shown with its meaning
    assert any(c.endswith(f"?r={r}") for c in codes)  # the view-only link
    text = page_text(at)
    assert "View-only result link" in text and "Private manage link" in text


def test_a_bare_d_link_still_deletes_its_own_response_only(db) -> None:
    _, _, d = finished(db)
    other = other_response(db)
    at = new_app({"d": d})
    at.run()
    button(at, "Yes, delete everything").click().run()
    assert not at.exception and not at.error
    left = db.responses_frame(submitted_only=False)["response_id"].tolist()
    assert left == [other.public_id]


# ----- what is shared --------------------------------------------------------------------------


def share_button(at):
    return next(b for b in at.button if b.label.startswith("Share my result"))


def test_by_default_the_brief_is_shared_without_scores_and_the_preview_says_so(db) -> None:
    q = bank()
    at, r, _ = finished(db)
    interp = interpret(q, score(q, answers(q)))
    assert at.text_area(key="cr_share_want").value == WANT  # their free-text answer, editable
    picks = [c for c in at.checkbox if c.key and c.key.startswith("cr_pick_")]
    assert picks and not any(c.value for c in picks)  # nothing picked until the candidate picks
    first_key, _, first_question = question_choices(interp)[0]
    at.checkbox(key=f"cr_pick_{first_key}").check().run()
    shown = preview(at)
    assert first_question in shown and "Scores:** not shared" in shown
    assert interp.label not in shown and "/ 100" not in shown
    assert not any(d.band_label in shown for d in interp.dimensions if d.band_label)
    assert "<b>" not in shown and "head-of-content" in shown  # the candidate's text, shown inert

    share_button(at).click().run()
    assert not at.exception and not at.error
    stored = db.result(r)
    assert stored.shared and stored.share_scores is False
    assert stored.brief.want_next == WANT and stored.brief.questions == [first_question]
    low = q.bands.dimension[0].id
    assert [tp.dimension for tp in stored.brief.talking_points] == [
        d.id for d in interp.dimensions if d.score is not None and d.band != low
    ]


def test_ticking_scores_previews_and_shares_them(db) -> None:
    q = bank()
    at, r, _ = finished(db, "strategic")
    interp = interpret(q, score(q, answers(q, "strategic")))
    assert interp.label not in preview(at) and "/ 100" not in preview(at)
    at.checkbox(key="cr_share_scores").check().run()
    shown = preview(at)  # markdown-escaped, hence the pieces
    assert f"Profile\\: {interp.label}" in shown and f"{interp.overall:.0f} / 100" in shown
    share_button(at).click().run()
    assert not at.exception and not at.error
    assert db.result(r).share_scores is True
    assert any("brief and your scores" in s.value for s in at.success)


def test_a_cleared_want_next_is_not_shared(db) -> None:
    at, r, _ = finished(db)
    at.text_area(key="cr_share_want").input("").run()
    share_button(at).click().run()
    assert not at.error
    assert db.result(r).brief.want_next is None
