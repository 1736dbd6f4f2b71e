"""Large text ("Texte plus grand") on every visitor screen, at both kiosk sizes.

Each screen is rendered in normal and large text at 1920x1080 and 1280x800, saved as a
screenshot (70 to 89) and looked at by tests/ui/layout_check.py: no word cut, no text clipped,
nothing overlapping, nothing off its button or the window, every target at least 15 mm.
"""

from __future__ import annotations

import time

import pytest
from kivy.core.window import Window

from kiosk import services
from kiosk.printing import FilePrinter
from kiosk.visitor import VisitorService
from tests.ui.driver import Driver, start_app, stop_app
from tests.ui.layout_check import layout_problems

SIZES = [(1920, 1080), (1280, 800)]


def _large(k: Driver, wanted: bool, problems: dict[str, list[str]] | None = None) -> None:
    """Set the text size by its button on the current screen, as the visitor does."""
    if (k.app.zoom > 1) != wanted:
        try:
            k.find("zoom")
        except AssertionError:
            if problems is None:
                raise
            problems.setdefault(f"{k.screen}", []).append("no text-size button on this screen")
            k.app.toggle_zoom()
        else:
            k.tap("zoom")
        k.wait(lambda: (k.app.zoom > 1) == wanted, what="text size")
    k.settle(0.2)


def _look(k: Driver, problems: dict[str, list[str]], number: int, name: str, tag: str) -> None:
    k.settle(0.3)
    shot = f"{number}-{name}-{tag}"
    k.shot(shot)
    found = layout_problems(k.app)
    if found:
        problems[shot] = found


@pytest.mark.parametrize("large", [False, True], ids=["normal", "grand"])
@pytest.mark.parametrize("size", SIZES, ids=["1920x1080", "1280x800"])
def test_every_visitor_screen_reads_whole_words_in_its_place(kiosk_app, visitor_ctx, size,
                                                             large):
    k = kiosk_app
    Window.size = size
    k.settle(0.3)
    tag = f"{'grand' if large else 'normal'}-{size[0]}x{size[1]}"
    problems: dict[str, list[str]] = {}
    for _ in range(3):  # "Derniers appels" full: three numbers, three desks
        services.take_ticket(visitor_ctx, "autre")
    _large(k, large, problems)
    for desk in (1, 2, 3):
        services.call_next(visitor_ctx, desk)
    k.wait(lambda: k.app.banner.shown, timeout=3, what="banner")
    _look(k, problems, 71, "bandeau-appel", tag)
    while k.app.banner.shown:
        k.app._banner_done(0)
    _look(k, problems, 70, "accueil", tag)

    k.tap("take_priority")
    k.wait(lambda: k.screen == "organisme")
    _large(k, large, problems)
    _look(k, problems, 72, "organisme-prioritaire", tag)
    k.tap("operator:cgss")
    k.wait(lambda: k.screen == "demarche")
    _large(k, large, problems)
    _look(k, problems, 73, "demarche-cgss", tag)
    k.tap("procedure:cgss-attestation-droits")
    k.wait(lambda: k.screen == "ticket", what="ticket")
    _large(k, large, problems)
    _look(k, problems, 74, "ticket-prioritaire", tag)
    k.tap("qr")
    k.wait(lambda: k.screen == "qr", what="QR")
    _large(k, large, problems)
    _look(k, problems, 75, "qr", tag)
    k.tap("done")
    k.wait(lambda: k.screen == "accueil")

    _large(k, large, problems)
    k.tap("take")
    k.wait(lambda: k.screen == "organisme")
    k.tap("operator:france-travail")
    k.wait(lambda: k.screen == "demarche")
    _large(k, large, problems)
    _look(k, problems, 76, "demarche-france-travail", tag)
    k.tap("procedure:france-travail-changement")
    k.wait(lambda: k.screen == "ticket", what="ticket")
    _large(k, large, problems)
    _look(k, problems, 77, "ticket", tag)
    k.app.ask_staff_pin()  # the staff exit: a long press in the corner, tested elsewhere
    k.settle(0.5)
    _look(k, problems, 78, "code-equipe", tag)
    k.app.go_home()
    k.wait(lambda: k.screen == "accueil")

    services.close_stopover(visitor_ctx)
    k.wait(lambda: not k.app.is_open, what="closed")
    _large(k, large, problems)
    _look(k, problems, 79, "accueil-ferme", tag)
    assert not problems, "\n".join(f"{shot}:\n  " + "\n  ".join(found)
                                   for shot, found in problems.items())


@pytest.mark.parametrize("screen", ["organisme", "demarche", "ticket", "qr"])
def test_the_text_size_button_is_on_every_screen_at_the_same_place(kiosk_app, screen):
    k = kiosk_app
    on_accueil = k.find("zoom")
    place = on_accueil.to_window(*on_accueil.pos)
    k.tap("take")
    k.wait(lambda: k.screen == "organisme")
    if screen in ("demarche", "ticket", "qr"):
        k.tap("operator:edf")
        k.wait(lambda: k.screen == "demarche")
    if screen in ("ticket", "qr"):
        k.tap("procedure:edf-facture")
        k.wait(lambda: k.screen == "ticket")
    if screen == "qr":
        k.tap("qr")
        k.wait(lambda: k.screen == "qr")
    k.settle(0.2)
    button = k.find("zoom")
    assert button.to_window(*button.pos)[1] == pytest.approx(place[1], abs=2)
    assert button.to_window(button.right, 0)[0] == pytest.approx(
        on_accueil.to_window(on_accueil.right, 0)[0], abs=2)
    assert button.text == "Texte plus grand"
    k.tap("zoom")
    k.wait(lambda: k.app.zoom > 1, what="large text")
    k.settle(0.2)
    assert k.find("zoom").text == "Texte normal"
    k.tap("zoom")
    k.wait(lambda: k.app.zoom == 1, what="normal text")


def test_large_text_ends_with_the_visitor_who_asked_for_it(kiosk_app, visitor_ctx):
    """"Terminé" or "Non merci" ends the visit: the next visitor finds the normal text."""
    k = kiosk_app
    _large(k, True)
    k.take_ticket("edf", "edf-facture")
    assert k.app.zoom > 1, "large text follows the visitor through her screens"
    k.tap("no_thanks")
    k.wait(lambda: k.screen == "accueil")
    assert k.app.zoom == 1
    _large(k, True)
    k.take_ticket("autre")
    k.tap("qr")
    k.wait(lambda: k.screen == "qr")
    k.tap("done")
    k.wait(lambda: k.screen == "accueil")
    assert k.app.zoom == 1
    _large(k, True)
    k.tap("take")
    k.wait(lambda: k.screen == "organisme")
    k.tap("home")  # the same visitor, changing her mind: she keeps her large text
    k.wait(lambda: k.screen == "accueil")
    assert k.app.zoom > 1


def test_large_text_ends_after_the_idle_return(visitor_ctx, tmp_path):
    from screens.visitor_app import KioskOptions

    service = VisitorService(visitor_ctx, printer=FilePrinter(tmp_path))
    k = start_app(service, KioskOptions(idle_seconds=2, staff_pin="2468"))
    try:
        _large(k, True)
        k.tap("take")
        k.wait(lambda: k.screen == "organisme")
        k.wait(lambda: k.screen == "accueil", timeout=6, what="idle return")
        assert k.app.zoom == 1, "the next visitor finds the normal text"
        # a visitor who asked for large text on Accueil and went away without a ticket
        _large(k, True)
        started = time.monotonic()
        k.wait(lambda: k.app.zoom == 1, timeout=6, what="normal text after idle on Accueil")
        assert time.monotonic() - started >= 1.5
        assert k.screen == "accueil"
    finally:
        stop_app(k)


def test_the_demo_window_shows_the_same_layout_smaller(kiosk_app, visitor_ctx):
    """`kiosk demo` puts the kiosk in half a 1920x1080 screen. Smaller than the bus's smallest
    screen, it is a preview: the smallest text shrinks in proportion (28 px -> 21 px at 960 px
    wide), so words stay whole and nothing overlaps, as at 1280x800."""
    k = kiosk_app
    Window.size = (960, 600)
    k.settle(0.4)
    assert k.app.min_font == pytest.approx(21, abs=0.5)
    scale = k.app.min_font / 28
    problems: dict[str, list[str]] = {}

    def look(number: int, name: str) -> None:
        k.settle(0.3)
        k.shot(f"{number}-{name}-apercu-960x600")
        found = layout_problems(k.app, min_target=int(64 * scale), min_font=k.app.min_font)
        if found:
            problems[name] = found

    look(80, "accueil")
    k.tap("take")
    k.wait(lambda: k.screen == "organisme")
    look(81, "organisme")
    k.tap("operator:cgss")
    k.wait(lambda: k.screen == "demarche")
    look(82, "demarche-cgss")
    k.tap("procedure:cgss-attestation-droits")
    k.wait(lambda: k.screen == "ticket", what="ticket")
    look(83, "ticket")
    Window.size = (1280, 800)
    k.settle(0.3)
    assert k.app.min_font == 28  # the bus's screens keep their 28 px
    assert not problems, "\n".join(f"{name}:\n  " + "\n  ".join(found)
                                   for name, found in problems.items())
