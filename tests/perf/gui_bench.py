"""Visitor kiosk benchmarks, run in a process of their own by tests/perf/run.py.

- tap on a procedure -> ticket screen drawn (in-process, offscreen window, real SQLite file)
- receipt PDF and phone QR generation
- resident memory of the app after 500 tickets taken through the screens
- cold start of the real `kiosk visitor` process to its first frame (needs Xvfb)
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


def line(name: str, samples: list[float], target: float, unit: str = "ms") -> str:
    p50, p95 = statistics.median(samples), percentile(samples, 0.95)
    verdict = "OK" if p95 <= target else "SLOW"
    return (f"visitor     {name:<28} n={len(samples):<4} p50={p50:8.2f} {unit} "
            f"p95={p95:8.2f} {unit}  target p95<={target} {unit}  {verdict}")


def rss_mb() -> float:
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) / 1024
    return float("nan")


def bench_screens(folder: Path) -> list[str]:
    from kivy.config import Config

    Config.set("graphics", "width", "1920")
    Config.set("graphics", "height", "1080")
    from kivy.core.window import Window
    from kivy.graphics import opengl as gl
    from kivy.tests.common import UnitTestTouch

    from kiosk import documents
    from kiosk.config import Settings
    from kiosk.context import open_context
    from kiosk.printing import FilePrinter
    from kiosk.services import init_database, open_stopover
    from kiosk.visitor import VisitorService
    from screens.visitor_app import KioskOptions
    from tests.ui.driver import start_app, stop_app

    ctx = open_context(Settings(data_dir=folder, database_url=f"sqlite:///{folder}/gui.sqlite3"))
    init_database(ctx)
    open_stopover(ctx, "ducos-bourg")
    service = VisitorService(ctx, printer=FilePrinter(folder / "printed"))
    k = start_app(service, KioskOptions(idle_seconds=600, staff_pin="1"))
    procedures = [p for p in ctx.catalogue.procedures if p.operator_id != "autre"]
    taps: list[float] = []
    drawn: list[bool] = []  # a frame of the Ticket screen with its number has been drawn
    Window.bind(on_flip=lambda *_a: drawn.append(True) if k.screen == "ticket"
                and k.app.ticket_number else None)
    for i in range(int(os.environ.get("KIOSK_BENCH_TICKETS", "500"))):
        procedure = procedures[i % len(procedures)]
        k.tap("take")
        k.wait(lambda: k.screen == "organisme")
        k.tap(f"operator:{procedure.operator_id}")
        k.wait(lambda: k.screen == "demarche")
        k.settle(0.2)
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
    memory = rss_mb()
    stop_app(k)

    operator_of = {o.id: o for o in ctx.catalogue.operators}
    receipts, qrs = [], []
    for i in range(60):
        procedure = procedures[i % len(procedures)]
        operator = operator_of[procedure.operator_id]
        # each slip its own number, as at the kiosk: no code comes from the cache of a previous one
        slip = documents.Slip(number=1000 + i, printed_at=ctx.now(), stop_name="Bourg",
                              commune_name="Ducos", next_passages=())
        started = time.perf_counter()
        documents.receipt_pdf(procedure, operator, slip, folder / "r.pdf")
        receipts.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        documents.qr_matrix(documents.phone_text(procedure, operator, slip))
        qrs.append((time.perf_counter() - started) * 1000)
    ctx.dispose()
    return [
        line("tap -> ticket screen drawn", taps, 150.0),
        line("receipt PDF", receipts, 50.0),
        line("phone QR", qrs, 20.0),
        f"visitor     resident memory after {len(taps)} tickets: {memory:.0f} MB  target <=200 MB  "
        f"{'OK' if memory <= 200 else 'SLOW'}",
    ]


def bench_latencies(folder: Path) -> list[str]:
    """Ticket taken elsewhere -> on the console; call -> banner on the kiosk (both poll 0.5 s)."""
    from kiosk import services, staff
    from kiosk.config import Settings
    from kiosk.console import StaffService
    from kiosk.context import open_context
    from kiosk.printing import FilePrinter
    from kiosk.visitor import VisitorService
    from screens.visitor_app import KioskOptions
    from tests.ui.driver import start_app, start_staff_app, stop_app

    url = f"sqlite:///{folder}/latency.sqlite3"
    ctx = open_context(Settings(data_dir=folder, database_url=url))
    services.init_database(ctx)
    services.open_stopover(ctx, "ducos-bourg")
    staff.add_staff(ctx, "Bench", "animatrice", "1234")
    other = open_context(Settings(data_dir=folder, database_url=url))  # "another process"

    k = start_staff_app(StaffService(ctx))
    k.app.login(1, "1234", 1)
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
        k.app._banner_done(0)
    stop_app(k)
    other.dispose()
    ctx.dispose()
    return [line("ticket taken -> on console", seen, 1000.0),
            line("call -> banner on kiosk", banners, 1000.0)]


def bench_console_memory(folder: Path) -> list[str]:
    display = os.environ.get("KIOSK_TEST_DISPLAY")
    if not display:
        return ["console     resident memory: not measured (no Xvfb: run `make bench`)"]
    from tests.e2e.test_real_windows import visible_window

    data = folder / "console"
    data.mkdir()
    env = {**os.environ, "DISPLAY": display, "KIOSK_DATA_DIR": str(data)}
    env.pop("SDL_VIDEODRIVER", None)
    subprocess.run([sys.executable, "-m", "kiosk", "demo", "--no-gui"], env=env, check=True,
                   capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "staff", "--size", "1920x1080"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.perf_counter()
    while not visible_window(display, "Borne PLUS – console"):
        if time.perf_counter() - started > 30:
            raise RuntimeError("the console window did not appear within 30 s")
        time.sleep(0.05)
    time.sleep(3)
    status = Path(f"/proc/{proc.pid}/status").read_text()
    rss = next(int(r.split()[1]) for r in status.splitlines() if r.startswith("VmRSS")) / 1024
    rollup = Path(f"/proc/{proc.pid}/smaps_rollup").read_text()
    pss = next(int(r.split()[1]) for r in rollup.splitlines() if r.startswith("Pss:")) / 1024
    proc.kill()
    proc.wait()
    return [f"console     resident memory: RSS {rss:.0f} MB (PSS {pss:.0f} MB)  target <=200 MB  "
            f"{'OK' if rss <= 200 else 'SLOW'}"]


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
        lines = (bench_screens(folder) + bench_latencies(folder) + bench_cold_start(folder)
                 + bench_console_memory(folder))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
