"""Formula-safe CSV cells: text that a spreadsheet would run as a formula gets a leading quote.

Spreadsheet programs treat a cell starting with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab
or a line break) as a formula, which lets a crafted answer run code or leak data when a coach
opens an export (OWASP "CSV injection"). Text cells starting with one of those characters are
prefixed with a single quote; numbers, booleans and missing values are left as they are, so a
negative number stays a number.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """The value, with a leading ``'`` when it is text that starts like a formula."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and column name made formula-safe (numbers untouched)."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype(object)
        if col.dtype.kind in "biufcmM":
            continue
        if isinstance(col.dtype, pd.StringDtype):
            is_text = col.notna()  # every present cell of a string column is text
        else:
            is_text = col.map(lambda v: isinstance(v, str)).astype(bool)  # NaN is not text
        risky = is_text & col.where(is_text, "").astype(str).str.startswith(TRIGGERS)
        if risky.any():
            col = col.astype(object)
            col[risky] = "'" + col[risky].astype(str)
            out[name] = col
    out.columns = [safe_cell(c) for c in out.columns]
    return out
