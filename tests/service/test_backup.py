"""Backups while the apps run, checked copies, restores that refuse what they must, on both
backends: the history is the coordinator's whole record."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from db import engine as db_engine
from db.engine import alembic_config, make_engine
from kiosk.core import backup, restore, services, views
from kiosk.core.context import Context, open_context
from kiosk.errors import KioskError
from kiosk.system.config import Settings

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


def test_a_backup_taken_during_a_busy_queue_restores_every_committed_ticket(
        open_ctx, settings, usb):
    """A real process takes tickets in a loop while the backup runs: every ticket committed
    before the backup began is in the copy, and the numbering has no hole."""
    url = settings.effective_database_url
    proc = subprocess.Popen([sys.executable, WORKER, "take", url, "100000", "autre"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    printed: list[int] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            printed.append(int(line))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while len(printed) < 40:
            time.sleep(0.01)
        before = list(printed)  # committed before the backup began (printed after the commit)
        report = backup.backup(open_ctx, usb)
        during = len(printed) - len(before)
        while len(printed) < len(before) + during + 20:  # the queue goes on after the copy
            time.sleep(0.01)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        reader.join(timeout=30)
    taken_total = counts(open_ctx)["tickets"]
    assert report.counts["tickets"] >= len(before)
    assert taken_total > report.counts["tickets"]  # the writer really ran around the copy

    restored = restore.restore(settings, report.path)
    found, last = numbers(open_ctx)
    assert set(before) <= set(found)
    assert found == list(range(1, len(found) + 1)) and last == found[-1]
    assert len(found) == report.counts["tickets"] == restored.counts["tickets"]
    # the numbering goes on from the restored counter
    assert services.take_ticket(open_ctx, "autre").number == last + 1
    print(f"\n{open_ctx.engine.dialect.name}: {len(before)} tickets before the copy, "
          f"{during} taken during it ({report.seconds * 1000:.0f} ms), {taken_total} in all")


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
    assert restored.counts["tickets"] == 2 and numbers(open_ctx) == ([1, 2], 2)
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
            services.open_stopover(open_ctx, "ducos-bourg")
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
    services.open_stopover(open_ctx, "ducos-bourg")
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
