"""Issue #9, items 8, 9, 11 and 12: the animatrice's console replayed tap by tap, on the real app
(tests/ui/driver.py) and a real SQLite database; the kiosk and the other desks are played by the
services, as other processes would."""

from __future__ import annotations

import pytest
from kivy.core.window import Window
from sqlalchemy import select

from db.models import Ticket
from kiosk.apps.console import StaffService
from kiosk.core import services, staff
from kiosk.output.printing import FilePrinter
from screens import theme
from tests.ui.driver import start_staff_app, stop_app
from tests.ui.test_staff_console import log_in, states

SIZES = ((1920, 1080), (1280, 800))


@pytest.fixture
def console(staff_ctx, tmp_path):
    driver = start_staff_app(StaffService(staff_ctx, printer=FilePrinter(tmp_path / "printed")))
    yield driver
    Window.size = (1920, 1080)
    stop_app(driver)


def _ticket(ctx, number):
    with ctx.read() as s:
        return s.scalars(select(Ticket).where(Ticket.number == number)).one()


def _exists(k, name):
    try:
        k.find(name)
        return True
    except AssertionError:
        return False


def _logged_in(k, **kwargs):
    log_in(k, **kwargs)
    k.wait(lambda: k.screen == "console", what="console")


# ---------------------------------------------------------------- 8. transfers


def test_a_transfer_offers_only_open_staffed_free_desks(console, staff_ctx):  # noqa: F811
    k = console
    _logged_in(k)  # Marie, desk 2
    services.take_ticket(staff_ctx, "autre")
    k.wait(lambda: len(k.app.queue_rows) == 1)
    k.tap("call_next")
    k.wait(lambda: k.app.current_number == "N° 1")
    # desks 1, 3 and 4 are closed: nobody to send the visitor to, and the console says so
    k.tap("transfer")
    k.settle(0.2)
    assert not _exists(k, "choice:3") and not _exists(k, "choice:1")
    assert k.app.message_is_error and "Aucun autre poste" in k.app.message
    k.shot("90-console-transfert-aucun-poste")
    # Josiane logs in at desk 3 then pauses it: still not offered
    josiane = staff.find_staff(staff_ctx, "Josiane").id
    staff.login(staff_ctx, josiane, "2468", 3)
    services.set_desk_status(staff_ctx, 3, "paused", josiane)
    k.wait(lambda: any(d.id == 3 and d.status == "paused" for d in k.app.board.desks))
    k.tap("transfer")
    k.settle(0.2)
    assert not _exists(k, "choice:3")
    # back from her pause: desk 3 is offered, and only it
    services.set_desk_status(staff_ctx, 3, "open", josiane)
    k.wait(lambda: any(d.id == 3 and d.status == "open" for d in k.app.board.desks))
    k.tap("transfer")
    k.wait(lambda: _exists(k, "choice:3"), what="desk 3 offered")
    assert not _exists(k, "choice:1") and not _exists(k, "choice:4")
    assert k.find("choice:3").text == "Poste 3 – Josiane"
    k.shot("91-console-transfert-poste-ouvert")
    # she pauses again while the chooser is open: the core refuses, the visitor stays here
    services.set_desk_status(staff_ctx, 3, "paused", josiane)
    k.tap("choice:3")
    k.wait(lambda: k.app.message_is_error and "en pause" in k.app.message, what="refusal")
    assert _ticket(staff_ctx, 1).desk_id == 2 and k.app.current_number == "N° 1"


# ---------------------------------------------------------------- 9. undo


def test_absent_then_annuler_brings_the_visitor_back(console, staff_ctx):  # noqa: F811
    k = console
    _logged_in(k)
    for _ in range(3):
        services.take_ticket(staff_ctx, "autre")
    k.wait(lambda: len(k.app.queue_rows) == 3)
    # the called visitor: one tap "Absent", one tap "Annuler"
    k.tap("call_next")
    k.wait(lambda: k.app.current_number == "N° 1")
    k.settle(0.6)  # the desk's buttons ignore a tap in the first half second (double taps)
    k.tap("absent")
    k.wait(lambda: k.app.undo_text == "N° 1 marqué absent", what="undo bar")
    assert states(staff_ctx)[1] == "no_show"
    k.shot("92-console-absent-annuler")
    k.tap("undo")
    k.wait(lambda: k.app.current_number == "N° 1", what="called again at my desk")
    assert states(staff_ctx)[1] == "called" and _ticket(staff_ctx, 1).ended_at is None
    assert k.app.undo_text == "" and not k.app.message_is_error
    # a waiting number chosen in the list: "Absent" then "Annuler"
    k.app.console.select(3)
    k.tap("absent_selected")
    k.wait(lambda: k.app.undo_text == "N° 3 marqué absent")
    k.tap("undo")
    k.wait(lambda: states(staff_ctx)[3] == "waiting", what="n° 3 back in the queue")
    # "Annuler le ticket" then "Annuler"
    k.wait(lambda: any(r["number"] == 2 for r in k.app.queue_rows))
    k.app.console.select(2)
    k.tap("cancel_selected")
    k.wait(lambda: k.app.undo_text == "Ticket n° 2 annulé")
    assert states(staff_ctx)[2] == "cancelled"
    k.tap("undo")
    k.wait(lambda: states(staff_ctx)[2] == "waiting")
    k.wait(lambda: [r["number"] for r in k.app.queue_rows] == [2, 3], what="original places")


def test_the_undo_bar_goes_after_a_few_seconds_and_the_absence_stays(console, staff_ctx):  # noqa: F811
    k = console
    k.app.console.undo_seconds = 0.4  # 8 s on the bus
    _logged_in(k)
    services.take_ticket(staff_ctx, "autre")
    k.wait(lambda: len(k.app.queue_rows) == 1)
    k.app.console.select(1)
    k.tap("absent_selected")
    k.wait(lambda: k.app.undo_text != "")
    k.wait(lambda: k.app.undo_text == "", what="bar gone")
    assert not k.find("undo").parent.shown
    assert states(staff_ctx)[1] == "no_show"


# ---------------------------------------------------------------- 11. problems


def test_one_plain_line_per_kind_of_problem_cleared_when_solved(console, staff_ctx, clock):  # noqa: F811
    k = console
    _logged_in(k)
    for n in range(2, 6):
        services.record_device_problem(staff_ctx, "audio",
                                       f"voice-000{n}.wav : pas de sortie audio (durée 0)")
    clock.advance(minutes=12)
    services.record_device_problem(staff_ctx, "printer", "lp : plus de papier", 1)
    k.wait(lambda: "Imprimante" in k.app.status_text, what="printer line")
    lines = k.app.status_text.split("\n")
    assert lines == [
        "Imprimante : l'impression ne marche pas (depuis 9 h 12).",
        "Son : les appels ne sortent pas du haut-parleur (depuis 9 h 00).",
    ]
    assert "wav" not in k.app.status_text
    k.shot("93-console-problemes")
    services.record_device_ok(staff_ctx, "printer")  # a slip came out: the line goes
    k.wait(lambda: "Imprimante" not in k.app.status_text, what="printer line cleared")
    assert k.app.status_text.startswith("Son :")


# ---------------------------------------------------------------- 12. small things


def test_after_logout_no_name_stays_highlighted(console, staff_ctx):  # noqa: F811
    k = console
    _logged_in(k)
    k.tap("logout")
    k.wait(lambda: k.screen == "login")
    k.settle(0.2)
    assert tuple(k.find("staff:Marie").bg) == tuple(theme.PRIMARY), "Marie still highlighted"
    k.tap(text="OK")
    assert k.app.message == "Touchez d'abord votre nom."
    k.shot("94-console-deconnexion")


@pytest.mark.parametrize("gap", [0.08, 0.3])
def test_a_double_tap_on_appeler_makes_one_call_and_nothing_else(console, staff_ctx, gap):  # noqa: F811
    k = console
    _logged_in(k)
    for _ in range(2):
        services.take_ticket(staff_ctx, "autre")
    k.wait(lambda: len(k.app.queue_rows) == 2)
    k.settle(0.2)
    button = k.find("call_next")
    spot = button.to_window(button.center_x, button.center_y)
    k.tap_at(*spot)
    k.settle(gap)
    k.tap_at(*spot)  # the same finger again, on whatever is there now
    k.wait(lambda: k.app.current_number == "N° 1")
    k.settle(1.0)
    assert states(staff_ctx) == {1: "called", 2: "waiting"}
    assert _ticket(staff_ctx, 1).recall_count == 0, "the second tap recalled"
    assert not k.app.message_is_error, k.app.message
    assert k.app.message == "N° 1 appelé au poste 2."


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_reprendre_is_never_cut_and_rappeler_waits_for_a_called_visitor(console, staff_ctx,  # noqa: F811
                                                                         size):
    k = console
    Window.size = size
    _logged_in(k)
    k.tap("pause")
    k.wait(lambda: k.app.desk_status == "paused")
    k.settle(0.3)
    button = k.find("pause")
    label = next(w for w in button.walk(restrict=True) if getattr(w, "text", None) == "Reprendre"
                 and w is not button)
    drawn = [''.join(word.text for word in line.words)
             for line in label._label._cached_lines if line.words]
    assert drawn == ["Reprendre"], f"Reprendre drawn as {drawn}"
    k.shot(f"95-console-reprendre-{size[0]}x{size[1]}")
    k.tap("pause")
    k.wait(lambda: k.app.desk_status == "open")
    services.take_ticket(staff_ctx, "autre")
    k.wait(lambda: len(k.app.queue_rows) == 1)
    k.tap("call_next")
    k.wait(lambda: k.app.current_state == "called")
    assert not k.find("recall").disabled
    k.settle(0.7)
    k.tap("start")
    k.wait(lambda: k.app.current_state == "in_service")
    assert k.find("recall").disabled, "Rappeler during a visit"


def test_a_walk_in_ticket_by_organism_then_procedure_and_its_slip(console, staff_ctx,  # noqa: F811
                                                                    tmp_path):
    k = console
    _logged_in(k)
    taps = 0

    def tap(name):
        nonlocal taps
        k.wait(lambda: _exists(k, name), what=name)
        k.tap(name)
        taps += 1

    tap("new_ticket")
    assert not _exists(k, "choice:caf-rsa"), "the procedures come after the organism"
    k.shot("96-console-nouveau-ticket-organisme")
    tap("choice:caf")
    k.shot("97-console-nouveau-ticket-demarche")
    tap("chooser_cancel")  # "Retour aux organismes"
    tap("choice:caf")
    tap("choice:caf-rsa")
    k.wait(lambda: _exists(k, "choice:print"), what="print offer")
    k.shot("98-console-imprimer-ticket")
    tap("choice:print")
    k.wait(lambda: "imprimé" in k.app.message, what="slip printed")
    assert _ticket(staff_ctx, 1).procedure_id == "caf-rsa"
    assert _ticket(staff_ctx, 1).channel == "console"
    assert len(list((tmp_path / "printed").glob("*.pdf"))) == 1
    assert taps == 6  # 4 without the detour back to the organisms
    # an organism with one procedure: the ticket at once
    k.tap("new_priority_ticket")
    k.wait(lambda: _exists(k, "choice:autre"))
    k.tap("choice:autre")
    k.wait(lambda: _exists(k, "choice:print"))
    k.tap("chooser_cancel")  # "Non merci"
    k.wait(lambda: len(states(staff_ctx)) == 2)
    assert (_ticket(staff_ctx, 2).procedure_id, _ticket(staff_ctx, 2).priority) == ("autre", True)
