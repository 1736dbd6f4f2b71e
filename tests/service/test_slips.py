"""What the kiosk hands to the checklists (VisitorService.slip): the next passages by place, with
the "sous réserve" of a place not confirmed, and the bus's contact from the settings."""

from __future__ import annotations

import dataclasses

from sqlalchemy import update

from db.models import Stop
from kiosk.apps.visitor import VisitorService
from kiosk.core import services
from kiosk.output import documents


def test_the_kiosk_slip_names_each_place_and_carries_the_bus_contact(ctx):
    ctx.settings = dataclasses.replace(ctx.settings, bus_phone="05 96 12 34 56",
                                       bus_calendar="à la mairie du Marin")
    services.open_stopover(ctx, "marin-bourg")
    with ctx.write() as session:  # the coordinator has not confirmed the Bourg's place yet
        session.execute(update(Stop).where(Stop.id == "marin-bourg").values(confirmed=False))
    service = VisitorService(ctx)
    slip = service.slip(7)
    assert slip.number == 7 and slip.commune_name == "Le Marin"
    assert slip.stop_name is not None and slip.stop_name.startswith("Bourg, parking de la mairie")
    assert (slip.bus_phone, slip.calendar) == ("05 96 12 34 56", "à la mairie du Marin")
    assert slip.visits and not any(v.confirmed for v in slip.visits), "the Bourg, unconfirmed"
    lines = [documents.passage_line(v) for v in slip.visits]
    for visit, line in zip(slip.visits, lines, strict=True):
        assert visit.commune_name == "Le Marin"
        assert ": au Marin, " in line, line
        assert line.count("sous réserve") == 1, line  # said once, though the view said it too
    codes = service.phone_qr("caf-rsa", 7).texts
    together = "\n".join(codes)
    assert "Téléphone du bus PLUS : 05 96 12 34 56" in together
    assert "Calendrier des passages : à la mairie du Marin" in together
    assert all(line in together for line in lines)
