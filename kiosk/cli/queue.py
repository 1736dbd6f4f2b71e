"""Commands of the queue: set-up, stopovers, tickets, calls, visits, desks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from kiosk import french
from kiosk.cli.common import (
    DESK_NUMBER,
    TICKET_NUMBER,
    Parser,
    emit,
    half_label,
    json_flag,
    number_type,
    open_database,
)
from kiosk.content.catalogue import OTHER_ID, cached_catalogue
from kiosk.core import services, views
from kiosk.core.context import Context
from kiosk.errors import KioskError, StopoverWasClosed, UnknownProcedure
from kiosk.system.config import Settings
from kiosk.vocabulary import AGE_BANDS, DESK_STATUSES, GENDERS, HALVES, LANGUAGES, OUTCOMES


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    cached_catalogue(settings.effective_catalogue_dir)  # refuse before writing anything
    from kiosk.content.itinerary import load_itinerary

    load_itinerary(settings.effective_itinerary_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    ctx = open_database(settings, create=True)
    report = services.init_database(ctx)
    emit(args, report.__dict__,
          f"Base prête : {report.communes} communes, {report.stops} arrêts, "
          f"{report.schedule} demi-journées prévues, {report.desks} postes, "
          f"{report.procedures} démarches.")
    return 0


def cmd_stopover_open(args: argparse.Namespace, settings: Settings) -> int:
    ctx = open_database(settings)
    try:
        info = services.open_stopover(ctx, args.stop, half=args.half, reopen=args.reopen)
    except StopoverWasClosed as closed:
        raise KioskError(f"{closed.message} Pour la rouvrir : « --reopen ».") from None
    emit(args, info.as_json(),
          f"Escale ouverte : {info.stop_name} ({info.commune_name}), {french.short_date(info.day)} "
          f"{half_label(info.half)}. Prochain ticket : n° {info.last_number + 1}.")
    return 0


def cmd_stopover_close(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.core.backup import close_and_backup

    ctx = open_database(settings)
    saved = close_and_backup(ctx)  # the copy after the commit: its failure never undoes the close
    closed = saved.closed
    if saved.problem:
        print(f"kiosk: attention, sauvegarde automatique impossible : {saved.problem}",
              file=sys.stderr)
    emit(args, {"stopover": closed.stopover.as_json(), "served": closed.served,
                 "unserved": closed.unserved,
                 "backup": str(saved.backup.path) if saved.backup else None},
          f"Escale fermée : {closed.stopover.stop_name}"
          + (f", close le {french.day_and_month(closed.stopover.day)} à "
             f"{french.time_of_day(closed.stopover.closed_at)}, sa fin réelle (elle était restée "
             "ouverte)" if closed.left_open and closed.stopover.closed_at else "")
          + f". {closed.served} visite(s) terminée(s), {closed.unserved} personne(s) "
          "non reçue(s).")
    return 0


def cmd_ticket_take(args: argparse.Namespace, settings: Settings) -> int:
    catalogue = cached_catalogue(settings.effective_catalogue_dir)
    if catalogue.procedure(args.procedure) is None:
        raise UnknownProcedure(args.procedure)
    ctx = open_database(settings)
    issued = services.take_ticket(ctx, args.procedure, priority=args.priority,
                                  language=args.language, channel="cli")
    low, high = issued.wait.as_list()
    # the kiosk's words (kiosk.content.i18n.wait_text): never "0 à 5 min"
    wait = ("attente inconnue (aucun poste ouvert)" if not issued.wait.known
            else f"attente de moins de {high} min" if low == 0
            else f"attente de {low} à {high} min")
    if issued.wait.past_closing:
        wait += f", au-delà de la fermeture à {issued.closes_at:%H:%M}"
    # keys added, never renamed: wait_minutes stays [low, high] (one desk's when none is open)
    emit(args, {"number": issued.number, "people_ahead": issued.people_ahead,
                 "wait_minutes": issued.wait.as_list(), "wait_known": issued.wait.known,
                 "desks_counted": issued.wait.desks, "past_closing": issued.wait.past_closing,
                 "closes_at": issued.closes_at.isoformat(timespec="minutes")},
          f"Ticket n° {issued.number} ({issued.procedure_id}) : {issued.people_ahead} personne(s) "
          f"avant vous, {wait}.")
    return 0


def cmd_return_pass_issue(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.content.i18n import at_commune
    from kiosk.core.return_passes import issue_return_passes

    ctx = open_database(settings)
    passes = issue_return_passes(ctx, args.stopover)
    lines = []
    for p in passes:
        lines.append(f"  n° {p.number} ({p.procedure_id}) : code {p.code}, "
                     + ("déjà revenu" if p.used_at
                        else f"valable jusqu'au {french.day_and_date(p.valid_until)}"))
    if not passes:
        text = "Personne n'est resté sans être reçu : aucun ticket de retour."
    else:
        nxt = passes[0].next_passage
        when = (french.passage(nxt.day, nxt.half, nxt.stop_name) if nxt
                else "pas de passage prévu pendant sa validité")
        text = (f"{len(passes)} ticket(s) de retour, prioritaires au prochain passage "
                f"{at_commune(passes[0].stopover.commune_name)} ({when}), et valables dans "
                "cette commune seulement :\n" + "\n".join(lines))
    emit(args, {"passes": [p.as_json() for p in passes]}, text)
    return 0


def cmd_return_pass_use(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.core.return_passes import use_return_pass

    ctx = open_database(settings)
    issued = use_return_pass(ctx, args.code, channel="cli")
    emit(args, {"number": issued.number, "procedure": issued.procedure_id,
                 "people_ahead": issued.people_ahead},
          f"Ticket prioritaire n° {issued.number} ({issued.procedure_id}) : la personne est de "
          f"retour avec son code, elle passe en premier.")
    return 0


def cmd_queue(args: argparse.Namespace, settings: Settings) -> int:
    ctx = open_database(settings)
    snap = views.queue_snapshot(ctx)
    if snap.stopover is None:
        lines = ["Aucune escale ouverte."]
    else:
        s = snap.stopover
        lines = [f"Escale : {s.stop_name} ({s.commune_name}), {french.short_date(s.day)} "
                 f"{half_label(s.half)} — {len(snap.waiting)} en attente."]
        if s.left_open(ctx.now()):
            lines.append("Cette escale n'a pas été fermée : fermez-la avec "
                         "« kiosk stopover close » (elle sera close à sa fin réelle).")
        lines += [f"  n° {c.number} → poste {c.desk} ({'en cours' if c.state == 'in_service' else 'appelé'})"
                  for c in snap.called]
        lines += [f"  n° {w.number}{' (prioritaire)' if w.priority else ''} {w.procedure_id}, "
                  f"attend depuis {w.waited_seconds // 60} min" for w in snap.waiting]
    emit(args, snap.as_json(), "\n".join(lines))
    return 0


def cmd_call(args: argparse.Namespace, settings: Settings) -> int:
    ctx = open_database(settings)
    if args.number is None:
        called = services.call_next(ctx, args.desk)
    else:
        called = services.call_number(ctx, args.desk, args.number)
    emit(args, {"number": called.number, "desk": called.desk},
          f"N° {called.number} → poste {called.desk}")
    return 0


def cmd_recall(args: argparse.Namespace, settings: Settings) -> int:
    called = services.recall(open_database(settings), args.number)
    emit(args, {"number": called.number, "desk": called.desk,
                 "recall_count": called.recall_count},
          f"N° {called.number} rappelé → poste {called.desk}")
    return 0


def _ticket_action(action: Callable[[Context, int], services.TicketChanged],
                   done: str) -> Callable[[argparse.Namespace, Settings], int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        changed = action(open_database(settings), args.number)
        emit(args, {"number": changed.number, "state": changed.state, "desk": changed.desk},
              f"N° {changed.number} : {done}.")
        return 0

    return run


def cmd_finish(args: argparse.Namespace, settings: Settings) -> int:
    ctx = open_database(settings)
    procedures = args.procedure
    if not procedures:
        snap = views.queue_snapshot(ctx)
        current = next((c for c in snap.called if c.number == args.number), None)
        # a ticket that is not at a desk cannot be finished: the service says why in its own
        # words (unknown, still waiting, already finished...); the procedure is then moot
        procedures = [current.procedure_id if current else OTHER_ID]
    demandes = [services.DemandeInput(p, args.outcome, args.partner) for p in procedures]
    finished = services.finish_visit(ctx, args.number, demandes, age_band=args.age_band,
                                     gender=args.gender, residence=args.residence)
    emit(args, {"number": finished.number, "demandes": finished.demandes,
                 "service_seconds": finished.service_seconds},
          f"Visite n° {finished.number} terminée : {finished.demandes} demande(s) enregistrée(s).")
    return 0


def cmd_desk(args: argparse.Namespace, settings: Settings) -> int:
    status = services.set_desk_status(open_database(settings), args.desk, args.status)
    emit(args, {"desk": args.desk, "status": status}, f"Poste {args.desk} {DESK_STATUSES[status]}.")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="créer ou mettre à jour la base, charger l'itinéraire")
    json_flag(p)
    p.set_defaults(run=cmd_init)

    stopover = sub.add_parser("stopover", help="ouvrir ou fermer l'escale du bus")
    so = stopover.add_subparsers(dest="action", required=True, parser_class=Parser,
                                 metavar="ACTION")
    p = so.add_parser("open", help="ouvrir l'escale du jour à un arrêt")
    p.add_argument("--stop", required=True, help="identifiant de l'arrêt (kiosk itinerary list)")
    p.add_argument("--half", choices=list(HALVES), help="demi-journée (défaut : l'heure)")
    p.add_argument("--reopen", action="store_true",
                   help="rouvrir cette demi-journée si elle a déjà été fermée")
    json_flag(p)
    p.set_defaults(run=cmd_stopover_open)
    p = so.add_parser("close", help="fermer l'escale ouverte")
    json_flag(p)
    p.set_defaults(run=cmd_stopover_close)

    ticket = sub.add_parser("ticket", help="prendre un ticket")
    tk = ticket.add_subparsers(dest="action", required=True, parser_class=Parser,
                               metavar="ACTION")
    p = tk.add_parser("take", help="prendre un ticket pour une démarche")
    p.add_argument("procedure", metavar="PROCEDURE_ID", help="démarche (kiosk catalogue list)")
    p.add_argument("--priority", action="store_true", help="ticket prioritaire")
    p.add_argument("--language", default="fr", choices=list(LANGUAGES),
                   help="langue du visiteur")
    json_flag(p)
    p.set_defaults(run=cmd_ticket_take)

    back = sub.add_parser("return-pass", help="tickets prioritaires au prochain passage (non reçus)")
    rp = back.add_subparsers(dest="action", required=True, parser_class=Parser, metavar="ACTION")
    p = rp.add_parser("issue", help="un code de retour pour chaque personne non reçue à la "
                                    "fermeture (la dernière demi-journée fermée par défaut)")
    p.add_argument("--stopover", type=number_type("numéro de demi-journée"), metavar="ID")
    json_flag(p)
    p.set_defaults(run=cmd_return_pass_issue)
    p = rp.add_parser("use", help="la personne revient avec son code : ticket prioritaire "
                                  "(dans la commune du code, tant qu'il est valable)")
    p.add_argument("code", metavar="CODE")
    json_flag(p)
    p.set_defaults(run=cmd_return_pass_use)

    p = sub.add_parser("queue", help="voir la file d'attente")
    json_flag(p)
    p.set_defaults(run=cmd_queue)

    p = sub.add_parser("call", help="appeler le suivant (ou un numéro) à un poste")
    p.add_argument("--desk", type=DESK_NUMBER, required=True, help="numéro du poste")
    p.add_argument("--number", type=TICKET_NUMBER, help="appeler ce numéro plutôt que le suivant")
    json_flag(p)
    p.set_defaults(run=cmd_call)

    p = sub.add_parser("recall", help="rappeler un numéro déjà appelé")
    p.add_argument("number", type=TICKET_NUMBER, metavar="NUMBER")
    json_flag(p)
    p.set_defaults(run=cmd_recall)

    for name, action, done, help_text in (
        ("start", services.start_service, "visite commencée", "commencer la visite d'un numéro appelé"),
        ("put-back", services.put_back, "remis dans la file", "remettre un numéro appelé dans la file"),
        ("absent", services.mark_absent, "marqué absent", "marquer un numéro absent"),
        ("cancel", services.cancel_ticket, "annulé", "annuler un ticket en attente"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("number", type=TICKET_NUMBER, metavar="NUMBER")
        json_flag(p)
        p.set_defaults(run=_ticket_action(action, done))

    p = sub.add_parser("finish", help="terminer une visite et enregistrer les demandes")
    p.add_argument("number", type=TICKET_NUMBER, metavar="NUMBER")
    p.add_argument("--outcome", required=True, choices=list(OUTCOMES),
                   help="résultat : réglé sur place, orienté vers un partenaire, à suivre")
    p.add_argument("--procedure", action="append", metavar="ID",
                   help="démarche traitée (répéter pour plusieurs demandes ; défaut : celle du ticket)")
    p.add_argument("--partner", help="partenaire quand la demande est orientée")
    p.add_argument("--age-band", choices=list(AGE_BANDS), help="tranche d'âge (anonyme)")
    p.add_argument("--gender", choices=list(GENDERS), help="genre (anonyme)")
    p.add_argument("--residence", metavar="INSEE",
                   help="commune de résidence (anonyme) : code INSEE, « autre » ou « non-dit »")
    json_flag(p)
    p.set_defaults(run=cmd_finish)

    p = sub.add_parser("desk", help="ouvrir, mettre en pause ou fermer un poste")
    p.add_argument("status", choices=list(DESK_STATUSES))
    p.add_argument("desk", type=DESK_NUMBER, metavar="DESK")
    json_flag(p)
    p.set_defaults(run=cmd_desk)
