"""ui/resources.py and ui/navigation.py error paths: what they catch is logged, what they do not catch escapes."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

import storage
from ui import navigation, resources

LOGGER = "career_radar"


class Secrets:
    """Stands in for st.secrets: ``to_dict`` returns a value or raises."""

    def __init__(self, outcome: Any) -> None:
        self.outcome = outcome

    def to_dict(self) -> dict[str, Any]:
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER]


def test_secrets_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(st, "secrets", Secrets({"links": {"secret": "s"}}))
    assert resources.secret("links.secret") == "s"
    assert resources.secret("links.missing", default="d") == "d"


def test_no_secrets_file_is_normal_and_quiet(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    missing = StreamlitSecretNotFoundError("No secrets found.", error_id="no-secrets-found")
    monkeypatch.setattr(st, "secrets", Secrets(missing))
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert resources.secret("links.secret", default="d") == "d"
    assert _records(caplog) == []


@pytest.mark.parametrize(
    "problem",
    [
        StreamlitSecretNotFoundError("Error parsing secrets file", error_id="failed-parsing-secrets-file"),
        PermissionError(13, "Permission denied"),
        UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
    ],
    ids=["does-not-parse", "unreadable", "not-utf8"],
)
def test_a_broken_secrets_file_falls_back_and_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, problem: Exception
) -> None:
    monkeypatch.setattr(st, "secrets", Secrets(problem))
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert resources.secret("links.secret", default="d") == "d"
    records = _records(caplog)
    assert len(records) == 1 and records[0].levelno >= logging.WARNING
    assert "secrets could not be read" in records[0].getMessage()


def test_an_unforeseen_secrets_error_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(st, "secrets", Secrets(RuntimeError("bug")))
    with pytest.raises(RuntimeError, match="bug"):
        resources.secret("links.secret")


PEOPLE = (Path(__file__).resolve().parents[1] / "config" / "people.yaml").read_text(encoding="utf-8")


@pytest.fixture
def people_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "people.yaml"
    monkeypatch.setattr(resources, "PEOPLE_FILE", path)
    st.cache_resource.clear()
    return path


def test_people_absent_is_none(people_file: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert resources.people() is None
    assert _records(caplog) == []


def test_people_invalid_is_none_and_logged_with_the_line(people_file: Path, caplog: pytest.LogCaptureFixture) -> None:
    people_file.write_text("recruiters:\n  dana:\n    display_name: [not, a, name]\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        assert resources.people() is None
    [record] = _records(caplog)
    assert record.getMessage() == "config/people.yaml is invalid"
    assert record.exc_info is not None
    assert f"{people_file}:" in str(record.exc_info[1])  # the located error names the file and line


def test_people_valid_is_read(people_file: Path) -> None:
    people_file.write_text(PEOPLE, encoding="utf-8")
    found = resources.people()
    assert found is not None
    assert "dana-whitfield" in found.recruiters


class Store:
    def __init__(self, problem: Exception) -> None:
        self.problem = problem

    def questionnaire(self, content_hash: str) -> Any:
        raise self.problem


@pytest.mark.parametrize(
    "problem",
    [storage.StoreUnavailable("database is locked"), ValueError("stored definition does not validate")],
)
def test_a_stored_questionnaire_that_cannot_be_read_is_none_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, problem: Exception
) -> None:
    monkeypatch.setattr(resources, "catalogue", dict)
    monkeypatch.setattr(resources, "store", lambda: Store(problem))
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        assert resources.questionnaire_by_hash("a" * 64) is None
    [record] = _records(caplog)
    assert record.exc_info is not None and record.exc_info[1] is problem


def test_an_unforeseen_store_error_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "catalogue", dict)
    monkeypatch.setattr(resources, "store", lambda: Store(RuntimeError("bug")))
    with pytest.raises(RuntimeError, match="bug"):
        resources.questionnaire_by_hash("a" * 64)


@pytest.mark.parametrize(
    "problem", [storage.StoreUnavailable("database is locked"), RuntimeError("permission denied for table")]
)
def test_a_failed_retention_purge_still_opens_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, problem: Exception
) -> None:
    def locked(self: Any, **kwargs: Any) -> int:
        raise problem

    monkeypatch.setattr(storage.Store, "purge", locked)
    monkeypatch.setenv("CAREER_RADAR_DATABASE_URL", f"sqlite:///{tmp_path / 'cr.sqlite3'}")
    st.cache_resource.clear()
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        opened = resources.store()
    try:
        assert isinstance(opened, storage.Store)
        assert [r.getMessage() for r in _records(caplog)] == [
            "retention purge failed; it will be tried again at the next start"
        ]
    finally:
        opened.close()
        st.cache_resource.clear()


def test_a_store_that_cannot_be_opened_leaves_the_quiz_unsaved_and_is_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "blocker").write_text("a file where a folder should be", encoding="utf-8")
    monkeypatch.setenv("CAREER_RADAR_DATABASE_URL", f"sqlite:///{tmp_path / 'blocker' / 'db.sqlite3'}")
    st.cache_resource.clear()
    with caplog.at_level(logging.ERROR, logger=LOGGER):
        assert resources.store() is None
    [record] = _records(caplog)
    assert record.getMessage() == "the response store is unavailable" and record.exc_info is not None


@pytest.mark.parametrize(
    ("url", "staff"),
    [
        (None, False),  # AppTest: no browser, no URL
        ("", False),
        ("http://localhost:8501/", False),
        ("http://localhost:8501/links", True),
        ("https://radar.example.com/app/dashboard/", True),
        ("https://radar.example.com/candidates", True),
        ("https://radar.example.com/not-candidates-really", False),
        ("http://[::1", False),  # urlsplit raises ValueError: a malformed URL is simply not a staff page
    ],
)
def test_is_staff_url(url: str | None, staff: bool) -> None:
    assert navigation.is_staff_url(url) is staff
