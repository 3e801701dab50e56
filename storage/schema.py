"""Tables, and the recorded schema version with its upgrade steps.

Layout (version 6):

* ``questionnaires`` — one row per content hash with the canonical JSON definition, whose SHA-256 *is*
  the hash, so an old response can be re-scored and explained after the YAML changed; its scoring key
  and language (version 5), so translations pool by key while each response keeps its exact text.
* ``questionnaire_dimensions`` — which dimension of a version sits in which score slot (1 = its first
  dimension in the definition, and so on).
* ``responses`` — one row per candidate attempt: hashed tokens, attribution, times, the scored result
  (overall, band, and one column per dimension slot, ``score_01`` … ``score_20``), quality flags, the
  sharing consent, what was shared (``share_brief``: the candidate's conversation brief as JSON;
  ``share_scores``: whether they also added their scores) and (only with consent, enforced by a
  CHECK) contact details; ``previous_id`` (version 5) links a retake to the attempt it follows.
* ``answers`` — one row per (response, item): the primary key makes a repeated save an upsert.
* ``response_scores`` — a view, one row per (submitted response, dimension), for SQL by dimension name.
* ``response_rollup`` (version 6) — counts and sums of the scores per cohort key (version, UTC start and
  submit days, recruiter, campaign, band, shared, superseded), kept by triggers on ``responses`` so the
  dashboard's exact figures need not scan every response (``storage.rollup``).
* ``deletion_log`` — when and how many responses were deleted, and why; never content.
* ``sign_in_failures`` and ``sign_in_budget`` (version 3) — the staff sign-in limits shared by every
  process and replica (``storage.signin``): failed attempts per hashed user name, and the global
  bucket of failed checks. No user name, password or address is stored.

Why score slots rather than a (response, dimension, score) table: version 1 had that table, and the
dashboard aggregates then joined six score rows per response — about 30 s per grouping over a million
SQLite responses. With the scores on the response row an aggregate is one scan; a questionnaire has at
most 20 dimensions (``models.Questionnaire``), so 20 slots always suffice.

Indexes change no data, so one added for speed needs no version step: ``ensure`` creates any declared
index that is missing (``missing_indexes``), and SQLite gets one more, a covering index for the
dashboard's aggregates (``SQLITE_INDEXES``).

Upgrades: ``STEPS[v]`` turns version ``v - 1`` into ``v`` and runs in one transaction with the version
row it records (PostgreSQL and SQLite both have transactional DDL), under a lock so two processes
starting together do not both upgrade. Alembic would add a second migration tree and a dependency for
what is, so far, a short list of ``ALTER TABLE`` statements.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.types import TypeDecorator

SCHEMA_VERSION = 6
SCORE_SLOTS = 20  # the questionnaire model allows at most 20 dimensions
# Arbitrary constant for pg_advisory_xact_lock: serialises schema creation across processes.
_PG_LOCK_KEY = 0x43525244  # "CRRD"

SHORT = 200  # attribution and contact-name columns
EMAIL = 254  # RFC 5321 path limit


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in and out on every backend (SQLite keeps them as UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware value")
        value = value.astimezone(UTC)
        # SQLite's text format has no offset; every stored value is UTC, so comparisons stay correct.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def score_column(slot: int) -> str:
    """Name of the responses column holding the score of dimension slot ``slot`` (1-based)."""
    if not 1 <= slot <= SCORE_SLOTS:
        raise ValueError(f"score slot must be 1–{SCORE_SLOTS}, not {slot}")
    return f"score_{slot:02d}"


SCORE_COLUMNS = [score_column(s) for s in range(1, SCORE_SLOTS + 1)]

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGSERIAL.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", UTCDateTime, nullable=False),
)

questionnaires = Table(
    "questionnaires",
    metadata,
    Column("content_hash", String(64), primary_key=True),
    Column("questionnaire_id", String(48), nullable=False, index=True),
    Column("version", String(20), nullable=False),
    Column("definition", Text, nullable=False),  # canonical JSON; sha256(definition) == content_hash
    Column("registered_at", UTCDateTime, nullable=False),
    # Version 5: translations of one questionnaire share a scoring key (Questionnaire.scoring_key) and are
    # pooled by it; the language says which text a response answered.
    Column("scoring_key", String(64), nullable=False, index=True),
    Column("language", String(16), nullable=False),
)

questionnaire_dimensions = Table(
    "questionnaire_dimensions",
    metadata,
    Column("content_hash", String(64), ForeignKey("questionnaires.content_hash"), primary_key=True),
    Column("slot", Integer, primary_key=True, autoincrement=False),
    Column("dimension", String(48), nullable=False),
    UniqueConstraint("content_hash", "dimension", name="uq_questionnaire_dimension"),
)

responses = Table(
    "responses",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("public_id", String(32), nullable=False, unique=True),
    Column("resume_token_hash", String(64), nullable=False, unique=True),
    Column("delete_token_hash", String(64), nullable=False, unique=True),
    Column("content_hash", String(64), ForeignKey("questionnaires.content_hash"), nullable=False),
    Column("recruiter_id", String(SHORT)),
    Column("campaign", String(SHORT)),
    Column("role", String(SHORT)),
    Column("started_at", UTCDateTime, nullable=False),
    Column("last_saved_at", UTCDateTime, nullable=False),
    Column("submitted_at", UTCDateTime),
    Column("duration_seconds", Float),
    Column("page", Integer, nullable=False, server_default="0"),
    Column("overall", Float),
    Column("band", String(48)),
    Column("near_boundary", Boolean),
    Column("flags", Text),  # JSON list of quality-flag codes, set at submit
    *(Column(name, Float) for name in SCORE_COLUMNS),  # NULL: slot unused, or too few answers
    Column("shared", Boolean, nullable=False, server_default=false()),
    Column("shared_at", UTCDateTime),
    Column("contact_name", String(SHORT)),
    Column("contact_email", String(EMAIL)),
    # What the candidate chose to share (version 3): their conversation brief (JSON, see reports.brief)
    # and whether they also added their scores. A recruiter sees exactly this, nothing derived beyond it.
    Column("share_brief", Text),
    Column("share_scores", Boolean, nullable=False, server_default=false()),
    # Version 5: a retake points at the attempt it follows (same scoring key); the chain of private tokens
    # is the candidate's identity over time, without an account. No foreign key: SQLite cannot drop or
    # alter one in place, and a link to a purged attempt simply finds nothing (reads join on it).
    Column("previous_id", Id),
    # Version 5: set when a later attempt of the same chain is submitted. Cohort figures count a person once
    # (their latest submitted attempt), so a retake neither double-counts them nor helps a small group
    # pass the k-anonymity minimum; test–retest reads every attempt.
    Column("superseded", Boolean, nullable=False, server_default=false()),
    # Consent is the sharing choice: no contact detail may exist without it.
    CheckConstraint("shared OR (contact_name IS NULL AND contact_email IS NULL)", name="ck_contact_needs_consent"),
    Index("ix_responses_hash_submitted", "content_hash", "submitted_at"),
    Index("ix_responses_recruiter_campaign", "recruiter_id", "campaign"),
    # Covers campaign_counts (the dashboard's filter lists): an index-only scan instead of a row fetch
    # per response (0.15 s against 1.2 s over a million SQLite responses). Added after version 2 was
    # released, so ensure() creates it on older databases (see missing_indexes).
    Index("ix_responses_attribution", "recruiter_id", "campaign", "submitted_at", "shared"),
    Index("ix_responses_last_saved", "last_saved_at"),
    Index("ix_responses_previous", "previous_id"),
)

answers = Table(
    "answers",
    metadata,
    Column("response_id", Id, ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", String(48), primary_key=True),
    Column("value_int", BigInteger),  # Likert answers
    Column("value_text", Text),  # choice option ids and free text
    CheckConstraint("(value_int IS NULL) <> (value_text IS NULL)", name="ck_one_answer_value"),
    sqlite_with_rowid=False,  # clustered on the primary key: one response's answers sit together
)

# Version 6: one row per cohort key, maintained by triggers (storage.rollup, which also creates its unique
# index on expressions: the key's nullable columns are compared as coalesce(x, '') with x IS NULL).
response_rollup = Table(
    "response_rollup",
    metadata,
    Column("content_hash", String(64), nullable=False),
    Column("started_day", Date, nullable=False),  # UTC date of started_at
    Column("submitted_day", Date),  # UTC date of submitted_at; NULL while unsubmitted
    Column("recruiter_id", String(SHORT)),
    Column("campaign", String(SHORT)),
    Column("band", String(48)),
    Column("shared", Boolean, nullable=False),
    Column("superseded", Boolean, nullable=False),
    Column("n", BigInteger, nullable=False),  # responses with this key (0 once all left it)
    *(
        Column(f"{prefix}_{measure}", BigInteger if prefix == "n" else Float, nullable=False)
        for measure in ("overall", *SCORE_COLUMNS)
        for prefix in ("n", "sum")  # non-NULL values and their sum: mean = sum / n
    ),
)

deletion_log = Table(
    "deletion_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("deleted_at", UTCDateTime, nullable=False),
    Column("count", Integer, nullable=False),
    Column("reason", String(20), nullable=False),  # "candidate", "retention" or "empty"
)


# Sign-in limits (access.accounts.decide). Times are epoch seconds: they only ever meet the
# process clock, and a float keeps the arithmetic identical on both backends.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("key_hash", String(64), primary_key=True),  # access.accounts.attempt_key: SHA-256 hex
    Column("failures", Integer, nullable=False),
    Column("last_failed", Float, nullable=False),
    Index("ix_sign_in_failures_last", "last_failed"),  # pruning by age
)

sign_in_budget = Table(
    "sign_in_budget",
    metadata,
    Column("name", String(20), primary_key=True),  # one row, "global"
    Column("tokens", Float, nullable=False),
    Column("updated", Float, nullable=False),
)


# One row per submitted response and dimension, by name: for hand-written SQL and exports.
_SLOT_CASES = " ".join(f"WHEN {s} THEN r.{score_column(s)}" for s in range(1, SCORE_SLOTS + 1))
RESPONSE_SCORES_VIEW = (
    "CREATE VIEW response_scores AS SELECT r.id AS response_id, d.dimension AS dimension,"  # noqa: S608 (constants)
    f" CASE d.slot {_SLOT_CASES} END AS score"
    " FROM responses r JOIN questionnaire_dimensions d ON d.content_hash = r.content_hash"
    " WHERE r.submitted_at IS NOT NULL"
)


# ----- upgrades ------------------------------------------------------------------------------


def _v2_score_slots(conn: Connection) -> None:
    """Version 1 kept scores in a response_scores table; move them into score slots on the response row."""
    for name in SCORE_COLUMNS:
        conn.execute(text(f"ALTER TABLE responses ADD COLUMN {name} FLOAT"))
    questionnaire_dimensions.create(conn)
    for content_hash, definition in conn.execute(select(questionnaires.c.content_hash, questionnaires.c.definition)):
        dims = [d["id"] for d in json.loads(str(definition))["dimensions"]]
        conn.execute(
            questionnaire_dimensions.insert(),
            [{"content_hash": content_hash, "slot": slot, "dimension": dim} for slot, dim in enumerate(dims, 1)],
        )
        for slot, dim in enumerate(dims, 1):
            conn.execute(
                text(
                    f"UPDATE responses SET {score_column(slot)} = (SELECT s.score FROM response_scores s"  # noqa: S608
                    " WHERE s.response_id = responses.id AND s.dimension = :dim) WHERE content_hash = :h"
                ),
                {"dim": dim, "h": content_hash},
            )
    conn.execute(text("DROP TABLE response_scores"))
    conn.execute(text(RESPONSE_SCORES_VIEW))


def _v3_sign_in_limits(conn: Connection) -> None:
    """Version 3 keeps the staff sign-in limits in the database, shared by restarts and replicas."""
    sign_in_failures.create(conn, checkfirst=True)
    sign_in_budget.create(conn, checkfirst=True)


def _v4_share_choice(conn: Connection) -> None:
    """Record what a candidate shared: a brief (JSON) and whether the scores were added.

    Results shared before version 4 were shared under the old terms, whose preview listed the profile
    and every dimension score: they keep their scores (share_scores = shared) and have no brief.
    """
    conn.execute(text("ALTER TABLE responses ADD COLUMN share_brief TEXT"))
    conn.execute(text("ALTER TABLE responses ADD COLUMN share_scores BOOLEAN DEFAULT FALSE NOT NULL"))
    conn.execute(text("UPDATE responses SET share_scores = shared"))


def _v5_languages_and_retakes(conn: Connection) -> None:
    """Record each questionnaire version's scoring key and language, and let a response follow an earlier one.

    The key of a stored version is computed from its definition by the model (``Questionnaire.scoring_key``),
    the same value ``register`` records for new versions; no score is recomputed.
    """
    from scoring.models import Questionnaire

    conn.execute(text("ALTER TABLE questionnaires ADD COLUMN scoring_key VARCHAR(64)"))
    conn.execute(text("ALTER TABLE questionnaires ADD COLUMN language VARCHAR(16)"))
    for content_hash, definition in conn.execute(select(questionnaires.c.content_hash, questionnaires.c.definition)):
        q = Questionnaire.model_validate(json.loads(str(definition)))
        conn.execute(
            text("UPDATE questionnaires SET scoring_key = :k, language = :lang WHERE content_hash = :h"),
            {"k": q.scoring_key, "lang": q.meta.language, "h": content_hash},
        )
    conn.execute(text("ALTER TABLE responses ADD COLUMN superseded BOOLEAN DEFAULT FALSE NOT NULL"))
    # SQLite's covering index for the dashboard gains the column; ensure() builds it again from SQLITE_INDEXES.
    conn.execute(text("DROP INDEX IF EXISTS ix_responses_cohort"))
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE questionnaires ALTER COLUMN scoring_key SET NOT NULL"))
        conn.execute(text("ALTER TABLE questionnaires ALTER COLUMN language SET NOT NULL"))
        conn.execute(
            text("ALTER TABLE responses ADD COLUMN previous_id BIGINT REFERENCES responses (id) ON DELETE SET NULL")
        )
    else:  # SQLite cannot add NOT NULL without a default to a table with rows; register always sets both
        conn.execute(
            text("ALTER TABLE responses ADD COLUMN previous_id INTEGER REFERENCES responses (id) ON DELETE SET NULL")
        )


def _v6_rollup(conn: Connection) -> None:
    """Add the cohort rollup with its triggers, filled from the responses in one grouped INSERT … SELECT."""
    from storage import rollup

    response_rollup.create(conn)
    rollup.create(conn)


STEPS: dict[int, Callable[[Connection], None]] = {
    2: _v2_score_slots,
    3: _v3_sign_in_limits,
    4: _v4_share_choice,
    5: _v5_languages_and_retakes,
    6: _v6_rollup,
}


class SchemaError(RuntimeError):
    """The database holds a schema this code cannot use (newer, or unversioned tables)."""


def current_version(conn: Connection) -> int | None:
    """Recorded schema version, or None for an empty database."""
    names = set(inspect(conn).get_table_names())
    if "schema_version" not in names:
        if names & {"responses", "answers", "questionnaires"}:
            raise SchemaError("the database has Career Radar tables but no schema_version table")
        return None
    return conn.scalar(select(func.max(schema_version.c.version)))


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    # SQLite: the caller's transaction began with BEGIN IMMEDIATE, which already excludes other writers.


def ensure(conn: Connection, now: datetime | None = None) -> int:
    """Create or upgrade the schema inside the caller's write transaction; return the version now in place."""
    _lock(conn)
    now = now or datetime.now(UTC)
    version = current_version(conn)
    if version is None:
        metadata.create_all(conn)
        for ddl in SQLITE_INDEXES.values() if conn.dialect.name == "sqlite" else ():
            conn.execute(text(ddl))
        conn.execute(text(RESPONSE_SCORES_VIEW))
        from storage import rollup

        rollup.create(conn)
        conn.execute(schema_version.insert().values(version=SCHEMA_VERSION, applied_at=now))
        return SCHEMA_VERSION
    if version > SCHEMA_VERSION:
        raise SchemaError(f"the database schema is version {version}; this code knows up to {SCHEMA_VERSION}")
    for step in range(version + 1, SCHEMA_VERSION + 1):
        STEPS[step](conn)
        conn.execute(schema_version.insert().values(version=step, applied_at=now))
    # Tables or indexes added by later versions that a step did not create (no-op when all exist).
    metadata.create_all(conn, checkfirst=True)
    # create_all skips the indexes of tables that already exist: add the missing ones.
    for name in missing_indexes(conn):
        _create_index(conn, name)
    return SCHEMA_VERSION


# SQLite only: every column an aggregate over one version reads, led by (content_hash, band). Store.aggregate
# then reads this index instead of the table (no row decoding of the wide response rows, and no sort for
# a grouping by band): about 0.45 s against 1.05 s per aggregate over a million responses, and a recruiter
# filter no longer fetches each row through ix_responses_attribution. PostgreSQL's parallel scans
# already take about 0.3 s, so it is spared the extra index and its write cost.
SQLITE_INDEXES = {
    "ix_responses_cohort": "CREATE INDEX ix_responses_cohort ON responses (content_hash, band, started_at,"
    " submitted_at, shared, superseded, recruiter_id, campaign, overall, " + ", ".join(SCORE_COLUMNS) + ")",
}


def _declared_indexes(conn: Connection) -> dict[str, Any]:
    """Index name → how to create it, for the tables that exist."""
    names = set(inspect(conn).get_table_names())
    out: dict[str, Any] = {}
    for table in metadata.sorted_tables:
        if table.name in names:
            for index in sorted(table.indexes, key=lambda ix: str(ix.name)):
                out[str(index.name)] = index
    if conn.dialect.name == "sqlite" and "responses" in names:
        out.update(SQLITE_INDEXES)
    return out


def _create_index(conn: Connection, name: str) -> None:
    declared = _declared_indexes(conn)[name]
    if isinstance(declared, str):
        conn.execute(text(declared))
        table = "responses"
    else:
        declared.create(conn)
        table = declared.table.name
    if conn.dialect.name == "sqlite" and _has_sqlite_stats(conn, table):
        # The table's other indexes have statistics (storage.bulk runs ANALYZE); without its own,
        # the planner would take the new index for a highly selective one.
        conn.execute(text(f'ANALYZE "{name}"'))


def _has_sqlite_stats(conn: Connection, table: str) -> bool:
    if not conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
        return False
    return bool(conn.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = :t"), {"t": table}))


def missing_indexes(conn: Connection) -> list[str]:
    """Names of the indexes declared here (and, on SQLite, in SQLITE_INDEXES) absent from existing tables.

    An index changes no data and reads give the same answers with or without it, so one added for
    speed needs no version step: it is created at start-up wherever it is missing.
    """
    found = inspect(conn)
    names = set(found.get_table_names())
    # Only tables that declare indexes: response_rollup's unique index is on expressions (storage.rollup),
    # which SQLAlchemy cannot reflect on SQLite (it warns).
    indexed = {table.name for table in metadata.sorted_tables if table.indexes} | {"responses"}
    have = {ix["name"] for table in names & indexed for ix in found.get_indexes(table)}
    return [name for name in _declared_indexes(conn) if name not in have]


def needs_work(conn: Connection) -> bool:
    """Whether ``ensure`` would change anything (checked without the write lock first)."""
    try:
        return current_version(conn) != SCHEMA_VERSION or bool(missing_indexes(conn))
    except SchemaError:
        return True


def row_dict(row: Any) -> dict[str, Any]:
    """A Row as a plain dict."""
    return dict(row._mapping)
