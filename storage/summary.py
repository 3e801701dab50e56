"""The dashboard's first-render summary: counts, band split, median duration and histogram bins, in one scan.

``response_summary`` returns, without reading a single response row, everything the coach dashboard
draws on its first render (headline and Scores tab): ``cohort.summary`` turns it into the same tables
``cohort.figures.RowView`` builds from rows. One grouped SELECT (``summary_select``) scans the matching
responses started in the period once (past the row budget: the sample's id range only); rows fall into
a handful of groups by (version, submitted, quality-flagged, band). Per group it counts the
rows, the shared ones, the durations, and for overall and each score slot the rows at or above each
histogram edge (plus the rows above the last edge): a bin is the difference of two of them, so a bin
holds [low, high) and the last one its high edge too, exactly like ``cohort.aggregate.histogram``.
The slots become dimensions per version (``Database.slots``: versions sharing a scoring key may order
their dimensions differently).

The median duration (pandas': the mean of the two middle values for an even count) needs order, and
SQLite has no median aggregate: on both backends a second query fetches the middle values
(``ORDER BY duration LIMIT 2 OFFSET …``, the count known from the grouped scan). An ordered-set
aggregate in the grouped scan (PostgreSQL's ``percentile_cont``) would force PostgreSQL to sort every
row, wide with the score columns, instead of hashing the few groups: at 20k responses the scan took
about twice as long. The mean is taken here, in Python, as numpy takes it (``percentile_cont``
computes ``a + (b - a) / 2``, which can differ from pandas in the last bit).

Past the dashboard's row budget the page draws its distributions from the first ``sample_limit``
responses (oldest first): whether more match, and the id of the last one kept, come from one
``ORDER BY id LIMIT 2 OFFSET sample_limit - 1`` (no rows read). Then the grouped scan covers the
sample's id range only; the exact counts over every match (headline, band split, languages) are not
this read's: the page takes them from ``cohort.figures.SqlFigures``, whose grouped aggregates the cohort
rollup answers without scanning (``storage.rollup``), so the first render does not grow with the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Float, and_, case, func, literal, literal_column, select, true

from storage._db import Database, as_datetime
from storage.filters import Filters, conditions, key_hashes, scan_bound
from storage.schema import questionnaires, responses, score_column

KEYS = ("content_hash", "submitted", "flagged", "band")
FLAGS = ("submitted", "flagged")


@dataclass(frozen=True)
class Summary:
    """Grouped counts of the responses a dashboard selection matches (see the module docstring).

    ``groups``: one row per group — ``KEYS`` plus ``language`` (the version's), ``n``, ``shared`` and
    ``durations`` (rows with a duration). ``bins``: per measure (``overall`` and each dimension id of
    the versions read), an array of histogram counts, one row per group (aligned with ``groups``).
    ``median_duration``: over submitted responses started in the period (and inside the sample).
    ``large``: more responses matched than ``sample_limit``; ``cut``: the id of the last one kept.
    """

    groups: pd.DataFrame
    bins: dict[str, np.ndarray] = field(default_factory=dict)
    median_duration: float | None = None
    large: bool = False
    cut: int | None = None


def response_summary(
    db: Database,
    filters: Filters,
    *,
    edges: Sequence[float],
    dim_edges: Sequence[float],
    campaigns: Sequence[str] = (),
    sample_limit: int | None = None,
) -> Summary:
    """Counts, band split, median duration and histogram bins of the responses ``filters`` selects.

    ``filters`` must name one instrument and bound ``started_at`` (``submitted_only`` False), like the
    dashboard's rows read; ``campaigns`` narrows further (several picked campaigns: the rows read are
    filtered afterwards, so the sample cut ignores them). ``sample_limit``: the page's first-read size
    when more responses may match than it reads as rows (None: every match counts).
    """
    if filters.submitted_only:
        raise ValueError("the summary covers responses started in the period: pass submitted_only=False")
    named = key_hashes(filters)
    if named is None:
        raise ValueError("the summary needs one instrument: set filters.content_hash or filters.scoring_key")
    if len(edges) < 2 or len(dim_edges) < 2:
        raise ValueError("histogram edges need at least two values")
    r = responses.c
    with db.tx() as conn:
        hashes = list(dict.fromkeys(conn.scalars(named)))
        slots = {h: db.slots(conn, h) for h in hashes}
        languages: dict[str, str] = {
            str(h): str(lang)
            for h, lang in conn.execute(
                select(questionnaires.c.content_hash, questionnaires.c.language).where(
                    questionnaires.c.content_hash.in_(hashes)
                )
            ).all()
        }
        cut = None
        if sample_limit is not None:
            ids: Sequence[Any] = conn.scalars(
                select(r.id).where(*conditions(filters, db.dialect)).order_by(r.id).limit(2).offset(sample_limit - 1)
            ).all()
            cut = int(ids[0]) if len(ids) == 2 else None
        used = sorted({slot for pairs in slots.values() for slot, _ in pairs})
        args = (db.dialect, filters, edges, dim_edges, used, campaigns, cut, hashes)
        # Past the sample only the sample is scanned (its id range): the exact counts over every match come
        # from the store's grouped aggregates (cohort.figures.SqlFigures, answered by the cohort rollup), so
        # no read here grows with the table.
        stmt, median_pop = summary_select(*args)
        raw = [tuple(row) for row in conn.execute(stmt)]
        groups = _groups(raw, languages)
        median = None
        mask = groups["submitted"].to_numpy(dtype=bool)
        count = int(groups.loc[mask, "durations"].sum())
        if count:
            middle: Sequence[Any] = conn.scalars(
                select(r.duration_seconds)
                .where(*median_pop)
                .order_by(r.duration_seconds)
                .limit(2 - count % 2)
                .offset((count - 1) // 2)
            ).all()
            median = (float(middle[0]) + float(middle[-1])) / 2
    first_bin = len(KEYS) + 3  # after the keys: n, shared, durations
    bins = _bins(raw, first_bin, len(edges), len(dim_edges), used, slots)
    return Summary(groups, bins, median, cut is not None, cut)


def summary_select(
    dialect: str,
    filters: Filters,
    edges: Sequence[float],
    dim_edges: Sequence[float],
    used_slots: Sequence[int],
    campaigns: Sequence[str] = (),
    cut: int | None = None,
    hashes: Sequence[str] | None = None,
) -> tuple[Any, list[Any]]:
    """The grouped SELECT, and the WHERE clauses of the median's population (for the median's query).

    Columns: ``KEYS``, n, shared, durations, then per measure (overall, then each used slot) the count
    at or above each edge but the last and the count above the last, over the responses started in the
    period (and, with ``cut``, only those up to that id: the page's sample). ``hashes``: the
    versions of the filters' scoring key, named outright (PostgreSQL then estimates the rows well and
    aggregates them in a hash table, in parallel; through the key's subquery it misjudged them and sorted
    every row).
    """
    r = responses.c
    pg = dialect == "postgresql"
    if hashes is not None and filters.content_hash is None:
        base = conditions(replace(filters, since=None, until=None, scoring_key=None), dialect)
        base.append(r.content_hash.in_(list(hashes)))
    else:
        base = conditions(replace(filters, since=None, until=None), dialect)
    if len(campaigns) > 1:
        base.append(r.campaign.in_(list(campaigns)))
    started_in = _window(r.started_at, filters, dialect)
    # Past the row budget only the sample (ids up to ``cut``); the exact counts are not this read's.
    scope = [*base, started_in, *([r.id <= cut] if cut is not None else [])]
    done = r.submitted_at.is_not(None)

    def n_where(cond: Any) -> Any:
        return func.count().filter(cond) if pg else func.sum(case((cond, 1), else_=0))

    keys = [r.content_hash, done, and_(r.flags.is_not(None), r.flags != "[]"), r.band]
    columns: list[Any] = [key.label(f"g_{name}") for key, name in zip(keys, KEYS, strict=True)]
    columns += [func.count(), n_where(r.shared.is_(True)), func.count(r.duration_seconds)]
    measures = [(r.overall, edges), *((r[score_column(slot)], dim_edges) for slot in used_slots)]
    for col, e in measures:
        at = [literal(float(x), Float) for x in e]
        columns += [n_where(col >= x) for x in at[:-1]] + [n_where(col > at[-1])]
    median_pop = [*scope, done, r.duration_seconds.is_not(None)]
    # Group keys by output name: PostgreSQL sees bound parameters in SELECT and GROUP BY as different
    # expressions otherwise.
    group: Any = literal_column(", ".join(f"g_{name}" for name in KEYS))
    return select(*columns).select_from(responses).where(*scope).group_by(group), median_pop


def _window(column: Any, f: Filters, dialect: str) -> Any:
    when = scan_bound(column, dialect)
    parts = []
    if f.since is not None:
        parts.append(when >= as_datetime(f.since))
    if f.until is not None:
        parts.append(when < as_datetime(f.until))
    return and_(true(), *parts)


def _groups(raw: list[tuple[Any, ...]], languages: dict[str, str]) -> pd.DataFrame:
    k = len(KEYS)
    frame = pd.DataFrame([row[: k + 3] for row in raw], columns=[*KEYS, "n", "shared", "durations"], dtype=object)
    for col in FLAGS:
        frame[col] = frame[col].map(bool).astype(bool)  # SQLite gives 0/1; a NULL comparison is no
    for col in ("n", "shared", "durations"):
        frame[col] = frame[col].fillna(0).astype(int)
    frame.insert(1, "language", frame["content_hash"].map(languages))
    return frame


def _bins(
    raw: list[tuple[Any, ...]],
    first: int,
    n_edges: int,
    n_dim_edges: int,
    used: Sequence[int],
    slots: dict[str, list[tuple[int, str]]],
) -> dict[str, np.ndarray]:
    """Bin counts per measure and group: differences of the at-or-above counts; slots mapped per version."""
    width = n_edges + len(used) * n_dim_edges
    cum = np.array([[v or 0 for v in row[first : first + width]] for row in raw], dtype=np.int64)
    cum = cum.reshape(len(raw), width)

    def diff(block: np.ndarray) -> np.ndarray:
        return block[:, :-1] - block[:, 1:]

    out = {"overall": diff(cum[:, :n_edges])}
    at = {slot: n_edges + i * n_dim_edges for i, slot in enumerate(used)}
    dims = list(dict.fromkeys(dim for pairs in slots.values() for _, dim in pairs))
    for dim in dims:
        out[dim] = np.zeros((len(raw), n_dim_edges - 1), dtype=np.int64)
    for i, row in enumerate(raw):
        for slot, dim in slots.get(str(row[0]), []):
            out[dim][i] = diff(cum[i : i + 1, at[slot] : at[slot] + n_dim_edges])[0]
    return out
