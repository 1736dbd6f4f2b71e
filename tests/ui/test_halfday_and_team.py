"""Issue #9, items 13-15, on the console driven by touches: opening a half-day (commune, stop,
half, the undo bar), closing it (who still waits, a visit in progress said before confirming,
the summary shown, kept and printed), and the coordinator's Équipe screen."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from kivy.core.window import Window
from sqlalchemy import select

from db.models import Staff, Stopover
from kiosk.apps.console import StaffService
from kiosk.core import services, staff
from kiosk.core.context import open_context
from kiosk.core.services import DemandeInput
from kiosk.output.printing import FilePrinter
from kiosk.system.config import Settings
from tests.ui.driver import start_staff_app, stop_app
from tests.ui.test_staff_console import log_in

SIZES = [(1920, 1080), (1280, 800)]


@pytest.fixture
def team_ctx(tmp_path, sqlite_url, clock):
    ctx = open_context(Settings(data_dir=tmp_path, database_url=sqlite_url))
    ctx.clock = clock  # Thursday 26 November 2026, 9:00: the bus is planned at Le François
    staff.add_staff(ctx, "Marie", "animatrice", "1357")
    staff.add_staff(ctx, "Josiane", "coordinator", "2468")
    yield ctx
    ctx.dispose()


@pytest.fixture(params=SIZES, ids=["1920x1080", "1280x800"])
def console(request, team_ctx, tmp_path):
    service = StaffService(team_ctx, printer=FilePrinter(tmp_path / "printed"))
    driver = start_staff_app(service, size=request.param)
    driver.size = "{}x{}".format(*request.param)
    yield driver
    stop_app(driver)


def _modal(cls):
    return next((c for c in Window.children if isinstance(c, cls)), None)


def _stopovers(ctx):
    with ctx.read() as s:
        return s.execute(select(Stopover.stop_id, Stopover.half, Stopover.closed_at)).all()


def _tap_bar(k):
    bar = k.app.undo_bar
    button = next(w for w in bar.walk() if getattr(w, "name", "") == "undo_open")
    k.tap_at(*button.to_window(button.center_x, button.center_y))


def test_opening_a_planned_half_day_is_two_taps_and_can_be_taken_back(console, team_ctx):
    from screens.halfday import OpenDialog

    k = console
    log_in(k)
    k.wait(lambda: k.screen == "console", what="console")
    assert not k.app.is_open
    k.tap("stopover")                                      # tap 1
    k.wait(lambda: _modal(OpenDialog) is not None, what="opening dialog")
    dialog = _modal(OpenDialog)
    # today's planned stop is chosen, the half-day follows the clock (9:00: morning)
    assert (dialog.commune, dialog.stop, dialog.half) == ("97210", "francois-dostaly", "morning")
    assert k.find("half:morning").state == "down"
    assert k.find("stop:francois-dostaly").state == "down"
    assert "Prévu aujourd'hui (matin) : Le François" in dialog.planned_text
    k.shot(f"120-console-ouvrir-escale-{k.size}")
    k.tap("open_confirm")                                  # tap 2
    k.wait(lambda: k.app.is_open, what="opened")
    assert _stopovers(team_ctx) == [("francois-dostaly", "morning", None)]
    k.wait(lambda: k.app.undo_bar.parent is not None, what="undo bar")
    assert "Escale ouverte au François" in k.app.undo_bar.text
    k.shot(f"121-console-escale-ouverte-annuler-{k.size}")
    _tap_bar(k)
    k.wait(lambda: not k.app.is_open, what="opening taken back")
    assert _stopovers(team_ctx) == []
    assert "Ouverture annulée" in k.app.message


def test_a_day_without_a_passage_commune_then_stop_and_the_half_chosen(console, team_ctx, clock):
    from screens.halfday import OpenDialog

    k = console
    clock.current = dt.datetime(2026, 11, 29, 14, 5)  # a Sunday afternoon: nothing planned
    k.app.console.undo_open_seconds = 0.6
    log_in(k)
    k.wait(lambda: k.screen == "console", what="console")
    k.tap("stopover")
    k.wait(lambda: _modal(OpenDialog) is not None, what="opening dialog")
    dialog = _modal(OpenDialog)
    assert (dialog.stop, dialog.half) == ("", "afternoon")
    assert "Aucun passage prévu" in dialog.planned_text
    assert k.find("open_confirm").disabled
    k.tap("commune:97207")
    k.tap("stop:ducos-genipa")
    k.tap("half:morning")  # a morning that ran late: she says so
    assert dialog.stop_label.startswith("Ducos – ") and dialog.stop_label.endswith("matin")
    k.shot(f"122-console-ouvrir-sans-passage-{k.size}")
    k.tap("open_confirm")
    k.wait(lambda: k.app.is_open, what="opened")
    assert _stopovers(team_ctx) == [("ducos-genipa", "morning", None)]
    k.wait(lambda: k.app.undo_bar.parent is None, what="the undo bar goes")
    assert k.app.is_open


def test_closing_says_who_waits_a_visit_in_progress_first_and_keeps_the_summary(
        console, team_ctx, tmp_path):
    from screens.halfday import CloseDialog, SummaryView

    k = console
    services.open_stopover(team_ctx, "ducos-bourg")
    for procedure in ("caf-rsa", "cgss-c2s", "autre", "autre"):
        services.take_ticket(team_ctx, procedure)
    services.call_next(team_ctx, 3)
    services.start_service(team_ctx, 1)  # a visit in progress at desk 3
    log_in(k, "Josiane", "2468", desk=1)
    k.wait(lambda: k.screen == "console" and k.app.is_open, what="console")
    # a double tap on "Fermer l'escale" (80 ms): one question, no error
    button = k.find("stopover")
    k.tap("stopover")
    k.settle(0.08)
    k.tap_at(*button.to_window(button.center_x, button.center_y))
    k.wait(lambda: _modal(CloseDialog) is not None, what="closing dialog")
    k.settle(0.3)
    dialog = _modal(CloseDialog)
    assert "Une visite est en cours (n° 1)" in dialog.text
    assert k.find("close_confirm").disabled
    assert not k.app.message_is_error
    k.shot(f"123-console-fermer-visite-en-cours-{k.size}")
    k.tap("close_cancel")
    services.finish_visit(team_ctx, 1, [DemandeInput("caf-rsa", "solved")])
    k.tap("stopover")                                           # tap 1
    k.wait(lambda: _modal(CloseDialog) is not None and not _modal(CloseDialog).blocked,
           what="closing dialog")
    dialog = _modal(CloseDialog)
    assert "3 personnes attendent encore : elles seront comptées « non reçues »" in dialog.text
    k.shot(f"124-console-fermer-escale-{k.size}")
    k.tap("close_confirm")                                      # tap 2
    k.wait(lambda: _modal(SummaryView) is not None, what="summary")
    k.wait(lambda: not k.app.is_open, what="closed")
    view = _modal(SummaryView)
    rows = {left: right for left, right, _bold in view.lines}
    assert rows["Visiteurs"] == "4" and rows["Reçus"] == "1"
    assert rows["Non reçus (encore là à la fermeture)"] == "3"
    assert rows["Attente moyenne"] == "0 min" and "Attente la plus longue" in rows
    assert rows["Réglé sur place"] == "1"
    k.shot(f"125-console-bilan-demi-journee-{k.size}")
    k.tap("print:a4")
    k.wait(lambda: "enregistré" in view.status, what="printed")
    printed = sorted((tmp_path / "printed").glob("*.pdf"))
    assert len(printed) == 1
    if shutil.which("pdftotext"):
        words = " ".join(subprocess.run(["pdftotext", str(printed[0]), "-"], check=True,
                                        capture_output=True, text=True).stdout.split())
        assert "Bilan de la demi-journée" in words and "Non reçus" in words
    # nobody leaves empty-handed: one slip each for the three left waiting, in one tap
    k.tap("print:returns")
    k.wait(lambda: "3 ticket(s)" in view.status, what="return slips printed")
    slips = sorted(set((tmp_path / "printed").glob("*.pdf")) - set(printed))
    assert len(slips) == 3
    words = " ".join(subprocess.run(["pdftotext", str(slips[0]), "-"], check=True,
                                    capture_output=True, text=True).stdout.split())
    assert "PRIORITAIRE AU PROCHAIN PASSAGE" in words and "Revenez le" in words
    assert "vous passerez en premier" in words and "Papiers à apporter" in words
    # where and until when the code serves: on the slip and in the console's words
    assert "Valable à Ducos jusqu'au jeudi 21 janvier 2027." in words
    assert view.status.endswith(" Valable à Ducos jusqu'au jeudi 21 janvier 2027.")
    k.tap("summary_close")
    k.wait(lambda: _modal(SummaryView) is None, what="summary closed")
    k.tap("last_summary")  # still there afterwards
    k.wait(lambda: _modal(SummaryView) is not None, what="summary again")
    assert {left: right for left, right, _b in _modal(SummaryView).lines}["Visiteurs"] == "4"


def test_the_coordinators_team_screen(console, team_ctx):
    k = console
    log_in(k)
    k.wait(lambda: k.screen == "console", what="console")
    with pytest.raises(AssertionError):
        k.find("team")  # an animatrice has no Équipe button
    k.app.console.open_team()
    assert k.screen == "console" and k.app.message_is_error
    k.tap("logout")
    k.wait(lambda: k.screen == "login")
    log_in(k, "Josiane", "2468", desk=1)
    k.wait(lambda: k.screen == "console", what="console")
    k.shot(f"126-console-coordinatrice-{k.size}")
    k.tap("team")
    k.wait(lambda: k.screen == "team" and len(k.app.manager.current_screen.ids.members.children)
           == 2, what="team")
    # a new animatrice: her name on the on-screen keyboard, her PIN twice on the pad
    k.tap("add_member")
    for key in ("L", "É", "A", "space", "key:-"):
        k.tap(key if key.startswith("key:") else f"key:{key}")
    k.tap("key:erase")
    k.tap("key:erase")
    assert k.find("name_next") and _name(k) == "Léa"
    k.shot(f"127-equipe-nouveau-nom-{k.size}")
    k.tap("name_next")
    for pin in ("4321", "4321"):
        for digit in pin:
            k.tap(f"pad:{digit}")
        k.tap("pad:ok")
    k.wait(lambda: len(k.app.manager.current_screen.ids.members.children) == 3, what="added")
    with team_ctx.read() as s:
        lea = s.scalars(select(Staff).where(Staff.name == "Léa")).one()
    assert (lea.role, lea.active) == ("animatrice", True)
    assert staff.login(team_ctx, lea.id, "4321").name == "Léa"
    k.tap("toggle:Léa")
    k.wait(lambda: k.find("toggle:Léa").text == "Réactiver", what="disabled")
    k.tap("pin:Marie")  # two different codes: nothing is changed
    for pin in ("1111", "2222"):
        for digit in pin:
            k.tap(f"pad:{digit}")
        k.tap("pad:ok")
    k.wait(lambda: "différents" in k.app.message, what="mismatch said")
    assert k.find("toggle:Josiane").disabled  # never lock oneself out
    k.tap("run_checks")
    screen = k.app.manager.current_screen
    k.wait(lambda: "tout est valide" in screen.checks_catalogue, what="checks")
    n = len(team_ctx.catalogue.procedures)
    assert screen.checks_catalogue.startswith(f"Catalogue : {n} démarches")
    assert screen.checks_itinerary.startswith("Itinéraire : ")
    k.shot(f"128-equipe-verifications-{k.size}")


def _name(k):
    from screens.team import NameDialog

    return _modal(NameDialog).name_text


def test_typed_names_take_capitals_where_a_name_starts():
    from screens.team import typed

    name = ""
    for key in "MARIE-CLAIRE N'GUESSAN":
        name = typed(name, key)
    assert name == "Marie-Claire N'Guessan"
    assert typed("Léa ", " ") == "Léa "



def test_the_coordinator_is_reminded_of_a_copy_on_a_usb_key(console, team_ctx):
    """No copy on removable media yet: the coordinator reads it on her console; an animatrice
    does not (keeping the record safe is the coordinator's job)."""
    k = console
    log_in(k)
    k.wait(lambda: k.screen == "console", what="console")
    k.settle(0.5)
    assert "clé USB" not in k.app.status_text
    k.tap("logout")
    k.wait(lambda: k.screen == "login")
    log_in(k, "Josiane", "2468", desk=1)
    k.wait(lambda: "Aucune copie sur clé USB" in k.app.status_text, what="the reminder")
