""""Prioritaire au prochain passage": nobody leaves empty-handed.

When a half-day closes with people still waiting, each of them gets a slip with the next passage
of the bus in this commune, the papers of her procedure and a short code. At a later stopover the
animatrice types the code on the console: a priority ticket for the same procedure, and the pass
is marked used, so that the statistics count how many came back (kiosk/reports/statistics.py `returns`).

A code is not a key to every bus: it serves in the commune where it was given, until
`return_pass_weeks` (setting, default 8) after that day or the commune's next passage if that
comes later (the slip's promise), once. Guessing is slowed where the codes
are typed: after 3 codes refused in a row at the open stopover, each further try waits 5 s, then
10, 20… (5 minutes at most), counted in the database so that every console and the command line
share it; a right code resets it. A script tried some 290 codes a second before; now about 16
an hour are looked at, however fast it tries (measured in-process on SQLite).
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models import Commune, ReturnPass, Stop, Stopover, Ticket
from kiosk import french
from kiosk.content.catalogue import Operator, Procedure
from kiosk.content.i18n import at_commune
from kiosk.core import services, views
from kiosk.core.context import Context
from kiosk.domain import State
from kiosk.errors import KioskError, ReturnCodeRefused, readable
from kiosk.output.documents import Slip, Visit, return_validity
from kiosk.output.printing import Printer, PrintOutcome
from kiosk.vocabulary import RETURN_CODE_ALPHABET, RETURN_CODE_LENGTH

ALPHABET, CODE_LENGTH = RETURN_CODE_ALPHABET, RETURN_CODE_LENGTH
SLOW_AFTER = 3  # codes refused in a row before the next try has to wait
FIRST_WAIT_SECONDS = 5  # then doubled at each further refusal...
MAX_WAIT_SECONDS = 300  # ...up to 5 minutes: at most ~12 guesses an hour once reached


@dataclass(frozen=True)
class ReturnPassInfo:
    code: str
    number: int  # the ticket number she had at the closed stopover
    procedure_id: str
    language: str
    stopover: services.StopoverInfo  # where she was left unserved: the code serves in its commune
    # the next passage in that commune while the code is valid, if one is planned
    next_passage: views.Passage | None
    issued_at: dt.datetime
    used_at: dt.datetime | None
    valid_until: dt.date  # the last day the code gives a ticket

    @property
    def validity(self) -> str:
        """"Valable à Ducos jusqu'au jeudi 21 janvier 2027": as the slip says it."""
        return return_validity(self.stopover.commune_name, self.valid_until)

    def as_json(self) -> dict[str, object]:
        passage = self.next_passage
        return {
            "code": self.code, "number": self.number, "procedure": self.procedure_id,
            "stopover": self.stopover.id, "commune": self.stopover.commune_name,
            "next_passage": None if passage is None else {
                "day": passage.day.isoformat(), "half": passage.half, "stop": passage.stop_id,
                "stop_name": passage.stop_name, "commune": passage.commune_name},
            "issued_at": self.issued_at.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "used_at": self.used_at.isoformat() if self.used_at else None,
        }


def valid_until_of(ctx: Context, issued_at: dt.datetime) -> dt.date:
    """The last day a code given at `issued_at` serves: `return_pass_weeks` later."""
    return issued_at.date() + dt.timedelta(weeks=ctx.settings.return_pass_weeks)


def wait_after(misses: int) -> int:
    """Seconds the next try waits after `misses` codes refused in a row: none for the first
    SLOW_AFTER - 1, then 5, 10, 20… doubling, never more than MAX_WAIT_SECONDS."""
    if misses < SLOW_AFTER:
        return 0
    doublings = min(misses - SLOW_AFTER, 16)  # 5 × 2**16 is far past the cap already
    return min(FIRST_WAIT_SECONDS * 2**doublings, MAX_WAIT_SECONDS)


def in_words(seconds: int) -> str:
    """"5 secondes", "1 minute", "2 minutes et 40 secondes"."""
    minutes, rest = divmod(seconds, 60)
    parts = [f"{minutes} minute{'s' if minutes > 1 else ''}"] if minutes else []
    if rest or not minutes:
        parts.append(f"{rest} seconde{'s' if rest > 1 else ''}")
    return " et ".join(parts)


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
    passages: dict[tuple[dt.date, dt.date], views.Passage | None] = {}  # one query per issue
    infos = []
    for p, number, procedure_id, language in rows:
        key = (p.issued_at.date(), p.valid_until)
        if key not in passages:
            passages[key] = _next_passage(ctx, info, p.issued_at, p.valid_until)
        infos.append(ReturnPassInfo(p.code, number, procedure_id, language, info, passages[key],
                                    p.issued_at, p.used_at, p.valid_until))
    return tuple(infos)


def _next_passage(ctx: Context, stopover: services.StopoverInfo, issued_at: dt.datetime,
                  valid_until: dt.date) -> views.Passage | None:
    """The commune's next passage after the code was given, if the code still serves then."""
    after = max(stopover.day, issued_at.date())
    found = views.next_passages(ctx, stopover.commune_insee, after=after, limit=1)
    return found[0] if found and found[0].day <= valid_until else None


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
        # "Prioritaire au prochain passage": the code serves at least until the commune's next
        # passage, even one past `return_pass_weeks` (a one-week setting and a bus back in ten
        # days gave a slip that sent her to a passage where her code was refused)
        ahead = views.next_passages(ctx, info.commune_insee,
                                    after=max(info.day, now.date()), limit=1)
        valid_until = max([valid_until_of(ctx, now), *(p.day for p in ahead)])
        passage = _next_passage(ctx, info, now, valid_until)
        unserved = session.scalars(
            select(Ticket).where(Ticket.stopover_id == stopover.id,
                                 Ticket.state == State.UNSERVED)
            .where(~select(ReturnPass.id).where(ReturnPass.ticket_id == Ticket.id).exists())
            .order_by(Ticket.number)
        ).all()
        for ticket in unserved:
            session.add(ReturnPass(
                code=_new_code(session), ticket_id=ticket.id, issued_at=now,
                valid_until=valid_until, next_day=passage.day if passage else None,
                next_half=passage.half if passage else None,
                next_stop_id=passage.stop_id if passage else None))
            session.flush()
        if unserved:
            services.log_event(session, ctx, "return_passes_issued", stopover_id=stopover.id,
                               count=len(unserved), valid_until=valid_until.isoformat())
        return _infos(ctx, session, stopover)


def use_return_pass(ctx: Context, code: str, staff_id: int | None = None,
                    channel: str = "console") -> services.TicketIssued:
    """The visitor is back with her slip: a priority ticket for the same procedure at the open
    stopover, and the pass is used.

    Refused (ReturnCodeRefused), in this order: a try while the slow-down runs (the code is
    neither looked at nor counted), an unknown code, a code already used, a code expired (the
    open stopover's day is past its `valid_until`), a code given in another commune. Each of
    the last four counts one more code refused in a row at the open stopover; from the
    SLOW_AFTER-th on, the next try waits (`wait_after`). Every refusal is committed in the event
    log before it is raised, a code typed wrong never in clear (its first character and its
    length). A right code resets the count. A code that is not 1 to 16 letters or digits is
    refused before any of this, as is a try with no stopover open (or one left open)."""
    typed = normalize(code)
    if not typed or len(typed) > 16:
        raise KioskError(f"Code de retour invalide « {readable(code, 20)} » : "
                         f"{CODE_LENGTH} lettres ou chiffres, comme sur le ticket.")
    refusal: ReturnCodeRefused | None = None
    issued: services.TicketIssued | None = None
    with ctx.write() as session:  # the revision row serialises two consoles typing at once
        now = ctx.now()
        stopover = services.serving_stopover(session, ctx)
        here = services.stopover_info(session, stopover)
        wait_until = stopover.return_code_wait_until
        if wait_until is not None and wait_until > now:
            seconds = max(1, math.ceil((wait_until - now).total_seconds()))
            refusal = ReturnCodeRefused(
                f"Trop de codes refusés de suite : attendez encore {in_words(seconds)} avant "
                "d'essayer un code.", "wait", seconds)
            services.log_event(session, ctx, "return_pass_refused", stopover_id=stopover.id,
                               staff_id=staff_id, reason="wait", wait_seconds=seconds,
                               channel=channel)
        else:
            found = session.execute(
                select(ReturnPass, Ticket.procedure_id, Ticket.language, Stop.commune_insee,
                       Commune.name, Ticket.stopover_id)
                .join(Ticket, Ticket.id == ReturnPass.ticket_id)
                .join(Stopover, Stopover.id == Ticket.stopover_id)
                .join(Stop, Stop.id == Stopover.stop_id)
                .join(Commune, Commune.insee == Stop.commune_insee)
                .where(ReturnPass.code == typed)
            ).first()
            if found is None:
                refusal = _missed(session, ctx, stopover, staff_id, channel, typed, None,
                                  "unknown", f"Code de retour inconnu « {readable(typed, 20)} » : "
                                             "vérifiez les lettres sur le ticket.")
            else:
                return_pass, procedure_id, language, insee, commune_name, given_in = found
                why = _why_not(return_pass, here, insee, commune_name, given_in)
                if why is not None:
                    refusal = _missed(session, ctx, stopover, staff_id, channel, typed,
                                      return_pass, *why)
                else:
                    issued = _give(session, ctx, stopover, return_pass, procedure_id, language,
                                   staff_id, channel)
    if refusal is not None:
        raise refusal
    assert issued is not None
    return issued


def _why_not(return_pass: ReturnPass, here: services.StopoverInfo, insee: str,
             commune_name: str, given_in: int) -> tuple[str, str] | None:
    """Why a code that exists gives no ticket at this stopover (reason, words), or None."""
    if return_pass.used_at is not None:
        return "used", f"Ce code a déjà servi, le {french.date_and_time(return_pass.used_at)}."
    if given_in == here.id:  # the half-day that gave it, reopened: not the next passage
        return "same_half_day", ("Ce code est pour le prochain passage du bus : il ne sert pas "
                                 "dans la demi-journée où il a été donné.")
    if here.day > return_pass.valid_until:
        return "expired", (f"Ce code a expiré : il était valable jusqu'au "
                           f"{french.day_and_date(return_pass.valid_until)}.")
    if insee != here.commune_insee:
        return "other_commune", (f"Ce code est valable {at_commune(commune_name)} jusqu'au "
                                 f"{french.day_and_date(return_pass.valid_until)}, pas "
                                 f"{at_commune(here.commune_name)}.")
    return None


def _missed(session: Session, ctx: Context, stopover: Stopover, staff_id: int | None,
            channel: str, typed: str, return_pass: ReturnPass | None, reason: str,
            words: str) -> ReturnCodeRefused:
    """One more code refused in a row at this stopover, in the event log (an unknown code by its
    first character only: a near miss of a real code must not be readable there), and the
    slow-down it brings."""
    now = ctx.now()
    stopover.return_code_misses += 1
    misses = stopover.return_code_misses
    seconds = wait_after(misses)
    said = ({"return_pass_id": return_pass.id} if return_pass is not None
            else {"typed_first": typed[0], "typed_length": len(typed)})
    services.log_event(session, ctx, "return_pass_refused", stopover_id=stopover.id,
                       staff_id=staff_id, reason=reason, misses=misses, channel=channel, **said)
    if seconds:
        stopover.return_code_wait_until = now + dt.timedelta(seconds=seconds)
        services.log_event(session, ctx, "return_code_slowed", stopover_id=stopover.id,
                           staff_id=staff_id, misses=misses, wait_seconds=seconds,
                           until=stopover.return_code_wait_until.isoformat())
        words += (f" {misses} codes refusés de suite : attendez {in_words(seconds)} avant "
                  "d'essayer un autre code.")
    return ReturnCodeRefused(words, reason, seconds)


def _give(session: Session, ctx: Context, stopover: Stopover, return_pass: ReturnPass,
          procedure_id: str, language: str, staff_id: int | None,
          channel: str) -> services.TicketIssued:
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
    stopover.return_code_misses = 0
    stopover.return_code_wait_until = None
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
    back = given.next_passage
    slip = Slip(number=None, printed_at=ctx.now(), stop_name=place.stop_name,
                commune_name=place.commune_name, next_passages=visits,
                bus_phone=ctx.settings.bus_phone, calendar=ctx.settings.bus_calendar,
                return_code=given.code,
                return_visit=None if back is None else Visit(back.day, back.half, back.stop_name,
                                                             back.commune_name, back.confirmed),
                return_valid_until=given.valid_until, language=given.language)
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
                              "imprimé(s) : donnez-les aux personnes qui attendaient. "
                              f"{min(passes, key=lambda p: p.valid_until).validity}.")
