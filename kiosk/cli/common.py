"""What every command group shares: the one-line error parser, output, the database."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from kiosk.core.context import Context, open_context
from kiosk.domain import HALF_LABELS, Half
from kiosk.errors import KioskError, readable
from kiosk.reports.periods import BadDate, Period, parse_day
from kiosk.system.config import Settings

PROG = "kiosk"


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, naming what is wrong: scripts and people read it the same way. argparse
        # quotes stray arguments raw: a newline or a bidi character would break or reorder it.
        self.exit(2, f"{self.prog}: {readable(message, 300)}\n")


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


def path_type(what: str) -> Any:
    """An argparse type for a file or folder named on the command line: a name the system
    cannot hold (over 255 bytes a part, 4095 in all) is refused in one line, where every later
    look at it (exists, is_dir) would raise an OSError."""

    def parse(text: str) -> Path:
        try:
            whole = os.fsencode(text)
            parts = [os.fsencode(part) for part in Path(text).parts]
        except UnicodeEncodeError:  # a surrogate no byte string gave
            raise argparse.ArgumentTypeError(f"{what} invalide « {readable(text, 40)} »") from None
        if b"\0" in whole:
            raise argparse.ArgumentTypeError(f"{what} invalide « {readable(text, 40)} »")
        if len(whole) > 4095 or any(len(part) > 255 for part in parts):
            raise argparse.ArgumentTypeError(f"{what} trop long « {readable(text, 40)} » : 255 "
                                             "octets au plus par nom, 4095 en tout")
        return Path(text)

    parse.__name__ = what
    return parse


T = TypeVar("T")


def calendar_type(what: str, parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse type for a date, month, quarter or year of the command line, read by the
    core's own parser (kiosk/reports/periods.py: both spellings of a day, the bus's calendar,
    2000 to 2100): refused in one line naming the option before any file or database is
    touched."""

    def parse_text(text: str) -> T:
        try:
            return parse(text)
        except BadDate as bad:
            raise argparse.ArgumentTypeError(f"« {readable(text, 30)} » : {bad.detail}") from None

    parse_text.__name__ = what
    return parse_text


FILE_PATH = path_type("chemin")
TICKET_NUMBER = number_type("numéro de ticket")
DESK_NUMBER = number_type("numéro de poste")
DATE = calendar_type("date", parse_day)
MONTH = calendar_type("mois", Period.month)
QUARTER = calendar_type("trimestre", Period.quarter)
YEAR = calendar_type("année", Period.year)


# The extensions of the files the commands write, by format. A name with one of them that is not
# the format's (`--format pdf --out rapport.csv`) is a slip: a PDF that opens in no spreadsheet.
# Other names (no extension, .txt, .dat) are the user's choice.
EXTENSIONS = {"csv": (".csv",), "xlsx": (".xlsx",), "pdf": (".pdf",), "png": (".png",),
              "ics": (".ics",), "yaml": (".yaml", ".yml")}


def out_arguments(p: argparse.ArgumentParser, what: str, required: bool = True) -> None:
    """--out FICHIER and --force, the same for every command that writes a file."""
    p.add_argument("--out", required=required, type=FILE_PATH, metavar="FICHIER", help=what)
    p.add_argument("--force", action="store_true",
                   help="remplacer le fichier --out s'il existe déjà (un fichier ordinaire "
                        "seulement : jamais un dossier, un lien ou un périphérique)")


def out_file(args: argparse.Namespace, kind: str) -> Path:
    """The one check of every --out, before anything is computed or written: its folder exists;
    a file already there is refused without --force; with it, only a regular file may be
    replaced (kiosk/system/files.py says why, and checks again when it writes); the name's
    extension does not contradict the format `kind` (a key of EXTENSIONS)."""
    from kiosk.system.files import check_target

    out = Path(args.out)
    suffix = out.suffix.lower()
    known = {s for extensions in EXTENSIONS.values() for s in extensions}
    if suffix in known and suffix not in EXTENSIONS[kind]:
        raise KioskError(f"--out {out} : l'extension {out.suffix} ne convient pas à un fichier "
                         f"{kind.upper()} (attendu : {' ou '.join(EXTENSIONS[kind])})")
    return check_target(out, replace=args.force)


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
