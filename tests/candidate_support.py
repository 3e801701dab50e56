"""Helpers for driving the candidate flow in AppTest: answer sets and page walking."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.testing.v1 import AppTest

from scoring.loader import load
from scoring.models import ChoiceItem, ClaimItem, LikertItem, Questionnaire
from ui.state import widget_key

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
BANK = ROOT / "questions" / "strategic-candidate.yaml"


def bank() -> Questionnaire:
    return load(BANK)


def answer_set(q: Questionnaire, kind: str) -> dict[str, Any]:
    """'strategic': the most strategic answer everywhere; 'tactical': the least; 'neutral': midpoints.

    Over-claiming check statements are answered honestly (the lowest point: nobody knows the things they name).
    """
    out: dict[str, Any] = {
        item.id: q.scales[item.scale].values()[0] for item in q.items() if isinstance(item, ClaimItem)
    }
    for item in q.scored_items():
        if isinstance(item, LikertItem):
            values = q.scales[item.scale].values()
            high, low = (values[0], values[-1]) if item.reverse else (values[-1], values[0])
            out[item.id] = {"strategic": high, "tactical": low, "neutral": values[len(values) // 2]}[kind]
        elif isinstance(item, ChoiceItem):
            ranked = sorted(item.options, key=lambda o: sum(o.scores.values()))
            # Neutral: the option closest to 0.5 on average (the bank's balanced middle).
            middle = min(item.options, key=lambda o: abs(sum(o.scores.values()) / max(len(o.scores), 1) - 0.5))
            out[item.id] = {"strategic": ranked[-1], "tactical": ranked[0], "neutral": middle}[kind].id
    return out


def new_app(params: dict[str, str] | None = None, secrets: dict[str, Any] | None = None) -> AppTest:
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=30)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    for k, v in (secrets or {}).items():
        at.secrets[k] = v
    return at


GUARD_MESSAGE = "Something went wrong on our side"


def assert_clean(at: AppTest) -> None:
    """The last run raised nothing and showed no error element at all.

    Both checks matter: under test the app's guard re-raises (tests/conftest.py), so a crash lands in
    ``at.exception``; a page that catches for itself would still show an ``st.error`` element.
    """
    # Streamlit redacts the message; the stack trace's last lines name the exception.
    assert not at.exception, [[e.value, *e.stack_trace[-2:]] for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def button(at: AppTest, label: str) -> Any:
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
    return matches[0]


def answer_page(at: AppTest, q: Questionnaire, answers: dict[str, Any]) -> list[str]:
    """Set every question widget on the current page from ``answers``; returns the item ids set."""
    done = []
    for item in q.items():
        key = widget_key(item.id)
        try:
            widget = at.radio(key=key)
        except KeyError:
            continue
        if item.id in answers:
            widget.set_value(answers[item.id])
            done.append(item.id)
    at.run()
    return done


def walk_to_result(at: AppTest, q: Questionnaire, answers: dict[str, Any]) -> None:
    """From the welcome page, answer every page and submit."""
    button(at, "Start").click().run()
    assert_clean(at)
    for index in range(len(q.sections)):
        answer_page(at, q, answers)
        assert_clean(at)
        label = "See my result" if index == len(q.sections) - 1 else "Next"
        button(at, label).click().run()
        assert_clean(at)


def fragment_run(at: AppTest) -> AppTest:
    """``at.run()`` as the browser does it for a widget inside the page's one ``st.fragment``: only the fragment.

    AppTest itself always reruns the whole script, so the script runner is asked for the fragment, as
    a browser's rerun request names it. Afterwards ``at``'s element tree holds what that run sent (the
    fragment's elements), unless the fragment asked for a whole-page rerun.
    """
    from streamlit.testing.v1 import local_script_runner

    fragments = list(at._fragment_storage._fragments)
    if not fragments:  # a version of the page without a fragment: the whole script reruns
        return at.run()
    (fragment_id,) = fragments
    plain = local_script_runner.RerunData
    local_script_runner.RerunData = functools.partial(plain, fragment_id_queue=[fragment_id])
    try:
        return at.run()
    finally:
        local_script_runner.RerunData = plain
