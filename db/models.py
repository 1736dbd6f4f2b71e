"""SQLAlchemy 2 models of Borne PLUS.

Every date and time is the wall time of the bus's zone (setting `timezone`, America/Martinique by
default: UTC-4), stored naive, and the statistics count in it. The clock (kiosk/system/clock.py)
turns the instant into that zone's wall time whatever zone the PC is set to: a PC left in UTC
records an 08:35 visit at 08:35, not 12:35. Naive is unambiguous there because Martinique has had
no daylight saving since 1980: each value names one instant (the value at -04:00). In a zone with
daylight saving, the hour repeated in autumn would name two.

The database holds what happens (stopovers, tickets, demandes, events) and the itinerary copied
from the YAML assets; the catalogue of procedures stays in YAML and tickets refer to it by id.
Constraints back every queue rule so that a bug in a service cannot break them silently.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kiosk.vocabulary import (  # the one part of the core that db/ reads: plain tables
    AGE_BANDS,
    CHANNELS,
    DESK_STATUSES,
    FEEDBACK_ANSWERS,
    GENDERS,
    HALVES,
    OUTCOMES,
    ROLES,
    TICKET_STATES,
    sql_in,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_in = sql_in


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Commune(Base):
    __tablename__ = "communes"

    insee: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)

    stops: Mapped[list[Stop]] = relationship(back_populates="commune", order_by="Stop.id")


class Stop(Base):
    __tablename__ = "stops"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    commune_insee: Mapped[str] = mapped_column(ForeignKey("communes.insee"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # False: the place is not confirmed by the coordinator; visitors read it "sous réserve"
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    commune: Mapped[Commune] = relationship(back_populates="stops")


class ScheduleSlot(Base):
    """One planned half-day of the bus at a stop (the itinerary's schedule)."""

    __tablename__ = "schedule"
    __table_args__ = (
        UniqueConstraint("day", "half", name="uq_schedule_day_half"),
        CheckConstraint(_in("half", HALVES), name="half"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    half: Mapped[str] = mapped_column(String(10))
    stop_id: Mapped[str] = mapped_column(ForeignKey("stops.id"), index=True)


class Stopover(Base):
    """The bus at one stop for one half-day. Ticket numbers are allocated from last_number."""

    __tablename__ = "stopovers"
    __table_args__ = (
        UniqueConstraint("stop_id", "day", "half", name="uq_stopovers_stop_day_half"),
        CheckConstraint(_in("half", HALVES), name="half"),
        CheckConstraint("last_number >= 0", name="last_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stop_id: Mapped[str] = mapped_column(ForeignKey("stops.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)  # statistics select periods by day
    half: Mapped[str] = mapped_column(String(10))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # indexed: every queue action looks for the open stopover (closed_at IS NULL)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Return codes refused in a row at this stopover, and until when the next try waits
    # (kiosk/core/return_passes.py): in the database, so two consoles and the CLI share them.
    return_code_misses: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    return_code_wait_until: Mapped[dt.datetime | None] = mapped_column(DateTime)

    stop: Mapped[Stop] = relationship()


class Desk(Base):
    __tablename__ = "desks"
    __table_args__ = (CheckConstraint(_in("status", DESK_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="closed", server_default="closed")
    # who works at the desk now (set at login, cleared at logout or when the stopover closes)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    pin_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Ticket(Base):
    """One visit. The state column is the single source of truth of where the ticket is."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("stopover_id", "number", name="uq_tickets_stopover_number"),
        CheckConstraint(_in("state", TICKET_STATES), name="state"),
        CheckConstraint("number >= 1", name="number"),
        CheckConstraint(
            "state NOT IN ('called', 'in_service') OR desk_id IS NOT NULL",
            name="desk_when_called",
        ),
        CheckConstraint(f"channel IS NULL OR {_in('channel', CHANNELS)}", name="channel"),
        CheckConstraint(f"age_band IS NULL OR {_in('age_band', AGE_BANDS)}", name="age_band"),
        CheckConstraint(f"gender IS NULL OR {_in('gender', GENDERS)}", name="gender"),
        CheckConstraint("wait_seconds IS NULL OR wait_seconds >= 0", name="wait_seconds"),
        CheckConstraint("service_seconds IS NULL OR service_seconds >= 0",
                        name="service_seconds"),
        Index("ix_tickets_queue_order", "stopover_id", "state", "priority", "number"),
        # The wait estimate reads the latest services of one procedure: an index range scan
        # from the newest end, however many years of visits the table holds.
        Index("ix_tickets_recent_service", "procedure_id", "state", "ended_at"),
        # "who is at this desk now": SQLite cannot use the partial unique index below for a
        # query whose state list is bound parameters, and scanned every ticket of the history
        Index("ix_tickets_desk_state", "desk_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stopover_id: Mapped[int] = mapped_column(ForeignKey("stopovers.id"))
    number: Mapped[int] = mapped_column(Integer)
    procedure_id: Mapped[str] = mapped_column(String(64))
    operator_id: Mapped[str] = mapped_column(String(64))
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8), default="fr", server_default="fr")
    state: Mapped[str] = mapped_column(String(12), default="waiting")
    # How the ticket was taken (vocabulary.CHANNELS); NULL for tickets taken before 0003.
    channel: Mapped[str | None] = mapped_column(String(10))
    # The phases, each recorded only when it happened (Martinique local time):
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime)
    first_called_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # never changes once set
    called_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # the latest call
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # "Commencer", if pressed
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Durations in whole seconds, written when the phase ends, so that both backends aggregate
    # the same integers: wait = taken -> first call; service = start (else latest call) -> end.
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    service_seconds: Mapped[int | None] = mapped_column(Integer)
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desks.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    recall_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Optional anonymous profile from the end-of-visit form (NULL: not recorded).
    age_band: Mapped[str | None] = mapped_column(String(10))
    gender: Mapped[str | None] = mapped_column(String(10))
    # Commune of residence: an INSEE code of the agglomeration, 'autre' or 'non-dit'.
    residence: Mapped[str | None] = mapped_column(String(8))

    demandes: Mapped[list[Demande]] = relationship(back_populates="ticket", order_by="Demande.id")


# One desk holds at most one current visitor (called or in service).
Index(
    "uq_tickets_desk_current",
    Ticket.desk_id,
    unique=True,
    sqlite_where=text("state IN ('called', 'in_service')"),
    postgresql_where=text("state IN ('called', 'in_service')"),
)


class Demande(Base):
    """What was actually handled during a visit: the unit partners count."""

    __tablename__ = "demandes"
    __table_args__ = (CheckConstraint(_in("outcome", OUTCOMES), name="outcome"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    operator_id: Mapped[str] = mapped_column(String(64))
    procedure_id: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(12))
    partner: Mapped[str | None] = mapped_column(String(120))

    ticket: Mapped[Ticket] = relationship(back_populates="demandes")


class Event(Base):
    """Append-only log of every state change and staff action (audit and statistics)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    stopover_id: Mapped[int | None] = mapped_column(ForeignKey("stopovers.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desks.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    detail: Mapped[str | None] = mapped_column(Text)


class Feedback(Base):
    """One "Votre avis" answer at the kiosk: anonymous, tied to the stopover only."""

    __tablename__ = "feedback"
    __table_args__ = (CheckConstraint(_in("answer", FEEDBACK_ANSWERS), name="answer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stopover_id: Mapped[int] = mapped_column(ForeignKey("stopovers.id"), index=True)
    answer: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ReturnPass(Base):
    """"Prioritaire au prochain passage": a visitor left unserved at closing gets a short code;
    typed on the console at a later stopover, it gives her a priority ticket. Counting the used
    ones tells how many came back."""

    __tablename__ = "return_passes"
    __table_args__ = (
        CheckConstraint(f"next_half IS NULL OR {_in('next_half', HALVES)}", name="next_half"),
        CheckConstraint("(used_at IS NULL) = (used_ticket_id IS NULL)", name="used_together"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)  # the unserved
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # The next passage in the commune when the pass was given (NULL: none planned yet).
    next_day: Mapped[dt.date | None] = mapped_column(Date)
    next_half: Mapped[str | None] = mapped_column(String(10))
    next_stop_id: Mapped[str | None] = mapped_column(ForeignKey("stops.id"))
    # The last day it gives a ticket, in the commune where it was given (return_pass_weeks).
    valid_until: Mapped[dt.date] = mapped_column(Date)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    used_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), unique=True)


class QueueRevision(Base):
    """A single row whose value grows on every queue write; screens poll it to know when to refresh."""

    __tablename__ = "queue_revision"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
