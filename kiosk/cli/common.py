"""What every command group shares: the one-line error parser, output, the database."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, NoReturn

from kiosk.config import Settings
from kiosk.context import Context, open_context
from kiosk.domain import HALF_LABELS, Half
from kiosk.errors import KioskError

PROG = "kiosk"


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, naming what is wrong: scripts and people read it the same way.
        self.exit(2, f"{self.prog}: {message}\n")


def json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")


def emit(args: argparse.Namespace, data: Any, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(text)


def half_label(half: str) -> str:
    return HALF_LABELS[Half(half)]


def open_database(settings: Settings, create: bool = False) -> Context:
    url = settings.effective_database_url
    if not create and url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            raise KioskError(f"Base de données absente ({path}) : lancez d'abord « kiosk init ».")
    return open_context(settings)
