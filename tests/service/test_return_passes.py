"""Nobody leaves empty-handed (both backends): those left unserved at closing get a code with the
next passage in their commune; typed at a later stopover it gives a priority ticket for the same
procedure, once; the statistics count how many came back."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from db.models import Ticket
from kiosk.core import services
from kiosk.core.return_passes import (
    ALPHABET,
    CODE_LENGTH,
    issue_return_passes,
    use_return_pass,
)
from kiosk.errors import KioskError
from kiosk.reports.periods import Period
from kiosk.reports.statistics import ReturnTally, compute


def test_unserved_visitors_get_a_pass_and_come_back_first(open_ctx, clock):
    ctx = open_ctx
    day = clock.current.date()
    taken = [services.take_ticket(ctx, procedure, language="gcf" if procedure == "cgss-c2s"
                                  else "fr") for procedure in ("caf-rsa", "cgss-c2s", "autre")]
    services.call_next(ctx, 1)
    services.finish_visit(ctx, 1, [services.DemandeInput("caf-rsa", "solved")])
    with pytest.raises(KioskError, match="encore ouverte"):
        issue_return_passes(ctx, taken[0].stopover_id)
    services.close_stopover(ctx)

    passes = issue_return_passes(ctx)
    assert [(p.number, p.procedure_id) for p in passes] == [(2, "cgss-c2s"), (3, "autre")]
    assert all(len(p.code) == CODE_LENGTH and set(p.code) <= set(ALPHABET) for p in passes)
    assert len({p.code for p in passes}) == 2
    nxt = passes[0].next_passage
    assert nxt is not None and nxt.commune_name == "Ducos" and nxt.day > day
    assert issue_return_passes(ctx) == passes, "asked twice: the same slips"

    # the next passage in Ducos: two visitors already wait when she shows her slip
    clock.current = dt.datetime.combine(nxt.day, dt.time(8, 30))
    services.open_stopover(ctx, nxt.stop_id, nxt.half)
    services.take_ticket(ctx, "autre")
    services.take_ticket(ctx, "caf-rsa")
    typed = " " + passes[0].code[:3].lower() + "-" + passes[0].code[3:] + " "
    back = use_return_pass(ctx, typed)
    assert (back.number, back.procedure_id, back.priority, back.people_ahead) == \
        (3, "cgss-c2s", True, 0)
    with ctx.read() as s:
        assert s.scalar(select(Ticket.language).where(Ticket.number == 3,
                                                      Ticket.stopover_id == back.stopover_id)) \
            == "gcf", "her language comes back with her"
    assert services.call_next(ctx, 1).number == 3, "she goes first"

    with pytest.raises(KioskError, match="déjà servi"):
        use_return_pass(ctx, passes[0].code)
    with pytest.raises(KioskError, match="inconnu"):
        use_return_pass(ctx, "AAAAAA")
    with pytest.raises(KioskError, match="invalide"):
        use_return_pass(ctx, " - ")
    assert compute(ctx, Period.between(day, nxt.day)).returns == ReturnTally(2, 1)
    assert compute(ctx, Period.between(nxt.day, nxt.day)).returns == ReturnTally(0, 0), \
        "counted at the closing where they were given"
    assert compute(ctx, Period.between(day, day), commune="97217").returns == ReturnTally(0, 0)


def test_no_pass_before_any_closing(ctx):
    with pytest.raises(KioskError, match="Aucune demi-journée fermée"):
        issue_return_passes(ctx)
