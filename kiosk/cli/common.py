"""What every command group shares: the one-line error parser, output, the database."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, NoReturn

from kiosk.config import Settings
from kiosk.context import Context, open_context
from kiosk.domain import HALF_LABELS, Half
from kiosk.errors import KioskError, readable

PROG = "kiosk"


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, naming what is wrong: scripts and people read it the same way.
        self.exit(2, f"{self.prog}: {message}\n")


INT_MAX = 2**31 - 1  # PostgreSQL's integer: larger numbers cannot name a ticket or a desk


def number_type(what: str) -> Any:
    """An argparse type for a ticket or desk number: a whole number from 1 to INT_MAX, refused in
    one line before any database sees it (SQLite overflows at 2**63, PostgreSQL at 2**31)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} invalide « {readable(text, 30)} » : "
                                             "un nombre entier") from None
        if not 1 <= value <= INT_MAX:
            raise argparse.ArgumentTypeError(f"{what} invalide « {readable(text, 30)} » : "
                                             f"entre 1 et {INT_MAX}")
        return value

    parse.__name__ = what  # argparse names the type in its own messages
    return parse


TICKET_NUMBER = number_type("numéro de ticket")
DESK_NUMBER = number_type("numéro de poste")


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
        if path.is_file() and path.stat().st_size == 0:
            # an emptied file (a bad copy, a full disk) must not be rebuilt silently: ticket
            # numbers would restart at 1 and the history would be gone without a word
            raise KioskError(f"Base de données vide ({path}) : restaurez une sauvegarde, ou "
                             "lancez « kiosk init » pour repartir d'une base neuve.")
    return open_context(settings)
