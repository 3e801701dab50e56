"""Career Radar entry point (placeholder until the candidate flow lands)."""

from pathlib import Path

import streamlit as st

from scoring.loader import load

st.set_page_config(page_title="Career Radar", page_icon="🧭")
q = load(Path(__file__).parent / "questions" / "strategic-candidate.yaml")
st.title(q.meta.title)
st.write(q.meta.description)
