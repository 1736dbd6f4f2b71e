"""Exports of the coordinator's statistics: CSV (anonymous rows), XLSX (workbook with charts),
PDF (partners' report). Each reads `kiosk.reports.statistics` (the JSON of docs/statistics-json.md and
the anonymous rows), writes through kiosk/system/files.py (temporary name, renamed when complete,
owner-only), and reports progress on long row streams."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.core.context import Context
from kiosk.errors import KioskError
from kiosk.exports.columns import Labels, labels_from
from kiosk.reports.periods import Period
from kiosk.system.files import check_target

FORMATS = ("csv", "xlsx", "pdf")
Progress = Callable[[int, int], None]


def labels(ctx: Context) -> Labels:
    """Labels of the codes the rows hold: operators and procedures from the catalogue, commune
    names from the database (for the visitor's residence)."""
    from sqlalchemy import select

    from db.models import Commune

    catalogue = ctx.catalogue
    with ctx.read() as session:
        communes = dict(session.execute(select(Commune.insee, Commune.name)).tuples().all())
    return labels_from({o.id: o.name for o in catalogue.operators},
                       {p.id: p.title for p in catalogue.procedures}, communes)


def export(ctx: Context, period: Period, fmt: str, out: Path, commune: str | None = None,
           progress: Progress | None = None, report: dict[str, Any] | None = None, *,
           replace: bool = False) -> Path:
    """Write the period's export in `fmt` ("csv", "xlsx" or "pdf") to `out`; returns `out`.
    Bad input (format, folder, commune, period, a file already there without `replace`)
    raises KioskError before anything is written.
    `report`: the period's statistics already computed (the console's screen shows them), used
    when it is of this period and commune, so the file says what the coordinator read."""
    from kiosk.reports import statistics
    from kiosk.reports.rows import demande_rows

    if fmt not in FORMATS:
        raise KioskError(f"--format {fmt} : format inconnu (csv, xlsx ou pdf).")
    out = check_target(Path(out), replace)
    names = labels(ctx)
    # computed first for every format: it refuses an unknown commune before a file is opened,
    # and tells the CSV/XLSX writers how many rows to expect (for the progress bar)
    if report is None or not is_report_of(report, period, commune):
        report = statistics.compute(ctx, period, commune).as_json()
    if fmt == "csv":
        from kiosk.exports.csv_export import write_csv

        return write_csv(demande_rows(ctx, period, commune), out, names, progress,
                         expected_rows(report), replace=replace)
    if fmt == "xlsx":
        from kiosk.exports.xlsx import write_xlsx

        return write_xlsx(report, demande_rows(ctx, period, commune), out, names,
                          expected_rows(report), progress, replace=replace)
    from kiosk.exports.pdf_report import write_pdf

    return write_pdf(report, out, replace=replace)


def is_report_of(report: dict[str, Any], period: Period, commune: str | None) -> bool:
    shown = report.get("period", {})
    return (shown.get("from") == period.start.isoformat()
            and shown.get("to") == period.end.isoformat() and shown.get("commune") == commune)


def expected_rows(report: dict[str, object]) -> int:
    """Rows of demande_rows(): one per demande plus one per visit without demande (every served
    visit holds at least one demande; the others none)."""
    def count(key: str) -> int:
        value = report.get(key)
        return value if isinstance(value, int) else 0

    return count("demandes") + count("visits") - count("served")
