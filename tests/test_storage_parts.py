"""The store's parts: one Filters value drives every read, frame columns mean one thing each, no import cycle."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from scoring.loader import parse
from service import submissions
from storage import Attribution, Filters, Store, StoreError
from storage.reads import ReadModel
from tests.conftest import ROOT, TEST_DATA

FULL = {"p1": 4, "p2": 2, "p3": 5, "e1": 4, "e2": 2, "s1": "listen"}
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
MAX_LINES = 500


def test_one_filters_value_selects_the_same_rows_for_frames_and_aggregates(store: Store, minimal_q: Any) -> None:
    for i, campaign in enumerate(["a", "a", "b"]):
        started = store.start(minimal_q, Attribution(recruiter_id="r1", campaign=campaign), now=T0)
        submissions.submit(store, started.resume_token, FULL, now=T0 + timedelta(days=i, minutes=5))
    store.start(minimal_q, Attribution(recruiter_id="r1", campaign="a"), now=T0)  # never submitted
    f = Filters(content_hash=minimal_q.content_hash, campaign="a", since=T0, until=T0 + timedelta(days=1))
    assert len(store.responses_frame(f)) == 1
    assert store.aggregate("campaign", f)["n"].tolist() == [1]
    assert len(ReadModel(store.database).responses_frame(f)) == 1  # the read model itself takes the same value
    everything = Filters(content_hash=minimal_q.content_hash, submitted_only=False)
    assert len(store.responses_frame(everything)) == 4
    assert store.responses_frame(f).equals(store.responses_frame(**vars(f)))  # keywords build the same Filters
    with pytest.raises(TypeError):
        store.responses_frame(f, campaign="b")
    with pytest.raises(ValueError, match="content_hash"):
        store.aggregate("campaign", Filters())


def test_item_columns_are_named_by_item_id(store: Store, minimal_q: Any) -> None:
    started = store.start(minimal_q, now=T0)
    submissions.submit(store, started.resume_token, FULL, now=T0 + timedelta(minutes=5))
    frame = store.responses_frame(Filters(content_hash=minimal_q.content_hash), include_answers=True)
    assert {"p1", "e1", "s1", "partnership", "exploration"} <= set(frame.columns)
    assert not [c for c in frame.columns if c.startswith("item:")]
    assert frame.loc[0, "p1"] == 4 and frame.loc[0, "s1"] == "listen"


@pytest.mark.parametrize("new_id", ["exploration", "overall", "campaign"])
def test_a_version_whose_item_ids_clash_with_frame_columns_is_refused(store: Store, new_id: str) -> None:
    text = (TEST_DATA / "good" / "minimal.yaml").read_text(encoding="utf-8").replace("{id: e1,", f"{{id: {new_id},")
    q = parse(text)
    with pytest.raises(StoreError, match=new_id):
        store.register(q)
    assert store.questionnaire(q.content_hash) is None


def storage_imports(path: Any) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("storage"):
            found.add(node.module)
    return found


def test_the_parts_do_not_import_the_facade() -> None:
    """Only the package entry points import storage.store: the parts share storage._db, so no cycle."""
    importers = sorted(p.name for p in (ROOT / "storage").glob("*.py") if "storage.store" in storage_imports(p))
    assert importers == ["__init__.py", "__main__.py"]


@pytest.mark.parametrize("package", ["storage", "service"])
def test_no_module_over_the_size_limit(package: str) -> None:
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in (ROOT / package).glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}
