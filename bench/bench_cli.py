"""Whole-process cost of the command line, against a bare YAML parse timed in the same run.

1. ``python -m scoring validate BANK`` against a bare
   ``python -c "import yaml; yaml.load(open(BANK), Loader=yaml.CSafeLoader)"``
   (and, with ``--old DIR``, the validate of an older checkout): the processes alternate
   (hyperfine-style), the same number of runs each; wall time and peak RSS (from ``os.wait4``) per
   run, printed as median and min–max, and the ratio of the medians.
2. With ``--answers FILE``: ``python -m scoring score`` and ``reliability`` on that file, once each
   (they take a minute per million rows), wall time and peak RSS — the streaming commands' memory.

Run from the repository root: ``python bench/bench_cli.py [--runs 20] [--answers big.csv]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from timing import spread  # noqa: E402

BANK = "questions/strategic-candidate.yaml"


def run(argv: list[str], output: Path | None = None, cwd: Path = ROOT) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MiB, exit code) of one process."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    with open(output or os.devnull, "w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of each process (default 20)")
    parser.add_argument("--answers", help="an answers CSV for the score/reliability memory runs")
    parser.add_argument("--old", type=Path, help="an older checkout (e.g. git archive) whose validate joins the runs")
    args = parser.parse_args()
    py = sys.executable
    variants = {
        "validate": [py, "-m", "scoring", "validate", BANK],
        # The strongest bare parse: libyaml's C safe loader (the project's reader parses with libyaml too).
        "safe_load": [
            py,
            "-c",
            "import yaml; yaml.load(open("
            f"{BANK!r}, encoding='utf-8'), Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader))",
        ],
    }
    where = dict.fromkeys(variants, ROOT)
    if args.old:
        variants["old"] = variants["validate"]
        where["old"] = args.old.resolve()
    for name, argv in variants.items():  # warm the page cache and the .pyc files, untimed
        run(argv, cwd=where[name])
    results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in variants}
    names = list(variants)
    for r in range(args.runs):
        for name in names[r % len(names) :] + names[: r % len(names)]:  # rotate which goes first
            results[name].append(run(variants[name], cwd=where[name]))
    print(f"{args.runs} alternating runs of each, whole process (python {sys.version.split()[0]}):")
    for name, rows in results.items():
        walls = [1000 * w for w, _, _ in rows]
        rss = [m for _, m, _ in rows]
        codes = sorted({c for _, _, c in rows})
        print(f"  {name:<10} {spread(walls, fmt='.0f')} ms   peak RSS {spread(rss, fmt='.1f')} MiB   exit {codes}")
    walls = {name: [w for w, _, _ in rows] for name, rows in results.items()}
    per = [a / b for a, b in zip(walls["validate"], walls["safe_load"], strict=True)]
    med = statistics.median(walls["validate"]) / statistics.median(walls["safe_load"])
    print(f"  validate / safe_load: {med:.2f}× (per run {min(per):.2f}–{max(per):.2f}×)  [target: validate ≤ 0.5 s]")
    if args.old:
        per = [a / b for a, b in zip(walls["old"], walls["validate"], strict=True)]
        med = statistics.median(walls["old"]) / statistics.median(walls["validate"])
        print(f"  old / validate: {med:.2f}× (per run {min(per):.2f}–{max(per):.2f}×)  (old = {args.old})")

    if args.answers:
        with open(args.answers, "rb") as handle:
            lines = sum(1 for _ in handle) - 1
        print(f"\n{args.answers}: {lines:,} data lines; one run each (OPENBLAS_NUM_THREADS=1)")
        scored = Path("/tmp") / f"bench_cli_scored_{os.getpid()}.csv"
        for name, argv in (
            ("score", [py, "-m", "scoring", "score", BANK, args.answers, "-o", str(scored)]),
            ("reliability", [py, "-m", "scoring", "reliability", BANK, args.answers]),
        ):
            wall, rss, code = run(argv)
            print(f"  {name:<12} {wall:7.1f} s   peak RSS {rss:7.1f} MiB   exit {code}")
        scored.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
