"""Restoring a backup: a file checked before it replaces anything, the replaced database kept
aside.

Taken out of backup.py (which writes the copies) as the restore grew its own checks.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from db.engine import make_engine, normalise_url, upgrade
from kiosk.core.backup import (
    BUSY_TIMEOUT_S,
    COUNTED,
    PG_DUMP_HEADER,
    SQLITE_HEADER,
    STAMP,
    BackupError,
    RestoreRefused,
    dump_counts,
    dump_table_rows,
    libpq,
    pg_tool,
    run_tool,
    table_counts,
)
from kiosk.core.context import local_now
from kiosk.errors import KioskError, readable
from kiosk.system.config import Settings
from kiosk.system.files import private_path


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



def _aside_name(current: Path, now: dt.datetime, suffix: str = "") -> Path:
    stamp = now.strftime(STAMP)
    candidate = current.parent / f"{current.name}.before-restore-{stamp}{suffix}"
    n = 2
    while candidate.exists():
        candidate = current.parent / f"{current.name}.before-restore-{stamp}-{n}{suffix}"
        n += 1
    return candidate



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
    now = now or local_now()
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
                    counts = table_counts(dst)
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
            restored = table_counts(dst)
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
    conninfo, env = libpq(url)
    run_tool([pg_restore, "--list", str(file)], env,
         f"{file.name} : fichier abîmé ou pas une sauvegarde PostgreSQL", RestoreRefused)
    rows = dump_table_rows(file, "alembic_version", env)
    revision = rows[0].strip() if rows else None
    at_head = _check_revision(revision, file.name)
    counts = dump_counts(file, env)
    assert revision is not None
    if confirm is not None and not confirm(RestoreCheck(file, counts, revision)):
        raise RestoreRefused("Restauration annulée : rien n'a changé.")
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    kept = _aside_name(settings.data_dir / str(url.database or "kiosk"), now, ".dump")
    with private_path(kept) as tmp:
        run_tool([pg_tool("pg_dump"), "--format=custom", f"--file={tmp}", f"--dbname={conninfo}"],
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
    script = run_tool([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges",
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
