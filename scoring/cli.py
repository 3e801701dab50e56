"""Command line: ``python -m scoring validate | score | sample | reliability``.

Exit codes
----------
``validate``: 0 when every file is a valid questionnaire, 1 otherwise; warnings (such as an
``estimated_minutes`` more than 30 % away from ``scoring.estimate``) are printed to stderr as
``FILE:LINE: PATH: warning: …`` and do not change the exit code.
``score`` and ``reliability``: 0 when the answers file is clean; 1 when some problem in it was
reported (bad rows — which are skipped, never half-scored —, unknown or missing columns); 2 when
the command could not run at all (usage error, unreadable questionnaire or CSV file).
``sample``: 0, or 2 for usage and file errors.

Problems go to stderr, one per line: questionnaire errors as ``FILE:LINE: PATH: message``, answer
problems as ``ANSWERS.csv:LINE: message`` where LINE is the line of the CSV file (the header is
line 1). No command ever ends with a traceback: unexpected errors become one ``error:`` line.

``score`` and ``reliability`` stream: the answers file is read ``--chunk-rows`` data rows at a time
(default 20,000), ``score`` writes each chunk's rows as soon as they are scored, and ``reliability``
keeps only sufficient statistics (``scoring.reliability.ReliabilityAccumulator``), so memory does
not grow with the file. A file error found mid-file (invalid UTF-8, a broken quote) still exits 2
with the file line, after the rows before it were written.

Imports are lazy: ``validate`` loads YAML and pydantic only, never pandas, numpy or scipy, so it
starts quickly (tests/test_cli.py checks it).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import logging
import math
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from scoring.loader import QuestionnaireError, load, one_line, open_regular
from scoring.validate import cmd_validate

if TYPE_CHECKING:  # pandas, numpy and scipy are imported by the commands that use them (validate does not)
    import pandas as pd

    from scoring.models import Questionnaire

log = logging.getLogger("career_radar.cli")

MAX_MESSAGES = 200  # per file: enough to fix a file, without flooding a terminal on a broken export
MAX_SAMPLE = 10_000_000
CHUNK_ROWS = 20_000  # data rows per chunk: ~20 MB of text cells for the real bank, a fraction of pandas itself


class CommandError(Exception):
    """A problem that stops a command (exit 2); ``str()`` is the message lines."""


@dataclass
class AnswerFile:
    """A chunk of an answers CSV read as text cells, with the file line of every data row."""

    path: str
    frame: pd.DataFrame
    lines: list[int]
    header_line: int = 1
    problems: list[tuple[int, str]] = field(default_factory=list)
    first: bool = True  # the first chunk (column problems are reported with it only)


def iter_answers(path: str, chunk_rows: int = CHUNK_ROWS) -> Iterator[AnswerFile]:
    """Read an answers CSV (UTF-8, header row first) ``chunk_rows`` data rows at a time, cells as stripped text.

    The first chunk comes even when the file has no data rows. File errors raise CommandError with
    the file line; rows with the wrong number of fields are problems of the chunk they fall in.
    """
    import pandas as pd

    shown = one_line(path)
    try:
        # A regular file only: a FIFO would block the open until a writer came.
        handle = open(open_regular(path), encoding="utf-8-sig", newline="")  # noqa: SIM115 — closed below
    except OSError as exc:
        raise CommandError(f"{shown}: cannot read file: {exc.strerror}") from None
    header: list[str] = []
    header_line = 1
    rows: list[list[str]] = []
    lines: list[int] = []
    problems: list[tuple[int, str]] = []
    reader = csv.reader(handle)
    start = 1
    count = 0

    def chunk() -> AnswerFile:
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
        # Text columns, stripped in bulk (much faster than per cell for large files).
        frame = pd.DataFrame(
            {name: pd.Series(col, dtype="str").str.strip() for name, col in zip(header, columns, strict=True)}
        )
        return AnswerFile(path, frame, lines, header_line, problems, first=count == 0)

    with handle:
        try:
            for record in reader:
                line, start = start, reader.line_num + 1  # a quoted cell may span several lines
                if not "".join(record).strip():
                    continue  # blank line (or only separators)
                if not header:
                    header = [cell.strip() for cell in record]
                    header_line = line
                    duplicates = sorted({c for c in header if header.count(c) > 1})
                    if duplicates:
                        raise CommandError(
                            f"{shown}:{header_line}: duplicate columns: {one_line(', '.join(duplicates))}"
                        )
                    continue
                if len(record) != len(header):
                    problems.append((line, f"expected {len(header)} fields like the header, found {len(record)}"))
                    continue
                rows.append(record)
                lines.append(line)
                if len(rows) >= chunk_rows:
                    yield chunk()
                    rows, lines, problems = [], [], []
                    count += 1
        except UnicodeDecodeError as exc:
            raise CommandError(f"{shown}: not valid UTF-8 (byte 0x{exc.object[exc.start]:02x})") from None
        except csv.Error as exc:
            raise CommandError(f"{shown}:{reader.line_num}: cannot parse CSV: {one_line(str(exc))}") from None
    if not header:
        raise CommandError(f"{shown}: file is empty (expected a header row of item ids)")
    if rows or problems or count == 0:
        yield chunk()


def checked_answers(q: Questionnaire, answers: AnswerFile) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """The rows without problems, and every problem located at its file line."""
    from scoring.engine import check_frame

    problems = list(answers.problems)
    bad: set[int] = set()
    for pos, message in check_frame(q, answers.frame):
        if pos == 0:
            if answers.first:  # about the columns: once per file, not once per chunk
                problems.append((answers.header_line, message))
        else:
            problems.append((answers.lines[pos - 1], message))
            bad.add(pos - 1)
    good = answers.frame.drop(index=answers.frame.index[sorted(bad)]) if bad else answers.frame
    return good, sorted(problems, key=lambda p: p[0])


def numeric_view(q: Questionnaire, frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with Likert and claim columns as numbers, parsing each distinct cell once (CSV columns have few)."""
    import numpy as np
    import pandas as pd

    from scoring.models import ClaimItem, LikertItem

    out = frame.copy()
    for item in q.items():
        if isinstance(item, (LikertItem, ClaimItem)) and item.id in out.columns:
            codes, uniques = pd.factorize(out[item.id])
            numbers = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").to_numpy(dtype=float)
            out[item.id] = np.append(numbers, np.nan)[codes]  # code -1 (missing) → NaN
    return out


class Reporter:
    """Prints located problems as they are found, at most MAX_MESSAGES per file (each as one inert line)."""

    def __init__(self, path: str, err: TextIO) -> None:
        self.path = one_line(path)
        self.err = err
        self.count = 0

    def add(self, problems: list[tuple[int, str]]) -> None:
        for line, message in problems:
            if self.count < MAX_MESSAGES:
                print(f"{self.path}:{line}: {one_line(message)}", file=self.err)
            self.count += 1

    def finish(self) -> None:
        if self.count > MAX_MESSAGES:
            print(f"{self.path}: … and {self.count - MAX_MESSAGES} more problems", file=self.err)


def _load(path: str) -> Questionnaire:
    try:
        return load(path)
    except QuestionnaireError as exc:
        raise CommandError(str(exc)) from None


class CsvSink:
    """Formula-safe CSV written frame by frame (header once) to a file, opened at the first write, or a stream."""

    def __init__(self, out: str | None, stream: TextIO) -> None:
        self.out = out
        self.handle: TextIO | None = None if out is not None else stream
        self.header = True

    def write(self, frame: pd.DataFrame) -> None:
        from scoring.csvsafe import safe_frame

        try:
            if self.handle is None:
                assert self.out is not None
                self.handle = open(self.out, "w", encoding="utf-8", newline="")  # noqa: SIM115 — close()
            safe_frame(frame).to_csv(self.handle, header=self.header, index=False, lineterminator="\n")
        except OSError as exc:
            raise CommandError(f"{one_line(str(self.out))}: cannot write file: {exc.strerror}") from None
        self.header = False

    def close(self) -> None:
        if self.out is not None and self.handle is not None:
            self.handle.close()


def _write_csv(frame: pd.DataFrame, out: str | None, stdout: TextIO) -> None:
    sink = CsvSink(out, stdout)
    try:
        sink.write(frame)
    finally:
        sink.close()


# ----- commands -------------------------------------------------------------------------------


def cmd_score(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Score every good row of an answers CSV, chunk by chunk; bad rows are reported and skipped."""
    from scoring import engine
    from scoring.quality import FLAG_LABELS, flags_frame

    q = _load(args.questionnaire)
    reporter = Reporter(args.answers, err)
    sink = CsvSink(args.output, out)
    names = [*(d.id for d in q.dimensions), "overall"]
    scored = total = skipped = 0
    try:
        for answers in iter_answers(args.answers, args.chunk_rows):
            good, problems = checked_answers(q, answers)
            reporter.add(problems)
            numeric = numeric_view(q, good)
            scores = engine.score_frame(q, numeric)
            result = good.copy()
            for name in names:
                result[name] = scores[name].round(1)
            result["band"] = scores["band"]
            flagged = flags_frame(q, numeric)
            for code in FLAG_LABELS:  # one true/false column per quality flag; flags never change the scores
                result[code] = flagged[code].map({True: "true", False: "false"})
            sink.write(result)
            scored += len(good)
            skipped += len(answers.frame) - len(good) + len(answers.problems)
            total += len(answers.frame) + len(answers.problems)
    finally:
        sink.close()
    reporter.finish()
    print(f"scored {scored:,} of {total:,} rows; {skipped:,} skipped", file=err)
    return 1 if reporter.count else 0


def cmd_sample(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Write synthetic responses as CSV."""
    from scoring.sample import generate  # only this command needs it

    q = _load(args.questionnaire)
    frame = generate(q, args.n, seed=args.seed, styles=args.style)
    _write_csv(frame, args.output, out)
    return 0


def cmd_reliability(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print Cronbach's α with CI per dimension and the item statistics, from the file read chunk by chunk."""
    from scoring.quality import FLAG_LABELS, flags_frame
    from scoring.reliability import ReliabilityAccumulator

    q = _load(args.questionnaire)
    reporter = Reporter(args.answers, err)
    stats = ReliabilityAccumulator(q)
    flag_counts = dict.fromkeys(FLAG_LABELS, 0)
    good_rows = 0
    for answers in iter_answers(args.answers, args.chunk_rows):
        good, problems = checked_answers(q, answers)
        reporter.add(problems)
        numeric = numeric_view(q, good)
        stats.add(numeric)
        flagged = flags_frame(q, numeric)
        for code in FLAG_LABELS:
            flag_counts[code] += int(flagged[code].sum())
        good_rows += len(good)
    reporter.finish()
    print(format_table(q, stats.table(), good_rows), file=out)
    if good_rows:
        print("\nresponse-quality flags (share of responses):", file=out)
        for code, label in FLAG_LABELS.items():
            print(f"  {code:<16} {100 * flag_counts[code] / good_rows:5.1f} %  {label}", file=out)
    return 1 if reporter.count else 0


def _num(value: float, width: int, digits: int = 3) -> str:
    import pandas as pd

    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–".rjust(width)
    return f"{value:{width}.{digits}f}"


def format_table(q: Questionnaire, table: pd.DataFrame, responses: int) -> str:
    """The reliability table as plain text: a header line per dimension, then its items."""
    import pandas as pd

    lines = [f"{q.meta.title} ({q.meta.id} {q.meta.version} {q.short_hash}) — {responses:,} responses", ""]
    width = max([len(str(i)) for i in table["item"]] + [4])
    for dim, block in table.groupby("dimension", sort=False):
        head = block.iloc[0]
        if pd.isna(head["alpha"]):
            lines.append(f"{dim}: α cannot be computed on these answers (k = {head['k']}, n = {head['n']})")
        else:
            lines.append(
                f"{dim}: α = {head['alpha']:.3f}  95% CI [{head['ci_low']:.3f}, {head['ci_high']:.3f}]"
                f"  n = {head['n']:,}  k = {head['k']}"
            )
        lines.append(f"  {'item':<{width}}  {'n':>9}  {'mean':>6}  {'sd':>6}  {'r_it':>6}  {'α if deleted':>12}")
        for _, row in block.iloc[1:].iterrows():
            note = ""
            if not pd.isna(row["r_it"]) and row["r_it"] < 0:
                note = "  ← negative: check the item's key"
            elif not pd.isna(row["r_it"]) and row["r_it"] < 0.3:
                note = "  ← weak"
            lines.append(
                f"  {row['item']:<{width}}  {row['n']:>9,}  {_num(row['mean'], 6)}  {_num(row['sd'], 6)}"
                f"  {_num(row['r_it'], 6)}  {_num(row['alpha_if_deleted'], 12)}{note}"
            )
        lines.append("")
    lines.append("Item scores are keyed 0–1 (reverse keys applied); r_it is the corrected item–total correlation.")
    return "\n".join(lines)


# ----- wiring ---------------------------------------------------------------------------------


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= value <= MAX_SAMPLE:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_SAMPLE:,}")
    return value


CHUNK_HELP = f"data rows read at a time (default {CHUNK_ROWS:,}); memory grows with it, not with the file"


def _chunk(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _styles(text: str) -> dict[str, float]:
    """``--style``: one style name (everyone) or ``name=share,...`` (the rest honest if shares sum below 1)."""
    from scoring.sample import STYLES, style_counts

    shares: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        name, eq, value = part.partition("=")
        name = name.strip()
        if name not in STYLES:
            raise argparse.ArgumentTypeError(f"unknown style {name!r} (known: {', '.join(STYLES)})")
        if name in shares:
            raise argparse.ArgumentTypeError(f"style {name!r} is given twice")
        try:
            shares[name] = float(value) if eq else 1.0
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    try:
        style_counts(shares, 0)  # checks ranges and the total
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return shares


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``python -m scoring``."""
    parser = argparse.ArgumentParser(prog="python -m scoring", description="Career Radar questionnaire tools.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check questionnaire files (exit 1 if any is invalid)")
    p.add_argument("paths", nargs="*", default=["questions/"], metavar="PATH", help="files or folders")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("score", help="score an answers CSV (one row per response, a column per item id)")
    p.add_argument("questionnaire", metavar="QUESTIONNAIRE")
    p.add_argument("answers", metavar="ANSWERS.csv")
    p.add_argument("-o", "--output", metavar="OUT.csv", help="write here instead of stdout")
    p.add_argument("--chunk-rows", type=_chunk, default=CHUNK_ROWS, metavar="N", help=CHUNK_HELP)
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("sample", help="synthetic responses from a latent-trait model")
    p.add_argument("questionnaire", metavar="QUESTIONNAIRE")
    p.add_argument("-n", type=_count, required=True, metavar="N", help="number of responses")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument(
        "--style",
        type=_styles,
        default=None,
        metavar="STYLES",
        help="response styles: one of honest, acquiescent, midpoint, straight-line, random, faking, speeder, "
        "or a mix such as honest=0.7,faking=0.1,random=0.2 (default: honest with 3%% straight-liners and "
        "3%% speeders)",
    )
    p.add_argument("-o", "--output", metavar="OUT.csv", help="write here instead of stdout")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("reliability", help="Cronbach's α with CI and item statistics per dimension")
    p.add_argument("questionnaire", metavar="QUESTIONNAIRE")
    p.add_argument("answers", metavar="ANSWERS.csv")
    p.add_argument("--chunk-rows", type=_chunk, default=CHUNK_ROWS, metavar="N", help=CHUNK_HELP)
    p.set_defaults(func=cmd_reliability)
    return parser


def _quiet_numpy(command: str) -> contextlib.AbstractContextManager[object]:
    """numpy's floating-point warnings off for the commands that use numpy (validate never imports it)."""
    if command == "validate":
        return contextlib.nullcontext()
    import numpy as np

    return np.errstate(all="ignore")


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run one command; returns the exit code (argparse exits with 2 on usage errors)."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        with _quiet_numpy(args.command):
            return args.func(args, out, err)
    except CommandError as exc:
        print(str(exc), file=err)
        return 2
    except BrokenPipeError:
        return 0  # e.g. piped into head: the reader has what it wanted
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # A catch-all on purpose: every failure a command foresees is a CommandError; anything else is a
        # bug, reported as one line (never a traceback for a user) with the traceback in the log at DEBUG.
        log.debug("command %s failed unexpectedly", args.command, exc_info=True)
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=err)
        return 2
