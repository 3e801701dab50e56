"""Candidate pages make no request outside the app's own origin, even when config/people.yaml tries.

A real `streamlit run` of a copy of the app whose people.yaml puts markdown images (and HTML and links)
into a recruiter's display_name, firm and intro. Chromium routes every request; any request to another
origin is recorded (and aborted, so nothing leaves the machine) and fails the test. The walk: welcome
(with the privacy expander open) → each quiz page → result (with the sharing section and its expander open).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from access.links import LinkPayload, sign_link
from tests.browser.conftest import ARTIFACTS, LINK_SECRET, ROOT, free_port, streamlit_server
from tests.browser.test_candidate_browser import DESKTOP, complete, heading, settle
from tests.candidate_support import answer_set, bank

pytestmark = pytest.mark.browser

BEACON = "tracker.invalid"  # never resolvable, and every request to it is aborted anyway
PEOPLE = f"""
recruiters:
  dana-whitfield:
    display_name: "Dana ![n](https://{BEACON}/name.png) Whitfield"
    firm: "Whitfield ![f](https://{BEACON}/firm.png) Search"
    specialty: marketing and communications executive search
    intro: |
      I search for marketing leaders. ![pixel](https://{BEACON}/intro.png)
      <img src="https://{BEACON}/html.png"> [my site](https://{BEACON}/go) ![ref][logo]

      [logo]: https://{BEACON}/ref.png
    accent_color: "#1f4e79"
    logo_url: https://{BEACON}/logo.png
    contact_url: https://{BEACON}/contact
"""
# Every top-level folder of Python code the app may import (ui/ is a namespace package), so a new package is
# never left behind.
PACKAGES = tuple(
    sorted(
        d.name
        for d in ROOT.iterdir()
        if d.is_dir() and not d.name.startswith(".") and d.name not in {"tests", "bench"} and any(d.glob("*.py"))
    )
)
APP_PARTS = ("app.py", *PACKAGES, "questions", "config", ".streamlit")


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app, copied with a hostile config/people.yaml, on its own port and SQLite file."""
    tree = tmp_path_factory.mktemp("hostile-app")
    ignore = shutil.ignore_patterns("__pycache__", "secrets.toml")
    for part in APP_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, tree / part, ignore=ignore)
        else:
            shutil.copy(source, tree / part)
    (tree / "config" / "people.yaml").write_text(PEOPLE, encoding="utf-8")
    port = free_port()
    env = {
        **os.environ,
        "CAREER_RADAR_DATABASE_URL": f"sqlite:///{tree / 'hostile.sqlite3'}",
        "CAREER_RADAR_LINK_SECRET": LINK_SECRET,
        "CAREER_RADAR_BASE_URL": f"http://127.0.0.1:{port}",
    }
    with streamlit_server(tree / "app.py", env, ARTIFACTS.parent / "streamlit-hostile.log", port) as url:
        yield url


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _open_expander(page: Page, label: str) -> None:
    summary = page.locator('[data-testid="stExpander"] summary').filter(has_text=label).first
    expect(summary).to_be_visible()
    summary.click()
    settle(page)


def test_candidate_pages_request_nothing_from_another_origin(
    browser: Browser, hostile_server: str, shots: Path
) -> None:
    q = bank()
    own = _origin(hostile_server)
    foreign: list[str] = []
    allowed: list[str] = []

    def gate(route: Route) -> None:
        url = route.request.url
        if _origin(url) == own or urlsplit(url).scheme in ("data", "blob"):
            allowed.append(url)
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    context = browser.new_context(**DESKTOP)
    context.route("**/*", gate)
    page = context.new_page()
    token = sign_link(
        LinkPayload(recruiter="dana-whitfield", campaign="spring", role=None, questionnaire=q.meta.id), LINK_SECRET
    )
    page.goto(f"{hostile_server}/?c={token}")
    expect(page.get_by_role("button", name="Start")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("invited you")).to_be_visible()
    _open_expander(page, "What we keep")
    expect(page.get_by_text("sees your result").first).to_be_visible()
    page.screenshot(path=str(shots / "hostile-welcome.png"), full_page=True)

    complete(page, page, q, answer_set(q, "strategic"), None, "hostile")
    expect(heading(page, "Strategic")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name=re.compile(r"^Share with Dana"))).to_be_visible()
    # The preview of what would be shared names the recruiter too; add scores and contact to fill it.
    expect(page.get_by_text(re.compile(r"^Preview — exactly what Dana"))).to_be_visible()
    page.get_by_text(re.compile(r"^Also show Dana")).click()
    settle(page)
    page.get_by_text(re.compile(r"^Also give Dana")).click()
    settle(page)
    page.screenshot(path=str(shots / "hostile-results.png"), full_page=True)
    page.wait_for_load_state("networkidle")
    context.close()

    assert len(allowed) > 5, allowed  # the gate really saw the page's own requests
    assert foreign == [], "candidate pages requested other origins:\n" + "\n".join(foreign)
    assert not [u for u in foreign if BEACON in u]
