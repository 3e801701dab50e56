"""The result page's continuum at 360 px in a real Chromium: every band label whole, at every score, en and de."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from reports.charts import continuum_html
from scoring.interpret import interpret
from scoring.loader import load
from tests.browser.test_candidate_browser import PHONE
from tests.test_interpret import make_result

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
FILES = {"en": "strategic-candidate.yaml", "de": "strategic-candidate.de.yaml"}

# For each band label in the injected charts: is its text (as laid out) inside its own box?
MEASURE = """labels => [...document.querySelectorAll('#probe [data-chart=continuum] div')]
  .filter(d => labels.includes(d.textContent))
  .map(d => {
    const box = d.getBoundingClientRect(), range = document.createRange();
    range.selectNodeContents(d);
    const text = range.getBoundingClientRect();
    return {label: d.textContent, score: d.parentElement.dataset.score, inside:
      text.left >= box.left - 0.5 && text.right <= box.right + 0.5 &&
      text.top >= box.top - 0.5 && text.bottom <= box.bottom + 0.5, width: box.width, text: text.width};
  })"""


@pytest.mark.parametrize("lang", ["en", "de"])
def test_band_labels_are_whole_at_360_px_for_every_score(browser: Browser, app_server: dict, lang: str) -> None:
    q = load(ROOT / "questions" / FILES[lang])
    charts = []
    for overall in range(101):
        reading = interpret(q, make_result(q, {d.id: 50.0 for d in q.dimensions}, float(overall)), lang=lang)
        charts.append(f'<div data-score="{overall}">{continuum_html(q, reading, lang=lang)}</div>')
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{app_server['url']}/?lang={lang}")  # the app's own page: its font, padding and width
    container = page.locator('[data-testid="stMainBlockContainer"]')
    expect(container).to_be_visible(timeout=30_000)
    page.evaluate(
        "h => { const d = document.createElement('div'); d.id = 'probe'; d.innerHTML = h;"
        " document.querySelector('[data-testid=stMainBlockContainer]').prepend(d); }",
        "".join(charts),
    )
    widths = page.evaluate(
        "() => [...document.querySelectorAll('#probe [data-chart=continuum]')].map(c => c.clientWidth)"
    )
    assert max(widths) <= 320  # what a 360 px phone leaves the chart
    labels = [b.label for b in q.bands.overall]
    found = page.evaluate(MEASURE, labels)
    assert len(found) == 101 * len(labels)
    cut = [f for f in found if not f["inside"]]
    assert cut == [], cut[:5]
    context.close()
