"""The dashboard's exact-figure reads through the cohort rollup against the scan they replace (issue 12 item 6).

On one PostgreSQL schema (an existing bench database, e.g. bench_dashscale_10000000): the five reads
behind the page's headline, band split and filter lists — ``questionnaire_versions``, ``campaign_counts``
and three grouped aggregates over the last 180 days — with the rollup switched on and off
(``ReadModel._rollup``), alternated ``REPEAT`` times; prints median (min–max) and checks the frames equal.

    python bench/bench_rollup.py bench_dashscale_1000000 3
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage import Filters, Store


def main(schema: str, reps: int, day: date = date(2026, 12, 1)) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    with Store(url) as s:
        key = s.questionnaire_versions().sort_values("submitted").iloc[-1]["scoring_key"]
        base = {"scoring_key": key, "since": day - timedelta(days=180), "until": day + timedelta(days=1)}

        def reads() -> list[pd.DataFrame]:
            return [
                s.questionnaire_versions(),
                s.campaign_counts(),
                s.aggregate("band", Filters(**base, submitted_only=False), counts=True),
                s.aggregate("band", Filters(**base), counts=True),
                s.aggregate("band", Filters(**base, shared_only=True), counts=True),
            ]

        times: dict[str, list[float]] = {"rollup": [], "scan": []}
        frames: dict[str, list[pd.DataFrame]] = {}
        print("load", Path("/proc/loadavg").read_text()[:15], flush=True)
        for r in range(reps):
            for mode in ["rollup", "scan"] if r % 2 == 0 else ["scan", "rollup"]:
                s._rollup = mode == "rollup"
                t = time.perf_counter()
                frames[mode] = reads()
                times[mode].append(time.perf_counter() - t)
                print(f"rep {r + 1} {mode:6} {times[mode][-1]:.3f} s", flush=True)
        for fast, slow in zip(frames["rollup"], frames["scan"], strict=True):
            pd.testing.assert_frame_equal(fast, slow, rtol=1e-9, atol=1e-9)
        for mode, ts in times.items():
            print(f"{mode}: median {statistics.median(ts):.3f} s ({min(ts):.3f}–{max(ts):.3f})")
        print("equal frames; load", Path("/proc/loadavg").read_text()[:15])


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
