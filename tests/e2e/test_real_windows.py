"""The real apps as processes on one Xvfb screen, clicked with xdotool like a person would.

- `kiosk visitor` alone: find the big green button, click it, check the database, leave with the
  staff PIN.
- `kiosk visitor` and `kiosk staff` side by side: a ticket taken by a click on the kiosk shows on
  the console, the console calls it, the kiosk shows the banner.

The tests share one virtual screen, so they live in this one file: `make test` distributes tests
by file (`--dist loadfile`), which keeps them one after the other in one worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from db.models import Desk, Ticket
from kiosk.core import services, staff
from kiosk.core.context import open_context
from kiosk.core.services import open_stopover
from kiosk.system.config import Settings
from screens import theme

DISPLAY = os.environ.get("KIOSK_TEST_DISPLAY", "")
REQUIRED = bool(os.environ.get("KIOSK_REQUIRE_BACKENDS"))
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
# A wait only catches a hang: on a loaded machine a process takes seconds to start, draw or
# end, so no test decides anything by how soon something happened (`make bench` measures that).
HANG_SECONDS = 60.0
GREEN = tuple(round(c * 255) for c in theme.ACTION[:3])
BLUE = tuple(round(c * 255) for c in theme.PRIMARY[:3])


def x(*args: str, display: str) -> str:
    return subprocess.run(list(args), env={**os.environ, "DISPLAY": display}, check=True,
                          capture_output=True, text=True, timeout=HANG_SECONDS).stdout


def screenshot(display: str, name: str) -> Image.Image:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    x("import", "-window", "root", str(path), display=display)
    return Image.open(path).convert("RGB")


def centre_of(image: Image.Image, colour: tuple[int, ...]) -> tuple[int, int]:
    """Centre of the pixels of one colour: where a person would press the green button."""
    small = image.resize((image.width // 4, image.height // 4), Image.NEAREST)
    raw = small.tobytes()
    pixels = (raw[i:i + 3] for i in range(0, len(raw), 3))
    points = [(i % small.width, i // small.width) for i, p in enumerate(pixels)
              if all(abs(a - b) <= 6 for a, b in zip(p, colour, strict=True))]
    assert len(points) > 50, f"no {colour} area on screen"
    xs, ys = zip(*points, strict=True)
    return (sum(xs) // len(xs) * 4, sum(ys) // len(ys) * 4)


def window_id(display: str, title: str) -> str | None:
    """xdotool's --name does not match SDL's UTF-8 window titles: compare the names ourselves."""
    env = {**os.environ, "DISPLAY": display}
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--class", "."], env=env,
                           capture_output=True, text=True, timeout=HANG_SECONDS).stdout.split()
    for w in found:
        name = subprocess.run(["xdotool", "getwindowname", w], env=env, capture_output=True,
                              text=True, timeout=HANG_SECONDS).stdout.strip()
        if name == title:
            return w
    return None


def visible_window(display: str, title: str) -> bool:
    return window_id(display, title) is not None


def click(display: str, point: tuple[int, int]) -> None:
    x("xdotool", "mousemove", str(point[0]), str(point[1]), "click", "1", display=display)


def wait_for(condition, timeout: float = HANG_SECONDS, what: str = "", proc=None,
             log: Path | None = None) -> None:
    """Until `condition`; a timeout says what the app's log (`log`) said last, and which windows
    the screen showed, so that a hang on a loaded machine can be told from a slow start."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            output = proc.stdout.read() if proc.stdout else ""
            raise AssertionError(f"{what}: the process ended ({proc.returncode}): {output[-2000:]}")
        if time.monotonic() >= deadline:
            said = log.read_text("utf-8", "replace")[-2000:] if log and log.exists() else ""
            raise AssertionError(f"timed out after {timeout:g} s: {what}; its log: {said!r}")
        time.sleep(0.1)


def screen_when(display: str, name: str, ready, proc=None, quiet: float = 0.6) -> Image.Image:
    """The screenshot once `ready(image)` gives the same answer (anything but None or False) in
    two screenshots at least `quiet` s apart: the screen has changed, it no longer moves (a fade
    between two screens matches neither), and the kiosk's guard against double taps (0.5 s after
    a change of screen) is over. A person waits for the screen, not for a number of seconds:
    so does the test, on a machine however slow."""
    deadline = time.monotonic() + HANG_SECONDS
    seen, since = None, 0.0
    while True:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"{name}: the process ended ({proc.returncode})")
        image = screenshot(display, name)
        key = ready(image)
        now = time.monotonic()  # the screen showed `key` before this
        if key is not None and key is not False and key == seen:
            if now - since >= quiet:
                return image
        else:
            seen, since = key, now
        assert now < deadline, f"timed out waiting for the screen {name}"
        time.sleep(0.1)


def green_at(image: Image.Image):
    """Where the green button is, or None (no green button, or a fade half-way)."""
    try:
        return centre_of(image, GREEN)
    except AssertionError:
        return None


def test_real_kiosk_window_gives_a_ticket_and_lets_staff_out(xvfb, tmp_path, sqlite_url):
    data = tmp_path / "data"
    data.mkdir()
    (data / "config.yaml").write_text("staff_exit_pin: '2468'\nidle_seconds: 45\n", "utf-8")
    settings = Settings(data_dir=data, database_url=sqlite_url)
    ctx = open_context(settings)
    open_stopover(ctx, "ducos-bourg")
    env = {**os.environ, "DISPLAY": xvfb, "KIOSK_DATA_DIR": str(data),
           "KIOSK_DATABASE_URL": sqlite_url, "SDL_AUDIODRIVER": "dummy"}
    env.pop("SDL_VIDEODRIVER", None)
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "visitor", "--size", "1920x1080",
                             "--position", "0,0"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        # a first start on a fresh machine compiles and caches a lot: be patient
        wait_for(lambda: visible_window(xvfb, "Borne PLUS"), timeout=2 * HANG_SECONDS,
                 what="kiosk window", proc=proc)
        accueil = screen_when(xvfb, "e2e-01-accueil", green_at, proc)  # the first frames
        home = green_at(accueil)
        click(xvfb, home)                               # "Prendre un ticket"
        organisme = screen_when(xvfb, "e2e-02-organisme",
                                lambda im: (g := green_at(im)) != home and g, proc)
        tile = green_at(organisme)
        click(xvfb, tile)                               # the green tile: "Je ne sais pas"

        def ticket_taken() -> bool:
            with ctx.read() as s:
                return bool(s.scalars(select(Ticket.number)).all())

        wait_for(ticket_taken, what="ticket in the database")
        ticket = screen_when(xvfb, "e2e-03-ticket",
                             lambda im: (g := green_at(im)) not in (home, tile) and g, proc)
        with ctx.read() as s:
            assert s.execute(select(Ticket.number, Ticket.procedure_id)).all() == [(1, "autre")]
        click(xvfb, green_at(ticket))                   # "Non merci"
        # back on Accueil, its button where it was
        screen_when(xvfb, "e2e-04-retour-accueil",
                    lambda im: (g := green_at(im)) is not None and g[1] == home[1], proc)

        # Escape and the window manager's close do nothing
        x("xdotool", "key", "Escape", display=xvfb)
        time.sleep(0.5)
        assert proc.poll() is None

        # staff: press the top-left corner (3 s at least) until the pad opens, then type the
        # PIN on it. The pad is 720x900 design px centred on a 1920x1080 window (widgets.kv).
        col = [630 + 105 + j * 224.7 for j in range(3)]
        row = [292 + 62 + i * 139 for i in range(4)]
        key_5 = (int(col[1]) - 70, int(row[1]))  # on the key "5", beside its digit

        def pad_open(image: Image.Image) -> bool:
            pixel = image.getpixel(key_5)
            return all(abs(a - b) <= 6 for a, b in zip(pixel, BLUE, strict=True))

        x("xdotool", "mousemove", "15", "15", "mousedown", "1", display=xvfb)
        time.sleep(3.5)
        screen_when(xvfb, "e2e-05-code-equipe", pad_open, proc, quiet=0)
        x("xdotool", "mouseup", "1", display=xvfb)
        time.sleep(0.6)
        keys = {"1": (0, 0), "2": (0, 1), "3": (0, 2), "4": (1, 0), "5": (1, 1), "6": (1, 2),
                "7": (2, 0), "8": (2, 1), "9": (2, 2), "0": (3, 1), "OK": (3, 2)}
        for key in ["2", "4", "6", "8", "OK"]:
            r, c = keys[key]
            click(xvfb, (int(col[c]), int(row[r])))
            time.sleep(0.25)
        proc.wait(timeout=HANG_SECONDS)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        ctx.dispose()


YELLOW = tuple(round(c * 255) for c in theme.BANNER[:3])
PANEL = tuple(round(c * 255) for c in theme.PANEL[:3])
HALF = 960


def half(image: Image.Image, right: bool) -> Image.Image:
    return image.crop((HALF, 0, 2 * HALF, 600) if right else (0, 0, HALF, 600))


def shifted(point: tuple[int, int], right: bool) -> tuple[int, int]:
    return (point[0] + HALF, point[1]) if right else point


def drawn(image: Image.Image) -> bool:
    """The window has drawn something: most of it is no longer black."""
    small = image.resize((image.width // 8, image.height // 8), Image.NEAREST).convert("L")
    return sum(1 for v in small.tobytes() if v > 16) > small.width * small.height // 2


def has_colour(image: Image.Image, colour: tuple[int, ...], at_least: int = 200) -> bool:
    try:
        centre_of(image, colour)
    except AssertionError:
        return False
    return True


def test_kiosk_and_console_talk_through_the_database(xvfb, tmp_path, sqlite_url):
    data = tmp_path / "data"
    data.mkdir()
    settings = Settings(data_dir=data, database_url=sqlite_url)
    ctx = open_context(settings)
    services.open_stopover(ctx, "ducos-bourg")
    staff.add_staff(ctx, "Marie", "animatrice", "1357")
    env = {**os.environ, "DISPLAY": xvfb, "KIOSK_DATA_DIR": str(data),
           "KIOSK_DATABASE_URL": sqlite_url, "SDL_AUDIODRIVER": "dummy"}
    env.pop("SDL_VIDEODRIVER", None)
    kiosk = [sys.executable, "-m", "kiosk"]
    logs = {name: (tmp_path / f"{name}.log").open("w") for name in ("visitor", "console")}
    visitor = subprocess.Popen([*kiosk, "visitor", "--size", f"{HALF}x600", "--position", "0,0"],
                               env=env, stdout=logs["visitor"], stderr=subprocess.STDOUT)
    console = subprocess.Popen([*kiosk, "staff", "--size", f"{HALF}x600", "--position",
                                f"{HALF},0"], env=env, stdout=logs["console"],
                               stderr=subprocess.STDOUT)

    def both_windows() -> bool:
        for name, proc in (("visitor", visitor), ("console", console)):
            if proc.poll() is not None:
                log = (tmp_path / f"{name}.log").read_text()[-2000:]
                raise AssertionError(f"the {name} ended ({proc.returncode}): {log}")
        return (visible_window(xvfb, "Borne PLUS")
                and visible_window(xvfb, "Borne PLUS – console"))

    try:
        wait_for(both_windows, timeout=2 * HANG_SECONDS, what="both windows")
        # the console has drawn its login screen: its keys are listened to
        screen_when(xvfb, "e2e-09-connexion", lambda im: drawn(half(im, right=True)))
        # the animatrice logs in on her keyboard: one account, desk 1 by default
        console_window = window_id(xvfb, "Borne PLUS – console")
        x("xdotool", "windowfocus", "--sync", console_window, display=xvfb)
        x("xdotool", "type", "--delay", "80", "1357", display=xvfb)
        x("xdotool", "key", "Return", display=xvfb)

        def logged_in() -> bool:
            with ctx.read() as s:
                return s.get(Desk, 1).staff_id is not None

        wait_for(logged_in, what="animatrice at desk 1")
        # the console shows 'Appeler le suivant', the kiosk its green button
        screen = screen_when(xvfb, "e2e-10-deux-ecrans",
                             lambda im: has_colour(half(im, right=True), GREEN)
                             and green_at(half(im, right=False)))
        home = green_at(half(screen, right=False))

        # a visitor takes a ticket with two clicks on the kiosk
        click(xvfb, home)
        organisme = screen_when(xvfb, "e2e-11-organisme",
                                lambda im: (g := green_at(half(im, right=False))) != home and g)
        click(xvfb, green_at(half(organisme, right=False)))

        def taken() -> bool:
            with ctx.read() as s:
                return s.scalar(select(Ticket.state).where(Ticket.number == 1)) == "waiting"

        wait_for(taken, what="ticket taken at the kiosk")
        # the console shows it by itself, nothing done on it (how soon: `make bench`)
        wait_for(lambda: has_colour(half(screenshot(xvfb, "e2e-12-ticket-sur-console"),
                                         right=True), PANEL, 2000),
                 what="ticket row on the console")

        # the console calls it with one click on the green button
        screen = screenshot(xvfb, "e2e-12-ticket-sur-console")
        click(xvfb, shifted(centre_of(half(screen, right=True), GREEN), right=True))

        def called() -> bool:
            with ctx.read() as s:
                return s.execute(select(Ticket.state, Ticket.desk_id)
                                 .where(Ticket.number == 1)).one() == ("called", 1)

        wait_for(called, what="ticket called from the console")
        wait_for(lambda: has_colour(half(screenshot(xvfb, "e2e-13-bandeau"), right=False),
                                    YELLOW), what="banner on the kiosk")
        assert visitor.poll() is None and console.poll() is None
    finally:
        for proc in (visitor, console):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        ctx.dispose()


def start_app(name: str, xvfb: str, data: Path, url: str, log: Path, size: str = f"{HALF}x600",
              position: str = "0,0") -> subprocess.Popen[bytes]:
    env = {**os.environ, "DISPLAY": xvfb, "KIOSK_DATA_DIR": str(data),
           "KIOSK_DATABASE_URL": url, "SDL_AUDIODRIVER": "dummy"}
    env.pop("SDL_VIDEODRIVER", None)
    return subprocess.Popen([sys.executable, "-m", "kiosk", name, "--size", size, "--position",
                             position], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def ended(proc: subprocess.Popen[bytes]) -> float:
    """Seconds the process took to end by itself. The ceiling only catches a process that does
    not end: a loaded machine takes seconds to close a window and a database (measured at 2 s
    and more with both CPUs busy), so how fast is `make bench`'s, not a test's."""
    started = time.monotonic()
    proc.wait(timeout=HANG_SECONDS)
    return time.monotonic() - started


def test_kiosk_refuses_escape_but_stops_on_sigterm_and_sigint(xvfb, tmp_path, sqlite_url):
    """systemctl stop, a restart after an update, the bus PC's shutdown: SIGTERM (and Ctrl+C's
    SIGINT) end the locked kiosk cleanly (exit 0, no traceback), while Escape still does
    nothing."""
    import signal

    data = tmp_path / "data"
    data.mkdir()
    ctx = open_context(Settings(data_dir=data, database_url=sqlite_url))
    ctx.dispose()
    for signum in (signal.SIGTERM, signal.SIGINT):
        log = tmp_path / f"visitor-{signum}.log"
        proc = start_app("visitor", xvfb, data, sqlite_url, log)
        try:
            wait_for(lambda p=proc: visible_window(xvfb, "Borne PLUS") or p.poll() is not None,
                     timeout=2 * HANG_SECONDS, what="kiosk window", log=log)
            assert proc.poll() is None, log.read_text()[-2000:]
            time.sleep(1.0)
            x("xdotool", "key", "Escape", display=xvfb)
            x("xdotool", "key", "alt+F4", display=xvfb)
            time.sleep(0.8)
            assert proc.poll() is None, "Escape or Alt+F4 closed the kiosk"
            proc.send_signal(signum)
            took = ended(proc)
            assert proc.returncode == 0, log.read_text()[-2000:]
            print(f"kiosk visitor: {signal.Signals(signum).name} -> exit 0 in {took:.2f} s")
            assert "Traceback" not in log.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


RED = tuple(round(c * 255) for c in theme.ERROR[:3])
# on the kiosk's 960x600 window: the first organism tile (CAF, order 10) and the first procedure
CAF_TILE = (129, 237)
FIRST_PROCEDURE = (240, 250)


def colour_count(image: Image.Image, colour: tuple[int, ...], tolerance: int = 40) -> int:
    raw = image.tobytes()
    return sum(1 for i in range(0, len(raw), 3)
               if all(abs(a - b) <= tolerance for a, b in zip(raw[i:i + 3], colour, strict=True)))


def changed(image: Image.Image, before: Image.Image) -> bytes | None:
    """The picture (small) when 2 % of it differs from `before`'s (opening a group of CAF
    procedures changes 7 %), else None."""
    small = image.resize((image.width // 8, image.height // 8), Image.NEAREST).convert("L")
    old = before.resize((before.width // 8, before.height // 8), Image.NEAREST).convert("L")
    pixels = small.tobytes()
    differ = sum(1 for a, b in zip(pixels, old.tobytes(), strict=True) if abs(a - b) > 40)
    return pixels if differ > len(pixels) // 50 else None


def test_a_catalogue_file_broken_under_both_apps(xvfb, tmp_path, sqlite_url):
    """A coordinator copies a wrong caf.yaml while the kiosk and the console run: both keep
    running on the last good catalogue, the kiosk still gives a CAF ticket, the console shows
    a red line (its words: tests/ui/test_console_catalogue.py) until the file is good again.
    Then SIGTERM ends both cleanly."""
    import shutil
    import signal

    from kiosk.system.config import ASSETS_DIR

    data = tmp_path / "data"
    data.mkdir()
    shutil.copytree(ASSETS_DIR / "catalogue", data / "catalogue")  # the coordinator's own copy
    caf = data / "catalogue" / "caf.yaml"
    good = caf.read_text("utf-8")
    ctx = open_context(Settings(data_dir=data, database_url=sqlite_url))
    services.open_stopover(ctx, "ducos-bourg")
    staff.add_staff(ctx, "Marie", "animatrice", "1357")
    visitor = start_app("visitor", xvfb, data, sqlite_url, tmp_path / "visitor.log")
    console = start_app("staff", xvfb, data, sqlite_url, tmp_path / "console.log",
                        position=f"{HALF},0")

    def alive() -> None:
        for name, proc in (("visitor", visitor), ("console", console)):
            if proc.poll() is not None:
                log = (tmp_path / f"{name}.log").read_text()[-2000:]
                raise AssertionError(f"the {name} ended ({proc.returncode}): {log}")

    def status_red(name: str) -> int:
        """Red pixels in the console's lower part, where its problem lines are."""
        alive()
        screen = screenshot(xvfb, name)
        return colour_count(screen.crop((HALF, 400, 2 * HALF, 600)), RED)

    try:
        wait_for(lambda: (alive(), visible_window(xvfb, "Borne PLUS")
                          and visible_window(xvfb, "Borne PLUS – console"))[1],
                 timeout=2 * HANG_SECONDS, what="both windows")
        screen_when(xvfb, "e2e-19-connexion", lambda im: drawn(half(im, right=True)))
        console_window = window_id(xvfb, "Borne PLUS – console")
        x("xdotool", "windowfocus", "--sync", console_window, display=xvfb)
        x("xdotool", "type", "--delay", "80", "1357", display=xvfb)
        x("xdotool", "key", "Return", display=xvfb)

        def logged_in() -> bool:
            with ctx.read() as s:
                return s.get(Desk, 1).staff_id is not None

        wait_for(logged_in, what="animatrice at desk 1")
        # a first catalogue check, and any sound problem line, come and settle: the red of the
        # problem lines stays the same for 3 s
        quiet = colour_count(screen_when(
            xvfb, "e2e-20-catalogue-bon",
            lambda im: (alive(), colour_count(im.crop((HALF, 400, 2 * HALF, 600)), RED) + 1)[1],
            quiet=3.0).crop((HALF, 400, 2 * HALF, 600)), RED)

        # the wrong file: the RSA's title is missing (line of the procedure, field « title »)
        caf.write_text(good.replace("title: RSA (revenu de solidarité active)", "title:", 1),
                       "utf-8")
        wait_for(lambda: status_red("e2e-21-catalogue-casse") > quiet + 300,
                 what="the console's red line")
        broken = status_red("e2e-21-catalogue-casse")

        # the kiosk gives a CAF ticket: Prendre un ticket, the CAF tile, its first group, its
        # first procedure
        screen = screenshot(xvfb, "e2e-21-catalogue-casse")
        home = green_at(half(screen, right=False))
        click(xvfb, home)
        organisme = screen_when(xvfb, "e2e-22-borne-organisme",
                                lambda im: (g := green_at(half(im, right=False))) != home and g)
        click(xvfb, CAF_TILE)
        demarche = screen_when(xvfb, "e2e-23-borne-demarche-caf",
                               lambda im: changed(half(im, right=False), half(organisme, False)))
        click(xvfb, FIRST_PROCEDURE)  # CAF shows its groups first: the first one opens
        screen_when(xvfb, "e2e-23b-borne-demarche-caf-groupe",
                    lambda im: changed(half(im, right=False), half(demarche, False)))
        click(xvfb, FIRST_PROCEDURE)  # its first procedure, in the same place

        def caf_ticket() -> bool:
            with ctx.read() as s:
                return bool(s.scalars(select(Ticket.procedure_id)
                                      .where(Ticket.procedure_id.like("caf-%"))).all())

        wait_for(caf_ticket, what="a CAF ticket from the kiosk")
        screen_when(xvfb, "e2e-24-borne-ticket-caf", green_at)
        alive()

        caf.write_text(good, "utf-8")
        wait_for(lambda: status_red("e2e-25-catalogue-repare") < broken - 300,
                 what="the line goes")
        alive()
        for proc in (visitor, console):
            proc.send_signal(signal.SIGTERM)
        for proc in (visitor, console):
            ended(proc)
            assert proc.returncode == 0
    finally:
        for proc in (visitor, console):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        ctx.dispose()
