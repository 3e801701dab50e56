"""The welcome page on a phone: Start comes right after what it is and the "not a screening test" notice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import storage
from tests.candidate_support import assert_clean, new_app


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> storage.Store:
    url = f"sqlite:///{tmp_path / 'cr.sqlite3'}"
    monkeypatch.setenv("CAREER_RADAR_DATABASE_URL", url)
    return storage.Store(url)


def in_order(node: Any) -> list[Any]:
    """The page's elements top to bottom (a block's children in their order, depth first)."""
    out = []
    for child in getattr(node, "children", {}).values():
        out.append(child)
        out += in_order(child)
    return out


@pytest.mark.parametrize(("lang", "start", "notice", "covers"), [
    ("en", "Start", "self-reflection, not a screening test", "What it covers"),
    ("de", "Starten", "Selbstreflexion, kein Auswahltest", "Worum es geht"),
])  # fmt: skip
def test_start_follows_the_notice_and_comes_before_the_longer_text(
    db, lang: str, start: str, notice: str, covers: str
) -> None:
    at = new_app({"lang": lang})
    at.run()
    assert_clean(at)
    shown = in_order(at.main)
    kinds = [type(e).__name__ for e in shown]
    index = {
        "notice": next(i for i, e in enumerate(shown) if kinds[i] == "Info" and notice in e.value),
        "start": next(i for i, e in enumerate(shown) if kinds[i] == "Button" and e.label == start),
        "covers": next(i for i, e in enumerate(shown) if kinds[i] == "Markdown" and covers in e.value),
        "privacy": next(i for i, e in enumerate(shown) if kinds[i] == "Expander"),
    }
    assert index["notice"] < index["start"] < index["covers"] < index["privacy"], index
    # Between the title and Start only short texts: the intro line, the time and count line and the notice.
    title = next(i for i, k in enumerate(kinds) if k == "Title")
    between = shown[title + 1 : index["start"]]
    between = [e for e in between if type(e).__name__ in {"Markdown", "Info"}]
    assert len(between) <= 3 and sum(len(e.value) for e in between) <= 600, [e.value for e in between]
