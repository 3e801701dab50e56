"""Setting a table's keys and indexes aside for a doubling PostgreSQL bulk load (``storage.bulk``), and the
statements that rebuild them exactly. See ``storage.bulk._load_postgresql_all`` for when and why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

DOUBLED = "SELECT %(rows)s >= greatest(reltuples, 0) FROM pg_class WHERE oid = to_regclass(%(table)s) AND relkind = 'r'"
_FOREIGN_KEYS = (
    "SELECT oid, conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE conrelid = to_regclass(%(table)s) AND contype = 'f' ORDER BY conname"
)
# The table's indexes that can be dropped and recreated from their definition with nothing lost: valid,
# in the default tablespace, not clustered on, not the replica identity, no comment, no per-column
# statistics target; a constraint's index named as its constraint (PostgreSQL keeps them so); and
# nothing depending on the index or its constraint but the pair itself and the foreign keys dropped too
# (the answers foreign key depends on the responses primary key). Primary keys come first.
_INDEXES = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),
       quote_ident(con.conname), pg_get_constraintdef(con.oid)
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
LEFT JOIN pg_constraint con
  ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
WHERE i.indrelid = to_regclass(%(table)s)
  AND i.indisvalid AND i.indisready AND i.indislive AND NOT i.indisclustered AND NOT i.indisreplident
  AND c.reltablespace = 0
  AND (con.oid IS NULL OR con.conname = c.relname)
  AND NOT EXISTS (
    SELECT FROM pg_description d
    WHERE (d.classoid = 'pg_class'::regclass AND d.objoid = i.indexrelid)
       OR (d.classoid = 'pg_constraint'::regclass AND d.objoid = con.oid))
  AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = i.indexrelid AND a.attstattarget >= 0)
  AND NOT EXISTS (
    SELECT FROM pg_depend d
    WHERE ((d.refclassid = 'pg_class'::regclass AND d.refobjid = i.indexrelid)
        OR (d.refclassid = 'pg_constraint'::regclass AND d.refobjid = con.oid))
      AND NOT (d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid)
      AND NOT (d.classid = 'pg_constraint'::regclass AND d.objid = ANY(%(dropped)s::oid[])))
ORDER BY con.contype = 'p' DESC NULLS LAST, c.relname
"""


def set_aside(conn: Connection, loads: Mapping[str, int]) -> list[str]:
    """Drop the foreign keys and safe indexes of every table in ``loads`` ({table: rows to load}) that the
    load at least doubles (by ``pg_class.reltuples``; never analysed counts as empty); return the
    statements that recreate them exactly, in order (indexes and constraints, then the foreign keys)."""
    doubled = [
        table
        for table, rows in loads.items()
        if rows and conn.exec_driver_sql(DOUBLED, {"rows": rows, "table": table}).scalar()
    ]
    keys: list[tuple[Any, str, str, str]] = [
        (oid, str(owner), str(name), str(definition))
        for table in doubled
        for oid, owner, name, definition in conn.exec_driver_sql(_FOREIGN_KEYS, {"table": table}).all()
    ]
    dropped = [oid for oid, *_ in keys]
    indexes: list[tuple[str, str]] = []  # (drop, recreate)
    for table in doubled:
        owner = str(conn.exec_driver_sql("SELECT to_regclass(%(t)s)::text", {"t": table}).scalar_one())
        for index, index_def, constraint, constraint_def in conn.exec_driver_sql(
            _INDEXES, {"table": table, "dropped": dropped}
        ).all():
            if constraint is None:
                indexes.append((f"DROP INDEX {index}", str(index_def)))
            else:
                add = f"ALTER TABLE {owner} ADD CONSTRAINT {constraint} {constraint_def}"
                indexes.append((f"ALTER TABLE {owner} DROP CONSTRAINT {constraint}", add))
    # Foreign keys first (the answers one holds the responses primary key), then the indexes.
    for _, owner, name, _ in keys:
        conn.exec_driver_sql(f"ALTER TABLE {owner} DROP CONSTRAINT {name}")
    for drop, _ in indexes:
        conn.exec_driver_sql(drop)
    return [create for _, create in indexes] + [
        f"ALTER TABLE {owner} ADD CONSTRAINT {name} {definition}" for _, owner, name, definition in keys
    ]
