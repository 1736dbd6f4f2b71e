"""A hypothesis state machine drives the real services on a real database and checks, after
every step, the invariants of the queue against a tiny model kept in the test."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select

from db.models import Ticket
from kiosk.core import services, views
from kiosk.core.context import Context, open_context
from kiosk.core.services import DemandeInput
from kiosk.errors import KioskError, NoTicketWaiting
from kiosk.system.config import Settings
from tests.conftest import Clock

DESKS = (1, 2, 3)
PROCEDURES = ("caf-aide-logement", "autre")


def machine_for(fresh_database, tmp_path) -> type[RuleBasedStateMachine]:
    class QueueMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            # every example runs on a database of its own
            self.ctx: Context = open_context(
                Settings(data_dir=tmp_path, database_url=fresh_database()))
            self.ctx.clock = Clock()  # the suite's Thursday morning, never the machine's day
            self.stopover = services.open_stopover(self.ctx, "ducos-bourg").id
            self.taken: list[tuple[int, bool]] = []  # (number, priority) in order taken
            self.state: dict[int, str] = {}
            self.desk_of: dict[int, int] = {}
            self.served_order: list[tuple[bool, int]] = []

        def teardown(self) -> None:
            self.ctx.dispose()

        def _waiting(self) -> list[tuple[bool, int]]:
            return [(p, n) for n, p in self.taken if self.state[n] == "waiting"]

        @rule(procedure=st.sampled_from(PROCEDURES), priority=st.booleans())
        def take(self, procedure: str, priority: bool) -> None:
            issued = services.take_ticket(self.ctx, procedure, priority=priority)
            assert issued.number == len(self.taken) + 1
            self.taken.append((issued.number, priority))
            self.state[issued.number] = "waiting"

        @rule(desk=st.sampled_from(DESKS))
        def call_next(self, desk: int) -> None:
            busy = desk in self.desk_of.values()
            waiting = self._waiting()
            try:
                called = services.call_next(self.ctx, desk)
            except NoTicketWaiting:
                assert not waiting and not busy
                return
            except KioskError:
                assert busy
                return
            assert not busy
            expected = min(waiting, key=lambda pn: (not pn[0], pn[1]))
            assert called.number == expected[1], "priority first, then arrival"
            self.state[called.number] = "called"
            self.desk_of[called.number] = desk

        def _act(self, number: int, action, allowed: set[str], new_state: str) -> None:
            try:
                action(number)
            except KioskError:
                assert self.state.get(number) not in allowed
                return
            assert self.state[number] in allowed
            self.state[number] = new_state
            if new_state not in ("called", "in_service"):
                self.desk_of.pop(number, None)

        @precondition(lambda self: self.taken)
        @rule(data=st.data())
        def act(self, data) -> None:
            number = data.draw(st.integers(1, len(self.taken)))
            choice = data.draw(st.sampled_from(
                ["start", "put_back", "absent", "cancel", "finish", "recall"]))
            ctx = self.ctx
            if choice == "start":
                self._act(number, lambda n: services.start_service(ctx, n), {"called"},
                          "in_service")
            elif choice == "put_back":
                self._act(number, lambda n: services.put_back(ctx, n), {"called"}, "waiting")
            elif choice == "absent":
                self._act(number, lambda n: services.mark_absent(ctx, n),
                          {"waiting", "called"}, "no_show")
            elif choice == "cancel":
                self._act(number, lambda n: services.cancel_ticket(ctx, n), {"waiting"},
                          "cancelled")
            elif choice == "finish":
                self._act(number, lambda n: services.finish_visit(
                    ctx, n, [DemandeInput("autre", "solved")]), {"called", "in_service"}, "done")
            else:
                self._act(number, lambda n: services.recall(ctx, n), {"called"}, "called")

        @invariant()
        def database_matches_the_model(self) -> None:
            with self.ctx.read() as s:
                rows = s.execute(
                    select(Ticket.number, Ticket.state, Ticket.desk_id)
                    .where(Ticket.stopover_id == self.stopover).order_by(Ticket.number)
                ).all()
            numbers = [r.number for r in rows]
            assert numbers == list(range(1, len(numbers) + 1)), "unique and contiguous"
            assert {r.number: r.state for r in rows} == self.state, "one state per ticket"
            current = {r.number: r.desk_id for r in rows if r.state in ("called", "in_service")}
            assert current == self.desk_of
            assert len(set(current.values())) == len(current), "one desk per called ticket"
            snap = views.queue_snapshot(self.ctx)
            assert [w.number for w in snap.waiting] == [
                n for _, n in sorted(self._waiting(), key=lambda pn: (not pn[0], pn[1]))]

    return QueueMachine


def test_queue_rules_hold_under_random_use(database_factory, tmp_path, request):
    machine = machine_for(database_factory, tmp_path)
    examples = 25 if "sqlite" in request.node.name else 12
    machine.TestCase.settings = settings(
        max_examples=examples, stateful_step_count=30, deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    machine.TestCase("runTest").runTest()
