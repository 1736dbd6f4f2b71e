""""Prioritaire au prochain passage": nobody leaves empty-handed.

When a half-day closes with people still waiting, each of them gets a slip with the next passage
of the bus in this commune, the papers of her procedure and a short code. At a later stopover the
animatrice types the code on the console: a priority ticket for the same procedure, and the pass
is marked used, so that the statistics count how many came back (kiosk/reports/statistics.py `returns`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models import ReturnPass, Stopover, Ticket
from kiosk import french
from kiosk.content.catalogue import Operator, Procedure
from kiosk.core import services, views
from kiosk.core.context import Context
from kiosk.domain import State
from kiosk.errors import KioskError, readable
from kiosk.output.documents import Slip, Visit
from kiosk.output.printing import Printer, PrintOutcome
from kiosk.vocabulary import RETURN_CODE_ALPHABET, RETURN_CODE_LENGTH

ALPHABET, CODE_LENGTH = RETURN_CODE_ALPHABET, RETURN_CODE_LENGTH


@dataclass(frozen=True)
class ReturnPassInfo:
    code: str
    number: int  # the ticket number she had at the closed stopover
    procedure_id: str
    language: str
    stopover: services.StopoverInfo  # where she was left unserved
    next_passage: views.Passage | None  # the next passage in that commune, if one is planned
    issued_at: dt.datetime
    used_at: dt.datetime | None

    def as_json(self) -> dict[str, object]:
        passage = self.next_passage
        return {
            "code": self.code, "number": self.number, "procedure": self.procedure_id,
            "stopover": self.stopover.id, "commune": self.stopover.commune_name,
            "next_passage": None if passage is None else {
                "day": passage.day.isoformat(), "half": passage.half, "stop": passage.stop_id,
                "stop_name": passage.stop_name, "commune": passage.commune_name},
            "issued_at": self.issued_at.isoformat(),
            "used_at": self.used_at.isoformat() if self.used_at else None,
        }


def normalize(code: str) -> str:
    """What was typed, as printed: spaces and dashes dropped, upper case."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if session.scalar(select(ReturnPass.id).where(ReturnPass.code == code)) is None:
            return code


def _last_closed(session: Session) -> Stopover:
    stopover = session.scalars(
        select(Stopover).where(Stopover.closed_at.is_not(None))
        .order_by(Stopover.closed_at.desc(), Stopover.id.desc())
    ).first()
    if stopover is None:
        raise KioskError("Aucune demi-journée fermée : les tickets de retour se donnent "
                         "après la fermeture.")
    return stopover


def _infos(ctx: Context, session: Session, stopover: Stopover) -> tuple[ReturnPassInfo, ...]:
    info = services.stopover_info(session, stopover)
    rows = session.execute(
        select(ReturnPass, Ticket.number, Ticket.procedure_id, Ticket.language)
        .join(Ticket, Ticket.id == ReturnPass.ticket_id)
        .where(Ticket.stopover_id == stopover.id).order_by(Ticket.number)
    ).all()
    passage = _next_passage(ctx, info)
    return tuple(ReturnPassInfo(p.code, number, procedure_id, language, info, passage,
                                p.issued_at, p.used_at)
                 for p, number, procedure_id, language in rows)


def _next_passage(ctx: Context, stopover: services.StopoverInfo) -> views.Passage | None:
    found = views.next_passages(ctx, stopover.commune_insee, after=stopover.day, limit=1)
    return found[0] if found else None


def issue_return_passes(ctx: Context, stopover_id: int | None = None) -> tuple[ReturnPassInfo, ...]:
    """A pass for every visitor left unserved at a closed stopover (the last closed one by
    default). Asking again gives the same codes: a slip printed twice is the same slip."""
    now = ctx.now()
    with ctx.write() as session:
        if stopover_id is None:
            stopover = _last_closed(session)
        else:
            found = session.get(Stopover, stopover_id)
            if found is None:
                raise KioskError(f"Demi-journée n° {stopover_id} inconnue.")
            stopover = found
        if stopover.closed_at is None:
            raise KioskError("La demi-journée est encore ouverte : les tickets de retour se "
                             "donnent après la fermeture, à ceux qui n'ont pas été reçus.")
        info = services.stopover_info(session, stopover)
        passage = _next_passage(ctx, info)
        unserved = session.scalars(
            select(Ticket).where(Ticket.stopover_id == stopover.id,
                                 Ticket.state == State.UNSERVED)
            .where(~select(ReturnPass.id).where(ReturnPass.ticket_id == Ticket.id).exists())
            .order_by(Ticket.number)
        ).all()
        for ticket in unserved:
            session.add(ReturnPass(
                code=_new_code(session), ticket_id=ticket.id, issued_at=now,
                next_day=passage.day if passage else None,
                next_half=passage.half if passage else None,
                next_stop_id=passage.stop_id if passage else None))
            session.flush()
        if unserved:
            services.log_event(session, ctx, "return_passes_issued", stopover_id=stopover.id,
                               count=len(unserved))
        return _infos(ctx, session, stopover)


def use_return_pass(ctx: Context, code: str, staff_id: int | None = None,
                    channel: str = "console") -> services.TicketIssued:
    """The visitor is back with her slip: a priority ticket for the same procedure at the open
    stopover, and the pass is used (once: a second try says when it was used)."""
    typed = normalize(code)
    if not typed or len(typed) > 16:
        raise KioskError(f"Code de retour invalide « {readable(code, 20)} » : "
                         f"{CODE_LENGTH} lettres ou chiffres, comme sur le ticket.")
    with ctx.write() as session:
        found = session.execute(
            select(ReturnPass, Ticket.procedure_id, Ticket.language)
            .join(Ticket, Ticket.id == ReturnPass.ticket_id)
            .where(ReturnPass.code == typed)
        ).first()
        if found is None:
            raise KioskError(f"Code de retour inconnu « {readable(typed, 20)} » : vérifiez "
                             "les lettres sur le ticket.")
        return_pass, procedure_id, language = found
        if return_pass.used_at is not None:
            raise KioskError(f"Ce code a déjà servi, le {french.date_and_time(return_pass.used_at)}.")
        procedure = ctx.catalogue.procedure(procedure_id) or ctx.catalogue.procedure("autre")
        if procedure is None:  # pragma: no cover - the catalogue always holds "autre"
            raise KioskError("Démarche « autre » absente du catalogue.")
        issued, ticket_id = services.take_in(session, ctx, procedure, True, language, channel)
        # Conditional: two consoles typing the same code at once give one ticket, not two.
        marked = session.execute(
            update(ReturnPass).where(ReturnPass.id == return_pass.id,
                                     ReturnPass.used_at.is_(None))
            .values(used_at=ctx.now(), used_ticket_id=ticket_id)
            .returning(ReturnPass.id)
        ).first()
        if marked is None:
            raise KioskError("Ce code vient d'être utilisé à un autre poste.")
        services.log_event(session, ctx, "return_pass_used", stopover_id=issued.stopover_id,
                           ticket_id=ticket_id, code=return_pass.code, staff_id=staff_id)
        return issued



def return_slip(ctx: Context, given: ReturnPassInfo) -> tuple[Procedure, Operator, Slip]:
    """What her slip says: the code and the next passage above her procedure's papers, the
    commune's next passages and the bus's contact below."""
    procedure = ctx.catalogue.procedure(given.procedure_id) or ctx.catalogue.procedure("autre")
    assert procedure is not None  # the catalogue always holds "autre"
    operator = ctx.catalogue.operator(procedure.operator_id)
    assert operator is not None
    place = given.stopover
    ahead = views.next_passages(ctx, place.commune_insee, after=place.day, limit=3)
    visits = tuple(Visit(p.day, p.half, p.stop_name, p.commune_name, p.confirmed) for p in ahead)
    slip = Slip(number=None, printed_at=ctx.now(), stop_name=place.stop_name,
                commune_name=place.commune_name, next_passages=visits,
                bus_phone=ctx.settings.bus_phone, calendar=ctx.settings.bus_calendar,
                return_code=given.code, return_visit=visits[0] if visits else None,
                language=given.language)
    return procedure, operator, slip


def _receipt(procedure: Procedure, operator: Operator, slip: Slip,
             folder: Path) -> tuple[Path, float]:
    from kiosk.output.documents import printed_receipt

    return printed_receipt(procedure, operator, slip, folder / f"retour-{slip.return_code}.pdf")


def print_return_passes(ctx: Context, printer: Printer, stopover_id: int) -> PrintOutcome:
    """One slip per visitor left unserved at this stopover (those already back are skipped);
    a printer failure stops the run and is returned, never raised."""
    from kiosk.core.services import print_made

    passes = [p for p in issue_return_passes(ctx, stopover_id) if p.used_at is None]
    if not passes:
        return PrintOutcome(True, "Personne n'est resté sans être reçu : aucun ticket à donner.")
    for done, given in enumerate(passes):
        procedure, operator, slip = return_slip(ctx, given)
        outcome = print_made(ctx, printer, partial(_receipt, procedure, operator, slip),
                                f"retour-{given.code}")
        if not outcome.ok:
            return PrintOutcome(False, f"{done} ticket(s) imprimé(s) sur {len(passes)} : "
                                       f"{outcome.message}")
    return PrintOutcome(True, f"{len(passes)} ticket(s) « Prioritaire au prochain passage » "
                              "imprimé(s) : donnez-les aux personnes qui attendaient.")
