"""The visitor kiosk driven by touches, in-process, on a real SQLite database."""

from __future__ import annotations

import time

import pytest
from kivy.core.window import Window
from PIL import Image
from pyzbar import pyzbar
from sqlalchemy import select

from db.models import Event, Ticket
from kiosk.apps.path import SLOW_AFTER_SECONDS
from kiosk.apps.visitor import VisitorService
from kiosk.core import services
from kiosk.output.printing import CupsPrinter
from screens import theme
from screens.widgets import BigButton, PinPad
from tests.ui.driver import start_app, stop_app


def tickets(ctx):
    with ctx.read() as s:
        return s.execute(select(Ticket.number, Ticket.procedure_id, Ticket.priority)
                         .order_by(Ticket.number)).all()


@pytest.mark.parametrize("operator, procedure", [
    ("caf", "caf-aide-logement"),
    ("cgss", "cgss-c2s"),
    ("france-travail", "france-travail-inscription"),
])
def test_three_taps_from_accueil_to_a_ticket(kiosk_app, visitor_ctx, operator, procedure):
    k = kiosk_app
    assert k.screen == "accueil"
    if operator == "caf":
        k.shot("01-accueil")
    k.tap("take")                                   # tap 1
    k.wait(lambda: k.screen == "organisme")
    if operator == "caf":
        k.shot("02-organisme")
    k.tap(f"operator:{operator}")                   # tap 2
    k.wait(lambda: k.screen == "demarche")
    if operator == "caf":
        k.shot("03-demarche-caf")
    group = visitor_ctx.catalogue.procedure(procedure).group
    if group:  # a crowded organism shows its groups first: one more tap, never a long list
        k.tap(f"group:{group}")
        k.wait(lambda: k.has(f"procedure:{procedure}"), what="the group's procedures")
        if operator == "caf":
            k.shot("03b-demarche-caf-groupe")
    k.tap(f"procedure:{procedure}")                 # tap 3
    k.wait(lambda: k.screen == "ticket", what="ticket screen")
    assert tickets(visitor_ctx) == [(1, procedure, False)]
    assert k.app.path.ticket.number == 1
    assert k.find("print").text == "Imprimer ma liste"
    texts = {getattr(w, "text", None): w for w in k.app.manager.current_screen.walk()}
    assert "N° 1" in texts, sorted(t for t in texts if isinstance(t, str))
    assert texts["N° 1"].font_size >= 200
    if operator == "caf":
        k.shot("04-ticket")


def test_i_dont_know_gives_a_ticket_at_the_second_tap(kiosk_app, visitor_ctx):
    kiosk_app.take_ticket("autre")
    assert tickets(visitor_ctx) == [(1, "autre", False)]


def test_priority_is_asked_once_on_accueil_and_kept(kiosk_app, visitor_ctx):
    k = kiosk_app
    services.take_ticket(visitor_ctx, "autre")
    k.take_ticket("impots", "impots-declaration-revenus", priority=True)
    assert tickets(visitor_ctx)[-1] == (2, "impots-declaration-revenus", True)
    assert k.app.path.ticket.ahead == 0  # priority goes before the normal ticket already waiting
    k.shot("05-ticket-prioritaire")


def test_a_double_tap_makes_one_ticket(kiosk_app, visitor_ctx):
    k = kiosk_app
    k.tap("take")
    k.wait(lambda: k.screen == "organisme")
    k.tap("operator:edf")
    k.wait(lambda: k.screen == "demarche")
    row = k.find("procedure:edf-facture")
    x, y = row.to_window(row.center_x, row.center_y)
    k.wait(lambda: k.app.manager.settled, what="screen settled")
    k.tap_at(x, y)
    k.tap_at(x, y)
    k.wait(lambda: k.screen == "ticket")
    k.settle(0.3)
    assert len(tickets(visitor_ctx)) == 1


def test_a_slow_database_keeps_the_choice_pressed_then_says_wait(kiosk_app, visitor_ctx,
                                                                sqlite_url):
    """Another process holds the write lock (a staff laptop, a backup): the tap is not lost."""
    import sqlite3

    k = kiosk_app
    k.tap("take")
    k.wait(lambda: k.screen == "organisme")
    k.tap("operator:edf")
    k.wait(lambda: k.screen == "demarche")
    nav = k.app.manager.current_screen.ids.nav
    hint = nav.hint
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        tapped = time.monotonic()
        k.tap("procedure:edf-facture")
        k.settle(0.15)
        assert k.find("procedure:edf-facture").latched, "the chosen row shows it was taken"
        if time.monotonic() - tapped < SLOW_AFTER_SECONDS:  # a loaded machine may let it pass
            assert nav.hint == hint, "no 'please wait' flash for a short wait"
        k.wait(lambda: nav.hint == "Un instant…", what="wait message")
        assert k.screen == "demarche" and tickets(visitor_ctx) == []
        k.shot("03b-demarche-un-instant")
    finally:
        other.execute("ROLLBACK")
        other.close()
    k.wait(lambda: k.screen == "ticket", what="ticket once the lock is gone")
    assert tickets(visitor_ctx) == [(1, "edf-facture", False)]
    assert not k.app.slow


def test_the_rows_of_one_operator_never_show_another_one(kiosk_app, visitor_ctx):
    """Démarche refills one set of rows: after the CGSS rows, EDF shows its two and only them."""
    k = kiosk_app
    for operator, procedure in (("cgss", "cgss-appli-carte-vitale"), ("edf", "edf-facture"),
                                ("cgss", "cgss-c2s")):
        k.tap("take")
        k.wait(lambda: k.screen == "organisme")
        k.tap(f"operator:{operator}")
        k.wait(lambda: k.screen == "demarche")
        k.pump(2)
        screen = k.app.manager.current_screen
        shown = [(row.name, row.text, row.latched) for row in reversed(screen.ids.rows.children)]
        groups = visitor_ctx.catalogue.groups_of(operator)
        expected = ([(f"group:{name}", name, False) for name, _ in groups] if len(groups) > 1
                    else [(f"procedure:{p.id}", p.title, False)
                          for p in visitor_ctx.catalogue.procedures_of(operator)])
        assert shown == expected
        k.choose_procedure(procedure)
        k.wait(lambda: k.screen == "ticket")
        k.tap("no_thanks")
        k.wait(lambda: k.screen == "accueil")
    assert [t[1] for t in tickets(visitor_ctx)] == ["cgss-appli-carte-vitale", "edf-facture",
                                                    "cgss-c2s"]
    longest = max(len(procs) for _name, procs in visitor_ctx.catalogue.groups_of("cgss"))
    assert len(k.app.manager.get_screen("demarche")._rows) == longest, "rows reused"


def test_home_button_goes_back_without_a_ticket(kiosk_app, visitor_ctx):
    k = kiosk_app
    k.tap("take")
    k.wait(lambda: k.screen == "organisme")
    k.tap("home")
    k.wait(lambda: k.screen == "accueil")
    assert tickets(visitor_ctx) == []


def test_idle_visitor_goes_back_to_accueil_and_keeps_the_ticket(visitor_ctx, tmp_path):
    from kiosk.output.printing import FilePrinter
    from screens.visitor_app import KioskOptions

    service = VisitorService(visitor_ctx, printer=FilePrinter(tmp_path))
    # the ticket screen's 2 s are the ones tested; Organisme keeps the usual 45 s, so that a
    # slow machine never sends her back before her tap on "Je ne sais pas"
    k = start_app(service, KioskOptions(ticket_seconds=2, staff_pin="2468"))
    try:
        shown: list[str] = []
        k.app.manager.bind(current=lambda _manager, name: shown.append(name))
        k.tap("take")
        k.wait(lambda: k.screen == "organisme")
        k.tap("operator:autre")  # the ticket is given at once
        touched = k.app.path.presence.last_touch  # her last tap: the kiosk's 2 s count from it
        # a loaded machine may draw the ticket screen late, and leave it soon after: the
        # order of the screens is what counts, not whether the test saw the ticket in between
        k.wait(lambda: "ticket" in shown and k.screen == "accueil", what="idle return")
        assert shown[-2:] == ["ticket", "accueil"], shown
        assert time.monotonic() - touched >= 2.0  # not before the visitor was left alone
        assert tickets(visitor_ctx) == [(1, "autre", False)]
        assert k.app.path.ticket is None
    finally:
        stop_app(k)


def test_print_writes_the_receipt_and_says_so(kiosk_app, tmp_path):
    k = kiosk_app
    k.take_ticket("autre")
    k.tap("print")
    k.wait(lambda: k.app.notice == "C'est imprimé ! Prenez votre liste.", what="printed")
    printed = list((tmp_path / "printed").glob("*.pdf"))
    assert len(printed) == 1
    k.shot("06-imprime")


def test_dead_printer_gives_the_qr_code_within_two_seconds(visitor_ctx, tmp_path):
    from screens.visitor_app import KioskOptions

    printer = CupsPrinter("no-such-printer-queue", timeout_seconds=8)
    k = start_app(VisitorService(visitor_ctx, printer=printer), KioskOptions(staff_pin="1"))
    try:
        k.take_ticket("autre")
        k.tap("print")
        # no stopwatch (a loaded machine stretches any): the QR comes by itself, and on the
        # printer's refusal, not on its time-out
        k.wait(lambda: k.screen == "qr", what="QR fallback")
        assert "imprimante" in k.app.qr_message
        k.shot("07-qr-apres-panne")

        def failures() -> list[str]:
            with visitor_ctx.read() as s:
                return list(s.scalars(select(Event.detail)
                                      .where(Event.kind == "printer_failed")).all())
        k.wait(lambda: bool(failures()), what="the failure logged for the staff")
        # CUPS refused at once: the kiosk had nothing to wait for (not the 8 s time-out)
        assert "n'existe pas" in failures()[0], failures()
    finally:
        stop_app(k)


def test_qr_screen_holds_the_checklist(kiosk_app, visitor_ctx, tmp_path):
    k = kiosk_app
    k.take_ticket("caf", "caf-aide-logement")
    k.tap("qr")
    k.wait(lambda: k.screen == "qr")
    path = k.shot("08-qr")
    decoded = pyzbar.decode(Image.open(path), symbols=[pyzbar.ZBarSymbol.QRCODE])
    assert len(decoded) == 1
    text = decoded[0].data.decode("utf-8")
    expected = VisitorService(visitor_ctx).phone_qr("caf-aide-logement", 1).texts[0]
    assert text == expected  # the first code (tests/ui/test_phone_codes.py: the others)
    procedure = visitor_ctx.catalogue.procedure("caf-aide-logement")
    assert procedure.documents[0] in text
    k.tap("done")
    k.wait(lambda: k.screen == "accueil")


def test_a_call_shows_the_banner_over_any_screen(kiosk_app, visitor_ctx):
    k = kiosk_app
    services.take_ticket(visitor_ctx, "autre")
    k.tap("take")
    k.wait(lambda: k.screen == "organisme")
    polls = k.count_polls()
    services.call_next(visitor_ctx, 2)  # what the staff console (or `kiosk call`) does
    k.wait(lambda: k.app.banner.shown, what="banner")
    # at the kiosk's first polls after the call (one may have been under way as it was made,
    # one more may start before the banner is drawn): not by some later refresh
    assert len(polls) <= 3, f"the banner came only after {len(polls)} polls"
    assert k.app.banner.text == "N° 1  →  Poste 2"
    k.shot("09-bandeau-appel")
    banner = k.app.banner
    k.tap_at(*banner.to_window(banner.center_x, banner.center_y))  # a tap closes the banner
    assert not banner.shown
    k.tap("home")
    k.wait(lambda: k.screen == "accueil")
    assert k.app.calls == ["N° 1  →  Poste 2"]


def test_closed_stopover_says_so_and_offers_no_ticket(kiosk_app, visitor_ctx):
    k = kiosk_app
    services.close_stopover(visitor_ctx)
    k.wait(lambda: not k.app.is_open, what="closed")
    k.settle(0.2)
    assert k.find("take").disabled
    k.shot("10-accueil-ferme")


def test_kiosk_lock_refuses_close_and_escape(kiosk_app):
    assert Window.dispatch("on_request_close") is True
    assert Window.dispatch("on_keyboard", 27, 0, None, []) is True


def test_staff_leave_by_long_press_in_the_corner_and_pin(kiosk_app, monkeypatch):
    k = kiosk_app
    stopped = []
    monkeypatch.setattr(k.app, "stop", lambda *a: stopped.append(True))
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(20, Window.height - 20)
    touch.touch_down()
    k.settle(1.0)
    assert not any(isinstance(c, PinPad) for c in Window.children), "a short press does nothing"
    k.settle(2.3)
    touch.touch_up()
    k.pump(2)
    pads = [c for c in Window.children if isinstance(c, PinPad)]
    assert pads, "a 3-second press opens the PIN pad"
    pad = pads[0]
    for digit in "1111":
        pad.press(digit)
    pad.validate()
    assert pad.message == "Code incorrect" and not stopped
    for digit in "2468":
        pad.press(digit)
    pad.validate()
    k.settle(0.2)
    assert stopped == [True]


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)])
def test_screens_fit_and_targets_are_big_enough(kiosk_app, size):
    k = kiosk_app
    Window.size = size
    k.settle(0.3)
    # 15 mm: 84 px on a 15.6" 1920x1080 panel; 64 px on a 14" 1280x800 panel
    min_px = 84 if size[0] == 1920 else 64
    tag = f"{size[0]}x{size[1]}"

    def check_screen() -> None:
        k.settle(0.3)
        for widget in k.app.manager.current_screen.walk():
            # a button not shown (Accueil's "Revoir mon ticket" between visitors: no room kept,
            # the panels take it) is no target
            if isinstance(widget, BigButton) and widget.opacity > 0:
                assert min(widget.size) >= min_px, (widget.name, widget.size)
                for label in widget.walk(restrict=True):
                    if label is not widget and getattr(label, "text", "") and hasattr(label, "font_size"):
                        assert label.texture_size[1] <= widget.height + 1, (widget.name, label.text)
                        assert label.font_size >= theme.MIN_FONT - 0.5
                        # a line may break between words, never inside one ("Écoute / r")
                        words = set(label.text.split())
                        for line in label._label._cached_lines:
                            for token in "".join(w.text for w in line.words).split():
                                assert token in words, (tag, widget.name, label.text, token)

    check_screen()
    k.shot(f"11-accueil-{tag}")
    k.tap("take")
    k.wait(lambda: k.screen == "organisme")
    check_screen()
    k.shot(f"12-organisme-{tag}")
    k.tap("operator:cgss")
    k.wait(lambda: k.screen == "demarche")
    check_screen()
    k.shot(f"13-demarche-cgss-{tag}")
    k.choose_procedure("cgss-c2s")
    k.wait(lambda: k.screen == "ticket")
    check_screen()
    k.shot(f"14-ticket-{tag}")


def test_calls_are_announced_one_after_the_other_chime_then_voice(kiosk_app, visitor_ctx):
    k = kiosk_app
    for _ in range(2):
        services.take_ticket(visitor_ctx, "autre")
    services.call_next(visitor_ctx, 1)
    k.wait(lambda: k.app.banner.shown, what="first banner")
    time.sleep(1.0)
    services.call_next(visitor_ctx, 2)          # a second call one second later
    services.recall(visitor_ctx, 1)
    k.wait(lambda: k.app.announcer.announced >= 1, what="first announcement")
    k.app.path.banner_done()  # next banners follow at once
    k.wait(lambda: not k.app.banner.shown or k.app.banner.text.startswith("N° 2"))
    k.app.path.banner_done()
    k.wait(lambda: k.app.announcer.wait_idle(0) and k.app.announcer.announced == 3,
           what="three announcements")
    history = k.app.announcer.history
    phases = [(h.phase, h.text) for h in history]
    assert phases[:2] == [("chime", "Numéro 1, poste 1"), ("speech", "Numéro 1, poste 1")]
    assert [p for p in phases if p[0] == "speech"] == [
        ("speech", "Numéro 1, poste 1"), ("speech", "Numéro 2, poste 2"),
        ("speech", "Rappel : numéro 1, poste 1")]
    for before, after in zip(history, history[1:], strict=False):
        assert before.finished_at <= after.started_at, "never two sounds at once"


def test_listen_reads_each_screen_aloud_after_the_calls(kiosk_app, visitor_ctx):
    """"Écouter" on every screen: the voice alone (no chime), words written for the ear."""
    k = kiosk_app
    announcer = k.app.announcer
    announcer.speech.speed = 400  # the kiosk speaks slowly (140 words a minute): not the test
    services.take_ticket(visitor_ctx, "autre")
    services.call_next(visitor_ctx, 2)
    k.wait(lambda: k.app.banner.shown, what="banner")
    k.app.path.banner_done()
    queued: list[str] = []
    real_read = announcer.read
    announcer.read = (  # type: ignore[method-assign]
        lambda text, voice=None: queued.append(text) or real_read(text, voice=voice))

    def listen() -> str:
        k.tap("listen")
        k.wait(lambda: bool(queued), what="reading queued")
        return queued.pop()

    said = listen()
    assert said.startswith("Bonjour et bienvenue dans le bus PLUS. Aujourd'hui, le bus est à Ducos")
    assert "touchez le grand bouton vert : Prendre un ticket" in said
    assert said.endswith("Derniers appels : numéro 1 au poste 2.")
    k.tap("take")
    k.wait(lambda: k.screen == "organisme")
    said = listen()
    assert "Allocations CAF" in said and "Santé CGSS" in said and "/" not in said
    k.tap("operator:edf")
    k.wait(lambda: k.screen == "demarche")
    said = listen()
    assert said == ("Électricité EDF. Touchez votre démarche : Ouvrir ou fermer un contrat "
                    "d'électricité, Comprendre et payer ma facture EDF.")
    k.tap("procedure:edf-facture")
    k.wait(lambda: k.screen == "ticket")
    said = listen()
    assert said.startswith("Votre numéro est le 2. Personne avant vous.")
    assert "N°" not in said
    k.shot("04b-ticket-ecouter")
    k.tap("qr")
    k.wait(lambda: k.screen == "qr")
    qr_text = listen()
    if len(k.app.qr_codes) == 1:
        assert qr_text.startswith("Scannez ce code avec l'appareil photo")
    else:  # a long list: its codes one after the other
        assert qr_text.startswith(f"Votre liste tient en {len(k.app.qr_codes)} codes")
        assert "touchez : Voir le code 2" in qr_text
    # the call first (chime, voice), then the readings by voice alone; a reading still waiting
    # when a newer one came was replaced: the last one is always heard
    k.wait(lambda: announcer.wait_idle(0), timeout=45, what="everything said")
    phases = [(h.phase, h.text) for h in announcer.history]
    assert phases[:2] == [("chime", "Numéro 1, poste 2"), ("speech", "Numéro 1, poste 2")]
    assert all(phase == "speech" for phase, _text in phases[2:]), "no chime for a reading"
    assert phases[-1] == ("speech", qr_text)
    for before, after in zip(announcer.history, announcer.history[1:], strict=False):
        assert before.finished_at <= after.started_at, "never two voices at once"

    # leaving a screen cuts its reading: the voice never describes a screen left behind
    k.tap("done")
    k.wait(lambda: k.screen == "accueil")
    k.tap("listen")                        # Accueil: some 9 s of speech even at 400 words/min
    k.wait(lambda: bool(queued), what="reading queued")
    time.sleep(1.5)
    k.tap("take")
    k.wait(lambda: k.screen == "organisme")
    k.wait(lambda: announcer.wait_idle(0), what="the reading cut")
    last = announcer.history[-1]
    assert last.phase == "speech" and last.text == queued[-1]
    assert last.finished_at - last.started_at < 8  # cut: the whole reading lasts some 9 s
    assert announcer.problems == [], "a reading cut on purpose is not a sound problem"
