"""The CSV export: one anonymous row per demande (columns: kiosk/exports/columns.py), for French
Excel and LibreOffice.

- UTF-8 with a BOM: without it Excel mis-reads the accents. No "sep=;" first line: it makes Excel
  ignore the BOM.
- ";" between cells, decimal comma ("12,5"), dates jj/mm/aaaa, times hh:mm.
- A cell starting with = + - @, a tab or a carriage return gets a leading "'" so that a spreadsheet
  shows it as text instead of running it as a formula (CWE-1236): partner names are typed by staff.
- Streamed: rows go from the database cursor to the file one by one (constant memory).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kiosk.exports.columns import COLUMNS, Labels, row_values
from kiosk.reports.rows import DemandeRow
from kiosk.system.files import private_output

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 2000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def harmless(text: str) -> str:
    """Text a spreadsheet will not take for a formula (CWE-1236)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _text(value: Any) -> str:
    return harmless(str(value))


def _date(value: dt.date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def _time(value: dt.time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def _minutes(value: float) -> str:
    # the value already has one decimal; the same text as french.number(value, 1, grouping=False),
    # without Babel's cost on a million rows
    return f"{value:.1f}".replace(".", ",")


_FORMATTERS: dict[str, Callable[[Any], str]] = {"date": _date, "time": _time, "minutes": _minutes,
                                                 "int": str, "text": _text}


def csv_cell(value: Any, kind: str) -> str:
    return "" if value is None else _FORMATTERS[kind](value)


def write_csv(rows: Iterable[DemandeRow], out: Path, labels: Labels,
              progress: Progress | None = None, total: int = 0, *,
              replace: bool = False) -> Path:
    """Write the rows (owner-only file, renamed into place when complete); returns `out`.
    `progress(done, total)` is called every few thousand rows and at the end."""
    formatters = [_FORMATTERS[column.kind] for column in COLUMNS]
    done = 0
    with private_output(Path(out), "w", encoding="utf-8-sig", newline="",
                        replace=replace) as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow([column.name for column in COLUMNS])
        for row in rows:
            writer.writerow(["" if v is None else f(v)
                             for v, f in zip(row_values(row, labels), formatters, strict=True)])
            done += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, max(total, done))
        if progress is not None:
            progress(done, max(total, done))
    return Path(out)
