"""Sharing in a real browser: the brief, its preview and the scores tick; the view-only link with a foreign d."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from access.links import LinkPayload, sign_link
from tests.browser.conftest import LINK_SECRET
from tests.browser.test_candidate_browser import DESKTOP, complete, heading, private_link, scan, settle
from tests.candidate_support import answer_set, bank
from ui.notices import foreign_manage


def test_share_a_brief_with_a_preview_then_a_foreign_d_manages_nothing(
    browser: Browser, app_server: dict, shots: Path
) -> None:
    q = bank()
    link = sign_link(LinkPayload(recruiter="dana-whitfield", campaign="browser", questionnaire=q.meta.id), LINK_SECRET)
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(f"{app_server['url']}/?c={link}")
    complete(page, page, q, answer_set(q, "neutral"), None, "share")
    expect(heading(page, "Developing")).to_be_visible(timeout=20_000)
    view_only = private_link(page)  # the first link shown: the view-only one
    assert "&d=" in page.url and "d=" not in view_only

    preview = page.get_by_text("Preview — exactly what").locator("xpath=ancestor::*[@data-testid='stVerticalBlock'][1]")
    expect(preview.get_by_text("not shared — no profile, band or score")).to_be_visible()
    first_pick = page.locator('[data-testid="stCheckbox"]').filter(has_text="“").first
    first_pick.click()
    settle(page)
    picked = first_pick.inner_text().strip().strip("“”")
    expect(preview.get_by_text(picked)).to_be_visible()
    scan(page, "share-preview-brief-only", shots)
    page.get_by_text("Also show Dana Whitfield my scores").click()
    settle(page)
    expect(preview.get_by_text(re.compile(r"Profile: Developing \(\d+ / 100\)"))).to_be_visible()
    page.get_by_role("button", name="Share my result with Dana Whitfield").click()
    expect(page.get_by_text("You're sharing your conversation brief and your scores")).to_be_visible()
    scan(page, "share-shared", shots)
    context.close()

    # The view-only link (as printed in the PDF) with another response's — or any — manage token appended.
    fresh = browser.new_context(**DESKTOP)
    other = fresh.new_page()
    other.goto(f"{view_only}&d={'Q' * 32}")
    expect(other.get_by_text(foreign_manage())).to_be_visible(timeout=20_000)
    expect(other.get_by_text("You opened the view-only result link", exact=False)).to_be_visible()
    expect(other.get_by_role("button", name="Stop sharing")).to_have_count(0)
    expect(other.get_by_role("button", name="Delete my response")).to_have_count(0)
    scan(other, "share-view-only-with-foreign-d", shots)
    fresh.close()
