"""Retake chains (private): a retake's ``previous_id`` points at the submitted attempt it follows.

The chain of private tokens is a candidate's identity over time, without an account. Two reads walk it:

* ``ancestors`` — an attempt and the attempts it follows, newest first (``previous_id`` back). A result
  page's history is this path only: an earlier result link (view-only, printed in older PDFs, perhaps
  forwarded) never reveals attempts taken after it.
* ``component`` — every attempt linked to one, back and forward (two retakes started from the same
  result make a fork): what deleting "the chain" removes, whichever attempt's manage link asks.

A link may point at a purged attempt (no foreign key on fresh databases, ``ON DELETE SET NULL`` on
upgraded ones): the walk simply stops there. Ids are never reused for a dangling link: SQLite hands out
``max(id) + 1`` and the attempt holding the link always has a larger id than the one it follows;
PostgreSQL's sequences never go back.
"""

from __future__ import annotations

from sqlalchemy import Connection, or_, select

from storage.schema import responses

MAX_ATTEMPTS = 50  # per chain: retakes beyond it are refused, which bounds every walk and deletion


def ancestors(conn: Connection, response_id: int) -> list[int]:
    """The attempt's id and those of the attempts it follows, newest first (stops at a purged one)."""
    out: list[int] = []
    current: int | None = response_id
    while current is not None and current not in out and len(out) <= MAX_ATTEMPTS:
        row = conn.execute(select(responses.c.id, responses.c.previous_id).where(responses.c.id == current)).first()
        if row is None:
            break
        out.append(int(row.id))
        # A link always points back to a smaller id: anything else is not a chain this code wrote.
        current = int(row.previous_id) if row.previous_id is not None and row.previous_id < row.id else None
    return out


def component(conn: Connection, response_id: int, *, lock: bool = False, limit: int | None = None) -> set[int]:
    """Ids of every attempt linked to ``response_id`` either way (itself included).

    ``lock`` takes each row's lock as it is found (``FOR UPDATE`` on PostgreSQL), so a retake being chained
    onto one of them either committed before (and is found by the next step's fresh snapshot) or waits and
    then finds its earlier attempt gone. ``limit`` stops the walk once more than that many are found.
    """
    seen = {response_id}
    frontier = {response_id}
    while frontier and (limit is None or len(seen) <= limit):
        back = select(responses.c.previous_id).where(responses.c.id.in_(frontier))
        stmt = select(responses.c.id).where(or_(responses.c.previous_id.in_(frontier), responses.c.id.in_(back)))
        if lock:
            stmt = stmt.with_for_update()
        found = {int(row[0]) for row in conn.execute(stmt)}
        frontier = found - seen
        seen |= found
    return seen
