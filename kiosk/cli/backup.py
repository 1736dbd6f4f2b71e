"""Backups: a checked copy while the apps run, and a restore that keeps the replaced base aside."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kiosk.cli.common import FILE_PATH, emit, json_flag, open_database
from kiosk.core import backup, restore
from kiosk.errors import KioskError
from kiosk.system.config import Settings


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    ctx = open_database(settings)
    try:
        report = backup.backup(ctx, args.out)
    finally:
        ctx.dispose()
    counts = report.counts
    emit(args, report.as_json(),
         f"Sauvegarde écrite : {report.path} ({counts['stopovers']} escales, "
         f"{counts['tickets']} tickets, {counts['demandes']} demandes, vérifiée).")
    return 0


def _ask(check: restore.RestoreCheck) -> bool:
    counts = check.counts
    print(f"{check.source.name} : {counts['stopovers']} escales, {counts['tickets']} tickets, "
          f"{counts['demandes']} demandes (schéma {check.revision}).", file=sys.stderr)
    answer = input("Remplacer la base actuelle par cette sauvegarde ? "
                   "L'actuelle sera gardée à part. [o/N] ")
    return answer.strip().lower() in ("o", "oui", "y", "yes")


def _unattended(_check: restore.RestoreCheck) -> bool:
    # a script must say so: nobody is there to answer the question
    raise KioskError("Restauration non confirmée : ajoutez --yes pour remplacer la base "
                     "actuelle (elle sera gardée à part).")


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    confirm = None if args.yes else _ask if sys.stdin.isatty() else _unattended
    report = restore.restore(settings, args.file, confirm=confirm)
    counts = report.counts
    aside = f" ; l'ancienne base est gardée dans {report.kept_aside}" if report.kept_aside else ""
    upgraded = f", schéma {report.revision} mis à jour" if report.upgraded else ""
    emit(args, report.as_json(),
         f"Base restaurée depuis {report.source.name} : {counts['stopovers']} escales, "
         f"{counts['tickets']} tickets, {counts['demandes']} demandes{upgraded}{aside}.")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("backup", help="copie vérifiée de la base, même pendant le service")
    p.add_argument("--out", required=True, type=FILE_PATH, metavar="DOSSIER",
                   help="dossier où écrire la copie (une clé USB, par exemple)")
    json_flag(p)
    p.set_defaults(run=cmd_backup)

    p = sub.add_parser("restore", help="remplacer la base par une sauvegarde")
    p.add_argument("file", type=FILE_PATH, metavar="FICHIER")
    p.add_argument("--yes", action="store_true", help="sans demander de confirmation")
    json_flag(p)
    p.set_defaults(run=cmd_restore)
