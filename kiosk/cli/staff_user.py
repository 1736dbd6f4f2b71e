"""`kiosk staff-user`: the team's accounts (PIN, role)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from kiosk.cli.common import Parser, emit, open_database
from kiosk.system.config import Settings
from kiosk.vocabulary import ROLES

if TYPE_CHECKING:
    from kiosk.core.context import Context
    from kiosk.core.staff import StaffMember


def _no_terminal() -> None:
    """getpass would open /dev/tty even when stdin is a pipe or a file: a script would hang on
    a prompt nobody sees. Without a terminal, the PINs come through --pin-stdin only."""
    from kiosk.errors import KioskError

    if not sys.stdin.isatty():
        raise KioskError("Pas de terminal pour taper le code PIN : utilisez --pin-stdin "
                         "(voir « kiosk staff-user --help »).")


def _read_pin(from_stdin: bool) -> str:
    """The new PIN: one line of stdin for scripts, else typed twice without echo."""
    import getpass

    from kiosk.core.staff import validate_pin
    from kiosk.errors import InvalidPin, PinMismatch

    try:
        if from_stdin:
            return validate_pin(sys.stdin.readline().rstrip("\r\n"))
        _no_terminal()
        first = validate_pin(getpass.getpass("Code PIN (4 à 8 chiffres) : "))
        if getpass.getpass("Confirmez le code PIN : ") != first:
            raise PinMismatch()
        return first
    except (EOFError, KeyboardInterrupt):
        raise InvalidPin() from None


def _coordinator_pin(from_stdin: bool, name: str) -> str:
    """The acting coordinator's PIN: the first line of stdin for scripts, else typed once
    without echo. A malformed one is refused without counting as an attempt."""
    import getpass

    from kiosk.core.staff import validate_pin
    from kiosk.errors import InvalidPin

    try:
        if from_stdin:
            return validate_pin(sys.stdin.readline().rstrip("\r\n"))
        _no_terminal()
        return validate_pin(getpass.getpass(f"Code PIN de {name} (coordination) : "))
    except (EOFError, KeyboardInterrupt):
        raise InvalidPin() from None


def _authorised(args: argparse.Namespace, ctx: Context,
                new_pin: bool) -> tuple[StaffMember | None, str]:
    """Who makes the change, and the new PIN when one is asked for ("" otherwise).

    Once an active coordinator exists, `--as NAME` and her PIN are required (the core checks it
    again in the change's transaction). With `--pin-stdin`, a script gives her PIN on the first
    line and the new PIN on the second; everything is read and checked before her PIN is tried,
    so that a refusal writes nothing but the trace of a wrong PIN. At a terminal, her PIN is
    asked first and checked at once, then the new one."""
    from kiosk.core import staff
    from kiosk.errors import CoordinatorRequired

    if args.as_name is None:
        if staff.coordinator_exists(ctx):
            raise CoordinatorRequired()
        return None, _read_pin(args.pin_stdin) if new_pin else ""
    coordinator = staff.coordinator_named(ctx, args.as_name)  # refused before any prompt
    coordinator_pin = _coordinator_pin(args.pin_stdin, coordinator.name)
    if args.pin_stdin:
        pin = _read_pin(True) if new_pin else ""
        return staff.authorise_coordinator(ctx, coordinator.name, coordinator_pin), pin
    by = staff.authorise_coordinator(ctx, coordinator.name, coordinator_pin)
    return by, _read_pin(False) if new_pin else ""


def cmd_staff_user_add(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.core import staff

    name = staff.clean_name(args.name)  # refuse before asking for the PIN
    staff.validate_role(args.role)
    ctx = open_database(settings)
    staff.check_new_name(ctx, name)  # taken or too close: before any PIN is asked or tried
    by, pin = _authorised(args, ctx, new_pin=True)
    member = staff.add_staff(ctx, name, args.role, pin, by=by)
    emit(args, member.as_json(),
          f"Compte créé : {member.name} ({member.role}), identifiant {member.id}.")
    return 0


def cmd_staff_user_list(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.core import staff

    members = staff.list_staff(open_database(settings), include_disabled=True)
    lines = [f"{m.id:>4}  {m.name:<30} {m.role:<12}{'' if m.active else ' (désactivé)'}"
             for m in members] or ["Aucun compte : créez-en un avec « kiosk staff-user add »."]
    emit(args, [m.as_json() for m in members], "\n".join(lines))
    return 0


def cmd_staff_user_disable(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.core import staff
    from kiosk.errors import KioskError

    ctx = open_database(settings)
    target = staff.find_staff(ctx, args.name)  # refused before any PIN is asked or tried
    if args.as_name is not None and staff.coordinator_named(ctx, args.as_name).id == target.id:
        raise KioskError("Vous ne pouvez pas désactiver votre propre compte.")
    by, _pin = _authorised(args, ctx, new_pin=False)
    member = staff.disable_staff(ctx, args.name, by=by)
    emit(args, member.as_json(), f"Compte désactivé : {member.name}.")
    return 0


def cmd_staff_user_enable(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.core import staff

    ctx = open_database(settings)
    staff.find_staff(ctx, args.name)  # refused before any PIN is asked or tried
    by, _pin = _authorised(args, ctx, new_pin=False)
    member = staff.enable_staff(ctx, args.name, by=by)
    emit(args, member.as_json(), f"Compte réactivé : {member.name}.")
    return 0


def cmd_staff_user_pin(args: argparse.Namespace, settings: Settings) -> int:
    from kiosk.core import staff

    ctx = open_database(settings)
    staff.find_staff(ctx, args.name)  # an unknown name is refused before the PIN is asked
    by, pin = _authorised(args, ctx, new_pin=True)
    member = staff.set_pin(ctx, args.name, pin, by=by)
    emit(args, member.as_json(), f"Nouveau code PIN enregistré pour {member.name}.")
    return 0


def _as_options(p: argparse.ArgumentParser, new_pin: bool) -> None:
    p.add_argument("--as", dest="as_name", metavar="NOM",
                   help="la coordinatrice qui fait ce changement (son code PIN est demandé) ; "
                        "obligatoire dès qu'un compte de coordination existe")
    p.add_argument("--pin-stdin", action="store_true",
                   help=("lire les codes sur l'entrée standard (scripts) : celui de la "
                         "coordination (--as) sur la première ligne, puis le nouveau code PIN"
                         if new_pin else "lire le code PIN de la coordination (--as) sur une "
                         "ligne de l'entrée standard (scripts)"))


def register(sub: Any) -> None:
    group = sub.add_parser("staff-user", help="comptes de l'équipe (code PIN, rôle)")
    su = group.add_subparsers(dest="action", required=True, parser_class=Parser, metavar="ACTION")
    p = su.add_parser("add", help="créer un compte ; le code PIN est demandé deux fois, sans écho")
    p.add_argument("name", metavar="NAME", help="nom affiché sur la console (unique)")
    p.add_argument("--role", required=True, choices=list(ROLES), help="rôle")
    _as_options(p, new_pin=True)
    p.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")
    p.set_defaults(run=cmd_staff_user_add)
    p = su.add_parser("list", help="lister les comptes (identifiant, nom, rôle, actif)")
    p.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")
    p.set_defaults(run=cmd_staff_user_list)
    p = su.add_parser("disable", help="désactiver un compte (il quitte son poste)")
    p.add_argument("name", metavar="NAME")
    _as_options(p, new_pin=False)
    p.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")
    p.set_defaults(run=cmd_staff_user_disable)
    p = su.add_parser("enable", help="réactiver un compte désactivé (avec son ancien code PIN)")
    p.add_argument("name", metavar="NAME")
    _as_options(p, new_pin=False)
    p.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")
    p.set_defaults(run=cmd_staff_user_enable)
    p = su.add_parser("pin", help="donner un nouveau code PIN (code oublié) ; "
                       "lève le blocage s'il est fait par la coordination")
    p.add_argument("name", metavar="NAME")
    _as_options(p, new_pin=True)
    p.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")
    p.set_defaults(run=cmd_staff_user_pin)
