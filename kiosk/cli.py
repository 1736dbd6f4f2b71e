"""The `kiosk` command: parse arguments, call one service, print. Scripts use --json.

Exit codes: 0 done; 2 bad input or refused (one line on stderr, nothing written);
3 nobody waits (`kiosk call`); 1 unexpected failure (database unreachable...).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from kiosk import services, views
from kiosk.catalogue import load_catalogue
from kiosk.config import Settings, load_settings
from kiosk.context import Context, open_context
from kiosk.domain import HALF_LABELS, Half
from kiosk.errors import KioskError

PROG = "kiosk"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, naming what is wrong: scripts and people read it the same way.
        self.exit(2, f"{self.prog}: {message}\n")


def _emit(args: argparse.Namespace, data: Any, text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(text)


def _half_label(half: str) -> str:
    return HALF_LABELS[Half(half)]


def _context(settings: Settings, create: bool = False) -> Context:
    url = settings.effective_database_url
    if not create and url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            raise KioskError(f"Base de données absente ({path}) : lancez d'abord « kiosk init ».")
    return open_context(settings)


# ---------------------------------------------------------------- commands


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    load_catalogue(settings.effective_catalogue_dir)  # refuse before writing anything
    from kiosk.itinerary import load_itinerary

    load_itinerary(settings.effective_itinerary_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    ctx = _context(settings, create=True)
    report = services.init_database(ctx)
    _emit(args, report.__dict__,
          f"Base prête : {report.communes} communes, {report.stops} arrêts, "
          f"{report.schedule} demi-journées prévues, {report.desks} postes, "
          f"{report.procedures} démarches.")
    return 0


def cmd_stopover_open(args: argparse.Namespace, settings: Settings) -> int:
    ctx = _context(settings)
    info = services.open_stopover(ctx, args.stop, half=args.half)
    _emit(args, info.as_json(),
          f"Escale ouverte : {info.stop_name} ({info.commune_name}), {info.day:%d/%m/%Y} "
          f"{_half_label(info.half)}. Prochain ticket : n° {info.last_number + 1}.")
    return 0


def cmd_stopover_close(args: argparse.Namespace, settings: Settings) -> int:
    ctx = _context(settings)
    closed = services.close_stopover(ctx)
    _emit(args, {"stopover": closed.stopover.as_json(), "served": closed.served,
                 "unserved": closed.unserved},
          f"Escale fermée : {closed.stopover.stop_name}. {closed.served} visite(s) terminée(s), "
          f"{closed.unserved} personne(s) non reçue(s).")
    return 0


def cmd_ticket_take(args: argparse.Namespace, settings: Settings) -> int:
    catalogue = load_catalogue(settings.effective_catalogue_dir)
    if catalogue.procedure(args.procedure) is None:
        raise services.UnknownProcedure(args.procedure)
    ctx = _context(settings)
    issued = services.take_ticket(ctx, args.procedure, priority=args.priority,
                                  language=args.language)
    low, high = issued.wait.as_list()
    _emit(args, {"number": issued.number, "people_ahead": issued.people_ahead,
                 "wait_minutes": issued.wait.as_list()},
          f"Ticket n° {issued.number} ({issued.procedure_id}) : {issued.people_ahead} personne(s) "
          f"avant vous, attente {low} à {high} min.")
    return 0


def cmd_queue(args: argparse.Namespace, settings: Settings) -> int:
    ctx = _context(settings)
    snap = views.queue_snapshot(ctx)
    if snap.stopover is None:
        lines = ["Aucune escale ouverte."]
    else:
        s = snap.stopover
        lines = [f"Escale : {s.stop_name} ({s.commune_name}), {s.day:%d/%m/%Y} "
                 f"{_half_label(s.half)} — {len(snap.waiting)} en attente."]
        lines += [f"  n° {c.number} → poste {c.desk} ({'en cours' if c.state == 'in_service' else 'appelé'})"
                  for c in snap.called]
        lines += [f"  n° {w.number}{' (prioritaire)' if w.priority else ''} {w.procedure_id}, "
                  f"attend depuis {w.waited_seconds // 60} min" for w in snap.waiting]
    _emit(args, snap.as_json(), "\n".join(lines))
    return 0


def cmd_call(args: argparse.Namespace, settings: Settings) -> int:
    ctx = _context(settings)
    if args.number is None:
        called = services.call_next(ctx, args.desk)
    else:
        called = services.call_number(ctx, args.desk, args.number)
    _emit(args, {"number": called.number, "desk": called.desk},
          f"N° {called.number} → poste {called.desk}")
    return 0


def cmd_recall(args: argparse.Namespace, settings: Settings) -> int:
    called = services.recall(_context(settings), args.number)
    _emit(args, {"number": called.number, "desk": called.desk,
                 "recall_count": called.recall_count},
          f"N° {called.number} rappelé → poste {called.desk}")
    return 0


def _ticket_action(action: Callable[[Context, int], services.TicketChanged],
                   done: str) -> Callable[[argparse.Namespace, Settings], int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        changed = action(_context(settings), args.number)
        _emit(args, {"number": changed.number, "state": changed.state, "desk": changed.desk},
              f"N° {changed.number} : {done}.")
        return 0

    return run


def cmd_finish(args: argparse.Namespace, settings: Settings) -> int:
    ctx = _context(settings)
    procedures = args.procedure
    if not procedures:
        snap = views.queue_snapshot(ctx)
        current = next((c for c in snap.called if c.number == args.number), None)
        if current is None:
            raise services.UnknownTicket(args.number) if not any(
                w.number == args.number for w in snap.waiting
            ) else KioskError(f"Le ticket n° {args.number} n'a pas été appelé.")
        procedures = [current.procedure_id]
    demandes = [services.DemandeInput(p, args.outcome, args.partner) for p in procedures]
    finished = services.finish_visit(ctx, args.number, demandes, age_band=args.age_band,
                                     gender=args.gender)
    _emit(args, {"number": finished.number, "demandes": finished.demandes,
                 "service_seconds": finished.service_seconds},
          f"Visite n° {finished.number} terminée : {finished.demandes} demande(s) enregistrée(s).")
    return 0


def cmd_desk(args: argparse.Namespace, settings: Settings) -> int:
    status = services.set_desk_status(_context(settings), args.desk, args.status)
    labels = {"open": "ouvert", "paused": "en pause", "closed": "fermé"}
    _emit(args, {"desk": args.desk, "status": status}, f"Poste {args.desk} {labels[status]}.")
    return 0


def cmd_catalogue_check(args: argparse.Namespace, settings: Settings) -> int:
    location = Path(args.path) if args.path else settings.effective_catalogue_dir
    catalogue = load_catalogue(location)
    from kiosk.context import local_now

    stale = catalogue.stale(local_now().date())
    print(f"{location} : {len(catalogue.operators)} organismes, "
          f"{len(catalogue.procedures)} démarches, tout est valide.")
    for p in stale:
        print(f"À revérifier : {p.id} (vérifié le {p.verified_on:%d/%m/%Y}, plus de 12 mois).")
    return 0


def cmd_catalogue_list(args: argparse.Namespace, settings: Settings) -> int:
    catalogue = load_catalogue(settings.effective_catalogue_dir)
    rows = [{"id": p.id, "operator": p.operator_id, "title": p.title}
            for p in catalogue.procedures]
    _emit(args, rows, "\n".join(f"{r['id']:<36} {r['operator']:<16} {r['title']}" for r in rows))
    return 0


def cmd_itinerary_list(args: argparse.Namespace, settings: Settings) -> int:
    listing = views.itinerary_listing(_context(settings))
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
        lines += [f"  passage le {p.day:%d/%m/%Y} {_half_label(p.half)} : {p.stop_name}"
                  for p in c.next_passages]
    _emit(args, data, "\n".join(lines))
    return 0


def cmd_checklist(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk import documents
    from kiosk.context import local_now
    from kiosk.errors import UnknownProcedure

    catalogue = load_catalogue(settings.effective_catalogue_dir)
    procedure = catalogue.procedure(args.procedure)
    operator = catalogue.operator(procedure.operator_id) if procedure else None
    if procedure is None or operator is None:
        raise UnknownProcedure(args.procedure)
    if args.number is not None and args.number < 1:
        raise KioskError(f"Numéro de ticket invalide : {args.number}.")
    out = Path(args.out)
    if not out.parent.is_dir():
        raise KioskError(f"Dossier introuvable : {out.parent}")
    # where the bus is and when it comes back, if there is a database to ask
    stopover: services.StopoverInfo | None = None
    passages: tuple[views.Passage, ...] = ()
    url = settings.effective_database_url
    if not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).exists():
        ctx = _context(settings)
        try:
            stopover = views.queue_snapshot(ctx).stopover
            if stopover is not None:
                passages = views.next_passages(ctx, stopover.commune_insee)
        finally:
            ctx.dispose()
    slip = documents.Slip(
        number=args.number, printed_at=local_now(),
        stop_name=stopover.stop_name if stopover else None,
        commune_name=stopover.commune_name if stopover else None,
        next_passages=tuple((p.day, p.half, p.stop_name) for p in passages),
    )
    if args.format == "receipt":
        documents.receipt_pdf(procedure, operator, slip, out)
    elif args.format == "a4":
        documents.a4_pdf(procedure, operator, slip, out)
    else:
        documents.qr_png(documents.phone_text(procedure, operator, slip), out)
    print(out)
    return 0


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
    load_catalogue(settings.effective_catalogue_dir)
    _context(settings).dispose()  # refuse before opening a window when the base is missing
    from screens.launch import run_visitor

    run_visitor(settings, display)
    return 0


def cmd_staff(args: argparse.Namespace, settings: Settings) -> int:
    display = _display(args, settings.staff_display, locked=False)
    load_catalogue(settings.effective_catalogue_dir)
    _context(settings).dispose()
    from screens.launch import run_staff

    run_staff(settings, display)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    import os

    from kiosk.demo import seed_demo

    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    config = settings.data_dir / "config.yaml"
    if not config.exists() and settings.config_file is None:
        config.write_text("# Borne PLUS demo settings\nstaff_exit_pin: '1234'\n", "utf-8")
        settings = load_settings()
    ctx = _context(settings, create=True)
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


# ---------------------------------------------------------------- staff accounts


def _read_pin(from_stdin: bool) -> str:
    """The new PIN: one line of stdin for scripts, else typed twice without echo."""
    import getpass

    from kiosk.errors import InvalidPin, PinMismatch
    from kiosk.staff import validate_pin

    try:
        if from_stdin:
            return validate_pin(sys.stdin.readline().rstrip("\r\n"))
        first = validate_pin(getpass.getpass("Code PIN (4 à 8 chiffres) : "))
        if getpass.getpass("Confirmez le code PIN : ") != first:
            raise PinMismatch()
        return first
    except (EOFError, KeyboardInterrupt):
        raise InvalidPin() from None


def cmd_staff_user_add(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk import staff

    name = staff.clean_name(args.name)  # refuse before asking for the PIN
    staff.validate_role(args.role)
    ctx = _context(settings)
    pin = _read_pin(args.pin_stdin)
    member = staff.add_staff(ctx, name, args.role, pin)
    _emit(args, member.as_json(),
          f"Compte créé : {member.name} ({member.role}), identifiant {member.id}.")
    return 0


def cmd_staff_user_list(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk import staff

    members = staff.list_staff(_context(settings), include_disabled=True)
    lines = [f"{m.id:>4}  {m.name:<30} {m.role:<12}{'' if m.active else ' (désactivé)'}"
             for m in members] or ["Aucun compte : créez-en un avec « kiosk staff-user add »."]
    _emit(args, [m.as_json() for m in members], "\n".join(lines))
    return 0


def cmd_staff_user_disable(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk import staff

    member = staff.disable_staff(_context(settings), args.name)
    _emit(args, member.as_json(), f"Compte désactivé : {member.name}.")
    return 0


def cmd_staff_user_enable(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk import staff

    member = staff.enable_staff(_context(settings), args.name)
    _emit(args, member.as_json(), f"Compte réactivé : {member.name}.")
    return 0


def cmd_staff_user_pin(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk import staff

    ctx = _context(settings)
    staff.find_staff(ctx, args.name)  # an unknown name is refused before the PIN is asked
    member = staff.set_pin(ctx, args.name, _read_pin(args.pin_stdin))
    _emit(args, member.as_json(), f"Nouveau code PIN enregistré pour {member.name}.")
    return 0


def _staff_user_parser(sub: Any) -> None:
    group = sub.add_parser("staff-user", help="comptes de l'équipe (code PIN, rôle)")
    su = group.add_subparsers(dest="action", required=True, parser_class=_Parser, metavar="ACTION")
    p = su.add_parser("add", help="créer un compte ; le code PIN est demandé deux fois, sans écho")
    p.add_argument("name", metavar="NAME", help="nom affiché sur la console (unique)")
    p.add_argument("--role", required=True, choices=["animatrice", "coordinator"], help="rôle")
    p.add_argument("--pin-stdin", action="store_true",
                   help="lire le code PIN sur une ligne de l'entrée standard (scripts)")
    p.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")
    p.set_defaults(run=cmd_staff_user_add)
    p = su.add_parser("list", help="lister les comptes (identifiant, nom, rôle, actif)")
    p.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")
    p.set_defaults(run=cmd_staff_user_list)
    p = su.add_parser("disable", help="désactiver un compte (il quitte son poste)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")
    p.set_defaults(run=cmd_staff_user_disable)
    p = su.add_parser("enable", help="réactiver un compte désactivé (avec son ancien code PIN)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")
    p.set_defaults(run=cmd_staff_user_enable)
    p = su.add_parser("pin", help="donner un nouveau code PIN (code oublié) ; lève le blocage")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--pin-stdin", action="store_true",
                   help="lire le code PIN sur une ligne de l'entrée standard (scripts)")
    p.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")
    p.set_defaults(run=cmd_staff_user_pin)


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Borne PLUS : tickets et file d'attente du bus PLUS.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                metavar="COMMANDE")

    def json_flag(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")

    p = sub.add_parser("init", help="créer ou mettre à jour la base, charger l'itinéraire")
    json_flag(p)
    p.set_defaults(run=cmd_init)

    stopover = sub.add_parser("stopover", help="ouvrir ou fermer l'escale du bus")
    so = stopover.add_subparsers(dest="action", required=True, parser_class=_Parser,
                                 metavar="ACTION")
    p = so.add_parser("open", help="ouvrir l'escale du jour à un arrêt")
    p.add_argument("--stop", required=True, help="identifiant de l'arrêt (kiosk itinerary list)")
    p.add_argument("--half", choices=[h.value for h in Half], help="demi-journée (défaut : l'heure)")
    json_flag(p)
    p.set_defaults(run=cmd_stopover_open)
    p = so.add_parser("close", help="fermer l'escale ouverte")
    json_flag(p)
    p.set_defaults(run=cmd_stopover_close)

    ticket = sub.add_parser("ticket", help="prendre un ticket")
    tk = ticket.add_subparsers(dest="action", required=True, parser_class=_Parser,
                               metavar="ACTION")
    p = tk.add_parser("take", help="prendre un ticket pour une démarche")
    p.add_argument("procedure", metavar="PROCEDURE_ID", help="démarche (kiosk catalogue list)")
    p.add_argument("--priority", action="store_true", help="ticket prioritaire")
    p.add_argument("--language", default="fr", choices=["fr", "gcf"], help="langue du visiteur")
    json_flag(p)
    p.set_defaults(run=cmd_ticket_take)

    p = sub.add_parser("queue", help="voir la file d'attente")
    json_flag(p)
    p.set_defaults(run=cmd_queue)

    p = sub.add_parser("call", help="appeler le suivant (ou un numéro) à un poste")
    p.add_argument("--desk", type=int, required=True, help="numéro du poste")
    p.add_argument("--number", type=int, help="appeler ce numéro plutôt que le suivant")
    json_flag(p)
    p.set_defaults(run=cmd_call)

    p = sub.add_parser("recall", help="rappeler un numéro déjà appelé")
    p.add_argument("number", type=int, metavar="NUMBER")
    json_flag(p)
    p.set_defaults(run=cmd_recall)

    for name, action, done, help_text in (
        ("start", services.start_service, "visite commencée", "commencer la visite d'un numéro appelé"),
        ("put-back", services.put_back, "remis dans la file", "remettre un numéro appelé dans la file"),
        ("absent", services.mark_absent, "marqué absent", "marquer un numéro absent"),
        ("cancel", services.cancel_ticket, "annulé", "annuler un ticket en attente"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("number", type=int, metavar="NUMBER")
        json_flag(p)
        p.set_defaults(run=_ticket_action(action, done))

    p = sub.add_parser("finish", help="terminer une visite et enregistrer les demandes")
    p.add_argument("number", type=int, metavar="NUMBER")
    p.add_argument("--outcome", required=True, choices=["solved", "redirected", "follow_up"],
                   help="résultat : réglé sur place, orienté vers un partenaire, à suivre")
    p.add_argument("--procedure", action="append", metavar="ID",
                   help="démarche traitée (répéter pour plusieurs demandes ; défaut : celle du ticket)")
    p.add_argument("--partner", help="partenaire quand la demande est orientée")
    p.add_argument("--age-band", choices=list(services.AGE_BANDS), help="tranche d'âge (anonyme)")
    p.add_argument("--gender", choices=list(services.GENDERS), help="genre (anonyme)")
    json_flag(p)
    p.set_defaults(run=cmd_finish)

    p = sub.add_parser("desk", help="ouvrir, mettre en pause ou fermer un poste")
    p.add_argument("status", choices=["open", "paused", "closed"])
    p.add_argument("desk", type=int, metavar="DESK")
    json_flag(p)
    p.set_defaults(run=cmd_desk)

    catalogue = sub.add_parser("catalogue", help="vérifier ou lister le catalogue des démarches")
    ca = catalogue.add_subparsers(dest="action", required=True, parser_class=_Parser,
                                  metavar="ACTION")
    p = ca.add_parser("check", help="valider un catalogue (dossier ou fichier)")
    p.add_argument("path", nargs="?", metavar="PATH")
    p.set_defaults(run=cmd_catalogue_check)
    p = ca.add_parser("list", help="lister les démarches")
    json_flag(p)
    p.set_defaults(run=cmd_catalogue_list)

    itinerary = sub.add_parser("itinerary", help="communes, arrêts et prochains passages")
    it = itinerary.add_subparsers(dest="action", required=True, parser_class=_Parser,
                                  metavar="ACTION")
    p = it.add_parser("list", help="lister communes, arrêts et prochains passages")
    json_flag(p)
    p.set_defaults(run=cmd_itinerary_list)

    p = sub.add_parser("checklist", help="liste des papiers d'une démarche : ticket, A4 ou QR code")
    p.add_argument("procedure", metavar="PROCEDURE_ID", help="démarche (kiosk catalogue list)")
    p.add_argument("--format", default="receipt", choices=["receipt", "a4", "qr"],
                   help="receipt : PDF 80 mm ; a4 : PDF A4 ; qr : image PNG du QR code pour le téléphone")
    p.add_argument("--out", required=True, metavar="FILE", help="fichier à écrire")
    p.add_argument("--number", type=int, metavar="N", help="numéro du ticket à imprimer")
    p.set_defaults(run=cmd_checklist)

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

    _staff_user_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        return int(args.run(args, settings))
    except KioskError as exc:
        print(f"{PROG}: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # the database is down, the disk is full...
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            reason = str(getattr(exc, "orig", exc)).splitlines()[0]
            print(f"{PROG}: base de données inaccessible : {reason}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
