"""Restoring a backup: a copy checked against the schema this program builds before it replaces
anything, a replacement in one transaction while the apps run, and a numbering that never goes
back.

1. The copy is staged where nothing reads it: SQLite, a private file beside the database;
   PostgreSQL, a throwaway database on the same server, filled by pg_restore. Its schema is then
   compared with a database that this program's own migrations have just built at the copy's
   revision (kiosk/core/schema.py): a trigger, a view, a table, a missing unique constraint, any
   difference is refused in one line before the live database is even opened. Every check is
   bounded in time (SQLite: a progress handler that interrupts; PostgreSQL: statement_timeout
   and a time-out on pg_restore), and whatever was staged goes on any outcome.
2. Before asking, the restore says what the live database holds that the copy lacks (stopovers,
   tickets, demandes): those rows are dropped (they stay in the copy kept aside).
3. The rows are replaced in ONE transaction of the live database, which holds the write lock
   (SQLite BEGIN IMMEDIATE; PostgreSQL LOCK ... IN EXCLUSIVE MODE, readers go on): the live
   numbering is read, the live database copied aside, every table emptied and filled from the
   vetted copy. A stopover (same stop, day and half-day) whose live last number was higher keeps
   it, and one the copy lacks leaves its last number in the event log (`numbering_kept`) for its
   next opening: a number handed out before the restore is never handed out again. The queue
   revision goes up, so the screens refresh. Replacing rows, never the file: an app that has the
   database open goes on with the restored data at its next read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url

from db.engine import head_revision, normalise_url, upgrade
from kiosk.core.backup import PG_DUMP_HEADER, SQLITE_HEADER, RestoreRefused
from kiosk.core.restore_history import NumberingKept, counts_of, history
from kiosk.core.restore_staging import CHECK_SECONDS, PgStaging, SqliteStaging, Staging
from kiosk.core.schema import Schema, describe, first_difference
from kiosk.errors import KioskError, readable
from kiosk.system.clock import local_now
from kiosk.system.config import Settings


@dataclass(frozen=True)
class RestoreReport:
    source: Path
    backend: str
    kept_aside: Path | None  # the replaced database (None: there was none)
    counts: dict[str, int]  # rows now in the database
    revision: str  # the file's schema revision
    upgraded: bool  # the file's schema was older, brought to this program's
    method: str  # how the copy was put in place, in words
    dropped: dict[str, int] = field(default_factory=dict)  # live rows the copy lacked
    numbering: tuple[NumberingKept, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"source": str(self.source), "backend": self.backend,
                "kept_aside": str(self.kept_aside) if self.kept_aside else None,
                "counts": self.counts, "revision": self.revision, "upgraded": self.upgraded,
                "method": self.method, "dropped": self.dropped,
                "numbering_kept": [n.as_json() for n in self.numbering]}


@dataclass(frozen=True)
class RestoreCheck:
    """What a sound backup file holds, and what the restore would drop, shown before anything is
    replaced."""

    source: Path
    counts: dict[str, int]
    revision: str
    dropped: dict[str, int] = field(default_factory=dict)  # live rows the copy lacks


def known_revisions() -> dict[str, bool]:
    """Every schema revision this program knows, with whether it is the newest."""
    from db.engine import migration_scripts

    head = head_revision()
    return {rev.revision: rev.revision == head for rev in migration_scripts().walk_revisions()}


def _check_revision(revision: str | None, name: str) -> bool:
    """True when the revision is this program's newest, False when older; refuses otherwise."""
    if revision is None:
        raise RestoreRefused(f"{name} : pas une sauvegarde de Borne PLUS (version de schéma "
                             "absente)")
    known = known_revisions()
    if revision not in known:
        raise RestoreRefused(f"{name} : sauvegarde d'une version plus récente de Borne PLUS "
                             f"(schéma {readable(revision, 40)}) : mettez le programme à jour "
                             "avant de la restaurer")
    return known[revision]


def restore(settings: Settings, file: Path,
            confirm: Callable[[RestoreCheck], bool] | None = None,
            now: dt.datetime | None = None,
            check_seconds: float = CHECK_SECONDS) -> RestoreReport:
    """Replace the configured database's rows by those of the backup `file`, keeping the
    replaced database aside.

    Refused, with nothing changed (RestoreRefused, exit 2): a file that is not a backup of this
    program, a damaged one, one whose schema is newer than this program's, one whose schema is
    not exactly the one this program builds at its revision (a trigger, a view, a table of its
    own, a constraint missing), one whose check takes longer than `check_seconds`. `confirm`
    sees what the file holds and what the live database has that it lacks, and may still say
    no. A file of an older schema is brought to this program's schema before it replaces
    anything. Ticket numbers handed out before the restore are never handed out again."""
    file = Path(file)
    now = now or local_now(settings.timezone)
    if not file.is_file():
        raise RestoreRefused(f"{readable(str(file), 200)} : fichier introuvable")
    try:
        with file.open("rb") as handle:
            head = handle.read(16)
    except OSError as error:
        raise RestoreRefused(f"{readable(str(file), 200)} : lecture impossible "
                             f"({error.strerror})") from None
    url = make_url(normalise_url(settings.effective_database_url))
    staging: Staging
    if url.get_backend_name() == "sqlite":
        if head.startswith(PG_DUMP_HEADER):
            raise RestoreRefused(f"{file.name} : sauvegarde PostgreSQL, mais la base configurée "
                                 "est SQLite")
        if head != SQLITE_HEADER:
            raise RestoreRefused(f"{file.name} : fichier abîmé ou pas une sauvegarde de "
                                 "Borne PLUS (pas une base SQLite)")
        staging = SqliteStaging(settings, url, file, check_seconds)
    else:
        if head.startswith(SQLITE_HEADER[:6]):
            raise RestoreRefused(f"{file.name} : sauvegarde SQLite, mais la base configurée est "
                                 "PostgreSQL")
        staging = PgStaging(settings, url, file, check_seconds)
    with staging:
        return _restore(staging, file, confirm, now)


def _restore(staging: Staging, file: Path, confirm: Callable[[RestoreCheck], bool] | None,
             now: dt.datetime) -> RestoreReport:
    with staging.checking():
        staging.load()
        copy = staging.copy_engine()
        with copy.connect() as conn:
            revision = _revision(conn)
        at_head = _check_revision(revision, file.name)
        assert revision is not None
        then, newest = staging.expected(revision)
        with copy.connect() as conn:
            found = describe(conn)
        _refuse_difference(file, then, found)
        with copy.connect() as conn:
            counts = counts_of(conn)
        if not at_head:
            # brought up to date where it lies, before it replaces anything: a migration that
            # fails leaves the live database as it was
            upgrade(copy)
            with copy.connect() as conn:
                _refuse_difference(file, newest, describe(conn))
        with copy.connect() as conn:
            theirs = history(conn)
    ours = staging.live_history()
    dropped = ours.lacking_from(theirs)
    if confirm is not None and not confirm(RestoreCheck(file, counts, revision, dropped)):
        raise RestoreRefused("Restauration annulée : rien n'a changé.")
    replaced = staging.replace(newest, now)
    if replaced.counts != counts:
        raise KioskError(f"La base restaurée n'a pas toutes les lignes ({replaced.counts} au "
                         f"lieu de {counts}) : l'ancienne est gardée dans {replaced.kept}")
    return RestoreReport(file, staging.backend, replaced.kept, replaced.counts, revision,
                         not at_head, staging.method, replaced.dropped, replaced.numbering)


def _refuse_difference(file: Path, expected: Sequence[Schema], found: Schema) -> None:
    difference = first_difference(expected, found)
    if difference is not None:
        raise RestoreRefused(f"{file.name} : pas le schéma de Borne PLUS ({difference}) : "
                             "rien n'a changé")


def _revision(conn: Connection) -> str | None:
    """The copy's schema revision, read only from a plain table (a view of that name could be
    made to run forever)."""
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return str(row[0]) if row else None
