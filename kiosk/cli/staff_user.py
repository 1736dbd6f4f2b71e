"""`kiosk staff-user`: the team's accounts (PIN, role)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kiosk.cli.common import Parser, emit, open_database
from kiosk.config import Settings
from kiosk.vocabulary import ROLES


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
    ctx = open_database(settings)
    pin = _read_pin(args.pin_stdin)
    member = staff.add_staff(ctx, name, args.role, pin)
    emit(args, member.as_json(),
          f"Compte créé : {member.name} ({member.role}), identifiant {member.id}.")
    return 0


def cmd_staff_user_list(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk import staff

    members = staff.list_staff(open_database(settings), include_disabled=True)
    lines = [f"{m.id:>4}  {m.name:<30} {m.role:<12}{'' if m.active else ' (désactivé)'}"
             for m in members] or ["Aucun compte : créez-en un avec « kiosk staff-user add »."]
    emit(args, [m.as_json() for m in members], "\n".join(lines))
    return 0


def cmd_staff_user_disable(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk import staff

    member = staff.disable_staff(open_database(settings), args.name)
    emit(args, member.as_json(), f"Compte désactivé : {member.name}.")
    return 0


def cmd_staff_user_enable(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk import staff

    member = staff.enable_staff(open_database(settings), args.name)
    emit(args, member.as_json(), f"Compte réactivé : {member.name}.")
    return 0


def cmd_staff_user_pin(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk import staff

    ctx = open_database(settings)
    staff.find_staff(ctx, args.name)  # an unknown name is refused before the PIN is asked
    member = staff.set_pin(ctx, args.name, _read_pin(args.pin_stdin))
    emit(args, member.as_json(), f"Nouveau code PIN enregistré pour {member.name}.")
    return 0


def register(sub: Any) -> None:
    group = sub.add_parser("staff-user", help="comptes de l'équipe (code PIN, rôle)")
    su = group.add_subparsers(dest="action", required=True, parser_class=Parser, metavar="ACTION")
    p = su.add_parser("add", help="créer un compte ; le code PIN est demandé deux fois, sans écho")
    p.add_argument("name", metavar="NAME", help="nom affiché sur la console (unique)")
    p.add_argument("--role", required=True, choices=list(ROLES), help="rôle")
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
