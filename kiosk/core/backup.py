"""Backups of the history, the coordinator's whole record: taken while the apps run, checked
after writing (restoring one is kiosk/core/restore.py).

SQLite is copied through its online backup API from a read transaction (never the file's bytes,
which a writer may be changing, and whose WAL holds the latest commits): the copy is exactly the
database as it was when that transaction began, and the rows counted in the same transaction
must be found in the copy. PostgreSQL is dumped by `pg_dump --format=custom` in a snapshot
exported by a REPEATABLE READ transaction, in which the rows are counted too.

A copy appears under its final name only once written and checked (kiosk/system/files.py), owner-only:
it holds the visitors' profiles. Closing a stopover takes one in `<data dir>/backups/` (the 30
newest kept); a copy written outside the data dir (a USB key) is recorded, so that the console
can remind the coordinator when the last one is older than a week.

Its size: taking, checking, listing and pruning a backup on both backends, each step with its
refusal in words, and the PostgreSQL tools that the restore shares.
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
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import text
from sqlalchemy.engine import URL

from kiosk.core.context import Context
from kiosk.core.services import StopoverClosed, close_stopover, record_device_ok, record_device_problem
from kiosk.errors import KioskError, readable
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


class BackupError(KioskError):
    """A backup that could not be written or did not pass its check: nothing kept of it."""


class RestoreRefused(KioskError):
    """A file that must not replace the database: nothing was changed."""


# ---------------------------------------------------------------- names and folders


def backup_name(now: dt.datetime, extension: str, folder: Path) -> Path:
    """`borne-plus-AAAA-MM-JJ-HHhMM.<ext>`, with -2, -3... when that minute already has one
    (a stopover closed, reopened and closed again within the minute)."""
    return unused_name(folder, f"{PREFIX}{now.strftime(STAMP)}", extension)


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
            counts = table_counts(src)
            with closing(sqlite3.connect(tmp, isolation_level=None)) as dst:
                src.backup(dst)
                src.execute("COMMIT")
                # the copy must stand alone: one file, no -wal beside it
                dst.execute("PRAGMA journal_mode=DELETE")
                _check_sqlite(dst, counts, target)
    return counts


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in COUNTED}


def _check_sqlite(conn: sqlite3.Connection, expected: dict[str, int], target: Path) -> None:
    verdict = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
    if verdict != ["ok"]:
        raise BackupError(f"{target.name} : copie abîmée ({readable(verdict[0], 80)}), "
                          "rien n'a été gardé")
    found = table_counts(conn)
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


def libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The database URL for libpq's tools, and their environment: the password goes through
    PGPASSWORD, never on a command line that `ps` shows to every user of the PC."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    env.setdefault("PGCONNECT_TIMEOUT", "5")
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def run_tool(args: list[str], env: dict[str, str], what: str,
             error: type[KioskError] = BackupError,
             timeout: float | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run a PostgreSQL tool; a failure is `error` with the tool's own reason (its first line
    that says "error", pg_restore's first lines say where it was), a time-out too."""
    try:
        result = subprocess.run(args, env=env, capture_output=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise error(f"{what} : arrêté au bout de {timeout:g} s") from None
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"]
        reason = next((line for line in lines if "error" in line.lower()), lines[0])
        raise error(f"{what} : {readable(reason, 200)}")
    return result


def dump_table_rows(dump: Path, table: str, env: dict[str, str]) -> list[str] | None:
    """The data lines of `table` in a custom-format dump (COPY text: one line a row, newlines
    inside values escaped), or None when the dump has no data for that table."""
    result = run_tool([pg_tool("pg_restore"), "--data-only", f"--table={table}", "--file=-",
                   str(dump)], env, f"{dump.name} : lecture impossible", RestoreRefused)
    lines = result.stdout.decode("utf-8", "replace").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("COPY ")), None)
    if start is None:
        return None
    end = lines.index("\\.", start)
    return lines[start + 1:end]


def dump_counts(dump: Path, env: dict[str, str]) -> dict[str, int]:
    counts = {}
    for table in COUNTED:
        rows = dump_table_rows(dump, table, env)
        if rows is None:
            raise RestoreRefused(f"{dump.name} : pas une sauvegarde de Borne PLUS "
                                 f"(table {table} absente)")
        counts[table] = len(rows)
    return counts


def _pg_backup(ctx: Context, target: Path) -> dict[str, int]:
    pg_dump = pg_tool("pg_dump")
    conninfo, env = libpq(ctx.engine.url)
    with private_path(target) as tmp:
        # pg_dump joins the snapshot of this transaction: the dump and the counts see the same
        # committed rows, whatever the desks write meanwhile.
        with ctx.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            with conn.begin():
                conn.execute(text("SET TRANSACTION READ ONLY"))
                snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
                counts = {table: int(conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
                          for table in COUNTED}
                run_tool([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={tmp}",
                      f"--dbname={conninfo}"], env, "pg_dump a échoué")
        run_tool([pg_tool("pg_restore"), "--list", str(tmp)], env,
             f"{target.name} : copie illisible par pg_restore, rien n'a été gardé")
        try:
            found = dump_counts(tmp, env)
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
