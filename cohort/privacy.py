"""k-anonymity for cohort figures: suppress small cells, merge small groups, generalise export rows.

Pure functions over pandas frames (no streamlit, no SQL).

A group or cell with ``0 < n < k`` responses is *suppressed* (``suppress``): its values become
missing and its ``note`` says "fewer than k". Zero cells are kept (they reveal nobody). Because
the dashboard also shows totals, a lone suppressed cell would be recoverable by subtraction, so
the next-smallest cell of the same table is hidden with it (*complementary suppression*). Where
it keeps information, small groups are *merged* into one "Other" group before aggregating
(``merge_small``), topped up with the next-smallest groups until it reaches k. Row-level exports
are generalised instead (``generalise``): recruiter → campaign → week, until every visible
combination has at least k rows, and rows that cannot reach k are withheld.

This protects each figure shown. It does not stop someone comparing two different filter
selections (a total with and without one campaign); the role scoping of the dashboard is what
limits who can try.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

DEFAULT_K = 5
NOTE = "note"
OTHER = "Other (small groups)"
PROTECT = "hidden to protect a small group"


def fewer_than(k: int) -> str:
    """The label shown in place of a suppressed figure."""
    return f"fewer than {k}"


def check_k(k: int) -> None:
    """Refuse a k that is not a positive integer (a bool is not a count)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")


def small(counts: pd.Series | np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of the cells that must be hidden: 0 < n < k (a zero reveals nobody)."""
    check_k(k)
    n = pd.to_numeric(pd.Series(np.asarray(counts)), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return (n > 0) & (n < k)


def _row_keys(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """One string per row joining the given columns (works on empty frames too)."""
    key = pd.Series("", index=frame.index, dtype=object)
    for col in columns:
        key = key + "\x1f" + frame[col].astype(str)
    return key


def hidden_cells(counts: pd.Series, k: int, groups: pd.Series | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(primary, complementary) masks of the cells to hide.

    Primary: 0 < n < k. Complementary: where a partition (``groups``; default the whole column)
    has exactly one primary cell, the smallest other non-zero cell is hidden too, because a
    single hidden count could be recovered by subtracting the visible cells from the total
    (which the dashboard shows).
    """
    primary = small(counts, k)
    extra = np.zeros(len(primary), dtype=bool)
    n = pd.to_numeric(pd.Series(np.asarray(counts)), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    keys = np.zeros(len(n)) if groups is None else pd.Series(np.asarray(groups, dtype=object)).astype(str).to_numpy()
    for key in pd.unique(keys):
        idx = np.flatnonzero(keys == key)
        if primary[idx].sum() != 1:
            continue
        candidates = [i for i in idx if not primary[i] and n[i] > 0]
        if candidates:
            extra[min(candidates, key=lambda i: (n[i], i))] = True
    return primary, extra


def suppress(
    df: pd.DataFrame,
    count_col: str,
    k: int,
    keep: Sequence[str] | None = None,
    complementary: bool = True,
    within: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Copy of ``df`` where rows with 0 < ``count_col`` < k lose every value but their labels.

    ``keep`` names the label columns left visible (default: the non-numeric columns, i.e. the
    group names); every other column, the count included, becomes missing (None/NaN) in those
    rows. A ``note`` column says "fewer than k" for them and is empty otherwise. With
    ``complementary`` (default) a lone hidden row per partition (``within`` columns, default the
    whole table) takes the smallest other row with it, noted "hidden to protect a small group".
    """
    check_k(k)
    if count_col not in df.columns:
        raise ValueError(f"no column {count_col!r} to count groups by")
    out = df.copy()
    if keep is None:
        keep = [c for c in out.columns if c != count_col and not pd.api.types.is_numeric_dtype(out[c])]
    groups = _row_keys(out, within) if within else None
    primary, extra = hidden_cells(out[count_col], k, groups)
    if not complementary:
        extra[:] = False
    hide = primary | extra
    for col in out.columns:
        if col in keep or col == NOTE or not hide.any():
            continue
        if pd.api.types.is_bool_dtype(out[col]) or not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].astype(object)
            out.loc[hide, col] = None
        else:
            out[col] = out[col].astype(float)
            out.loc[hide, col] = np.nan
    out[NOTE] = np.where(primary, fewer_than(k), np.where(extra, PROTECT, ""))
    return out


def merge_small(labels: pd.Series, k: int, other: str = OTHER, top_up: bool = True) -> pd.Series:
    """Labels with the groups of fewer than k rows renamed ``other``.

    With ``top_up`` (the default, for aggregate tables), when the merged group would itself be
    smaller than k the next-smallest groups join it until it reaches k (or everything is merged),
    so no small group can be recovered by subtracting the shown groups from a total. Without it
    the merged group may stay small (row-level exports withhold those rows instead). Missing
    labels stay missing unless their group is merged.
    """
    check_k(k)
    filled = labels.astype(object).where(labels.notna(), "\x00none")
    counts = filled.value_counts(sort=False)
    order = sorted(counts.index, key=lambda g: (counts[g], str(g)))
    merged: set[Hashable] = {g for g in order if counts[g] < k}
    total = sum(counts[g] for g in merged)
    joined: list[Hashable] = []  # groups of k or more folded in to bring "other" up to k
    for g in order:
        if not top_up or not merged or total >= k:
            break
        if g not in merged:
            merged.add(g)
            joined.append(g)
            total += counts[g]
    out = labels.astype(object).copy()
    if merged:
        # Name the large groups that were folded in, so a reader knows where they went.
        label = f"{other} + {', '.join(map(str, joined))}" if joined else other
        out[filled.isin(list(merged)).to_numpy()] = label
    return out


def generalise(frame: pd.DataFrame, hierarchy: Sequence[str], k: int, other: str | None = None) -> pd.DataFrame:
    """Row-level data made k-anonymous over the quasi-identifier columns in ``hierarchy``.

    Top-down: the first column's groups of fewer than k rows are merged under one label
    ("fewer than k"), then the second column's within each visible value of the first, and so on.
    Rows whose visible combination still has fewer than k rows (a merged group that stayed small)
    are withheld rather than folding a large group into it. Every visible combination of the
    returned frame has at least k rows; ``frame.attrs["withheld"]`` counts the rows left out.
    """
    check_k(k)
    label = other or fewer_than(k)
    out = frame.copy()
    parents: list[str] = []
    for col in hierarchy:
        values = out[col].astype(object)
        if parents:
            keys = _row_keys(out, parents)
            parts = [merge_small(part, k, label, top_up=False) for _, part in values.groupby(keys, sort=False)]
            out[col] = pd.concat(parts).reindex(out.index) if parts else values
        else:
            out[col] = merge_small(values, k, label, top_up=False)
        parents.append(col)
        sizes = out.groupby(parents, dropna=False, sort=False)[col].transform("size")
        out = out[sizes >= k]
    out.attrs["withheld"] = len(frame) - len(out)
    return out


def week_start(when: pd.Series) -> pd.Series:
    """Monday 00:00 (UTC, without zone) of each timestamp's ISO week: time is never shown finer than this."""
    ts = pd.to_datetime(when, utc=True).dt.tz_convert(None)
    return (ts - pd.to_timedelta(ts.dt.day_of_week, unit="D")).dt.normalize()
