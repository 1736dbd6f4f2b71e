"""The real `kiosk visitor` process on an Xvfb screen, clicked with xdotool like a person would:
find the big green button, click it, check the database, leave with the staff PIN."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from db.models import Ticket
from kiosk.config import Settings
from kiosk.context import open_context
from kiosk.services import open_stopover
from screens import theme

# one virtual screen for all: the end-to-end tests run one after the other in one worker
pytestmark = pytest.mark.xdist_group("xvfb")

DISPLAY = os.environ.get("KIOSK_TEST_DISPLAY", "")
REQUIRED = bool(os.environ.get("KIOSK_REQUIRE_BACKENDS"))
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
GREEN = tuple(round(c * 255) for c in theme.ACTION[:3])


def x(*args: str, display: str) -> str:
    return subprocess.run(list(args), env={**os.environ, "DISPLAY": display}, check=True,
                          capture_output=True, text=True, timeout=20).stdout


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
                           capture_output=True, text=True, timeout=10).stdout.split()
    for w in found:
        name = subprocess.run(["xdotool", "getwindowname", w], env=env, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        if name == title:
            return w
    return None


def visible_window(display: str, title: str) -> bool:
    return window_id(display, title) is not None


def click(display: str, point: tuple[int, int]) -> None:
    x("xdotool", "mousemove", str(point[0]), str(point[1]), "click", "1", display=display)


def wait_for(condition, timeout: float = 15.0, what: str = "", proc=None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            output = proc.stdout.read() if proc.stdout else ""
            raise AssertionError(f"{what}: the process ended ({proc.returncode}): {output[-2000:]}")
        assert time.monotonic() < deadline, f"timed out: {what}"
        time.sleep(0.1)


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
        wait_for(lambda: visible_window(xvfb, "Borne PLUS"), timeout=60, what="kiosk window",
                 proc=proc)
        time.sleep(1.5)  # first frames
        accueil = screenshot(xvfb, "e2e-01-accueil")
        click(xvfb, centre_of(accueil, GREEN))          # "Prendre un ticket"
        time.sleep(0.8)
        organisme = screenshot(xvfb, "e2e-02-organisme")
        click(xvfb, centre_of(organisme, GREEN))        # the green tile: "Je ne sais pas"

        def ticket_taken() -> bool:
            with ctx.read() as s:
                return bool(s.scalars(select(Ticket.number)).all())

        wait_for(ticket_taken, what="ticket in the database")
        time.sleep(0.8)
        ticket = screenshot(xvfb, "e2e-03-ticket")
        with ctx.read() as s:
            assert s.execute(select(Ticket.number, Ticket.procedure_id)).all() == [(1, "autre")]
        click(xvfb, centre_of(ticket, GREEN))           # "Non merci"
        time.sleep(0.8)
        back = screenshot(xvfb, "e2e-04-retour-accueil")
        assert centre_of(back, GREEN)[1] == centre_of(accueil, GREEN)[1]

        # Escape and the window manager's close do nothing
        x("xdotool", "key", "Escape", display=xvfb)
        time.sleep(0.5)
        assert proc.poll() is None

        # staff: press the top-left corner for 3.5 s, then type the PIN on the pad
        x("xdotool", "mousemove", "15", "15", "mousedown", "1", display=xvfb)
        time.sleep(3.5)
        x("xdotool", "mouseup", "1", display=xvfb)
        time.sleep(0.6)
        screenshot(xvfb, "e2e-05-code-equipe")
        # the pad is 720x900 design px centred on a 1920x1080 window (see widgets.kv)
        col = [630 + 105 + j * 224.7 for j in range(3)]
        row = [292 + 62 + i * 139 for i in range(4)]
        keys = {"1": (0, 0), "2": (0, 1), "3": (0, 2), "4": (1, 0), "5": (1, 1), "6": (1, 2),
                "7": (2, 0), "8": (2, 1), "9": (2, 2), "0": (3, 1), "OK": (3, 2)}
        for key in ["2", "4", "6", "8", "OK"]:
            r, c = keys[key]
            click(xvfb, (int(col[c]), int(row[r])))
            time.sleep(0.25)
        proc.wait(timeout=10)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        ctx.dispose()
