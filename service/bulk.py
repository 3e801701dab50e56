"""Many submitted responses at once (imports, demo data, benchmarks): checked, scored and flagged here
with the vectorised core, then recorded by ``storage.bulk.bulk_insert``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from scoring.engine import check_frame, score_frame
from scoring.models import Questionnaire
from scoring.quality import FLAGS, flags_frame
from storage import InvalidAnswers, Store
from storage.bulk import TIME_COLUMNS, bulk_insert

MAX_PROBLEMS = 20  # listed in InvalidAnswers; the rest are counted


def flag_json(q: Questionnaire, frame: pd.DataFrame) -> np.ndarray:
    """Each row's quality flags as the JSON list the store records (one json.dumps per distinct set)."""
    flagged = flags_frame(q, frame)
    code = sum(flagged[f].to_numpy().astype(np.int64) << i for i, f in enumerate(FLAGS))
    texts = [json.dumps([f for i, f in enumerate(FLAGS) if c >> i & 1]) for c in range(1 << len(FLAGS))]
    return np.array(texts, dtype=object)[np.asarray(code, dtype=np.int64)]


def bulk_load(
    store: Store,
    q: Questionnaire,
    frame: pd.DataFrame,
    *,
    attribution_columns: Sequence[str] | Mapping[str, str] = ("recruiter_id", "campaign", "role"),
    chunk: int = 50_000,
    validate: bool = True,
    now: datetime | None = None,
) -> int:
    """Check (unless ``validate`` is False), score, flag and insert every row of ``frame`` as a submitted
    response of ``q``; InvalidAnswers (nothing written) for cells that do not fit. Returns the count."""
    frame = frame.reset_index(drop=True)
    if validate and len(frame):
        item_ids = {i.id for i in q.items()}
        checked = [c for c in frame.columns if c in item_ids or c in ("response_id", "duration_seconds", *TIME_COLUMNS)]
        problems = [f"row {row}: {msg}" for row, msg in check_frame(q, frame[checked]) if row > 0]
        if problems:
            more = len(problems) - MAX_PROBLEMS
            raise InvalidAnswers(problems[:MAX_PROBLEMS] + ([f"… and {more} more"] if more > 0 else []))
    if len(frame):
        scores, flags = score_frame(q, frame), flag_json(q, frame)
    else:
        scores, flags = pd.DataFrame(index=frame.index), np.empty(0, dtype=object)
    store.register(q)
    return bulk_insert(
        store.database, q, frame, scores, flags, attribution_columns=attribution_columns, chunk=chunk, now=now
    )
