"""A German-speaking candidate on a phone: the browser's language picks German, and the whole quiz speaks it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from pypdf import PdfReader

import i18n
from scoring.loader import load
from tests.browser.test_candidate_browser import DESKTOP, PHONE, complete, heading, scan
from tests.candidate_support import answer_set

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
GERMAN = ROOT / "questions" / "strategic-candidate.de.yaml"
ui_de = i18n.translator("de", "ui")


def test_phone_360_whole_quiz_in_german_from_the_browser_language(
    browser: Browser, app_server: dict, shots: Path
) -> None:
    q = load(GERMAN)
    context = browser.new_context(**PHONE, locale="de-DE")  # no ?lang=: st.context.locale decides
    page = context.new_page()
    page.goto(app_server["url"])
    expect(page.get_by_role("button", name=ui_de("Start"))).to_be_visible(timeout=20_000)
    expect(page.get_by_text(q.meta.title).first).to_be_visible()
    scan(page, "de-phone-welcome", shots)
    complete(page, page, q, answer_set(q, "strategic"), shots, "de-phone", tr=ui_de)
    top = q.bands.overall[-1].label
    expect(heading(page, top)).to_be_visible(timeout=20_000)
    scan(page, "de-phone-results", shots)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    body = page.locator("body").inner_text()
    english = load(ROOT / "questions" / "strategic-candidate.yaml")
    assert english.bands.overall[-1].label not in body.split()  # "Strategic" nowhere as a word
    context.close()


def test_lang_parameter_beats_an_english_browser_and_the_pdf_is_german(browser: Browser, app_server: dict) -> None:
    q = load(GERMAN)
    context = browser.new_context(**DESKTOP, locale="en-US", accept_downloads=True)
    page = context.new_page()
    page.goto(app_server["url"] + "/?lang=de")
    expect(page.get_by_role("button", name=ui_de("Start"))).to_be_visible(timeout=20_000)
    complete(page, page, q, answer_set(q, "tactical"), None, "de-desktop", tr=ui_de)
    expect(heading(page, q.bands.overall[0].label)).to_be_visible(timeout=20_000)
    with page.expect_download() as download:
        page.get_by_role("button", name=ui_de("PDF report")).click()
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pdf.pages))
    for dim in q.dimensions:
        assert dim.name in text, dim.name
    assert "Seite 1 von" in text
    context.close()
