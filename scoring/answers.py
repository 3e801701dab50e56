"""The one rule for a blank (unanswered) answer, used by the engine, the quiz flow, the UI and the reports."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def is_blank(value: Any) -> bool:
    """True for an unanswered value: None, NaN, pd.NA, NaT, or a string that is empty or only whitespace.

    Anything else counts as an answer, including 0 and False (which the answer checks then refuse).
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    missing = pd.isna(value)  # an array-like gives an array back: that is not one missing value
    return isinstance(missing, (bool, np.bool_)) and bool(missing)
