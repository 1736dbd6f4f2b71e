"""The periods the statistics are asked for: a month, a quarter, a year or two chosen days; the
period before and the same period a year earlier; the dates the command line and the console
accept."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from kiosk import french
from kiosk.errors import KioskError

DATE_HELP = "AAAA-MM-JJ ou jj/mm/aaaa"
# The bus's calendar: the years a holiday list, a history and a report make sense for. Outside
# it a date is a slip (0001 for 2001) or a probe: year 1 broke Period.previous() (there is no
# year 0: a traceback), and seed-history wrote a history in the first century.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
OUTSIDE_CALENDAR = f"année hors du calendrier du bus ({FIRST_DAY.year} à {LAST_DAY.year})"


class BadDate(KioskError):
    """A date, month, quarter or year that is not one, or outside the bus's calendar. The
    message names the option; `detail` says what is wrong without it (argparse names it)."""

    def __init__(self, option: str, text: str, detail: str) -> None:
        super().__init__(f"{option} {text} : {detail}.")
        self.text = text
        self.detail = detail


def in_calendar(year: int) -> bool:
    return FIRST_DAY.year <= year <= LAST_DAY.year


def parse_day(text: str, option: str = "--from") -> dt.date:
    """A date typed by a person: 2026-07-01 or 01/07/2026, in the bus's calendar. A bad one
    names its option."""
    value = text.strip()
    match = (re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
             or re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value))
    if match is not None:
        parts = [int(p) for p in match.groups()]
        year, month, day = parts if len(match.group(1)) == 4 else parts[::-1]
        try:
            found = dt.date(year, month, day)
        except ValueError:
            pass
        else:
            if not in_calendar(found.year):
                raise BadDate(option, text, OUTSIDE_CALENDAR)
            return found
    raise BadDate(option, text, f"date invalide ({DATE_HELP})")


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` after day's month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _year_earlier(day: dt.date) -> dt.date:
    # 29 February has no twin a year earlier: take the 28th.
    return day.replace(year=day.year - 1, day=min(day.day, 28 if day.month == 2 else day.day))


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included, with the French label reports show.
    `kind` says how the period was given, so that `previous()` of a quarter is a quarter."""

    start: dt.date
    end: dt.date
    label: str
    kind: Literal["month", "quarter", "year", "days"] = "days"

    # -- constructors

    @classmethod
    def month(cls, text: str) -> Period:
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
        if match is None or not 1 <= int(match.group(2)) <= 12:
            raise BadDate("--month", text, "mois invalide (AAAA-MM, mois 01 à 12)")
        if not in_calendar(int(match.group(1))):
            raise BadDate("--month", text, OUTSIDE_CALENDAR)
        return cls.of_month(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of_month(cls, year: int, month: int) -> Period:
        start = dt.date(year, month, 1)
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        return cls(start, end, french.month_year(start), "month")

    @classmethod
    def quarter(cls, text: str) -> Period:
        match = re.fullmatch(r"(\d{4})-?[TtQq]([0-9])", text.strip())
        if match is None or not 1 <= int(match.group(2)) <= 4:
            raise BadDate("--quarter", text, "trimestre invalide (AAAA-T1 à AAAA-T4)")
        if not in_calendar(int(match.group(1))):
            raise BadDate("--quarter", text, OUTSIDE_CALENDAR)
        return cls.of_quarter(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of_quarter(cls, year: int, quarter: int) -> Period:
        start = dt.date(year, 3 * quarter - 2, 1)
        end = _add_months(start, 3) - dt.timedelta(days=1)
        rank = "1er" if quarter == 1 else f"{quarter}e"
        return cls(start, end, f"{rank} trimestre {year}", "quarter")

    @classmethod
    def year(cls, text: str) -> Period:
        match = re.fullmatch(r"(\d{4})", text.strip())
        if match is None:
            raise BadDate("--year", text, "année invalide (AAAA)")
        if not in_calendar(int(match.group(1))):
            raise BadDate("--year", text, OUTSIDE_CALENDAR)
        return cls.of_year(int(match.group(1)))

    @classmethod
    def of_year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), f"année {year}", "year")

    @classmethod
    def between(cls, start: dt.date, end: dt.date) -> Period:
        if start > end:
            raise KioskError(f"Le premier jour ({french.short_date(start)}) est après le dernier "
                             f"({french.short_date(end)}) : la période est vide.")
        if start == end:
            text = f"le {french.short_date(start)}"
        else:
            text = f"du {french.short_date(start)} au {french.short_date(end)}"
        return cls(start, end, text, "days")

    # -- neighbours

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same kind just before: previous month, quarter, year, or the same
        number of days."""
        if self.kind == "month":
            before = _add_months(self.start, -1)
            return Period.of_month(before.year, before.month)
        if self.kind == "quarter":
            before = _add_months(self.start, -3)
            return Period.of_quarter(before.year, (before.month - 1) // 3 + 1)
        if self.kind == "year":
            return Period.of_year(self.start.year - 1)
        end = self.start - dt.timedelta(days=1)
        return Period.between(end - dt.timedelta(days=self.days - 1), end)

    def year_before(self) -> Period:
        """The same period one year earlier (N-1)."""
        if self.kind == "month":
            return Period.of_month(self.start.year - 1, self.start.month)
        if self.kind == "quarter":
            return Period.of_quarter(self.start.year - 1, (self.start.month - 1) // 3 + 1)
        if self.kind == "year":
            return Period.of_year(self.start.year - 1)
        return Period.between(_year_earlier(self.start), _year_earlier(self.end))

    def as_json(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "label": self.label}


def period_from_options(*, month: Period | None = None, quarter: Period | None = None,
                        year: Period | None = None, start: dt.date | None = None,
                        end: dt.date | None = None, today: dt.date) -> Period:
    """The period given on a command line, its options already read (Period.month, parse_day:
    the argparse types of kiosk/cli/common.py): exactly one of --month, --quarter, --year or
    --from [--to] (--to defaults to today). Errors name the options."""
    given = [name for name, value in (("--month", month), ("--quarter", quarter),
                                      ("--year", year), ("--from", start)) if value is not None]
    if end is not None and start is None:
        raise KioskError("--to sans --from : donnez aussi le premier jour (--from).")
    if len(given) > 1 or (end is not None and len(given) > 1):
        raise KioskError(f"{' et '.join(given)} : une seule façon de donner la période.")
    for given_period in (month, quarter, year):
        if given_period is not None:
            return given_period
    if start is not None:
        first = start
        last = end if end is not None else today
        if first > last:  # said with the command line's words
            raise KioskError(f"--from {first:%Y-%m-%d} est après --to {last:%Y-%m-%d} : "
                             "la période est vide.")
        return Period.between(first, last)
    raise KioskError("Période manquante : --month, --quarter, --year ou --from/--to.")
