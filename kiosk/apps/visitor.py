"""What the visitor kiosk asks of the core: plain calls returning frozen dataclasses.

The Kivy app runs these in its background worker; nothing here knows about Kivy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import select

from db.models import Stop, Stopover, Ticket
from kiosk.content.catalogue import Catalogue, Operator, Procedure
from kiosk.content.panels import Panel, cached_panels, panels_folder
from kiosk.core import services, views
from kiosk.core.context import Context
from kiosk.core.services import TicketChanged, TicketIssued, print_made
from kiosk.core.views import LastCall, Passage
from kiosk.errors import InvalidTransition, UnknownProcedure
from kiosk.output import documents, pdf_layout, phone, qr
from kiosk.output.printing import Printer, PrintOutcome, make_printer


class Here(NamedTuple):
    """Where the bus is today, as Accueil and the slips say it."""

    is_open: bool
    stop_name: str | None
    commune_name: str | None
    commune_insee: str | None
    next_passages: tuple[Passage, ...]


@dataclass(frozen=True)
class Board:
    """What the Accueil screen shows (the revision read first: a change made meanwhile shows at
    the next poll)."""

    revision: int
    is_open: bool
    stop_name: str | None
    commune_name: str | None
    commune_insee: str | None
    next_passages: tuple[Passage, ...]
    last_calls: tuple[LastCall, ...]


@dataclass(frozen=True)
class PhoneQr:
    """The checklist for the phone: one code, or several ("Code 1 sur 2") when it is long."""

    texts: tuple[str, ...]
    matrices: tuple[tuple[tuple[bool, ...], ...], ...]


class VisitorService:
    def __init__(self, ctx: Context, printer: Printer | None = None) -> None:
        self.ctx = ctx
        self.printer = printer or make_printer(ctx.settings)

    def catalogue(self) -> Catalogue:
        return self.ctx.catalogue

    def revision(self) -> int:
        return views.queue_revision(self.ctx)

    def _here(self) -> Here:
        """Where the bus is today (the stopover open, else the stop planned) and its next
        passages in that commune: what Accueil and every slip say of the bus."""
        stopover = views.open_stopover(self.ctx)
        now = self.ctx.now()
        today = now.date()
        if stopover is not None and stopover.left_open(now):
            stopover = None  # nobody closed it: the bus is not there today
        place: Any = stopover if stopover is not None else views.today_stop(self.ctx, today)
        insee = place.commune_insee if place is not None else None
        return Here(stopover is not None,
                    place.stop_name if place is not None else None,
                    place.commune_name if place is not None else None, insee,
                    views.next_passages(self.ctx, insee, after=today) if insee else ())

    def board(self) -> Board:
        # the revision first: a change made while the rest is read shows at the next poll
        revision = views.queue_revision(self.ctx)
        here = self._here()
        return Board(revision, here.is_open, here.stop_name, here.commune_name,
                     here.commune_insee, here.next_passages, views.last_calls(self.ctx))

    def take(self, procedure_id: str, priority: bool, language: str = "fr") -> TicketIssued:
        return services.take_ticket(self.ctx, procedure_id, priority=priority, language=language,
                                    channel="kiosk")

    def withdraw(self, number: int, stopover_id: int) -> TicketChanged:
        """"Ce n'est pas ma démarche": withdraw the ticket just taken. When it is too late (an
        animatrice already called it), nothing changes and the answer is the ticket as it is
        (state "called" and its desk), for the screen to say where she is expected."""
        try:
            return services.withdraw_ticket(self.ctx, number, stopover_id)
        except InvalidTransition:
            with self.ctx.read() as session:
                row = session.execute(
                    select(Ticket.state, Ticket.desk_id)
                    .where(Ticket.stopover_id == stopover_id, Ticket.number == number)
                ).one()
            return TicketChanged(number, row.state, row.desk_id)

    def slip(self, number: int | None, language: str = "fr") -> documents.Slip:
        """What a receipt or phone QR says of this ticket and of the bus: today's stop, next passages."""
        here = self._here()  # not the whole board: no calls, no revision
        return documents.Slip(
            number=number, printed_at=self.ctx.now(), stop_name=here.stop_name,
            commune_name=here.commune_name,
            next_passages=tuple(documents.Visit(p.day, p.half, p.stop_name, p.commune_name,
                                                p.confirmed) for p in here.next_passages),
            bus_phone=self.ctx.settings.bus_phone, calendar=self.ctx.settings.bus_calendar,
            language=language,
        )

    def _procedure(self, procedure_id: str) -> tuple[Procedure, Operator]:
        procedure = self.ctx.catalogue.procedure(procedure_id)
        if procedure is None:
            raise UnknownProcedure(procedure_id)
        operator = self.ctx.catalogue.operator(procedure.operator_id)
        assert operator is not None
        return procedure, operator

    def print_checklist(self, procedure_id: str, number: int | None,
                        language: str = "fr") -> PrintOutcome:
        """Print the receipt; a failure is logged for the staff and returned, never raised."""
        procedure, operator = self._procedure(procedure_id)

        def receipt(folder: Path) -> tuple[Path, float]:
            return documents.printed_receipt(procedure, operator, self.slip(number, language),
                                             folder / "liste.pdf")

        return print_made(self.ctx, self.printer, receipt, f"ticket-{number or 0}", number)

    # -------------------------------------------------- "Quand revient le bus ?"

    def bus_communes(self) -> tuple[tuple[str, str], ...]:
        """(INSEE code, name) of every commune of the itinerary, by name: the twelve tiles."""
        return tuple((c.insee, c.name) for c in views.itinerary_listing(self.ctx, limit=0))

    def bus_passages(self, commune_insee: str, limit: int = 3) -> tuple[Passage, ...]:
        """The next passages of the bus in a commune, today's included while it is not over."""
        from kiosk.content.planning import hours

        now = self.ctx.now()
        found = views.next_passages(self.ctx, commune_insee,
                                    after=now.date() - dt.timedelta(days=1), limit=limit + 2)
        ahead = [p for p in found if p.day > now.date() or now.time() < hours(p.half)[1]]
        return tuple(ahead[:limit])

    def passage_qr(self, passage: Passage) -> tuple[tuple[bool, ...], ...]:
        """A QR code holding the passage as a calendar event, for the phone's calendar."""
        from kiosk.exports.calendar import event_qr_text

        return qr.qr_modules(event_qr_text(passage, self.ctx.now(),
                                           timezone=self.ctx.settings.timezone))

    def print_passages(self, commune_insee: str, commune_name: str) -> PrintOutcome:
        """The next passages on a receipt; a failure is logged for the staff and returned."""
        from kiosk.exports.calendar import contact_line, passages_receipt
        from kiosk.output.printing import RECEIPT_WIDTH_MM

        def receipt(folder: Path) -> tuple[Path, float]:
            return passages_receipt(self.bus_passages(commune_insee), commune_name,
                                    contact_line(self.ctx.settings), folder / "passages.pdf",
                                    RECEIPT_WIDTH_MM)

        return print_made(self.ctx, self.printer, receipt, "passages")

    def report_problem(self, device: str, message: str) -> None:
        """A sound or speech failure, logged for the staff console."""
        services.record_device_problem(self.ctx, device, message)

    def report_working(self, device: str) -> None:
        """A sound or speech that worked: clears the console's line if it was failing."""
        services.record_device_ok(self.ctx, device)

    def warm_up(self) -> None:
        """Do once, in the background, what the first visitors would otherwise wait for: the
        receipt fonts and the QR layouts of today's checklists (~50 ms per layout size)."""
        pdf_layout.register_fonts()
        # a ticket number of one, two or three digits: the text's length may cross a QR size
        slips = [self.slip(n) for n in (9, 99, 999)]
        for procedure in self.ctx.catalogue.procedures:
            operator = self.ctx.catalogue.operator(procedure.operator_id)
            if operator is not None:
                for slip in slips:
                    for text in phone.codes(procedure, operator, slip):
                        qr.prepare_qr(text)

    def phone_qr(self, procedure_id: str, number: int | None, language: str = "fr") -> PhoneQr:
        procedure, operator = self._procedure(procedure_id)
        texts = phone.codes(procedure, operator, self.slip(number, language))
        return PhoneQr(texts, tuple(qr.qr_modules(text) for text in texts))

    # ------------------------------------------------------------ Accueil's window and "Votre avis"

    def panels(self) -> tuple[Panel, ...]:
        """The agglomeration's panels to show now: in their dates, and for today's commune
        (the open stopover's, else the planned one's). The folder is read again only when a
        file in it changed (a panel copied from a USB key shows at the next turn)."""
        today = self.ctx.now().date()
        with self.ctx.read() as session:
            commune = session.scalar(
                select(Stop.commune_insee).join(Stopover, Stopover.stop_id == Stop.id)
                .where(Stopover.closed_at.is_(None)))
        if commune is None:
            planned = views.today_stop(self.ctx, today)
            commune = planned.commune_insee if planned else None
        return cached_panels(panels_folder(self.ctx.settings)).shown_on(today, commune)

    def feedback(self, answer: str) -> bool:
        """One tap on a face of "Votre avis": True when it counted (services.record_feedback)."""
        return services.record_feedback(self.ctx, answer)
