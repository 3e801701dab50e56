"""`python -m access.links mint`: a signed campaign link from the terminal, read back the way the app reads it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from access.links import PREVIOUS_SECRETS_ENV, SECRET_ENV, LinkPayload, main, parse_link
from ui import resources
from ui.attribution import read_link

ROOT = Path(__file__).resolve().parents[1]
SECRET = "cli-test-link-secret-0123456789"
OLD_SECRET = "cli-test-old-secret-9876543210"
BASE = "https://radar.example.com/careers"
QUESTIONNAIRES = {"strategic-candidate"}
RECRUITERS = {"dana-whitfield", "priya-raman"}


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command as a recruiter types it; an empty secrets file keeps a developer's own secrets.toml out."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CAREER_RADAR_")}
    return subprocess.run(
        [sys.executable, "-m", "access.links", *args, "--secrets-file", os.devnull],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, **(env or {})},
    )


def app_reads(url: str, monkeypatch: pytest.MonkeyPatch, secrets: str = SECRET, previous: str = "") -> object:
    """What the quiz makes of the URL: the app's own secret lookup and its one link reader."""
    monkeypatch.setenv(SECRET_ENV, secrets)
    if previous:
        monkeypatch.setenv(PREVIOUS_SECRETS_ENV, previous)
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    return read_link(
        params,
        questionnaires=QUESTIONNAIRES,
        default_id="strategic-candidate",
        secrets=resources.link_secrets(),
        recruiters=RECRUITERS,
    )


@pytest.fixture(autouse=True)
def no_configured_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (SECRET_ENV, PREVIOUS_SECRETS_ENV, "CAREER_RADAR_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_minted_link_is_one_line_and_the_app_attributes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    done = run_cli(
        "mint", "--recruiter", "dana-whitfield", "--campaign", "VP Comms – Spring", "--role", "VP Communications",
        "--base-url", BASE, "--days", "30",
        env={SECRET_ENV: SECRET},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    url = done.stdout.strip()
    assert done.stdout == url + "\n", "only the link is printed"
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "radar.example.com", "/careers")
    outcome = app_reads(url, monkeypatch)
    assert (outcome.recruiter_id, outcome.campaign, outcome.role, outcome.questionnaire_id, outcome.notice) == (
        "dana-whitfield",
        "vp-comms-spring",
        "VP Communications",
        "strategic-candidate",
        None,
    )
    payload = parse_link(parse_qs(parts.query)["c"][0], [SECRET], questionnaires=QUESTIONNAIRES, recruiters=RECRUITERS)
    assert isinstance(payload, LinkPayload) and payload.expires is not None
    last_day = datetime.now(UTC).date() + timedelta(days=30)
    assert payload.expires == datetime(last_day.year, last_day.month, last_day.day, 23, 59, 59, tzinfo=UTC)


def test_a_link_signed_with_another_secret_or_edited_is_not_attributed(monkeypatch: pytest.MonkeyPatch) -> None:
    done = run_cli("mint", "--recruiter", "dana-whitfield", "--campaign", "spring", "--base-url", BASE,
                   env={SECRET_ENV: SECRET})  # fmt: skip
    url = done.stdout.strip()
    assert app_reads(url, monkeypatch, secrets="a-different-secret-0123456789").recruiter_id is None
    edited = url.replace("c=eyJ", "c=eyK")
    assert edited != url
    outcome = app_reads(edited, monkeypatch)
    assert outcome.recruiter_id is None and outcome.notice


def test_rotation_a_link_from_the_old_secret_still_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    done = run_cli("mint", "--recruiter", "priya-raman", "--campaign", "data-leads", "--no-expiry", "--base-url",
                   BASE, env={SECRET_ENV: OLD_SECRET})  # fmt: skip
    assert done.returncode == 0, done.stderr
    outcome = app_reads(done.stdout.strip(), monkeypatch, secrets=SECRET, previous=OLD_SECRET)
    assert (outcome.recruiter_id, outcome.campaign) == ("priya-raman", "data-leads")
    token = parse_qs(urlsplit(done.stdout.strip()).query)["c"][0]
    payload = parse_link(token, [OLD_SECRET], questionnaires=QUESTIONNAIRES, recruiters=RECRUITERS)
    assert isinstance(payload, LinkPayload) and payload.expires is None


def test_secret_and_base_url_come_from_secrets_toml_like_the_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(f'base_url = "https://from-file.example/"\n[links]\nsecret = "{SECRET}"\n')
    code = main(["mint", "--recruiter", "dana-whitfield", "--campaign", "spring", "--secrets-file", str(secrets_file)])
    assert code == 0
    url = capsys.readouterr().out.strip()
    assert url.startswith("https://from-file.example/?q=strategic-candidate&c=")
    assert app_reads(url, monkeypatch).recruiter_id == "dana-whitfield"


def test_the_environment_wins_over_secrets_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text('base_url = "https://from-file.example"\n[links]\nsecret = "file-secret-0123456789"\n')
    env = {SECRET_ENV: SECRET, "CAREER_RADAR_BASE_URL": "https://from-env.example"}
    args = ["mint", "--recruiter", "dana-whitfield", "--campaign", "spring", "--secrets-file", str(secrets_file)]
    assert main(args, environ=env) == 0
    url = capsys.readouterr().out.strip()
    assert url.startswith("https://from-env.example/?")
    token = parse_qs(urlsplit(url).query)["c"][0]
    assert isinstance(parse_link(token, [SECRET], questionnaires=QUESTIONNAIRES, recruiters=RECRUITERS), LinkPayload)
    assert not isinstance(
        parse_link(token, ["file-secret-0123456789"], questionnaires=QUESTIONNAIRES, recruiters=RECRUITERS),
        LinkPayload,
    )


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        ([], {}, SECRET_ENV),  # no secret at all: the setup help, no traceback
        ([], {SECRET_ENV: "short"}, "at least 16"),
        ([], {SECRET_ENV: SECRET, PREVIOUS_SECRETS_ENV: "old"}, "Previous link secret number 1"),
        (["--recruiter", "nobody"], {SECRET_ENV: SECRET}, "recruiter 'nobody' is not in"),
        (["--questionnaire", "nope"], {SECRET_ENV: SECRET}, "questionnaire 'nope' is not in"),
        (["--campaign", "–––"], {SECRET_ENV: SECRET}, "at least one letter or digit"),
        (["--base-url", "ftp://radar.example.com"], {SECRET_ENV: SECRET}, "must start with http:// or https://"),
        (["--base-url", ""], {SECRET_ENV: SECRET}, "--base-url"),
        (["--days", "-1"], {SECRET_ENV: SECRET}, "--days"),
        (["--role", "line one\nline two"], {SECRET_ENV: SECRET}, "can't go into a link"),
    ],
)
def test_problems_are_one_clear_error_without_a_traceback(args: list[str], env: dict[str, str], says: str) -> None:
    base = {"--recruiter": "dana-whitfield", "--campaign": "spring", "--base-url": BASE}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = [part for pair in base.items() for part in pair]
    done = run_cli("mint", *argv, env=env)
    assert done.returncode == 2, done.stdout
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") and says in done.stderr, done.stderr


def test_a_link_with_a_language_opens_the_quiz_in_it(monkeypatch: pytest.MonkeyPatch) -> None:
    done = run_cli("mint", "--recruiter", "dana-whitfield", "--campaign", "spring", "--lang", "de",
                   "--base-url", BASE, env={SECRET_ENV: SECRET})  # fmt: skip
    assert done.returncode == 0, done.stderr
    query = parse_qs(urlsplit(done.stdout.strip()).query)
    assert query["lang"] == ["de"], "the page reads ?lang= before anything else"
    payload = parse_link(query["c"][0], [SECRET], questionnaires=QUESTIONNAIRES, recruiters=RECRUITERS)
    assert isinstance(payload, LinkPayload) and payload.lang == "de"
    assert app_reads(done.stdout.strip(), monkeypatch).recruiter_id == "dana-whitfield"


def test_without_a_language_the_link_leaves_it_to_the_browser() -> None:
    done = run_cli("mint", "--recruiter", "dana-whitfield", "--campaign", "spring", "--base-url", BASE,
                   env={SECRET_ENV: SECRET})  # fmt: skip
    query = parse_qs(urlsplit(done.stdout.strip()).query)
    assert "lang" not in query
    payload = parse_link(query["c"][0], [SECRET], questionnaires=QUESTIONNAIRES, recruiters=RECRUITERS)
    assert isinstance(payload, LinkPayload) and payload.lang is None


def test_a_language_the_app_does_not_speak_is_one_clear_error() -> None:
    done = run_cli("mint", "--recruiter", "dana-whitfield", "--campaign", "spring", "--lang", "fr",
                   "--base-url", BASE, env={SECRET_ENV: SECRET})  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert "Traceback" not in done.stderr
    # argparse's wording of the choices varies a little between Python versions
    assert "argument --lang: invalid choice: 'fr' (choose from " in done.stderr, done.stderr
    assert re.search(r"choose from '?de'?, '?en'?\)", done.stderr), done.stderr


def test_the_help_names_the_languages() -> None:
    done = run_cli("mint", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "--lang {de,en}" in text and "de = Deutsch, en = English" in text and "browser" in text
