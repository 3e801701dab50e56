"""Staff pages in AppTest: nothing before sign-in, a recruiter sees only their own shared candidates.

A temporary SQLite store is seeded with responses from two recruiters' links, shared and not
shared; the pages are driven through the app entry point with the password form or ``at.user``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from access.accounts import hash_password
from access.links import SECRET_ENV, LinkPayload, parse_link
from reports.brief import build_brief, question_choices
from scoring.engine import score
from scoring.interpret import interpret
from scoring.loader import load
from scoring.models import Questionnaire
from scoring.sample import generate
from service import submissions
from storage import Attribution, Store
from storage.schema import sign_in_budget, sign_in_failures

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
RECRUITER_PAGE = "ui/pages/recruiter.py"
LINKS_PAGE = "ui/pages/links.py"
BANK = ROOT / "questions" / "strategic-candidate.yaml"

PASSWORD = "a long test password"
FAST_HASH = hash_password(PASSWORD, n=2**10)  # cheap parameters; same format and check as production
ACCOUNTS = {
    "dana": {"password_hash": FAST_HASH, "role": "recruiter", "recruiter_id": "dana-whitfield"},
    "priya": {"password_hash": FAST_HASH, "role": "recruiter", "recruiter_id": "priya-raman"},
    "sam": {"password_hash": FAST_HASH, "role": "coach"},
}
LINK_SECRET = "page-test-link-secret-0123456789"
NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)

# Who is in the store: (recruiter, campaign, submitted, shared, contact name).
SEED = [
    ("dana-whitfield", "spring", True, True, "Alex Dana-Shared"),
    ("dana-whitfield", "spring", True, True, "Blair Dana-Shared"),
    ("dana-whitfield", "spring", True, False, None),
    ("dana-whitfield", "spring", True, False, None),
    ("dana-whitfield", "spring", False, False, None),
    ("dana-whitfield", "autumn", True, True, ""),  # shared without contact details
    ("priya-raman", "data-leads", True, True, "Casey Priya-Shared"),
    ("priya-raman", "data-leads", True, False, None),
    (None, None, True, False, None),
]
WITH_SCORES = {"Alex Dana-Shared"}  # the only candidate who ticked "add my scores"
WANTS = "A **senior** brand role <b>soon</b>"


@pytest.fixture(scope="module")
def bank() -> Questionnaire:
    return load(BANK)


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory: pytest.TempPathFactory, bank: Questionnaire) -> Iterator[dict[str, list[str]]]:
    """One SQLite store with the SEED responses for the whole module; public ids by recruiter and sharing."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'radar.sqlite3'}"
    store = Store(url)
    answers = generate(bank, len(SEED), seed=7, straightliner_share=0, speeder_share=0)
    items = {i.id for i in bank.items()}
    ids: dict[str, list[str]] = {"dana_shared": [], "dana_private": [], "priya_shared": [], "priya_private": []}
    for n, (recruiter, campaign, submitted, shared, name) in enumerate(SEED):
        row = answers.iloc[n]
        given = {k: (int(v) if not isinstance(v, str) else v) for k, v in row.items() if k in items and _present(v)}
        started = store.start(bank, Attribution(recruiter, campaign), now=NOW + timedelta(minutes=n))
        store.save_answers(started.resume_token, given, now=NOW + timedelta(minutes=n, seconds=30))
        if submitted:
            submissions.submit(store, started.resume_token, now=NOW + timedelta(days=n, minutes=8))
        if shared:
            email = f"{name.split()[0].lower()}@example.com" if name else None
            reading = interpret(bank, score(bank, store.result(started.resume_token).answers))
            brief = build_brief(bank, reading, [question_choices(reading)[0][0]], f"{WANTS} ({n})")
            store.set_shared(
                started.resume_token,
                True,
                manage_token=started.delete_token,
                name=name or None,
                email=email,
                brief=brief,
                include_scores=name in WITH_SCORES,
            )
        if recruiter:
            who = "dana" if recruiter == "dana-whitfield" else "priya"
            ids[f"{who}_{'shared' if shared else 'private'}"].append(started.public_id)
    store.close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAREER_RADAR_DATABASE_URL", url)
        patch.delenv(SECRET_ENV, raising=False)
        yield ids


def forget_sign_in_failures() -> None:
    """Empty the sign-in limit tables (they live in the database, shared by every test of the module)."""
    with Store(os.environ["CAREER_RADAR_DATABASE_URL"]) as store, store.engine.begin() as conn:
        conn.execute(sign_in_failures.delete())
        conn.execute(sign_in_budget.delete())


@pytest.fixture
def seeded(seeded_store: dict[str, list[str]]) -> Iterator[dict[str, list[str]]]:
    """The seeded store with fresh Streamlit caches and no recorded sign-in failures."""
    st.cache_resource.clear()
    st.cache_data.clear()
    forget_sign_in_failures()
    yield seeded_store
    st.cache_resource.clear()


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value) and not pd.isna(value)


def app(secrets: dict[str, Any] | None = None, params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.secrets["accounts"] = ACCOUNTS
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def sign_in(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    fields = {t.label: t for t in at.text_input}
    fields["Username"].input(username)
    fields["Password"].input(password)
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert not at.exception, at.exception
    return at


def everything_shown(at: AppTest) -> str:
    """All text a person could read on the page, tables included."""
    parts: list[str] = []
    kinds = (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "warning",
        "error",
        "success",
        "code",
        "text",
    )
    for kind in kinds:
        parts.extend(str(el.value) for el in getattr(at, kind))
    for frame in at.dataframe:
        parts.append(frame.value.to_csv(index=False))
    parts.extend(str(e.label) for e in at.expander)
    return "\n".join(parts)


def shown_ids(at: AppTest, ids: list[str]) -> set[str]:
    text = everything_shown(at)
    return {public_id for public_id in ids if public_id[:8] in text}


# ----- before sign-in ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", [RECRUITER_PAGE, LINKS_PAGE])
def test_signed_out_staff_pages_show_a_sign_in_form_and_nothing_else(seeded: dict[str, Any], page: str) -> None:
    at = open_page(app({"links": {"secret": LINK_SECRET}}), page)
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    text = everything_shown(at)
    for secret_text in ("Dana-Shared", "Priya-Shared", "@example.com", "spring", "data-leads", "c="):
        assert secret_text not in text
    assert not at.dataframe and not at.code and not at.get("download_button") and not at.get("image")


def test_embedded_view_never_offers_sign_in(seeded: dict[str, Any]) -> None:
    at = AppTest.from_file(str(ROOT / RECRUITER_PAGE), default_timeout=30)
    at.secrets["accounts"] = ACCOUNTS
    at.context["is_embedded"] = True  # what ?embed=true sets; Streamlit hides "embed" from st.query_params
    at.run()
    assert not at.exception
    assert not at.text_input and not at.button
    assert "own browser tab" in everything_shown(at)


def test_staff_pages_are_not_offered_to_candidates_arriving_by_link(seeded: dict[str, Any]) -> None:
    at = app()
    at.context["is_embedded"] = True
    at.run()
    assert not at.exception
    assert "Sign in" not in [b.label for b in at.button]


# ----- the recruiter view ----------------------------------------------------------------------


def test_recruiter_sees_only_their_own_shared_candidates(seeded: dict[str, Any]) -> None:
    at = sign_in(open_page(app(), RECRUITER_PAGE), "dana")
    text = everything_shown(at)
    assert shown_ids(at, seeded["dana_shared"]) <= set(seeded["dana_shared"])
    assert "Alex Dana-Shared" in text and "Blair Dana-Shared" in text and "alex@example.com" in text
    assert f"Shared results ({len(seeded['dana_shared'])})" in text
    assert "Shared without contact details." in text
    assert not shown_ids(at, seeded["dana_private"]), "a candidate who did not share is visible"
    assert not shown_ids(at, seeded["priya_shared"] + seeded["priya_private"]), "another recruiter's candidate"
    assert "Priya-Shared" not in text and "casey@" not in text and "data-leads" not in text


def test_recruiter_sees_campaign_counts_and_a_prep_sheet(seeded: dict[str, Any]) -> None:
    at = sign_in(open_page(app(), RECRUITER_PAGE), "dana")
    counts = at.dataframe[0].value.set_index("campaign")
    assert counts.loc["spring"].tolist() == [5, 4, 2]  # started, completed, shared
    assert counts.loc["autumn"].tolist() == [1, 1, 1]
    assert set(counts.index) == {"spring", "autumn"}
    assert [e.label for e in at.expander].count("Prep sheet for your call") == len(seeded["dana_shared"])
    text = everything_shown(at)
    assert "What they want next" in text and "Questions they want to ask you" in text
    assert len(at.get("download_button")) == len(seeded["dana_shared"])
    assert len(at.text) == len(seeded["dana_shared"])  # each prep sheet, as downloaded


def test_the_recruiter_sees_scores_only_where_the_candidate_added_them(seeded: dict[str, Any]) -> None:
    at = sign_in(open_page(app(), RECRUITER_PAGE), "dana")
    assert not at.error
    # Alex ticked "add my scores": one score table besides the campaign counts, one profile line.
    assert len(at.dataframe) == 2
    assert sum("**Profile:**" in m.value for m in at.markdown) == 1
    sheets = [t.value for t in at.text]
    alex = next(x for x in sheets if "Alex Dana-Shared" in x)
    assert "/ 100" in alex and "Profile:" in alex
    others = [x for x in sheets if "Alex Dana-Shared" not in x]
    assert len(others) == 2 and all("/ 100" not in x and "Profile" not in x for x in others)
    assert all("Scores: not shared by the candidate." in x for x in others)
    text = everything_shown(at)
    assert text.count("Scores not shared: the candidate chose to share their brief only.") == 2


def test_a_recruiter_whose_candidates_shared_no_scores_sees_none(seeded: dict[str, Any]) -> None:
    at = sign_in(open_page(app(), RECRUITER_PAGE), "priya")
    assert not at.error
    text = everything_shown(at)
    assert "Casey Priya-Shared" in text and "Questions they want to ask you" in text
    assert len(at.dataframe) == 1  # the campaign counts only
    assert "/ 100" not in text and "Profile" not in text and "Strategic" not in text and "Tactical" not in text
    # The candidate's own words are shown inert (no bold, no HTML).
    assert "<b>" not in " ".join(m.value for m in at.markdown)


def test_another_recruiter_sees_only_theirs(seeded: dict[str, Any]) -> None:
    at = sign_in(open_page(app(), RECRUITER_PAGE), "priya")
    text = everything_shown(at)
    assert "Casey Priya-Shared" in text and "Dana-Shared" not in text
    assert not shown_ids(at, seeded["dana_shared"] + seeded["dana_private"] + seeded["priya_private"])
    assert set(at.dataframe[0].value["campaign"]) == {"data-leads"}


def test_coach_picks_a_recruiter(seeded: dict[str, Any]) -> None:
    at = sign_in(open_page(app(), RECRUITER_PAGE), "sam")
    picker = at.selectbox[0]
    assert picker.label == "Recruiter"
    picker.select("priya-raman").run()
    text = everything_shown(at)
    assert "Casey Priya-Shared" in text and "Dana-Shared" not in text


def test_signing_out_hides_everything_again(seeded: dict[str, Any]) -> None:
    at = sign_in(open_page(app(), RECRUITER_PAGE), "dana")
    next(b for b in at.sidebar.button if b.label == "Sign out").click().run()
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert "Dana-Shared" not in everything_shown(at)


def test_wrong_password_then_back_off(seeded: dict[str, Any]) -> None:
    at = open_page(app(), RECRUITER_PAGE)
    for _ in range(2):
        sign_in(at, "dana", "wrong password")
        assert "don't match" in everything_shown(at) and "Dana-Shared" not in everything_shown(at)
    sign_in(at, "dana", "wrong password")  # third failure: a wait is now required
    assert "wait 2 seconds" in everything_shown(at)
    sign_in(at, "DANA", PASSWORD)  # even the right password is refused while waiting
    assert "Too many failed attempts" in everything_shown(at)
    assert "Dana-Shared" not in everything_shown(at)


def test_back_off_survives_a_new_session(seeded: dict[str, Any]) -> None:
    first = open_page(app(), RECRUITER_PAGE)
    for _ in range(3):
        sign_in(first, "dana", "wrong password")
    second = sign_in(open_page(app(), RECRUITER_PAGE), "dana")  # a new tab: same server, same counter
    assert "Too many failed attempts" in everything_shown(second)


def test_an_over_long_username_is_refused_unrecorded(seeded: dict[str, Any]) -> None:
    at = open_page(app(), RECRUITER_PAGE)
    assert at.text_input[0].max_chars == 254  # the form's own bound; authenticate() refuses longer names too
    sign_in(at, "d" * 10_000)
    assert "Dana-Shared" not in everything_shown(at)
    with Store(os.environ["CAREER_RADAR_DATABASE_URL"]) as store, store.engine.connect() as conn:
        assert conn.execute(sign_in_failures.select()).first() is None


def test_password_sign_in_fails_closed_without_the_database(
    seeded: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The limits live in the database: without it, sign-in is refused rather than unlimited.
    (tmp_path / "blocker").write_text("a file where a folder should be", encoding="utf-8")
    monkeypatch.setenv("CAREER_RADAR_DATABASE_URL", f"sqlite:///{tmp_path / 'blocker' / 'db.sqlite3'}")
    at = sign_in(open_page(app(), RECRUITER_PAGE), "dana")
    assert "Sign-in is unavailable right now" in everything_shown(at)
    assert [t.label for t in at.text_input] == ["Username", "Password"]


def test_sign_in_fails_closed_when_the_limits_cannot_be_read(
    seeded: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database is there but the limit tables cannot be used: refused, never checked without limits."""
    import storage
    from storage.signin import SignInLimiter

    def locked(self: Any, key: str) -> Any:
        raise storage.StoreUnavailable("database is locked")

    monkeypatch.setattr(SignInLimiter, "reserve", locked)
    at = sign_in(open_page(app(), RECRUITER_PAGE), "dana")
    assert "Sign-in is unavailable right now" in everything_shown(at)
    assert [t.label for t in at.text_input] == ["Username", "Password"]


def test_misconfigured_accounts_block_sign_in_without_leaking(seeded: dict[str, Any]) -> None:
    at = app()
    at.secrets["accounts"] = {"dana": {"password_hash": "plaintext", "role": "recruiter"}}
    open_page(at, RECRUITER_PAGE)
    assert "misconfigured" in everything_shown(at) and "plaintext" not in everything_shown(at)
    assert not at.text_input


# ----- single sign-on --------------------------------------------------------------------------

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "id",
    "client_secret": "secret",
    "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
}
ACCESS = {"dana@whitfield-search.example": {"role": "recruiter", "recruiter_id": "dana-whitfield"}}


@pytest.mark.parametrize(
    ("user", "sees"),
    [
        ({"is_logged_in": True, "email": "Dana@Whitfield-Search.example", "email_verified": True}, True),
        ({"is_logged_in": True, "email": "dana@whitfield-search.example", "email_verified": False}, False),
        # Only a JSON true verifies: a string, a number or a missing claim does not (issue 10).
        ({"is_logged_in": True, "email": "dana@whitfield-search.example", "email_verified": "false"}, False),
        ({"is_logged_in": True, "email": "dana@whitfield-search.example", "email_verified": "true"}, False),
        ({"is_logged_in": True, "email": "dana@whitfield-search.example", "email_verified": 0}, False),
        ({"is_logged_in": True, "email": "dana@whitfield-search.example", "email_verified": 1}, False),
        ({"is_logged_in": True, "email": "dana@whitfield-search.example"}, False),  # claim missing
        (
            {"is_logged_in": True, "email": "dana@whitfield-search.example", "email_verified": True, "exp": 1_000_000},
            False,
        ),  # expired
        ({"is_logged_in": True, "email": "mallory@evil.example", "email_verified": True}, False),  # not listed
        ({"is_logged_in": False}, False),
    ],
)
def test_oidc_allowlist_decides(seeded: dict[str, Any], user: dict[str, Any], sees: bool) -> None:
    at = app({"auth": AUTH, "access": ACCESS})
    at.user = user
    open_page(at, RECRUITER_PAGE)
    text = everything_shown(at)
    assert ("Alex Dana-Shared" in text) is sees
    assert "Priya-Shared" not in text
    assert not at.text_input, "the password form must not appear when [auth] is configured"


# ----- the link builder ------------------------------------------------------------------------


def test_link_builder_refuses_without_a_secret_and_says_how(seeded: dict[str, Any]) -> None:
    at = sign_in(open_page(app(), LINKS_PAGE), "dana")
    text = everything_shown(at)
    assert SECRET_ENV in text and "[links]" in text
    assert not at.code or all("c=" not in c.value for c in at.code)
    assert not at.get("download_button")


def test_link_builder_refuses_a_short_previous_secret(seeded: dict[str, Any]) -> None:
    at = sign_in(open_page(app({"links": {"secret": LINK_SECRET, "previous": ["old"]}}), LINKS_PAGE), "dana")
    text = everything_shown(at)
    assert "Previous link secret number 1 is 3 characters" in text and "at least 16" in text
    assert not at.code or all("c=" not in c.value for c in at.code)


def test_link_builder_issues_a_link_for_the_signed_in_recruiter_only(seeded: dict[str, Any], bank) -> None:
    at = sign_in(open_page(app({"links": {"secret": LINK_SECRET}}), LINKS_PAGE), "dana")
    assert "Recruiter" not in [s.label for s in at.selectbox], "a recruiter must not attribute links to others"
    campaign = next(t for t in at.text_input if t.label == "Campaign")
    campaign.input("VP Comms – Spring").run()
    role = next(t for t in at.text_input if t.label == "Role title (optional)")
    role.input("VP Communications").run()
    assert not at.exception
    url = at.code[0].value
    token = parse_qs(urlsplit(url).query)["c"][0]
    payload = parse_link(token, [LINK_SECRET], questionnaires={bank.meta.id}, recruiters={"dana-whitfield"})
    assert isinstance(payload, LinkPayload)
    assert (payload.recruiter, payload.campaign, payload.role) == (
        "dana-whitfield",
        "vp-comms-spring",
        "VP Communications",
    )
    assert payload.expires is not None and payload.expires > datetime.now(UTC) + timedelta(days=80)
    snippet = at.code[1].value
    assert snippet.startswith("<iframe") and "embed=true" in snippet and 'height="900"' in snippet
    message = next(t for t in at.text_area)
    assert url in message.value and "Dana Whitfield" in message.value
    assert at.code[2].value == message.value
    assert len(at.get("download_button")) == 1 and len(at.get("image")) == 1


def test_coach_builds_a_link_for_a_chosen_recruiter(seeded: dict[str, Any], bank: Questionnaire) -> None:
    at = sign_in(open_page(app({"links": {"secret": LINK_SECRET}}), LINKS_PAGE), "sam")
    at.selectbox(key="cr_acting_recruiter").select("priya-raman").run()
    at.checkbox[0].check().run()  # never expires
    token = parse_qs(urlsplit(at.code[0].value).query)["c"][0]
    payload = parse_link(token, [LINK_SECRET], questionnaires={bank.meta.id}, recruiters={"priya-raman"})
    assert isinstance(payload, LinkPayload) and payload.recruiter == "priya-raman" and payload.expires is None
    assert "Priya Raman" in at.text_area[0].value


# ----- the address links point at ------------------------------------------------------------------


def link_builder_url(at: AppTest) -> str:
    at = sign_in(open_page(at, LINKS_PAGE), "dana")
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at.code[0].value


def test_campaign_links_use_the_address_the_app_is_served_at(
    seeded: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CAREER_RADAR_BASE_URL", raising=False)
    at = app({"links": {"secret": LINK_SECRET}})
    at.context["url"] = "http://radar.internal:9000/links"  # the browser's address on the link builder page
    url = link_builder_url(at)
    assert url.startswith("http://radar.internal:9000/?q=strategic-candidate&c="), url


def test_campaign_links_under_a_path_prefix_keep_the_prefix(
    seeded: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CAREER_RADAR_BASE_URL", raising=False)
    at = app({"links": {"secret": LINK_SECRET}})
    at.context["url"] = "https://example.com/careers/radar/links"
    assert link_builder_url(at).startswith("https://example.com/careers/radar?q=strategic-candidate&c=")


def test_a_configured_public_address_wins_over_the_browsers(
    seeded: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CAREER_RADAR_BASE_URL", raising=False)
    at = app({"links": {"secret": LINK_SECRET}, "base_url": "https://radar.example.com/"})
    at.context["url"] = "http://10.0.0.11:8501/links"  # a replica's own address behind the proxy
    assert link_builder_url(at).startswith("https://radar.example.com/?q=strategic-candidate&c=")


def test_private_result_links_and_campaign_links_share_one_address(monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import resources, results

    monkeypatch.delenv("CAREER_RADAR_BASE_URL", raising=False)
    assert resources.app_url() == resources.DEFAULT_BASE_URL  # no request, nothing configured
    assert results.private_url("r", "tok") == f"{resources.DEFAULT_BASE_URL}/?r=tok"
    monkeypatch.setenv("CAREER_RADAR_BASE_URL", " https://radar.example.com/ ")
    assert resources.app_url() == "https://radar.example.com"
    assert results.private_url("r", "tok") == "https://radar.example.com/?r=tok"
    assert results.manage_url("r1", "d1") == "https://radar.example.com/?r=r1&d=d1"


# ----- languages: the link's quiz language, and staff pages in German ----------------------------------


def speak(at: AppTest, lang: str) -> AppTest:
    """Make the session's pages speak ``lang``: the browser's locale (what ui.lang.settle reads) and the
    session's language itself (what ui.lang.current reads), so the test holds however the app settles it."""
    from ui.lang import LANG

    at.context["locale"] = {"de": "de-DE", "en": "en-GB"}[lang]
    at.session_state[LANG] = lang
    return at


def link_parts(at: AppTest) -> tuple[dict[str, list[str]], LinkPayload]:
    url = at.code[0].value
    query = parse_qs(urlsplit(url).query)
    payload = parse_link(
        query["c"][0], [LINK_SECRET], questionnaires={"strategic-candidate"}, recruiters={"dana-whitfield"}
    )
    assert isinstance(payload, LinkPayload), payload
    return query, payload


@pytest.fixture
def english_only_bank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A questions/ folder with the English bank alone (whatever translations the real folder has)."""
    from ui import resources

    folder = tmp_path / "questions"
    folder.mkdir()
    (folder / BANK.name).write_text(BANK.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(resources, "QUESTIONS_DIR", folder)
    st.cache_resource.clear()
    return folder


def test_link_builder_leaves_the_language_to_the_browser_by_default(seeded: dict[str, Any]) -> None:
    at = sign_in(open_page(app({"links": {"secret": LINK_SECRET}}), LINKS_PAGE), "dana")
    choice = at.selectbox(key="cr_link_lang")
    assert choice.label == "Language of the quiz"
    assert choice.options == ["Automatic: the candidate's browser language", "English", "German (Deutsch)"]
    assert choice.value is None
    query, payload = link_parts(at)
    assert "lang" not in query and payload.lang is None
    assert "lang=" not in at.code[1].value


def test_link_builder_fixes_the_quiz_language_in_link_embed_and_message(
    seeded: dict[str, Any], english_only_bank: Path
) -> None:
    at = sign_in(open_page(app({"links": {"secret": LINK_SECRET}}), LINKS_PAGE), "dana")
    at.selectbox(key="cr_link_lang").select("de").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    query, payload = link_parts(at)
    assert query["lang"] == ["de"] and payload.lang == "de"
    snippet = at.code[1].value
    embed_query = parse_qs(urlsplit(snippet.split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")).query)
    assert embed_query["lang"] == ["de"] and embed_query["c"] == query["c"] and embed_query["embed"] == ["true"]
    assert at.code[0].value in at.text_area[0].value, "the outreach message carries the new link"
    # Only the English bank is in the folder: the recruiter is told the questions will not be German.
    notes = [c.value for c in at.caption]
    assert "This questionnaire has no German version yet: its questions will show in English." in notes
    at.selectbox(key="cr_link_lang").select("en").run()
    query, payload = link_parts(at)
    assert query["lang"] == ["en"] and payload.lang == "en"
    assert not any("version yet" in c.value for c in at.caption)


def test_link_builder_says_nothing_when_the_questionnaire_is_translated(
    seeded: dict[str, Any], english_only_bank: Path
) -> None:
    # A stand-in German file: the same bank, declared German (the check is about which files exist).
    text = BANK.read_text(encoding="utf-8").replace("  language: en\n", "  language: de\n", 1)
    assert "language: de" in text
    (english_only_bank / "strategic-candidate.de.yaml").write_text(text, encoding="utf-8")
    at = sign_in(open_page(app({"links": {"secret": LINK_SECRET}}), LINKS_PAGE), "dana")
    at.selectbox(key="cr_link_lang").select("de").run()
    from ui import resources

    assert set(resources.library()["strategic-candidate"]) == {"en", "de"}, "the stand-in must load"
    assert link_parts(at)[1].lang == "de"
    assert not any("version yet" in c.value for c in at.caption)


def german_sign_in(at: AppTest, username: str) -> AppTest:
    fields = {t.label: t for t in at.text_input}
    assert set(fields) == {"Benutzername", "Passwort"}, list(fields)
    fields["Benutzername"].input(username)
    fields["Passwort"].input(PASSWORD)
    next(b for b in at.button if b.label == "Anmelden").click().run()
    assert not at.exception, at.exception
    return at


def test_the_link_builder_in_german(seeded: dict[str, Any]) -> None:
    at = german_sign_in(open_page(speak(app({"links": {"secret": LINK_SECRET}}), "de"), LINKS_PAGE), "dana")
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == ["Link-Generator"]
    assert [s.value for s in at.subheader] == ["Link", "Auf Ihrer Seite einbetten", "Anschreiben", "QR-Code"]
    choice = at.selectbox(key="cr_link_lang")
    assert choice.label == "Sprache des Quiz"
    assert choice.options == ["Automatisch: die Sprache des Browsers", "Englisch (English)", "Deutsch"]
    assert {t.label for t in at.text_input} == {"Kampagne", "Stellenbezeichnung (optional)"}
    until = next(c.value for c in at.caption if c.value.startswith("Gültig bis "))
    assert re.fullmatch(r"Gültig bis \d\d\.\d\d\.\d{4}, 23:59 UTC\.", until), until
    assert "Angemeldet als **dana** (recruiter)" in [c.value for c in at.sidebar.caption]
    choice.select_index(2).run()  # by position: AppTest formats a value outside the session, so in English
    assert link_parts(at)[1].lang == "de"


def test_my_candidates_in_german(seeded: dict[str, Any]) -> None:
    at = german_sign_in(open_page(speak(app(), "de"), RECRUITER_PAGE), "dana")
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == ["Meine Kandidaten"]
    assert [s.value for s in at.subheader][:2] == ["Kampagnen", "Geteilte Ergebnisse (3)"]
    captions = [c.value for c in at.caption]
    assert any(re.search(r"abgeschickt am \d\d\.\d\d\.\d{4}", c) for c in captions), captions
    assert "Ohne Kontaktdaten geteilt." in captions
    assert next(e.label for e in at.expander) == "Vorbereitungsblatt für Ihr Gespräch"
    shown = everything_shown(at)
    # The prep sheet itself is written by reports.prep (its own catalogue), so only the page's words here.
    for english in ("My candidates", "Shared results", "submitted ", "Shared without", "Prep sheet for"):
        assert english not in shown, english


def test_staff_menu_titles_follow_the_language_and_the_addresses_do_not(seeded: dict[str, Any]) -> None:
    from ui.navigation import PAGES_KEY, STAFF

    at = open_page(speak(app(), "de"), LINKS_PAGE)
    staff = at.session_state[PAGES_KEY][1]
    assert [p.title for p in staff] == ["Link-Generator", "Meine Kandidaten", "Coach-Dashboard"]
    assert [p.url_path for p in staff] == [slug for *_, slug in STAFF]
    speak(at, "en").run()
    assert not at.exception
    rebuilt = at.session_state[PAGES_KEY][1]
    assert [p.title for p in rebuilt] == [title for _, title, *_ in STAFF]
    assert [p.url_path for p in rebuilt] == [slug for *_, slug in STAFF]
