"""Visitor kiosk benchmarks, run in a process of their own by tests/perf/run.py.

- tap on a procedure -> ticket screen drawn (in-process, offscreen window, real SQLite file)
- receipt PDF and phone QR generation
- cold start of the real `kiosk visitor` process to its first frame (needs Xvfb)
- resident memory of the real `kiosk visitor` process after 500 tickets clicked with xdotool
  (needs Xvfb), and of a bare Kivy window the same size: the floor the renderer sets
Prints one report line per measure.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "offscreen"
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def line(name: str, samples: list[float], target: float, unit: str = "ms",
         app: str = "visitor") -> str:
    p50, p95 = statistics.median(samples), percentile(samples, 0.95)
    verdict = "OK" if p95 <= target else "SLOW"
    return (f"{app:<12}{name:<28} n={len(samples):<4} p50={p50:8.2f} {unit} "
            f"p95={p95:8.2f} {unit}  target p95<={target} {unit}  {verdict}")


POINTS: dict[str, tuple[int, int]] = {}  # button name -> X11 position in a 1920x1080 window


def click_points(k, ctx) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    """Where every button of a ticket's path is drawn at 1920x1080, read off the in-process app:
    the real process lays out the same window identically."""
    from kivy.core.window import Window

    def at(name: str) -> tuple[int, int]:
        widget = k.find(name)
        x, y = widget.to_window(widget.center_x, widget.center_y)
        return round(x), round(Window.height - y)

    points = {"take": at("take")}
    for operator in ctx.catalogue.operators:
        k.tap("take")
        k.wait(lambda: k.screen == "organisme")
        points[f"operator:{operator.id}"] = at(f"operator:{operator.id}")
        k.tap(f"operator:{operator.id}")
        k.wait(lambda: k.screen in ("demarche", "ticket"))
        if k.screen == "demarche":
            k.pump(2)
            for procedure in ctx.catalogue.procedures_of(operator.id):
                if not procedure.group:  # shown on Démarche itself, not under a group's row
                    points[f"procedure:{procedure.id}"] = at(f"procedure:{procedure.id}")
            k.tap("home")
        else:
            points["no_thanks"], points["qr"] = at("no_thanks"), at("qr")
            k.tap("qr")
            k.wait(lambda: k.screen == "qr")
            points["done"] = at("done")
            k.tap("done")
        k.wait(lambda: k.screen == "accueil")
    return points


def bench_screens(folder: Path) -> list[str]:
    from kivy.config import Config

    Config.set("graphics", "width", "1920")
    Config.set("graphics", "height", "1080")
    from kivy.core.window import Window
    from kivy.graphics import opengl as gl
    from kivy.tests.common import UnitTestTouch

    from kiosk.apps.visitor import VisitorService
    from kiosk.core.context import open_context
    from kiosk.core.services import init_database, open_stopover
    from kiosk.output.printing import FilePrinter
    from kiosk.system.config import Settings
    from screens.visitor_app import KioskOptions
    from tests.ui.driver import start_app, stop_app

    ctx = open_context(Settings(data_dir=folder, database_url=f"sqlite:///{folder}/gui.sqlite3"))
    init_database(ctx)
    open_stopover(ctx, "ducos-bourg")
    service = VisitorService(ctx, printer=FilePrinter(folder / "printed"))
    k = start_app(service, KioskOptions(idle_seconds=600, staff_pin="1"))
    # one tap on Démarche: a procedure under a group's row (a crowded organism) takes two
    procedures = [p for p in ctx.catalogue.procedures if p.operator_id != "autre" and not p.group]
    taps: list[float] = []
    drawn: list[bool] = []  # a frame of the Ticket screen with its number has been drawn
    Window.bind(on_flip=lambda *_a: drawn.append(True) if k.screen == "ticket"
                and k.app.ticket_number else None)
    for i in range(int(os.environ.get("KIOSK_BENCH_TAPS", "200"))):
        procedure = procedures[i % len(procedures)]
        k.tap("take")
        k.wait(lambda: k.screen == "organisme")
        k.tap(f"operator:{procedure.operator_id}")
        k.wait(lambda: k.screen == "demarche")
        k.settle(0.2)
        # a tap just after a screen change is taken for a double tap's second and ignored
        k.wait(lambda: getattr(k.app.manager, "settled", True))
        gl.glFinish()  # a person reads the list before tapping: the list is fully drawn
        row = k.find(f"procedure:{procedure.id}")
        x, y = row.to_window(row.center_x, row.center_y)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        k.pump(1)
        gl.glFinish()
        drawn.clear()
        started = time.perf_counter()  # the finger lifts: the button fires on release
        touch.touch_up()
        k.wait(lambda: bool(drawn))
        gl.glFinish()  # the frame's pixels are really there, not just queued for the rasteriser
        taps.append((time.perf_counter() - started) * 1000)
        k.tap("no_thanks")
        k.wait(lambda: k.screen == "accueil")
    POINTS.update(click_points(k, ctx))
    stop_app(k)

    ctx.dispose()
    return [
        line("tap -> ticket screen drawn", taps, 150.0),
    ]


def bench_documents(folder: Path) -> list[str]:
    """Receipt PDF and phone QR of the real checklists, with the slips the kiosk makes, after the
    warm-up the kiosk runs 2 s after its start; in a quiet process (no frames being drawn)."""
    from kiosk.apps.visitor import VisitorService
    from kiosk.core.context import open_context
    from kiosk.core.services import init_database, open_stopover
    from kiosk.output import documents, phone, qr
    from kiosk.output.printing import FilePrinter
    from kiosk.system.config import Settings

    ctx = open_context(Settings(data_dir=folder, database_url=f"sqlite:///{folder}/docs.sqlite3"))
    init_database(ctx)
    open_stopover(ctx, "ducos-bourg")
    service = VisitorService(ctx, printer=FilePrinter(folder / "printed"))
    service.warm_up()
    procedures = [p for p in ctx.catalogue.procedures if p.operator_id != "autre"]
    operator_of = {o.id: o for o in ctx.catalogue.operators}
    receipts, qrs = [], []
    for i in range(60):
        procedure = procedures[i % len(procedures)]
        operator = operator_of[procedure.operator_id]
        # the slip the kiosk prints (today's stop, next passages), each with its own ticket
        # number: no code comes from the cache of a previous one
        slip = service.slip(i + 1)
        started = time.perf_counter()
        documents.receipt_pdf(procedure, operator, slip, folder / "r.pdf", replace=True)
        receipts.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        for text in phone.codes(procedure, operator, slip):  # all of its codes
            qr.qr_matrix(text)
        qrs.append((time.perf_counter() - started) * 1000)
    ctx.dispose()
    return [line("receipt PDF", receipts, 50.0), line("phone QR", qrs, 20.0)]


def bench_latencies(folder: Path) -> list[str]:
    """Ticket taken elsewhere -> on the console; call -> banner on the kiosk (both poll 0.5 s)."""
    from kiosk.apps.console import StaffService
    from kiosk.apps.visitor import VisitorService
    from kiosk.core import services, staff
    from kiosk.core.context import open_context
    from kiosk.output.printing import FilePrinter
    from kiosk.system.config import Settings
    from screens.visitor_app import KioskOptions
    from tests.ui.driver import start_app, start_staff_app, stop_app

    url = f"sqlite:///{folder}/latency.sqlite3"
    ctx = open_context(Settings(data_dir=folder, database_url=url))
    services.init_database(ctx)
    services.open_stopover(ctx, "ducos-bourg")
    staff.add_staff(ctx, "Bench", "animatrice", "1234")
    other = open_context(Settings(data_dir=folder, database_url=url))  # "another process"

    k = start_staff_app(StaffService(ctx))
    k.app.console.login(1, "1234", 1)
    k.wait(lambda: k.screen == "console")
    seen: list[float] = []
    for i in range(40):
        k.settle(0.05 + (i % 10) * 0.045)  # taken at any moment of the polling period
        started = time.perf_counter()
        number = services.take_ticket(other, "autre").number
        k.wait(lambda n=number: any(r["number"] == n for r in k.app.queue_rows))
        k.pump(1)
        seen.append((time.perf_counter() - started) * 1000)
    stop_app(k)

    k = start_app(VisitorService(ctx, printer=FilePrinter(folder)), KioskOptions(staff_pin="1"))
    banners: list[float] = []
    for i in range(40):
        k.settle(0.05 + (i % 10) * 0.045)
        started = time.perf_counter()
        called = services.call_next(other, 1)
        k.wait(lambda n=called.number: k.app.banner.shown
               and k.app.banner.text.startswith(f"N° {n} "))
        k.pump(1)
        banners.append((time.perf_counter() - started) * 1000)
        services.mark_absent(other, called.number)
        k.app.path.banner_done()
    stop_app(k)
    other.dispose()
    ctx.dispose()
    return [line("ticket taken -> on console", seen, 1000.0, app="console"),
            line("call -> banner on kiosk", banners, 1000.0)]


def bench_console_memory(folder: Path) -> list[str]:
    """The real `kiosk staff` process on Xvfb, logged in, through a busy morning written by
    another process: 120 tickets taken, 60 of them called, served and finished at another desk."""
    display = os.environ.get("KIOSK_TEST_DISPLAY")
    if not display or not shutil.which("xdotool"):
        return ["console     resident memory: not measured (no Xvfb: run `make bench`)"]
    from sqlalchemy import select

    from db.models import Desk
    from kiosk.core import services, staff
    from kiosk.core.context import open_context
    from kiosk.core.services import DemandeInput
    from kiosk.system.config import Settings
    from tests.e2e.test_real_windows import visible_window, wait_for, window_id
    from tests.perf.bare_window import process_memory

    data = folder / "console"
    data.mkdir()
    url = f"sqlite:///{data}/kiosk.sqlite3"
    ctx = open_context(Settings(data_dir=data, database_url=url))
    services.init_database(ctx)
    services.open_stopover(ctx, "ducos-bourg")
    staff.add_staff(ctx, "Bench", "animatrice", "1357")
    env = {**os.environ, "DISPLAY": display, "KIOSK_DATA_DIR": str(data),
           "KIOSK_DATABASE_URL": url}
    env.pop("SDL_VIDEODRIVER", None)
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "staff", "--size", "1920x1080"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    x_env = {**os.environ, "DISPLAY": display}
    try:
        wait_for(lambda: visible_window(display, "Borne PLUS – console"), timeout=30,
                 what="console window", proc=proc)
        time.sleep(3)
        at_start = process_memory(proc.pid)
        window = window_id(display, "Borne PLUS – console")
        subprocess.run(["xdotool", "windowfocus", "--sync", str(window)], env=x_env, check=True)
        subprocess.run(["xdotool", "type", "--delay", "80", "1357"], env=x_env, check=True)
        subprocess.run(["xdotool", "key", "Return"], env=x_env, check=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with ctx.read() as s:
                if s.get(Desk, 1).staff_id is not None:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("the console did not log in")
        procedures = [p.id for p in ctx.catalogue.procedures]
        peak = at_start[0]
        for i in range(120):
            services.take_ticket(ctx, procedures[i % len(procedures)], priority=i % 13 == 0)
            if i % 2:
                called = services.call_next(ctx, 2)
                services.start_service(ctx, called.number)
                services.finish_visit(ctx, called.number,
                                      [DemandeInput(called.procedure_id, "solved")])
            time.sleep(0.3)  # a few polling periods: the console redraws for each change
            peak = max(peak, process_memory(proc.pid)[0])
        time.sleep(2)
        rss, pss = process_memory(proc.pid)
        with ctx.read() as s:
            assert s.scalars(select(Desk.staff_id).where(Desk.id == 1)).one() is not None
    finally:
        proc.kill()
        proc.wait()
        ctx.dispose()
    return [f"console     real process (Xvfb, 1920x1080): RSS {at_start[0]:.0f} MB at start "
            f"(PSS {at_start[1]:.0f}); logged in, after 120 tickets and 60 visits RSS {rss:.0f} MB "
            f"(PSS {pss:.0f}), peak {peak:.0f}  target <=200 MB  {'OK' if rss <= 200 else 'SLOW'}"]


def bench_real_visitor_memory(folder: Path) -> list[str]:
    """The real `kiosk visitor` process on Xvfb, clicked through many tickets with xdotool."""
    display = os.environ.get("KIOSK_TEST_DISPLAY")
    if not display or not shutil.which("xdotool") or not POINTS:
        return ["visitor     real process memory: not measured (no Xvfb: run `make bench`)"]
    from sqlalchemy import func, select

    from db.models import Ticket
    from kiosk.core import services
    from kiosk.core.context import open_context
    from kiosk.system.config import Settings
    from tests.e2e.test_real_windows import visible_window, wait_for
    from tests.perf.bare_window import process_memory

    data = folder / "real"
    data.mkdir()
    (data / "config.yaml").write_text("staff_exit_pin: '2468'\nidle_seconds: 10\n", "utf-8")
    url = f"sqlite:///{data}/kiosk.sqlite3"
    ctx = open_context(Settings(data_dir=data, database_url=url))
    services.init_database(ctx)
    services.open_stopover(ctx, "ducos-bourg")
    env = {**os.environ, "DISPLAY": display, "KIOSK_DATA_DIR": str(data),
           "KIOSK_DATABASE_URL": url, "SDL_AUDIODRIVER": "dummy"}
    env.pop("SDL_VIDEODRIVER", None)
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "visitor", "--size", "1920x1080",
                             "--position", "0,0"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)

    def click(name: str, pause: float = 0.35) -> None:
        x, y = POINTS[name]
        subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"],
                       env={**os.environ, "DISPLAY": display}, check=True)
        time.sleep(pause)

    def taken() -> int:
        with ctx.read() as s:
            return s.scalar(select(func.count()).select_from(Ticket)) or 0

    procedures = [p for p in ctx.catalogue.procedures if not p.group]  # one tap on Démarche
    wanted = int(os.environ.get("KIOSK_BENCH_TICKETS", "500"))
    misses = 0
    try:
        wait_for(lambda: visible_window(display, "Borne PLUS"), timeout=60,
                 what="kiosk window", proc=proc)
        time.sleep(3)  # first frames, then the background warm-up
        at_start = process_memory(proc.pid)
        peak = at_start[0]
        i = 0
        while taken() < wanted:
            procedure = procedures[i % len(procedures)]
            i += 1
            before = taken()
            click("take")
            click(f"operator:{procedure.operator_id}")
            if procedure.operator_id != "autre":
                click(f"procedure:{procedure.id}", pause=0.1)
            deadline = time.monotonic() + 5
            while taken() == before and time.monotonic() < deadline:
                time.sleep(0.05)
            if taken() == before:  # a click landed early: let the idle return reset the kiosk
                misses += 1
                time.sleep(12)
                continue
            time.sleep(0.3)
            if i % 7 == 0:
                click("qr", pause=0.5)
                click("done")
            else:
                click("no_thanks")
            peak = max(peak, process_memory(proc.pid)[0])
        time.sleep(2)
        rss, pss = process_memory(proc.pid)
    finally:
        proc.kill()
        proc.wait()
        ctx.dispose()
    bare = subprocess.run([sys.executable, "-m", "tests.perf.bare_window"], env=env, text=True,
                          capture_output=True, timeout=60).stdout.split()
    verdict = "OK" if rss <= 200 else "SLOW"
    return [f"visitor     real process (Xvfb, 1920x1080): RSS {at_start[0]:.0f} MB at start "
            f"(PSS {at_start[1]:.0f}); after {wanted} tickets RSS {rss:.0f} MB (PSS {pss:.0f}), "
            f"peak {peak:.0f}  target <=200 MB  {verdict}"
            + (f"  ({misses} tickets retried)" if misses else ""),
            f"visitor     floor: a bare Kivy window of the same size on this renderer: "
            f"RSS {bare[0] if bare else '?'} MB (PSS {bare[1] if len(bare) > 1 else '?'})"]


def bench_cold_start(folder: Path) -> list[str]:
    from tests.e2e.test_real_windows import visible_window

    display = os.environ.get("KIOSK_TEST_DISPLAY")
    if not display or not shutil.which("xdotool"):
        return ["visitor     cold start: not measured (no Xvfb: run `make bench`)"]
    data = folder / "cold"
    data.mkdir()
    env = {**os.environ, "DISPLAY": display, "KIOSK_DATA_DIR": str(data)}
    env.pop("SDL_VIDEODRIVER", None)
    subprocess.run([sys.executable, "-m", "kiosk", "init"], env=env, check=True,
                   capture_output=True)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "kiosk", "visitor", "--size", "1280x800"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not visible_window(display, "Borne PLUS"):
            if time.perf_counter() - started > 30:
                raise RuntimeError("the kiosk window did not appear within 30 s")
            time.sleep(0.02)
        times.append(time.perf_counter() - started)
        proc.kill()
        proc.wait()
    return [line("cold start to first frame", times, 3.0, unit="s")]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lines = (bench_documents(folder) + bench_screens(folder) + bench_latencies(folder) + bench_cold_start(folder)
                 + bench_real_visitor_memory(folder) + bench_console_memory(folder))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
