"""Large text ("Texte plus grand") and Kréyòl on every visitor screen, at both kiosk sizes.

Each screen is rendered in French and Kréyòl, normal and large text, at 1920x1080 and 1280x800
(one app per size), saved as a screenshot (70 to 89, tests/screenshots/) and looked at by
tests/ui/layout_check.py: no word cut, no text clipped, nothing overlapping, nothing off its
button or the window, every target at least 15 mm on the bus's 15.6" panel, every text at 7:1
contrast with what is painted behind it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator

import pytest
from kivy.core.window import Window
from sqlalchemy import delete, select

from db.models import Commune, ScheduleSlot, Stop
from kiosk.apps.visitor import VisitorService
from kiosk.content import i18n
from kiosk.content.itinerary import shown_name
from kiosk.core import services, views
from kiosk.core.context import open_context
from kiosk.output.printing import FilePrinter
from kiosk.system.config import Settings
from screens import theme
from tests.ui.conftest import RunningClock, before_the_idle_return, start_kiosk
from tests.ui.driver import Driver, start_app, stop_app
from tests.ui.layout_check import (
    contrast_problems,
    layout_problems,
    one_line_problems,
    px_per_mm,
    target_mm_px,
    target_px,
    text_contrast,
)

SIZES = [(1920, 1080), (1280, 800)]

# The walk's day: a Monday, the last of its month, at 9:00 (never the machine's date).
WORST_DAY = dt.datetime(2026, 11, 30, 9, 0)


def _accueil_line(stop_name: str, commune_name: str) -> str:
    """The longer of Accueil's two "today" lines (French, Kréyòl) for a stop."""
    return max((i18n.t("accueil.today", lang, stop=stop_name,
                       at_commune=i18n.at_commune(commune_name, lang)) for lang in ("fr", "gcf")),
               key=len)


def worst_stops(ctx) -> tuple[str, str]:
    """The stops whose "Aujourd'hui, le bus est …" line is the longest of the itinerary (its
    name as shown, "sous réserve" included), and the longest one of the longest commune."""
    with ctx.read() as session:
        rows = session.execute(
            select(Stop.id, Stop.name, Stop.confirmed, Commune.name)
            .join(Commune, Commune.insee == Stop.commune_insee).where(Stop.active.is_(True))
        ).all()
    def length(row) -> int:
        return len(_accueil_line(shown_name(row[1], row[2]), row[3]))
    longest = max(rows, key=length)
    commune = max((r[3] for r in rows), key=len)
    in_commune = max((r for r in rows if r[3] == commune), key=length)
    return longest[0], in_commune[0]


def plan(ctx, day: dt.date, stop_id: str) -> None:
    """The bus planned at `stop_id` on the morning of `day` (the shipped schedule replaced)."""
    with ctx.sessions.begin() as session:
        session.execute(delete(ScheduleSlot).where(ScheduleSlot.day == day))
        session.add(ScheduleSlot(day=day, half="morning", stop_id=stop_id))


@pytest.fixture
def worst_ctx(tmp_path, sqlite_url):
    """The kiosk on WORST_DAY, open at the stop with the longest Accueil line."""
    ctx = open_context(Settings(data_dir=tmp_path, database_url=sqlite_url))
    ctx.clock = RunningClock(WORST_DAY)
    longest, _ = worst_stops(ctx)
    plan(ctx, WORST_DAY.date(), longest)
    services.open_stopover(ctx, longest)
    yield ctx
    ctx.dispose()


@pytest.fixture
def worst_app(worst_ctx, tmp_path) -> Iterator[Driver]:
    driver = start_kiosk(worst_ctx, tmp_path)
    yield driver
    stop_app(driver)


def _large(k: Driver, wanted: bool, problems: dict[str, list[str]] | None = None) -> None:
    """Set the text size by its button on the current screen, as the visitor does."""
    if (k.app.zoom > 1) != wanted:
        try:
            k.find("zoom")
        except AssertionError:
            if problems is None:
                raise
            problems.setdefault(f"{k.screen}", []).append("no text-size button on this screen")
            k.app.path.toggle_large_text()
        else:
            k.tap("zoom")
        k.wait(lambda: (k.app.zoom > 1) == wanted, what="text size")
        k.settle(0.2)


def _language(k: Driver, language: str) -> None:
    """Set the language by its button on Accueil, as the visitor does (one tap)."""
    if k.app.language != language:
        k.tap("language")
        k.wait(lambda: k.app.language == language, what="language")
        k.settle(0.2)


def _look(k: Driver, problems: dict[str, list[str]], number: int, name: str, tag: str) -> None:
    shot = f"{number}-{name}-{tag}"
    k.shot(shot)
    found: list[str] = []
    for _attempt in range(2):
        found = layout_problems(k.app, min_target=max(target_px(Window.width),
                                                      target_mm_px(Window.width)))
        found += contrast_problems(k.app) + one_line_problems(k.app)
        if not found:
            break
        # a screen shown after a change of language or size may still be laying its tiles
        # out: a fault that is real is there again a moment later
        k.settle(0.4)
    if found:
        problems[shot] = found


def _procedure(k: Driver, procedure_id: str, look_at_group: Callable[[], None]) -> None:
    """Tap a procedure's row on Démarche; on a crowded organism, first its group's row (and
    look at the group's screen too)."""
    k.pump(2)
    found = k.app.catalogue.procedure(procedure_id)
    group = getattr(found, "group", "") if found is not None else ""
    if group and not any(getattr(w, "name", "") == f"procedure:{procedure_id}"
                         for w in k.app.manager.current_screen.walk()):
        k.tap(f"group:{group}")
        k.wait(lambda: any(getattr(w, "name", "") == f"procedure:{procedure_id}"
                           for w in k.app.manager.current_screen.walk()), what="group")
        look_at_group()
    k.tap(f"procedure:{procedure_id}")


# every walk: French and Kréyòl, normal and large text; one app per screen size
WALKS = [("fr", False), ("fr", True), ("gcf", False), ("gcf", True)]


def _walk(k: Driver, visitor_ctx, language: str, large: bool, size: tuple[int, int],
          problems: dict[str, list[str]]) -> None:
    tag = f"{language}-{'grand' if large else 'normal'}-{size[0]}x{size[1]}"
    for _ in range(3):  # "Derniers appels" full: three numbers, three desks
        services.take_ticket(visitor_ctx, "autre")
    _language(k, language)
    _large(k, large, problems)
    called = [services.call_next(visitor_ctx, desk).number for desk in (1, 2, 3)]
    k.wait(lambda: k.app.banner.shown, what="banner")
    _look(k, problems, 71, "bandeau-appel", tag)
    while k.app.banner.shown:
        k.app.path.banner_done()
    _look(k, problems, 70, "accueil", tag)
    for number in called:  # the desks free for the next walk's calls
        services.mark_absent(visitor_ctx, number)

    k.tap("bus_calendar")  # "Quand revient le bus ?"
    k.wait(lambda: k.screen == "bus_communes")
    k.wait(lambda: bool(k.app.manager.current_screen.ids.tiles.children), what="communes")
    _look(k, problems, 84, "bus-communes", tag)
    k.tap("commune:97210")
    k.wait(lambda: k.screen == "bus_passages")
    k.wait(lambda: k.app.manager.current_screen.has_passages, what="passages")
    _look(k, problems, 85, "bus-passages", tag)
    # the same visitor: her language and text size stay. She taps the house, at the left end
    # of "Accueil", under the staff's corner: a short tap goes through to the button
    k.wait(lambda: getattr(k.app.manager, "settled", True), what="screen settled")
    k.pump(3)
    home = k.find("home")
    k.tap_at(*home.to_window(home.x + 30 * k.app.u, home.center_y))
    k.wait(lambda: k.screen == "accueil", what="Accueil by its house")

    k.tap("take_priority")
    k.wait(lambda: k.screen == "organisme")
    _large(k, large, problems)
    _look(k, problems, 72, "organisme-prioritaire", tag)
    k.tap("operator:cgss")
    k.wait(lambda: k.screen == "demarche")
    _large(k, large, problems)
    _look(k, problems, 73, "demarche-cgss", tag)
    _procedure(k, "cgss-attestation-droits",
               lambda: _look(k, problems, 86, "demarche-cgss-groupe", tag))
    k.wait(lambda: k.screen == "ticket", what="ticket")
    _large(k, large, problems)
    _look(k, problems, 74, "ticket-prioritaire", tag)
    k.tap("qr")
    k.wait(lambda: k.screen == "qr", what="QR")
    _large(k, large, problems)
    _look(k, problems, 75, "qr", tag)
    k.tap("done")
    k.wait(lambda: k.screen == "accueil")
    assert (k.app.language, k.app.zoom) == ("fr", 1), "the next visitor: French, normal text"

    _language(k, language)
    _large(k, large, problems)
    k.tap("take")
    k.wait(lambda: k.screen == "organisme")
    k.tap("operator:france-travail")
    k.wait(lambda: k.screen == "demarche")
    _large(k, large, problems)
    _look(k, problems, 76, "demarche-france-travail", tag)
    _procedure(k, "france-travail-changement",
               lambda: _look(k, problems, 86, "demarche-france-travail-groupe", tag))
    k.wait(lambda: k.screen == "ticket", what="ticket")
    _large(k, large, problems)
    _look(k, problems, 77, "ticket", tag)
    if large and language != "fr":  # the notes laid over a screen, in their longest words
        # "Lékran-tala ké fèmen.", 10 s before the idle return
        k.app.path.presence.last_touch = time.monotonic() - k.app.path.patience() + 10
        k.wait(lambda: k.app.warning.shown, what="idle warning")
        _look(k, problems, 87, "avertissement", tag)
        k.app.path.presence.last_touch = time.monotonic()
        k.wait(lambda: not k.app.warning.shown, what="warning gone")
        k.app.path.sound_failed()  # "Son-an pa ka maché…" when "Kouté" cannot speak
        _look(k, problems, 88, "son-en-panne", tag)
        k.app.path.hide_sound_note()
    if large:  # the staff's exit pad, in its tightest case: large text, either language
        k.app.ask_staff_pin()  # a long press in the corner, tested elsewhere
        k.settle(0.5)
        _look(k, problems, 78, "code-equipe", tag)
    k.app.path.go_home()
    k.wait(lambda: k.screen == "accueil")


@pytest.mark.long
@pytest.mark.parametrize("walk", [*WALKS, None],
                         ids=[*(f"{lang}-{'grand' if large else 'normal'}" for lang, large in WALKS),
                              "ferme"])
@pytest.mark.parametrize("size", SIZES, ids=["1920x1080", "1280x800"])
def test_every_visitor_screen_reads_whole_words_in_its_place(worst_app, worst_ctx, size, walk):
    """One app per screen size and walk goes through every visitor screen in French or Kréyòl,
    normal or large text: no word cut, no text clipped or overlapping, every text at 7:1
    contrast with what is painted behind it, every target at least 15 mm on the 15.6" panel.
    The bus is open at the stop with the longest Accueil line; closed ("ferme"), Accueil shows
    the longest planned stop, then the longest stop of the longest commune, in the four
    languages and sizes. (One test per walk: ten of about ten seconds share the workers, where
    two of a minute each held one to the end.)"""
    k, visitor_ctx = worst_app, worst_ctx
    Window.size = size
    k.settle(0.3)
    problems: dict[str, list[str]] = {}
    if walk is not None:
        _walk(k, visitor_ctx, *walk, size, problems)
    else:
        services.close_stopover(visitor_ctx)
        k.wait(lambda: not k.app.is_open, what="closed")
        for name, stop_id in zip(("", "-commune"), worst_stops(visitor_ctx), strict=True):
            plan(visitor_ctx, WORST_DAY.date(), stop_id)
            planned = views.today_stop(visitor_ctx)
            assert planned is not None and planned.stop_id == stop_id
            k.app.refresh_now()  # the schedule is not the queue: no revision tells the kiosk
            name_shown = planned.stop_name
            k.wait(lambda: name_shown in k.app.stop_text,  # noqa: B023
                   what="the planned stop on Accueil")
            for language, large in WALKS:
                _language(k, language)
                _large(k, large, problems)
                _look(k, problems, 79, f"accueil-ferme{name}",
                      f"{language}-{'grand' if large else 'normal'}-{size[0]}x{size[1]}")
    assert not problems, "\n".join(f"{shot}:\n  " + "\n  ".join(found)
                                   for shot, found in problems.items())


def test_fifteen_millimetres_on_the_15_6_inch_panel():
    assert px_per_mm(1920) == pytest.approx(5.565, abs=0.001)
    assert (target_mm_px(1920), target_mm_px(1280)) == (84, 56)
    assert target_px(1920) >= target_mm_px(1920) and target_px(1280) >= target_mm_px(1280)


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
    """"Terminé" or "Non merci" ends the visit: the next visitor finds the normal text, in
    French. "Kouté" in Kréyòl reads the Créole text in the Haitian Creole voice, or the French
    text when the setting creole_voice says "fr"."""
    import dataclasses

    k = kiosk_app
    read: list[tuple[str, str | None]] = []
    k.app.announcer.read = (  # type: ignore[method-assign]
        lambda text, voice=None: read.append((text, voice)) or True)
    # the contrast check finds the colour painted behind a text: the green of the button
    take = k.find("take")
    ratio, text, background = text_contrast(take.ids.title)
    assert background[:3] == pytest.approx(theme.ACTION[:3]) and text[:3] == (1.0, 1.0, 1.0)
    assert ratio == pytest.approx(theme.contrast(theme.ON_DARK, theme.ACTION), abs=0.01)
    language = k.find("language")
    assert text_contrast(language.ids.title)[2][:3] == pytest.approx(theme.PRIMARY_PRESSED[:3])
    _large(k, True)
    _language(k, "gcf")
    assert k.find("language").text == "Français" and k.find("take").text == "Pran an tikè"
    k.tap("listen")
    assert read[-1][1] == "ht" and read[-1][0].startswith("Bonjou é byenvini adan bis PLUS-la. "
                                                          "Jodi-a, bis-la an Ducos")
    k.tap("take")
    k.wait(lambda: k.screen == "organisme")
    assert k.find("operator:edf").text == "Kouran EDF"
    # the staff's long press in the corner, over "Accueil": the PIN pad, and no return home
    from kivy.tests.common import UnitTestTouch

    from screens.widgets import PinPad

    touch = UnitTestTouch(20, Window.height - 20)
    touch.touch_down()
    k.settle(3.3)
    touch.touch_up()
    k.pump(3)
    pads = [c for c in Window.children if isinstance(c, PinPad)]
    assert pads and k.screen == "organisme" and k.app.language == "gcf"
    pads[0].dismiss(animation=False)
    k.settle(0.2)
    k.tap("listen")
    assert read[-1] == (read[-1][0], "ht") and "Kouran EDF" in read[-1][0]
    k.tap("operator:edf")
    k.wait(lambda: k.screen == "demarche")
    assert k.find("procedure:edf-facture").text == "Konprann é péyé fakti EDF mwen"
    k.app.path.options = dataclasses.replace(k.app.path.options, creole_voice="fr")
    k.tap("listen")
    assert read[-1] == ("Électricité EDF. Touchez votre démarche : Ouvrir ou fermer un contrat "
                        "d'électricité, Comprendre et payer ma facture EDF.", None)
    k.tap("procedure:edf-facture")
    k.wait(lambda: k.screen == "ticket", what="ticket screen")
    assert k.app.ticket_title == "Konprann é péyé fakti EDF mwen"
    # her ticket's call: the banner in the screen's Créole, the voice in French then Créole;
    # a ticket taken in French is called in French only
    k.app.path.options = dataclasses.replace(k.app.path.options, creole_voice="ht")
    announced: list[tuple[int, str | None]] = []
    k.app.announcer.announce = (  # type: ignore[method-assign]
        lambda number, desk, recall=False, echo_voice=None:
        announced.append((number, echo_voice)) or True)
    services.take_ticket(visitor_ctx, "autre")  # n° 2, in French
    services.call_next(visitor_ctx, 1)
    services.call_next(visitor_ctx, 2)
    k.wait(lambda: len(announced) == 1, what="her call announced")
    assert k.app.banner.sub == "Alé o pòs 1"
    k.app.path.banner_done()  # the next banner at once, not after 8 s
    k.wait(lambda: len(announced) == 2, what="the next call announced")
    assert announced == [(1, "ht"), (2, None)]
    while k.app.banner.shown:
        k.app.path.banner_done()
    assert k.app.zoom > 1 and k.app.language == "gcf", "her choices follow her through the screens"
    k.tap("no_thanks")
    k.wait(lambda: k.screen == "accueil")
    assert (k.app.zoom, k.app.language) == (1, "fr")
    assert k.find("language").text == "Kréyòl" and k.find("take").text == "Prendre un ticket"
    _large(k, True)
    _language(k, "gcf")
    k.take_ticket("autre")
    k.tap("qr")
    k.wait(lambda: k.screen == "qr")
    k.tap("done")
    k.wait(lambda: k.screen == "accueil")
    assert (k.app.zoom, k.app.language) == (1, "fr")
    _large(k, True)
    _language(k, "gcf")
    k.tap("take")
    k.wait(lambda: k.screen == "organisme")
    k.tap("home")  # the same visitor, changing her mind: she keeps her large text and Créole
    k.wait(lambda: k.screen == "accueil")
    assert k.app.zoom > 1 and k.app.language == "gcf"
    assert k.app.stop_text.startswith("Jodi-a")
    _language(k, "fr")  # one tap back to French
    assert k.app.stop_text.startswith("Aujourd'hui")


def test_large_text_ends_after_the_idle_return(visitor_ctx, tmp_path):
    from screens.visitor_app import KioskOptions

    service = VisitorService(visitor_ctx, printer=FilePrinter(tmp_path))
    k = start_app(service, KioskOptions(idle_seconds=2, staff_pin="2468"))
    try:
        with before_the_idle_return(k, 2):
            _large(k, True)
            _language(k, "gcf")
        k.tap("take")
        # by the kiosk's own count, not by catching Organisme on the way: a loaded machine may
        # show it for less than a poll of the test
        k.wait(lambda: k.app.path.presence.returns == 1 and k.screen == "accueil", what="idle return")
        assert k.app.zoom == 1, "the next visitor finds the normal text"
        assert k.app.language == "fr", "the next visitor finds the kiosk in French"
        # a visitor who asked for Créole on Accueil and went away without a ticket
        with before_the_idle_return(k, 2):
            _language(k, "gcf")
        touched = k.app.path.presence.last_touch  # the tap on "Kréyòl"
        k.wait(lambda: k.app.language == "fr", what="French after idle on Accueil")
        assert time.monotonic() - touched >= 1.9, "French again after idle_seconds, not before"
        # a visitor who asked for large text on Accueil and went away without a ticket
        with before_the_idle_return(k, 2):
            _large(k, True)
        touched = k.app.path.presence.last_touch  # the tap on "Texte plus grand" (a loaded machine may take
        # a while to show it: the delay is counted from her tap, as the kiosk counts it)
        k.wait(lambda: k.app.zoom == 1, what="normal text after idle on Accueil")
        assert time.monotonic() - touched >= 1.9, "normal text after idle_seconds, not before"
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
        found += one_line_problems(k.app)  # "Texte plus grand" used to wrap here
        if found:
            problems[name] = found

    look(80, "accueil")
    k.tap("take")
    k.wait(lambda: k.screen == "organisme")
    look(81, "organisme")
    k.tap("operator:cgss")
    k.wait(lambda: k.screen == "demarche")
    look(82, "demarche-cgss")
    _procedure(k, "cgss-attestation-droits", lambda: look(84, "demarche-cgss-groupe"))
    k.wait(lambda: k.screen == "ticket", what="ticket")
    look(83, "ticket")
    Window.size = (1280, 800)
    k.settle(0.3)
    assert k.app.min_font == 28  # the bus's screens keep their 28 px
    assert not problems, "\n".join(f"{name}:\n  " + "\n  ".join(found)
                                   for name, found in problems.items())
