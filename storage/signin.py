"""Staff sign-in limits kept in the database, so restarts and replicas share them.

``SignInLimiter`` is the storage half of ``access.accounts``: the policy (``decide``) is pure, this
module reads the state, applies it and writes it back in one write transaction. Reservations are
serialised on the single ``sign_in_budget`` row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` already admits one writer at a time), so parallel attempts — from threads,
processes or replicas — are decided one after another and none is checked uncounted.

Rows older than ``forget_after`` are deleted at each reservation; since only allowed reservations
create rows, and the global bucket bounds those, the table never holds more than
``LoginLimits.max_rows`` rows, and nothing but age removes one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from access.accounts import Budget, Failures, LoginLimits, Reservation, decide, settle_success
from storage.schema import sign_in_budget, sign_in_failures

GLOBAL = "global"


class SignInLimiter:
    """Reserve and settle sign-in attempts against the store's database (see the module docstring)."""

    def __init__(self, store: Any, limits: LoginLimits | None = None, *, clock: Callable[[], float] = time.time):
        self.store = store
        self.limits = limits or LoginLimits()
        self.clock = clock

    def _budget(self, conn: Connection) -> Budget | None:
        # Creating the row first gives every reservation one row to lock, even the very first ones.
        conn.execute(
            self.store.database.insert()(sign_in_budget)
            .values(name=GLOBAL, tokens=float(self.limits.global_burst), updated=self.clock())
            .on_conflict_do_nothing()
        )
        b = sign_in_budget.c
        row = conn.execute(select(b.tokens, b.updated).where(b.name == GLOBAL).with_for_update()).one()
        return Budget(float(row.tokens), float(row.updated))

    def _save_budget(self, conn: Connection, budget: Budget) -> None:
        b = sign_in_budget.c
        conn.execute(
            update(sign_in_budget).where(b.name == GLOBAL).values(tokens=budget.tokens, updated=budget.updated)
        )

    def reserve(self, key: str) -> Reservation:
        """Decide one attempt for ``key`` (an ``attempt_key``) and record it as a failure if allowed."""
        f = sign_in_failures.c
        with self.store.database.tx(write=True) as conn:
            budget = self._budget(conn)  # the lock every reservation queues on
            now = self.clock()
            row = conn.execute(select(f.failures, f.last_failed).where(f.key_hash == key)).first()
            current = Failures(int(row.failures), float(row.last_failed)) if row else None
            answer, failures, budget = decide(self.limits, current, budget, now)
            self._save_budget(conn, budget)
            if answer.allowed:
                assert failures is not None
                upsert = self.store.database.insert()(sign_in_failures).values(
                    key_hash=key, failures=failures.count, last_failed=failures.last
                )
                conn.execute(
                    upsert.on_conflict_do_update(
                        index_elements=["key_hash"],
                        set_={"failures": failures.count, "last_failed": failures.last},
                    )
                )
                conn.execute(delete(sign_in_failures).where(f.last_failed < now - self.limits.forget_after))
            return answer

    def success(self, key: str) -> None:
        """Forget ``key``'s failures and give back the token its attempt reserved."""
        with self.store.database.tx(write=True) as conn:
            budget = self._budget(conn)
            conn.execute(delete(sign_in_failures).where(sign_in_failures.c.key_hash == key))
            self._save_budget(conn, settle_success(self.limits, budget, self.clock()))

    def rows(self) -> int:
        """How many per-account rows are stored (for tests and monitoring)."""
        with self.store.database.tx() as conn:
            return int(conn.scalar(select(func.count()).select_from(sign_in_failures)) or 0)

    def failures(self, key: str) -> Failures | None:
        """The stored state of one key, if any."""
        f = sign_in_failures.c
        with self.store.database.tx() as conn:
            row = conn.execute(select(f.failures, f.last_failed).where(f.key_hash == key)).first()
        return Failures(int(row.failures), float(row.last_failed)) if row else None
