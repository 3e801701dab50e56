"""The language of this session's pages, and ``t`` / ``tn`` to translate a page's strings into it.

``app.py`` settles the language once per run (``settle``): ``?lang=`` first, then the browser's locale
(``st.context.locale``), then the campaign link's setting, else English (``i18n.negotiate``). Pages
then call ``t("…")``; the strings are extracted by Babel under the keywords ``t`` and ``tn``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

import i18n

if TYPE_CHECKING:
    from scoring.models import Questionnaire

LANG = "cr_lang"


def current() -> str:
    """The language this session's pages speak."""
    lang = st.session_state.get(LANG)
    return lang if isinstance(lang, str) and lang in i18n.LANGUAGES else i18n.DEFAULT


def browser_locale() -> str | None:
    """The locale the visitor's browser reports (``st.context.locale``, e.g. ``de-DE``), or None."""
    try:
        locale = st.context.locale
    except Exception:  # no browser context (AppTest, scripts): no locale to read
        return None
    return locale if isinstance(locale, str) else None


def settle(link: str | None = None) -> str:
    """Pick this run's language from the address, the browser and the link (see ``i18n.negotiate``)."""
    lang = i18n.negotiate(st.query_params.get("lang"), browser_locale(), link)
    st.session_state[LANG] = lang
    return lang


def choose(lang: str) -> None:
    """Ask for ``lang`` in the address (``?lang=``), where ``settle`` finds it first from the next run on."""
    if lang in i18n.LANGUAGES:
        st.query_params["lang"] = lang


def t(message: str) -> str:
    """``message`` in the session's language (itself when there is no translation)."""
    return i18n.translations(current(), "ui").gettext(message)


def tn(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the session's language."""
    return i18n.translations(current(), "ui").ngettext(singular, plural, n)


def number(n: int) -> str:
    """A count written the page's way (``1,234`` in English, ``1.234`` in German)."""
    from babel.numbers import format_decimal

    return format_decimal(n, locale=current())


def of(q: Questionnaire) -> str:
    """The language of what is written about an attempt (result sentences, PDF, CSV): its questionnaire's.

    The questions, bands and advice come from that questionnaire's file, so our own sentences beside them
    follow it too, even when the page around them has since switched language.
    """
    return i18n.supported(q.meta.language) or current()
