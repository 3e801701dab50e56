"""Retakes through the real entry point (AppTest): Retake from a result, the second result shows the change
chart and sentences, and deleting from the manage link removes every attempt of the chain.

The app's questions folder holds only tests/data/good/debrief.yaml (see tests/test_app_results.py).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import storage
from scoring.models import Questionnaire, TextItem
from tests.candidate_support import button, new_app
from tests.test_app_results import answers_for, db, fixture_bank, result_page, unescape  # noqa: F401 (fixtures)
from ui.state import widget_key

RETAKE = "Retake the questionnaire"
CHANGE = "Your change over time"


def param(at: AppTest, name: str) -> str:
    value = at.query_params[name]
    return value[0] if isinstance(value, list) else value


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def answer_pages(at: AppTest, q: Questionnaire, answers: dict[str, Any]) -> None:
    """From the first question page: answer every page and submit."""
    for index, section in enumerate(q.sections):
        for item in section.items:
            if item.id not in answers:
                continue
            if isinstance(item, TextItem):
                at.text_area(key=widget_key(item.id)).input(answers[item.id])
            else:
                at.radio(key=widget_key(item.id)).set_value(answers[item.id])
        at.run()
        button(at, "See my result" if index == len(q.sections) - 1 else "Next").click().run()
        clean(at)


def subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def text_of(at: AppTest) -> str:
    """What a reader sees of the page's text (markdown escapes dropped)."""
    return unescape(
        " ".join([m.value for m in at.markdown] + [w.value for w in at.warning] + [i.value for i in at.info])
    )


def test_retake_then_the_second_result_shows_the_change_and_delete_removes_both(
    db: storage.Store,  # noqa: F811
    fixture_bank: Questionnaire,  # noqa: F811
) -> None:
    q = fixture_bank
    at = result_page(q, likert=2, text=None)
    first_r, first_d = param(at, "r"), param(at, "d")
    assert CHANGE not in subheaders(at)  # one attempt: nothing to compare yet
    button(at, RETAKE).click().run()
    clean(at)
    flow = at.session_state["cr_flow"]
    assert flow.stage == "questions" and flow.page == 0 and flow.answers == {}
    second_r, second_d = param(at, "r"), param(at, "d")
    assert second_r != first_r and second_d != first_d
    assert [a.public_id for a in db.history(second_r)] == [db.result(first_r).public_id]  # linked, not submitted

    answer_pages(at, q, answers_for(q, 5, None))
    assert at.session_state["cr_flow"].stage == "results"
    assert CHANGE in subheaders(at)
    charts = at.get("plotly_chart")
    change = [c for c in charts if json.loads(c.proto.spec)["layout"].get("meta", {}).get("kind") == "change"]
    assert len(change) == 1
    spec = json.loads(change[0].proto.spec)
    first, second = db.result(first_r), db.result(second_r)
    assert spec["layout"]["meta"]["values"]["overall"] == [first.overall, second.overall]
    assert first.overall is not None and second.overall is not None and second.overall > first.overall
    shown = text_of(at)
    assert f"Overall: {first.overall:.0f} → {second.overall:.0f}, up" in shown

    button(at, "Delete my response").click().run()
    clean(at)
    assert "This deletes all 2 attempts" in text_of(at)
    button(at, "Yes, delete everything").click().run()
    clean(at)
    assert at.session_state["cr_flow"].stage == "deleted"
    assert db.responses_frame(submitted_only=False).empty
    assert db.result(first_r) is None and db.result(second_r) is None


def test_the_view_only_link_offers_no_retake(db: storage.Store, fixture_bank: Questionnaire) -> None:  # noqa: F811
    at = result_page(fixture_bank, text=None)
    view = new_app({"r": param(at, "r")})
    view.run()
    clean(view)
    assert RETAKE not in [b.label for b in view.button]
    assert "open your private manage link" in text_of(view)


def test_a_changed_questionnaire_offers_no_comparison(
    db: storage.Store,  # noqa: F811
    fixture_bank: Questionnaire,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = result_page(fixture_bank, text=None)
    data = json.loads(fixture_bank.canonical_json())
    data["dimensions"][0]["weight"] = data["dimensions"][0].get("weight", 1) + 1
    changed = Questionnaire.model_validate(data)
    assert changed.scoring_key != fixture_bank.scoring_key
    monkeypatch.setattr("ui.resources.questionnaire_in", lambda qid, lang: changed)
    at.run()
    clean(at)
    assert RETAKE not in [b.label for b in at.button]
    assert "The questionnaire has changed since you took it" in text_of(at)
    assert len(db.responses_frame(submitted_only=False)) == 1


def test_the_first_attempts_bare_delete_link_removes_the_later_one_too(
    db: storage.Store,  # noqa: F811
    fixture_bank: Questionnaire,  # noqa: F811
) -> None:
    from service import submissions

    q = fixture_bank
    first = db.start(q)
    submissions.submit(db, first.resume_token, answers_for(q, 2, None))
    second = submissions.retake(db, q, first.resume_token, first.delete_token)
    submissions.submit(db, second.resume_token, answers_for(q, 4, None))
    other = db.start(q)
    at = new_app({"d": first.delete_token})
    at.run()
    clean(at)
    assert "This deletes all 2 attempts" in text_of(at)
    button(at, "Yes, delete everything").click().run()
    clean(at)
    assert db.responses_frame(submitted_only=False)["response_id"].tolist() == [other.public_id]
