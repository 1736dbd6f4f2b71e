"""`kiosk panels check`: what the agglomeration's window shows today, and the files refused."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kiosk import french
from kiosk.cli.common import DATE, FILE_PATH, Parser, emit, json_flag
from kiosk.content.i18n import at_commune
from kiosk.content.itinerary import ESPACE_SUD
from kiosk.content.panels import Panel, load_panels, panel_json, panels_folder
from kiosk.errors import KioskError, readable
from kiosk.reports.periods import DATE_HELP
from kiosk.system.clock import local_now
from kiosk.system.config import Settings


def _when(panel: Panel, day: Any, commune: str | None) -> str:
    if day < panel.start:
        return f"pas encore : à partir du {french.day_and_date(panel.start)}"
    if day > panel.end:
        return f"terminé le {french.day_and_date(panel.end)}"
    if not panel.shown_on(day, commune):
        return "seulement " + ", ".join(at_commune(ESPACE_SUD[c]) for c in panel.communes)
    return f"montré jusqu'au {french.day_and_date(panel.end)}"


def cmd_panels_check(args: argparse.Namespace, settings: Settings) -> int:
    folder = Path(args.path) if args.path else panels_folder(settings)
    if args.path and not folder.is_dir():
        raise KioskError(f"{readable(str(folder), 200)} : dossier introuvable.")
    day = args.day or local_now(settings.timezone).date()
    if args.commune is not None and args.commune not in ESPACE_SUD:
        raise KioskError(f"--commune {readable(args.commune, 20)} : code INSEE inconnu "
                         "(par exemple 97207 pour Ducos).")
    loaded = load_panels(folder)
    shown = loaded.shown_on(day, args.commune)
    data = {
        "folder": str(folder), "day": day.isoformat(), "commune": args.commune,
        "panels": [panel_json(p, day, args.commune) for p in loaded.panels],
        "errors": [{"file": e.path, "line": e.line, "message": e.message}
                   for e in loaded.errors],
    }
    lines = [f"{folder} : {len(loaded.panels)} panneau(x) valide(s), {len(shown)} montré(s) "
             f"le {french.day_and_date(day)}."]
    for panel in loaded.panels:
        creole = " (+ créole)" if panel.gcf_title else ""
        picture = f" [image {panel.image.name}]" if panel.image else ""
        lines.append(f"  {panel.id}.yaml : « {panel.title} »{creole}{picture} — "
                     f"{_when(panel, day, args.commune)}")
    # every refused file on stdout with the others, one line each; stderr keeps the one-line
    # promise of every refusal: how many, and the first
    lines += [f"  REFUSÉ {readable(e.message, 300)}" for e in loaded.errors]
    emit(args, data, "\n".join(lines))
    if loaded.errors:
        count = len(loaded.errors)
        more = f" (et {count - 1} autre(s), listés ci-dessus)" if count > 1 else ""
        raise KioskError(f"{readable(loaded.errors[0].message, 300)}{more}")
    return 0


def register(sub: Any) -> None:
    panels = sub.add_parser("panels", help="panneaux d'information de l'accueil de la borne")
    pa = panels.add_subparsers(dest="action", required=True, parser_class=Parser,
                               metavar="ACTION")
    p = pa.add_parser("check", help="vérifier les panneaux et dire ceux montrés aujourd'hui")
    p.add_argument("path", nargs="?", type=FILE_PATH, metavar="DOSSIER",
                   help="dossier des panneaux (par défaut : celui de la borne)")
    p.add_argument("--day", type=DATE, metavar="DATE", help=f"un autre jour que aujourd'hui ({DATE_HELP})")
    p.add_argument("--commune", metavar="INSEE",
                   help="la commune où est le bus (panneaux réservés à une commune)")
    json_flag(p)
    p.set_defaults(run=cmd_panels_check)
