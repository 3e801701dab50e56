"""Rerun cost of the quiz page on a Next click, against a bare script with the same radios.

Both run in the same process and the same run (the machine is shared and noisy), through AppTest,
so the ratio isolates what Career Radar adds: answers dict, progress, saving to the store.
Target (issue 4): ratio ≤ 1.5.

    python bench/bench_rerun.py [--rounds 25]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def bare_script() -> None:
    import streamlit as st

    n = st.session_state.get("n_radios", 6)
    for i in range(n):
        st.radio(f"Question {i}", [1, 2, 3, 4, 5], index=None, horizontal=True, key=f"q{i}")
    st.button("Next")


def time_bare(rounds: int, n_radios: int) -> list[float]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(bare_script, default_timeout=30)
    at.session_state["n_radios"] = n_radios
    at.run()
    for r in at.radio:
        r.set_value(3)
    at.run()
    out = []
    for _ in range(rounds):
        at.button[0].click()
        t = time.perf_counter()
        at.run()
        out.append(time.perf_counter() - t)
    return out


def time_quiz(rounds: int) -> tuple[list[float], int]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.candidate_support import answer_page, answer_set, bank, button

    q = bank()
    answers = answer_set(q, "neutral")
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    button(at, "Start").click().run()
    answer_page(at, q, answers)
    radios = 0
    out = []
    for _ in range(rounds):
        button(at, "Next").click()
        t = time.perf_counter()
        at.run()
        out.append(time.perf_counter() - t)
        assert not at.exception, at.exception
        radios = len(at.radio)  # the page the Next click rendered
        answer_page(at, q, answers)
        button(at, "Back").click().run()
    return out, radios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CAREER_RADAR_DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        quiz, radios = time_quiz(args.rounds)
        bare = time_bare(args.rounds, radios)
    q_med, b_med = statistics.median(quiz), statistics.median(bare)
    print(f"radios on the timed page: {radios}; rounds: {args.rounds}")
    print(f"bare script rerun (baseline): median {b_med * 1000:.1f} ms")
    print(f"quiz page Next rerun:        median {q_med * 1000:.1f} ms")
    print(f"ratio quiz / bare: {q_med / b_med:.2f}  (target ≤ 1.5)")


if __name__ == "__main__":
    main()
