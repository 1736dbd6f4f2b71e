"""French dates and numbers, from one place: Babel's CLDR data for fr_FR.

Everything the kiosk, the console, the checklists and the exports show as a date, a month or a
number goes through here, so that "1er décembre", "novembre 2026" and "1 234,5" read the same
everywhere. CLDR has no ordinal day ("1er"): that single French rule is kept by hand.

Numbers use the narrow no-break space (U+202F) between thousands, as CLDR gives it for French
(the DejaVu fonts of the PDFs have the glyph); percentages use a no-break space before "%".
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel.dates import get_day_names, get_month_names
from babel.numbers import format_decimal

from kiosk.vocabulary import HALVES

LOCALE = "fr_FR"
THOUSANDS = "\u202f"  # what CLDR puts between thousands in French
NBSP = "\u00a0"


@lru_cache(maxsize=1)
def weekday_names() -> tuple[str, ...]:
    """("lundi", …, "dimanche"), Monday first like date.weekday()."""
    names = get_day_names("wide", locale=LOCALE)
    return tuple(str(names[i]) for i in range(7))


@lru_cache(maxsize=1)
def month_names() -> tuple[str, ...]:
    """("janvier", …, "décembre")."""
    names = get_month_names("wide", locale=LOCALE)
    return tuple(str(names[i]) for i in range(1, 13))


@lru_cache(maxsize=1)
def month_abbreviations() -> tuple[str, ...]:
    """("janv.", "févr.", …, "déc."): the months where a chart's axis has little room."""
    names = get_month_names("abbreviated", locale=LOCALE)
    return tuple(str(names[i]) for i in range(1, 13))


def day_number(day: int) -> str:
    """"1er" for the first of the month, else the number (the one rule CLDR does not give)."""
    return "1er" if day == 1 else str(day)


def day_and_month(day: dt.date) -> str:
    """"mardi 15 décembre", "lundi 1er février"."""
    return f"{weekday_names()[day.weekday()]} {day_number(day.day)} {month_names()[day.month - 1]}"


def day_and_date(day: dt.date) -> str:
    """"jeudi 26 novembre 2026"."""
    return f"{day_and_month(day)} {day.year}"


def long_date(day: dt.date) -> str:
    """"26 novembre 2026", "1er février 2027" (no weekday)."""
    return f"{day_number(day.day)} {month_names()[day.month - 1]} {day.year}"


def time_of_day(moment: dt.datetime | dt.time) -> str:
    """"9 h 05"."""
    return f"{moment.hour} h {moment.minute:02d}"


def date_and_time(moment: dt.datetime) -> str:
    """"jeudi 26 novembre 2026, 9 h 05"."""
    return f"{day_and_date(moment.date())}, {time_of_day(moment)}"


def passage(day: dt.date, half: str, stop_name: str) -> str:
    """"mardi 15 décembre, matin – Bourg": a planned half-day of the bus at a stop."""
    return f"{day_and_month(day)}, {HALVES.get(half, half)} – {stop_name}"


def month_year(day: dt.date) -> str:
    """"novembre 2026"."""
    return f"{month_names()[day.month - 1]} {day.year}"


def day_slash_month(day: dt.date) -> str:
    """"26/11"."""
    return f"{day.day:02d}/{day.month:02d}"


def short_date(day: dt.date) -> str:
    """"26/11/2026"."""
    return f"{day_slash_month(day)}/{day.year}"


def tiny_date(day: dt.date) -> str:
    """"26/11/26": where a label has room for nothing longer (a chart's period)."""
    return f"{day_slash_month(day)}/{day.year % 100:02d}"


def number(value: float | int, decimals: int = 0, grouping: bool = True) -> str:
    """"1 234,5" (narrow no-break space between thousands, decimal comma). With grouping=False,
    "1234,5": what a spreadsheet reads back as a number from a CSV cell."""
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")
    return str(format_decimal(value, format=pattern, locale=LOCALE, group_separator=grouping))


def percent(share: float, decimals: int = 0) -> str:
    """A fraction 0.0–1.0 as "11 %" (no-break space before the sign, as French writes it)."""
    return f"{number(share * 100, decimals)}{NBSP}%"


def signed_percent(change: float | None, decimals: int = 0) -> str:
    """A relative change (0.12 → "+12 %", -0.05 → "−5 %"); "–" when there is nothing to compare."""
    if change is None:
        return "–"
    text = percent(abs(change), decimals)
    if text.startswith("0" + NBSP) or text == percent(0.0, decimals):
        return text
    return ("+" if change > 0 else "\u2212") + text
