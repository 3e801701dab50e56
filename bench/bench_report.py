"""PDF report build time on the real question bank, against a plain fpdf2 baseline from the same run.

(a) ``build_pdf`` for a realistic result on ``questions/strategic-candidate.yaml`` (median of N builds;
    target from issue 4: ≤ 1 s);
(b) baseline: one fpdf2 document with the same Unicode fonts and the same text written as plain
    ``multi_cell`` paragraphs (no charts, no layout logic) — what the report costs beyond fpdf2 itself;
(c) for scale, the same report with every advice text at the model's length caps.

Run from the repository root: ``python bench/bench_report.py [--rounds 20]``. Takes about half a minute.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reports.pdf import FONT_DIR, NOTICE, build_pdf  # noqa: E402
from scoring.engine import score  # noqa: E402
from scoring.interpret import Interpretation, interpret  # noqa: E402
from scoring.loader import load  # noqa: E402
from scoring.models import LikertItem, Questionnaire  # noqa: E402

BANK = ROOT / "questions" / "strategic-candidate.yaml"
TARGET = 1.0
CREATED = datetime(2025, 3, 4, tzinfo=UTC)
URL = "https://career-radar.example/r/eyJyIjoiMTIzNDU2Nzg5MCJ9.c2lnbmF0dXJlLWdvZXMtaGVyZQ"


def realistic_answers(q: Questionnaire) -> dict[str, int | str]:
    """A middling answer set: Likert answers cycle through the scale, choices through the options."""
    answers: dict[str, int | str] = {}
    for n, item in enumerate(q.scored_items()):
        if isinstance(item, LikertItem):
            values = q.scales[item.scale].values()
            answers[item.id] = values[(n * 2) % len(values)]
        else:
            answers[item.id] = item.options[n % len(item.options)].id
    return answers


def all_text(q: Questionnaire, reading: Interpretation) -> list[str]:
    """Every paragraph the report prints, in order, for the baseline document."""
    out = [q.meta.title, NOTICE, reading.label or "", reading.text or "", reading.boundary_note or ""]
    for d in reading.dimensions:
        out += [d.name, d.description, d.meaning or "", *d.actions]
    for item in reading.playbook:
        out += [item.name, *item.prepare, *item.ask]
    return [*out, URL]


def baseline_pdf(paragraphs: list[str]) -> bytes:
    """Plain fpdf2: same fonts, same text, one multi_cell per paragraph, no charts."""
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", size=10.5)
    for text in paragraphs:
        pdf.multi_cell(0, 5.2, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def capped(q: Questionnaire) -> Questionnaire:
    """The bank with every advice and playbook text stretched to the model's caps."""
    data = q.model_dump(mode="json")
    long = ("A sentence of advice that goes on for a while. " * 60)[:2000].strip()
    for by_band in data["advice"].values():
        for advice in by_band.values():
            advice["meaning"] = long
            advice["actions"] = [long] * 3
    for entry in data["playbook"].values():
        entry["prepare"] = [long] * 5
        entry["ask"] = [long] * 5
    return Questionnaire.model_validate(data)


def interleaved(fns: list[Callable[[], bytes]], rounds: int) -> list[tuple[float, int]]:
    """Median seconds and output size per function; the functions alternate within each round so a
    load spike on the shared machine hits all of them alike."""
    sizes = [len(fn()) for fn in fns]  # warm-up: imports, font parsing caches, first allocation
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for fn, out in zip(fns, times, strict=True):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return [(statistics.median(t), size) for t, size in zip(times, sizes, strict=True)]


def main() -> None:
    """Print the medians, the ratio to the baseline and the verdict against the 1 s target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    q = load(BANK)
    reading = interpret(q, score(q, realistic_answers(q)))
    paragraphs = all_text(q, reading)
    long_q = capped(q)
    long_reading = interpret(long_q, score(long_q, realistic_answers(long_q)))

    def report() -> bytes:
        return build_pdf(q, reading, result_url=URL, percentile=(64.0, 418), created=CREATED)

    def long_report() -> bytes:
        return build_pdf(long_q, long_reading, result_url=URL, percentile=(64.0, 418), created=CREATED)

    (base, base_size), (full, full_size) = interleaved([lambda: baseline_pdf(paragraphs), report], args.rounds)
    long_rounds = max(3, args.rounds // 4)
    ((worst, worst_size),) = interleaved([long_report], long_rounds)

    print(f"PDF report build, median of {args.rounds} (bank {q.meta.id} v{q.meta.version}, {q.short_hash})")
    print(f"  baseline (plain fpdf2, same fonts and text)  {base * 1000:7.1f} ms  {base_size / 1024:6.1f} KiB")
    print(f"  build_pdf (full report, charts drawn)        {full * 1000:7.1f} ms  {full_size / 1024:6.1f} KiB")
    print(f"  ratio report / baseline                      {full / base:7.2f}")
    print(
        f"  build_pdf, texts at caps (median of {long_rounds})     {worst * 1000:7.1f} ms  {worst_size / 1024:6.1f} KiB"
    )
    verdict = "meets" if full <= TARGET else "MISSES"
    print(f"  target ≤ {TARGET:.1f} s: {verdict} ({full:.3f} s)")


if __name__ == "__main__":
    main()
