"""Which text can be stored: one rule for every backend, checked before anything is written.

SQLite would store almost anything, PostgreSQL refuses a NUL byte in a text column, and neither
driver can encode a lone surrogate (half of a UTF-16 pair, which Python strings can hold). So the
same text must be refused everywhere, with a message a candidate can act on, rather than fail deep
in one driver. The rules:

* no control characters (NUL, escape, the C1 range, …) — except line breaks (``\\n``, ``\\r``) and
  tab in multi-line free text;
* no lone surrogates;
* single-line values (names, e-mail addresses, attribution) hold no line breaks at all, including
  Unicode's line and paragraph separators, so they cannot break out of a heading or a CSV cell.

The store enforces this (``scoring.engine.check_answers`` for answers, the contact check for
names), so the API path is covered; the UI calls the same function to explain the problem early.
"""

from __future__ import annotations

import unicodedata

import i18n

MULTILINE_ALLOWED = frozenset("\n\r\t")
LINE_SEPARATORS = frozenset("\n\r\u2028\u2029\x0b\x0c\x85")


def text_problem(text: str, *, multiline: bool, lang: str = "en") -> str | None:
    """Why this text cannot be stored, as a short phrase ("contains …") in ``lang``; None when it can be."""
    _ = i18n.translator(lang)
    for ch in text:
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            return _("contains an invalid character (a lone surrogate, {code})").format(code=f"U+{code:04X}")
        if not multiline and ch in LINE_SEPARATORS:
            return _("must be on a single line (it contains a line break)")
        if unicodedata.category(ch) == "Cc" and not (multiline and ch in MULTILINE_ALLOWED):
            return _("contains an invisible control character ({code}) that cannot be saved").format(
                code=f"U+{code:04X}"
            )
    return None


def storable(text: str, *, multiline: bool) -> bool:
    """True when ``text_problem`` finds nothing."""
    return text_problem(text, multiline=multiline) is None
