"""The history on each side of a restore, by what identifies it across two databases (ids do
not): a stopover by its stop, day and half-day, a ticket by its stopover and number, demandes
counted per ticket. What the live database has that the copy lacks is what a restore drops;
the last number each half-day handed out is what it keeps (kiosk/core/restore.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, insert, inspect, text

from db.models import Event
from kiosk.core.backup import COUNTED
from kiosk.core.services.stopovers import NUMBERING_KEPT, kept_number

RESTORED = "database_restored"  # the event of a restore, with what it dropped


@dataclass(frozen=True)
class NumberingKept:
    """A half-day whose last ticket number the restore kept from the replaced database."""

    stop_id: str
    day: dt.date
    half: str
    last_number: int  # the live database's: the next ticket gets the number after it
    restored: int | None  # the copy's (None: the copy has no such stopover)

    def as_json(self) -> dict[str, Any]:
        return {"stop": self.stop_id, "day": self.day.isoformat(), "half": self.half,
                "last_number": self.last_number, "restored": self.restored}


@dataclass
class History:
    """One side's history, as the module says."""

    stopovers: dict[tuple[str, str, str], int] = field(default_factory=dict)  # -> last number
    tickets: set[tuple[str, str, str, int]] = field(default_factory=set)
    demandes: Counter[tuple[str, str, str, int]] = field(default_factory=Counter)
    floors: dict[tuple[str, str, str], int] = field(default_factory=dict)  # numbering_kept

    def lacking_from(self, other: History) -> dict[str, int]:
        """How many of this side's rows `other` lacks."""
        return {"stopovers": len(self.stopovers.keys() - other.stopovers.keys()),
                "tickets": len(self.tickets - other.tickets),
                "demandes": sum((self.demandes - other.demandes).values())}

    def last_numbers(self) -> dict[tuple[str, str, str], int]:
        """The last number handed out in each half-day, the event log's included."""
        numbers = dict(self.floors)
        for key, last in self.stopovers.items():
            numbers[key] = max(last, numbers.get(key, 0))
        return numbers


def history(conn: Connection) -> History:
    found = History()
    for stop, day, half, last in conn.execute(text(
            "SELECT stop_id, day, half, last_number FROM stopovers")):
        found.stopovers[(stop, str(day)[:10], half)] = int(last or 0)
    for stop, day, half, number in conn.execute(text(
            "SELECT s.stop_id, s.day, s.half, t.number FROM tickets t "
            "JOIN stopovers s ON s.id = t.stopover_id")):
        found.tickets.add((stop, str(day)[:10], half, int(number)))
    for stop, day, half, number, n in conn.execute(text(
            "SELECT s.stop_id, s.day, s.half, t.number, count(*) FROM demandes d "
            "JOIN tickets t ON t.id = d.ticket_id JOIN stopovers s ON s.id = t.stopover_id "
            "GROUP BY s.stop_id, s.day, s.half, t.number")):
        found.demandes[(stop, str(day)[:10], half, int(number))] = int(n)
    for (detail,) in conn.execute(text(
            "SELECT detail FROM events WHERE kind = :kind AND stopover_id IS NULL"),
            {"kind": NUMBERING_KEPT}):
        kept = kept_number(detail)
        if kept is not None:  # a line someone broke: the stopovers' own numbers still hold
            found.floors[kept[0]] = max(kept[1], found.floors.get(kept[0], 0))
    return found


def current_history(engine: Engine) -> History:
    """The live database's history, or an empty one when it has no tables yet."""
    with engine.connect() as conn:
        if "stopovers" not in inspect(conn).get_table_names():
            return History()
        return history(conn)


def after_rows(conn: Connection, ours: History, source: str, revision_before: int,
                now: dt.datetime) -> tuple[dict[str, int], tuple[NumberingKept, ...]]:
    """In the replacing transaction, once the copy's rows are in: keep every higher number,
    log the restore, move the queue revision past both sides'. Returns what was dropped and
    the numbers kept."""
    theirs = history(conn)
    dropped = ours.lacking_from(theirs)
    ids = {(stop, str(day)[:10], half): int(sid) for sid, stop, day, half in conn.execute(text(
        "SELECT id, stop_id, day, half FROM stopovers"))}
    kept = []
    for key, last in sorted(ours.last_numbers().items()):
        restored = theirs.stopovers.get(key)
        if last <= (restored if restored is not None else 0):
            continue
        if restored is not None:
            conn.execute(text("UPDATE stopovers SET last_number = :n WHERE id = :id"),
                         {"n": last, "id": ids[key]})
        number = NumberingKept(key[0], dt.date.fromisoformat(key[1]), key[2], last, restored)
        kept.append(number)
        conn.execute(insert(Event).values(
            at=now, kind=NUMBERING_KEPT, stopover_id=ids.get(key),
            detail=json.dumps(number.as_json(), sort_keys=True)))
    conn.execute(insert(Event).values(at=now, kind=RESTORED, detail=json.dumps(
        {"source": source, "dropped": dropped, "numbering_kept": len(kept)}, sort_keys=True)))
    copied = conn.execute(text("SELECT value FROM queue_revision WHERE id = 1")).scalar()
    value = max(revision_before, int(copied or 0)) + 1
    if copied is None:
        conn.execute(text("INSERT INTO queue_revision (id, value) VALUES (1, :v)"), {"v": value})
    else:
        conn.execute(text("UPDATE queue_revision SET value = :v WHERE id = 1"), {"v": value})
    return dropped, tuple(kept)


def revision_value(conn: Connection) -> int:
    return int(conn.execute(text("SELECT value FROM queue_revision WHERE id = 1")).scalar() or 0)


def counts_of(conn: Connection) -> dict[str, int]:
    return {table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)
            for table in COUNTED}
