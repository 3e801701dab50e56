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
# button (drawn after every question), the results page has download buttons, the welcome page has
# Start (not "ready": right after Start the old button can still be there while page 1 is drawn). `answered` is the
# progress caption's "n of m answered" (-1 when there is none).
PAGE = """
const main = document.querySelector('[data-testid="stMain"]');
const h = main && main.querySelector('h1, h2');
const heading = h ? h.innerText.trim() : '';
const results = !!document.querySelector('[data-testid="stDownloadButton"]');
const buttons = main ? [...main.querySelectorAll('button')].map(b => b.innerText.trim().split('\\n').pop().trim()) : [];
// Streamlit loads a widget's code on first use and shows a skeleton meanwhile (page 1's radios right
// after Start): a page with a skeleton is not drawn yet, whatever the run state says.
const skeleton = !!(main && main.querySelector('[data-testid="stSkeleton"]'));
const ready = !skeleton && (results || buttons.some(t => /^(Next|See my result|Submit)$/i.test(t)));
const welcome = !skeleton && buttons.some(t => /^Start$/i.test(t));
const alert = !!document.querySelector('[data-testid="stAlert"]');
const progress = document.querySelector('[data-testid="stProgress"]');
const count = progress ? (progress.innerText.match(/(\\d+) of \\d+ answered/) || [])[1] : undefined;
const answered = count === undefined ? -1 : parseInt(count, 10);
const settled = () => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning' &&
    !document.querySelector('[data-stale="true"]');
};
"""

# The time, once what a click at t0 caused is on screen and the app is idle with the page drawn:
# a page change (`heading_not`: the heading before), the results (`results`), a warning that an answer
# is missing, or for an answer a higher "answered" count (`answered_before`) or a finished rerun.
# Content is checked first because React can batch a fast run's running -> notRunning into one render,
# so the observer does not see every run.
DONE = (
    """
([t0, extra]) => {
"""
    + PAGE
    + """
  if (!settled() || !ready) return false;
  const ran = (window.__crRuns || []).some(r => r.t > t0 && r.old === 'running');
  const moved = extra.heading_not !== undefined && heading !== extra.heading_not;
  const warned = alert && (extra.alert_before === false || ran);
  if (extra.results) {
    if (!(results || (heading === extra.heading_not && warned))) return false;
  } else if (extra.heading_not !== undefined) {
    if (!(moved || warned)) return false;
  } else if (!(ran || (extra.answered_before !== undefined && answered > extra.answered_before))) {
    return false;
  }
  return performance.now();
}
"""
)

# The document is loaded, Streamlit has run the script for it, and the page is drawn (after goto/reload).
LOADED = (
    """
() => {
"""
    + PAGE
    + """
  if (!settled() || !(ready || welcome) || !heading) return false;
  if (!(window.__crRuns || []).length) return false;  // the state left 'initial': a run happened
  return performance.now();
}
"""
)

# Before a click: the page's time, its "answered" count and whether a warning shows.
BEFORE = (
    """
() => {
"""
    + PAGE
    + """
  return [performance.now(), answered, alert];
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
    """Do `action` (a click) and wait until what it caused is on screen (see DONE); the time it took, in ms."""
    t0, answered, alert = page.evaluate(BEFORE)
    action()
    arg = [t0, {"answered_before": answered, "alert_before": alert, **(extra or {})}]
    done = page.wait_for_function(DONE, arg=arg, timeout=timeout, polling=100)
    return float(done.json_value()) - t0


def loaded(page: Page, timeout: float = 30_000) -> None:
    """After goto/reload: wait for the document's first finished run with its page drawn."""
    page.wait_for_function(LOADED, timeout=timeout)


def answer_open_questions(page: Page, rng: random.Random, limit: int | None = None) -> list[tuple[int, str]]:
    """Answer up to `limit` radio groups that have no choice yet; (group index, chosen value) for each.

    A click whose choice does not show within 10 s is made again via another option, as a person would.
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
                    act(page, options.nth(pick).click, timeout=10_000)
                break
            except PlaywrightTimeout:
                # No rerun seen. If the choice shows, the browser holds it and sends it with the next
                # rerun (the app reconciles widget values on Next and submit); otherwise click again.
                if group.locator("input:checked").count():
                    break
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
