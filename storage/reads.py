"""The read model: frames and SQL aggregates over the responses, each selected by one ``Filters``."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import Date, case, cast, func, literal_column, select
from sqlalchemy.sql.util import ClauseAdapter

from storage import rollup
from storage._db import Database, as_datetime, guard
from storage.filters import Filters, conditions, key_hashes
from storage.frames import responses_frame
from storage.schema import SCORE_COLUMNS, deletion_log, questionnaires, responses, score_column
from storage.summary import Summary, response_summary

GroupBy = Literal["campaign", "week", "recruiter", "band", "language"]
GROUP_BY: tuple[str, ...] = ("campaign", "week", "recruiter", "band", "language")


class ReadModel:
    """Counts, percentiles, per-group means and the responses frame, on a shared ``Database``.

    ``aggregate``, ``questionnaire_versions`` and ``campaign_counts`` read the cohort rollup
    (``storage.rollup``, kept by triggers) whenever it answers exactly — always for the last two, and for
    ``aggregate`` when the period's bounds are UTC midnights (dates) — and scan the responses otherwise.
    """

    _rollup = True  # False: always scan (tests compare both paths)

    def __init__(self, db: Database) -> None:
        self._db = db

    def responses_frame(self, filters: Filters, **options: Any) -> pd.DataFrame:
        """See ``storage.frames.responses_frame`` (options: limit, include_answers, include_contact, include_brief)."""
        return responses_frame(self._db, filters, **options)

    def response_summary(self, filters: Filters, **options: Any) -> Summary:
        """See ``storage.summary.response_summary`` (options: edges, dim_edges, campaigns, sample_limit)."""
        return response_summary(self._db, filters, **options)

    def questionnaire_versions(self) -> pd.DataFrame:
        """Registered versions with response counts.

        Columns: content_hash, scoring_key, language, questionnaire_id, version, registered_at, started,
        submitted. Versions sharing a scoring key are one instrument (translations, wording fixes).
        """
        r = responses.c
        qt = questionnaires.c
        # Count per content hash first, then join the few questionnaire rows: the count is an index-only
        # scan of ix_responses_hash_submitted. Joining first made SQLite visit every response row through
        # the join (about 12 s over a million responses, against 0.2 s this way). The rollup has them too.
        counts = (
            rollup.version_counts()
            if self._rollup
            else select(
                r.content_hash,
                func.count().label("started"),
                func.count(r.submitted_at).label("submitted"),
            )
            .group_by(r.content_hash)
            .subquery("counts")
        )
        stmt = (
            select(
                qt.content_hash,
                qt.scoring_key,
                qt.language,
                qt.questionnaire_id,
                qt.version,
                qt.registered_at,
                func.coalesce(counts.c.started, 0).label("started"),
                func.coalesce(counts.c.submitted, 0).label("submitted"),
            )
            .select_from(questionnaires.outerjoin(counts, counts.c.content_hash == qt.content_hash))
            .order_by(qt.questionnaire_id, qt.registered_at)
        )
        with self._db.tx() as conn:
            rows = conn.execute(stmt).all()
        columns = [
            "content_hash",
            "scoring_key",
            "language",
            "questionnaire_id",
            "version",
            "registered_at",
            "started",
            "submitted",
        ]
        frame = pd.DataFrame([tuple(row) for row in rows], columns=columns)
        for col in ("started", "submitted"):
            frame[col] = frame[col].astype(int)
        return frame

    def check_rollup(self) -> list[str]:
        """Differences between the cohort rollup and the responses (empty: consistent); ``storage.rollup.check``."""
        with guard(), self._db.engine.connect() as conn:
            if self._db.dialect == "postgresql":  # both groupings from one snapshot
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                return rollup.check(conn)

    def rebuild_rollup(self) -> int:
        """Recompute the cohort rollup from the responses; returns its row count (``storage.rollup.rebuild``)."""
        with self._db.tx(write=True) as conn:
            return rollup.rebuild(conn)

    def deletions(self) -> pd.DataFrame:
        """The deletion log: deleted_at, count, reason (no content)."""
        with self._db.tx() as conn:
            rows = conn.execute(
                select(deletion_log.c.deleted_at, deletion_log.c.count, deletion_log.c.reason).order_by(
                    deletion_log.c.id
                )
            ).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=["deleted_at", "count", "reason"])

    def percentile(
        self, content_hash: str, overall: float | None, *, before: datetime | None = None
    ) -> tuple[float | None, int]:
        """(percentile 0–100 of overall among submitted responses scored like that version, ties counted half; N).

        Like the dashboard, the comparison pools every version with the same scoring key (a translation
        is the same instrument: same items, keys and bands), and never two keys. N counts responses with
        an overall score (submitted before ``before`` when given), the candidate's own included once
        submitted and counted; the percentile is None when N is 0 or overall is None.
        """
        r, qs = responses.c, questionnaires.c
        known = overall is not None and not math.isnan(overall)
        columns: list[Any] = [func.count(r.overall)]
        if known:
            columns.append(func.sum(case((r.overall < overall, 1.0), (r.overall == overall, 0.5), else_=0.0)))
        key = select(qs.scoring_key).where(qs.content_hash == content_hash).scalar_subquery()
        stmt = select(*columns).where(
            r.content_hash.in_(select(qs.content_hash).where(qs.scoring_key == key)),
            r.submitted_at.is_not(None),
            r.overall.is_not(None),
            r.superseded.is_(False),  # one attempt per person
        )
        if before is not None:
            stmt = stmt.where(r.submitted_at < as_datetime(before))
        with self._db.tx() as conn:
            row = conn.execute(stmt).one()
        n = int(row[0])
        return (100.0 * float(row[1]) / n if known and n else None), n

    def _group_key(self, group_by: str, submitted_only: bool) -> Any:
        r = responses.c
        if group_by == "campaign":
            return r.campaign
        if group_by == "recruiter":
            return r.recruiter_id
        if group_by == "band":
            return r.band
        if group_by == "language":
            return questionnaires.c.language  # aggregate joins the questionnaires for this one
        if group_by == "week":
            when = r.submitted_at if submitted_only else r.started_at
            # Literal SQL constants (not bound parameters) so PostgreSQL sees the same expression in
            # SELECT and GROUP BY. Weeks start on Monday, in UTC.
            if self._db.dialect == "postgresql":
                utc = func.timezone(literal_column("'UTC'"), when)
                return cast(func.date_trunc(literal_column("'week'"), utc), Date)
            return func.date(when, literal_column("'-6 days'"), literal_column("'weekday 1'"))
        raise ValueError(f"group_by must be one of {', '.join(GROUP_BY)}, not {group_by!r}")

    def aggregate(self, group_by: GroupBy, filters: Filters, *, counts: bool = False) -> pd.DataFrame:
        """Per group (a column named after ``group_by``): n, mean overall and mean per dimension — computed in SQL.

        ``counts`` adds ``n:<measure>`` per measure: the rows its mean is over (``avg`` skips a missing
        score), which is what a mean must be weighted by when group tables are added up.
        """
        if group_by not in GROUP_BY:
            raise ValueError(f"group_by must be one of {', '.join(GROUP_BY)}, not {group_by!r}")
        named = key_hashes(filters)
        if named is None:
            raise ValueError("aggregate needs one instrument: set filters.content_hash or filters.scoring_key")
        with self._db.tx() as conn:
            # Versions sharing a scoring key have the same dimensions in the same order, so the same slots.
            first = conn.scalars(named.limit(1)).first()
            slots = self._db.slots(conn, first) if first is not None else []
            measured = ["overall", *(score_column(slot) for slot, _ in slots)]
            # The rollup's few rows when its keys express the filters, else one scan of the responses.
            if self._rollup and rollup.answers(filters):
                stmt = rollup.aggregate_select(group_by, filters, measured, counts=counts, dialect=self._db.dialect)
            else:
                stmt = self._scan_select(group_by, filters, measured, counts=counts)
            rows = conn.execute(stmt).all()
        dims = [dim for _, dim in slots]
        # A NULL campaign (or recruiter, band) is a group of its own, not dropped.
        measures = ["overall", *dims]
        count_cols = [f"n:{m}" for m in measures] if counts else []
        frame = pd.DataFrame([tuple(row) for row in rows], columns=[group_by, "n", *measures, *count_cols])
        for col in ["n", *count_cols]:
            frame[col] = frame[col].astype(int)
        for col in ["overall", *dims]:
            frame[col] = pd.to_numeric(frame[col]).astype(float)
        if group_by == "week":
            frame[group_by] = pd.to_datetime(frame[group_by])
        return frame.sort_values(group_by, na_position="last", kind="stable").reset_index(drop=True)

    def _scan_select(self, group_by: str, filters: Filters, measured: list[str], *, counts: bool) -> Any:
        """``aggregate``'s statement over the responses: one scan (the dimension scores sit on the row)."""
        r = responses.c
        key = self._group_key(group_by, filters.submitted_only).label("key")
        source: Any = responses
        if group_by == "language":
            source = responses.join(questionnaires, questionnaires.c.content_hash == r.content_hash)
        return (
            select(
                key,
                func.count().label("n"),
                *(func.avg(r[c]) for c in measured),
                *([func.count(r[c]) for c in measured] if counts else []),
            )
            .select_from(source)
            .where(*conditions(filters, self._db.dialect))
            .group_by(key)
        )

    def campaign_counts(self, recruiter_id: str | None = None) -> pd.DataFrame:
        """Started, completed and shared responses per (recruiter_id, campaign) (from the rollup)."""
        r = responses.c
        stmt = (
            rollup.campaign_select(recruiter_id)
            if self._rollup
            else select(
                r.recruiter_id,
                r.campaign,
                func.count().label("started"),
                func.count(r.submitted_at).label("completed"),
                func.sum(case((r.shared.is_(True), 1), else_=0)).label("shared"),
            ).group_by(r.recruiter_id, r.campaign)
        )
        if recruiter_id is not None and not self._rollup:
            stmt = stmt.where(r.recruiter_id == recruiter_id)
        with self._db.tx() as conn:
            rows = conn.execute(stmt).all()
        frame = pd.DataFrame(
            [tuple(row) for row in rows], columns=["recruiter_id", "campaign", "started", "completed", "shared"]
        )
        for col in ("started", "completed", "shared"):
            frame[col] = frame[col].astype(int)
        return frame.sort_values(["recruiter_id", "campaign"], na_position="last").reset_index(drop=True)

    def retest_pairs(self, filters: Filters, min_days: float) -> pd.DataFrame:
        """Consecutive retake pairs at least ``min_days`` apart, one row per pair, for test–retest figures.

        A pair is a submitted response and the submitted attempt its ``previous_id`` names, both selected by
        ``filters`` (each attempt must match every filter: version, period, recruiter, campaign, sharing),
        both answering the same scoring key, the second submitted at least ``min_days`` days after the
        first. With ``shared_only`` both attempts must also carry their scores (``share_scores``): what a
        recruiter is allowed to see of a candidate (``reports.prep``). Columns: ``chain`` (one value per
        candidate's chain of retakes), first_id, second_id, first/second content_hash, submitted_at,
        campaign and flagged (any quality flag), ``days`` apart, then ``first:<measure>`` and
        ``second:<measure>`` for overall and each dimension (mapped from each attempt's own score slots);
        oldest second attempt first.
        """
        if isinstance(min_days, bool) or not isinstance(min_days, (int, float)) or not 0 <= min_days <= 36_500:
            raise ValueError(f"min_days must be a number of days from 0 to 36500, got {min_days!r}")
        r = responses.c
        conds = conditions(replace(filters, latest_only=False), self._db.dialect)  # a pair is two attempts
        if filters.shared_only:
            conds.append(r.share_scores.is_(True))
        first, second = responses.alias("first"), responses.alias("second")
        q1, q2 = questionnaires.alias("q1"), questionnaires.alias("q2")
        f, s = first.c, second.c
        # The same WHERE clauses as every other read, written once against each attempt's alias.
        on_first = [ClauseAdapter(first).traverse(c) for c in conds]
        on_second = [ClauseAdapter(second).traverse(c) for c in conds]
        gap = timedelta(days=float(min_days))
        apart = (
            s.submitted_at - f.submitted_at >= gap
            if self._db.dialect == "postgresql"
            # SQLite keeps UTC text: julianday is exact to well under a second; the exact test is below.
            else func.julianday(s.submitted_at) - func.julianday(f.submitted_at) >= float(min_days) - 1e-5
        )
        sides = [(f, "first"), (s, "second")]
        stmt = (
            select(
                *(c.id.label(f"{name}_id") for c, name in sides),
                *(c.content_hash.label(f"{name}_content_hash") for c, name in sides),
                *(c.submitted_at.label(f"{name}_submitted_at") for c, name in sides),
                *(c.campaign.label(f"{name}_campaign") for c, name in sides),
                *(c.flags.label(f"{name}_flags") for c, name in sides),
                *(c[col].label(f"{name}:{col}") for c, name in sides for col in ["overall", *SCORE_COLUMNS]),
            )
            .select_from(
                second.join(first, f.id == s.previous_id)
                .join(q1, q1.c.content_hash == f.content_hash)
                .join(q2, q2.c.content_hash == s.content_hash)
            )
            .where(
                s.previous_id.is_not(None),
                f.submitted_at.is_not(None),
                s.submitted_at.is_not(None),
                q1.c.scoring_key == q2.c.scoring_key,
                apart,
                *on_first,
                *on_second,
            )
            .order_by(s.submitted_at, s.id)
        )
        with self._db.tx() as conn:
            result = conn.execute(stmt)
            names = list(result.keys())
            rows = [tuple(row) for row in result]
            links = conn.execute(select(r.id, r.previous_id).where(r.previous_id.is_not(None))).all()
            hashes = list(dict.fromkeys(str(h) for row in rows for h in row[2:4]))
            if filters.content_hash is not None:
                hashes = [filters.content_hash, *(h for h in hashes if h != filters.content_hash)]
            slots = {h: self._db.slots(conn, h) for h in hashes}
        raw = pd.DataFrame(rows, columns=names)
        for side in ("first", "second"):
            raw[f"{side}_submitted_at"] = pd.to_datetime(raw[f"{side}_submitted_at"], utc=True)
        days = (raw["second_submitted_at"] - raw["first_submitted_at"]).dt.total_seconds() / 86400
        raw = raw[(days >= float(min_days)).to_numpy(dtype=bool)].reset_index(drop=True)
        dims = list(dict.fromkeys(dim for h in hashes for _, dim in slots[h]))
        for side in ("first", "second"):  # a JSON list of quality-flag codes, set at submit
            raw[f"{side}_flagged"] = [isinstance(v, str) and bool(json.loads(v)) for v in raw[f"{side}_flags"]]
        kept = ("id", "content_hash", "submitted_at", "campaign", "flagged")
        out = raw[[f"{side}_{col}" for col in kept for side in ("first", "second")]]
        out.insert(0, "chain", _chain_roots(raw["first_id"], links))
        out = out.assign(days=(raw["second_submitted_at"] - raw["first_submitted_at"]).dt.total_seconds() / 86400)
        measures: dict[str, np.ndarray] = {}
        for side in ("first", "second"):
            measures[f"{side}:overall"] = raw[f"{side}:overall"].to_numpy(dtype=float)
            version = raw[f"{side}_content_hash"].to_numpy(dtype=object)
            for dim in dims:
                measures[f"{side}:{dim}"] = np.full(len(raw), np.nan)
            for h, pairs in slots.items():
                on = version == h
                for slot, dim in pairs:
                    measures[f"{side}:{dim}"][on] = raw[f"{side}:{score_column(slot)}"].to_numpy(dtype=float)[on]
        order = [f"{side}:{m}" for m in ["overall", *dims] for side in ("first", "second")]
        return pd.concat([out, pd.DataFrame(measures, index=out.index)[order]], axis=1)


def _chain_roots(ids: Iterable[Any], links: Sequence[Any]) -> list[int]:
    """Per id, the earliest attempt reachable by ``previous_id`` links: one name per candidate's chain."""
    previous = {int(i): int(p) for i, p in links}
    roots = []
    for start in ids:
        node, seen = int(start), set()
        while node in previous and node not in seen:  # a loop cannot be written, but must not hang a read
            seen.add(node)
            node = previous[node]
        roots.append(node)
    return roots
