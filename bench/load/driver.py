"""A generic candidate for the load test: answers whatever the quiz shows, like a person would.

Nothing here knows the question bank: on every page it answers each radio group that has no
choice yet (Likert, choice and 'claim' items all render as radio groups), fills any required text
area, then presses **Next** or, on the last page, the submit button. So it keeps working when the
bank changes (new ids, more pages, new item types rendered as radios).

Every interaction is timed in the browser, from just before the click to the moment the rerun it
caused has finished (the app root's ``data-test-script-state`` went from ``running`` back to
``notRunning``, no element is stale) and, for page changes, the new page's heading is shown.
"""

from __future__ import annotations

import contextlib
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import BrowserContext, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from tests.browser.runstate import BEFORE, DONE, LOADED, NEXT, OBSERVER, START, STATE, SUBMIT  # noqa: F401 (OBSERVER: re-exported)


@dataclass
class Outcome:
    """What one candidate did and saw."""

    name: str
    timings: dict[str, list[float]] = field(default_factory=dict)  # kind -> latencies in ms
    retries: int = 0  # clicks made again because the first did not cause a rerun
    retried: dict[str, int] = field(default_factory=dict)  # the same, by kind of interaction
    unconfirmed: int = 0  # choices shown in the browser whose rerun did not show within 10 s
    notes: list[str] = field(default_factory=list)  # what the app said when it asked for an answer
    answered: int = 0  # questions this candidate answered (each must be one stored answer)
    pages: int = 0
    token: str | None = None
    error: str | None = None
    double_submit: bool = False
    refreshed: bool = False

    def retry(self, kind: str) -> None:
        self.retries += 1
        self.retried[kind] = self.retried.get(kind, 0) + 1

    def add(self, kind: str, ms: float) -> None:
        self.timings.setdefault(kind, []).append(ms)


class Candidate:
    def __init__(
        self,
        context: BrowserContext,
        url: str,
        name: str,
        rng: random.Random,
        think: tuple[float, float],
        double_submit: bool = False,
        refresh_at: int | None = None,
        timeout_ms: float = 30_000,
        shots: Any = None,
    ) -> None:
        self.shots = shots  # a folder for a screenshot when this candidate fails
        self.step = "opening the quiz"
        self.t_click, self.extra = 0.0, {}
        self.context, self.url, self.rng, self.think = context, url, rng, think
        self.double_submit, self.refresh_at, self.timeout = double_submit, refresh_at, timeout_ms
        self.out = Outcome(name)
        self.page: Page | None = None

    async def pause(self, factor: float = 1.0) -> None:
        lo, hi = self.think
        await self.page.wait_for_timeout(1000 * factor * self.rng.uniform(lo, hi))

    async def now(self) -> float:
        return await self.page.evaluate("performance.now()")

    async def heading(self) -> str:
        return await self.page.evaluate(
            "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
            " const h = m && m.querySelector('h1, h2'); return h ? h.innerText.trim() : ''; }"
        )

    async def timed(
        self,
        kind: str,
        action: Any,
        extra: dict | None = None,
        t0: float | None = None,
        timeout: float | None = None,
        record: bool = True,
    ) -> float:
        """Do `action`, wait until what it caused is on screen (runstate.DONE); ms since t0 (default: the click)."""
        self.step = f"{kind} on {await self.heading()!r}"
        t_click, answered, alert = await self.page.evaluate(BEFORE)
        t0 = t_click if t0 is None else t0
        self.t_click, self.extra = t_click, {"answered_before": answered, "alert_before": alert, **(extra or {})}
        await action()
        handle = await self.page.wait_for_function(
            DONE, arg=[t_click, self.extra], timeout=timeout or self.timeout, polling=100
        )
        ms = float(await handle.json_value()) - t0
        if record:
            self.out.add(kind, ms)
        return ms

    async def load(self, kind: str, action: Any) -> None:
        """goto or reload: wall time from the navigation to the first heading of a finished run.

        Allowed three times the interaction timeout: a first load parses Streamlit's whole front end,
        and here every candidate's browser shares the server's two cores.
        """
        self.step = kind
        t0 = time.perf_counter()
        await action(timeout=3 * self.timeout)
        await self.page.wait_for_function(LOADED, timeout=3 * self.timeout, polling=100)
        self.out.add(kind, (time.perf_counter() - t0) * 1000)

    async def results_shown(self) -> bool:
        return await self.page.locator('[data-testid="stDownloadButton"]').count() > 0

    async def answer_page(self) -> int:
        """Answer every open radio group and required text area on the page; how many were answered."""
        main = self.page.locator('[data-testid="stMain"]')
        groups = main.locator('[data-testid="stRadio"]')
        done = 0
        for i in range(await groups.count()):
            group = groups.nth(i)
            if await group.locator("input:checked").count():
                continue
            options = group.locator('label[data-testid="stRadioOption"]')
            k = await options.count()
            if not k:
                continue
            await self.pause()
            first = self.rng.randrange(k)
            t0 = await self.now()
            for attempt in range(3):
                # A retry picks another option and then the first again, as a person would when a click
                # did not register (Streamlit's frontend can hold back a change made right after a page
                # change). The time recorded runs from the first click: what the person waited.
                picks = [first] if attempt == 0 else [(first + 1) % k, first]
                try:
                    for n, pick in enumerate(picks, 1):
                        option = options.nth(pick)
                        await self.timed(
                            "answer", option.click, None, t0=t0,
                            timeout=self.timeout if attempt == 2 else min(self.timeout, 10_000),
                            record=n == len(picks),
                        )  # fmt: skip
                    break
                except PlaywrightTimeout:
                    # Nothing on screen changed within 10 s. If the choice shows, the browser holds it and
                    # sends it with the next rerun (the app reconciles widget values on Next and submit):
                    # counted, no time recorded. Otherwise click again, as a person would.
                    if await group.locator("input:checked").count():
                        self.out.unconfirmed += 1
                        break
                    if attempt == 2:
                        raise
                    self.out.retry("answer")
            done += 1
            self.out.answered += 1
        areas = main.locator("textarea")
        for i in range(await areas.count()):
            area = areas.nth(i)
            label = await area.get_attribute("aria-label") or ""
            if "(optional)" in label or (await area.input_value()).strip():
                continue
            await self.pause()
            await area.fill("A load-test answer.")
            await self.timed("answer", lambda a=area: a.press("Control+Enter"), None)
            done += 1
            self.out.answered += 1
        return done

    async def press(self, pattern: re.Pattern, kind: str, double: bool = False) -> bool:
        """Click a page-changing button; True when the page changed (False: the app asked for an answer).

        A click that causes no rerun within 10 s is made again (counted as a retry), as a person would;
        the time recorded runs from the first click.
        """
        before = await self.heading()
        extra = {"heading_not": before, "results": kind == "submit"}
        await self.pause(0.5)
        t0 = await self.now()
        for attempt in range(3):
            if attempt and (await self.heading() != before or await self.results_shown()):
                break  # the first click did get through after all
            button = self.page.get_by_role("button", name=pattern).first
            action = button.dblclick if double and attempt == 0 else button.click
            try:
                await self.timed(
                    kind, action, extra, t0=t0, timeout=self.timeout if attempt == 2 else min(self.timeout, 10_000)
                )
                break
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
                self.out.retry(kind)
        if kind == "submit":
            return await self.results_shown()
        return await self.heading() != before

    async def run(self) -> Outcome:
        try:
            await self._run()
        except Exception as exc:  # recorded as a failure; the run goes on with the others
            self.out.error = f"{self.step}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            if self.shots is not None and self.page is not None:
                with contextlib.suppress(Exception):
                    self.out.error += " | " + await self.page.evaluate(STATE)
                    done = await self.page.evaluate(DONE, [self.t_click, self.extra])
                    self.out.error += f" t_click={self.t_click:.0f} done_now={done} heading={await self.heading()!r}"
                    await self.page.screenshot(path=str(self.shots / f"failed-{self.out.name}.png"), full_page=True)
        finally:
            if self.page is not None:
                m = re.search(r"[?&]r=([\w-]+)", self.page.url)
                self.out.token = m.group(1) if m else self.out.token
        return self.out

    async def _run(self) -> None:
        self.page = await self.context.new_page()
        await self.load("first load", lambda timeout: self.page.goto(self.url, timeout=timeout))
        await self.pause()
        await self.press(START, "start")
        stuck = 0
        for _ in range(200):  # bounded: far more pages than any questionnaire has
            if await self.results_shown():
                return
            if stuck > 3:
                raise AssertionError(f"the page {await self.heading()!r} keeps asking for answers")
            await self.answer_page()
            self.out.pages += 1
            if self.refresh_at is not None and self.out.pages == self.refresh_at:
                if not re.search(r"[?&]r=", self.page.url):
                    raise AssertionError("no private token in the address bar to continue from")
                await self.pause()
                await self.load("refresh", lambda timeout: self.page.reload(timeout=timeout))
                self.step = "after refresh"
                self.refresh_at = None
                continue  # back on the first page with something left to answer
            nxt = self.page.get_by_role("button", name=NEXT)
            kind, pattern = ("next", NEXT) if await nxt.count() else ("submit", SUBMIT)
            if not await self.page.get_by_role("button", name=pattern).count():
                raise AssertionError(f"neither Next nor a submit button on {await self.heading()!r}")
            if await self.press(pattern, kind, double=self.double_submit and kind == "submit"):
                if kind == "submit":
                    return
                stuck = 0
            else:  # the app asked for a missing answer: answer it and press again
                stuck += 1
                self.out.retry(f"{kind} asked for an answer")
                alerts = await self.page.locator('[data-testid="stAlert"]').all_inner_texts()
                self.out.notes.append(
                    f"{kind} on {await self.heading()!r} (page {self.out.pages}, "
                    f"refreshed: {'refresh' in self.out.timings}): " + " / ".join(t[:80] for t in alerts)
                )
        raise AssertionError("the quiz did not end within 200 pages")
