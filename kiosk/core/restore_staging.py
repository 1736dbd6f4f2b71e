"""Where a restore checks a copy, and how it puts the copy's rows in place, one class per
backend (kiosk/core/restore.py tells the order of it all).

SQLite: the copy is staged in a private file beside the database (`.restore-*`), checked there
under a progress handler that interrupts any statement past the bound; the rows go in through
ATTACH, in one BEGIN IMMEDIATE transaction of the live file. PostgreSQL: the copy is restored by
pg_restore into a throwaway database of the same server (statement_timeout, and a time-out on
pg_restore), checked there. pg_restore logs in there as a throwaway role that owns that database
and nothing else, never as the kiosk's own role: a copy runs SQL when it is restored (a table's
definition, a CHECK calling a function of the copy), and with the kiosk's rights, often a
superuser's, that SQL could create a role, write a file or reach the live base before any check.
The throwaway role can do none of it. the rows go in by COPY from it, in one transaction of the live
database that holds its tables IN EXCLUSIVE MODE. The schema this program expects is built the
same way, by its own migrations, in another staged file or throwaway database. Every staged
file and database goes when the restore ends, whatever the outcome.

Its size: the two backends' staging side by side, each step with its refusal in words; they
share the base class and the history (kiosk/core/restore_history.py), nothing else.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from db.engine import alembic_config, head_revision, make_engine, upgrade
from kiosk.core.backup import (
    BUSY_TIMEOUT_S,
    STAMP,
    BackupError,
    RestoreRefused,
    libpq,
    pg_tool,
    run_tool,
)
from kiosk.core.restore_history import (
    History,
    NumberingKept,
    after_rows,
    counts_of,
    current_history,
    history,
    revision_value,
)
from kiosk.core.schema import Schema, describe, first_difference
from kiosk.errors import KioskError, readable
from kiosk.system.config import Settings
from kiosk.system.files import private_path

log = logging.getLogger(__name__)

CHECK_SECONDS = 120.0  # any one check of a copy that takes longer is stopped, the copy refused
STAGED = ".restore-"  # prefix of every file staged beside the database; none outlives a restore
# the schema this program builds, by backend, server and revision: the same all process long
_EXPECTED: dict[tuple[str, str, str], tuple[list[Schema], list[Schema]]] = {}


def _aside_name(current: Path, now: dt.datetime, suffix: str = "") -> Path:
    stamp = now.strftime(STAMP)
    candidate = current.parent / f"{current.name}.before-restore-{stamp}{suffix}"
    n = 2
    while candidate.exists():
        candidate = current.parent / f"{current.name}.before-restore-{stamp}-{n}{suffix}"
        n += 1
    return candidate


@dataclass(frozen=True)
class Replaced:
    kept: Path | None
    counts: dict[str, int]
    dropped: dict[str, int]
    numbering: tuple[NumberingKept, ...]


def _tables_in_order(conn: Connection) -> list[str]:
    """The tables, each after those its foreign keys point at."""
    return [name for name, _ in inspect(conn).get_sorted_table_and_fkc_names()
            if name is not None and not name.startswith("sqlite_")]


class Staging(ABC):
    """Where a copy is checked, and how it replaces the live rows; cleans up on leaving."""

    backend: str
    method: str

    def __init__(self, settings: Settings, url: URL, file: Path, check_seconds: float) -> None:
        self.settings = settings
        self.url = url
        self.file = file
        self.seconds = check_seconds
        self._engines: list[Engine] = []

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        for engine in self._engines:
            engine.dispose()
        self.clean()

    @abstractmethod
    def clean(self) -> None:
        """Remove whatever was staged (files, databases)."""

    @abstractmethod
    def load(self) -> None:
        """Stage the copy where nothing else reads it, and check that it is sound."""

    @abstractmethod
    def copy_engine(self) -> Engine:
        """The staged copy, every statement on it bounded in time."""

    @abstractmethod
    def live_history(self) -> History:
        """The live database's history, for the question (it may still change)."""

    @abstractmethod
    def replace(self, newest: Sequence[Schema], now: dt.datetime) -> Replaced:
        """The live rows replaced by the checked copy's, in one transaction."""

    @abstractmethod
    def _build(self, revision: str) -> tuple[list[Schema], list[Schema]]:
        """A database built by the migrations at `revision`, then at the newest, described."""

    def expected(self, revision: str) -> tuple[list[Schema], list[Schema]]:
        """The schema this program builds at `revision`, and at its newest (each in the forms
        a database may hold it), built once per process."""
        key = (self.backend, self.url.set(database="", password=None).render_as_string(),
               revision)
        if key not in _EXPECTED:
            _EXPECTED[key] = self._build(revision)
        return _EXPECTED[key]

    def _keep(self, engine: Engine) -> Engine:
        self._engines.append(engine)
        return engine

    @contextmanager
    def checking(self) -> Iterator[None]:
        """Any failure while checking the copy is the copy's: one line, never a traceback."""
        try:
            yield
        except KioskError:
            raise
        except Exception as error:  # a copy crafted to break a check breaks it: refused
            if _timed_out(error):
                raise self.too_long() from None
            raise RestoreRefused(f"{self.file.name} : copie illisible ou pas une sauvegarde de "
                                 f"Borne PLUS ({readable(_first_line(error), 100)}) : rien n'a "
                                 "changé") from None

    def too_long(self) -> RestoreRefused:
        return RestoreRefused(f"{self.file.name} : contrôle arrêté au bout de {self.seconds:g} s "
                              "(copie trop lourde ou piégée) : rien n'a changé")

    def _live_schema_checked(self, conn: Connection, newest: Sequence[Schema]) -> None:
        difference = first_difference(newest, describe(conn))
        if difference is not None:
            raise KioskError(f"La base actuelle n'a pas le schéma de Borne PLUS ({difference}) : "
                             "elle ne peut pas être remplacée ligne à ligne ; mettez-la de côté "
                             "et restaurez dans une base neuve. Rien n'a changé.")


def _first_line(error: BaseException) -> str:
    if isinstance(error, DBAPIError) and error.orig is not None:
        error = error.orig
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


def _timed_out(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.orig is not None:
        error = error.orig
    if isinstance(error, sqlite3.OperationalError) and "interrupted" in str(error):
        return True
    if isinstance(error, subprocess.TimeoutExpired):
        return True
    return type(error).__name__ == "QueryCanceled"  # psycopg's, for statement_timeout


# ---------------------------------------------------------------- SQLite


class SqliteStaging(Staging):
    backend = "sqlite"
    method = ("lignes remplacées en une transaction dans la base en place (les applications "
              "ouvertes voient les données restaurées)")

    def __init__(self, settings: Settings, url: URL, file: Path, check_seconds: float) -> None:
        super().__init__(settings, url, file, check_seconds)
        self.live = Path(url.database or "")
        self.live.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._files: list[Path] = []
        self.copy = self._staged_file(".sqlite3")

    def _staged_file(self, suffix: str) -> Path:
        fd, name = tempfile.mkstemp(prefix=STAGED, suffix=suffix, dir=self.live.parent)
        os.close(fd)
        self._files.append(Path(name))
        return Path(name)

    def clean(self) -> None:
        for path in self._files:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"),
                             Path(f"{path}-journal")):
                leftover.unlink(missing_ok=True)

    def _bound(self, conn: sqlite3.Connection) -> None:
        deadline = time.monotonic() + self.seconds
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 1000)

    def load(self) -> None:
        # A private copy: the user's file is only read, and a damaged one is found before the
        # live database is touched.
        file = self.file
        try:
            with closing(sqlite3.connect(f"file:{quote(str(file))}?mode=ro", uri=True,
                                         isolation_level=None)) as src, \
                    closing(sqlite3.connect(self.copy, isolation_level=None)) as dst:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")
                self._bound(dst)
                verdict = [row[0] for row in dst.execute("PRAGMA integrity_check").fetchall()]
                if verdict != ["ok"]:
                    raise RestoreRefused(f"{file.name} : fichier abîmé (contrôle d'intégrité : "
                                         f"{readable(str(verdict[0]), 80)})")
                broken = dst.execute("PRAGMA foreign_key_check").fetchone()
                if broken:
                    raise RestoreRefused(f"{file.name} : fichier abîmé (une ligne de la table "
                                         f"{readable(str(broken[0]), 40)} renvoie à une ligne "
                                         "absente)")
        except sqlite3.DatabaseError as error:
            if _timed_out(error):
                raise
            raise RestoreRefused(f"{file.name} : fichier abîmé ou pas une sauvegarde de "
                                 f"Borne PLUS ({readable(str(error), 80)})") from None

    def _engine(self, path: Path) -> Engine:
        engine = make_engine(f"sqlite:///{path}")
        event.listen(engine, "connect", lambda conn, _record: self._bound(conn))
        return self._keep(engine)

    def copy_engine(self) -> Engine:
        return self._engine(self.copy)

    def _build(self, revision: str) -> tuple[list[Schema], list[Schema]]:
        return _built(self._engine(self._staged_file(".schema.sqlite3")), revision)

    def live_history(self) -> History:
        if not self.live.is_file() or self.live.stat().st_size == 0:
            return History()
        try:
            return current_history(self._keep(make_engine(f"sqlite:///{self.live}")))
        except SQLAlchemyError as error:
            raise KioskError(f"{self.live} : la base actuelle est abîmée "
                             f"({readable(_first_line(error), 80)}) : mettez-la de côté puis "
                             "relancez la restauration. Rien n'a changé.") from None

    def replace(self, newest: Sequence[Schema], now: dt.datetime) -> Replaced:
        existed = self.live.is_file() and self.live.stat().st_size > 0
        engine = self._keep(make_engine(f"sqlite:///{self.live}"))
        try:
            upgrade(engine)  # a database of an older version (or a new file): as any start does
        except SQLAlchemyError as error:
            raise KioskError(f"{self.live} : la base actuelle est abîmée "
                             f"({readable(_first_line(error), 80)}) : mettez-la de côté puis "
                             "relancez la restauration. Rien n'a changé.") from None
        with engine.connect() as conn:
            self._live_schema_checked(conn, newest)
        copy = str(self.copy)

        @event.listens_for(engine, "connect")
        def _attach(dbapi_connection: Any, _record: Any) -> None:
            # ATTACH is refused inside a transaction: on the connection, before BEGIN
            dbapi_connection.execute("ATTACH DATABASE ? AS copy", (copy,))

        engine.dispose()  # the next connection is a new one, with the copy attached
        kept = None
        with engine.begin() as conn:  # BEGIN IMMEDIATE: the write lock until the commit
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            ours = history(conn)
            revision_before = revision_value(conn)
            if existed:
                # taken under the write lock: exactly the rows this transaction replaces
                kept = _aside_name(self.live, now)
                _sqlite_copy(self.live, kept)
            tables = _tables_in_order(conn)
            for table in reversed(tables):
                conn.exec_driver_sql(f'DELETE FROM main."{table}"')
            for table in tables:
                columns = ", ".join(f'"{c["name"]}"' for c in inspect(conn).get_columns(table))
                conn.exec_driver_sql(f'INSERT INTO main."{table}" ({columns}) '
                                     f'SELECT {columns} FROM copy."{table}"')
            dropped, numbering = after_rows(conn, ours, self.file.name, revision_before, now)
            counts = counts_of(conn)
        return Replaced(kept, counts, dropped, numbering)


def _built(engine: Engine, revision: str,
           as_copied: Callable[[], Schema] | None = None) -> tuple[list[Schema], list[Schema]]:
    """A fresh database migrated by this program to `revision`, described; then to its newest.
    With `as_copied`, each is also described as a copy of it holds it."""
    from alembic import command

    def forms() -> list[Schema]:
        with engine.connect() as conn:
            found = [describe(conn)]
        return found + [as_copied()] if as_copied is not None else found

    command.upgrade(alembic_config(engine), revision)
    then = forms()
    if revision == head_revision():
        return then, then
    upgrade(engine)
    return then, forms()


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent owner-only copy of a live SQLite file, checked, through the backup API."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with private_path(target) as tmp:
        with closing(sqlite3.connect(f"file:{quote(str(source))}?mode=ro", uri=True,
                                     isolation_level=None, timeout=BUSY_TIMEOUT_S)) as src, \
                closing(sqlite3.connect(tmp, isolation_level=None)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            verdict = dst.execute("PRAGMA quick_check").fetchone()
            if not verdict or verdict[0] != "ok":
                raise BackupError(f"{source} : la base actuelle est abîmée, elle n'a pas pu être "
                                  "gardée à part ; restauration arrêtée, rien n'a changé")


# ---------------------------------------------------------------- PostgreSQL


class PgStaging(Staging):
    backend = "postgresql"
    method = "lignes remplacées en une transaction, la copie vérifiée dans une base jetable"

    def __init__(self, settings: Settings, url: URL, file: Path, check_seconds: float) -> None:
        super().__init__(settings, url, file, check_seconds)
        self.conninfo, self.env = libpq(url)
        self.live_name = str(url.database or "")
        self._databases: list[str] = []
        self._role: str | None = None  # the throwaway role pg_restore logs in as
        self.dump: Path | None = None
        self.copy_url: URL | None = None
        self._admin: Engine | None = None

    def clean(self) -> None:
        if self.dump is not None:
            self.dump.unlink(missing_ok=True)
        try:
            if self._databases or self._role:
                with self._admin_engine().connect() as conn:
                    for name in self._databases:
                        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    if self._role:
                        conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{self._role}"')
        except SQLAlchemyError:  # the server went away: the restore's own outcome comes first
            log.exception("restore: check databases %s and role %s left on the server",
                          self._databases, self._role)
        finally:
            if self._admin is not None:
                self._admin.dispose()

    def _admin_engine(self) -> Engine:
        if self._admin is None:
            self._admin = create_engine(self.url, isolation_level="AUTOCOMMIT",
                                        poolclass=NullPool, connect_args={"connect_timeout": 5})
        return self._admin

    def _throwaway(self, role: str, owner: str | None = None) -> URL:
        """A new empty database beside the live one, dropped when the restore ends (owned by
        `owner` when given)."""
        name = f"{self.live_name[:38]}_{role}_{_stamp()}"
        owned = f' OWNER "{owner}"' if owner else ""
        try:
            with self._admin_engine().connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"{owned} TEMPLATE template0')
        except DBAPIError as error:
            user = self.url.username or "?"
            raise KioskError(
                f"La base de contrôle de la restauration n'a pas pu être créée "
                f"({readable(_first_line(error), 80)}) : le rôle PostgreSQL {user} doit pouvoir "
                f"créer une base et un rôle (ALTER ROLE {user} CREATEDB CREATEROLE). Rien n'a "
                f"changé.") from None
        self._databases.append(name)
        return self.url.set(database=name)

    def _restorer(self) -> tuple[str, str]:
        """A throwaway login role with no right but its own database (made next): the one
        pg_restore logs in as. The kiosk's role joins it, to read and drop what it owns."""
        role, password = f"{RESTORE_ROLE}{_stamp()}", secrets.token_hex(24)
        user = self.url.username or "?"
        try:
            with self._admin_engine().connect() as conn:
                conn.exec_driver_sql(
                    f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE '
                    f"NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 3 PASSWORD '{password}'")
                self._role = role
                conn.exec_driver_sql(f'GRANT "{role}" TO CURRENT_USER')
        except DBAPIError as error:
            raise KioskError(
                f"Le rôle de contrôle de la restauration n'a pas pu être créé "
                f"({readable(_first_line(error), 80)}) : le rôle PostgreSQL {user} doit pouvoir "
                f"créer une base et un rôle (ALTER ROLE {user} CREATEDB CREATEROLE). Rien n'a "
                f"changé.") from None
        return role, password

    def _bounded(self, url: URL) -> Engine:
        ms = int(self.seconds * 1000)
        return self._keep(create_engine(url, poolclass=NullPool, connect_args={
            "connect_timeout": 5, "options": f"-c statement_timeout={ms}"}))

    def _sweep(self) -> None:
        """What a restore killed half-way left on the server (its databases, its role), dropped
        once it is older than LEFT_AFTER: nothing else is named so, and no restore lasts that
        long. A database still in use is left for the next time."""
        prefixes = [f"{self.live_name[:38]}_{kind}_" for kind in ("restore", "schema")]
        with self._admin_engine().connect() as conn:
            names = [*conn.scalars(text("SELECT datname FROM pg_database")),
                     *conn.scalars(text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p"),
                                   {"p": f"{RESTORE_ROLE}%"})]
            for name in names:
                stamp = _stamp_of(name, [*prefixes, RESTORE_ROLE])
                if stamp is None or time.time() - stamp < LEFT_AFTER_S:
                    continue
                try:
                    if name.startswith(RESTORE_ROLE):
                        conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
                    else:
                        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
                    log.warning("restore: %s left by an earlier restore, dropped", name)
                except DBAPIError:
                    log.warning("restore: %s left by an earlier restore, still in use", name)

    def load(self) -> None:
        self._sweep()
        # read once into a private file: the copy checked is the copy restored
        self.settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=STAGED, suffix=".dump", dir=self.settings.data_dir)
        os.close(fd)
        self.dump = Path(name)
        try:
            shutil.copyfile(self.file, self.dump)
        except OSError as error:
            raise RestoreRefused(f"{self.file.name} : lecture impossible "
                                 f"({error.strerror})") from None
        run_tool([pg_tool("pg_restore"), "--list", str(self.dump)], self.env,
                 f"{self.file.name} : fichier abîmé ou pas une sauvegarde PostgreSQL",
                 RestoreRefused)
        role, password = self._restorer()
        self.copy_url = self._throwaway("restore", owner=role)
        conninfo, env = libpq(self.copy_url.set(username=role, password=password))
        self._can_log_in(self.copy_url.set(username=role, password=password))
        env["PGOPTIONS"] = f"-c statement_timeout={int(self.seconds * 1000)}"
        try:
            run_tool([pg_tool("pg_restore"), "--exit-on-error", "--single-transaction",
                      "--no-owner", "--no-privileges", f"--dbname={conninfo}", str(self.dump)],
                     env, f"{self.file.name} : copie refusée par pg_restore, rien n'a changé",
                     RestoreRefused, timeout=self.seconds)
        except RestoreRefused as refused:
            # a statement stopped by statement_timeout, or pg_restore itself by its time-out
            if "statement timeout" in refused.message or refused.message.endswith(
                    f"arrêté au bout de {self.seconds:g} s"):
                raise self.too_long() from None
            raise

    def _can_log_in(self, url: URL) -> None:
        """The throwaway role's first login, tried before pg_restore: a server that lets only
        known roles in (pg_hba.conf) is told as such, not as a broken copy."""
        try:
            with self._bounded(url).connect():
                pass
        except DBAPIError as error:
            raise KioskError(
                f"Le rôle de contrôle de la restauration n'a pas pu se connecter "
                f"({readable(_first_line(error), 80)}) : le serveur doit accepter les rôles "
                f"kiosk_restore_* avec mot de passe (pg_hba.conf). Rien n'a changé.") from None

    def copy_engine(self) -> Engine:
        assert self.copy_url is not None
        return self._bounded(self.copy_url)

    def _build(self, revision: str) -> tuple[list[Schema], list[Schema]]:
        # A copy went through pg_dump and pg_restore, which print some constraints another way
        # (`ARRAY[...]::text[]` becomes `ARRAY[(...)::text, ...]`, the same rule): each schema
        # is described as migrated and as a copy of it would hold it.
        built = self._throwaway("schema")
        engine = self._keep(make_engine(built.render_as_string(hide_password=False)))
        return _built(engine, revision, lambda: self._described(self._copied(built)))

    def _copied(self, source: URL) -> URL:
        """Another throwaway database, filled by pg_dump | pg_restore from `source`."""
        target = self._throwaway("schema")
        conninfo, env = libpq(source)
        dump = subprocess.run([pg_tool("pg_dump"), "--format=custom", f"--dbname={conninfo}"],
                              env=env, capture_output=True, check=True).stdout
        target_info, _ = libpq(target)
        subprocess.run([pg_tool("pg_restore"), "--exit-on-error", "--single-transaction",
                        "--no-owner", "--no-privileges", f"--dbname={target_info}"],
                       input=dump, env=env, capture_output=True, check=True)
        return target

    def _described(self, url: URL) -> Schema:
        with self._bounded(url).connect() as conn:
            return describe(conn)

    def live_history(self) -> History:
        return current_history(self._keep(make_engine(self.url.render_as_string(
            hide_password=False))))

    def replace(self, newest: Sequence[Schema], now: dt.datetime) -> Replaced:
        assert self.copy_url is not None
        engine = self._keep(make_engine(self.url.render_as_string(hide_password=False)))
        upgrade(engine)  # an empty database, or one of an older version: as any start does
        copy = self._bounded(self.copy_url)
        self.settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        kept = _aside_name(self.settings.data_dir / (self.live_name or "kiosk"), now, ".dump")
        with engine.connect() as conn, copy.connect() as source:
            self._live_schema_checked(conn, newest)
            conn.commit()
            with conn.begin():
                tables = _tables_in_order(conn)
                names = ", ".join(f'"{t}"' for t in tables)
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(BUSY_TIMEOUT_S)}s'")
                # writers wait until the commit; readers go on with the rows as they were
                conn.exec_driver_sql(f"LOCK TABLE {names} IN EXCLUSIVE MODE")
                ours = history(conn)
                revision_before = revision_value(conn)
                # the dump aside sees exactly these rows: nobody else can write them now
                with private_path(kept) as tmp:
                    run_tool([pg_tool("pg_dump"), "--format=custom", f"--file={tmp}",
                              f"--dbname={self.conninfo}"], self.env,
                             "La base actuelle n'a pas pu être gardée à part (pg_dump) ; rien "
                             "n'a changé")
                for table in reversed(tables):
                    conn.exec_driver_sql(f'DELETE FROM "{table}"')
                theirs = source.connection.driver_connection
                mine = conn.connection.driver_connection
                assert theirs is not None and mine is not None
                for table in tables:
                    columns = ", ".join(f'"{c["name"]}"' for c in inspect(conn).get_columns(table))
                    with theirs.cursor().copy(f'COPY "{table}" ({columns}) TO STDOUT') as out, \
                            mine.cursor().copy(f'COPY "{table}" ({columns}) FROM STDIN') as into:
                        for block in out:
                            into.write(block)
                _sequences_forward(conn)
                dropped, numbering = after_rows(conn, ours, self.file.name, revision_before, now)
                counts = counts_of(conn)
        return Replaced(kept, counts, dropped, numbering)


RESTORE_ROLE = "kiosk_restore_"  # the throwaway role pg_restore logs in as, and its stamp
LEFT_AFTER_S = 6 * 3600  # a throwaway database or role this old was left by a killed restore


def _stamp() -> str:
    """The end of a throwaway name: when it was made (seconds, hex) and a random part."""
    return f"{int(time.time()):x}_{uuid.uuid4().hex[:6]}"


def _stamp_of(name: str, prefixes: Sequence[str]) -> int | None:
    """When the throwaway database or role `name` was made, None if it is not one of ours."""
    prefix = next((p for p in prefixes if name.startswith(p)), None)
    if prefix is None:
        return None
    made, _, rest = name[len(prefix):].partition("_")
    try:
        return int(made, 16) if len(rest) == 6 else None
    except ValueError:
        return None


def _sequences_forward(conn: Connection) -> None:
    """Each id sequence past the restored rows, and never behind where it was: an id that a
    running app still holds is not given to another row."""
    rows = conn.execute(text("""
        SELECT c.relname, a.attname, pg_get_serial_sequence(quote_ident(c.relname), a.attname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
          AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL""")).all()
    for table, column, sequence in rows:
        conn.execute(text(
            f'SELECT setval(:seq, GREATEST((SELECT last_value FROM {sequence}), '
            f'COALESCE((SELECT max("{column}") FROM "{table}"), 1)))'), {"seq": sequence})
