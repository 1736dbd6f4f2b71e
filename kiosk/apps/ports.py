"""What the screens may ask of the core, as Protocols: the kiosk (KioskPort, served by
apps.visitor.VisitorService) and the staff console (ConsolePort, served by
apps.console.StaffService). screens/ types its Apps against these, so mypy checks every call a
screen makes, and a screen never needs the classes that hold the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from kiosk.apps.console import Checks, OpenChoices, StopChoice
    from kiosk.apps.visitor import Board, PhoneQr
    from kiosk.content.catalogue import Catalogue, Procedure
    from kiosk.content.panels import Panel
    from kiosk.core import services, staff, views
    from kiosk.core.services import (
        DemandeInput,
        StopoverClosed,
        StopoverInfo,
        TicketCalled,
        TicketChanged,
        TicketIssued,
    )
    from kiosk.core.views import Passage, StaffBoard
    from kiosk.output import documents
    from kiosk.output.printing import PrintOutcome
    from kiosk.reports.periods import Period
    from kiosk.system import usbkeys
    from kiosk.system.dbtrouble import Trouble


class KioskPort(Protocol):
    """The visitor kiosk."""

    def catalogue(self) -> Catalogue:
        ...

    def revision(self) -> int:
        ...

    def board(self) -> Board:
        ...

    def take(self, procedure_id: str, priority: bool, language: str = "fr") -> TicketIssued:
        ...

    def withdraw(self, number: int, stopover_id: int) -> TicketChanged:
        ...

    def slip(self, number: int | None, language: str = "fr") -> documents.Slip:
        ...

    def print_checklist(self, procedure_id: str, number: int | None,
                        language: str = "fr") -> PrintOutcome:
        ...

    def bus_communes(self) -> tuple[tuple[str, str], ...]:
        ...

    def bus_passages(self, commune_insee: str, limit: int = 3) -> tuple[Passage, ...]:
        ...

    def passage_qr(self, passage: Passage) -> tuple[tuple[bool, ...], ...]:
        ...

    def print_passages(self, commune_insee: str, commune_name: str) -> PrintOutcome:
        ...

    def report_problem(self, device: str, message: str) -> None:
        ...

    def report_working(self, device: str) -> None:
        ...

    def warm_up(self) -> None:
        ...

    def phone_qr(self, procedure_id: str, number: int | None, language: str = "fr") -> PhoneQr:
        ...

    def panels(self) -> tuple[Panel, ...]:
        ...

    def feedback(self, answer: str) -> bool:
        ...


class ConsolePort(Protocol):
    """The staff console."""

    def catalogue(self) -> Catalogue:
        ...

    def revision(self) -> int:
        ...

    def now(self) -> dt.datetime:
        ...

    def board(self) -> StaffBoard:
        ...

    def trouble(self, exc: BaseException) -> Trouble:
        ...

    def catalogue_problem(self) -> str | None:
        ...

    def still_seated(self, staff_id: int, desk: int | None) -> str | None:
        ...

    def stale_procedures(self) -> tuple[Procedure, ...]:
        ...

    def planned_today(self) -> Passage | None:
        ...

    def stops(self) -> tuple[StopChoice, ...]:
        ...

    def members(self) -> tuple[staff.StaffMember, ...]:
        ...

    def communes(self) -> tuple[tuple[str, str], ...]:
        ...

    def login(self, staff_id: int, pin: str, desk: int | None) -> staff.StaffLogin:
        ...

    def logout(self, staff_id: int, desk: int) -> None:
        ...

    def call_next(self, desk: int, staff_id: int) -> TicketCalled:
        ...

    def call_number(self, desk: int, number: int, staff_id: int) -> TicketCalled:
        ...

    def recall(self, number: int, staff_id: int) -> TicketCalled:
        ...

    def start(self, number: int, staff_id: int) -> services.TicketChanged:
        ...

    def put_back(self, number: int, staff_id: int) -> services.TicketChanged:
        ...

    def absent(self, number: int, staff_id: int) -> services.TicketChanged:
        ...

    def cancel(self, number: int, staff_id: int) -> services.TicketChanged:
        ...

    def undo_absent(self, number: int, staff_id: int) -> services.TicketChanged:
        ...

    def undo_cancel(self, number: int, staff_id: int) -> services.TicketChanged:
        ...

    def transfer(self, number: int, desk: int, staff_id: int) -> TicketCalled:
        ...

    def new_ticket(self, procedure_id: str, priority: bool) -> TicketIssued:
        ...

    def print_slip(self, procedure_id: str, number: int) -> PrintOutcome:
        ...

    def use_return_pass(self, code: str, staff_id: int) -> TicketIssued:
        ...

    def print_return_passes(self, stopover_id: int) -> PrintOutcome:
        ...

    def finish(self, number: int, demandes: Sequence[DemandeInput], age_band: str | None,
               gender: str | None, staff_id: int,
               residence: str | None = None) -> services.VisitFinished:
        ...

    def set_desk(self, desk: int, status: str, staff_id: int) -> str:
        ...

    def open_stopover(self, stop_id: str, half: str | None = None,
                      reopen: bool = False) -> StopoverInfo:
        ...

    def close_stopover(self) -> StopoverClosed:
        ...

    def backup_reminder(self, staff_id: int) -> str | None:
        ...

    def period(self, choice: str, start: dt.date | None = None,
               end: dt.date | None = None) -> Period:
        ...

    def statistics(self, staff_id: int, period: Period,
                   commune: str | None = None) -> dict[str, Any]:
        ...

    def stop_review(self, staff_id: int, period: Period) -> list[dict[str, Any]]:
        ...

    def export_folders(self, staff_id: int) -> tuple[usbkeys.ExportFolder, ...]:
        ...

    def export(self, staff_id: int, period: Period, fmt: str, folder: Path,
               progress: Callable[..., Any] | None = None,
               report: dict[str, Any] | None = None) -> Path:
        ...

    def open_choices(self) -> OpenChoices:
        ...

    def undo_open_stopover(self, stopover_id: int, staff_id: int | None) -> StopoverInfo:
        ...

    def closing_check(self) -> views.ClosingCheck:
        ...

    def stopover_summary(self, stopover_id: int | None = None) -> views.StopoverSummary | None:
        ...

    def print_summary(self, stopover_id: int, fmt: str) -> PrintOutcome:
        ...

    def team(self, staff_id: int) -> tuple[staff.StaffMember, ...]:
        ...

    def add_member(self, staff_id: int, name: str, role: str, pin: str,
                   pin_again: str) -> staff.StaffMember:
        ...

    def disable_member(self, staff_id: int, member_id: int) -> staff.StaffMember:
        ...

    def enable_member(self, staff_id: int, member_id: int) -> staff.StaffMember:
        ...

    def set_member_pin(self, staff_id: int, member_id: int, pin: str,
                       pin_again: str) -> staff.StaffMember:
        ...

    def run_checks(self, staff_id: int) -> Checks:
        ...
