"""PDF report build time on the real question bank, against a plain fpdf2 baseline doing the same work.

Two scales: a realistic result on ``questions/strategic-candidate.yaml``, and the same bank with every
advice and playbook text stretched to the model's length caps. At each scale:

- **report**: ``build_pdf`` (target from issue 4: ≤ 1 s);
- **baseline**: one fpdf2 document with the same Unicode fonts (regular and bold), the same text in
  the same order (headings bold, bullets as their own paragraphs) and the same two figures drawn with
  the same kind of fpdf2 primitives — the overall continuum (a rectangle per band, its label, the
  candidate's marker) and one bar per dimension (band-segment track, score bar, label, value) — but
  none of the report's layout logic (keep-together checks, wrap measuring, text cleaning, notice box,
  footer). What the report costs beyond fpdf2 drawing the same page content.

All four builds alternate within every repetition (the order rotates), with the same number of
repetitions each; figures are median (min–max) ms, the ratio is of the medians with the range of the
per-repetition ratios (``bench/timing.py``).

Run from the repository root: ``python bench/bench_report.py [--reps 20]``. Takes about a minute.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from timing import alternate, ratio, spread  # noqa: E402

from reports.charts import band_colour  # noqa: E402
from reports.pdf import FONT_DIR, NOTICE, build_pdf  # noqa: E402
from scoring.engine import score  # noqa: E402
from scoring.interpret import Interpretation, interpret  # noqa: E402
from scoring.loader import load  # noqa: E402
from scoring.models import Band, LikertItem, Questionnaire  # noqa: E402

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


def all_text(q: Questionnaire, reading: Interpretation) -> list[tuple[str, str]]:
    """Every paragraph the report prints, in order, as (style, text): 'h' heading, 'p' paragraph, 'b' bullet."""
    out = [("h", "Career Radar"), ("p", q.meta.title), ("p", NOTICE), ("h", reading.label or "")]
    out += [("p", reading.text or ""), ("p", reading.boundary_note or "")]
    for d in reading.dimensions:
        out += [("h", d.name), ("p", d.description), ("p", d.meaning or ""), *(("b", a) for a in d.actions)]
    for item in reading.playbook:
        out += [("h", item.name), *(("b", t) for t in item.prepare), *(("b", t) for t in item.ask)]
    return [*out, ("p", URL)]


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def baseline_pdf(q: Questionnaire, reading: Interpretation, paragraphs: list[tuple[str, str]]) -> bytes:
    """Plain fpdf2: same fonts, same text, the same two figures, no layout logic."""
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    x0, w = pdf.l_margin, pdf.epw

    def band_track(bands: list[Band], y: float, h: float, labels: bool) -> None:
        for i, band in enumerate(bands):
            pdf.set_fill_color(*_rgb(band_colour(i)))
            pdf.rect(x0 + w * band.min / 100, y, w * (band.max - band.min) / 100, h, style="F")
            if labels:
                pdf.text(x0 + w * band.min / 100 + 1, y + h / 2 + 1.3, band.label)

    def figures() -> None:
        pdf.set_font("DejaVu", "B", 9.5)
        y = pdf.get_y() + 9
        band_track(q.bands.overall, y, 9.0, labels=True)
        if reading.overall is not None:
            vx = x0 + w * reading.overall / 100
            pdf.line(vx, y - 0.5, vx, y + 9.5)
            pdf.polygon([(vx - 2.2, y - 4.2), (vx + 2.2, y - 4.2), (vx, y - 0.8)], style="F")
            pdf.text(vx, y - 5.3, f"You: {reading.overall:.0f}")
        y += 16
        pdf.set_font("DejaVu", "", 9.5)
        for d in reading.dimensions:
            pdf.text(x0, y + 4, d.short_name)
            band_track(q.bands.dimension, y, 5.0, labels=False)
            if d.score is not None:
                pdf.set_fill_color(40, 40, 40)
                pdf.rect(x0, y, w * d.score / 100, 5.0, style="F")
                pdf.text(x0 + w + 2, y + 4, f"{d.score:.0f}")
            y += 7.6
        pdf.set_y(y + 2)

    for n, (style, text) in enumerate(paragraphs):
        pdf.set_font("DejaVu", "B" if style == "h" else "", 12 if style == "h" else 10.5)
        pdf.multi_cell(0, 5.2, f"• {text}" if style == "b" else text, new_x="LMARGIN", new_y="NEXT")
        if n == 5:  # after the overall reading, where the report draws its charts
            figures()
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


def main() -> None:
    """Print median (min–max) per build, the ratio to the baseline and the verdict against the 1 s target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=20, help="repetitions of every build (default 20)")
    args = parser.parse_args()

    q = load(BANK)
    long_q = capped(q)
    builds = {}
    sizes = {}
    for scale, bank in (("realistic", q), ("texts at caps", long_q)):
        reading = interpret(bank, score(bank, realistic_answers(bank)))
        paragraphs = all_text(bank, reading)

        def base(bank: Questionnaire = bank, reading: Interpretation = reading, paragraphs: list = paragraphs) -> bytes:
            return baseline_pdf(bank, reading, paragraphs)

        def report(bank: Questionnaire = bank, reading: Interpretation = reading) -> bytes:
            return build_pdf(bank, reading, result_url=URL, percentile=(64.0, 418), created=CREATED)

        builds[(scale, "baseline")], builds[(scale, "report")] = base, report
    for key, fn in builds.items():  # warm-up (imports, font parsing caches, first allocation); sizes
        sizes[key] = len(fn())
    times = alternate({f"{s}|{k}": fn for (s, k), fn in builds.items()}, args.reps)

    print(
        f"PDF report build, {args.reps} alternating repetitions of each of 4 builds "
        f"(bank {q.meta.id} v{q.meta.version})"
    )
    print("median (min–max) ms; ratio of medians (range of per-repetition ratios)")
    for scale in ("realistic", "texts at caps"):
        b, r = times[f"{scale}|baseline"], times[f"{scale}|report"]
        print(f"  {scale}:")
        print(
            f"    baseline (plain fpdf2, same fonts, text, figures)  {spread(b, 1e-3, '.1f'):>24} ms  "
            f"{sizes[(scale, 'baseline')] / 1024:6.1f} KiB"
        )
        print(
            f"    build_pdf (the report)                             {spread(r, 1e-3, '.1f'):>24} ms  "
            f"{sizes[(scale, 'report')] / 1024:6.1f} KiB"
        )
        print(f"    report / baseline                                  {ratio(r, b, '.2f')}")
    full = statistics.median(times["realistic|report"])
    worst = max(times["realistic|report"])
    verdict = "meets" if full <= TARGET else "MISSES"
    print(f"  target ≤ {TARGET:.1f} s (realistic, median): {verdict} ({full:.3f} s; slowest repetition {worst:.3f} s)")


if __name__ == "__main__":
    main()
