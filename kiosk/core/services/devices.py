"""The devices and desks on record: a printer, the sound or a backup failing or working again, a desk
opened or closed; a print and its outcome."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import (
    Event,
    Stopover,
)
from kiosk.core.context import Context
from kiosk.core.services.record import _acting, _bump_revision, _current_of_desk, _desk, log_event
from kiosk.errors import (
    DeskBusy,
    KioskError,
)
from kiosk.output.printing import Printer, PrintOutcome
from kiosk.vocabulary import (
    DESK_STATUSES,
)

# the devices whose failures staff see; "backup" is the copy taken after each closing
DEVICES = ("printer", "audio", "speech", "backup")


def _device_failing(session: Session, ctx: Context, device: str) -> bool:
    """Is the device's latest news today a failure (no recovery after it)?"""
    midnight = dt.datetime.combine(ctx.now().date(), dt.time())
    latest = session.scalar(
        select(Event.kind)
        .where(Event.at >= midnight,
               Event.kind.in_([f"{device}_failed", f"{device}_recovered"]))
        .order_by(Event.id.desc()).limit(1)
    )
    return latest == f"{device}_failed"


def record_device_problem(ctx: Context, device: str, message: str,
                          number: int | None = None) -> None:
    """Log a printer, sound or speech failure for the staff console (the details stay in the
    log; the console shows one line per device). Only the first failure of a run changes what
    the console shows, so only it bumps the queue revision."""
    if device not in DEVICES:
        raise KioskError(f"Appareil inconnu « {device} » ({', '.join(DEVICES)}).")
    with ctx.sessions.begin() as session:
        if not _device_failing(session, ctx, device):
            _bump_revision(session)
        stopover_id = session.scalar(select(Stopover.id).where(Stopover.closed_at.is_(None)))
        log_event(session, ctx, f"{device}_failed", stopover_id=stopover_id, number=number,
             message=message[:300])


def record_device_ok(ctx: Context, device: str) -> bool:
    """The device just worked (a slip printed, an announcement heard). If it was failing, log
    its recovery, which clears the console's line; otherwise write nothing. True if it was
    failing."""
    if device not in DEVICES:
        raise KioskError(f"Appareil inconnu « {device} » ({', '.join(DEVICES)}).")
    with ctx.sessions.begin() as session:
        if not _device_failing(session, ctx, device):
            return False
        _bump_revision(session)
        stopover_id = session.scalar(select(Stopover.id).where(Stopover.closed_at.is_(None)))
        log_event(session, ctx, f"{device}_recovered", stopover_id=stopover_id)
        return True


def set_desk_status(ctx: Context, desk_id: int, status: str,
                    staff_id: int | None = None) -> str:
    """Open, pause or close a desk; a paused desk is not counted in the wait estimate."""
    if status not in DESK_STATUSES:
        raise KioskError(f"État de poste invalide « {status} ».")
    with ctx.write() as session:
        _acting(session, staff_id, desk_id)
        desk = _desk(session, desk_id)
        current = _current_of_desk(session, desk_id)
        if status == "closed" and current is not None:
            # a closed desk holding a visitor: the visit could never be finished from it
            raise DeskBusy(desk_id, current.number)
        desk.status = status
        log_event(session, ctx, f"desk_{status}", desk_id=desk_id, staff_id=staff_id)
        return status


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
        record_device_problem(ctx, "printer", outcome.message, number)
    else:
        record_device_ok(ctx, "printer")
    return outcome
