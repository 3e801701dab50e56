"""Languages: negotiation, and catalogues that translate every marked string with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

import i18n

ROOT = Path(__file__).resolve().parents[1]
# Where each domain's strings are marked, and under which keywords (function name → message arguments).
SOURCES = {
    "ui": (("app.py", "ui"), {"t": None, "tn": (1, 2)}),
    "reports": (("reports", "scoring", "cohort", "access", "service"), {"_": None, "ngettext": (1, 2)}),
}
OTHER_LANGUAGES = sorted(set(i18n.LANGUAGES) - {i18n.DEFAULT})


def marked(domain: str) -> dict[str, str]:
    """Every message marked for translation in a domain's sources → where it is first marked."""
    roots, keywords = SOURCES[domain]
    found: dict[str, str] = {}
    for root in roots:
        path = ROOT / root
        for file in [path] if path.is_file() else sorted(path.rglob("*.py")):
            for line, message, _comments, _context in extract_from_file("python", str(file), keywords=keywords):
                # A plural message (tn/ngettext) is one catalogue entry, keyed by its singular.
                msgid = message[0] if isinstance(message, tuple) else message
                if msgid:
                    found.setdefault(msgid, f"{file.relative_to(ROOT)}:{line}")
    return found


def catalogue(lang: str, domain: str):  # type: ignore[no-untyped-def]
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as fh:
        return read_po(fh, locale=lang, domain=domain)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_every_marked_string_has_a_translation(lang: str, domain: str) -> None:
    cat = catalogue(lang, domain)
    missing = {
        msgid: where
        for msgid, where in marked(domain).items()
        if not (msg := cat.get(msgid))
        or msg.fuzzy
        or not (msg.string if isinstance(msg.string, str) else all(msg.string))
    }
    assert missing == {}, f"{len(missing)} strings have no {lang} translation in {domain}.po"


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_catalogues_hold_no_stale_entries(lang: str, domain: str) -> None:
    used = marked(domain)
    stale = sorted(
        str(m.id)
        for m in catalogue(lang, domain)
        if m.id and (m.id[0] if isinstance(m.id, tuple) else m.id) not in used
    )
    assert stale == []


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
@pytest.mark.parametrize("domain", i18n.DOMAINS)
def test_translations_keep_the_placeholders(lang: str, domain: str) -> None:
    wrong = []
    for m in catalogue(lang, domain):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        want = set().union(*(fields(i) for i in ids))
        wrong += [(ids[0], s) for s in strings if s and fields(s) != want]
    assert wrong == []


@pytest.mark.parametrize(
    ("query", "browser", "link", "expected"),
    [
        (None, None, None, "en"),
        ("de", "en-US", "en", "de"),  # ?lang= first
        (None, "de-DE", "en", "de"),  # then the browser
        (None, "en-GB", "de", "en"),  # a supported browser language wins over the link
        (None, "ja-JP", "de", "de"),  # an unsupported one falls through to the link
        ("xx", None, "de", "de"),  # so does an unsupported ?lang=
        ("DE", None, None, "de"),
        ("de_AT", None, None, "de"),
        ("", "", "", "en"),
        (["de"], 3, None, "en"),  # not text: ignored
    ],
)
def test_language_negotiation(query: object, browser: object, link: object, expected: str) -> None:
    assert i18n.negotiate(query, browser, link) == expected


def test_english_is_the_source_text_and_unknown_messages_fall_back() -> None:
    assert i18n.translator("en")("Anything at all") == "Anything at all"
    assert i18n.translator("de")("A message nobody translated") == "A message nobody translated"
    assert i18n.translator("xx")("Hello") == "Hello"
    with pytest.raises(ValueError, match="domain"):
        i18n.translations("de", "nope")


def test_the_catalogues_parse_and_say_their_language() -> None:
    for lang in OTHER_LANGUAGES:
        for domain in i18n.DOMAINS:
            assert catalogue(lang, domain).locale is not None
            assert re.search(
                rf"Language: {lang}", (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po").read_text("utf-8")
            )
