"""The responses frame: one row per response with attribution, times, result, flags, a column per
dimension and, on request, a column per item, contact details or the shared brief."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Connection, Select, cast, extract, select, type_coerce
from sqlalchemy.types import NullType

from scoring.models import Questionnaire
from storage._db import Database
from storage.filters import Filters, conditions, key_hashes
from storage.records import StoreError
from storage.schema import SCORE_COLUMNS, questionnaires, responses, score_column
from storage.schema import answers as answers_t

TIME_COLUMNS = ("started_at", "last_saved_at", "submitted_at")
# The frame's own columns (besides one per dimension); answers add one per item id.
FRAME_COLUMNS = (
    "response_id",
    "questionnaire_id",
    "version",
    "language",
    "content_hash",
    "scoring_key",
    "recruiter_id",
    "campaign",
    "role",
    "started_at",
    "last_saved_at",
    "submitted_at",
    "duration_seconds",
    "page",
    "overall",
    "band",
    "near_boundary",
    "flags",
    "shared",
    "contact_name",
    "contact_email",
    "share_brief",
    "share_scores",
)


def column_clashes(q: Questionnaire) -> list[str]:
    """Item ids of ``q`` that would name the same frame column as a dimension or a fixed column."""
    taken = set(FRAME_COLUMNS) | {d.id for d in q.dimensions}
    return [item.id for item in q.items() if item.id in taken]


def responses_frame(
    db: Database,
    filters: Filters,
    *,
    limit: int | None = None,
    include_answers: bool = False,
    include_contact: bool = False,
    include_brief: bool = False,
) -> pd.DataFrame:
    """One row per response (oldest first) with attribution, times, result, flags and a column per dimension.

    ``filters`` selects the responses (see ``Filters``). ``include_answers`` adds a column per item id
    (``register`` refuses a version whose item ids would clash with the other columns, so every column
    means one thing); ``include_contact`` adds contact_name/contact_email (set only when shared);
    ``include_brief`` adds share_brief (JSON) and share_scores (whether the candidate added their scores).
    """
    conds = conditions(filters, db.dialect)
    r = responses.c
    qt = questionnaires.c
    columns = [
        r.id,
        r.public_id.label("response_id"),
        qt.questionnaire_id,
        qt.version,
        qt.language,
        r.content_hash,
        qt.scoring_key,
        r.recruiter_id,
        r.campaign,
        r.role,
        r.started_at,
        r.last_saved_at,
        r.submitted_at,
        r.duration_seconds,
        r.page,
        r.overall,
        r.band,
        r.near_boundary,
        r.flags,
        r.shared,
        *(r[c] for c in SCORE_COLUMNS),
    ]
    if include_contact:
        columns += [r.contact_name, r.contact_email]
    if include_brief:
        columns += [r.share_brief, r.share_scores]
    ids_sub: Select[Any] = select(r.id).where(*conds)
    if limit is not None:
        ids_sub = ids_sub.order_by(r.id).limit(limit)
    # Values come back as the driver gives them (no per-value SQLAlchemy processing) and are converted
    # a column at a time below: for tens of thousands of rows this is several times faster than
    # building the frame from Row objects with datetimes parsed one by one.
    raw: list[Any] = [type_coerce(c, NullType()).label(c.key) for c in columns]
    if db.dialect == "postgresql":
        # Times as whole microseconds since the epoch (numeric, exact): the driver then builds no
        # datetime object per value, and pandas converts each column at once (about a third of the
        # read at 20k rows).
        raw = [
            cast(extract("epoch", c) * 1_000_000, BigInteger).label(c.key) if c.key in TIME_COLUMNS else r
            for c, r in zip(columns, raw, strict=True)
        ]
    main = (
        select(*raw).join(questionnaires, qt.content_hash == r.content_hash).where(*conds).order_by(r.id).limit(limit)
    )
    with db.tx() as conn:
        result = conn.execute(main)
        names = list(result.keys())
        # Tuples straight from the DB-API cursor: no Row object per row (a third of the read at 20k rows).
        fetched = result.cursor.fetchall() if result.cursor is not None else []
        result.close()
        by_name = dict(zip(names, list(zip(*fetched, strict=True)) or [()] * len(names), strict=True))
        score_values = {c: np.array(by_name.pop(c), dtype=float) for c in SCORE_COLUMNS}  # None → NaN
        for col in ("duration_seconds", "overall"):
            by_name[col] = np.array(by_name[col], dtype=float)
        # Unsubmitted rows have no flags yet (NULL). Few distinct flag lists exist, so each text is
        # parsed once (each row still gets its own list), from the driver's values, not a str column.
        parsed: dict[str, list[str]] = {}
        by_name["flags"] = [
            list(parsed[f] if f in parsed else parsed.setdefault(f, json.loads(f))) if isinstance(f, str) else []
            for f in by_name["flags"]
        ]
        frame = pd.DataFrame({name: list(col) for name, col in by_name.items()}, columns=list(by_name))
        # The versions the filters name (so an empty read still has their dimension columns), then any others read.
        named = key_hashes(filters)
        hashes = list(dict.fromkeys([*(conn.scalars(named) if named is not None else []), *frame["content_hash"]]))
        dims = _dimension_order(db, conn, hashes)
        slots = {h: db.slots(conn, h) for h in hashes}
        answer_rows = None
        if include_answers:
            answer_rows = pd.DataFrame(
                conn.execute(
                    select(
                        answers_t.c.response_id, answers_t.c.item_id, answers_t.c.value_int, answers_t.c.value_text
                    ).where(answers_t.c.response_id.in_(ids_sub))
                ).all(),
                columns=["id", "item_id", "value_int", "value_text"],
            )
        items = _item_order(db, conn, hashes) if include_answers else []

    for col in TIME_COLUMNS:
        # SQLite: UTC text without an offset (storage.schema.UTCDateTime); PostgreSQL: microseconds (above).
        if db.dialect == "postgresql":
            micros = np.array(frame[col].to_numpy(dtype=object), dtype=float)  # exact below 2**53; NULL → NaN
            frame[col] = pd.to_datetime(micros, unit="us", utc=True).as_unit("us")
        else:
            frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601")
    frame["near_boundary"] = frame["near_boundary"].astype("boolean")  # SQLite gives 0/1, PostgreSQL booleans
    frame["shared"] = frame["shared"].astype(bool)
    if include_brief:
        frame["share_scores"] = frame["share_scores"].map(lambda v: v is True or v == 1).astype(bool)

    # Score slots → dimension columns, per questionnaire version (slot 1 is each version's first).
    by_dim = {d: np.full(len(frame), np.nan) for d in dims}
    version = frame["content_hash"].to_numpy(dtype=object)
    for h, pairs in slots.items():
        rows = version == h
        for slot, dim in pairs:
            by_dim[dim][rows] = score_values[score_column(slot)][rows]
    frame = pd.concat([frame, pd.DataFrame(by_dim, index=frame.index, columns=dims)], axis=1)

    if answer_rows is not None:
        answer_rows["value"] = (
            answer_rows["value_int"].astype(object).where(answer_rows["value_int"].notna(), answer_rows["value_text"])
        )
        wide_answers = (
            answer_rows.pivot(index="id", columns="item_id", values="value") if len(answer_rows) else pd.DataFrame()
        )
        items += [i for i in wide_answers.columns if i not in items]
        clashes = sorted(set(items) & set(frame.columns))
        if clashes:  # only across versions: register refuses a clash within one
            raise StoreError(f"item ids {', '.join(clashes)} clash with other columns: read one version at a time")
        for item in items:
            name = item
            values = (
                frame["id"].map(wide_answers[item])
                if item in wide_answers.columns
                else pd.Series([None] * len(frame), dtype=object)
            )
            numeric = pd.to_numeric(values, errors="coerce")
            is_int = values.notna().any() and (numeric.notna() == values.notna()).all()
            frame[name] = numeric.astype("Int64") if is_int else values.astype(object)
    return frame.drop(columns=["id"]).reset_index(drop=True)


def _dimension_order(db: Database, conn: Connection, hashes: Sequence[str]) -> list[str]:
    order: dict[str, None] = {}
    for h in hashes:
        q = db.load_questionnaire(conn, h)
        if q is not None:
            for d in q.dimensions:
                order.setdefault(d.id, None)
    return list(order)


def _item_order(db: Database, conn: Connection, hashes: Sequence[str]) -> list[str]:
    order: dict[str, None] = {}
    for h in hashes:
        q = db.load_questionnaire(conn, h)
        if q is not None:
            for item in q.items():
                order.setdefault(item.id, None)
    return list(order)
