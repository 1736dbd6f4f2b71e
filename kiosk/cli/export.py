"""`kiosk export`: the period's statistics as CSV (anonymous rows), XLSX (workbook) or PDF (the
partners' report), written to --out. The period options are those of `kiosk stats`."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from kiosk import french
from kiosk.cli.common import open_database, out_arguments, out_file
from kiosk.cli.stats import add_period_arguments, period_of
from kiosk.exports import FORMATS
from kiosk.system.config import Settings


class ProgressBar:
    """A one-line bar on stderr, redrawn at most 10 times a second; only when stderr is a
    terminal (scripts and logs get nothing but the path printed at the end)."""

    def __init__(self, stream: Any = sys.stderr, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        share = done / total if total else 1.0
        filled = round(self.width * share)
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] "
                          f"{done}/{total} lignes ({french.percent(share)})")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.exports import export

    period = period_of(args, settings)
    out = out_file(args, args.format)
    bar = ProgressBar() if sys.stderr.isatty() else None
    ctx = open_database(settings)
    try:
        written = export(ctx, period, args.format, out, commune=args.commune, progress=bar,
                         replace=args.force)
    finally:
        if bar is not None:
            bar.close()
        ctx.dispose()
    print(written)
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="exporter une période : csv (lignes anonymes), xlsx, pdf (rapport)")
    add_period_arguments(p)
    p.add_argument("--format", required=True, choices=FORMATS, help="csv, xlsx ou pdf")
    out_arguments(p, "fichier à écrire (extension .csv, .xlsx ou .pdf selon le format)")
    p.set_defaults(run=cmd_export)
