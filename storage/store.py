"""``Store``: the one object callers hold — it opens the database (creating or upgrading the schema) and
brings together the parts, each a class with one job in its own module (``Store`` inherits their methods):

* ``storage.responses.Responses`` — registration and the candidate's path (start, save, submit, result);
* ``storage.lifecycle.Lifecycle`` — sharing, deletion and retention;
* ``storage.reads.ReadModel`` — frames and SQL aggregates, selected by one ``storage.filters.Filters``.

The guarantees (no answer lost, none counted twice, tokens stored only as hashes, results explainable
years later) are stated where they are kept, in those modules. The store records the scores it is
given at submission (``service.submissions`` computes them); it never scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from storage import schema
from storage._db import Database, token_hash
from storage.config import database_url
from storage.filters import Filters
from storage.lifecycle import EMPTY_START_HOURS, Lifecycle
from storage.reads import GROUP_BY, GroupBy, ReadModel
from storage.records import StoreError
from storage.responses import Responses

__all__ = ["EMPTY_START_HOURS", "GROUP_BY", "Filters", "GroupBy", "Store", "token_hash"]


class Store(Responses, Lifecycle, ReadModel):
    """Responses, their answers and results in SQLite or PostgreSQL: the parts, each in its own module, on one
    opened database. The methods are the parts' own (no delegation copies); only the two reads also take
    their ``Filters`` fields as keywords."""

    def __init__(
        self,
        url: str | None = None,
        *,
        retention_days: int = 365,
        lock_timeout: float = 10.0,
        pool_size: int | None = None,
        max_overflow: int | None = None,
    ) -> None:
        """Open (and create or upgrade) the database; StoreUnavailable when it cannot be reached."""
        if retention_days < 1:
            raise ValueError("retention_days must be at least 1")
        self.url = url or database_url()
        self.database = Database(self.url, lock_timeout=lock_timeout, pool_size=pool_size, max_overflow=max_overflow)
        self.dialect = self.database.dialect
        try:
            with self.database.tx() as conn:
                upgrade = schema.needs_work(conn)
            if upgrade:
                with self.database.tx(write=True) as conn:
                    schema.ensure(conn)
            with self.database.tx() as conn:
                self.schema_version = schema.current_version(conn)
        except schema.SchemaError as exc:
            self.database.engine.dispose()
            raise StoreError(str(exc)) from exc
        except StoreError:
            self.database.engine.dispose()
            raise
        Responses.__init__(self, self.database)
        Lifecycle.__init__(self, self.database, retention_days=retention_days)
        ReadModel.__init__(self, self.database)

    # ----- plumbing ------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for benchmarks and tests; the app uses the methods)."""
        return self.database.engine

    def close(self) -> None:
        """Release pooled connections (and the one the answer saves keep on SQLite)."""
        self._driver.close()
        self.database.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.database.safe_url()!r})"

    # ----- reads (storage.reads) ------------------------------------------------------------

    def responses_frame(
        self,
        filters: Filters | None = None,
        *,
        limit: int | None = None,
        include_answers: bool = False,
        include_contact: bool = False,
        include_brief: bool = False,
        **where: Any,
    ) -> pd.DataFrame:
        """One row per response selected by ``filters`` (or the same fields as keywords); see ``storage.frames``."""
        return super().responses_frame(
            _filters(filters, where),
            limit=limit,
            include_answers=include_answers,
            include_contact=include_contact,
            include_brief=include_brief,
        )

    def aggregate(
        self, group_by: GroupBy, filters: Filters | None = None, *, counts: bool = False, **where: Any
    ) -> pd.DataFrame:
        """Per group: n, mean overall and mean per dimension (``counts``: and n per measure), in SQL;
        ``filters`` must name one content hash."""
        return super().aggregate(group_by, _filters(filters, where), counts=counts)


def _filters(filters: Filters | None, where: Mapping[str, Any]) -> Filters:
    """A ``Filters``, given as one or as its fields by keyword (not both)."""
    if filters is not None and where:
        raise TypeError("pass a Filters or filter keywords, not both")
    return filters if filters is not None else Filters(**where)
