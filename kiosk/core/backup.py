"""Backups of the history, the coordinator's whole record: taken while the apps run, checked
after writing, restored only from a sound file of a schema this program knows.

SQLite is copied through its online backup API from a read transaction (never the file's bytes,
which a writer may be changing, and whose WAL holds the latest commits): the copy is exactly the
database as it was when that transaction began, and the rows counted in the same transaction
must be found in the copy. PostgreSQL is dumped by `pg_dump --format=custom` in a snapshot
exported by a REPEATABLE READ transaction, in which the rows are counted too.

A copy appears under its final name only once written and checked (kiosk/system/files.py), owner-only:
it holds the visitors' profiles. Closing a stopover takes one in `<data dir>/backups/` (the 30
newest kept); a copy written outside the data dir (a USB key) is recorded, so that the console
can remind the coordinator when the last one is older than a week.

Its size: taking, checking, listing, pruning and restoring a backup on both backends, each step
with its refusal in words.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from db.engine import make_engine, normalise_url, upgrade
from kiosk.core.context import Context
from kiosk.core.services import StopoverClosed, close_stopover, record_device_ok, record_device_problem
from kiosk.errors import KioskError, readable
from kiosk.system.clock import local_now
from kiosk.system.config import Settings
from kiosk.system.files import private_path, unused_name, write_private

log = logging.getLogger(__name__)

PREFIX = "borne-plus-"
STAMP = "%Y-%m-%d-%Hh%M"
KEEP = 30  # automatic copies kept in <data dir>/backups: two months of half-days
COUNTED = ("stopovers", "tickets", "demandes")  # the history; checked in every copy
REMOVABLE_RECORD = "removable-backup.json"
REMIND_AFTER_DAYS = 7
SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
BUSY_TIMEOUT_S = 30.0
_NAME = re.compile(rf"^{PREFIX}(\d{{4}}-\d\d-\d\d-\d\dh\d\d)(?:-(\d+))?\.(sqlite3|dump)$")


@dataclass(frozen=True)
class BackupReport:
    path: Path
    backend: str  # sqlite or postgresql
    counts: dict[str, int]  # rows of stopovers, tickets, demandes: the source's, found in the copy
    size: int  # bytes
    seconds: float
    removable: bool  # written outside the data dir (a USB key): recorded for the reminder
    deleted: tuple[Path, ...] = ()  # older automatic copies removed to keep KEEP

    def as_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "backend": self.backend, "counts": self.counts,
                "size": self.size, "seconds": round(self.seconds, 3),
                "removable": self.removable, "deleted": [str(p) for p in self.deleted]}


@dataclass(frozen=True)
class RestoreReport:
    source: Path
    backend: str
    kept_aside: Path | None  # the replaced database (None: there was none)
    counts: dict[str, int]  # rows now in the database
    revision: str  # the file's schema revision
    upgraded: bool  # the file's schema was older, brought to this program's
    method: str  # how the copy was put in place, in words

    def as_json(self) -> dict[str, Any]:
        return {"source": str(self.source), "backend": self.backend,
                "kept_aside": str(self.kept_aside) if self.kept_aside else None,
                "counts": self.counts, "revision": self.revision, "upgraded": self.upgraded,
                "method": self.method}


@dataclass(frozen=True)
class RestoreCheck:
    """What a sound backup file holds, shown before anything is replaced."""

    source: Path
    counts: dict[str, int]
    revision: str


class BackupError(KioskError):
    """A backup that could not be written or did not pass its check: nothing kept of it."""


class RestoreRefused(KioskError):
    """A file that must not replace the database: nothing was changed."""


# ---------------------------------------------------------------- names and folders


def backup_name(now: dt.datetime, extension: str, folder: Path) -> Path:
    """`borne-plus-AAAA-MM-JJ-HHhMM.<ext>`, with -2, -3... when that minute already has one
    (a stopover closed, reopened and closed again within the minute)."""
    return unused_name(folder, f"{PREFIX}{now.strftime(STAMP)}", extension)


def _aside_name(current: Path, now: dt.datetime, suffix: str = "") -> Path:
    stamp = now.strftime(STAMP)
    candidate = current.parent / f"{current.name}.before-restore-{stamp}{suffix}"
    n = 2
    while candidate.exists():
        candidate = current.parent / f"{current.name}.before-restore-{stamp}-{n}{suffix}"
        n += 1
    return candidate


def automatic_dir(settings: Settings) -> Path:
    return settings.data_dir / "backups"


def backups_in(folder: Path) -> list[Path]:
    """The copies this program wrote in `folder`, oldest first (by the time in their name, then
    their rank within the minute; other files are never touched)."""
    found = []
    for path in folder.iterdir() if folder.is_dir() else ():
        match = _NAME.match(path.name)
        if match and path.is_file():
            found.append(((match.group(1), int(match.group(2) or 1)), path))
    return [path for _, path in sorted(found)]


def prune(folder: Path, keep: int = KEEP) -> tuple[Path, ...]:
    """Delete all but the `keep` newest copies in `folder`; returns what was deleted."""
    copies = backups_in(folder)
    old = copies[:-keep] if keep > 0 else copies
    for path in old:
        path.unlink(missing_ok=True)
    return tuple(old)


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


# ---------------------------------------------------------------- backup


def backup(ctx: Context, out_dir: Path) -> BackupReport:
    """Write a checked copy of the database in `out_dir`, while the apps keep running.

    Raises BackupError (nothing left in `out_dir`) when the copy cannot be written or does not
    match the source: integrity check failed, or fewer rows than the source had."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        what = "ce n'est pas un dossier" if os.path.lexists(out_dir) else "ce dossier n'existe pas"
        raise BackupError(f"{readable(str(out_dir), 200)} : {what}")
    started = time.monotonic()
    now = ctx.now()
    backend = ctx.engine.dialect.name
    if backend == "sqlite":
        target = backup_name(now, "sqlite3", out_dir)
        counts = _sqlite_backup(Path(ctx.engine.url.database or ""), target)
    else:
        target = backup_name(now, "dump", out_dir)
        counts = _pg_backup(ctx, target)
    removable = not _inside(out_dir, ctx.settings.data_dir)
    if removable:
        _record_removable(ctx.settings, now, target)
    return BackupReport(target, backend, counts, target.stat().st_size,
                        time.monotonic() - started, removable)


def _sqlite_backup(source: Path, target: Path) -> dict[str, int]:
    if not source.is_file():
        raise BackupError(f"Base de données absente ({source}) : rien à sauvegarder.")
    with private_path(target) as tmp:
        # A read-only connection: the backup never takes the write lock, so the kiosk and the
        # console keep writing while it runs (WAL readers do not block writers).
        with closing(sqlite3.connect(f"file:{quote(str(source))}?mode=ro", uri=True,
                                     isolation_level=None, timeout=BUSY_TIMEOUT_S)) as src:
            # The counts and the copy come from the same read transaction: sqlite3_backup_step
            # reuses the source connection's open transaction, and copies every page in one
            # step (pages=-1), so the copy is this snapshot exactly.
            src.execute("BEGIN")
            counts = _counts(src)
            with closing(sqlite3.connect(tmp, isolation_level=None)) as dst:
                src.backup(dst)
                src.execute("COMMIT")
                # the copy must stand alone: one file, no -wal beside it
                dst.execute("PRAGMA journal_mode=DELETE")
                _check_sqlite(dst, counts, target)
    return counts


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in COUNTED}


def _check_sqlite(conn: sqlite3.Connection, expected: dict[str, int], target: Path) -> None:
    verdict = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    if verdict != ["ok"]:
        raise BackupError(f"{target.name} : copie abîmée ({readable(verdict[0], 80)}), "
                          "rien n'a été gardé")
    found = _counts(conn)
    if found != expected:
        raise BackupError(f"{target.name} : la copie ne contient pas toutes les lignes "
                          f"({found} au lieu de {expected}), rien n'a été gardé")


# ---------------------------------------------------------------- PostgreSQL tools


def pg_tool(name: str) -> str:
    """pg_dump or pg_restore: on the PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found

    def version(path: str) -> tuple[int, ...]:
        part = Path(path).parent.parent.name
        return tuple(int(n) for n in part.split(".") if n.isdigit())

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    if candidates:
        return candidates[-1]
    raise BackupError(f"{name} introuvable : installez le paquet postgresql-client "
                      "(il fournit pg_dump et pg_restore).")


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The database URL for libpq's tools, and their environment: the password goes through
    PGPASSWORD, never on a command line that `ps` shows to every user of the PC."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    env.setdefault("PGCONNECT_TIMEOUT", "5")
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str,
         error: type[KioskError] = BackupError) -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run(args, env=env, capture_output=True, check=False)
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"]
        raise error(f"{what} : {readable(lines[0], 200)}")
    return result


def _dump_table_rows(dump: Path, table: str, env: dict[str, str]) -> list[str] | None:
    """The data lines of `table` in a custom-format dump (COPY text: one line a row, newlines
    inside values escaped), or None when the dump has no data for that table."""
    result = _run([pg_tool("pg_restore"), "--data-only", f"--table={table}", "--file=-",
                   str(dump)], env, f"{dump.name} : lecture impossible", RestoreRefused)
    lines = result.stdout.decode("utf-8", "replace").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("COPY ")), None)
    if start is None:
        return None
    end = lines.index("\\.", start)
    return lines[start + 1:end]


def _dump_counts(dump: Path, env: dict[str, str]) -> dict[str, int]:
    counts = {}
    for table in COUNTED:
        rows = _dump_table_rows(dump, table, env)
        if rows is None:
            raise RestoreRefused(f"{dump.name} : pas une sauvegarde de Borne PLUS "
                                 f"(table {table} absente)")
        counts[table] = len(rows)
    return counts


def _pg_backup(ctx: Context, target: Path) -> dict[str, int]:
    pg_dump = pg_tool("pg_dump")
    conninfo, env = _libpq(ctx.engine.url)
    with private_path(target) as tmp:
        # pg_dump joins the snapshot of this transaction: the dump and the counts see the same
        # committed rows, whatever the desks write meanwhile.
        with ctx.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            with conn.begin():
                conn.execute(text("SET TRANSACTION READ ONLY"))
                snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
                counts = {table: int(conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
                          for table in COUNTED}
                _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={tmp}",
                      f"--dbname={conninfo}"], env, "pg_dump a échoué")
        _run([pg_tool("pg_restore"), "--list", str(tmp)], env,
             f"{target.name} : copie illisible par pg_restore, rien n'a été gardé")
        try:
            found = _dump_counts(tmp, env)
        except RestoreRefused as error:
            raise BackupError(error.message) from None
        if found != counts:
            raise BackupError(f"{target.name} : la copie ne contient pas toutes les lignes "
                              f"({found} au lieu de {counts}), rien n'a été gardé")
    return counts


# ---------------------------------------------------------------- after a closing


@dataclass(frozen=True)
class ClosedAndSaved:
    closed: StopoverClosed
    backup: BackupReport | None  # None: the copy failed (logged as a device problem)
    problem: str | None = None  # the failure, in one line


def close_and_backup(ctx: Context) -> ClosedAndSaved:
    """Close the open stopover, then copy the database into `<data dir>/backups/` (KEEP newest
    kept). The copy comes after the closing's commit and never undoes or blocks it: a failure is
    logged, shown on the console as a device problem ("backup"), and returned in words."""
    closed = close_stopover(ctx)
    try:
        report = automatic_backup(ctx)
    except Exception as error:  # a full disk, a missing pg_dump: the closing stands
        message = error.message if isinstance(error, KioskError) else f"{type(error).__name__}: {error}"
        try:
            # the event log is where the failure is kept; the console shows it as a problem line
            record_device_problem(ctx, "backup", message)
        except Exception:  # the database itself is gone: the application's log is all that is left
            log.exception("backup after closing failed (%s), and could not be recorded", message)
        return ClosedAndSaved(closed, None, message)
    try:
        record_device_ok(ctx, "backup")
    except Exception:
        log.exception("could not record the backup recovery")
    return ClosedAndSaved(closed, report)


def automatic_backup(ctx: Context, keep: int = KEEP) -> BackupReport:
    folder = automatic_dir(ctx.settings)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"{folder} : dossier des sauvegardes impossible à créer "
                          f"({error.strerror})") from None
    if not folder.is_dir():  # mkdir(exist_ok) accepts a file there only on some systems
        raise BackupError(f"{folder} : ce n'est pas un dossier, les sauvegardes ne peuvent pas "
                          "y être écrites")
    report = backup(ctx, folder)
    deleted = prune(folder, keep)
    return BackupReport(report.path, report.backend, report.counts, report.size, report.seconds,
                        report.removable, deleted)


# ---------------------------------------------------------------- removable media


def _record_removable(settings: Settings, now: dt.datetime, path: Path) -> None:
    record = {"at": now.isoformat(timespec="seconds"), "path": str(path.resolve())}
    try:
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_private(settings.data_dir / REMOVABLE_RECORD,  # the last one: replaced each time
                      json.dumps(record, ensure_ascii=False).encode("utf-8"), replace=True)
    except (OSError, KioskError) as error:
        # the copy itself is written and checked: at worst the reminder comes too early
        log.warning("could not record the removable backup: %s", error)


def last_removable_backup(settings: Settings) -> dt.datetime | None:
    """When the last copy outside the data dir (a USB key) was written, or None."""
    try:
        record = json.loads((settings.data_dir / REMOVABLE_RECORD).read_text("utf-8"))
        return dt.datetime.fromisoformat(record["at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # never made, or a record someone broke: the reminder asks for one


def backup_reminder(settings: Settings, now: dt.datetime) -> str | None:
    """The console's line for the coordinator when the last copy on removable media is a week
    old or more (or was never made); None when it is recent."""
    last = last_removable_backup(settings)
    if last is None:
        return "Aucune copie sur clé USB pour l'instant. Faites-en une."
    days = (now - last).days
    if days < REMIND_AFTER_DAYS:
        return None
    return f"Dernière copie sur clé USB : il y a {days} jours. Faites-en une."


# ---------------------------------------------------------------- restore


def known_revisions() -> dict[str, bool]:
    """Every schema revision this program knows, with whether it is the newest."""
    from db.engine import head_revision, migration_scripts

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
            now: dt.datetime | None = None) -> RestoreReport:
    """Replace the configured database by the backup `file`, keeping the replaced one aside.

    Refused, with nothing changed (RestoreRefused, exit 2): a file that is not a backup of this
    program, a damaged one (SQLite integrity check, pg_restore --list), one whose schema is newer
    than this program's. `confirm` sees what the file holds and may still say no. A file of an
    older schema is brought to this program's schema.

    SQLite: the current database is first copied aside (`kiosk.sqlite3.before-restore-<time>`,
    through the backup API), then the checked copy is written INTO the current file through the
    backup API, never renamed over it. A rename is only safe when no app has the file open, and
    that cannot be known for sure (a kiosk on the second screen, a console left running): an app
    that has it open would go on reading and writing the replaced file, now kept aside, and what
    it wrote would be lost without a word. The backup API takes the write lock like any writer
    (waiting for the current one), replaces every page in one transaction, and the running apps
    see the restored data at their next read.

    PostgreSQL: the current database is dumped aside (`<name>.before-restore-<time>.dump` in the
    data dir), then its tables are dropped and the copy's script (`pg_restore --clean`) run by
    psql in one transaction: a failure half-way leaves it as it was."""
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
    backend = url.get_backend_name()
    if backend == "sqlite":
        if head.startswith(PG_DUMP_HEADER):
            raise RestoreRefused(f"{file.name} : sauvegarde PostgreSQL, mais la base configurée "
                                 "est SQLite")
        if head != SQLITE_HEADER:
            raise RestoreRefused(f"{file.name} : fichier abîmé ou pas une sauvegarde de "
                                 "Borne PLUS (pas une base SQLite)")
        return _sqlite_restore(settings, Path(url.database or ""), file, confirm, now)
    if head.startswith(SQLITE_HEADER[:6]):
        raise RestoreRefused(f"{file.name} : sauvegarde SQLite, mais la base configurée est "
                             "PostgreSQL")
    return _pg_restore(settings, url, file, confirm, now)


def _sqlite_restore(settings: Settings, live: Path, file: Path,
                    confirm: Callable[[RestoreCheck], bool] | None,
                    now: dt.datetime) -> RestoreReport:
    live.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".restore-", suffix=".sqlite3", dir=live.parent)
    os.close(fd)
    staging = Path(name)
    try:
        # Work on a private copy: the user's file is only read, and a damaged one is found
        # before the live database is touched.
        try:
            with closing(sqlite3.connect(f"file:{quote(str(file))}?mode=ro", uri=True,
                                         isolation_level=None)) as src, \
                    closing(sqlite3.connect(staging, isolation_level=None)) as dst:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")
                verdict = [row[0] for row in dst.execute("PRAGMA integrity_check").fetchall()]
                if verdict != ["ok"]:
                    raise RestoreRefused(f"{file.name} : fichier abîmé (contrôle d'intégrité : "
                                         f"{readable(verdict[0], 80)})")
                try:
                    revision = dst.execute("SELECT version_num FROM alembic_version").fetchone()
                    counts = _counts(dst)
                except sqlite3.DatabaseError:
                    revision, counts = None, {}
        except sqlite3.DatabaseError as error:
            raise RestoreRefused(f"{file.name} : fichier abîmé ou pas une sauvegarde de "
                                 f"Borne PLUS ({readable(str(error), 80)})") from None
        revision_text = revision[0] if revision else None
        at_head = _check_revision(revision_text, file.name)
        if not counts:
            raise RestoreRefused(f"{file.name} : pas une sauvegarde de Borne PLUS "
                                 "(tables de l'historique absentes)")
        assert revision_text is not None
        if confirm is not None and not confirm(RestoreCheck(file, counts, revision_text)):
            raise RestoreRefused("Restauration annulée : rien n'a changé.")
        if not at_head:
            # Brought up to date before it replaces anything: a migration that fails leaves the
            # live database as it was.
            engine = make_engine(f"sqlite:///{staging}")
            try:
                upgrade(engine)
            finally:
                engine.dispose()
        kept = None
        if live.is_file() and live.stat().st_size > 0:
            kept = _aside_name(live, now)
            _sqlite_copy(live, kept)
        elif not live.exists():
            os.close(os.open(live, os.O_CREAT | os.O_WRONLY, 0o600))
        with closing(sqlite3.connect(f"file:{quote(str(staging))}?mode=ro", uri=True,
                                     isolation_level=None)) as src, \
                closing(sqlite3.connect(live, isolation_level=None,
                                        timeout=BUSY_TIMEOUT_S)) as dst:
            src.backup(dst)
            restored = _counts(dst)
        if restored != counts:
            raise KioskError(f"La base restaurée n'a pas toutes les lignes ({restored} au lieu "
                             f"de {counts}) : l'ancienne est gardée dans {kept}")
        method = ("copiée dans la base en place par l'API de sauvegarde de SQLite (les "
                  "applications ouvertes voient les données restaurées)")
        return RestoreReport(file, "sqlite", kept, restored, revision_text, not at_head, method)
    finally:
        for leftover in (staging, Path(f"{staging}-wal"), Path(f"{staging}-shm"),
                         Path(f"{staging}-journal")):
            leftover.unlink(missing_ok=True)


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


def _pg_restore(settings: Settings, url: URL, file: Path,
                confirm: Callable[[RestoreCheck], bool] | None,
                now: dt.datetime) -> RestoreReport:
    pg_restore = pg_tool("pg_restore")
    conninfo, env = _libpq(url)
    _run([pg_restore, "--list", str(file)], env,
         f"{file.name} : fichier abîmé ou pas une sauvegarde PostgreSQL", RestoreRefused)
    rows = _dump_table_rows(file, "alembic_version", env)
    revision = rows[0].strip() if rows else None
    at_head = _check_revision(revision, file.name)
    counts = _dump_counts(file, env)
    assert revision is not None
    if confirm is not None and not confirm(RestoreCheck(file, counts, revision)):
        raise RestoreRefused("Restauration annulée : rien n'a changé.")
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    kept = _aside_name(settings.data_dir / str(url.database or "kiosk"), now, ".dump")
    with private_path(kept) as tmp:
        _run([pg_tool("pg_dump"), "--format=custom", f"--file={tmp}", f"--dbname={conninfo}"],
             env, "La base actuelle n'a pas pu être gardée à part (pg_dump) ; rien n'a changé")
    # The copy's own DROPs miss tables a later version added (return_passes, feedback), whose
    # keys point at its tables: they would stop the restore. Every current table is dropped
    # first, in the same transaction as the copy's script, so a failure still changes nothing.
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            current = conn.scalars(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).all()
    finally:
        engine.dispose()
    script = _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges",
                   "--file=-", str(file)], env, f"{file.name} : lecture impossible").stdout
    drops = "".join(f'DROP TABLE IF EXISTS public."{name}" CASCADE;\n' for name in current)
    result = subprocess.run([pg_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction",
                             "-v", "ON_ERROR_STOP=1", f"--dbname={conninfo}", "--file=-"],
                            env=env, input=drops.encode() + script, capture_output=True,
                            check=False)
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"]
        raise BackupError(f"pg_restore a échoué, la base est restée comme avant (copie dans "
                          f"{kept}) : {readable(lines[0], 200)}")
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        if not at_head:
            upgrade(engine)
        with engine.connect() as conn:
            restored = {table: int(conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
                        for table in COUNTED}
    finally:
        engine.dispose()
    return RestoreReport(file, "postgresql", kept, restored, revision, not at_head,
                         "tables remplacées par pg_restore en une transaction")
