"""The coordinator's Statistiques screen on the console, driven by touches on a small synthetic
history (kiosk.reports.history), and the residence of the end-of-visit form. The USB key is a folder
under a temporary mount root (StaffService(media_roots=…), as KIOSK_MEDIA_ROOTS does)."""

from __future__ import annotations

import datetime as dt
import getpass
import shutil
import stat
import threading
from pathlib import Path

import pytest
from kivy.core.window import Window
from sqlalchemy import select

from db.models import Commune, Ticket
from kiosk import french
from kiosk.apps.console import StaffService
from kiosk.core import services, staff
from kiosk.core.context import open_context
from kiosk.errors import CoordinatorOnly
from kiosk.reports.history import seed_history
from kiosk.reports.periods import Period
from kiosk.reports.statistics import compute
from kiosk.system.config import Settings
from tests.ui.driver import HANG_SECONDS, SCREENSHOTS, start_staff_app, stop_app
from tests.ui.test_staff_console import _form, log_in

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


class GatedService(StaffService):
    """The real service, whose exports wait at a gate the test opens: the export is then
    certainly running while the test watches the queue refresh."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.gate = threading.Event()
        self.exporting = threading.Event()
        self.export_threads: list[str] = []

    def export(self, *args, **kwargs):
        self.export_threads.append(threading.current_thread().name)
        self.exporting.set()
        assert self.gate.wait(HANG_SECONDS * 2), "the test never opened the gate"
        return super().export(*args, **kwargs)


@pytest.fixture
def history_ctx(tmp_path, sqlite_url, clock):
    ctx = open_context(Settings(data_dir=tmp_path, database_url=sqlite_url))
    ctx.clock = clock  # Thursday 26 November 2026, 9:00
    # a year of mornings, about 25 a morning: every chart has bars, in under a few seconds
    seed_history(ctx, visits=3000, start=dt.date(2025, 6, 1), end=dt.date(2026, 11, 25), seed=8)
    services.open_stopover(ctx, "ducos-bourg")
    staff.add_staff(ctx, "Marie", "animatrice", "1357")
    staff.add_staff(ctx, "Josiane", "coordinator", "2468")
    yield ctx
    ctx.dispose()


@pytest.fixture
def usb_key(tmp_path) -> Path:
    # as the desktop mounts it: /media/<account>/<label>
    key = tmp_path / "media" / getpass.getuser() / "CLE-PARTENAIRES"
    key.mkdir(parents=True)
    return key


@pytest.fixture
def service(history_ctx, tmp_path, usb_key):
    return GatedService(history_ctx, media_roots=[tmp_path / "media"])


@pytest.fixture
def console(service):
    driver = start_staff_app(service)
    yield driver
    stop_app(driver)


def _screen(k):
    return k.app.manager.get_screen("statistics")


def _shown_without_time(report):
    return {key: value for key, value in report.items() if key != "generated_at"}


def test_coordinator_reads_last_quarter_and_exports_it_to_her_usb_key(
        console, service, history_ctx, usb_key):
    k = console
    log_in(k, "Josiane", "2468", desk=1)
    k.wait(lambda: k.screen == "console", what="console")
    k.shot("39-console-coordinatrice")
    k.tap("statistics")
    k.wait(lambda: k.screen == "statistics", what="statistics screen")
    stats = _screen(k)
    k.wait(lambda: bool(stats.report) and not stats.computing, what="first figures")
    k.tap("period:last_quarter")
    k.wait(lambda: stats.report.get("period", {}).get("from") == "2026-07-01"
           and not stats.computing, what="last quarter")

    expected = compute(history_ctx, Period.quarter("2026-T3")).as_json()
    assert _shown_without_time(stats.report) == _shown_without_time(expected)
    assert expected["visits"] > 0 and expected["demandes"] > 0
    cells = [c.text for c in stats.ids.figures.children[::-1]]
    assert cells[0:4] == ["Visites", french.number(expected["visits"]),
                          french.number(expected["comparison"]["previous"]["visits"]),
                          french.number(expected["comparison"]["year_before"]["visits"])]
    assert french.number(expected["served"]) in cells
    assert "3e trimestre 2026" in stats.period_text
    heads = [c.text for c in stats.ids.heads.children[::-1]]
    assert heads == ["", "Période\nT3 2026", "Avant\nT2 2026", "Un an avant\nT3 2025"]
    months = stats.ids.months.bars
    assert [b[1] for b in months] == [r["visits"] for r in expected["breakdowns"]["by_month"]]
    assert sum(b[1] for b in stats.ids.waits.bars) == expected["wait"]["count"]
    assert sum(b[1] for b in stats.ids.operators.bars) == expected["demandes"]

    for size in ((1920, 1080), (1280, 800)):
        Window.size = size
        k.settle(0.4)
        _fits(stats)
        k.shot(f"40-statistiques-{size[0]}x{size[1]}")
    Window.size = (1920, 1080)
    k.settle(0.3)
    DOCS_SCREENSHOT.mkdir(parents=True, exist_ok=True)
    shutil.copy(SCREENSHOTS / "40-statistiques-1920x1080.png",
                DOCS_SCREENSHOT / "console-statistics.png")

    # "Par arrêt": the attendance that steers the itinerary, as `kiosk itinerary review`
    from kiosk.reports.stop_review import stop_review
    from screens.statistics import REVIEW_HEADS, StopReviewView, review_cells

    rows = stop_review(history_ctx, Period.quarter("2026-T3"))[0]
    k.tap("stop_review")
    view = next(w for w in Window.children if isinstance(w, StopReviewView))
    k.wait(lambda: len(view.ids.review_table.children) == len(REVIEW_HEADS) * (len(rows) + 1),
           what="stops table")
    texts = [c.text for c in view.ids.review_table.children[::-1]]
    served = next(r for r in rows if r["half_days"])
    assert review_cells(served) == texts[texts.index(review_cells(served)[0]):][:7]
    assert "arrêts servis" in view.status
    k.shot("40b-statistiques-par-arret")
    k.tap("review_close")

    # the export: the key is offered first, then the data folder's exports/
    k.tap("export")
    k.wait(lambda: _has(k, "folder:1"), what="export folders")
    dialog = _dialog(k)
    assert dialog.folder == str(usb_key)
    assert "CLE-PARTENAIRES" in k.find("folder:0").text
    k.tap("format:xlsx")
    k.shot("41-statistiques-exporter")
    revision_before = k.app._revision
    k.tap("export_start")
    assert service.exporting.wait(HANG_SECONDS), "the export never started"
    # while the export runs on its own worker, the queue keeps refreshing
    services.take_ticket(history_ctx, "autre")
    k.wait(lambda: len(k.app.queue_rows) == 1, what="queue refreshed during export")
    assert k.app._revision != revision_before and dialog.running
    service.gate.set()
    k.wait(lambda: not dialog.running, timeout=2 * HANG_SECONDS, what="export finished")
    assert service.export_threads == ["console-statistics"]
    written = Path(dialog.written)
    assert not dialog.result_is_error, dialog.result
    assert written.parent == usb_key and written.suffix == ".xlsx"
    assert written.name == "statistiques-2026-07-01-au-2026-09-30.xlsx"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert str(written) in dialog.result
    k.shot("42-statistiques-export-fini")
    k.tap("export_close")
    k.tap("back_to_queue")
    k.wait(lambda: k.screen == "console")


def test_chosen_dates_are_set_with_steppers(console, history_ctx):
    k = console
    log_in(k, "Josiane", "2468", desk=1)
    k.wait(lambda: k.screen == "console")
    k.tap("statistics")
    stats = _screen(k)
    k.wait(lambda: bool(stats.report) and not stats.computing, what="first figures")
    k.tap("period:dates")
    stats.ids.date_from.date = dt.date(2026, 8, 31)
    stats.ids.date_from.step("month", 1)  # 31 August + 1 month: 30 September
    stats.ids.date_to.date = dt.date(2026, 10, 15)
    assert stats.ids.date_from.date == dt.date(2026, 9, 30)
    shown = stats.ids.date_from
    assert (shown.day_text, shown.month_text, shown.year_text) == ("30", "septembre", "2026")
    k.tap("show_dates")
    k.wait(lambda: stats.report.get("period", {}).get("from") == "2026-09-30"
           and not stats.computing, what="chosen dates")
    expected = compute(history_ctx, Period.between(dt.date(2026, 9, 30), dt.date(2026, 10, 15)))
    assert _shown_without_time(stats.report) == _shown_without_time(expected.as_json())
    k.shot("43-statistiques-dates-choisies")
    # the end before the start: one French line, nothing shown as if it were right
    stats.ids.date_to.date = dt.date(2026, 9, 1)
    k.tap("show_dates")
    k.wait(lambda: stats.status_is_error, what="refusal")
    assert "est après" in stats.status


def test_an_animatrice_has_no_statistics_and_the_core_refuses_her(console, service):
    k = console
    log_in(k)  # Marie, animatrice
    k.wait(lambda: k.screen == "console")
    assert not _has(k, "statistics")
    k.app.console.open_statistics()
    assert k.screen == "console" and k.app.message_is_error
    marie = next(m for m in service.members() if m.name == "Marie")
    period = service.period("last_quarter")
    service.gate.set()  # no waiting here: the refusal comes first
    for refused in (lambda: service.statistics(marie.id, period),
                    lambda: service.export_folders(marie.id),
                    lambda: service.export(marie.id, period, "csv", Path("/tmp"))):
        with pytest.raises(CoordinatorOnly):
            refused()
    # the coordinator logging in after her gets the button
    k.tap("logout")
    k.wait(lambda: k.screen == "login")
    log_in(k, "Josiane", "2468", desk=1)
    k.wait(lambda: k.screen == "console")
    assert _has(k, "statistics")


def _finish_form_of_a_first_visitor(k, ctx):
    """Logged in, a visitor takes a ticket, is called to the desk, "Terminer": the form."""
    log_in(k)
    k.wait(lambda: k.screen == "console")
    services.take_ticket(ctx, "caf-rsa")
    k.wait(lambda: len(k.app.queue_rows) == 1)
    k.tap("call_next")
    k.wait(lambda: k.app.current_number == "N° 1")
    k.tap("finish")
    k.wait(lambda: _form(k) is not None, what="finish form")
    return _form(k)


def test_the_finish_form_records_the_commune_of_residence(console, history_ctx):
    k = console
    form = _finish_form_of_a_first_visitor(k, history_ctx)
    # not asked yet: nothing recorded unless she answers (the stopover's commune was taken
    # for an answer and skewed every residence figure)
    assert form.residence == "" and form.residence_label == "Ne pas renseigner"
    labels = [w.text for w in form.ids.ages.children[::-1]]
    assert labels == ["Moins de 26 ans", "26 à 44 ans", "45 à 59 ans", "60 à 74 ans",
                      "75 ans et plus"]
    k.tap("outcome:solved")
    k.tap("age:26-44")
    with history_ctx.read() as s:
        francois = s.scalar(select(Commune.insee).where(Commune.name == "Le François"))
    k.tap("residence")
    k.wait(lambda: _has(k, f"choice:{francois}"), what="communes offered")
    names = [b.text for b in k.find("choice:autre").parent.children[::-1]]
    assert len(names) == 12 + 3 and names[-3:] == ["Autre commune", "Non dit", "Ne pas renseigner"]
    k.shot("44-console-terminer-commune")
    k.tap(f"choice:{francois}")
    k.wait(lambda: form.residence == francois)
    k.shot("45-console-terminer-residence")
    k.tap("form_save")
    k.wait(lambda: k.app.current_number == "", what="visit finished")
    with history_ctx.read() as s:
        ticket = s.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()  # ours
    assert (ticket.residence, ticket.age_band) == (francois, "26-44")
    residence = compute(history_ctx, Period.month("2026-11")).as_json()["breakdowns"]["residence"]
    assert any(r["key"] == francois and r["visits"] >= 1 for r in residence)


def test_a_residence_left_alone_is_not_recorded(console, history_ctx):
    """The animatrice saves the form without touching the commune: nothing is recorded (before,
    the stopover's commune went in as if the visitor had said it)."""
    k = console
    _finish_form_of_a_first_visitor(k, history_ctx)
    k.tap("outcome:solved")
    k.tap("form_save")
    k.wait(lambda: k.app.current_number == "", what="visit finished")
    with history_ctx.read() as s:
        ticket = s.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()
    assert (ticket.state, ticket.residence) == ("done", None)


def test_the_finish_form_fits_both_screens(console, history_ctx):
    k = console
    _finish_form_of_a_first_visitor(k, history_ctx)
    k.tap("outcome:redirected")
    for size in ((1920, 1080), (1280, 800)):
        Window.size = size
        k.settle(0.4)
        form = _form(k)
        for widget in form.walk(restrict=True):
            text = getattr(widget, "text", "")
            if text and hasattr(widget, "texture_size") and widget.height > 0:
                assert widget.texture_size[1] <= widget.height + 2, (size, text)
        k.shot(f"46-console-terminer-{size[0]}x{size[1]}")
    Window.size = (1920, 1080)


def _fits(stats) -> None:
    """No figure cut: every cell's text fits its cell."""
    for cell in [*stats.ids.heads.children, *stats.ids.figures.children]:
        assert cell.texture_size[1] <= cell.height + 2, cell.text
        assert cell.texture_size[0] <= cell.width + 2, cell.text
        assert not cell.is_shortened, cell.text


def _dialog(k):
    from screens.statistics import ExportDialog

    return next(c for c in Window.children if isinstance(c, ExportDialog))


def _has(k, name) -> bool:
    try:
        k.find(name)
        return True
    except AssertionError:
        return False
