"""What the staff console asks of the core: plain calls returning frozen dataclasses.

The Kivy console runs these in its background worker; nothing here knows about Kivy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import french
from kiosk.content.catalogue import Catalogue, Procedure
from kiosk.core import services, staff, views
from kiosk.core.context import Context
from kiosk.core.services import DemandeInput, StopoverClosed, StopoverInfo, TicketCalled, TicketIssued
from kiosk.core.views import Passage, StaffBoard
from kiosk.errors import CoordinatorOnly, KioskError, PinMismatch, UnknownStaff
from kiosk.system import usbkeys
from kiosk.system.files import unused_name

if TYPE_CHECKING:
    from kiosk.output.printing import Printer, PrintOutcome
    from kiosk.reports.periods import Period
    from kiosk.system.dbtrouble import Trouble


@dataclass(frozen=True)
class StopChoice:
    stop_id: str
    label: str


@dataclass(frozen=True)
class OpenChoices:
    """What "Ouvrir l'escale" offers: communes with their stops, today's planned half-days,
    and the half-day the clock suggests."""

    communes: tuple[views.CommuneListing, ...]
    planned: tuple[Passage, ...]
    half: str  # morning | afternoon, from the clock
    suggested: Passage | None  # today's passage for that half (else today's first)


@dataclass(frozen=True)
class CheckLine:
    ok: bool
    text: str  # one plain French sentence or more


@dataclass(frozen=True)
class Checks:
    catalogue: CheckLine
    itinerary: CheckLine


# The periods the Statistiques screen offers, in the order of its buttons.
PERIOD_CHOICES: tuple[tuple[str, str], ...] = (
    ("this_month", "Ce mois-ci"),
    ("last_month", "Mois dernier"),
    ("this_quarter", "Ce trimestre"),
    ("last_quarter", "Trimestre dernier"),
    ("this_year", "Cette année"),
    ("dates", "Dates choisies"),
)

# What the console can export, in the order of its buttons: format → what the coordinator reads.
EXPORT_FORMATS: tuple[tuple[str, str], ...] = (
    ("xlsx", "Tableur Excel"),
    ("pdf", "PDF pour les partenaires"),
    ("csv", "CSV"),
)


def period_of(choice: str, today: dt.date, start: dt.date | None = None,
              end: dt.date | None = None) -> Period:
    """The period a button of the Statistiques screen stands for, seen from `today`
    ("dates": from `start` to `end`, both included)."""
    from kiosk.reports.periods import Period

    quarter = (today.month - 1) // 3 + 1
    if choice == "this_month":
        return Period.of_month(today.year, today.month)
    if choice == "last_month":
        before = today.replace(day=1) - dt.timedelta(days=1)
        return Period.of_month(before.year, before.month)
    if choice == "this_quarter":
        return Period.of_quarter(today.year, quarter)
    if choice == "last_quarter":
        year, quarter = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
        return Period.of_quarter(year, quarter)
    if choice == "this_year":
        return Period.of_year(today.year)
    if choice == "dates":
        if start is None or end is None:
            raise KioskError("Période : choisissez la date de début et la date de fin.")
        return Period.between(start, end)
    raise KioskError(f"Période inconnue : « {choice} ».")


def export_file_name(period: Period, fmt: str, folder: Path) -> Path:
    """`statistiques-2026-07-01-au-2026-09-30.xlsx` in `folder`, numbered rather than
    overwriting a report already there (the key may hold last quarter's copy for a partner)."""
    return unused_name(folder, f"statistiques-{period.start.isoformat()}-au-"
                               f"{period.end.isoformat()}", fmt)


class StaffService:
    def __init__(self, ctx: Context, media_roots: Iterable[Path] | None = None,
                 printer: Printer | None = None) -> None:
        self.ctx = ctx
        # where USB keys are looked for: None = KIOSK_MEDIA_ROOTS, else /media and /run/media
        self.media_roots = tuple(media_roots) if media_roots is not None else None
        self._printer = printer

    # reading
    def catalogue(self) -> Catalogue:
        return self.ctx.catalogue

    def revision(self) -> int:
        return views.queue_revision(self.ctx)

    def now(self) -> dt.datetime:
        """The bus's clock (the context's: a test fixes it, the bus runs on Martinique time)."""
        return self.ctx.now()

    def board(self) -> StaffBoard:
        return views.staff_board(self.ctx)

    def trouble(self, exc: BaseException) -> Trouble:
        """A database failure in words: the disk full, the write refused (a trigger, a
        read-only file) or the database out of reach, with libpq's reason in French."""
        from kiosk.system.dbtrouble import database_folder, trouble

        settings = self.ctx.settings
        return trouble(exc, database_folder(settings.effective_database_url, settings.data_dir))

    def catalogue_problem(self) -> str | None:
        """One line when the catalogue files on disk cannot be read and the apps run on the
        last good ones (a coordinator copied a wrong file), else when a panel file of Accueil's
        window is refused (kiosk/content/panels.py); None when all is well."""
        from kiosk.content.panels import panels_folder, panels_problem

        return (self.ctx.catalogue_problem()
                or panels_problem(panels_folder(self.ctx.settings)))

    def still_seated(self, staff_id: int, desk: int | None) -> str | None:
        """Why the console must return to its login screen (account disabled, desk taken by
        someone else), in words; None while the member still holds her desk."""
        return staff.still_seated(self.ctx, staff_id, desk)

    def stale_procedures(self) -> tuple[Procedure, ...]:
        return self.ctx.catalogue.stale(self.ctx.now().date())

    def planned_today(self) -> Passage | None:
        return views.today_stop(self.ctx)

    def stops(self) -> tuple[StopChoice, ...]:
        return tuple(StopChoice(stop_id, f"{c.name} – {name}")
                     for c in views.itinerary_listing(self.ctx, limit=0)
                     for stop_id, name in c.stops)

    def members(self) -> tuple[staff.StaffMember, ...]:
        return staff.list_staff(self.ctx)

    def communes(self) -> tuple[tuple[str, str], ...]:
        """(INSEE code, name) of the itinerary's communes, by name: the residence choices."""
        return tuple((c.insee, c.name) for c in views.itinerary_listing(self.ctx, limit=0))

    # staff
    def login(self, staff_id: int, pin: str, desk: int | None) -> staff.StaffLogin:
        return staff.login(self.ctx, staff_id, pin, desk)

    def logout(self, staff_id: int, desk: int) -> None:
        staff.logout(self.ctx, staff_id, desk)

    # the queue
    def call_next(self, desk: int, staff_id: int) -> TicketCalled:
        return services.call_next(self.ctx, desk, staff_id)

    def call_number(self, desk: int, number: int, staff_id: int) -> TicketCalled:
        return services.call_number(self.ctx, desk, number, staff_id)

    def recall(self, number: int, staff_id: int) -> TicketCalled:
        return services.recall(self.ctx, number, staff_id)

    def start(self, number: int, staff_id: int) -> services.TicketChanged:
        return services.start_service(self.ctx, number, staff_id)

    def put_back(self, number: int, staff_id: int) -> services.TicketChanged:
        return services.put_back(self.ctx, number, staff_id)

    def absent(self, number: int, staff_id: int) -> services.TicketChanged:
        return services.mark_absent(self.ctx, number, staff_id)

    def cancel(self, number: int, staff_id: int) -> services.TicketChanged:
        return services.cancel_ticket(self.ctx, number, staff_id)

    def undo_absent(self, number: int, staff_id: int) -> services.TicketChanged:
        return services.undo_absent(self.ctx, number, staff_id)

    def undo_cancel(self, number: int, staff_id: int) -> services.TicketChanged:
        return services.undo_cancel(self.ctx, number, staff_id)

    def transfer(self, number: int, desk: int, staff_id: int) -> TicketCalled:
        return services.transfer_ticket(self.ctx, number, desk, staff_id)

    def new_ticket(self, procedure_id: str, priority: bool) -> TicketIssued:
        return services.take_ticket(self.ctx, procedure_id, priority=priority, channel="console")

    def print_slip(self, procedure_id: str, number: int) -> PrintOutcome:
        """A walk-in's slip, the very one the kiosk prints (number, checklist, next passages);
        a printer failure is returned and logged for the console, never raised."""
        from kiosk.apps.visitor import VisitorService
        from kiosk.output.printing import make_printer

        if self._printer is None:
            self._printer = make_printer(self.ctx.settings)
        return VisitorService(self.ctx, printer=self._printer).print_checklist(procedure_id,
                                                                                number)

    def use_return_pass(self, code: str, staff_id: int) -> TicketIssued:
        """The visitor is back with her "Prioritaire au prochain passage" code."""
        from kiosk.core.return_passes import use_return_pass

        return use_return_pass(self.ctx, code, staff_id=staff_id, channel="console")

    def print_return_passes(self, stopover_id: int) -> PrintOutcome:
        """One tap at closing: a slip "Prioritaire au prochain passage" for each visitor left
        unserved (the same codes when printed again); a printer failure is a message."""
        from kiosk.core.return_passes import print_return_passes
        from kiosk.output.printing import make_printer

        if self._printer is None:
            self._printer = make_printer(self.ctx.settings)
        return print_return_passes(self.ctx, self._printer, stopover_id)

    def finish(self, number: int, demandes: Sequence[DemandeInput], age_band: str | None,
               gender: str | None, staff_id: int,
               residence: str | None = None) -> services.VisitFinished:
        return services.finish_visit(self.ctx, number, demandes, age_band=age_band,
                                     gender=gender, staff_id=staff_id, residence=residence)

    def set_desk(self, desk: int, status: str, staff_id: int) -> str:
        return services.set_desk_status(self.ctx, desk, status, staff_id)

    def open_stopover(self, stop_id: str, half: str | None = None,
                      reopen: bool = False) -> StopoverInfo:
        return services.open_stopover(self.ctx, stop_id, half=half, reopen=reopen)

    def close_stopover(self) -> StopoverClosed:
        from kiosk.core.backup import close_and_backup

        # the copy in <data dir>/backups follows the commit; a failure shows as a device problem
        return close_and_backup(self.ctx).closed

    # statistics: the coordinator's alone; the check is here, not only in the screen
    def _coordinator(self, staff_id: int) -> staff.StaffMember:
        member = next((m for m in staff.list_staff(self.ctx) if m.id == staff_id), None)
        if member is None or not staff.is_coordinator(member):
            raise CoordinatorOnly()
        return member

    def backup_reminder(self, staff_id: int) -> str | None:
        """For the coordinator: when the last copy on removable media is a week old or more
        (the history is her whole record); None for anyone else."""
        from kiosk.core.backup import backup_reminder

        try:
            self._coordinator(staff_id)
        except CoordinatorOnly:
            return None
        return backup_reminder(self.ctx.settings, self.ctx.now())

    def period(self, choice: str, start: dt.date | None = None,
               end: dt.date | None = None) -> Period:
        return period_of(choice, self.ctx.now().date(), start, end)

    def statistics(self, staff_id: int, period: Period,
                   commune: str | None = None) -> dict[str, Any]:
        """The statistics of a period as the JSON object of docs/statistics-json.md."""
        # imported when first asked for: the console starts without the statistics' queries,
        # nor the PDF and spreadsheet writers of the exports
        from kiosk.reports import statistics

        self._coordinator(staff_id)
        return statistics.compute(self.ctx, period, commune=commune).as_json()

    def stop_review(self, staff_id: int, period: Period) -> list[dict[str, Any]]:
        """Per stop, the attendance that steers the itinerary (`kiosk itinerary review`)."""
        from kiosk.reports.stop_review import stop_review

        self._coordinator(staff_id)
        return stop_review(self.ctx, period)[0]

    def export_folders(self, staff_id: int) -> tuple[usbkeys.ExportFolder, ...]:
        self._coordinator(staff_id)
        return usbkeys.export_folders(self.ctx.settings.data_dir, self.media_roots)

    def export(self, staff_id: int, period: Period, fmt: str, folder: Path,
               progress: Callable[..., Any] | None = None,
               report: dict[str, Any] | None = None) -> Path:
        """Write the period's report in `folder` (a new file, never one overwritten); returns
        the file's full path. `report`: the statistics the screen shows, not computed again."""
        from kiosk import exports

        self._coordinator(staff_id)
        if fmt not in dict(EXPORT_FORMATS):
            raise KioskError(f"Format d'export inconnu : « {fmt} » (csv, xlsx ou pdf).")
        if not folder.is_dir():
            raise KioskError(f"Dossier d'export introuvable : {folder} (la clé a été retirée ?).")
        return exports.export(self.ctx, period, fmt, export_file_name(period, fmt, folder),
                              progress=progress, report=report)

    # opening and closing a half-day (any member of the team)
    def open_choices(self) -> OpenChoices:
        now = self.ctx.now()
        planned = views.today_passages(self.ctx, now.date())
        half = services.half_of(now)
        suggested = next((p for p in planned if p.half == half), planned[0] if planned else None)
        return OpenChoices(views.itinerary_listing(self.ctx, limit=0), planned, half, suggested)

    def undo_open_stopover(self, stopover_id: int, staff_id: int | None) -> StopoverInfo:
        return services.undo_open_stopover(self.ctx, stopover_id, staff_id)

    def closing_check(self) -> views.ClosingCheck:
        return views.closing_check(self.ctx)

    def stopover_summary(self, stopover_id: int | None = None) -> views.StopoverSummary | None:
        """A stopover's figures; without an id, those of the last one closed (None: none yet)."""
        if stopover_id is None:
            stopover_id = views.last_closed_stopover(self.ctx)
            if stopover_id is None:
                return None
        return views.stopover_summary(self.ctx, stopover_id)

    def print_summary(self, stopover_id: int, fmt: str) -> PrintOutcome:
        """Print a half-day's summary on A4 or on the receipt printer; a failure is a message
        (and a line of the event log), never an exception."""
        from kiosk.core import halfday
        from kiosk.core.services import print_made
        from kiosk.output.printing import make_printer

        if fmt not in halfday.FORMATS:
            raise KioskError(f"Format d'impression inconnu : « {fmt} » (a4 ou receipt).")
        text = halfday.summary_text(views.stopover_summary(self.ctx, stopover_id),
                                    self.ctx.catalogue)
        printer = self._printer or make_printer(self.ctx.settings)

        def summary(folder: Path) -> tuple[Path, float | None]:
            return halfday.summary_pdf(text, folder / "bilan.pdf", fmt)

        return print_made(self.ctx, printer, summary, f"bilan-escale-{stopover_id}")

    # the team and the checks: the coordinator's alone (checked here, not only in the screen)
    def team(self, staff_id: int) -> tuple[staff.StaffMember, ...]:
        self._coordinator(staff_id)
        return staff.list_staff(self.ctx, include_disabled=True)

    def _member_name(self, member_id: int) -> str:
        member = next((m for m in staff.list_staff(self.ctx, include_disabled=True)
                       if m.id == member_id), None)
        if member is None:
            raise UnknownStaff(member_id)
        return member.name

    @staticmethod
    def _same_pins(pin: str, pin_again: str) -> str:
        staff.validate_pin(pin)
        if pin != pin_again:
            raise PinMismatch()
        return pin

    def add_member(self, staff_id: int, name: str, role: str, pin: str,
                   pin_again: str) -> staff.StaffMember:
        by = self._coordinator(staff_id)
        return staff.add_staff(self.ctx, name, role, self._same_pins(pin, pin_again), by=by)

    def disable_member(self, staff_id: int, member_id: int) -> staff.StaffMember:
        by = self._coordinator(staff_id)
        if member_id == staff_id:
            raise KioskError("Vous ne pouvez pas désactiver votre propre compte.")
        return staff.disable_staff(self.ctx, self._member_name(member_id), by=by)

    def enable_member(self, staff_id: int, member_id: int) -> staff.StaffMember:
        by = self._coordinator(staff_id)
        return staff.enable_staff(self.ctx, self._member_name(member_id), by=by)

    def set_member_pin(self, staff_id: int, member_id: int, pin: str,
                       pin_again: str) -> staff.StaffMember:
        by = self._coordinator(staff_id)
        return staff.set_pin(self.ctx, self._member_name(member_id),
                             self._same_pins(pin, pin_again), by=by)

    def run_checks(self, staff_id: int) -> Checks:
        """The catalogue and itinerary files read again from disk, as `kiosk catalogue check`
        does, said in words; an error names the file, the line when known, and the field."""
        from kiosk.content.catalogue import load_catalogue
        from kiosk.content.itinerary import load_itinerary
        from kiosk.content.planning import closures_path

        self._coordinator(staff_id)
        settings = self.ctx.settings
        try:
            catalogue = load_catalogue(settings.effective_catalogue_dir)
        except KioskError as exc:
            catalogue_line = CheckLine(False, f"Catalogue : erreur dans {exc.message}")
        else:
            stale = catalogue.stale(self.ctx.now().date())
            text = (f"Catalogue : {len(catalogue.procedures)} démarches, "
                    f"{len(catalogue.operators)} organismes, tout est valide.")
            if stale:
                names = ", ".join(f"{p.title} ({p.id}, vérifiée le "
                                  f"{french.short_date(p.verified_on)})" for p in stale
                                  if p.verified_on is not None)
                text += (f" {len(stale)} démarche{'s' if len(stale) > 1 else ''} à revérifier "
                         f"(plus de 12 mois) : {names}.")
            catalogue_line = CheckLine(True, text)
        try:
            itinerary = load_itinerary(settings.effective_itinerary_dir,
                                       closures_path(settings.data_dir))
        except KioskError as exc:
            itinerary_line = CheckLine(False, f"Itinéraire : erreur dans {exc.message}")
        else:
            stops = sum(len(c.stops) for c in itinerary.communes)
            today = self.ctx.now().date()
            ahead = [s for s in itinerary.schedule if s.day >= today]
            text = (f"Itinéraire : {len(itinerary.communes)} communes, {stops} arrêts, "
                    f"{len(itinerary.schedule)} demi-journées prévues, tout est valide.")
            text += (f" Dernière demi-journée prévue : {french.short_date(ahead[-1].day)}."
                     if ahead else
                     " Aucune demi-journée prévue à partir d'aujourd'hui : "
                     "ajoutez le planning à venir.")
            itinerary_line = CheckLine(True, text)
        return Checks(catalogue_line, itinerary_line)
