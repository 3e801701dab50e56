"""Scoring speed on the real question bank, each figure paired with a baseline timed in the same run.

At every scale (default 10,000, 100,000 and 1,000,000 synthetic responses from ``sample.generate``;
generation is not timed) one repetition runs, in an order that rotates from one repetition to the next:

A  batch ``score_frame`` on the generated frame (Likert columns as integers, choice columns as text);
T  the same on a text frame, every cell a string as a CSV reader yields it (blank = unanswered);
F  the floor: given the already-keyed float matrix K (rows × item loadings, NaN when blank) and the
   weight matrix W (loadings × dimensions), ``nan_to_num(K) @ W``, ``(~isnan(K)) @ W`` and their quotient —
   the arithmetic of a weighted mean that no scorer can skip (no parsing, keying, rules or bands);
G  the same floor with the mask cast to float first, so both products are BLAS calls (a stricter floor);
L  the single-response ``score`` in a loop over a fixed subsample of ``--loop-rows`` responses (answers
   dicts built beforehand, so the loop is timed without any cell parsing: that flatters the loop),
   scaled per row to the scale (loop seconds × rows / subsample).

Every variant gets the same number of repetitions; the script prints median and min–max of each and
the ratios of the medians, with the min–max of the per-repetition ratios. BLAS is held to one thread
(OPENBLAS_NUM_THREADS=1 and friends, set before numpy loads). Then load + validate the bank against
a bare safe load (libyaml's ``CSafeLoader`` when present), and one response through ``score``
against ``score_frame`` on a one-row frame,
alternated the same way.

Run from the repository root: ``python bench/bench_scoring.py [--scales 10000,100000,1000000]``.
One to five minutes at the default scales on the project machine, depending on its load.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy is imported: the floor and the batch both get one BLAS thread

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from timing import alternate, ratio, spread  # noqa: E402

from scoring.engine import answers_from_row, keyed_matrix, plan, score, score_frame  # noqa: E402
from scoring.loader import load  # noqa: E402
from scoring.models import Questionnaire  # noqa: E402
from scoring.sample import generate  # noqa: E402

BANK = ROOT / "questions" / "strategic-candidate.yaml"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def keyed_and_weights(q: Questionnaire, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """K (rows × all loadings, C order, NaN when blank) and W (loadings × dimensions, item weights)."""
    p = plan(q)
    blocks, cols = [], []
    for d, dim in enumerate(p.dims):
        values, weights = keyed_matrix(q, frame, dim)
        blocks.append(values)
        cols.extend((d, w) for w in weights)
    k = np.ascontiguousarray(np.hstack(blocks))
    w = np.zeros((k.shape[1], len(p.dims)))
    for j, (d, weight) in enumerate(cols):
        w[j, d] = weight
    return k, w


def floor(k: np.ndarray, w: np.ndarray) -> np.ndarray:
    num = np.nan_to_num(k) @ w
    den = (~np.isnan(k)) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def floor_blas(k: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The floor with both products as float BLAS calls (a bool @ float matmul is not BLAS): a stricter floor."""
    answered = ~np.isnan(k)
    num = np.where(answered, k, 0.0) @ w
    den = answered.astype(float) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the string a CSV file holds (blank for a missing answer)."""
    return pd.DataFrame({c: frame[c].astype(object).where(frame[c].notna(), "").astype(str) for c in frame.columns})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="10000,100000,1000000", help="comma-separated row counts")
    parser.add_argument("--loop-rows", type=int, default=2_000, help="subsample for the per-response loop")
    parser.add_argument("--reps", default="15,9,5", help="repetitions per scale (the last one repeats)")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    reps = [int(r) for r in args.reps.split(",")]
    reps += [reps[-1]] * (len(scales) - len(reps))

    q = load(BANK)
    p = plan(q)
    print(
        f"bank: {BANK.relative_to(ROOT)} ({q.meta.id} {q.meta.version} {q.short_hash}), "
        f"{len(q.scored_items())} scored items, {sum(len(v) for v in p.loadings.values())} loadings, "
        f"{len(p.dims)} dimensions; BLAS threads: {os.environ['OPENBLAS_NUM_THREADS']}"
    )
    start = time.perf_counter()
    full = generate(q, max(scales), seed=1)
    print(f"generated {max(scales):,} responses in {time.perf_counter() - start:.1f} s (not timed below)")
    records = full.head(args.loop_rows).to_dict("records")
    answers = [answers_from_row(q, row) for row in records]

    def loop() -> None:
        for a in answers:
            score(q, a)

    score_frame(q, full.head(100))  # plan and caches outside the timing
    for n, r in zip(scales, reps, strict=True):
        frame = full.head(n).copy()
        text = text_frame(frame)
        k, w = keyed_and_weights(q, frame)
        # The floor computes what the batch computes before its rules: check it, so the pairing is fair.
        means = 100 * floor(k, w)
        batch = score_frame(q, frame)
        pd.testing.assert_frame_equal(score_frame(q, text), batch)
        both = ~np.isnan(batch[p.dims].to_numpy())
        assert np.allclose(means[both], batch[p.dims].to_numpy()[both], atol=1e-7)
        assert np.array_equal(floor_blas(k, w), floor(k, w), equal_nan=True)
        times = alternate(
            {
                "A": lambda frame=frame: score_frame(q, frame),
                "T": lambda text=text: score_frame(q, text),
                "F": lambda k=k, w=w: floor(k, w),
                "G": lambda k=k, w=w: floor_blas(k, w),
                "L": loop,
            },
            r,
        )
        scaled_loop = [t * n / len(answers) for t in times["L"]]
        print(f"\n{n:,} responses, {r} repetitions of each (order rotating):")
        print(f"  A batch score_frame, typed frame   {spread(times['A'])} s")
        print(f"  T batch score_frame, text frame    {spread(times['T'])} s")
        print(f"  F floor (keyed K @ W)              {spread(times['F'])} s")
        print(f"  G floor, both products float BLAS  {spread(times['G'])} s")
        print(
            f"  L score() loop, {len(answers):,} responses   {spread(times['L'])} s → scaled to {n:,}: "
            f"{spread(scaled_loop, fmt='.2f')} s"
        )
        print(f"  A / F: {ratio(times['A'], times['F'])}   [target ≤ 5×]")
        print(f"  T / F: {ratio(times['T'], times['F'])}")
        print(f"  A / G: {ratio(times['A'], times['G'])}   T / G: {ratio(times['T'], times['G'])}")
        print(f"  L / A: {ratio(scaled_loop, times['A'])}  (batch faster than the loop)")
        print(f"  L / T: {ratio(scaled_loop, times['T'])}")
        del frame, text, k, w, means, batch

    text_yaml = BANK.read_text(encoding="utf-8")
    # The strongest bare parse: libyaml's C safe loader when PyYAML has it (the project's reader uses it too).
    fast = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    times = alternate({"load": lambda: load(BANK), "yaml": lambda: yaml.load(text_yaml, Loader=fast)}, 20)
    print(f"\nload + validate the bank, 20 alternating repetitions: {spread(times['load'], 1e-3, '.1f')} ms")
    print(
        f"  baseline yaml.load(Loader={fast.__name__}) of the same text: {spread(times['yaml'], 1e-3, '.1f')} ms"
        f" → load / safe_load {ratio(times['load'], times['yaml'])}"
    )
    one, one_frame = answers[0], full.head(1)
    times = alternate({"one": lambda: score(q, one), "frame": lambda: score_frame(q, one_frame)}, 20, inner=50)
    print(f"score one response (20 × 50, alternating): {spread(times['one'], 1e-3)} ms")
    print(
        f"  baseline score_frame on a one-row frame: {spread(times['frame'], 1e-3)} ms"
        f" → score_frame / score {ratio(times['frame'], times['one'])}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
