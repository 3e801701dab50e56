"""How a candidate's overall score is compared with others, without exposing any one other candidate.

A percentile recomputed on every view would move when one more person submits: someone who keeps the
result links of a few probe responses at known scores (a recruiter answering their own link, say)
could re-open them after a target answered and read from the change whether the target scored above or
below each probe. So the comparison is made against a daily snapshot — the responses submitted before
the start of the current UTC day — and shown rounded to the nearest ``STEP`` points. A new response
changes what anyone sees only from the next day, together with everyone else's from that day, and by
at most one rounding step. This narrows the channel; it cannot close it for someone who controls every
other response of a day, which is why the minimum N (``percentile_min_n``) still applies on top.
"""

from __future__ import annotations

from datetime import UTC, datetime

STEP = 5  # percentage points


def snapshot_cutoff(now: datetime) -> datetime:
    """Start of ``now``'s UTC day: only responses submitted before it are compared against."""
    now = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def shown_percentile(pct: float) -> int:
    """The percentile as shown: rounded to the nearest ``STEP`` and kept within 1–99."""
    rounded = int(STEP * round(pct / STEP))
    return max(1, min(99, rounded))
