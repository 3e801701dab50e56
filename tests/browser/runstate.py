"""Watching a Streamlit page's reruns from a browser test: shared by tests/browser and bench/load.

Streamlit marks its root element with ``data-test-script-state`` (``running`` / ``notRunning``). An
init script (``OBSERVER``) logs every change of it, so a test can wait for *the rerun its click
caused* to finish — rather than sleeping, or guessing from text that a given question bank may not
show — and time it. Nothing here knows the question bank: a page is "drawn" when its Next/submit (or
Start) button is there, or the results' download buttons.
"""

from __future__ import annotations

import random
import re
from typing import Any

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

# Installed in every document before Streamlit loads: a log of the app's script-run state changes.
OBSERVER = """
window.__crRuns = [];
new MutationObserver(records => {
  for (const r of records) {
    window.__crRuns.push({old: r.oldValue, now: r.target.getAttribute('data-test-script-state'),
                          t: performance.now()});
  }
}).observe(document, {attributes: true, subtree: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
"""

# Shared by the checks below: is the page fully drawn? A question page ends with its Next or submit
# button (drawn after every question), the results page has download buttons.
PAGE = """
const main = document.querySelector('[data-testid="stMain"]');
const h = main && main.querySelector('h1, h2');
const heading = h ? h.innerText.trim() : '';
const results = !!document.querySelector('[data-testid="stDownloadButton"]');
const buttons = main ? [...main.querySelectorAll('button')].map(b => b.innerText.trim().split('\\n').pop().trim()) : [];
const ready = results || buttons.some(t => /^(Start|Next|See my result|Submit)$/i.test(t));
const alert = !!document.querySelector('[data-testid="stAlert"]');
const settled = () => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning' &&
    !document.querySelector('[data-stale="true"]');
};
"""

# The time, once a run that started after t0 has finished, the page is drawn and `extra` holds.
DONE = (
    """
([t0, extra]) => {
"""
    + PAGE
    + """
  if (!settled() || !ready) return false;
  if (!(window.__crRuns || []).some(r => r.t > t0 && r.old === 'running')) return false;
  if (extra.heading_not !== undefined && heading === extra.heading_not && !results && !alert) return false;
  if (extra.results && !results && !(heading === extra.heading_not && alert)) return false;
  return performance.now();
}
"""
)

# The document is loaded and a run of it has finished with the page drawn (after goto/reload).
LOADED = (
    """
() => {
"""
    + PAGE
    + """
  if (!settled() || !ready || !heading) return false;
  if (!(window.__crRuns || []).some(r => r.old === 'running')) return false;
  return performance.now();
}
"""
)

# What the page looked like when a candidate failed (for the report).
STATE = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const runs = (window.__crRuns || []).slice(-3).map(r => `${r.old}->${r.now}@${Math.round(r.t)}`).join(' ');
  return `state=${app && app.getAttribute('data-test-script-state')} ` +
    `conn=${app && app.getAttribute('data-test-connection-state')} now=${Math.round(performance.now())} ` +
    `stale=${document.querySelectorAll('[data-stale="true"]').length} ` +
    `radios=${document.querySelectorAll('[data-testid="stRadio"]').length} runs=[${runs}]`;
}
"""

NEXT = re.compile(r"^\s*Next\s*$")
SUBMIT = re.compile(r"^\s*(See my result|Submit)\s*$", re.I)
START = re.compile(r"^\s*Start\s*$")


def heading(page: Page) -> str:
    return page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " const h = m && m.querySelector('h1, h2'); return h ? h.innerText.trim() : ''; }"
    )


def results_shown(page: Page) -> bool:
    return page.locator('[data-testid="stDownloadButton"]').count() > 0


def act(page: Page, action: Any, extra: dict | None = None, timeout: float = 30_000) -> float:
    """Do `action` (a click) and wait until the rerun it caused has finished; the time it took, in ms."""
    t0 = page.evaluate("performance.now()")
    action()
    done = page.wait_for_function(DONE, arg=[t0, extra or {}], timeout=timeout)
    return float(done.json_value()) - t0


def loaded(page: Page, timeout: float = 30_000) -> None:
    """After goto/reload: wait for the document's first finished run with its page drawn."""
    page.wait_for_function(LOADED, timeout=timeout)


def answer_open_questions(page: Page, rng: random.Random, limit: int | None = None) -> list[tuple[int, str]]:
    """Answer up to `limit` radio groups that have no choice yet; (group index, chosen value) for each.

    A click that causes no rerun within 10 s is made again via another option (Streamlit's frontend
    can hold back a change made right after a page change), as a person would.
    """
    groups = page.locator('[data-testid="stMain"] [data-testid="stRadio"]')
    chosen: list[tuple[int, str]] = []
    for i in range(groups.count()):
        if limit is not None and len(chosen) >= limit:
            break
        group = groups.nth(i)
        if group.locator("input:checked").count():
            continue
        options = group.locator('label[data-testid="stRadioOption"]')
        k = options.count()
        if not k:
            continue
        first = rng.randrange(k)
        for attempt in range(3):
            try:
                for pick in [first] if attempt == 0 else [(first + 1) % k, first]:
                    act(page, options.nth(pick).click, timeout=10_000 if attempt < 2 else 30_000)
                break
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
        chosen.append((i, group.locator("input:checked").get_attribute("value")))
    return chosen


def press(page: Page, pattern: re.Pattern, timeout: float = 30_000) -> bool:
    """Click Next or submit and wait for the page it leads to; True when the page changed."""
    before = heading(page)
    submit = pattern is SUBMIT
    extra = {"heading_not": before, "results": submit}
    for attempt in range(3):
        if attempt and (heading(page) != before or results_shown(page)):
            break
        try:
            act(page, page.get_by_role("button", name=pattern).first.click, extra, 10_000 if attempt < 2 else timeout)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    return results_shown(page) if submit else heading(page) != before


def checked_values(page: Page) -> list[str | None]:
    """The chosen value of every radio group on the page, in order (None: unanswered)."""
    return page.evaluate(
        '() => [...document.querySelectorAll(\'[data-testid="stMain"] [data-testid="stRadio"]\')]'
        ".map(g => { const c = g.querySelector('input:checked'); return c ? c.value : null; })"
    )
