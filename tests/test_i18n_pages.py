"""The candidate's pages in the session's language (AppTest, real SQLite store).

The language is settled once per run: ``?lang=``, then the browser's locale, then the campaign link's,
else English; the questionnaire is the one in that language until the attempt starts, and an attempt
keeps its language afterwards. The app serves tests/data/good/minimal.yaml and its German translation
tests/data/translated/mini.de.yaml (the same scoring key).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

import ui.attribution
import ui.lang
from access.links import LinkPayload, sign_link
from scoring.loader import load
from scoring.models import Questionnaire
from storage import Store
from tests.candidate_support import answer_page, assert_clean, button, new_app
from tests.conftest import TEST_DATA
from ui import resources
from ui.attribution import link_language

SECRET = "a-test-secret-long-enough-for-links"
ANSWERS = {"p1": 4, "p2": 2, "p3": 5, "e1": 4, "e2": 2, "s1": "listen"}


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    url = f"sqlite:///{tmp_path / 'cr.sqlite3'}"
    monkeypatch.setenv("CAREER_RADAR_DATABASE_URL", url)
    monkeypatch.setenv("CAREER_RADAR_LINK_SECRET", SECRET)
    s = Store(url)
    yield s
    s.close()
    streamlit.cache_resource.clear()


@pytest.fixture
def mini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The app's questions/ folder holds the mini questionnaire in English and in German."""
    folder = tmp_path / "questions"
    folder.mkdir()
    shutil.copy(TEST_DATA / "good" / "minimal.yaml", folder / "mini.yaml")
    shutil.copy(TEST_DATA / "translated" / "mini.de.yaml", folder / "mini.de.yaml")
    monkeypatch.setattr(resources, "QUESTIONS_DIR", folder)
    en, de = load(folder / "mini.yaml"), load(folder / "mini.de.yaml")
    assert en.scoring_key == de.scoring_key and en.content_hash != de.content_hash
    return SimpleNamespace(en=en, de=de)


def browser(monkeypatch: pytest.MonkeyPatch, locale: str | None) -> None:
    """Pretend the browser reports ``locale`` (AppTest has no browser, so ``st.context`` has none)."""
    monkeypatch.setattr(streamlit, "context", SimpleNamespace(locale=locale, url=None, is_embedded=False))


def text(at: AppTest) -> str:
    parts = [e.value for kind in (at.title, at.header, at.markdown, at.info, at.caption, at.warning) for e in kind]
    return "\n".join(str(p) for p in parts)


def page_language(at: AppTest) -> str:
    return str(at.session_state[ui.lang.LANG])


def question_labels(at: AppTest) -> list[str]:
    return [r.label for r in at.radio]


def welcome(params: dict[str, str] | None = None) -> AppTest:
    at = new_app(params)
    at.run()
    assert_clean(at)
    return at


# ----- ?lang= ---------------------------------------------------------------------------------------------


def test_english_by_default(db: Store, mini: SimpleNamespace) -> None:
    at = welcome()
    assert page_language(at) == "en"
    assert at.title[0].value == mini.en.meta.title
    assert "A self-reflection, not a screening test." in text(at)
    assert button(at, "Start")
    assert document_language(at) == ["en"]


def test_lang_de_shows_the_german_welcome(db: Store, mini: SimpleNamespace) -> None:
    at = welcome({"lang": "de"})
    assert page_language(at) == "de"
    assert at.title[0].value == mini.de.meta.title  # the questionnaire in the page's language
    shown = text(at)
    assert "**Eine Selbstreflexion, kein Auswahltest.**" in shown
    assert "**Worum es geht:** Anrufe von Recruitern · Stellen ansehen." in shown
    assert "2 Bereichen" in shown and "6 Fragen auf 2 kurzen Seiten" in shown
    assert "self-reflection" not in shown
    assert at.expander[0].label == "Was wir speichern und wer es sieht"
    assert button(at, "Starten")
    assert document_language(at) == ["de"]  # Streamlit's page says lang="en"; the app corrects it


def document_language(at: AppTest) -> list[str]:
    return re.findall(r"documentElement\.lang = '(\w+)'", "".join(h.proto.body for h in at.get("html")))


def test_a_german_quiz_end_to_end(db: Store, mini: SimpleNamespace) -> None:
    at = welcome({"lang": "de"})
    button(at, "Starten").click().run()
    assert_clean(at)
    assert at.header[0].value == "Anrufe von Recruitern"
    assert question_labels(at)[0] == mini.de.sections[0].items[0].text
    assert at.radio[0].options[0] == "Stimme gar nicht zu"
    button(at, "Weiter").click().run()  # nothing answered: the page says so, in German
    assert at.error and at.error[0].value.startswith("Bitte beantworten Sie zuerst diese Fragen:")
    answer_page(at, mini.de, ANSWERS)
    button(at, "Weiter").click().run()
    assert at.header[0].value == "Stellen ansehen"
    assert any(label.endswith("(optional)") for label in [t.label for t in at.text_area])
    answer_page(at, mini.de, ANSWERS)
    button(at, "Mein Ergebnis ansehen").click().run()
    assert_clean(at)
    shown = text(at)
    assert "Ihr Career-Radar-Ergebnis" in shown
    assert at.title[0].value.startswith("Strategisch")  # the band label from the German questionnaire
    assert [s.value for s in at.subheader][:1] == ["Bereich für Bereich"]
    assert "Der Vergleich mit anderen erscheint, sobald mindestens 30 Personen" in shown
    stored = db.responses_frame(content_hash=mini.de.content_hash)
    assert len(stored) == 1  # the response answered the German version
    assert db.responses_frame(content_hash=mini.en.content_hash).empty


def test_an_unsupported_lang_falls_back(db: Store, mini: SimpleNamespace) -> None:
    at = welcome({"lang": "xx"})
    assert page_language(at) == "en"
    assert at.title[0].value == mini.en.meta.title


# ----- the browser's locale -------------------------------------------------------------------------------


def test_the_browser_locale_is_read_from_st_context(monkeypatch: pytest.MonkeyPatch) -> None:
    browser(monkeypatch, "de-AT")
    assert ui.lang.browser_locale() == "de-AT"
    browser(monkeypatch, None)
    assert ui.lang.browser_locale() is None

    class NoContext:
        @property
        def locale(self) -> str:
            raise RuntimeError("no browser session")

    monkeypatch.setattr(streamlit, "context", NoContext())
    assert ui.lang.browser_locale() is None


def test_a_german_browser_gets_german_pages(db: Store, mini: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    browser(monkeypatch, "de-DE")
    at = welcome()
    assert page_language(at) == "de"
    assert at.title[0].value == mini.de.meta.title
    assert button(at, "Starten")


def test_lang_in_the_address_beats_the_browser(
    db: Store, mini: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser(monkeypatch, "de-DE")
    at = welcome({"lang": "en"})
    assert page_language(at) == "en"
    assert button(at, "Start")


# ----- the campaign link's language ------------------------------------------------------------------------


def campaign_link(lang: str | None = None) -> str:
    payload = LinkPayload(recruiter="dana-whitfield", campaign="spring-2027", questionnaire="mini", lang=lang)
    return sign_link(payload, SECRET)


def test_the_link_language_decides_when_nothing_else_does(
    db: Store, mini: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = welcome({"c": campaign_link("de")})
    assert page_language(at) == "de"
    assert at.title[0].value == mini.de.meta.title
    assert "Dana Whitfield sieht Ihr Ergebnis **nur, wenn Sie es am Ende teilen**." in at.expander[0].markdown[0].value
    # The browser's language comes first; an unsupported one falls through to the link.
    browser(monkeypatch, "en-GB")
    assert page_language(welcome({"c": campaign_link("de")})) == "en"
    browser(monkeypatch, "ja-JP")
    assert page_language(welcome({"c": campaign_link("de")})) == "de"


def test_a_link_without_a_language_leaves_english(db: Store, mini: SimpleNamespace) -> None:
    assert page_language(welcome({"c": campaign_link()})) == "en"


def test_an_unverified_link_decides_no_language() -> None:
    token = campaign_link("de")
    known = {"questionnaires": {"mini"}, "recruiters": {"dana-whitfield"}}
    assert link_language(token, secrets=[SECRET], **known) == "de"
    assert link_language(token[:-3] + "xyz", secrets=[SECRET], **known) is None  # tampered
    assert link_language(token, secrets=["another-secret-long-enough-for-links"], **known) is None
    assert link_language(token, secrets=[], **known) is None
    assert link_language(None, secrets=[SECRET], **known) is None


# ----- the picker -----------------------------------------------------------------------------------------


def test_the_picker_lists_languages_by_their_own_names_and_switches(db: Store, mini: SimpleNamespace) -> None:
    at = welcome()
    (picker,) = at.segmented_control
    assert picker.options == ["English", "Deutsch"]
    assert picker.value == "en"
    picker.set_value("de").run()
    assert_clean(at)
    assert at.query_params["lang"] in ("de", ["de"])
    assert page_language(at) == "de"
    assert at.title[0].value == mini.de.meta.title
    assert button(at, "Starten")
    (picker,) = at.segmented_control
    assert picker.value == "de"
    picker.set_value("en").run()
    assert button(at, "Start") and at.title[0].value == mini.en.meta.title


def test_the_picker_is_on_the_result_page(db: Store, mini: SimpleNamespace) -> None:
    at = welcome()
    walk(at, mini.en, "Start", "Next", "See my result")
    assert [s.value for s in at.subheader][:1] == ["Area by area"]
    at.segmented_control[0].set_value("de").run()
    assert_clean(at)
    assert [s.value for s in at.subheader][:1] == ["Bereich für Bereich"]  # the page's own words
    assert at.title[0].value.startswith("Strategic")  # the result's texts: the attempt's questionnaire


def walk(at: AppTest, q: Questionnaire, start: str, nxt: str, done: str) -> None:
    button(at, start).click().run()
    for index in range(len(q.sections)):
        answer_page(at, q, ANSWERS)
        button(at, done if index == len(q.sections) - 1 else nxt).click().run()
        assert_clean(at)


# ----- an attempt keeps its language ----------------------------------------------------------------------


def test_a_started_attempt_keeps_its_language(db: Store, mini: SimpleNamespace) -> None:
    at = welcome()
    button(at, "Start").click().run()
    answer_page(at, mini.en, ANSWERS)
    at.query_params["lang"] = "de"  # the page changes language mid-way (another tab, an edited address)
    at.run()
    assert_clean(at)
    assert page_language(at) == "de"
    assert at.header[0].value == "Recruiter calls"  # the questions stay as they began
    assert question_labels(at)[0] == mini.en.sections[0].items[0].text
    note = "Diese Fragen bleiben in der Sprache, in der Sie begonnen haben (English)"
    assert any(note in c.value for c in at.caption)
    button(at, "Weiter").click().run()  # the buttons speak the page's language
    answer_page(at, mini.en, ANSWERS)
    button(at, "Mein Ergebnis ansehen").click().run()
    assert_clean(at)
    assert len(db.responses_frame(content_hash=mini.en.content_hash)) == 1
    assert db.responses_frame(content_hash=mini.de.content_hash).empty


def test_a_resumed_attempt_keeps_its_language(db: Store, mini: SimpleNamespace) -> None:
    at = welcome({"lang": "de"})
    button(at, "Starten").click().run()
    answer_page(at, mini.de, ANSWERS)
    token = at.query_params["r"]
    resumed = welcome({"r": token[0] if isinstance(token, list) else token, "lang": "en"})
    assert page_language(resumed) == "en"
    assert resumed.header[0].value == "Stellen ansehen"  # where it left off, in the language it began in
    assert button(resumed, "See my result")
    assert any("These questions stay in Deutsch, the language you started in" in c.value for c in resumed.caption)


def test_no_language_note_when_the_questionnaire_has_no_translation(db: Store, tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "only-english"
    folder.mkdir()
    shutil.copy(TEST_DATA / "good" / "minimal.yaml", folder / "mini.yaml")
    monkeypatch.setattr(resources, "QUESTIONS_DIR", folder)
    at = welcome({"lang": "de"})
    assert at.title[0].value == "Mini check-in"  # no German version: the primary one, in German pages
    button(at, "Starten").click().run()
    assert_clean(at)
    assert not any("Sprache" in c.value for c in at.caption)


def test_a_failure_reading_the_link_language_leaves_the_page_working(
    db: Store, mini: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = campaign_link("de")

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("anything unforeseen while reading the link")

    monkeypatch.setattr(ui.attribution, "link_language", broken)
    at = welcome({"c": token})  # no error: the page is English and the quiz works
    assert page_language(at) == "en"
    assert button(at, "Start")


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_result_links_reopen_an_attempt_in_its_language(
    db: Store, mini: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    """A German attempt's saved links carry lang=de, so opened in an English browser the page around the German
    result is German too (not English around German text). An English attempt's links stay as they were."""
    q, de = (mini.de, True) if language == "de" else (mini.en, False)
    at = welcome({"lang": language})
    button(at, "Starten" if de else "Start").click().run()
    for index in range(len(q.sections)):
        answer_page(at, q, ANSWERS)
        last = index == len(q.sections) - 1
        label = ("Mein Ergebnis ansehen" if last else "Weiter") if de else ("See my result" if last else "Next")
        button(at, label).click().run()
    assert_clean(at)
    links = [c.value for c in at.code if "?r=" in c.value]
    assert len(links) == 2, links  # the view-only link and the private manage link
    assert all(("lang=de" in link) == de and "lang=en" not in link for link in links), links
    browser(monkeypatch, "en-US")
    for link in links:
        reopened = new_app(dict(part.split("=", 1) for part in link.split("/?", 1)[1].split("&")))
        reopened.run()
        assert_clean(reopened)
        assert page_language(reopened) == language
