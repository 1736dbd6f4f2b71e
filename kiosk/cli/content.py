"""Commands of the content: the catalogue, the itinerary, the printed checklists."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kiosk import french
from kiosk.cli.common import (
    FILE_PATH,
    TICKET_NUMBER,
    Parser,
    emit,
    half_label,
    json_flag,
    open_database,
    out_arguments,
    out_file,
)
from kiosk.cli.itinerary import register_actions
from kiosk.content.catalogue import cached_catalogue, load_catalogue
from kiosk.core import services, views
from kiosk.system.config import Settings


def cmd_catalogue_check(args: argparse.Namespace, settings: Settings) -> int:
    """Validate (errors: exit 2), then review: warnings about sources outside the official
    domains, entries older than 12 months, unsourced lines of verified entries (exit 0)."""
    from kiosk.content.catalogue import domains_for, review
    from kiosk.system.clock import local_now

    location = Path(args.path) if args.path else settings.effective_catalogue_dir
    catalogue = load_catalogue(location)
    domains = domains_for(location)
    print(f"{location} : {len(catalogue.operators)} organismes, "
          f"{len(catalogue.procedures)} démarches, tout est valide.")
    for warning in review(catalogue, domains, local_now(settings.timezone).date()):
        print(warning.line())
    to_confirm = [p.id for p in catalogue.procedures if p.to_confirm]
    verified = len(catalogue.procedures) - len(to_confirm)
    print(f"{verified} démarches vérifiées (avec une date), {len(to_confirm)} à confirmer "
          "avec l'animatrice (sans date)" + (f" : {', '.join(to_confirm)}." if to_confirm else "."))
    return 0


def cmd_catalogue_list(args: argparse.Namespace, settings: Settings) -> int:
    catalogue = cached_catalogue(settings.effective_catalogue_dir)
    rows = [{"id": p.id, "operator": p.operator_id, "title": p.title}
            for p in catalogue.procedures]
    emit(args, rows, "\n".join(f"{r['id']:<36} {r['operator']:<16} {r['title']}" for r in rows))
    return 0


def cmd_itinerary_list(args: argparse.Namespace, settings: Settings) -> int:
    listing = views.itinerary_listing(open_database(settings))
    data = [
        {"insee": c.insee, "name": c.name,
         "stops": [{"id": sid, "name": name} for sid, name in c.stops],
         "next": [{"day": p.day.isoformat(), "half": p.half, "stop": p.stop_id}
                  for p in c.next_passages]}
        for c in listing
    ]
    lines = []
    for c in listing:
        lines.append(f"{c.name} ({c.insee})")
        lines += [f"  arrêt {sid} : {name}" for sid, name in c.stops]
        lines += [f"  passage le {french.short_date(p.day)} {half_label(p.half)} : {p.stop_name}"
                  for p in c.next_passages]
    emit(args, data, "\n".join(lines))
    return 0


def cmd_checklist(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.errors import UnknownProcedure
    from kiosk.output import documents, phone, qr
    from kiosk.system.clock import local_now

    catalogue = cached_catalogue(settings.effective_catalogue_dir)
    procedure = catalogue.procedure(args.procedure)
    operator = catalogue.operator(procedure.operator_id) if procedure else None
    if procedure is None or operator is None:
        raise UnknownProcedure(args.procedure)
    # a file already there, a folder, a device, a missing folder: one line, exit 2
    out = out_file(args, "png" if args.format == "qr" else "pdf")
    # where the bus is and when it comes back, if there is a database to ask
    stopover: services.StopoverInfo | None = None
    passages: tuple[views.Passage, ...] = ()
    url = settings.effective_database_url
    if not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).exists():
        ctx = open_database(settings)
        try:
            stopover = views.queue_snapshot(ctx).stopover
            if stopover is not None:
                passages = views.next_passages(ctx, stopover.commune_insee)
        finally:
            ctx.dispose()
    slip = documents.Slip(
        number=args.number, printed_at=local_now(settings.timezone),
        stop_name=stopover.stop_name if stopover else None,
        commune_name=stopover.commune_name if stopover else None,
        next_passages=tuple(documents.Visit(p.day, p.half, p.stop_name, p.commune_name,
                                            p.confirmed) for p in passages),
        bus_phone=settings.bus_phone, calendar=settings.bus_calendar,
    )
    if args.format == "receipt":
        documents.receipt_pdf(procedure, operator, slip, out, replace=args.force)
    elif args.format == "a4":
        documents.a4_pdf(procedure, operator, slip, out, replace=args.force)
    else:
        qr.codes_png(phone.codes(procedure, operator, slip), out, replace=args.force)
    print(out)
    return 0


def register(sub: Any) -> None:
    catalogue = sub.add_parser("catalogue", help="vérifier ou lister le catalogue des démarches")
    ca = catalogue.add_subparsers(dest="action", required=True, parser_class=Parser,
                                  metavar="ACTION")
    p = ca.add_parser("check", help="valider un catalogue (dossier ou fichier)")
    p.add_argument("path", nargs="?", type=FILE_PATH, metavar="PATH")
    p.set_defaults(run=cmd_catalogue_check)
    p = ca.add_parser("list", help="lister les démarches")
    json_flag(p)
    p.set_defaults(run=cmd_catalogue_list)

    itinerary = sub.add_parser("itinerary", help="communes, arrêts et prochains passages")
    it = itinerary.add_subparsers(dest="action", required=True, parser_class=Parser,
                                  metavar="ACTION")
    p = it.add_parser("list", help="lister communes, arrêts et prochains passages")
    json_flag(p)
    p.set_defaults(run=cmd_itinerary_list)
    register_actions(it)  # plan, export, review: kiosk/cli/itinerary.py

    p = sub.add_parser("checklist", help="liste des papiers d'une démarche : ticket, A4 ou QR code")
    p.add_argument("procedure", metavar="PROCEDURE_ID", help="démarche (kiosk catalogue list)")
    p.add_argument("--format", default="receipt", choices=["receipt", "a4", "qr"],
                   help="receipt : PDF 80 mm ; a4 : PDF A4 ; qr : image PNG du ou des QR codes "
                        "pour le téléphone")
    out_arguments(p, "fichier à écrire (.pdf, ou .png pour le QR code)")
    p.add_argument("--number", type=TICKET_NUMBER, metavar="N", help="numéro du ticket à imprimer")
    p.set_defaults(run=cmd_checklist)
