"""Command line: ``python -m storage purge [--days N] [--url URL]``, ``python -m storage info`` and
``python -m storage rollup --check | --rebuild`` (the cohort rollup, ``storage.rollup``)."""

from __future__ import annotations

import argparse
import sys

from storage.config import database_url
from storage.records import StoreError
from storage.store import EMPTY_START_HOURS, Store


def main(argv: list[str] | None = None) -> int:
    """Run the storage CLI; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m storage", description="Career Radar response store.")
    parser.add_argument("--url", help="database URL (default: CAREER_RADAR_DATABASE_URL, secrets, or data/ SQLite)")
    sub = parser.add_subparsers(dest="command", required=True)
    purge = sub.add_parser(
        "purge", help="delete responses past the retention period, and empty starts (logged as counts only)"
    )
    purge.add_argument("--days", type=int, default=None, help="retention in days (default 365)")
    sub.add_parser("info", help="schema version and response counts")
    roll = sub.add_parser("rollup", help="compare the cohort rollup with the responses, or rebuild it from them")
    action = roll.add_mutually_exclusive_group(required=True)
    action.add_argument("--check", action="store_true", help="report differences (exit status 2 when any)")
    action.add_argument("--rebuild", action="store_true", help="recompute it (writers to responses wait meanwhile)")
    args = parser.parse_args(argv)
    if args.command == "purge" and args.days is not None and args.days < 0:
        parser.error("--days must be zero or more")
    try:
        with Store(args.url or database_url()) as store:
            if args.command == "purge":
                count = store.purge(older_than_days=args.days)
                days = store.retention_days if args.days is None else args.days
                print(f"purged {count} response{'s' if count != 1 else ''} older than {days} days")
                empty = store.purge_empty()
                print(
                    f"purged {empty} empty start{'s' if empty != 1 else ''} "
                    f"(no answer within {EMPTY_START_HOURS} hours)"
                )
            elif args.command == "rollup":
                return _rollup(store, rebuild=args.rebuild)
            else:
                print(f"database: {store!r}")
                print(f"schema version: {store.schema_version}")
                versions = store.questionnaire_versions()
                if versions.empty:
                    print("no questionnaires registered")
                for row in versions.itertuples():
                    print(
                        f"{row.questionnaire_id} {row.version} ({row.content_hash[:12]}): "
                        f"{row.started} started, {row.submitted} submitted"
                    )
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _rollup(store: Store, *, rebuild: bool) -> int:
    if rebuild:
        rows = store.rebuild_rollup()
        print(f"rollup rebuilt: {rows} row{'s' if rows != 1 else ''}")
        return 0
    problems = store.check_rollup()
    for line in problems[:50]:
        print(line)
    if problems:
        more = " (first 50 shown)" if len(problems) > 50 else ""
        print(f"rollup: {len(problems)} difference{'s' if len(problems) != 1 else ''}{more}; run --rebuild")
        return 2
    print("rollup: consistent with the responses")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
