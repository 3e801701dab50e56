"""Timing helpers shared by the benchmarks: alternate the variants, report median (min–max).

The rule every benchmark follows (issue 12): each variant and its baseline run in the same process,
alternating within every repetition (the order rotates, so neither always runs first or last), with
the same number of repetitions each; results are the median with the min–max of the repetitions, and
ratios are of the medians with the range of the per-repetition ratios.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def alternate(variants: dict[str, Callable[[], object]], reps: int, inner: int = 1) -> dict[str, list[float]]:
    """Seconds per call of each variant, ``reps`` rounds each; the order rotates every round.

    ``inner`` calls are timed together and divided, for calls too short to time one by one.
    """
    names = list(variants)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(reps):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            fn = variants[name]
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            times[name].append((time.perf_counter() - start) / inner)
    return times


def spread(values: list[float], unit: float = 1.0, fmt: str = ".3f", suffix: str = "") -> str:
    """'median (min–max)' of values / unit; ``suffix`` (say " ms") follows the median."""
    v = [x / unit for x in values]
    return f"{statistics.median(v):{fmt}}{suffix} ({min(v):{fmt}}–{max(v):{fmt}})"


def ratio(a: list[float], b: list[float], fmt: str = ".1f") -> str:
    """Median of a over median of b, with the min–max of the per-repetition ratios (a and b paired)."""
    per = [x / y for x, y in zip(a, b, strict=True)]
    return f"{statistics.median(a) / statistics.median(b):{fmt}}× (per repetition {min(per):{fmt}}–{max(per):{fmt}}×)"
