"""What the staff console asks of the core: plain calls returning frozen dataclasses.

The Kivy console runs these in its background worker; nothing here knows about Kivy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kiosk import services, staff, views
from kiosk.catalogue import Catalogue, Procedure
from kiosk.context import Context
from kiosk.services import DemandeInput, StopoverClosed, StopoverInfo, TicketCalled, TicketIssued
from kiosk.views import Passage, StaffBoard


@dataclass(frozen=True)
class StopChoice:
    stop_id: str
    label: str


class StaffService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # reading
    def catalogue(self) -> Catalogue:
        return self.ctx.catalogue

    def revision(self) -> int:
        return views.queue_revision(self.ctx)

    def board(self) -> StaffBoard:
        return views.staff_board(self.ctx)

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

    def transfer(self, number: int, desk: int, staff_id: int) -> TicketCalled:
        return services.transfer_ticket(self.ctx, number, desk, staff_id)

    def new_ticket(self, procedure_id: str, priority: bool) -> TicketIssued:
        return services.take_ticket(self.ctx, procedure_id, priority=priority, channel="console")

    def finish(self, number: int, demandes: Sequence[DemandeInput], age_band: str | None,
               gender: str | None, staff_id: int) -> services.VisitFinished:
        return services.finish_visit(self.ctx, number, demandes, age_band=age_band,
                                     gender=gender, staff_id=staff_id)

    def set_desk(self, desk: int, status: str, staff_id: int) -> str:
        return services.set_desk_status(self.ctx, desk, status, staff_id)

    def open_stopover(self, stop_id: str, half: str | None = None) -> StopoverInfo:
        return services.open_stopover(self.ctx, stop_id, half=half)

    def close_stopover(self) -> StopoverClosed:
        return services.close_stopover(self.ctx)
