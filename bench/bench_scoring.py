"""Scoring speed on the real question bank; every figure is printed with a baseline from the same run.

(a) batch ``score_frame`` of 1,000,000 synthetic responses (from ``sample.generate``; only scoring timed);
(b) the single-response ``score`` in a loop over 20,000 responses, scaled to 1,000,000 — the baseline of (a);
(c) load + validate the bank (median of 20) against a bare ``yaml.safe_load`` of the same file, and
    scoring one response (median) against the batch path on a one-row frame.

Run from the repository root: ``python bench/bench_scoring.py [--rows N]``. Takes well under 3 minutes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoring.engine import answers_from_row, score, score_frame  # noqa: E402
from scoring.loader import load  # noqa: E402
from scoring.sample import generate  # noqa: E402

BANK = ROOT / "questions" / "strategic-candidate.yaml"
LOOP_ROWS = 20_000


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_time(fn: Callable[[], object], repeat: int, inner: int = 1) -> float:
    """Median seconds of one call, over ``repeat`` rounds of ``inner`` calls."""
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        rounds.append((time.perf_counter() - start) / inner)
    return statistics.median(rounds)


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="responses for the batch run (default 1,000,000)")
    args = parser.parse_args()

    q = load(BANK)
    print(
        f"bank: {BANK.relative_to(ROOT)} ({q.meta.id} {q.meta.version} {q.short_hash}),"
        f" {len(q.scored_items())} scored items"
    )

    # ----- (a) batch, (b) loop -----------------------------------------------------------------
    start = time.perf_counter()
    frame = generate(q, args.rows, seed=1)
    t_gen = time.perf_counter() - start
    print(f"\ngenerated {args.rows:,} synthetic responses in {t_gen:.1f} s (not part of the figures)")

    score_frame(q, frame.head(1_000))  # warm caches (plan) outside the timing
    batch = min(timed(lambda: score_frame(q, frame)) for _ in range(3))
    per_million = batch * 1_000_000 / args.rows
    print(f"(a) batch score_frame, {args.rows:,} responses: {batch:.2f} s (best of 3)  [target ≤ 2 s per 1,000,000]")

    rows = frame.head(LOOP_ROWS).to_dict("records")
    answers = [answers_from_row(q, row) for row in rows]  # parsing cells is not part of scoring

    def loop() -> None:
        for a in answers:
            score(q, a)

    loop_time = timed(loop)
    loop_million = loop_time * 1_000_000 / len(answers)
    ratio = loop_million / per_million
    print(
        f"(b) score() in a loop, {len(answers):,} responses: {loop_time:.2f} s"
        f" → {loop_million:.0f} s per 1,000,000 (scaled)"
    )
    print(f"    batch vs loop: {ratio:.0f}× faster  [target ≥ 50×] — {verdict(ratio >= 50)}")
    print(f"    batch per 1,000,000: {per_million:.2f} s — {verdict(per_million <= 2)}")

    # ----- (c) load and one response -------------------------------------------------------------
    text = BANK.read_text(encoding="utf-8")
    t_yaml = median_time(lambda: yaml.safe_load(text), repeat=20)
    t_load = median_time(lambda: load(BANK), repeat=20)
    print(
        f"\n(c) load + validate the bank: {1000 * t_load:.1f} ms (median of 20)  [target ≤ 50 ms]"
        f" — {verdict(t_load <= 0.05)}"
    )
    print(f"    baseline yaml.safe_load of the same file: {1000 * t_yaml:.1f} ms → load is {t_load / t_yaml:.2f}× that")
    if hasattr(yaml, "CSafeLoader"):  # libyaml: the fastest bare parse PyYAML offers
        t_c = median_time(lambda: yaml.load(text, Loader=yaml.CSafeLoader), repeat=20)
        print(f"    baseline yaml.load(CSafeLoader): {1000 * t_c:.1f} ms → load is {t_load / t_c:.2f}× that")

    one = answers[0]
    one_frame = frame.head(1)
    t_one = median_time(lambda: score(q, one), repeat=20, inner=100)
    t_one_batch = median_time(lambda: score_frame(q, one_frame), repeat=20, inner=10)
    print(
        f"    score one response: {1000 * t_one:.3f} ms (median of 20 × 100)  [target ≤ 1 ms]"
        f" — {verdict(t_one <= 0.001)}"
    )
    print(
        f"    baseline score_frame on a one-row frame: {1000 * t_one_batch:.3f} ms"
        f" → score() is {t_one_batch / t_one:.1f}× faster for a single response"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
