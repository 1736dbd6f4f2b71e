"""The console's desk view without a window: a real board from a real database (SQLite and
PostgreSQL), read as the animatrice at desk 2 sees it."""

from __future__ import annotations

from kiosk.apps.desk_view import desk_view
from kiosk.core import services, views

HOUSING = "caf-aide-logement"


def test_the_console_reads_the_queue_her_desk_and_the_problems(open_ctx, clock):
    services.take_ticket(open_ctx, HOUSING)                               # n° 1
    clock.advance(minutes=3)
    services.take_ticket(open_ctx, "autre", priority=True, language="gcf")  # n° 2, first called
    services.take_ticket(open_ctx, HOUSING, language="gcf")               # n° 3
    services.set_desk_status(open_ctx, 2, "open")
    services.call_next(open_ctx, 2)                                       # n° 2 at desk 2
    clock.advance(minutes=4)
    services.record_device_problem(open_ctx, "printer", "paper jam")
    board = views.staff_board(open_ctx)
    catalogue = open_ctx.catalogue
    view = desk_view(board, catalogue, desk=2, selected=3, notes=("Pensez à la sauvegarde.",))

    assert view.is_open and view.stopover_text == "Ducos – Bourg, place de la mairie, matin"
    assert view.counts_text.startswith("En attente : 2 · Reçus : 0 · Absents : 0")
    assert [(r["number"], r["creole"], r["waited"], r["pictogram"]) for r in view.queue_rows] == [
        (1, False, "7 min", "caf"), (3, True, "4 min", "caf")]
    assert [r["selected"] for r in view.queue_rows] == [False, True] and view.selected == 3
    housing = catalogue.procedure(HOUSING)
    assert housing is not None and view.queue_rows[0]["title"] == housing.title
    assert view.current == {"number": 2, "state": "called", "procedure_id": "autre"}
    assert view.current_number == "N° 2" and view.current_state == "called"
    assert view.current_text.endswith("\nappelé depuis 4 min · en créole")
    assert "Poste 2" in view.desks_text and "(n° 2)" in view.desks_text
    assert view.problems[0].startswith("Imprimante : l'impression ne marche pas (depuis ")
    assert view.problems[-1] == "Pensez à la sauvegarde."


def test_a_selection_that_left_the_queue_is_dropped_and_a_closed_bus_says_so(ctx, open_ctx):
    services.take_ticket(open_ctx, HOUSING)
    view = desk_view(views.staff_board(open_ctx), open_ctx.catalogue, desk=1, selected=9)
    assert view.selected == 0 and not any(r["selected"] for r in view.queue_rows)
    assert view.current == {} and view.current_text == "" and view.desk_status == "closed"
    services.close_stopover(open_ctx)
    closed = desk_view(views.staff_board(open_ctx), open_ctx.catalogue, desk=1, selected=0)
    assert not closed.is_open and closed.stopover_text == "Escale fermée"
    assert closed.queue_rows == ()
