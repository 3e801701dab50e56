"""service.submissions: the one place a submission is scored and flagged; the store records what it is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from scoring.engine import score, score_frame
from scoring.quality import flags as quality_flags
from scoring.sample import generate
from service import submissions
from service.bulk import bulk_load
from storage import Scored, Store

FULL = {"p1": 4, "p2": 2, "p3": 5, "e1": 4, "e2": 2, "s1": "listen"}
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def test_submit_records_the_core_scores_and_flags(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q, now=T0)
    store.save_answers(started.resume_token, {"p1": 4, "p2": 2}, now=T0)
    stored = submissions.submit(store, started.resume_token, {"p3": 5, "e1": 4, "e2": 2}, now=T0 + timedelta(seconds=9))
    final = {"p1": 4, "p2": 2, "p3": 5, "e1": 4, "e2": 2}  # merged: saved before, plus the final page
    expected = score(minimal_q, final)
    assert stored.answers == final
    assert (stored.overall, stored.band, stored.near_boundary) == (expected.overall, expected.band, False)
    assert stored.dimension_scores == expected.scores()
    assert stored.flags == quality_flags(minimal_q, final, 9.0)


def test_the_results_page_reads_what_was_stored(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q, now=T0)
    stored = submissions.submit(store, started.resume_token, {"p1": 5, "e1": 1}, now=T0 + timedelta(minutes=5))
    assert submissions.result_of(minimal_q, stored) == score(minimal_q, {"p1": 5, "e1": 1})  # incl. answered/total


def test_result_of_does_not_score_again(store: Store, minimal_q: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    started = store.start(minimal_q, now=T0)
    stored = submissions.submit(store, started.resume_token, FULL, now=T0 + timedelta(minutes=5))

    def no_scoring(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the stored result must not be scored again")

    monkeypatch.setattr(submissions, "score", no_scoring)
    again = submissions.result_of(minimal_q, store.result(started.resume_token))
    assert again.overall == stored.overall and again.scores() == stored.dimension_scores


def test_the_store_records_what_it_is_given_once(store: Store, minimal_q: Any) -> None:
    calls: list[tuple[dict[str, Any], float]] = []

    def evaluate(q: Any, answers: dict[str, Any], duration: float) -> Scored:
        calls.append((answers, duration))
        return Scored(
            overall=12.5, band="tactical", near_boundary=True, dimension_scores={"exploration": 7.0}, flags=["x"]
        )

    started = store.start(minimal_q, now=T0)
    stored = store.submit(started.resume_token, FULL, evaluate=evaluate, now=T0 + timedelta(seconds=30))
    assert calls == [(FULL, 30.0)]
    assert (stored.overall, stored.band, stored.near_boundary, stored.flags) == (12.5, "tactical", True, ["x"])
    assert stored.dimension_scores == {d.id: (7.0 if d.id == "exploration" else None) for d in minimal_q.dimensions}
    # A second submit returns the first result and does not evaluate again.
    assert store.submit(started.resume_token, evaluate=evaluate).overall == 12.5
    assert len(calls) == 1


def test_bulk_load_records_the_same_numbers_as_one_by_one(store: Store, minimal_q: Any) -> None:
    frame = generate(minimal_q, 25, seed=5).drop(columns=["response_id"])
    assert bulk_load(store, minimal_q, frame) == 25
    loaded = store.responses_frame(content_hash=minimal_q.content_hash)
    expected = score_frame(minimal_q, frame)
    pd.testing.assert_series_equal(
        loaded["overall"].reset_index(drop=True), expected["overall"].astype(float), check_names=False
    )
    for d in minimal_q.dimensions:
        pd.testing.assert_series_equal(loaded[d.id], expected[d.id].astype(float), check_names=False)
