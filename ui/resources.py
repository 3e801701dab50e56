"""Shared, cached resources for every page: the questionnaire catalogue, the store, settings.

Settings are read environment-first, then ``st.secrets``, then a default, so the same code
runs on a laptop (nothing configured), in CI (environment) and in production (secrets.toml).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import streamlit as st

from scoring.loader import Library, LocatedError, QuestionnaireError, load_library, primary
from scoring.models import Questionnaire
from ui.lang import t
from ui.navigation import STAFF_SLUGS

if TYPE_CHECKING:  # both import heavier modules; pages that never touch them do not pay for them
    from access.branding import People
    from storage import Store

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS_DIR = ROOT / "questions"
PEOPLE_FILE = ROOT / "config" / "people.yaml"
DEFAULT_QUESTIONNAIRE = "strategic-candidate"
DEFAULT_BASE_URL = "http://localhost:8501"

log = logging.getLogger("career_radar")


def _secrets() -> Mapping[str, Any]:
    try:
        return st.secrets.to_dict()
    except FileNotFoundError as exc:  # Streamlit's StreamlitSecretNotFoundError is one
        # No secrets.toml at all is normal on a laptop; one that does not parse is worth a warning.
        if getattr(exc, "error_id", None) != "no-secrets-found":
            log.warning("secrets could not be read: %s", exc)
        return {}
    except (OSError, UnicodeDecodeError):  # e.g. a secrets.toml the server may not read
        log.exception("secrets could not be read")
        return {}


def secret(name: str, env: str | None = None, default: Any = None, *, source: Mapping[str, Any] | None = None) -> Any:
    """A setting: environment variable ``env`` first, then ``st.secrets`` (dotted ``name``), then default.

    ``source``: the secrets already read by the caller (``_secrets()``), so one call reads them once.
    """
    if env and os.environ.get(env):
        return os.environ[env]
    node: Any = _secrets() if source is None else source
    for part in name.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def int_setting(name: str, env: str, default: int, *, source: Mapping[str, Any] | None = None) -> int:
    """An integer setting; a malformed value falls back to the default (and is logged)."""
    value = secret(name, env, default, source=source)
    try:
        return int(value)
    except (TypeError, ValueError):
        log.warning("setting %s=%r is not an integer; using %s", name, value, default)
        return default


@st.cache_resource(show_spinner=False)
def _library() -> tuple[Library, list[LocatedError]]:
    return load_library(QUESTIONS_DIR)


def library() -> Library:
    """Every valid questionnaire in questions/, by id and language (invalid files are logged, never shown)."""
    found, errors = _library()
    for err in errors:
        log.error("questionnaire problem: %s", err)
    return found


def catalogue() -> dict[str, Questionnaire]:
    """Every valid questionnaire in questions/ by id, in its primary language (English where there is one)."""
    return {qid: primary(languages) for qid, languages in library().items()}


def questionnaire_in(questionnaire_id: str, lang: str) -> Questionnaire:
    """A questionnaire in ``lang`` when translated into it, else in its primary language (KeyError if unknown)."""
    languages = library()[questionnaire_id]
    return languages.get(lang) or primary(languages)


_BY_HASH: dict[str, Questionnaire] = {}  # content hash → version: the hash names the content, so never stale
_BY_HASH_MAX = 256


def questionnaire_by_hash(content_hash: str) -> Questionnaire | None:
    """The questionnaire version a stored response answered (current files first, then the store).

    Every rerun of the quiz asks for it (several times), so a version once found is kept by its hash.
    """
    found = _BY_HASH.get(content_hash)
    if found is not None:
        return found
    found = next((q for langs in library().values() for q in langs.values() if q.content_hash == content_hash), None)
    if found is None:
        s = store()
        if s is not None:
            from storage import StoreError

            try:
                found = s.questionnaire(content_hash)
            except (StoreError, ValueError):  # database down; a stored definition that no longer parses or validates
                log.exception("could not read questionnaire %s from the store", content_hash[:12])
    if found is not None:
        if len(_BY_HASH) >= _BY_HASH_MAX:
            _BY_HASH.clear()
        _BY_HASH[content_hash] = found
    return found


def _open(url: str | None, retention_days: int) -> Store:
    from storage import Store

    store = Store(url, retention_days=retention_days)
    try:  # retention is applied whenever the app starts (and by `python -m storage purge` on a schedule)
        removed = store.purge()
        if removed:
            log.info("retention: deleted %d responses older than %d days", removed, retention_days)
        empty = store.purge_empty()
        if empty:
            log.info("retention: deleted %d empty starts (no answer)", empty)
    except Exception:
        # A catch-all on purpose: the purge is housekeeping, and nothing it meets (a locked database, or a
        # driver error the store does not translate, such as a missing DELETE grant) may stop the opened
        # store from taking answers. Logged with its traceback; it runs again at the next start.
        log.exception("retention purge failed; it will be tried again at the next start")
    return store


@st.cache_resource(show_spinner=False)
def _stores() -> dict[tuple[str, int], Store]:
    """The stores opened in this process, by (database URL, retention days); cleared with the resource cache.

    A dict behind an argument-less cached function, not ``st.cache_resource`` keyed by the arguments:
    every answer click looks the store up, and hashing two arguments for the cache key cost 0.16 ms
    of an answer's budget (an argument-less lookup: 0.01 ms).
    """
    return {}


_OPENING = threading.Lock()  # one opening (and start-up purge) per database at a time


def store() -> Store | None:
    """The response store, or None when it cannot be opened (the quiz still works, unsaved)."""
    try:
        from storage import database_url

        settings = _secrets()  # read once for both settings
        key = (database_url(settings), retention_days(settings))
        opened = _stores()
        found = opened.get(key)
        if found is None:
            with _OPENING:
                found = opened.get(key)
                if found is None:
                    found = opened[key] = _open(*key)
        return found
    except Exception:
        # A catch-all on purpose: opening a database can fail in more ways than the store names (a bad URL,
        # a missing driver, a directory that cannot be written), and every one of them must leave the quiz
        # working, unsaved. Logged with its traceback; a failure is not kept, so the next call retries.
        log.exception("the response store is unavailable")
        return None


def store_or_stop() -> Store:
    """The response store for a staff page; when it is unavailable, say so on the page and stop the page."""
    s = store()
    if s is None:
        st.error(t("The response store is unavailable right now. Please try again in a minute."))
        st.stop()
    return s


@st.cache_resource(show_spinner=False)
def _people(path: str, mtime: float) -> People:
    from access.branding import load_people

    return load_people(path)


def people() -> People | None:
    """Recruiter and coach branding from config/people.yaml (None when absent or invalid)."""
    try:
        return _people(str(PEOPLE_FILE), PEOPLE_FILE.stat().st_mtime)
    except FileNotFoundError:
        return None
    except (QuestionnaireError, OSError):  # invalid YAML or fields (with their lines), or an unreadable file
        log.exception("config/people.yaml is invalid")
        return None


def link_secrets() -> list[str]:
    """Current link-signing secret first, then previous ones (rotation); empty when unset."""
    from access.links import configured_secrets

    return configured_secrets(_secrets())


def retention_days(source: Mapping[str, Any] | None = None) -> int:
    return int_setting("retention_days", "CAREER_RADAR_RETENTION_DAYS", 365, source=source)


def percentile_min_n() -> int:
    return int_setting("percentile_min_n", "CAREER_RADAR_PERCENTILE_MIN_N", 30)


def configured_base_url() -> str | None:
    """The public address set in ``CAREER_RADAR_BASE_URL`` or ``base_url`` in secrets, or None."""
    value = secret("base_url", "CAREER_RADAR_BASE_URL")
    return value.strip().rstrip("/") if isinstance(value, str) and value.strip() else None


def app_url() -> str:
    """The app's address for every link it hands out (campaign links, QR codes, private result links).

    A configured public address wins (behind a proxy it is the one candidates can reach); otherwise the
    address the browser used for this page, without the staff page's own path; otherwise the local default.
    """
    configured = configured_base_url()
    if configured:
        return configured
    try:
        parts = urlsplit(st.context.url or "")
    except Exception:  # st.context.url is missing outside a browser session (tests, CLI)
        parts = None
    if parts and parts.scheme in {"http", "https"} and parts.netloc:
        path = parts.path.rstrip("/")
        head, _, last = path.rpartition("/")
        if last in STAFF_SLUGS:  # the links page runs at <app>/links; the links point at <app>/
            path = head
        return f"{parts.scheme}://{parts.netloc}{path}"
    return DEFAULT_BASE_URL


def candidate_only() -> bool:
    """Embedded views and candidate links show the quiz alone: no staff pages, no sign-in."""
    params = st.query_params
    embedded = bool(st.context.is_embedded) or params.get("embed", "").lower() == "true"
    return embedded or any(k in params for k in ("c", "r", "d"))
