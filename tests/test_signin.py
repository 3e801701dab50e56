"""Sign-in limits kept in the database (storage.signin), on SQLite and PostgreSQL.

The attacks from issue 10, each as a test: parallel wrong guesses (all were checked), spraying a
few guesses over many accounts (60 checks with no wait), flooding with junk names (the victim's
counter was evicted), and a restart or second replica (the counter was reset).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from access.accounts import (
    LoginLimits,
    LoginOutcome,
    accounts_from_config,
    attempt_key,
    authenticate,
    hash_password,
)
from storage import Store
from storage.signin import SignInLimiter

PASSWORD = "correct horse battery staple"
HASH = hash_password(PASSWORD, n=2**4)
CREDS = accounts_from_config(
    {f"user-{i}": {"password_hash": HASH, "role": "coach"} for i in range(20)}
    | {"dana": {"password_hash": HASH, "role": "recruiter", "recruiter_id": "dana-whitfield"}}
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def two(db_url: str) -> Iterator[tuple[Store, Store]]:
    """Two stores on one database: two replicas, or a process before and after a restart."""
    first, second = Store(db_url), Store(db_url)
    yield first, second
    first.close()
    second.close()


def test_the_counter_survives_a_restart_and_is_shared_by_replicas(two: tuple[Store, Store]) -> None:
    clock = Clock()
    one, other = (SignInLimiter(s, clock=clock) for s in two)
    for _ in range(3):
        assert authenticate(CREDS, "dana", "wrong", one).account is None
    refused = authenticate(CREDS, "dana", PASSWORD, other)  # the other replica knows
    assert refused.refused_without_check and refused.limit == "account" and refused.wait_seconds == 2
    restarted = SignInLimiter(Store(two[0].url), clock=clock)  # a new process on the same database
    try:
        assert authenticate(CREDS, "DANA", PASSWORD, restarted).refused_without_check
        clock.now += 2
        assert authenticate(CREDS, "dana", PASSWORD, restarted).account is not None
        assert one.failures(attempt_key("dana")) is None  # a success clears it for everyone
    finally:
        restarted.store.close()


def test_twelve_parallel_wrong_guesses_are_checked_three_times(two: tuple[Store, Store]) -> None:
    limiters = [SignInLimiter(s) for s in two]
    barrier = threading.Barrier(12)
    checked: list[int] = []

    def guess(i: int) -> LoginOutcome:
        barrier.wait()
        outcome = authenticate(CREDS, "dana", f"wrong guess {i}", limiters[i % 2])
        if not outcome.refused_without_check:
            checked.append(i)
        return outcome

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(guess, range(12)))
    assert len(checked) == 3, checked
    assert all(o.account is None for o in outcomes)
    assert {o.limit for o in outcomes if o.refused_without_check} == {"account"}
    stored = limiters[0].failures(attempt_key("dana"))
    assert stored is not None and stored.count == 3


def test_spraying_twenty_accounts_is_held_by_the_global_limit(store: Store) -> None:
    clock = Clock()
    limiter = SignInLimiter(store, LoginLimits(global_burst=20, global_refill_seconds=15), clock=clock)
    outcomes = [authenticate(CREDS, f"user-{u}", "Password1!", limiter) for _ in range(3) for u in range(20)]
    assert sum(not o.refused_without_check for o in outcomes) == 20  # not 60
    assert {o.limit for o in outcomes if o.refused_without_check} == {"global"}
    # While the bucket is empty even a right password waits; then one attempt per 15 s gets through.
    assert authenticate(CREDS, "user-0", PASSWORD, limiter).limit == "global"
    clock.now += 15
    assert authenticate(CREDS, "user-0", PASSWORD, limiter).account is not None
    # The success gave its token back: one more check, then the bucket is empty again.
    assert not authenticate(CREDS, "user-1", "guess", limiter).refused_without_check
    assert authenticate(CREDS, "user-2", "guess", limiter).limit == "global"


def test_junk_names_cannot_grow_the_table_or_evict_a_victim(store: Store) -> None:
    clock = Clock()
    limits = LoginLimits(global_burst=20, global_refill_seconds=15, forget_after=3_600)
    limiter = SignInLimiter(store, limits, clock=clock)
    victim = attempt_key("dana")
    for _ in range(3):
        limiter.reserve(victim)
    allowed = 0
    for i in range(600):  # 600 junk names over 50 minutes
        clock.now += 5
        allowed += limiter.reserve(attempt_key(f"junk-{i}")).allowed
    assert allowed <= 20 + 600 * 5 // 15
    assert limiter.rows() == allowed + 1 <= limits.max_rows
    kept = limiter.failures(victim)
    assert kept is not None and kept.count == 3  # still counting
    assert not limiter.reserve(victim).allowed
    clock.now += limits.forget_after + 1
    limiter.reserve(attempt_key("later"))
    assert limiter.rows() == 1  # everything older than forget_after is gone


def test_an_over_long_user_name_records_nothing(store: Store) -> None:
    limiter = SignInLimiter(store)
    outcome = authenticate(CREDS, "a" * 255, PASSWORD, limiter)
    assert outcome.limit == "input" and limiter.rows() == 0


def test_the_tables_hold_no_user_name(store: Store) -> None:
    limiter = SignInLimiter(store)
    authenticate(CREDS, "dana@whitfield-search.example", "wrong", limiter)
    with store.engine.connect() as conn:
        rows: list[Any] = conn.exec_driver_sql("SELECT * FROM sign_in_failures").all()
    assert len(rows) == 1 and "dana" not in repr(rows) and rows[0][0] == attempt_key("dana@whitfield-search.example")
