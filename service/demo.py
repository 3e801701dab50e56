"""Demo data in one command: ``python -m service.demo --n 5000 [--seed 0] [--weeks 12] [--url URL]``.

Loads N synthetic *submitted* responses (``scoring.sample.generate``) into the configured database,
spread over the recruiters in ``config/people.yaml`` (or two placeholder recruiters), a few campaigns
each — one deliberately tiny, so the dashboard's "fewer than k" suppression shows — and the last
``--weeks`` weeks, with a gentle upward trend. Campaigns differ a little in where their candidates
stand, so comparisons and effect sizes have something to show. A share of candidates share their
result with the recruiter, and some responses are left unfinished on a page, for the share rate
and the drop-off chart.

Submitted responses go in through ``service.bulk.bulk_load`` (fast, in batches, so a million rows fit in
memory); shared and unfinished ones go through the candidate's own path (``start`` → ``save_answers``
→ ``service.submissions.submit`` → ``set_shared``), which is slower, so their number is capped (``--max-slow``).
Re-running adds more responses; it never deletes any.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from reports.brief import build_brief, question_choices
from scoring.engine import score_frame
from scoring.interpret import interpret
from scoring.loader import load
from scoring.models import Questionnaire, TextItem
from scoring.sample import generate
from service import submissions
from service.bulk import bulk_load
from storage import Attribution, Store, StoreError, database_url

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_QUESTIONNAIRE = ROOT / "questions" / "strategic-candidate.yaml"
PEOPLE = ROOT / "config" / "people.yaml"
FALLBACK_RECRUITERS = ("ava-hart", "sam-okafor")
# Campaign names per recruiter slot, with relative sizes; the last is tiny on purpose (k-anonymity).
CAMPAIGNS = (("spring-webinar", 5.0), ("linkedin-outreach", 3.0), ("referrals", 2.0), ("pilot-workshop", 0.0))
TINY_CAMPAIGN_SIZE = 3
BATCH = 100_000


@dataclass(frozen=True)
class DemoPlan:
    """What ``load_demo`` will write (also what it reports)."""

    submitted: int
    shared: int
    unfinished: int
    recruiters: tuple[str, ...]
    campaigns: tuple[str, ...]


def recruiter_ids(people: Path = PEOPLE) -> tuple[str, ...]:
    """Recruiter ids from config/people.yaml, or the two placeholders when it is missing or has none."""
    try:
        data = yaml.safe_load(people.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return FALLBACK_RECRUITERS
    ids = tuple(str(r) for r in (data.get("recruiters") or {}))
    return ids or FALLBACK_RECRUITERS


def assign(scores: pd.DataFrame, recruiters: tuple[str, ...], rng: np.random.Generator) -> pd.DataFrame:
    """recruiter_id and campaign per row; campaigns lean slightly tactical or strategic by design."""
    n = len(scores)
    r_weights = np.linspace(1.5, 1.0, len(recruiters))
    recruiter = rng.choice(len(recruiters), size=n, p=r_weights / r_weights.sum())
    sizes = np.array([w for _, w in CAMPAIGNS[:-1]])
    # Campaign c is more likely for higher (or lower) overall scores: a softmax with a per-campaign slope.
    overall = np.nan_to_num(scores["overall"].to_numpy(dtype=float), nan=50.0)
    slopes = np.linspace(0.03, -0.03, len(sizes))
    logits = np.log(sizes)[None, :] + (overall[:, None] - 50.0) * slopes[None, :]
    gumbel = rng.gumbel(size=logits.shape)
    campaign = np.argmax(logits + gumbel, axis=1)
    names = np.array([c for c, _ in CAMPAIGNS[:-1]], dtype=object)
    return pd.DataFrame({"recruiter_id": np.array(recruiters, dtype=object)[recruiter], "campaign": names[campaign]})


def timestamps(n: int, weeks: int, now: datetime, rng: np.random.Generator) -> pd.Series:
    """Submission times over the last ``weeks`` weeks, more of them recently (a gentle upward trend)."""
    span = weeks * 7 * 86_400.0
    # Density rising linearly towards now: inverse CDF of f(x) ∝ 1 + x on [0, 1].
    u = rng.random(n)
    x = np.sqrt(1 + 3 * u) - 1  # solves (x + x²/2) / 1.5 = u
    seconds_ago = span * (1 - x)
    return pd.Series(pd.to_datetime(now) - pd.to_timedelta(seconds_ago, unit="s")).dt.floor("us")


def _answers_dict(q: Questionnaire, row: pd.Series, keep: set[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in q.items():  # scored and claim items; free text stays empty
        if isinstance(item, TextItem) or (keep is not None and item.id not in keep):
            continue
        value = row.get(item.id)
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            continue
        out[item.id] = int(value) if not isinstance(value, str) else value
    return out


def load_demo(
    store: Store,
    q: Questionnaire,
    n: int,
    *,
    seed: int = 0,
    weeks: int = 12,
    shared_share: float = 0.10,
    unfinished_share: float = 0.08,
    max_slow: int = 1_500,
    recruiters: tuple[str, ...] | None = None,
    now: datetime | None = None,
    progress: Any = None,
) -> DemoPlan:
    """Write the demo responses (see the module docstring); returns what was written."""
    if n < 0:
        raise ValueError("n must be zero or more")
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    rng = np.random.default_rng(seed)
    recruiters = recruiters or recruiter_ids()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    n_shared = min(round(shared_share * n), max_slow)
    n_unfinished = min(round(unfinished_share * n), max_slow)
    n_tiny = min(TINY_CAMPAIGN_SIZE, n)
    n_bulk = n - n_shared - n_tiny
    tiny_campaign = CAMPAIGNS[-1][0]
    log = progress or (lambda _msg: None)

    # Bulk: submitted, not shared. Batches keep a million rows within memory.
    done = 0
    batch_seed = seed
    while done < n_bulk:
        size = min(BATCH, n_bulk - done)
        frame = generate(q, size, seed=batch_seed)
        batch_seed += 1_000_003  # distinct, reproducible streams per batch
        scores = score_frame(q, frame)
        frame = pd.concat([frame, assign(scores, recruiters, rng)], axis=1)
        frame["submitted_at"] = timestamps(size, weeks, now, rng)
        frame["started_at"] = frame["submitted_at"] - pd.to_timedelta(frame["duration_seconds"], unit="s")
        bulk_load(store, q, frame.drop(columns=["response_id"]))
        done += size
        log(f"{done:,} of {n:,} submitted responses written")

    # The candidate's own path: the tiny campaign, shared results, and unfinished responses.
    slow = generate(q, n_tiny + n_shared + n_unfinished, seed=seed + 7)
    slow_scores = score_frame(q, slow)
    who = assign(slow_scores, recruiters, rng)
    when = timestamps(len(slow), weeks, now, rng)
    pages = len(q.sections)
    written = done  # submitted responses so far (bulk, then one by one)
    for i in range(len(slow)):
        row = slow.iloc[i]
        campaign = tiny_campaign if i < n_tiny else who.loc[i, "campaign"]
        attribution = Attribution(recruiter_id=who.loc[i, "recruiter_id"], campaign=campaign)
        submitted = when.iloc[i].to_pydatetime()
        duration = float(row["duration_seconds"]) if pd.notna(row["duration_seconds"]) else 420.0
        started_at = submitted - timedelta(seconds=duration)
        started = store.start(q, attribution, now=started_at)
        if i < n_tiny + n_shared:
            stored = submissions.submit(store, started.resume_token, _answers_dict(q, row), now=submitted)
            written += 1
            if i >= n_tiny:
                # Like a candidate: the brief with one picked question; every other one adds the scores.
                reading = interpret(q, submissions.result_of(q, stored))
                picks = [key for key, _, _ in question_choices(reading)][:1]
                store.set_shared(
                    started.resume_token,
                    True,
                    manage_token=started.delete_token,
                    brief=build_brief(q, reading, picks, None),
                    include_scores=i % 2 == 0,
                    now=submitted,
                )
        else:
            # Stopped on page p (0-based): earlier pages answered, p itself half answered.
            p = int(min(pages - 1, rng.geometric(0.45) - 1))
            keep = {it.id for s in q.sections[:p] for it in s.items}
            keep |= {it.id for it in q.sections[p].items[: len(q.sections[p].items) // 2]}
            store.save_answers(started.resume_token, _answers_dict(q, row, keep), page=p, now=submitted)
        if (i + 1) % 500 == 0 or i + 1 == len(slow):
            unfinished = max(0, i + 1 - n_tiny - n_shared)
            log(f"{written:,} of {n:,} submitted responses written, {unfinished:,} of {n_unfinished:,} unfinished")
    campaigns = tuple(dict.fromkeys([c for c, _ in CAMPAIGNS]))
    return DemoPlan(n_bulk + n_tiny + n_shared, n_shared, n_unfinished, tuple(recruiters), campaigns)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m service.demo", description="Load synthetic demo responses.")
    parser.add_argument("--n", type=int, default=5_000, help="submitted responses to add (default 5000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--weeks", type=int, default=12, help="spread submissions over this many weeks (default 12)")
    parser.add_argument("--url", help="database URL (default: CAREER_RADAR_DATABASE_URL, secrets, or data/ SQLite)")
    parser.add_argument("--questionnaire", type=Path, default=DEFAULT_QUESTIONNAIRE, help="questionnaire YAML")
    parser.add_argument(
        "--max-slow", type=int, default=1_500, help="cap on shared and on unfinished responses (slow path)"
    )
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("--n must be zero or more")
    if args.weeks < 1:
        parser.error("--weeks must be at least 1")
    q = load(args.questionnaire)
    began = time.perf_counter()
    try:
        with Store(args.url or database_url()) as store:
            plan = load_demo(store, q, args.n, seed=args.seed, weeks=args.weeks, max_slow=args.max_slow, progress=print)
            print(f"database: {store!r}")
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"added {plan.submitted:,} submitted responses ({plan.shared:,} of them shared) "
        f"and {plan.unfinished:,} unfinished for {q.meta.id} {q.meta.version} ({q.short_hash}), "
        f"recruiters {', '.join(plan.recruiters)}, "
        f"in {time.perf_counter() - began:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
