"""The catalogue changed while the apps run. Broken, the console says it in one line and keeps the
last good catalogue; the line goes when the file is good again. Changed, the kiosk shows the new
one from the next visitor on: the screens and the core share one catalogue. In-process, SQLite."""

from __future__ import annotations

import pytest

from kiosk.apps.console import StaffService
from kiosk.core import services, staff
from kiosk.core.context import open_context
from kiosk.system.config import Settings
from tests.service.test_catalogue_reload import break_title, own_catalogue, write
from tests.ui.conftest import RunningClock, start_kiosk
from tests.ui.driver import start_staff_app, stop_app
from tests.ui.test_staff_console import log_in


@pytest.fixture
def broken_ctx(tmp_path, sqlite_url, clock):
    data = tmp_path / "data"
    data.mkdir()
    own_catalogue(data)
    ctx = open_context(Settings(data_dir=data, database_url=sqlite_url))
    ctx.clock = clock
    ctx.keep_last_good_catalogue = True  # as screens/launch.py does for the real apps
    services.open_stopover(ctx, "ducos-bourg")
    staff.add_staff(ctx, "Marie", "animatrice", "1357")
    yield ctx
    ctx.dispose()


def test_console_shows_a_broken_catalogue_file_until_it_is_good_again(broken_ctx):
    folder = broken_ctx.settings.effective_catalogue_dir
    original = (folder / "caf.yaml").read_text("utf-8")
    k = start_staff_app(StaffService(broken_ctx))
    try:
        log_in(k)
        k.wait(lambda: k.screen == "console", what="console")
        assert "Catalogue" not in k.app.status_text
        line = break_title(folder)
        expected = (f"Catalogue : le fichier caf.yaml, ligne {line}, ne peut pas être lu "
                    "(démarche « caf-rsa », champ « title » : manquant) ; la borne garde la "
                    "version d'avant.")
        k.wait(lambda: expected in k.app.status_text.splitlines(),
               what="the catalogue line")
        k.shot("47-console-catalogue-casse")
        # the console keeps working on the last good catalogue: a walk-in's ticket for the RSA
        k.app.console.new_ticket("caf-rsa", False)
        k.wait(lambda: any(r["title"].startswith("RSA") for r in k.app.queue_rows),
               what="RSA ticket in the queue")
        write(folder / "caf.yaml", original)
        k.wait(lambda: "Catalogue" not in k.app.status_text, what="line gone")
    finally:
        stop_app(k)


def test_the_kiosk_shows_a_changed_catalogue_from_the_next_visitor_on(tmp_path, sqlite_url):
    """The coordinator takes the water office out of the catalogue while a visitor is on
    Organisme: her screen stays as it is; back on Accueil, the next visitor no longer sees the
    tile (before, the kiosk kept the catalogue it read at start: the tile stayed and its
    ticket was refused by the core). She puts the file back: the tile comes back."""
    data = tmp_path / "data"
    data.mkdir()
    folder = own_catalogue(data)
    ctx = open_context(Settings(data_dir=data, database_url=sqlite_url))
    ctx.clock = RunningClock()
    ctx.keep_last_good_catalogue = True
    services.open_stopover(ctx, "ducos-bourg")
    k = start_kiosk(ctx, tmp_path)
    try:
        k.tap("take")
        k.wait(lambda: k.screen == "organisme")
        assert k.has("operator:eau")
        water = (folder / "eau.yaml").read_text("utf-8")
        (folder / "eau.yaml").unlink()
        k.pump(3)
        assert k.has("operator:eau"), "the visitor's screen does not change under her finger"
        k.app.path.go_home()
        k.wait(lambda: k.app.catalogue.operator("eau") is None, what="the new catalogue")
        k.tap("take")
        k.wait(lambda: k.screen == "organisme")
        assert not k.has("operator:eau") and k.has("operator:caf")
        k.shot("02c-organisme-sans-eau")
        write(folder / "eau.yaml", water)
        k.app.path.go_home()
        k.wait(lambda: k.app.catalogue.operator("eau") is not None, what="the file back")
        k.tap("take")
        k.wait(lambda: k.screen == "organisme")
        assert k.has("operator:eau")
        k.tap("operator:eau")
        k.wait(lambda: k.screen in ("demarche", "ticket"), what="the water office's screen")
    finally:
        stop_app(k)
        ctx.dispose()


def test_an_app_that_stops_leaves_no_clock_of_its_own(broken_ctx, tmp_path):
    """Both apps stop their polls, their idle or catalogue checks: nothing of theirs runs on in
    the process (a second app in it would pay for the first one's clocks)."""
    from kivy.clock import Clock

    def own(app) -> list[str]:
        found = []
        for event in Clock.get_events():
            callback = event.get_callback()
            if getattr(callback, "__self__", None) is app:
                found.append(callback.__name__)
        return found

    for start in (lambda: start_staff_app(StaffService(broken_ctx)),
                  lambda: start_kiosk(broken_ctx, tmp_path)):
        k = start()
        app = k.app
        assert own(app), "running, the app has clocks of its own"
        stop_app(k)
        assert own(app) == []
