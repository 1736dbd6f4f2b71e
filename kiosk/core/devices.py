"""The devices the record keeps an eye on: a print is made, sent, and its success or failure
written for the staff console (its printer line), whoever asked for it (the kiosk, the console,
the return passes at closing)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from kiosk.core import services
from kiosk.core.context import Context
from kiosk.output.printing import Printer, PrintOutcome


def print_made(ctx: Context, printer: Printer,
                  make: Callable[[Path], tuple[Path, float | None]], title: str,
                  number: int | None = None) -> PrintOutcome:
    """Draw a PDF (`make` writes it in a temporary folder and gives its path and, for a
    receipt, its height in mm; None: the PDF's own page) and print it. A failure is logged for
    the staff console and returned, never raised; a success clears the console's printer line."""
    with tempfile.TemporaryDirectory(prefix="borne-plus-print-") as folder:
        try:
            pdf, height = make(Path(folder))
            outcome = printer.print_pdf(pdf, title, height)
        except Exception as exc:  # a broken font or a full disk must not reach the screen
            outcome = PrintOutcome(False, f"Impression impossible : {exc}", None)
    if not outcome.ok:
        services.record_device_problem(ctx, "printer", outcome.message, number)
    else:
        services.record_device_ok(ctx, "printer")
    return outcome
