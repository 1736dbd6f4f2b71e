"""A redirected demande names its partner, and only a redirected one does (both backends):
the statistics count "orienté vers" by partner, and the CSV shows it beside every demande."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import Demande
from kiosk.core import services, views
from kiosk.core.services import DemandeInput
from kiosk.errors import InvalidDemande

HOUSING = "caf-aide-logement"


def _called(ctx) -> None:
    services.take_ticket(ctx, HOUSING)
    services.call_next(ctx, 1)


@pytest.mark.parametrize("demandes, message", [
    ([DemandeInput(HOUSING, "redirected")],
     "Demande 1 : partenaire manquant (orientée vers qui ?)."),
    ([DemandeInput(HOUSING, "solved"), DemandeInput("cgss-c2s", "redirected", "   ")],
     "Demande 2 : partenaire manquant (orientée vers qui ?)."),
    ([DemandeInput(HOUSING, "solved", "CAF")],
     "Demande 1 : un partenaire n'est noté que pour une demande orientée vers un partenaire."),
])
def test_a_partner_goes_with_a_redirect_and_only_with_it(open_ctx, demandes, message):
    _called(open_ctx)
    with pytest.raises(InvalidDemande) as refused:
        services.finish_visit(open_ctx, 1, demandes)
    assert refused.value.message == message
    assert "\n" not in refused.value.message
    assert views.queue_snapshot(open_ctx).called[0].state == "called", "nothing written"
    with open_ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(Demande)) == 0


def test_a_listed_partner_is_recorded_by_its_label_and_a_typed_one_as_typed(open_ctx):
    _called(open_ctx)
    services.finish_visit(open_ctx, 1, [DemandeInput(HOUSING, "redirected", " caf "),
                                        DemandeInput("cgss-c2s", "redirected", "france  travail"),
                                        DemandeInput("autre", "redirected", "Kaz  a Lanmou")])
    with open_ctx.read() as s:
        partners = list(s.scalars(select(Demande.partner).order_by(Demande.id)))
    assert partners == ["CAF", "France Travail", "Kaz a Lanmou"]
