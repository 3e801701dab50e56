"""The comparison shown to a candidate: a daily snapshot, rounded (cohort.norms)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from cohort.norms import STEP, shown_percentile, snapshot_cutoff


@pytest.mark.parametrize(
    ("now", "cutoff"),
    [
        (datetime(2026, 11, 30, 16, 5, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)),
        (datetime(2026, 11, 30, 0, 0, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)),
        # 01:30 in UTC+2 is 23:30 the day before in UTC.
        (datetime(2026, 12, 1, 1, 30, tzinfo=timezone(timedelta(hours=2))), datetime(2026, 11, 30, tzinfo=UTC)),
        (datetime(2026, 11, 30, 23, 59, 59), datetime(2026, 11, 30, tzinfo=UTC)),  # naive is read as UTC
    ],
)
def test_cutoff_is_the_start_of_the_utc_day(now: datetime, cutoff: datetime) -> None:
    assert snapshot_cutoff(now) == cutoff


@pytest.mark.parametrize(
    ("pct", "shown"),
    [(0.0, 1), (2.4, 1), (2.6, 5), (47.4, 45), (47.6, 50), (72.4, 70), (97.6, 99), (100.0, 99)],
)
def test_shown_percentile_is_rounded_and_never_0_or_100(pct: float, shown: int) -> None:
    assert shown_percentile(pct) == shown


def test_one_more_response_moves_the_shown_figure_by_at_most_one_step() -> None:
    for n in range(30, 200):
        for below in range(n + 1):
            before = shown_percentile(100 * below / n)
            for extra_below in (0, 1):  # a newcomer below or above the candidate
                after = shown_percentile(100 * (below + extra_below) / (n + 1))
                assert abs(after - before) <= STEP
