"""Career Radar's response store: the only package that talks to a database (SQLAlchemy 2.x).

``Store`` is the whole API (a façade over ``storage.responses``, ``storage.lifecycle`` and
``storage.reads``; reads take one ``Filters``); the URL comes from ``database_url`` (environment,
Streamlit secrets, or a SQLite file under ``data/``). ``storage.schema`` holds the tables. The store
records the scores it is given; ``service.submissions`` computes them.
"""

from storage.config import ENV_VAR, database_url
from storage.filters import Filters
from storage.records import (
    AlreadySubmitted,
    Attempt,
    Attribution,
    ChainFull,
    Evaluator,
    InvalidAnswers,
    InvalidBrief,
    InvalidContact,
    InvalidInput,
    NotAllowed,
    NotComparable,
    NotFound,
    NotSubmitted,
    Progress,
    RetakeRefused,
    Scored,
    Started,
    Stored,
    StoreError,
    StoreUnavailable,
)
from storage.schema import SCHEMA_VERSION
from storage.store import GROUP_BY, Store

__all__ = [
    "ENV_VAR",
    "GROUP_BY",
    "SCHEMA_VERSION",
    "AlreadySubmitted",
    "Attempt",
    "Attribution",
    "ChainFull",
    "Evaluator",
    "Filters",
    "InvalidAnswers",
    "InvalidBrief",
    "InvalidContact",
    "InvalidInput",
    "NotAllowed",
    "NotComparable",
    "NotFound",
    "NotSubmitted",
    "Progress",
    "RetakeRefused",
    "Scored",
    "Started",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "Stored",
    "database_url",
]
