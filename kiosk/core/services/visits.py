"""What a visit leaves: the demandes, the anonymous profile, and the visitors' opinion ("Votre
avis")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import (
    Commune,
    Demande,
    Feedback,
    Stopover,
)
from kiosk import domain
from kiosk.core.context import Context
from kiosk.core.services.record import (
    DemandeInput,
    VisitFinished,
    _acting,
    _check,
    _open_stopover,
    _seconds,
    _ticket,
    log_event,
)
from kiosk.domain import Outcome, State
from kiosk.errors import (
    InvalidDemande,
    KioskError,
    UnknownProcedure,
)
from kiosk.vocabulary import (
    AGE_BANDS,
    FEEDBACK_ANSWERS,
    GENDERS,
    OUTCOMES,
    RESIDENCE_ANSWERS,
)


def valid_residences(session: Session) -> set[str]:
    return set(session.scalars(select(Commune.insee))) | set(RESIDENCE_ANSWERS)


def finish_visit(ctx: Context, number: int, demandes: Sequence[DemandeInput],
                 age_band: str | None = None, gender: str | None = None,
                 staff_id: int | None = None, residence: str | None = None) -> VisitFinished:
    """End a visit and record what was handled: one or more demandes, each with its outcome,
    and an optional anonymous profile (age band, gender, commune of residence). A called ticket
    may be finished without "start": its start time then stays empty, and its service time runs
    from the latest call."""
    if not demandes:
        raise InvalidDemande("Une visite compte au moins une demande.")
    rows = []
    seen: set[str] = set()
    for index, d in enumerate(demandes, 1):
        procedure = ctx.catalogue.procedure(d.procedure_id)
        if procedure is None:
            raise UnknownProcedure(d.procedure_id)
        if procedure.id in seen:
            # partners count demandes: the same procedure twice in one visit is one demande
            # entered twice, and would be counted twice
            raise InvalidDemande(f"Demande {index} : « {procedure.title} » est déjà notée "
                                 "pour cette visite.")
        seen.add(procedure.id)
        if d.outcome not in OUTCOMES:
            raise InvalidDemande(
                f"Demande {index} : résultat « {d.outcome} » invalide ({', '.join(OUTCOMES)})."
            )
        raw_partner = d.partner or ""
        if any(not ch.isprintable() and not ch.isspace() for ch in raw_partner) or any(
                0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069 for ch in raw_partner):
            raise InvalidDemande(f"Demande {index} : caractère invisible dans le nom du "
                                 "partenaire.")
        partner = " ".join(raw_partner.split()) or None
        if d.outcome == Outcome.REDIRECTED and partner is None:
            raise InvalidDemande(f"Demande {index} : partenaire manquant (orientée vers qui ?).")
        if d.outcome != Outcome.REDIRECTED and partner is not None:
            # the statistics and the CSV read a partner as "sent there": only a redirect has one
            raise InvalidDemande(f"Demande {index} : un partenaire n'est noté que pour une "
                                 f"demande orientée vers un partenaire.")
        if partner and len(partner) > 120:
            raise InvalidDemande(f"Demande {index} : partenaire trop long (120 caractères au plus).")
        listed = ctx.catalogue.partner_named(partner) if partner else None
        if listed is not None:  # "caf" or "Caf" counts with "CAF"
            partner = listed.label
        rows.append((procedure, d.outcome, partner))
    if age_band is not None and age_band not in AGE_BANDS:
        raise InvalidDemande(f"Tranche d'âge « {age_band} » invalide ({', '.join(AGE_BANDS)}).")
    if gender is not None and gender not in GENDERS:
        raise InvalidDemande(f"Genre « {gender} » invalide ({', '.join(GENDERS)}).")
    with ctx.write() as session:
        stopover = _open_stopover(session)
        # a visit of a stopover left open ends, at the latest, at its serving limit
        now = min(ctx.now(), domain.serving_limit(stopover.day))
        if residence is not None and residence not in valid_residences(session):
            raise InvalidDemande(
                f"Commune de résidence « {residence} » invalide (code INSEE d'une commune de "
                f"l'itinéraire, {' ou '.join(RESIDENCE_ANSWERS)}).")
        ticket = _ticket(session, stopover, number)
        _check(ticket, "finish")
        _acting(session, staff_id, ticket.desk_id)
        service_from = ticket.started_at or ticket.called_at or now
        ticket.state = State.DONE
        ticket.ended_at = now
        ticket.service_seconds = _seconds(service_from, now)
        ticket.age_band, ticket.gender, ticket.residence = age_band, gender, residence
        if staff_id is not None:
            ticket.staff_id = staff_id
        for procedure, outcome, partner in rows:
            session.add(Demande(ticket_id=ticket.id, operator_id=procedure.operator_id,
                                procedure_id=procedure.id, outcome=outcome, partner=partner))
        log_event(session, ctx, "visit_finished", stopover_id=stopover.id, ticket_id=ticket.id,
             desk_id=ticket.desk_id, staff_id=staff_id, number=number,
             demandes=[[p.id, o] for p, o, _ in rows])
        session.flush()
        return VisitFinished(number, ticket.desk_id, len(rows), ticket.service_seconds)


# A visitor's finger may tap twice, or tap a second face at once to "correct" the first: the
# kiosk is anonymous, so "the same visitor" can only mean "the same kiosk, a moment later".
FEEDBACK_REPEAT_SECONDS = 20


def record_feedback(ctx: Context, answer: str,
                    repeat_seconds: int = FEEDBACK_REPEAT_SECONDS) -> bool:
    """Record one "Votre avis" answer (vocabulary.FEEDBACK_ANSWERS) for the open stopover,
    anonymous: the stopover and the time only. Not recorded, and False returned, when no
    stopover is open or when an answer was recorded at this stopover less than
    `repeat_seconds` ago (a second tap of the same visitor). True when it counted.
    Not a queue write: the revision is left alone (no screen needs to redraw)."""
    if answer not in FEEDBACK_ANSWERS:
        raise KioskError(f"Avis « {answer} » invalide ({', '.join(FEEDBACK_ANSWERS)}).")
    now = ctx.now()
    with ctx.sessions.begin() as session:
        # the stopover's row lock serialises two taps on PostgreSQL (SQLite: BEGIN IMMEDIATE)
        open_now = session.execute(
            select(Stopover.id, Stopover.day, Stopover.half)
            .where(Stopover.closed_at.is_(None)).with_for_update()).first()
        if open_now is None or domain.left_open(open_now.day, now):
            return False
        stopover_id = open_now.id
        latest = session.scalar(select(func.max(Feedback.created_at))
                                .where(Feedback.stopover_id == stopover_id))
        # abs: a clock set back (the PC's time corrected) must not silence the kiosk for hours
        if latest is not None and abs(now - latest) < dt.timedelta(seconds=repeat_seconds):
            return False
        session.add(Feedback(stopover_id=stopover_id, answer=answer, created_at=now))
        return True
