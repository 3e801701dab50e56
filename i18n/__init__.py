"""Languages: which one a page speaks, and its strings translated through gettext catalogues (Babel).

Catalogues are the ``.po`` files under ``i18n/locale/<lang>/LC_MESSAGES/<domain>.po``, one per domain:

* ``ui`` — the Streamlit pages (``ui/``, ``app.py``), marked ``t("…")`` / ``tn("…", "…", n)`` (``ui.lang``);
* ``reports`` — what the pure packages write for a person to read (PDF, exports, debrief, brief, prep,
  charts, interpretation notes), marked ``_("…")`` / ``ngettext(…)`` on a translator from ``translator``.

They are compiled in memory when first used (no ``.mo`` file to go stale), untranslated and fuzzy entries
fall back to the English text, and ``tests/test_i18n.py`` checks that every marked string has a German
entry. Write messages with named placeholders (``"{score} of 100"``) and ``.format`` them after
translation: an f-string cannot be looked up. The questionnaire text itself is not here: each language
has its own YAML file (``questions/<id>.<lang>.yaml``).
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Callable
from functools import cache
from io import BytesIO
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT = "en"
# Languages the app speaks, by code, each named in its own language (how a language picker shows them).
LANGUAGES: dict[str, str] = {"en": "English", "de": "Deutsch"}
DOMAINS = ("ui", "reports")

Translate = Callable[[str], str]


def supported(tag: object) -> str | None:
    """The supported language a tag asks for (``de``, ``de-DE``, ``de_AT``, ``DE`` → ``de``), or None."""
    if not isinstance(tag, str):
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def negotiate(query: object = None, browser: object = None, link: object = None) -> str:
    """The page's language: ``?lang=`` first, then the browser's locale, then the link's setting, else English.

    Each source counts only when it names a supported language, so ``?lang=xx`` or a ``ja-JP`` browser
    falls through to the next source rather than to English.
    """
    for tag in (query, browser, link):
        lang = supported(tag)
        if lang:
            return lang
    return DEFAULT


@cache
def translations(lang: str, domain: str) -> _gettext.NullTranslations:
    """The compiled catalogue of one language and domain (English and missing catalogues translate to themselves)."""
    if domain not in DOMAINS:
        raise ValueError(f"unknown translation domain {domain!r}")
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    if lang == DEFAULT or not path.is_file():
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=domain)
    buffer = BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, so they fall back to English
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def translator(lang: str | None, domain: str = "reports") -> Translate:
    """A ``gettext`` for one language, to bind as ``_`` where strings are written for a person to read."""
    return translations(supported(lang) or DEFAULT, domain).gettext


def ntranslator(lang: str | None, domain: str = "reports") -> Callable[[str, str, int], str]:
    """A ``ngettext`` (singular, plural, n) for one language."""
    return translations(supported(lang) or DEFAULT, domain).ngettext
