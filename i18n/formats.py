"""Numbers and dates as a reader of one language expects them (Babel), English exactly as before.

English keeps the formats the reports have always printed ("4 March 2025", "1,200", "37.5"), so no
English output changes; other languages use Babel's CLDR data (German: "4. März 2025", "1.200", "37,5").
Whole-number scores ("62") read the same in every language and are not formatted here. Exports meant for
a program or a spreadsheet (CSV and JSON values) keep plain machine-readable numbers whatever the language.
"""

from __future__ import annotations

from datetime import date

import i18n


def _locale(lang: str | None) -> str:
    return i18n.supported(lang) or i18n.DEFAULT


def decimal(value: float, lang: str | None = "en") -> str:
    """A band edge or similar value: "37.5" / "40" in English (``:g``), "37,5" / "40" in German."""
    code = _locale(lang)
    if code == i18n.DEFAULT:
        return f"{value:g}"
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=code))


def integer(value: int, lang: str | None = "en") -> str:
    """A count with digit grouping: "1,200" in English, "1.200" in German."""
    code = _locale(lang)
    if code == i18n.DEFAULT:
        return f"{value:,}"
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=code))


def long_date(day: date, lang: str | None = "en") -> str:
    """A date written out: "4 March 2025" in English, "4. März 2025" in German."""
    code = _locale(lang)
    if code == i18n.DEFAULT:
        return day.strftime("%d %B %Y").lstrip("0")
    from babel.dates import format_date

    return str(format_date(day, format="long", locale=code))


def short_date(day: date, lang: str | None = "en") -> str:
    """A compact date: "04 Mar 2025" in English, "04.03.2025" in German."""
    code = _locale(lang)
    if code == i18n.DEFAULT:
        return f"{day:%d %b %Y}"
    from babel.dates import format_date

    return str(format_date(day, format="medium", locale=code))
