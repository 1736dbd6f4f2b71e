"""Backups while the apps run, checked copies, restores that refuse what they must, on both
backends: the history is the coordinator's whole record."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db import engine as db_engine
from db.engine import alembic_config, make_engine
from kiosk.core import backup, restore, services, views
from kiosk.core.context import Context, open_context
from kiosk.errors import KioskError
from kiosk.system.config import Settings
from tests.fuzz.harness import Fingerprint
from tests.service.crafted import HOSTILE, SLOW_INDEX, alter

WORKER = str(Path(__file__).with_name("workers.py"))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def counts(ctx: Context) -> dict[str, int]:
    with ctx.read() as session:
        return {t: session.scalar(text(f"SELECT count(*) FROM {t}")) for t in backup.COUNTED}


def numbers(ctx: Context) -> tuple[list[int], int]:
    """The ticket numbers of the (single) stopover, and its last number."""
    with ctx.read() as session:
        found = list(session.scalars(text("SELECT number FROM tickets ORDER BY number")))
        last = session.scalar(text("SELECT last_number FROM stopovers"))
    return found, int(last or 0)


def take(ctx: Context, n: int) -> None:
    for _ in range(n):
        services.take_ticket(ctx, "autre", channel="cli")


@pytest.fixture
def usb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the data dir, as a USB key is."""
    return tmp_path_factory.mktemp("usb")


# ---------------------------------------------------------------- during a busy queue


@contextmanager
def taking(settings: Settings) -> Iterator[list[int]]:
    """A real process that takes tickets in a loop; yields the numbers it printed (each after
    its commit), growing, and stops it on leaving."""
    proc = subprocess.Popen([sys.executable, WORKER, "take", settings.effective_database_url,
                             "100000", "autre"], stdout=subprocess.PIPE, text=True)
    printed: list[int] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            printed.append(int(line))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield printed
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        reader.join(timeout=30)


def until(printed: list[int], n: int) -> None:
    deadline = time.monotonic() + 120
    while len(printed) < n:
        assert time.monotonic() < deadline, f"the writer stopped at {len(printed)} tickets"
        time.sleep(0.01)


def test_a_backup_taken_during_a_busy_queue_restores_every_committed_ticket(
        open_ctx, settings, usb):
    """A real process takes tickets in a loop while the backup runs: every ticket committed
    before the backup began is in the copy, and the numbering has no hole."""
    with taking(settings) as printed:
        until(printed, 40)
        before = list(printed)  # committed before the backup began (printed after the commit)
        report = backup.backup(open_ctx, usb)
        during = len(printed) - len(before)
        until(printed, len(before) + during + 20)  # the queue goes on after the copy
    taken_total = counts(open_ctx)["tickets"]
    assert report.counts["tickets"] >= len(before)
    assert taken_total > report.counts["tickets"]  # the writer really ran around the copy

    restored = restore.restore(settings, report.path)
    found, last = numbers(open_ctx)
    assert set(before) <= set(found)
    assert found == list(range(1, len(found) + 1))
    assert len(found) == report.counts["tickets"] == restored.counts["tickets"]
    assert restored.dropped["tickets"] == taken_total - len(found)
    # the numbering goes on after the last number handed out, never from the copy's counter
    assert last == taken_total
    assert services.take_ticket(open_ctx, "autre").number == taken_total + 1
    print(f"\n{open_ctx.engine.dialect.name}: {len(before)} tickets before the copy, "
          f"{during} taken during it ({report.seconds * 1000:.0f} ms), {taken_total} in all")


def test_a_restore_while_tickets_are_taken_never_hands_out_a_number_twice(
        open_ctx, settings, usb):
    """The kiosk keeps taking tickets before, during and after the restore (the hostile
    tester's case: numbers 4-7 were handed out a second time). The live numbers are read under
    the restore's own write lock: not one number comes twice, and none of the copy's."""
    take(open_ctx, 3)
    copy = backup.backup(open_ctx, usb).path
    with taking(settings) as printed:
        until(printed, 20)
        started = time.monotonic()
        report = restore.restore(settings, copy)
        seconds = time.monotonic() - started
        at_restore = len(printed)
        until(printed, at_restore + 20)
    assert len(printed) == len(set(printed)), sorted(n for n in printed if printed.count(n) > 1)
    assert min(printed) == 4
    [kept] = report.numbering
    assert kept.restored == 3 and kept.last_number >= 3 + 20  # at least those seen before
    after = [n for n in printed if n > kept.last_number]
    assert after == list(range(kept.last_number + 1, kept.last_number + 1 + len(after)))
    found, last = numbers(open_ctx)
    assert found[:3] == [1, 2, 3] and found[3:] == after and last == max(printed)
    assert report.dropped["tickets"] == kept.last_number - 3
    print(f"\n{open_ctx.engine.dialect.name}: restore in {seconds:.2f} s while a process took "
          f"tickets; {report.dropped['tickets']} dropped, {len(after)} taken after, none twice")


# ---------------------------------------------------------------- the copy itself


def test_a_backup_is_owner_only_named_by_its_time_and_checked(open_ctx, usb, clock):
    take(open_ctx, 3)
    report = backup.backup(open_ctx, usb)
    ext = "sqlite3" if open_ctx.engine.dialect.name == "sqlite" else "dump"
    assert report.path.name == f"borne-plus-2026-11-26-09h00.{ext}"
    assert mode(report.path) == 0o600
    assert report.counts == {"stopovers": 1, "tickets": 3, "demandes": 0}
    assert report.removable and report.size == report.path.stat().st_size
    again = backup.backup(open_ctx, usb)  # same minute: a second name, the first kept
    assert again.path.name == f"borne-plus-2026-11-26-09h00-2.{ext}"
    assert [p.name for p in usb.iterdir()] and not [p for p in usb.iterdir()
                                                     if p.name.endswith(".part")]
    if ext == "sqlite3":  # a standalone file: no WAL beside it, journal mode back to DELETE
        import sqlite3

        with sqlite3.connect(report.path) as raw:
            assert raw.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert not Path(f"{report.path}-wal").exists()


def test_a_backup_into_a_missing_folder_is_refused_in_one_line(open_ctx, tmp_path):
    with pytest.raises(KioskError) as refused:
        backup.backup(open_ctx, tmp_path / "nowhere")
    assert "ce dossier n'existe pas" in refused.value.message
    assert "\n" not in refused.value.message


def test_a_missing_postgresql_tool_is_one_clear_line():
    with pytest.raises(KioskError) as refused:
        backup.pg_tool("pg_dump_of_another_planet")
    assert refused.value.message.startswith("pg_dump_of_another_planet introuvable")


# ---------------------------------------------------------------- restore refusals


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "random":
        path.write_bytes(os.urandom(len(data)))
    elif how == "random-after-header":
        path.write_bytes(data[:100] + os.urandom(len(data) - 100))
    elif how == "empty":
        path.write_bytes(b"")
    else:
        path.write_text("ceci n'est pas une sauvegarde\n")


@pytest.mark.parametrize("how", ["truncated", "random", "random-after-header", "empty", "text"])
def test_a_damaged_file_is_refused_and_the_database_untouched(open_ctx, settings, usb, how):
    take(open_ctx, 4)
    report = backup.backup(open_ctx, usb)
    _damage(report.path, how)
    take(open_ctx, 1)
    before = numbers(open_ctx)
    with pytest.raises(KioskError) as refused:
        restore.restore(settings, report.path)
    assert refused.value.exit_code == 2 and "\n" not in refused.value.message
    assert numbers(open_ctx) == before
    assert not list(settings.data_dir.glob("*before-restore*"))
    assert not list(settings.data_dir.glob(".restore-*"))


def _make_backup_at_revision(database_factory, tmp_path: Path, usb: Path,
                             revision: str | None = None, downgrade: str | None = None) -> Path:
    """A backup of another database, its schema set to `revision` or downgraded."""
    url = database_factory()
    engine = make_engine(url)
    if downgrade:
        command.downgrade(alembic_config(engine), downgrade)
    if revision:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()
    other = open_context(Settings(data_dir=tmp_path / "other", database_url=url), migrate=False)
    try:
        return backup.backup(other, usb).path
    finally:
        other.dispose()


def test_a_file_of_a_newer_schema_is_refused(open_ctx, settings, usb, database_factory,
                                            tmp_path):
    take(open_ctx, 2)
    newer = _make_backup_at_revision(database_factory, tmp_path, usb, revision="9999")
    before = numbers(open_ctx)
    with pytest.raises(KioskError) as refused:
        restore.restore(settings, newer)
    assert "version plus récente" in refused.value.message
    assert refused.value.exit_code == 2 and "\n" not in refused.value.message
    assert numbers(open_ctx) == before
    assert not list(settings.data_dir.glob("*before-restore*"))


def test_a_file_of_an_older_schema_is_upgraded_after_restore(open_ctx, settings, usb,
                                                            database_factory, tmp_path):
    older = _make_backup_at_revision(database_factory, tmp_path, usb, downgrade="0003")
    report = restore.restore(settings, older)
    assert report.revision == "0003" and report.upgraded
    with open_ctx.read() as session:
        assert db_engine.at_head(session.get_bind())
    services.open_stopover(open_ctx, "ducos-bourg")
    assert services.take_ticket(open_ctx, "autre").number == 1


# ---------------------------------------------------------------- copies that plant something


class Untouched:
    """What a refused restore must leave exactly as it was: every row of the live database, the
    SQLite file's bytes, and the data dir (no staged file, no copy aside, no check database)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = settings.effective_database_url
        self.rows = Fingerprint(self.url)
        self.before = self.state()

    def files(self) -> dict[str, str]:
        if not self.url.startswith("sqlite:///"):
            return {}
        live = Path(self.url.removeprefix("sqlite:///"))
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in (live, Path(f"{live}-wal")) if p.exists()}

    def state(self) -> tuple[str, dict[str, str], list[str]]:
        return self.rows(), self.files(), sorted(p.name for p in self.settings.data_dir.iterdir())

    def check(self) -> None:
        assert self.state() == self.before
        assert not list(self.settings.data_dir.glob(".restore-*"))
        assert not list(self.settings.data_dir.glob("*before-restore*"))
        if not self.url.startswith("sqlite:///"):
            live = make_engine(self.url)
            try:
                with live.connect() as conn:
                    left = conn.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE "
                                             "current_database() || '\\_%'")).all()
            finally:
                live.dispose()
            assert left == []  # no check database outlives the restore
        self.rows.dispose()


def finished(call, seconds: float = 300):
    """`call()` in a thread: a restore that hangs fails the test instead of hanging the suite."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(("ok", call()))
        except BaseException as error:  # handed to the test
            outcome.append(("raised", error))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert outcome, f"still running after {seconds} s"
    kind, value = outcome[0]
    if kind == "raised":
        raise value
    return value


@pytest.mark.parametrize("hostile", list(HOSTILE))
def test_a_copy_that_plants_something_is_refused_and_the_live_database_untouched(
        open_ctx, settings, usb, hostile):
    sqlite_change, pg_change, words = HOSTILE[hostile]
    take(open_ctx, 3)
    copy = backup.backup(open_ctx, usb).path
    alter(copy, sqlite_change, pg_change)
    take(open_ctx, 1)
    untouched = Untouched(settings)
    asked = []
    with pytest.raises(KioskError) as refused:
        finished(lambda: restore.restore(settings, copy, confirm=asked.append))
    message = refused.value.message
    assert message.startswith(f"{copy.name} : pas le schéma de Borne PLUS ({words}")
    assert message.endswith(") : rien n'a changé") and "\n" not in message
    assert refused.value.exit_code == 2 and asked == []  # refused before any question
    if hostile == "a unique constraint that gives way":
        assert "uq_tickets_stopover_number" in message
    untouched.check()
    assert numbers(open_ctx) == ([1, 2, 3, 4], 4)
    assert services.take_ticket(open_ctx, "autre").number == 5  # the queue works on


def test_a_check_that_runs_too_long_is_stopped_and_leaves_nothing(open_ctx, settings, usb):
    """SQLite: no check may take longer than its bound (0 s here: stopped at once). PostgreSQL:
    a copy whose index sleeps an hour in the check database, stopped by statement_timeout."""
    take(open_ctx, 2)
    copy = backup.backup(open_ctx, usb).path
    sqlite = open_ctx.engine.dialect.name == "sqlite"
    if not sqlite:
        alter(copy, "", SLOW_INDEX)
    untouched = Untouched(settings)
    started = time.monotonic()
    with pytest.raises(KioskError) as refused:
        finished(lambda: restore.restore(settings, copy, check_seconds=0 if sqlite else 2))
    assert refused.value.message == (f"{copy.name} : contrôle arrêté au bout de "
                                     f"{0 if sqlite else 2} s (copie trop lourde ou piégée) : "
                                     "rien n'a changé")
    untouched.check()
    print(f"\n{open_ctx.engine.dialect.name}: refused after {time.monotonic() - started:.1f} s")


def test_a_live_database_that_is_not_ours_is_not_replaced_row_by_row(open_ctx, settings, usb):
    take(open_ctx, 2)
    copy = backup.backup(open_ctx, usb).path
    with open_ctx.engine.begin() as conn:
        conn.execute(text("CREATE VIEW waiting AS SELECT * FROM tickets"))
    untouched = Untouched(settings)
    with pytest.raises(KioskError) as refused:
        restore.restore(settings, copy)
    assert refused.value.message == (
        "La base actuelle n'a pas le schéma de Borne PLUS (vue en trop : waiting) : elle ne "
        "peut pas être remplacée ligne à ligne ; mettez-la de côté et restaurez dans une base "
        "neuve. Rien n'a changé.")
    untouched.check()


@contextmanager
def kiosk_owner(database_url: str, rights: str) -> Iterator[str]:
    """A role as README sets kiosk_owner up, with `rights`, owning a database of its name."""
    role = f"kiosk_owner_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN {rights}'))
        conn.execute(text(f'CREATE DATABASE "{role}" OWNER "{role}"'))
    try:
        yield make_engine(database_url).url.set(username=role, database=role).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{role}" WITH (FORCE)'))
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.engine.dispose()


def roles_named(database_url: str, prefix: str) -> list[str]:
    with make_engine(database_url).connect() as conn:
        return list(conn.scalars(text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p"),
                                 {"p": f"{prefix}%"}))


def restore_roles_of(database_url: str, owner: str) -> list[str]:
    """The throwaway restore roles granted to `owner` (each restore grants its own to the role
    that runs it) still on the server: other tests' restores run meanwhile on the same server."""
    with make_engine(database_url).connect() as conn:
        return list(conn.scalars(text(
            "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :owner "
            "AND r.rolname LIKE 'kiosk_restore_%'"), {"owner": owner}))


# PostgreSQL alone: its roles and its throwaway databases (SQLite stages its copy in a file)
ON_POSTGRESQL = pytest.mark.parametrize("database_factory", ["postgresql"], indirect=True)


@ON_POSTGRESQL
@pytest.mark.parametrize(("rights", "first"), [
    ("NOCREATEDB CREATEROLE", "La base de contrôle de la restauration n'a pas pu être créée ("),
    ("CREATEDB NOCREATEROLE", "Le rôle de contrôle de la restauration n'a pas pu être créé (")])
def test_a_postgresql_role_that_cannot_create_the_check_database_is_told_what_to_grant(
        settings, usb, database_url, open_ctx, rights, first):
    copy = backup.backup(open_ctx, usb).path
    with kiosk_owner(database_url, rights) as url:
        role = make_url(url).username
        with pytest.raises(KioskError) as refused:
            restore.restore(Settings(data_dir=settings.data_dir, database_url=url), copy)
        assert refused.value.message.startswith(first)
        assert refused.value.message.endswith(
            f"le rôle PostgreSQL {role} doit pouvoir créer une base et un rôle (ALTER ROLE {role} "
            "CREATEDB CREATEROLE). Rien n'a changé.")
        assert not list(settings.data_dir.glob(".restore-*"))
        assert restore_roles_of(database_url, str(role)) == []


@ON_POSTGRESQL
def test_a_copy_restored_by_a_role_that_is_not_superuser(settings, usb, database_url, open_ctx):
    """README's kiosk_owner (CREATEDB CREATEROLE, no superuser) restores a copy: its throwaway
    role and databases are made, used and dropped."""
    take(open_ctx, 3)
    copy = backup.backup(open_ctx, usb).path
    with kiosk_owner(database_url, "CREATEDB CREATEROLE") as url:
        owner = Settings(data_dir=settings.data_dir, database_url=url)
        report = restore.restore(owner, copy)
        assert report.counts["tickets"] == 3
        owned = open_context(owner, migrate=False)
        try:
            assert numbers(owned) == ([1, 2, 3], 3)
        finally:
            owned.dispose()
        assert restore_roles_of(database_url, str(make_url(url).username)) == []


@ON_POSTGRESQL
def test_sql_a_copy_runs_when_restored_runs_without_the_kiosk_s_rights(
        open_ctx, settings, usb, database_url):
    """A copy whose tickets carry a CHECK calling a function of the copy: pg_restore runs it for
    every row it loads. With the kiosk's rights (here a superuser's) it created a superuser role
    on the server before any check (the schema check refused the copy afterwards, the role
    stayed); under the throwaway role it is refused and nothing is made."""
    take(open_ctx, 2)
    copy = backup.backup(open_ctx, usb).path
    planted = f"planted_{uuid.uuid4().hex[:8]}"
    alter(copy, "", f"""
        CREATE FUNCTION public.plant(n integer) RETURNS boolean LANGUAGE plpgsql AS $$
        BEGIN
          IF current_database() NOT LIKE 'kiosk_craft_%'
             AND NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{planted}') THEN
            EXECUTE 'CREATE ROLE {planted} SUPERUSER LOGIN';
          END IF;
          RETURN true;
        END $$;
        ALTER TABLE tickets ADD CONSTRAINT plant CHECK (public.plant(number));
    """)
    with kiosk_owner(database_url, "SUPERUSER") as url:  # its own, for the roles it grants
        owner = make_url(url).username
        with pytest.raises(KioskError) as refused:
            restore.restore(Settings(data_dir=settings.data_dir, database_url=url), copy)
        assert refused.value.message.startswith(f"{copy.name} : copie refusée par pg_restore, "
                                                "rien n'a changé : ")
        assert "COPY failed for table \"tickets\"" in refused.value.message
        assert roles_named(database_url, planted) == []
        assert restore_roles_of(database_url, str(owner)) == []
        with make_engine(url).connect() as conn:  # the live base: as empty as it was
            assert conn.scalar(text("SELECT count(*) FROM pg_tables "
                                    "WHERE schemaname = 'public'")) == 0


@ON_POSTGRESQL
def test_what_a_killed_restore_left_on_the_server_goes_at_the_next_one(
        open_ctx, settings, usb, database_url):
    """A restore killed half-way leaves its throwaway database and role: the next restore drops
    those older than six hours, and leaves a younger one (another restore may be using it)."""
    from kiosk.core.restore_staging import LEFT_AFTER_S, RESTORE_ROLE

    live = str(make_url(database_url).database)[:38]
    old = f"{int(time.time() - LEFT_AFTER_S - 60):x}_{uuid.uuid4().hex[:6]}"
    young = f"{int(time.time() - 60):x}_{uuid.uuid4().hex[:6]}"
    left = [f"{live}_restore_{old}", f"{live}_schema_{old}", f"{live}_schema_{young}"]
    role = f"{RESTORE_ROLE}{old}"
    admin = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        for name in left:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    copy = backup.backup(open_ctx, usb).path
    try:
        restore.restore(settings, copy)
        with admin.connect() as conn:
            there = set(conn.scalars(text("SELECT datname FROM pg_database")))
        assert [name in there for name in left] == [False, False, True]
        assert roles_named(database_url, role) == []
    finally:
        with admin.connect() as conn:
            for name in left:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.engine.dispose()


# ---------------------------------------------------------------- numbers never given twice


def events(ctx: Context, kind: str) -> list[tuple[int | None, dict]]:
    with ctx.read() as session:
        rows = session.execute(text("SELECT stopover_id, detail FROM events WHERE kind = :k "
                                    "ORDER BY id"), {"k": kind}).all()
    return [(row[0], json.loads(row[1])) for row in rows]


def test_tickets_taken_after_the_copy_are_announced_and_their_numbers_never_given_again(
        open_ctx, settings, usb, clock):
    take(open_ctx, 3)
    copy = backup.backup(open_ctx, usb).path
    take(open_ctx, 4)  # 4 to 7: handed out, then dropped by the restore
    services.call_next(open_ctx, 1)
    services.finish_visit(open_ctx, 1, [services.DemandeInput("caf-aide-logement", "solved"),
                                        services.DemandeInput("cgss-c2s", "follow_up")])
    seen = []
    report = restore.restore(settings, copy, confirm=lambda c: seen.append(c) or True)
    dropped = {"stopovers": 0, "tickets": 4, "demandes": 2}
    assert seen[0].dropped == dropped and report.dropped == dropped
    [kept] = report.numbering
    assert (kept.stop_id, kept.day, kept.half) == ("ducos-bourg", clock().date(), "morning")
    assert (kept.last_number, kept.restored) == (7, 3)
    assert numbers(open_ctx) == ([1, 2, 3], 7)
    assert services.take_ticket(open_ctx, "autre").number == 8
    [(stopover_id, detail)] = events(open_ctx, "numbering_kept")
    assert stopover_id is not None and detail == {
        "stop": "ducos-bourg", "day": "2026-11-26", "half": "morning", "last_number": 7,
        "restored": 3}
    [(_, restored)] = events(open_ctx, "database_restored")
    assert restored == {"source": copy.name, "dropped": dropped, "numbering_kept": 1}


def test_a_stopover_the_copy_lacks_reopens_after_its_last_number(ctx, settings, usb):
    """The copy was taken before the stopover opened (the copy of the last closing): the restore
    drops the stopover, and its next opening starts after the numbers it had handed out."""
    copy = backup.backup(ctx, usb).path
    services.open_stopover(ctx, "ducos-bourg")
    take(ctx, 5)
    report = restore.restore(settings, copy)
    assert report.dropped == {"stopovers": 1, "tickets": 5, "demandes": 0}
    assert [(n.last_number, n.restored) for n in report.numbering] == [(5, None)]
    assert views.queue_snapshot(ctx).stopover is None
    [(stopover_id, detail)] = events(ctx, "numbering_kept")
    assert stopover_id is None and detail["last_number"] == 5
    opened = services.open_stopover(ctx, "ducos-bourg")
    assert opened.last_number == 5
    services.undo_open_stopover(ctx, opened.id)  # an opening by mistake can still be undone
    services.open_stopover(ctx, "ducos-bourg")
    assert services.take_ticket(ctx, "autre").number == 6


def test_a_second_restore_keeps_the_numbers_the_first_one_kept(ctx, settings, usb):
    copy = backup.backup(ctx, usb).path
    services.open_stopover(ctx, "ducos-bourg")
    take(ctx, 3)
    restore.restore(settings, copy)  # the stopover is gone; its 3 numbers are in the log
    restore.restore(settings, copy)  # the copy has no such line: the live log's is kept
    services.open_stopover(ctx, "ducos-bourg")
    assert services.take_ticket(ctx, "autre").number == 4


# ---------------------------------------------------------------- restore


def test_the_replaced_database_is_kept_aside_and_the_copy_put_in_place(open_ctx, settings, usb,
                                                                       clock):
    take(open_ctx, 2)
    report = backup.backup(open_ctx, usb)
    take(open_ctx, 5)  # taken after the copy: found in the database kept aside
    clock.advance(minutes=30)
    seen = []
    restored = restore.restore(settings, report.path, confirm=lambda c: seen.append(c) or True,
                              now=clock())
    assert seen[0].counts["tickets"] == 2
    assert seen[0].dropped == {"stopovers": 0, "tickets": 5, "demandes": 0}
    assert restored.counts["tickets"] == 2 and numbers(open_ctx) == ([1, 2], 7)
    kept = restored.kept_aside
    assert kept is not None and kept.parent == settings.data_dir and mode(kept) == 0o600
    if open_ctx.engine.dialect.name == "sqlite":
        assert kept.name == "kiosk-0.sqlite3.before-restore-2026-11-26-09h30"
        import sqlite3

        with sqlite3.connect(kept) as raw:
            assert raw.execute("SELECT count(*) FROM tickets").fetchone() == (7,)
    else:
        assert ".before-restore-2026-11-26-09h30" in kept.name and kept.suffix == ".dump"
        conninfo, env = backup.libpq(open_ctx.engine.url)
        assert backup.dump_counts(kept, env)["tickets"] == 7


def test_a_restore_the_user_declines_changes_nothing(open_ctx, settings, usb):
    take(open_ctx, 2)
    report = backup.backup(open_ctx, usb)
    take(open_ctx, 1)
    with pytest.raises(KioskError) as refused:
        restore.restore(settings, report.path, confirm=lambda c: False)
    assert "annulée" in refused.value.message
    assert numbers(open_ctx) == ([1, 2, 3], 3)
    assert not list(settings.data_dir.glob("*before-restore*"))


def test_a_backup_of_the_other_backend_is_refused(open_ctx, settings, tmp_path):
    foreign = tmp_path / "foreign.bin"
    foreign.write_bytes(b"PGDMP\x01\x0f" + os.urandom(200)
                        if open_ctx.engine.dialect.name == "sqlite"
                        else b"SQLite format 3\x00" + os.urandom(200))
    with pytest.raises(KioskError) as refused:
        restore.restore(settings, foreign)
    assert "mais la base configurée est" in refused.value.message


# ---------------------------------------------------------------- after each closing


def test_closing_a_stopover_leaves_one_backup_in_the_data_dir(open_ctx, settings):
    take(open_ctx, 3)
    saved = backup.close_and_backup(open_ctx)
    assert saved.closed.unserved == 3 and saved.problem is None
    copies = backup.backups_in(settings.data_dir / "backups")
    assert copies == [saved.backup.path] and mode(copies[0]) == 0o600
    assert mode(settings.data_dir / "backups") == 0o700
    assert saved.backup.counts["tickets"] == 3 and not saved.backup.removable
    assert backup.last_removable_backup(settings) is None  # the data dir is not removable media


@pytest.mark.long
def test_thirty_one_closings_keep_the_thirty_newest(open_ctx, settings, clock):
    made = []
    started = time.monotonic()
    for i in range(31):
        if i:
            services.open_stopover(open_ctx, "ducos-bourg", reopen=True)
        take(open_ctx, 1)
        made.append(backup.close_and_backup(open_ctx).backup.path)
        clock.advance(minutes=1 if i % 2 else 0)  # some in the same minute: -2 names
    copies = backup.backups_in(settings.data_dir / "backups")
    assert copies == made[1:] and not made[0].exists()
    assert {mode(p) for p in copies} == {0o600}
    print(f"\n{open_ctx.engine.dialect.name}: 31 closings with their backup in "
          f"{time.monotonic() - started:.1f} s")


def test_a_failed_backup_never_undoes_the_closing_and_shows_as_a_problem(open_ctx, settings):
    (settings.data_dir / "backups").write_text("a file where the folder should be")
    take(open_ctx, 1)
    saved = backup.close_and_backup(open_ctx)
    assert saved.backup is None and saved.problem
    assert views.queue_snapshot(open_ctx).stopover is None  # closed all the same
    problems = views.staff_board(open_ctx).problems
    assert [p.device for p in problems] == ["backup"]
    (settings.data_dir / "backups").unlink()
    services.open_stopover(open_ctx, "ducos-bourg", reopen=True)
    assert backup.close_and_backup(open_ctx).backup is not None
    assert views.staff_board(open_ctx).problems == ()  # the next copy clears the line


# ---------------------------------------------------------------- the reminder


def test_the_reminder_asks_for_a_usb_copy_after_a_week(open_ctx, settings, usb, clock):
    assert backup.last_removable_backup(settings) is None
    assert backup.backup_reminder(settings, clock()) == (
        "Aucune copie sur clé USB pour l'instant. Faites-en une.")
    backup.backup(open_ctx, usb)
    assert backup.last_removable_backup(settings) == dt.datetime(2026, 11, 26, 9, 0)
    assert mode(settings.data_dir / backup.REMOVABLE_RECORD) == 0o600
    assert backup.backup_reminder(settings, clock() + dt.timedelta(days=6, hours=23)) is None
    assert backup.backup_reminder(settings, clock() + dt.timedelta(days=9, hours=2)) == (
        "Dernière copie sur clé USB : il y a 9 jours. Faites-en une.")
    (settings.data_dir / backup.REMOVABLE_RECORD).write_text("{broken")
    assert backup.last_removable_backup(settings) is None
