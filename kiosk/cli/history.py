"""`kiosk seed-history`: a synthetic history of visits, for trying the statistics."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kiosk import french
from kiosk.cli.common import DATE, emit, json_flag, open_database
from kiosk.reports.history import MAX_VISITS, seed_history
from kiosk.system.config import Settings


def _visits(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"nombre entier attendu, pas « {value} »") from None
    if not 1 <= number <= MAX_VISITS:
        raise argparse.ArgumentTypeError(
            f"entre 1 et {french.number(MAX_VISITS)} visites, pas {number}")
    return number


def _seed(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"nombre entier attendu, pas « {value} »") from None


def _progress_line(done: int, total: int) -> None:
    share = done / total if total else 1.0
    sys.stderr.write(f"\rHistorique : {french.percent(share)} ({french.number(done)} visites)")
    sys.stderr.flush()


def cmd_seed_history(args: argparse.Namespace, settings: Settings) -> int:
    ctx = open_database(settings)
    tty = sys.stderr.isatty() and not args.json
    try:
        report = seed_history(ctx, args.visits, start=args.start, end=args.end, seed=args.seed,
                              progress=_progress_line if tty else None)
    finally:
        if tty:
            sys.stderr.write("\n")
        ctx.dispose()
    emit(args, report.as_json(),
         f"Historique créé : {french.number(report.visits)} visites, "
         f"{french.number(report.demandes)} demandes, {french.number(report.stopovers)} escales, "
         f"du {french.short_date(report.start)} au {french.short_date(report.end)} "
         f"({french.number(report.seconds, 1)} s).")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("seed-history",
                       help="créer un historique de visites fictif mais réaliste (statistiques)")
    p.add_argument("--visits", type=_visits, required=True, metavar="N",
                   help="nombre de visites à créer")
    p.add_argument("--from", dest="start", type=DATE, metavar="DATE",
                   help="premier jour (défaut : assez tôt pour une cinquantaine de visites par "
                        "matinée)")
    p.add_argument("--to", dest="end", type=DATE, metavar="DATE",
                   help="dernier jour (défaut : hier)")
    p.add_argument("--seed", type=_seed, default=0, metavar="S",
                   help="graine : mêmes arguments et même graine, même historique (défaut : 0)")
    json_flag(p)
    p.set_defaults(run=cmd_seed_history)
