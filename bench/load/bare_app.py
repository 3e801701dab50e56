"""The load test's baseline arm: a bare Streamlit page with the quiz's widgets and none of its work.

``bench_load.py --arms app,bare`` drives this page with the same browsers, the same driver and the
same think times as ``app.py``, so the project's latency is read against Streamlit's own floor on the
same machine in the same run. It draws what the candidate quiz draws — a title and Start button; per
section of the shipped bank a progress bar with "n of m answered", a header, one radio group per
question (the same labels and options, ``index=None``, horizontal for scales), a text area for text
items, Back/Next or "See my result"; a results page with two static Plotly charts and three download
buttons — and keeps answers in a per-process dict (``st.cache_resource``) keyed by a token in the
address bar (so a reload carries on, as in the app). No database, no scoring, no interpretation,
no links, no error guard.

The bank's shape is read once per process (``st.cache_resource``); nothing per rerun touches the
project's code.
"""

from __future__ import annotations

import secrets
import sys
import threading
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import streamlit as st

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

BANK = ROOT / "questions" / "strategic-candidate.yaml"


@st.cache_resource
def memory() -> tuple[dict[str, dict[str, Any]], threading.Lock]:
    """token -> answers, one per process (the script's own globals are new on every run): the bare floor of saving."""
    return {}, threading.Lock()


ANSWERS, LOCK = memory()


@st.cache_resource
def shape() -> tuple[str, list[dict[str, Any]]]:
    """(title, sections): per section its title and per question (id, kind, text, options, labels)."""
    from scoring.loader import load
    from scoring.models import ChoiceItem, TextItem

    q = load(BANK)
    sections = []
    for section in q.sections:
        items = []
        for item in section.items:
            if isinstance(item, TextItem):
                items.append({"id": item.id, "kind": "text", "text": item.text, "required": item.required})
            elif isinstance(item, ChoiceItem):
                labels = {o.id: o.label for o in item.options}
                items.append({"id": item.id, "kind": "choice", "text": item.text, "labels": labels})
            else:  # Likert and claim items: a horizontal scale
                labels = {p.value: p.label for p in q.scales[item.scale].points}
                items.append({"id": item.id, "kind": "scale", "text": item.text, "labels": labels})
        sections.append({"title": section.title, "items": items})
    return q.meta.title, sections


def answered(value: Any) -> bool:
    return value is not None and value != ""


def save(token: str, item_id: str) -> None:
    with LOCK:
        ANSWERS.setdefault(token, {})[item_id] = st.session_state[f"q_{item_id}"]


def first_open(sections: list[dict[str, Any]], answers: dict[str, Any]) -> int:
    for n, section in enumerate(sections):
        if any(i["kind"] != "text" and not answered(answers.get(i["id"])) for i in section["items"]):
            return n
    return len(sections) - 1


def start() -> None:
    token = secrets.token_urlsafe(16)
    with LOCK:
        ANSWERS[token] = {}
    st.session_state.update(token=token, page=0, stage="quiz")
    st.query_params["r"] = token


def go_to(step: int) -> None:
    st.session_state.page += step


def submit() -> None:
    st.session_state.stage = "done"


def welcome(title: str) -> None:
    st.title(title)
    st.markdown("A short, private reflection on how you work with recruiters and how you plan your next move.")
    st.button("Start", type="primary", on_click=start, icon=":material/arrow_forward:")


def questions(sections: list[dict[str, Any]]) -> None:
    token, page = st.session_state.token, st.session_state.page
    answers = ANSWERS.get(token, {})
    scored = [i for s in sections for i in s["items"] if i["kind"] != "text"]
    done = sum(answered(answers.get(i["id"])) for i in scored)
    section = sections[page]
    st.progress(done / len(scored), text=f"Page {page + 1} of {len(sections)} · {done} of {len(scored)} answered")
    st.header(section["title"])
    for item in section["items"]:
        key = f"q_{item['id']}"
        if key not in st.session_state and answered(answers.get(item["id"])):
            st.session_state[key] = answers[item["id"]]
        if item["kind"] == "text":
            label = item["text"] if item["required"] else f"{item['text']} (optional)"
            st.text_area(label, key=key, on_change=save, args=(token, item["id"]))
        else:
            labels = item["labels"]
            st.radio(
                item["text"], list(labels), index=None, format_func=labels.__getitem__,
                horizontal=item["kind"] == "scale", key=key, on_change=save, args=(token, item["id"]),
            )  # fmt: skip
    back, nxt = st.columns(2)
    if page > 0:
        back.button("Back", on_click=go_to, args=(-1,), icon=":material/arrow_back:", width="stretch")
    if page == len(sections) - 1:
        nxt.button("See my result", type="primary", on_click=submit, width="stretch")
    else:
        nxt.button("Next", type="primary", on_click=go_to, args=(1,), icon=":material/arrow_forward:", width="stretch")


def results(sections: list[dict[str, Any]]) -> None:
    answers = ANSWERS.get(st.session_state.token, {})
    counts = [sum(answered(answers.get(i["id"])) for i in s["items"]) for s in sections]
    names = [s["title"] for s in sections]
    st.caption("Your result")
    st.title("Done")
    static = {"displayModeBar": False, "staticPlot": True}
    st.plotly_chart(go.Figure(go.Bar(x=counts, y=names, orientation="h")), config=static, width="stretch")
    st.subheader("Area by area")
    st.plotly_chart(go.Figure(go.Scatterpolar(r=counts, theta=names, fill="toself")), config=static, width="stretch")
    text = "\n".join(f"{k},{v}" for k, v in answers.items())
    files = [("PDF report", "r.pdf"), ("My answers (CSV)", "a.csv"), ("My answers (JSON)", "a.json")]
    for column, (label, name) in zip(st.columns(3), files, strict=True):
        column.download_button(label, data=text, file_name=name, on_click="ignore")


def main() -> None:
    title, sections = shape()
    if "stage" not in st.session_state:
        token = st.query_params.get("r")
        if token and token in ANSWERS:  # a reload: carry on where the answers stop
            st.session_state.update(token=token, page=first_open(sections, ANSWERS[token]), stage="quiz")
        else:
            st.session_state.stage = "welcome"
    stage = st.session_state.stage
    if stage == "welcome":
        welcome(title)
    elif stage == "quiz":
        questions(sections)
    else:
        results(sections)


main()
