"""Backups: a checked copy while the apps run, and a restore that keeps the replaced base aside."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kiosk.cli.common import FILE_PATH, emit, half_label, json_flag, open_database
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


def _some(n: int, one: str, many: str) -> str:
    return f"{n} {one if n <= 1 else many}"


def _dropped(dropped: dict[str, int]) -> str | None:
    """The live rows that the copy lacks, in words (None: the copy lacks none)."""
    parts = [_some(dropped.get(key, 0), one, many) for key, one, many in (
        ("tickets", "ticket", "tickets"), ("demandes", "demande", "demandes"),
        ("stopovers", "escale", "escales")) if dropped.get(key, 0)]
    if not parts:
        return None
    return ", ".join(parts[:-1]) + (" et " if len(parts) > 1 else "") + parts[-1]


def _held(counts: dict[str, int]) -> str:
    return (f"{_some(counts['stopovers'], 'escale', 'escales')}, "
            f"{_some(counts['tickets'], 'ticket', 'tickets')}, "
            f"{_some(counts['demandes'], 'demande', 'demandes')}")


def _ask(check: restore.RestoreCheck) -> bool:
    print(f"{check.source.name} : {_held(check.counts)} (schéma {check.revision}).",
          file=sys.stderr)
    dropped = _dropped(check.dropped)
    if dropped:
        print(f"Cette restauration retire ce que la sauvegarde n'a pas : {dropped}.",
              file=sys.stderr)
    answer = input("Remplacer la base actuelle par cette sauvegarde ? "
                   "L'actuelle sera gardée à part. [o/N] ")
    return answer.strip().lower() in ("o", "oui", "y", "yes")


def _unattended(check: restore.RestoreCheck) -> bool:
    # a script must say so: nobody is there to answer the question
    dropped = _dropped(check.dropped)
    lost = f" (elle retirerait ce que la sauvegarde n'a pas : {dropped})" if dropped else ""
    raise KioskError(f"Restauration non confirmée{lost}. Ajoutez --yes pour remplacer la base "
                     "actuelle (elle sera gardée à part).")


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    confirm = None if args.yes else _ask if sys.stdin.isatty() else _unattended
    report = restore.restore(settings, args.file, confirm=confirm)
    dropped = _dropped(report.dropped)
    removed = f" ; ce que la sauvegarde n'avait pas est retiré : {dropped}" if dropped else ""
    numbering = "".join(
        f" ; {kept.stop_id} {kept.day.isoformat()} {half_label(kept.half)} : prochain ticket "
        f"n° {kept.last_number + 1}" for kept in report.numbering)
    aside = f" ; l'ancienne base est gardée dans {report.kept_aside}" if report.kept_aside else ""
    upgraded = f", schéma {report.revision} mis à jour" if report.upgraded else ""
    emit(args, report.as_json(),
         f"Base restaurée depuis {report.source.name} : {_held(report.counts)}{upgraded}"
         f"{removed}{numbering}{aside}.")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("backup", help="copie vérifiée de la base, même pendant le service")
    p.add_argument("--out", required=True, type=FILE_PATH, metavar="DOSSIER",
                   help="dossier où écrire la copie (une clé USB, par exemple)")
    json_flag(p)
    p.set_defaults(run=cmd_backup)

    p = sub.add_parser("restore", help="remplacer la base par une sauvegarde")
    p.add_argument("file", type=FILE_PATH, metavar="FICHIER")
    p.add_argument("--yes", action="store_true",
                   help="sans demander de confirmation (ce que la sauvegarde n'a pas est retiré, "
                        "et reste dans la base gardée à part)")
    json_flag(p)
    p.set_defaults(run=cmd_restore)
