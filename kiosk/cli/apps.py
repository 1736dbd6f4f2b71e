"""Commands that open windows: the visitor kiosk, the staff console, the demo."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kiosk.cli.common import open_database
from kiosk.content.catalogue import cached_catalogue
from kiosk.errors import KioskError
from kiosk.system.config import Settings, load_settings


def _display(args: argparse.Namespace, configured: str, locked: bool = True) -> Any:
    """The window of an app: the settings' `*_display`, unless the command line says else."""
    from screens.launch import Display

    display = Display.parse(configured, locked=locked)
    if args.size:
        try:
            width, height = (int(v) for v in args.size.lower().split("x"))
        except ValueError:
            raise KioskError(
                f"--size « {args.size} » : il faut LARGEURxHAUTEUR, par exemple 1920x1080."
            ) from None
        left, top = display.position
        if args.position:
            try:
                left, top = (int(v) for v in args.position.split(","))
            except ValueError:
                raise KioskError(
                    f"--position « {args.position} » : il faut X,Y, par exemple 1920,0."
                ) from None
        display = Display(fullscreen=False, size=(width, height), position=(left, top),
                          locked=locked)
    elif args.position:
        raise KioskError("--position demande aussi --size.")
    if args.windowed:
        display = Display(fullscreen=False, size=display.size or (1280, 800),
                          position=display.position, locked=False)
    return display


def cmd_visitor(args: argparse.Namespace, settings: Settings) -> int:
    display = _display(args, settings.visitor_display)
    cached_catalogue(settings.effective_catalogue_dir)
    open_database(settings).dispose()  # refuse before opening a window when the base is missing
    from screens.launch import run_visitor

    run_visitor(settings, display)
    return 0


def cmd_staff(args: argparse.Namespace, settings: Settings) -> int:
    display = _display(args, settings.staff_display, locked=False)
    cached_catalogue(settings.effective_catalogue_dir)
    open_database(settings).dispose()
    from screens.launch import run_staff

    run_staff(settings, display)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    import os

    from kiosk.apps.demo import seed_demo

    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    config = settings.data_dir / "config.yaml"
    if not config.exists() and settings.config_file is None:
        config.write_text("# Borne PLUS demo settings\nstaff_exit_pin: '1234'\n", "utf-8")
        settings = load_settings()
    ctx = open_database(settings, create=True)
    print(seed_demo(ctx))
    ctx.dispose()
    print(f"Données : {settings.data_dir}. Essayez : KIOSK_DATA_DIR={settings.data_dir} "
          "kiosk queue ; kiosk call --desk 3 ; kiosk ticket take caf-aide-logement")
    if args.no_gui:
        return 0
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        print("Pas d'écran ici : la borne se lance avec « kiosk visitor » et la console avec "
              "« kiosk staff » sur le PC du bus.")
        return 0
    return _launch_side_by_side(settings)


def _screen_size() -> tuple[int, int]:
    import shutil
    import subprocess

    if shutil.which("xdotool"):
        out = subprocess.run(["xdotool", "getdisplaygeometry"], capture_output=True, text=True,
                             timeout=5).stdout.split()
        if len(out) == 2:
            return int(out[0]), int(out[1])
    return 1920, 1080


def _launch_side_by_side(settings: Settings) -> int:
    """The visitor kiosk on the left half of the screen, the console on the right half: two
    processes sharing the database, as on the bus's two screens."""
    import os
    import subprocess

    width, height = _screen_size()
    half = width // 2
    size = f"{half}x{min(height, half * 9 // 16 * 2)}"
    env = {**os.environ, "KIOSK_DATA_DIR": str(settings.data_dir)}
    print(f"Borne à gauche, console à droite ({size} chacune). Code de sortie de la borne : "
          f"{settings.staff_exit_pin or 'non défini'} (appui long en haut à gauche). "
          "Fermez la console pour tout arrêter.")
    kiosk = [sys.executable, "-m", "kiosk"]
    visitor = subprocess.Popen([*kiosk, "visitor", "--windowed", "--size", size,
                                "--position", "0,0"], env=env)
    try:
        console = subprocess.run([*kiosk, "staff", "--size", size, "--position", f"{half},0"],
                                 env=env)
    finally:
        visitor.terminate()
        visitor.wait(timeout=10)
    return console.returncode


def register(sub: Any) -> None:
    for name, run, help_text in (
        ("visitor", cmd_visitor, "lancer la borne tactile des visiteurs"),
        ("staff", cmd_staff, "lancer la console des animatrices"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--windowed", action="store_true",
                       help="fenêtre normale avec curseur (essai), sans verrouillage")
        p.add_argument("--size", metavar="LxH",
                       help="fenêtre sans bord de cette taille, ex. 1920x1080")
        p.add_argument("--position", metavar="X,Y",
                       help="place de la fenêtre, ex. 1920,0 (2e écran)")
        p.set_defaults(run=run)

    p = sub.add_parser("demo", help="préparer une base de démonstration et lancer la borne")
    p.add_argument("--no-gui", action="store_true", help="préparer les données sans fenêtre")
    p.set_defaults(run=cmd_demo)
